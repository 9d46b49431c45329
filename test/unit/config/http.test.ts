import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_BODY_TIMEOUT_MS, defaultMaxConnections, parseOpenFilesSoftLimit, readOpenFilesSoftLimit } from '../../../src/config/http.js';
import { parseConfigObject, resolveAgentConfig } from '../../../src/config/load.js';
import { GrapevineError } from '../../../src/core/errors.js';

const msg = (fn: () => unknown) => {
  try {
    fn();
    return 'none';
  } catch (e) {
    assert.ok(e instanceof GrapevineError);
    return e.message;
  }
};

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 1048576              files
Max locked memory         8388608              8388608              bytes
`;

test('the soft open-file limit is read from /proc/self/limits text, and the default cap stays well under it', () => {
  assert.equal(parseOpenFilesSoftLimit(LIMITS), 1024);
  assert.equal(parseOpenFilesSoftLimit(LIMITS.replace('1024 ', 'unlimited')), Infinity);
  assert.equal(parseOpenFilesSoftLimit('Max cpu time unlimited'), undefined);
  const own = readOpenFilesSoftLimit();
  assert.ok(own >= 1, `read ${own}`);
  assert.equal(defaultMaxConnections(1024), 512);
  assert.ok(defaultMaxConnections(Infinity) < Infinity);
  assert.ok(defaultMaxConnections(own) < own || own < 32);
});

test('http defaults: the cap comes from the open-file limit, the body timeout is seconds, not minutes', () => {
  const c = resolveAgentConfig({ node: 'solo' }, 1024);
  assert.deepEqual(c.http, { maxConnections: 512, bodyTimeoutMs: DEFAULT_BODY_TIMEOUT_MS, corsOrigins: [] });
  assert.ok(DEFAULT_BODY_TIMEOUT_MS <= 30_000);
});

test('http config: values are taken, bad ones are refused with the field name', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gv-http-cfg-'));
  try {
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ http: { maxConnections: 100, bodyTimeoutMs: 2500 } }));
    assert.deepEqual(resolveAgentConfig({ config: file, node: 'a' }, 1024).http, { maxConnections: 100, bodyTimeoutMs: 2500, corsOrigins: [] });
    // A cap at or over the open-file limit would let connections starve the daemon of descriptors.
    assert.match(msg(() => resolveAgentConfig({ config: file, node: 'a' }, 100)), /http\.maxConnections: must be below the open-file limit/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.match(msg(() => parseConfigObject({ http: { maxConnections: 0 } })), /^http\.maxConnections/);
  assert.match(msg(() => parseConfigObject({ http: { maxConnections: 1.5 } })), /^http\.maxConnections/);
  assert.match(msg(() => parseConfigObject({ http: { maxConnections: '10' } })), /^http\.maxConnections/);
  assert.match(msg(() => parseConfigObject({ http: { bodyTimeoutMs: 10 } })), /^http\.bodyTimeoutMs/);
  assert.match(msg(() => parseConfigObject({ http: { bodyTimeoutMs: 3_600_000 } })), /^http\.bodyTimeoutMs/);
  assert.match(msg(() => parseConfigObject({ http: { maxConnection: 10 } })), /^http\.maxConnection:/);
  assert.match(msg(() => parseConfigObject({ http: 5 })), /^http:/);
});

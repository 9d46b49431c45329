import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfigObject, resolveAgentConfig } from '../../../src/config/load.js';
import { GrapevineError } from '../../../src/core/errors.js';

test('recover defaults to true; the config file can turn it off; --no-recover turns it off whatever the file says', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gv-recover-'));
  try {
    assert.equal(resolveAgentConfig({ node: 'a' }).recover, true);
    assert.equal(resolveAgentConfig({ node: 'a', recover: true }).recover, true, 'commander sets true when the flag is absent');
    assert.equal(resolveAgentConfig({ node: 'a', recover: false }).recover, false);
    const off = join(dir, 'off.json');
    writeFileSync(off, JSON.stringify({ recover: false }));
    assert.equal(resolveAgentConfig({ node: 'a', config: off, recover: true }).recover, false, 'the absent flag does not override the file');
    const on = join(dir, 'on.json');
    writeFileSync(on, JSON.stringify({ recover: true }));
    assert.equal(resolveAgentConfig({ node: 'a', config: on, recover: false }).recover, false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a recover value that is not a boolean is rejected with the field name', () => {
  assert.throws(() => parseConfigObject({ recover: 'no' }), (e: unknown) => e instanceof GrapevineError && /^recover: must be true or false/.test(e.message));
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hlcFromWallMs } from '../../../../src/core/hlc.js';
import { validateRecord } from '../../../../src/core/replication/validate.js';
import { Watermarks } from '../../../../src/core/replication/watermarks.js';
import { chunkRecords, MAX_RECORDS_PER_CHUNK } from '../../../../src/core/replication/chunks.js';
import type { Rec } from '../../../../src/core/records.js';

const NOW = 1_700_000_000_000;
const inst = { namespace: 'ns', service: 'web', id: 'i1', owner: 'n1', attributes: {}, registeredAtMs: 0 };
const good: Rec = { key: 'i|ns|web|i1', value: inst, hlc: hlcFromWallMs(NOW), node: 'n1', seq: 3 };

test('validateRecord accepts well-formed records of every kind and copies only known fields', () => {
  const ok: Rec[] = [
    good,
    { key: 'i|ns|web|i1', value: null, hlc: 5, node: 'n1', seq: 1, deletedAtMs: NOW },
    { key: 'n|ns', value: { name: 'ns', type: 'HTTP' }, hlc: 5, node: 'n1', seq: 1 },
    { key: 's|ns|web', value: { namespace: 'ns', name: 'web' }, hlc: 5, node: 'n1', seq: 1 },
    { key: 'h|ns|web|i1', value: { status: 'HEALTHY' }, hlc: 5, node: 'n1', seq: 1 },
  ];
  for (const r of ok) assert.deepEqual(validateRecord(r, NOW), r, r.key);
  assert.deepEqual(validateRecord({ ...good, junk: 'x' }, NOW), good);
});

test('validateRecord drops malformed records (table)', () => {
  const bad: [string, unknown][] = [
    ['not an object', 'x'],
    ['array', [good]],
    ['bad key shape', { ...good, key: 'i|ns|web' }],
    ['unknown kind', { ...good, key: 'q|ns' }],
    ['hlc not integer', { ...good, hlc: 1.5 }],
    ['hlc negative', { ...good, hlc: -1 }],
    ['hlc unsafe', { ...good, hlc: 2 ** 60 }],
    ['hlc far in the future', { ...good, hlc: hlcFromWallMs(NOW + 3 * 3_600_000) }],
    ['seq zero', { ...good, seq: 0 }],
    ['seq string', { ...good, seq: '1' }],
    ['node empty', { ...good, node: '' }],
    ['node too long', { ...good, node: 'x'.repeat(300) }],
    ['node not string', { ...good, node: 7 }],
    ['value a string', { ...good, value: 'hello' }],
    ['value an array', { ...good, value: [] }],
    ['value undefined', { ...good, value: undefined }],
    ['instance id mismatch', { ...good, value: { ...inst, id: 'other' } }],
    ['instance service mismatch', { ...good, value: { ...inst, service: 'db' } }],
    ['instance without owner', { ...good, value: { ...inst, owner: undefined } }],
    ['namespace name mismatch', { key: 'n|ns', value: { name: 'other' }, hlc: 5, node: 'n', seq: 1 }],
    ['service namespace mismatch', { key: 's|ns|web', value: { namespace: 'x', name: 'web' }, hlc: 5, node: 'n', seq: 1 }],
    ['health without status', { key: 'h|ns|web|i1', value: {}, hlc: 5, node: 'n', seq: 1 }],
    ['deletedAtMs not a number', { ...good, value: null, deletedAtMs: 'yesterday' }],
  ];
  for (const [why, r] of bad) assert.equal(validateRecord(r, NOW), undefined, why);
});

test('watermarks never move past a gap, and fill in when the gap closes', () => {
  const w = new Watermarks();
  assert.equal(w.observe('x', 1), true);
  assert.equal(w.observe('x', 3), false);
  assert.equal(w.observe('x', 4), false);
  assert.equal(w.get('x'), 1);
  assert.equal(w.observe('x', 2), true);
  assert.equal(w.get('x'), 4);
  assert.equal(w.observe('x', 2), false, 'old news changes nothing');
  w.observe('x', 9);
  assert.equal(w.raiseTo('x', 7), true, 'a completed exchange lifts the mark');
  assert.equal(w.get('x'), 7);
  w.observe('x', 8);
  assert.equal(w.get('x'), 9, 'pending seqs above the raised mark still count');
  assert.deepEqual(w.toObject(), { x: 9 });
});

test('chunkRecords bounds records and bytes per chunk and keeps every record once, in order', () => {
  const recs: Rec[] = Array.from({ length: 1500 }, (_, i) => ({ ...good, key: `i|ns|web|i${i}`, value: { ...inst, id: `i${i}`, attributes: { pad: 'x'.repeat(i % 50) } }, seq: i + 1 }));
  const chunks = chunkRecords(recs, 20_000);
  assert.ok(chunks.every((c) => c.length <= MAX_RECORDS_PER_CHUNK && c.length > 0));
  assert.ok(chunks.every((c) => JSON.stringify(c).length <= 20_000 * 1.2));
  assert.deepEqual(chunks.flat(), recs);
  assert.deepEqual(chunkRecords([], 1000), []);
});

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
const nsValue = { name: 'ns', type: 'DNS', description: '', soaTtl: 15, createdAtMs: 1 };
const svcValue = {
  namespace: 'ns',
  name: 'web',
  description: 'the web tier',
  dns: { routingPolicy: 'MULTIVALUE', records: [{ type: 'A', ttl: 10 }] },
  healthCheck: { type: 'HTTP', path: '/health', intervalMs: 10_000, timeoutMs: 2_000, failureThreshold: 3, successThreshold: 1 },
  createdAtMs: 1,
};
const healthValue = { status: 'HEALTHY', reason: 'CHECK_PASSING', output: 'ok', changedAtMs: 5, consecutiveSuccesses: 1, consecutiveFailures: 0 };
const v = (key: string, value: unknown): Rec => ({ key, value, hlc: 5, node: 'n1', seq: 1 });

test('validateRecord accepts well-formed records of every kind, as the API writes them', () => {
  const ok: Rec[] = [
    good,
    { key: 'i|ns|web|i1', value: null, hlc: 5, node: 'n1', seq: 1, deletedAtMs: NOW },
    v('n|ns', nsValue),
    v('n|api', { name: 'api', type: 'HTTP', description: 'x', soaTtl: 0, createdAtMs: 1 }),
    v('s|ns|web', svcValue),
    v('s|ns|web', { ...svcValue, dns: null, healthCheck: null, deregisterAfterUnhealthyMs: 60_000 }),
    v('i|ns|web|i1', { ...inst, attributes: { ipv4: '10.0.0.1', port: '80', zone: 'a' }, drainUntilMs: NOW, healthCheck: { timeoutMs: 5000 } }),
    v('h|ns|web|i1', healthValue),
  ];
  for (const r of ok) assert.deepEqual(validateRecord(r, NOW), r, r.key);
});

test('validateRecord drops malformed records, held to the API rules (table)', () => {
  const bad: [string, unknown][] = [
    ['not an object', 'x'],
    ['array', [good]],
    ['unknown record field', { ...good, junk: 'x' }],
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
    ['deletedAtMs not a number', { ...good, value: null, deletedAtMs: 'yesterday' }],
    ['instance id mismatch', { ...good, value: { ...inst, id: 'other' } }],
    ['instance service mismatch', { ...good, value: { ...inst, service: 'db' } }],
    ['instance without owner', { ...good, value: { ...inst, owner: undefined } }],
    ['instance without attributes', { ...good, value: { ...inst, attributes: undefined } }],
    ['instance with an unknown field', { ...good, value: { ...inst, evil: 1 } }],
    ['attribute not a string', { ...good, value: { ...inst, attributes: { port: 80 } } }],
    ['attribute port out of range', { ...good, value: { ...inst, attributes: { port: '70000' } } }],
    ['attribute ipv4 malformed', { ...good, value: { ...inst, attributes: { ipv4: '1.2.3' } } }],
    ['too many custom attributes', { ...good, value: { ...inst, attributes: Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`k${i}`, 'v'])) } }],
    ['override interval below the minimum', { ...good, value: { ...inst, healthCheck: { intervalMs: 10 } } }],
    ['override with an unknown type', { ...good, value: { ...inst, healthCheck: { type: 'PING' } } }],
    ['override with an unknown field', { ...good, value: { ...inst, healthCheck: { retries: 3 } } }],
    ['registeredAtMs not an integer', { ...good, value: { ...inst, registeredAtMs: 1.5 } }],
    ['instance id not a Cloud Map id', { key: 'i|ns|web|a b', value: { ...inst, id: 'a b' }, hlc: 5, node: 'n', seq: 1 }],
    ['namespace name mismatch', v('n|ns', { ...nsValue, name: 'other' })],
    ['namespace name not a DNS name', v('n|Bad_NS!', { ...nsValue, name: 'Bad_NS!' })],
    ['namespace of unknown type', v('n|ns', { ...nsValue, type: 'GRPC' })],
    ['namespace without createdAtMs', v('n|ns', { ...nsValue, createdAtMs: undefined })],
    ['HTTP namespace with an SOA TTL', v('n|ns', { ...nsValue, type: 'HTTP', soaTtl: 15 })],
    ['namespace description too long', v('n|ns', { ...nsValue, description: 'x'.repeat(2000) })],
    ['service namespace mismatch', v('s|ns|web', { ...svcValue, namespace: 'x' })],
    ['service without its fields', v('s|ns|web', { namespace: 'ns', name: 'web' })],
    ['service DNS config with duplicate types', v('s|ns|web', { ...svcValue, dns: { routingPolicy: 'MULTIVALUE', records: [{ type: 'A', ttl: 1 }, { type: 'A', ttl: 2 }] } })],
    ['service check timeout not below interval', v('s|ns|web', { ...svcValue, healthCheck: { ...svcValue.healthCheck, timeoutMs: 20_000 } })],
    ['service TCP check with a path', v('s|ns|web', { ...svcValue, healthCheck: { ...svcValue.healthCheck, type: 'TCP' } })],
    ['health without status', v('h|ns|web|i1', { ...healthValue, status: undefined })],
    ['health status unknown', v('h|ns|web|i1', { ...healthValue, status: 'SORT_OF' })],
    ['health reason not one of HEALTH_REASONS', v('h|ns|web|i1', { ...healthValue, reason: 'BECAUSE' })],
    ['health output past 4 KB', v('h|ns|web|i1', { ...healthValue, output: 'x'.repeat(5000) })],
    ['health counter negative', v('h|ns|web|i1', { ...healthValue, consecutiveFailures: -1 })],
    ['health with an unknown field', v('h|ns|web|i1', { ...healthValue, extra: true })],
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

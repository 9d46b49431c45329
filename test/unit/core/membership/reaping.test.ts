import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from '../../../../src/core/registry.js';

const inst = (id: string, owner: string) => ({ key: `i|ns|web|${id}`, value: { namespace: 'ns', service: 'web', id, owner, attributes: {}, registeredAtMs: 0 }, hlc: 10, node: owner, seq: 1 });

test('a reaped owner hides its instances from lookups and counts, keeps the records, and shows them again on return', () => {
  const r = new Registry();
  r.apply(inst('a1', 'a'));
  r.apply(inst('b1', 'b'));
  r.setMemberStatus('a', 'dead');
  assert.equal(r.instance('ns', 'web', 'a1')?.reason, 'NODE_FAILED');
  const rev = r.serviceRevision('ns', 'web');
  r.setOwnerReaped('a', true);
  assert.ok(r.serviceRevision('ns', 'web') > rev, 'blocking queries wake up');
  assert.equal(r.instance('ns', 'web', 'a1'), undefined);
  assert.deepEqual(r.instances('ns', 'web').map((v) => v.value.id), ['b1']);
  assert.equal(r.instanceCount('ns', 'web'), 1);
  assert.ok(r.get('i|ns|web|a1'), 'the record stays: no tombstone is written');
  r.setOwnerReaped('a', false);
  r.setMemberStatus('a', 'alive');
  assert.equal(r.instance('ns', 'web', 'a1')?.health, 'HEALTHY');
  assert.equal(r.instanceCount('ns', 'web'), 2);
});

test('drop removes a live record with its index entries (after a full state transfer)', () => {
  const r = new Registry();
  r.apply(inst('a1', 'a'));
  r.drop('i|ns|web|a1');
  assert.equal(r.get('i|ns|web|a1'), undefined);
  assert.equal(r.instanceCount('ns', 'web'), 0);
  assert.deepEqual(r.ownedBy('a'), []);
  // A later version of the record may arrive again and is applied normally.
  r.apply({ ...inst('a1', 'a'), hlc: 11, seq: 2 });
  assert.equal(r.instanceCount('ns', 'web'), 1);
});

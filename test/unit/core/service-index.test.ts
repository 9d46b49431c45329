import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from '../../../src/core/registry.js';

const inst = (id: string, hlc: number, value: object | null = { namespace: 'ns', service: 'web', id, owner: 'a', attributes: {}, registeredAtMs: 0 }) => ({ key: `i|ns|web|${id}`, value, hlc, node: 'a', seq: hlc }) as never;
const health = (id: string, hlc: number) => ({ key: `h|ns|web|${id}`, value: { status: 'HEALTHY', reason: 'CHECK_PASSED', updatedAtMs: 0 }, hlc, node: 'a', seq: hlc }) as never;

test('serviceIndex is the highest HLC of the service records, in any order of arrival', () => {
  const recs = [inst('x', 100), health('x', 150), inst('y', 120), inst('x', 200, null)];
  const a = new Registry();
  const b = new Registry();
  for (const r of recs) a.apply(r);
  for (const r of [...recs].reverse()) b.apply(r);
  assert.equal(a.serviceIndex('ns', 'web'), 200);
  assert.equal(b.serviceIndex('ns', 'web'), 200, 'two daemons with the same records agree');
  assert.equal(a.instancesRevision('ns', 'web'), 200);
});

test('health records move the index but not the Cloud Map InstancesRevision', () => {
  const r = new Registry();
  r.apply(inst('x', 100));
  r.apply(health('x', 300));
  assert.equal(r.serviceIndex('ns', 'web'), 300);
  assert.equal(r.instancesRevision('ns', 'web'), 100);
});

test('collecting a tombstone or dropping a record never lowers the index, nor raises it by the local drop', () => {
  const r = new Registry();
  r.apply(inst('x', 100));
  r.apply(inst('y', 500, null));
  r.remove('i|ns|web|y');
  assert.equal(r.serviceIndex('ns', 'web'), 500);
  r.drop('i|ns|web|x');
  assert.equal(r.serviceIndex('ns', 'web'), 500, 'drop writes a local tombstone; it must not move the index');
});

test('member status changes leave the index alone (it stays the same on every daemon) but move the local revision', () => {
  const r = new Registry();
  r.apply(inst('x', 100));
  const rev = r.serviceRevision('ns', 'web');
  r.setMemberStatus('a', 'dead');
  assert.equal(r.serviceIndex('ns', 'web'), 100);
  assert.ok(r.serviceRevision('ns', 'web') > rev);
});

test('persisted floors raise the index after a restart and are ignored when lower', () => {
  const before = new Registry();
  before.apply(inst('x', 100));
  before.apply(inst('y', 900, null));
  const floors = before.indexFloors();
  const after = new Registry();
  after.apply(inst('x', 100)); // the tombstone of y was collected before the restart
  after.raiseIndexFloors(floors);
  assert.equal(after.serviceIndex('ns', 'web'), 900);
  after.raiseIndexFloors({ index: { 's|ns|web': 5 } });
  assert.equal(after.serviceIndex('ns', 'web'), 900);
});

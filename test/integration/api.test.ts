import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { api, startDaemon, stopAll, type Daemon } from './helpers/daemon.js';

const NS = '/v1/namespaces/prod.internal';
const WEB = `${NS}/services/web`;

describe('HTTP API against a real daemon', () => {
  let d: Daemon;
  before(async () => {
    d = await startDaemon({ name: 'api1' });
  });
  after(async () => {
    await stopAll([d]);
  });

  test('status and members describe this single node', async () => {
    const s = await api(d, 'GET', '/v1/status');
    assert.equal(s.status, 200);
    assert.equal(s.body.node, 'api1');
    assert.equal(typeof s.body.version, 'string');
    assert.equal(typeof s.body.revision, 'number');
    const m = await api(d, 'GET', '/v1/members');
    assert.deepEqual(m.body.members.map((x: { name: string; status: string }) => [x.name, x.status]), [['api1', 'alive']]);
    assert.equal(m.body.members[0].gossipAddr, d.gossipAddr);
  });

  test('full CRUD: namespace, service, instance, discovery, then delete in order', async () => {
    assert.equal((await api(d, 'PUT', NS, { type: 'DNS', description: 'prod' })).status, 201);
    assert.equal((await api(d, 'PUT', NS, { type: 'DNS', description: 'prod' })).status, 200);
    assert.equal((await api(d, 'GET', NS)).body.description, 'prod');
    assert.deepEqual((await api(d, 'GET', '/v1/namespaces')).body.namespaces.map((n: { name: string }) => n.name), ['prod.internal']);
    const svc = await api(d, 'PUT', WEB, {});
    assert.equal(svc.status, 201);
    assert.deepEqual(svc.body.dns.records.map((r: { type: string }) => r.type), ['A', 'SRV']);
    assert.equal((await api(d, 'GET', `${NS}/services`)).body.services[0].name, 'web');
    const put = await api(d, 'PUT', `${WEB}/instances/i-1`, { attributes: { ipv4: '10.0.0.1', port: '8080', az: 'a' } });
    assert.equal(put.status, 201);
    assert.equal(put.body.node, 'api1');
    assert.equal(put.body.health, 'HEALTHY');
    // An id with '/' travels percent-encoded.
    assert.equal((await api(d, 'PUT', `${WEB}/instances/${encodeURIComponent('pod/2')}`, { attributes: { ipv4: '10.0.0.2', port: '8080', az: 'b' } })).status, 201);
    assert.equal((await api(d, 'GET', `${WEB}/instances/${encodeURIComponent('pod/2')}`)).body.id, 'pod/2');
    const list = await api(d, 'GET', `${WEB}/instances`);
    assert.deepEqual(list.body.instances.map((i: { id: string }) => i.id), ['i-1', 'pod/2']);
    const disc = await api(d, 'GET', '/v1/discover/prod.internal/web?attr.az=a');
    assert.equal(disc.status, 200);
    assert.deepEqual(disc.body.instances.map((i: { id: string }) => i.id), ['i-1']);
    assert.deepEqual(Object.keys(disc.body.instances[0]).sort(), ['attributes', 'health', 'healthReason', 'id', 'namespace', 'node', 'service']);
    assert.equal(disc.body.truncated, false);
    assert.equal(disc.headers.get('x-grapevine-revision'), String(disc.body.revision));
    const one = await api(d, 'GET', '/v1/discover/prod.internal/web?max=1');
    assert.equal(one.body.instances.length, 1);
    assert.equal(one.body.truncated, true);
    // Upsert changes attributes in place.
    assert.equal((await api(d, 'PUT', `${WEB}/instances/i-1`, { attributes: { ipv4: '10.0.0.9', port: '8080' } })).status, 200);
    assert.equal((await api(d, 'GET', `${WEB}/instances/i-1`)).body.attributes.ipv4, '10.0.0.9');
    assert.equal((await api(d, 'DELETE', `${WEB}/instances/i-1`)).status, 200);
    assert.equal((await api(d, 'DELETE', `${WEB}/instances/${encodeURIComponent('pod/2')}`)).status, 200);
    assert.equal((await api(d, 'DELETE', WEB)).status, 200);
    assert.equal((await api(d, 'DELETE', NS)).status, 200);
    assert.equal((await api(d, 'GET', NS)).status, 404);
  });
});

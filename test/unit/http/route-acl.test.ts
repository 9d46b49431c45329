import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aclRoutes } from '../../../src/http/routes/acl.js';
import { agentRoutes } from '../../../src/http/routes/agent.js';
import { discoverRoutes } from '../../../src/http/routes/discover.js';
import { healthRoutes } from '../../../src/http/routes/health.js';
import { instanceRoutes } from '../../../src/http/routes/instances.js';
import { memberRoutes } from '../../../src/http/routes/members.js';
import { metricsRoutes } from '../../../src/http/routes/metrics.js';
import { namespaceRoutes } from '../../../src/http/routes/namespaces.js';
import { serviceRoutes } from '../../../src/http/routes/services.js';
import { stateRoutes } from '../../../src/http/routes/state.js';
import { statusRoutes } from '../../../src/http/routes/status.js';
import { RequestGate, OPEN_IDENTITY } from '../../../src/http/gate.js';
import { Authorizer } from '../../../src/core/acl.js';
import { GrapevineError } from '../../../src/core/errors.js';
import type { ApiDeps } from '../../../src/http/types.js';

test('every route declares what it needs from a token; writes need write access, and only status is public', () => {
  const deps = { ctx: { node: { registry: {} } } } as unknown as ApiDeps;
  const all = [aclRoutes, agentRoutes, discoverRoutes, healthRoutes, instanceRoutes, memberRoutes, metricsRoutes, namespaceRoutes, serviceRoutes, stateRoutes, statusRoutes].flatMap((f) => f(deps));
  for (const r of all) {
    assert.ok(r.acl !== undefined, `${r.method} ${r.path} declares no acl`);
    if (r.method !== 'GET') assert.ok(typeof r.acl === 'object' && r.acl.access === 'write', `${r.method} ${r.path} must need write`);
    if (r.acl === 'public') assert.equal(r.path, '/v1/status');
  }
});

test('the gate: an undeclared route needs management; a denied check names the token and the resource', () => {
  const gate = new RequestGate({ readsPerSec: 0, writesPerSec: 0, corsOrigins: [] }, undefined);
  const reader = { accessorId: 'r-1', authz: new Authorizer([{ resource: 'namespace', name: 'a', access: 'read' }], 'deny') };
  assert.doesNotThrow(() => gate.authorize(undefined, {}, OPEN_IDENTITY), 'ACLs off: everything goes');
  assert.throws(() => gate.authorize(undefined, {}, reader), (e: unknown) => e instanceof GrapevineError && e.code === 'PermissionDenied' && /management only/.test(e.message));
  assert.throws(() => gate.authorize({ resource: 'service', access: 'write' }, { ns: 'a', svc: 'web' }, reader), /token r-1 may not write service a\/web/);
  assert.doesNotThrow(() => gate.authorize({ resource: 'service', access: 'read' }, { ns: 'a', svc: 'web' }, reader));
});

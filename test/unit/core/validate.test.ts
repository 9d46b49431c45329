import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  isIpv6,
  validateAttributes,
  validateDnsConfig,
  validateHealthCheck,
  validateInstanceBody,
  validateInstanceId,
  validateNamespaceBody,
  validateNamespaceName,
  validateServiceBody,
  validateServiceName,
} from '../../../src/core/validate.js';
import { GrapevineError } from '../../../src/core/errors.js';
import type { ServiceValue } from '../../../src/core/types.js';

/** throwsField asserts that fn throws InvalidInput whose message names the field. */
function throwsField(fn: () => unknown, field: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof GrapevineError, `expected GrapevineError, got ${e}`);
    assert.equal(e.code, 'InvalidInput');
    assert.ok(e.message.startsWith(field), `message "${e.message}" should name ${field}`);
    return true;
  });
}

test('namespace names are DNS names, lower-cased; bad ones are refused', () => {
  assert.equal(validateNamespaceName('Prod.Internal'), 'prod.internal');
  assert.equal(validateNamespaceName('a.b.'), 'a.b');
  for (const bad of ['', 'a..b', '-a.b', 'a b', 'a|b', 'x'.repeat(64), `${'a'.repeat(60)}.`.repeat(5), 7]) throwsField(() => validateNamespaceName(bad), 'namespace');
});

test('service names are one DNS label; instance ids follow Cloud Map', () => {
  assert.equal(validateServiceName('Web'), 'web');
  assert.equal(validateServiceName('_http'), '_http');
  for (const bad of ['a.b', '', 'a|b', '-x', 'x'.repeat(64)]) throwsField(() => validateServiceName(bad), 'service');
  assert.equal(validateInstanceId('i-1/a:b@c.d_e'), 'i-1/a:b@c.d_e');
  for (const bad of ['', 'a b', 'a|b', 'x'.repeat(65), 'é']) throwsField(() => validateInstanceId(bad), 'id');
});

test('attributes: reserved keys checked, Cloud Map limits enforced', () => {
  assert.deepEqual(validateAttributes({ ipv4: '10.0.0.1', port: '80', ipv6: '::1', weight: '5', cname: 'x.example.com', k: 'v' }), {
    ipv4: '10.0.0.1', port: '80', ipv6: '::1', weight: '5', cname: 'x.example.com', k: 'v',
  });
  throwsField(() => validateAttributes({ ipv4: '10.0.0.256' }), 'attributes.ipv4');
  throwsField(() => validateAttributes({ ipv6: '1:2:3' }), 'attributes.ipv6');
  throwsField(() => validateAttributes({ port: '0' }), 'attributes.port');
  throwsField(() => validateAttributes({ port: '65536' }), 'attributes.port');
  throwsField(() => validateAttributes({ weight: '-1' }), 'attributes.weight');
  throwsField(() => validateAttributes({ k: 5 }), 'attributes.k');
  throwsField(() => validateAttributes({ k: 'bad\nvalue' }), 'attributes.k');
  throwsField(() => validateAttributes({ k: 'v'.repeat(1025) }), 'attributes.k');
  throwsField(() => validateAttributes({ ['k'.repeat(256)]: 'v' }), 'attributes.');
  const many = Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`k${i}`, 'v']));
  throwsField(() => validateAttributes(many), 'attributes');
  // 30 custom plus reserved keys is fine.
  const thirty = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, 'v']));
  validateAttributes({ ...thirty, ipv4: '1.2.3.4', port: '1' });
  const big = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`k${i}`, 'v'.repeat(1000)]));
  throwsField(() => validateAttributes(big), 'attributes');
  throwsField(() => validateAttributes({ initialHealth: 'MAYBE' }), 'attributes.initialHealth');
  throwsField(() => validateAttributes([]), 'attributes');
});

test('IPv6 parsing accepts the textual forms and refuses malformed ones', () => {
  for (const ok of ['::', '::1', 'fe80::1', '2001:db8:0:0:0:0:2:1', '::ffff:192.0.2.1', '1:2:3:4:5:6:7::']) assert.ok(isIpv6(ok), ok);
  for (const bad of ['1:2:3:4:5:6:7:8:9', '1::2::3', ':1:2:3:4:5:6:7', 'g::1', '::ffff:1.2.3', '12345::']) assert.ok(!isIpv6(bad), bad);
});

test('namespace body: type required, SOA TTL only for DNS, unknown fields refused', () => {
  assert.deepEqual(validateNamespaceBody({ type: 'DNS' }), { type: 'DNS', description: '', soaTtl: 15 });
  assert.deepEqual(validateNamespaceBody({ type: 'HTTP', description: 'd' }), { type: 'HTTP', description: 'd', soaTtl: 0 });
  throwsField(() => validateNamespaceBody({}), 'type');
  throwsField(() => validateNamespaceBody({ type: 'HTTP', soaTtl: 5 }), 'soaTtl');
  throwsField(() => validateNamespaceBody({ type: 'DNS', soaTtl: -1 }), 'soaTtl');
  throwsField(() => validateNamespaceBody({ type: 'DNS', colour: 'red' }), 'colour');
  throwsField(() => validateNamespaceBody('x'), '');
});

test('service DNS config: defaults to A+SRV TTL 10 in DNS namespaces; Cloud Map rules', () => {
  assert.deepEqual(validateServiceBody({}, 'DNS').dns, { routingPolicy: 'MULTIVALUE', records: [{ type: 'A', ttl: 10 }, { type: 'SRV', ttl: 10 }] });
  assert.equal(validateServiceBody({}, 'HTTP').dns, null);
  throwsField(() => validateServiceBody({ dns: { records: [{ type: 'A' }] } }, 'HTTP'), 'dns');
  throwsField(() => validateDnsConfig({ records: [{ type: 'CNAME' }] }), 'dns.routingPolicy');
  throwsField(() => validateDnsConfig({ routingPolicy: 'WEIGHTED', records: [{ type: 'CNAME' }, { type: 'A' }] }), 'dns.records');
  throwsField(() => validateDnsConfig({ records: [{ type: 'A' }, { type: 'A' }] }), 'dns.records[1].type');
  throwsField(() => validateDnsConfig({ records: [{ type: 'MX' }] }), 'dns.records[0].type');
  throwsField(() => validateDnsConfig({ records: [{ type: 'A', ttl: 1.5 }] }), 'dns.records[0].ttl');
  throwsField(() => validateDnsConfig({ records: [] }), 'dns.records');
  assert.deepEqual(validateDnsConfig({ routingPolicy: 'WEIGHTED', records: [{ type: 'CNAME', ttl: 60 }] }).records, [{ type: 'CNAME', ttl: 60 }]);
  throwsField(() => validateServiceBody({ deregisterAfterUnhealthyMs: 10 }, 'DNS'), 'deregisterAfterUnhealthyMs');
  assert.equal(validateServiceBody({ deregisterAfterUnhealthyMs: 60_000 }, 'DNS').deregisterAfterUnhealthyMs, 60_000);
});

test('health check config: defaults, and configs that cannot work are refused by field', () => {
  assert.deepEqual(validateHealthCheck({ type: 'HTTP' }), { type: 'HTTP', path: '/', intervalMs: 10_000, timeoutMs: 2000, failureThreshold: 3, successThreshold: 1 });
  assert.equal(validateHealthCheck({ type: 'TTL', ttlMs: 5000 }).ttlMs, 5000);
  throwsField(() => validateHealthCheck({ type: 'TCP', path: '/x' }), 'healthCheck.path');
  throwsField(() => validateHealthCheck({ type: 'HTTP', intervalMs: 999 }), 'healthCheck.intervalMs');
  throwsField(() => validateHealthCheck({ type: 'HTTP', intervalMs: 2000, timeoutMs: 2000 }), 'healthCheck.timeoutMs');
  throwsField(() => validateHealthCheck({ type: 'TTL' }), 'healthCheck.ttlMs');
  throwsField(() => validateHealthCheck({ type: 'HTTP', ttlMs: 1000 }), 'healthCheck.ttlMs');
  throwsField(() => validateHealthCheck({ type: 'HTTP', failureThreshold: 0 }), 'healthCheck.failureThreshold');
  throwsField(() => validateHealthCheck({ type: 'HTTP', successThreshold: 11 }), 'healthCheck.successThreshold');
  throwsField(() => validateHealthCheck({ type: 'PING' }), 'healthCheck.type');
  throwsField(() => validateHealthCheck({ type: 'HTTP', path: 'x' }), 'healthCheck.path');
  throwsField(() => validateHealthCheck({ type: 'HTTP', insecureSkipVerify: true }), 'healthCheck.insecureSkipVerify');
  throwsField(() => validateHealthCheck({ type: 'HTTP', retries: 2 }), 'healthCheck.retries');
});

test('instance body: record types and network checks need their attributes', () => {
  const svc = (dns: ServiceValue['dns'], healthCheck: ServiceValue['healthCheck'] = null): ServiceValue => ({ namespace: 'n', name: 's', description: '', dns, healthCheck, createdAtMs: 0 });
  const aSrv = svc({ routingPolicy: 'MULTIVALUE', records: [{ type: 'A', ttl: 10 }, { type: 'SRV', ttl: 10 }] });
  validateInstanceBody({ attributes: { ipv4: '10.0.0.1', port: '80' } }, aSrv);
  throwsField(() => validateInstanceBody({ attributes: { port: '80' } }, aSrv), 'attributes.ipv4');
  throwsField(() => validateInstanceBody({ attributes: { ipv4: '10.0.0.1' } }, aSrv), 'attributes.port');
  const aaaa = svc({ routingPolicy: 'MULTIVALUE', records: [{ type: 'AAAA', ttl: 10 }] });
  throwsField(() => validateInstanceBody({ attributes: { ipv4: '10.0.0.1' } }, aaaa), 'attributes.ipv6');
  const cname = svc({ routingPolicy: 'WEIGHTED', records: [{ type: 'CNAME', ttl: 10 }] });
  throwsField(() => validateInstanceBody({ attributes: {} }, cname), 'attributes.cname');
  const httpCheck = svc(null, validateHealthCheck({ type: 'TCP' }));
  throwsField(() => validateInstanceBody({ attributes: { ipv4: '10.0.0.1' } }, httpCheck), 'attributes.port');
  validateInstanceBody({ attributes: {} }, svc(null));
  throwsField(() => validateInstanceBody({ attributes: {}, extra: 1 }, svc(null)), 'extra');
  // Per-instance overrides must still make a valid config.
  const ttl = svc(null, validateHealthCheck({ type: 'TTL', ttlMs: 5000 }));
  assert.deepEqual(validateInstanceBody({ healthCheck: { ttlMs: 9000 } }, ttl).healthCheck, { ttlMs: 9000 });
  throwsField(() => validateInstanceBody({ healthCheck: { path: '/x' } }, ttl), 'healthCheck.path');
  throwsField(() => validateInstanceBody({ healthCheck: { intervalMs: 10 } }, svc(null)), 'healthCheck.type');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveAdvertised } from '../../../src/runtime/advertise.js';

const ifaces = {
  lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true }],
  eth0: [
    { address: 'fe80::1', family: 'IPv6', internal: false },
    { address: '10.1.2.3', family: 'IPv4', internal: false },
  ],
} as never;

test('a wildcard listen address advertises the first non-loopback address, never the wildcard', () => {
  assert.deepEqual(resolveAdvertised('0.0.0.0:7946', undefined, ifaces), { addr: '10.1.2.3:7946', source: 'interface' });
  assert.deepEqual(resolveAdvertised('127.0.0.1:7946', undefined, ifaces), { addr: '127.0.0.1:7946', source: 'listen' });
  assert.deepEqual(resolveAdvertised('0.0.0.0:7946', '192.168.0.9:7946', ifaces), { addr: '192.168.0.9:7946', source: 'config' });
  assert.equal(resolveAdvertised('0.0.0.0:7946', undefined, { lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true }] } as never), undefined);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as packet from 'dns-packet';
import { clientNetworkKey, ResponseRateLimiter, truncatedReply } from '../../../src/dns/rrl.js';

test('clients are grouped by /24 (IPv4, also IPv4-mapped) and /56 (IPv6)', () => {
  assert.equal(clientNetworkKey('10.1.2.3'), clientNetworkKey('10.1.2.250'));
  assert.notEqual(clientNetworkKey('10.1.2.3'), clientNetworkKey('10.1.3.3'));
  assert.equal(clientNetworkKey('::ffff:10.1.2.3'), clientNetworkKey('10.1.2.9'));
  assert.equal(clientNetworkKey('2001:db8:0:1200::1'), clientNetworkKey('2001:db8:0:12ff:ffff::2'));
  assert.notEqual(clientNetworkKey('2001:db8:0:1200::1'), clientNetworkKey('2001:db8:0:1300::1'));
  assert.equal(clientNetworkKey('::1'), '00000000000000');
});

test('over the limit: every slip-th query gets TC=1, the rest are dropped', () => {
  let now = 0;
  const rrl = new ResponseRateLimiter(5, 2, () => now);
  const verdicts = Array.from({ length: 15 }, () => rrl.check('192.0.2.7'));
  assert.deepEqual(verdicts.slice(0, 5), ['answer', 'answer', 'answer', 'answer', 'answer']);
  assert.equal(verdicts.filter((v) => v === 'slip').length, 5);
  assert.equal(verdicts.filter((v) => v === 'drop').length, 5);
  assert.equal(rrl.check('198.51.100.1'), 'answer', 'another network is not affected');
  now = 1000;
  assert.equal(rrl.check('192.0.2.8'), 'answer', 'the bucket refills');
  const never = new ResponseRateLimiter(1, 0, () => 0);
  never.check('192.0.2.1');
  assert.equal(never.check('192.0.2.1'), 'drop', 'slip 0 drops everything over the limit');
});

test('truncatedReply is a valid TC=1 answer with the question and no records', () => {
  const q = packet.encode({ type: 'query', id: 4242, flags: packet.RECURSION_DESIRED, questions: [{ type: 'SRV', name: 'web.prod.internal' }], additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 4096 } as packet.Answer] });
  const r = truncatedReply(q)!;
  const d = packet.decode(r);
  assert.equal(d.id, 4242);
  assert.equal(d.type, 'response');
  assert.ok((d.flags! & packet.TRUNCATED_RESPONSE) !== 0);
  assert.ok((d.flags! & packet.RECURSION_DESIRED) !== 0);
  assert.deepEqual(d.questions, [{ type: 'SRV', name: 'web.prod.internal', class: 'IN' }]);
  assert.equal(d.answers!.length + d.additionals!.length + d.authorities!.length, 0);
  assert.ok(r.length < q.length, 'never larger than the query: no amplification');
  assert.equal(truncatedReply(Buffer.alloc(5)), null);
  assert.equal(truncatedReply(r), null, 'a response is not answered');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkWelcome, HANDSHAKE_SKEW_MS, makeHello, makeWelcome, ReplayGuard } from '../../../src/transport/handshake.js';

const a = { cluster: 'c', node: 'a', addr: '127.0.0.1:1', boot: 'x' };
const b = { cluster: 'c', node: 'b', addr: '127.0.0.1:2', boot: 'y' };

test('a fresh hello is accepted once; the same hello again is a replay', () => {
  const g = new ReplayGuard();
  const h = makeHello(a, 1_000_000);
  assert.equal(g.checkHello(b, h, 1_000_100), undefined);
  assert.equal(g.checkHello(b, h, 1_000_200), 'replay');
  assert.equal(g.checkHello(b, makeHello(a, 1_000_300), 1_000_300), undefined);
});

test('a hello outside the skew window is stale, and a replay after the window is still refused', () => {
  const g = new ReplayGuard();
  const h = makeHello(a, 1_000_000);
  assert.equal(g.checkHello(b, h, 1_000_000 + HANDSHAKE_SKEW_MS + 1), 'stale');
  assert.equal(g.checkHello(b, makeHello(a, 1_000_000 + 2 * HANDSHAKE_SKEW_MS), 1_000_000), 'stale');
  assert.equal(g.checkHello(b, h, 1_000_000), undefined);
  assert.equal(g.checkHello(b, h, 1_000_000 + HANDSHAKE_SKEW_MS + 5), 'stale');
});

test('wrong cluster, wrong version and a hello from ourselves are refused', () => {
  const g = new ReplayGuard();
  assert.equal(g.checkHello(b, makeHello({ ...a, cluster: 'other' }, 0), 0), 'wrong_cluster');
  assert.equal(g.checkHello(b, { ...makeHello(a, 0), v: 99 }, 0), 'bad_version');
  assert.equal(g.checkHello(b, makeHello({ ...a, node: 'b' }, 0), 0), 'self');
});

test('a welcome must echo our own hello nonce', () => {
  const h1 = makeHello(a, 0);
  const h2 = makeHello(a, 0);
  const w = makeWelcome(b, h1, 0);
  assert.equal(checkWelcome(a, h1, w), undefined);
  assert.equal(checkWelcome(a, h2, w), 'bad_echo');
  assert.equal(checkWelcome(a, h1, { ...w, cluster: 'x' }), 'wrong_cluster');
});

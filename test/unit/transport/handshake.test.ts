import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkConfirm, checkWelcome, makeConfirm, makeHello, makeWelcome, MAX_REMEMBERED_NONCES, ReplayGuard } from '../../../src/transport/handshake.js';

const a = { cluster: 'c', node: 'a', addr: '127.0.0.1:1', boot: 'x' };
const b = { cluster: 'c', node: 'b', addr: '127.0.0.1:2', boot: 'y' };
const HOUR_MS = 3600_000;

test('a fresh hello is accepted once; the same hello again is a replay', () => {
  const g = new ReplayGuard();
  const h = makeHello(a, 1_000_000);
  assert.equal(g.checkHello(b, h), undefined);
  assert.equal(g.checkHello(b, h), 'replay');
  assert.equal(g.checkHello(b, makeHello(a, 1_000_300)), undefined);
});

test('a hello is judged by its nonce, not its clock: an hour ahead or behind is accepted, and its replay is refused whenever it comes', () => {
  const g = new ReplayGuard();
  const now = Date.UTC(2026, 0, 1);
  const ahead = makeHello(a, now + HOUR_MS);
  const behind = makeHello({ ...a, node: 'c' }, now - HOUR_MS);
  assert.equal(g.checkHello(b, ahead), undefined);
  assert.equal(g.checkHello(b, behind), undefined);
  assert.equal(g.checkHello(b, ahead), 'replay');
  assert.equal(g.checkHello(b, behind), 'replay');
});

test('the nonce cache is bounded: past its size the oldest nonces are forgotten first', () => {
  assert.ok(MAX_REMEMBERED_NONCES >= 10_000);
  const g = new ReplayGuard(3);
  const hs = [0, 1, 2, 3].map((i) => makeHello(a, i));
  for (const h of hs) assert.equal(g.checkHello(b, h), undefined);
  assert.equal(g.size, 3);
  assert.equal(g.checkHello(b, hs[3]!), 'replay');
  assert.equal(g.checkHello(b, hs[1]!), 'replay');
  assert.equal(g.checkHello(b, hs[0]!), undefined, 'the oldest was forgotten (the confirm still stops its replay)');
});

test('a replayed hello cannot complete: the welcome carries a fresh nonce that only the live dialer echoes', () => {
  const h = makeHello(a, 0);
  const w1 = makeWelcome(b, h, 0);
  const w2 = makeWelcome(b, h, 0);
  assert.notEqual(w1.nonce, w2.nonce, 'every welcome has a fresh nonce');
  assert.equal(checkConfirm(w1, makeConfirm(w1, 5)), undefined);
  // A replayer holding the old session's confirm echoes the old welcome's nonce, not this one's.
  assert.equal(checkConfirm(w2, makeConfirm(w1, 5)), 'bad_confirm');
});

test('wrong cluster, wrong version and a hello from ourselves are refused', () => {
  const g = new ReplayGuard();
  assert.equal(g.checkHello(b, makeHello({ ...a, cluster: 'other' }, 0)), 'wrong_cluster');
  assert.equal(g.checkHello(b, { ...makeHello(a, 0), v: 1 }), 'bad_version', 'protocol 1 has no confirm');
  assert.equal(g.checkHello(b, { ...makeHello(a, 0), v: 99 }), 'bad_version');
  assert.equal(g.checkHello(b, makeHello({ ...a, node: 'b' }, 0)), 'self');
});

test('a welcome must echo our own hello nonce', () => {
  const h1 = makeHello(a, 0);
  const h2 = makeHello(a, 0);
  const w = makeWelcome(b, h1, 0);
  assert.equal(checkWelcome(a, h1, w), undefined);
  assert.equal(checkWelcome(a, h2, w), 'bad_echo');
  assert.equal(checkWelcome(a, h1, { ...w, cluster: 'x' }), 'wrong_cluster');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keepExistingLink } from '../../../src/transport/link-choice.js';

test('simultaneous dials: both sides keep the link dialled by the smaller name', () => {
  const byA = { dialer: 'a', boot: 'x' };
  const byB = { dialer: 'b', boot: 'x' };
  // On node a (peer b), and on node b (peer a), whichever link completed first.
  assert.equal(keepExistingLink('a', 'b', byA, byB), true);
  assert.equal(keepExistingLink('a', 'b', byB, byA), false);
  assert.equal(keepExistingLink('b', 'a', byA, byB), true);
  assert.equal(keepExistingLink('b', 'a', byB, byA), false);
});

test('a link from a new boot of the peer, or a redial by the same side, replaces the old one', () => {
  assert.equal(keepExistingLink('a', 'b', { dialer: 'a', boot: 'old' }, { dialer: 'b', boot: 'new' }), false);
  assert.equal(keepExistingLink('a', 'b', { dialer: 'a', boot: 'x' }, { dialer: 'a', boot: 'x' }), false);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GOSSIP_PRESETS } from '../../../../src/config/gossip.js';
import { decodeMsg, type MsgDecodeErrorCode } from '../../../../src/core/gossip/decode.js';
import { GossipEngine } from '../../../../src/core/gossip/engine.js';
import { MSG_VERSION } from '../../../../src/core/gossip/messages.js';
import { seededRandom } from '../../../../src/core/gossip/types.js';
import { Registry } from '../../../../src/core/registry.js';
import { SAMPLES, SAMPLE_NOW_MS, SAMPLE_RECORDS } from './samples.js';

const NOW = SAMPLE_NOW_MS;

test('every message type decodes to itself, and only known fields are kept', () => {
  for (const sample of Object.values(SAMPLES)) {
    const d = decodeMsg(structuredClone(sample), NOW);
    assert.ok(d.ok, `${sample.t}: ${d.ok ? '' : d.error.message}`);
    assert.deepEqual(d.msg, sample);
    const extra = decodeMsg({ ...structuredClone(sample), junk: { deep: [1] } }, NOW);
    assert.ok(extra.ok);
    assert.deepEqual(extra.msg, sample, `${sample.t}: an unknown field is not carried into the core`);
  }
});

test('the version: absent or current is accepted, a newer one is refused cleanly', () => {
  assert.ok(decodeMsg({ ...SAMPLES['m.ack'], v: MSG_VERSION }, NOW).ok);
  const future = decodeMsg({ ...SAMPLES['m.ack'], v: MSG_VERSION + 1 }, NOW);
  assert.ok(!future.ok && future.error.code === 'unsupported_version');
  const junk = decodeMsg({ ...SAMPLES['m.ack'], v: 'two' }, NOW);
  assert.ok(!junk.ok && junk.error.code === 'bad_field' && junk.error.field === 'v');
});

test('wrong type, shape and bounds are refused with a typed error naming the field (table)', () => {
  const S = SAMPLES;
  const cases: [string, unknown, MsgDecodeErrorCode, string][] = [
    ['not a map', 'm.ping', 'not_a_message', ''],
    ['an array', [S['m.ping']], 'not_a_message', ''],
    ['null', null, 'not_a_message', ''],
    ['no type', { s: 1 }, 'not_a_message', 't'],
    ['a type that is not a string', { t: 7 }, 'not_a_message', 't'],
    ['unknown type', { t: 'm.what', s: 1 }, 'unknown_type', ''],
    ['unknown prefix', { t: 'z.evil' }, 'unknown_type', ''],
    ['a prototype name as type', { t: 'constructor' }, 'unknown_type', ''],
    ['seq missing', { t: 'm.ping' }, 'bad_field', 's'],
    ['seq negative', { t: 'm.ping', s: -1 }, 'bad_field', 's'],
    ['seq fractional', { t: 'm.ack', s: 1.5 }, 'bad_field', 's'],
    ['seq past MAX_SAFE_INTEGER', { t: 'm.nack', s: 2 ** 53 }, 'bad_field', 's'],
    ['seq infinite', { t: 'm.ack', s: Infinity }, 'bad_field', 's'],
    ['seq NaN', { t: 'm.ack', s: NaN }, 'bad_field', 's'],
    ['target empty', { t: 'm.ping', s: 1, tg: '' }, 'bad_field', 'tg'],
    ['target too long', { t: 'm.ping', s: 1, tg: 'x'.repeat(257) }, 'bad_field', 'tg'],
    ['ping-req without target', { t: 'm.preq', s: 1 }, 'bad_field', 'tg'],
    ['ping-req target address not a string', { t: 'm.preq', s: 1, tg: 'a', ta: 5 }, 'bad_field', 'ta'],
    ['tuple too short', { t: 'm.upd', u: [['x']] }, 'bad_field', 'u'],
    ['tuple with an unknown status', { t: 'm.upd', u: [['x', 'y', 9, 0]] }, 'bad_field', 'u'],
    ['tuple with a fractional status', { t: 'm.upd', u: [['x', 'y', 0.5, 0]] }, 'bad_field', 'u'],
    ['tuple with an unsafe incarnation', { t: 'm.upd', u: [['x', 'y', 0, 2 ** 60]] }, 'bad_field', 'u'],
    ['too many tuples', { t: 'm.upd', u: Array.from({ length: 1001 }, () => ['x', 'y', 0, 0]) }, 'bad_field', 'u'],
    ['join name not a string', { ...S['m.join'], n: 5 }, 'bad_field', 'n'],
    ['join incarnation negative', { ...S['m.join'], i: -3 }, 'bad_field', 'i'],
    ['join push-pull flag not 0/1', { ...S['m.join'], pp: 2 }, 'bad_field', 'pp'],
    ['sync members not a list', { t: 'm.sync', ms: 'nope', d: 1 }, 'bad_field', 'ms'],
    ['sync without done flag', { t: 'm.sync', ms: [] }, 'bad_field', 'd'],
    ['rumoured records not a list', { t: 'm.ack', s: 1, rr: {} }, 'bad_field', 'rr'],
    ['push records not a list', { t: 'r.push', r: 'nope' }, 'bad_field', 'r'],
    ['push of too many records', { t: 'r.push', r: Array.from({ length: 513 }, () => SAMPLE_RECORDS[0]) }, 'bad_field', 'r'],
    ['digest without exchange id', { t: 'r.dig', w: {}, p: 0 }, 'bad_field', 'x'],
    ['digest watermark negative', { t: 'r.dig', x: 1, w: { a: -1 }, p: 0 }, 'bad_field', 'w'],
    ['digest watermark unsafe', { t: 'r.dig', x: 1, w: { a: 2 ** 53 }, p: 0 }, 'bad_field', 'w'],
    ['digest watermarks a list', { t: 'r.dig', x: 1, w: [1], p: 0 }, 'bad_field', 'w'],
    ['digest origin name too long', { t: 'r.dig', x: 1, w: { ['o'.repeat(300)]: 1 }, p: 0 }, 'bad_field', 'w'],
    ['digest pull-back flag a boolean', { t: 'r.dig', x: 1, w: {}, p: true }, 'bad_field', 'p'],
    ['data chunk index past the count', { ...S['r.data'], i: 1, n: 1 }, 'bad_field', 'i'],
    ['data chunk count too large', { ...S['r.data'], n: 2_000_000 }, 'bad_field', 'n'],
    ['data floors not counts', { ...S['r.data'], fl: { n2: 'nine' } }, 'bad_field', 'fl'],
  ];
  for (const [why, raw, code, field] of cases) {
    const d = decodeMsg(raw, NOW);
    assert.ok(!d.ok, `${why}: accepted`);
    assert.equal(d.error.code, code, why);
    assert.equal(d.error.field, field, why);
  }
  const d = decodeMsg({ ...S['m.join'], i: -3 }, NOW);
  assert.ok(!d.ok && /m\.join\.i \(incarnation\)/.test(d.error.message), 'the error names the field by its word too');
});

test('an invalid record is dropped and counted; the rest of its batch still decodes', () => {
  const d = decodeMsg({ t: 'r.push', r: [SAMPLE_RECORDS[0], { ...SAMPLE_RECORDS[1], value: { name: 'BAD NAME' } }, SAMPLE_RECORDS[2]] }, NOW);
  assert.ok(d.ok);
  assert.equal(d.invalidRecords, 1);
  assert.deepEqual(d.msg, { t: 'r.push', r: [SAMPLE_RECORDS[0], SAMPLE_RECORDS[2]] });
});

function engine(): GossipEngine {
  return new GossipEngine({
    self: { name: 'self', addr: 'addr:self' },
    config: GOSSIP_PRESETS.lan,
    random: seededRandom(11),
    registry: new Registry(),
    now: NOW,
    seedMembers: ['a', 'b', 'c'].map((p) => ({ name: p, addr: `addr:${p}` })),
  });
}

/** garbage derives a malformed message from a sample: a field dropped, retyped or blown past its bounds. */
function garbage(rnd: () => number): unknown {
  const all = Object.values(SAMPLES);
  const m: Record<string, unknown> = structuredClone(all[Math.floor(rnd() * all.length)]);
  const keys = Object.keys(m).filter((k) => k !== 't');
  const k = keys[Math.floor(rnd() * keys.length)] ?? 't';
  const junk = [undefined, null, -1, 1.5, 2 ** 60, NaN, 'x'.repeat(300), [], {}, [[1, 2]], true, { __proto__: { t: 'm.ack' } }];
  m[k] = junk[Math.floor(rnd() * junk.length)];
  if (m[k] === undefined) delete m[k];
  return m;
}

test('the engine counts and drops garbage, and keeps working after it', () => {
  const e = engine();
  const r = seededRandom(99);
  for (let i = 0; i < 2_000; i++) {
    const out = e.onMessage('a', garbage(() => r.next()), NOW + i);
    assert.deepEqual(out.apply.flatMap((a) => a.recs).filter((x) => !SAMPLE_RECORDS.some((s) => s.key === x.key)), [], 'nothing unknown is applied');
  }
  for (const raw of [undefined, null, 42, 'm.ping', [], { t: 'x.y' }, { t: 'm.ping', s: -1 }]) e.onMessage('b', raw, NOW + 3_000);
  const st = e.stats();
  assert.ok(st.invalidMessages > 500, `invalid messages counted (${st.invalidMessages})`);
  assert.ok(st.unknownMessages >= 1);
  const out = e.onMessage('b', { t: 'm.ping', s: 5, tg: 'self' }, NOW + 3_001);
  assert.deepEqual(out.sends.filter((s) => s.msg.t === 'm.ack').map((s) => [s.to, s.msg.t === 'm.ack' && s.msg.s]), [['b', 5]], 'a good ping is still answered');
  assert.ok(e.members().every((m) => m.status === 'alive'), 'no member was harmed');
});

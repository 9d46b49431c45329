import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeMsg } from '../../../src/core/gossip/decode.js';
import { FIELD_WORDS, MSG_VERSION, type GossipMsgType } from '../../../src/core/gossip/messages.js';
import { WireCodec } from '../../../src/transport/codec.js';
import { SAMPLES, SAMPLE_NOW_MS } from '../core/gossip/samples.js';

// Golden frames: each engine message type has a frame on disk (hex of the bytes a
// daemon puts on the WebSocket, header included). Decoding it must give the typed
// sample, and encoding the sample must give the same bytes, so any change to the
// protocol shows up here. Regenerate, after a deliberate and versioned change, with
// GRAPEVINE_UPDATE_FRAMES=1 node test/run-all.mjs golden-frames
const DIR = fileURLToPath(new URL('../../../../test/fixtures/frames/', import.meta.url));
const UPDATE = process.env.GRAPEVINE_UPDATE_FRAMES === '1';
const codec = new WireCodec(4 * 1024 * 1024);

interface Fixture {
  type: GossipMsgType;
  version: number;
  /** fields repeats FIELD_WORDS for this type, so a reader of the fixture knows what the short names mean. */
  fields: Record<string, string>;
  /** message is the decoded message, for readers; the test compares against the typed sample. */
  message: unknown;
  hex: string;
}

const file = (t: string) => `${DIR}${t.replace('.', '-')}.json`;

for (const [t, sample] of Object.entries(SAMPLES)) {
  test(`golden frame ${t}: the bytes decode to the typed message, and the message encodes to the bytes`, () => {
    const hex = codec.encode({ k: 'msg', m: sample }).toString('hex');
    if (UPDATE) {
      const fx: Fixture = { type: sample.t, version: MSG_VERSION, fields: { ...FIELD_WORDS[sample.t] }, message: sample, hex };
      writeFileSync(file(t), JSON.stringify(fx, null, 2) + '\n');
    }
    assert.ok(existsSync(file(t)), `missing fixture ${file(t)} (see the comment at the top of this test)`);
    const fx = JSON.parse(readFileSync(file(t), 'utf8')) as Fixture;
    const frame = codec.decode(Buffer.from(fx.hex, 'hex'));
    assert.equal(frame.k, 'msg');
    const d = decodeMsg(frame.k === 'msg' ? frame.m : undefined, SAMPLE_NOW_MS);
    assert.ok(d.ok, d.ok ? '' : d.error.message);
    assert.deepEqual(d.msg, sample, 'the frame decodes to the typed message');
    assert.equal(d.invalidRecords, 0);
    assert.deepEqual(fx.message, sample, 'the readable copy in the fixture is the message');
    assert.equal(hex, fx.hex, 'the typed message encodes to the very same bytes');
  });
}

test('every message type has a golden frame, and no fixture is left over', () => {
  assert.deepEqual(Object.keys(SAMPLES).sort(), Object.keys(FIELD_WORDS).sort());
  const want = Object.keys(SAMPLES).map((t) => file(t).slice(DIR.length)).sort();
  assert.deepEqual(readdirSync(DIR).filter((f) => f.endsWith('.json')).sort(), want);
});

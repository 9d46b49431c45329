import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Packr } from 'msgpackr';
import { WireCodec } from '../../../src/transport/codec.js';
import { FrameError, HEADER_BYTES, WIRE_MAGIC, type Frame } from '../../../src/transport/frames.js';
import { Keyring, parseEncryptKeys } from '../../../src/transport/keyring.js';

const key = () => randomBytes(32);
const recs = Array.from({ length: 20 }, (_, i) => ({ key: `i|ns|svc|${i}`, value: { attributes: { AWS_INSTANCE_IPV4: '10.0.0.1' } }, hlc: 1_839_007_849_196_544 + i, node: 'n1', seq: i }));
const msg: Frame = { k: 'msg', m: { t: 'r.push', recs } };

function reason(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof FrameError, `expected FrameError, got ${e}`);
    return e.reason;
  }
  assert.fail('expected a FrameError');
}

test('plain and sealed frames round-trip, and records make batches compact', () => {
  const plain = new WireCodec(1 << 20);
  const sealed = new WireCodec(1 << 20, new Keyring([key()], 'c1'));
  assert.deepEqual(plain.decode(plain.encode(msg)), msg);
  assert.deepEqual(sealed.decode(sealed.encode(msg)), msg);
  const naive = new Packr({ useRecords: false }).pack(msg);
  assert.ok(plain.encode(msg).length < naive.length * 0.8, 'msgpackr records should shrink a batch of like records');
});

test('a sealed frame does not open under another key or another cluster name, and tampering is caught', () => {
  const k = key();
  const a = new WireCodec(1 << 20, new Keyring([k], 'c1'));
  assert.equal(reason(() => new WireCodec(1 << 20, new Keyring([key()], 'c1')).decode(a.encode(msg))), 'decrypt');
  assert.equal(reason(() => new WireCodec(1 << 20, new Keyring([k], 'c2')).decode(a.encode(msg))), 'decrypt');
  const bytes = a.encode(msg);
  bytes[bytes.length - 20]! ^= 1;
  assert.equal(reason(() => a.decode(bytes)), 'decrypt');
});

test('key rotation: the first key seals, every key opens', () => {
  const [oldK, newK] = [key(), key()];
  const oldOnly = new WireCodec(1 << 20, new Keyring([oldK], 'c'));
  const oldPrimary = new WireCodec(1 << 20, new Keyring([oldK, newK], 'c'));
  const newPrimary = new WireCodec(1 << 20, new Keyring([newK, oldK], 'c'));
  const newOnly = new WireCodec(1 << 20, new Keyring([newK], 'c'));
  // Step 1 (new key added as secondary) and step 2 (new key primary) interoperate with their neighbours.
  assert.deepEqual(oldPrimary.decode(oldOnly.encode(msg)), msg);
  assert.deepEqual(oldOnly.decode(oldPrimary.encode(msg)), msg);
  assert.deepEqual(oldPrimary.decode(newPrimary.encode(msg)), msg);
  assert.deepEqual(newOnly.decode(newPrimary.encode(msg)), msg);
  assert.deepEqual(newPrimary.decode(newOnly.encode(msg)), msg);
  assert.equal(reason(() => oldOnly.decode(newOnly.encode(msg))), 'decrypt');
});

test('encryption mismatch is refused in both directions', () => {
  const plain = new WireCodec(1 << 20);
  const sealed = new WireCodec(1 << 20, new Keyring([key()], 'c'));
  assert.equal(reason(() => sealed.decode(plain.encode(msg))), 'unencrypted');
  assert.equal(reason(() => plain.decode(sealed.encode(msg))), 'encrypted');
});

test('truncated, oversized, foreign and unknown-type frames are refused with their reason', () => {
  const c = new WireCodec(64 * 1024);
  const good = c.encode(msg);
  assert.equal(reason(() => c.decode(good.subarray(0, good.length - 5))), 'truncated');
  assert.equal(reason(() => c.decode(good.subarray(0, 2))), 'truncated');
  assert.equal(reason(() => c.decode(Buffer.alloc(64 * 1024 + 1, 7))), 'oversize');
  assert.equal(reason(() => c.decode(Buffer.from('GET / HTTP/1.1\r\n'))), 'bad_magic');
  const wrap = (v: unknown) => Buffer.concat([Buffer.from([WIRE_MAGIC, 0]), new Packr().pack(v)]);
  assert.equal(reason(() => c.decode(wrap({ k: 'launch-missiles' }))), 'unknown_type');
  assert.equal(reason(() => c.decode(wrap({ k: 'msg', m: { t: 'x.evil' } }))), 'unknown_type');
  assert.equal(reason(() => c.decode(wrap([1, 2, 3]))), 'malformed');
  assert.equal(reason(() => c.decode(wrap({ k: 'msg', m: { t: 'm.ping', x: new Date(0) } }))), 'malformed');
  assert.equal(reason(() => c.decode(wrap({ k: 'hello', v: 1, cluster: 'c' }))), 'malformed');
  assert.equal(reason(() => c.decode(Buffer.from([WIRE_MAGIC, 0x80, 0x90]))), 'malformed');
  assert.equal(reason(() => c.decode(Buffer.from([WIRE_MAGIC, 0, 0xc1]))), 'malformed');
  const deep: Record<string, unknown> = { t: 'r.push' };
  let cur = deep;
  for (let i = 0; i < 100; i++) cur = (cur.x = {}) as Record<string, unknown>;
  assert.equal(reason(() => c.decode(wrap({ k: 'msg', m: deep }))), 'malformed');
  assert.ok(HEADER_BYTES === 2);
});

test('a __proto__ key in a message cannot change a prototype', () => {
  const c = new WireCodec(1 << 20);
  const evil = JSON.parse('{"k":"msg","m":{"t":"r.push","__proto__":{"polluted":true}}}');
  const bytes = Buffer.concat([Buffer.from([WIRE_MAGIC, 0]), new Packr({ useRecords: false }).pack(evil)]);
  let decoded: Frame | undefined;
  try {
    decoded = c.decode(bytes);
  } catch (e) {
    assert.ok(e instanceof FrameError);
  }
  if (decoded?.k === 'msg') assert.equal((decoded.m as Record<string, unknown>).polluted, undefined);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('an outgoing frame past maxFrameBytes is refused before it is sent', () => {
  const c = new WireCodec(64 * 1024);
  assert.equal(reason(() => c.encode({ k: 'msg', m: { t: 'r.push', blob: 'x'.repeat(70_000) } })), 'oversize');
});

test('parseEncryptKeys names the bad key', () => {
  assert.equal(parseEncryptKeys([randomBytes(32).toString('base64')])[0]!.length, 32);
  assert.throws(() => parseEncryptKeys([randomBytes(32).toString('base64'), randomBytes(16).toString('base64')]), /encryptKeys\[1\].*32 bytes/);
  assert.throws(() => parseEncryptKeys(['not base64!']), /encryptKeys\[0\]/);
});

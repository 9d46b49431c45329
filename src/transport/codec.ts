/**
 * Wire codec: frame <-> bytes on the WebSocket. Layout: magic (1 byte), flags
 * (1 byte), then the msgpack body, sealed (nonce | ciphertext | tag) when the
 * cluster has keys. A node with keys refuses unsealed frames and a node without
 * keys refuses sealed ones, so a mixed cluster fails loudly at the handshake.
 */
import { FLAG_SEALED, FrameError, HEADER_BYTES, packFrame, unpackFrame, WIRE_MAGIC, type Frame, type WireMsg } from './frames.js';
import type { Keyring } from './keyring.js';

/** WireCodec turns frames into bytes and back for one cluster configuration. */
export class WireCodec {
  constructor(
    /** maxFrameBytes bounds a whole frame on the wire, header and seal included. */
    readonly maxFrameBytes: number,
    private readonly keyring?: Keyring,
  ) {}

  /** encrypted tells whether frames are sealed. */
  get encrypted(): boolean {
    return this.keyring !== undefined;
  }

  /** encode packs (and seals) a frame; it throws FrameError('oversize') past maxFrameBytes. */
  encode(frame: Frame): Buffer {
    const body = packFrame(frame);
    const payload = this.keyring ? this.keyring.seal(body) : body;
    const out = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
    out[0] = WIRE_MAGIC;
    out[1] = this.keyring ? FLAG_SEALED : 0;
    out.set(payload, HEADER_BYTES);
    if (out.length > this.maxFrameBytes) throw new FrameError('oversize', `outgoing ${frame.k} frame of ${out.length} bytes exceeds ${this.maxFrameBytes}`);
    return out;
  }

  // The engine sends one message object to many peers (a push, a verdict): encodeMsg
  // encodes (and seals) it once. The cache holds the last message of this turn only, so
  // a message object changed after it was sent is never sent from stale bytes.
  private lastMsg?: { msg: WireMsg; bytes: Buffer };

  /** encodeMsg packs an engine message into a msg frame, once per message object per turn; it throws like encode. */
  encodeMsg(msg: WireMsg): Buffer {
    if (this.lastMsg?.msg === msg) return this.lastMsg.bytes;
    const bytes = this.encode({ k: 'msg', m: msg });
    if (!this.lastMsg) void Promise.resolve().then(() => (this.lastMsg = undefined));
    this.lastMsg = { msg, bytes };
    return bytes;
  }

  /** decode checks size and header, opens the seal and validates the frame; it throws FrameError. */
  decode(data: Uint8Array): Frame {
    if (data.length > this.maxFrameBytes) throw new FrameError('oversize', `frame of ${data.length} bytes exceeds ${this.maxFrameBytes}`);
    if (data.length < HEADER_BYTES + 1) throw new FrameError('truncated', `frame of ${data.length} bytes is shorter than a header and a body`);
    if (data[0] !== WIRE_MAGIC) throw new FrameError('bad_magic', `first byte 0x${data[0]!.toString(16)} is not a grapevine frame`);
    const flags = data[1]!;
    if ((flags & ~FLAG_SEALED) !== 0) throw new FrameError('malformed', `unknown frame flags 0x${flags.toString(16)}`);
    const sealed = (flags & FLAG_SEALED) !== 0;
    const payload = data.subarray(HEADER_BYTES);
    if (this.keyring) {
      if (!sealed) throw new FrameError('unencrypted', 'peer sent an unencrypted frame but this cluster requires encryption');
      const body = this.keyring.open(payload);
      if (!body) throw new FrameError('decrypt', 'frame does not open with any configured key (wrong key or cluster)');
      return unpackFrame(body);
    }
    if (sealed) throw new FrameError('encrypted', 'peer sent an encrypted frame but this node has no encryptKeys');
    return unpackFrame(payload);
  }
}

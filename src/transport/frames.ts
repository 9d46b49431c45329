/**
 * Gossip frames: the typed, versioned units that travel over a WebSocket between
 * two daemons. A frame is msgpack (msgpackr, with records for compact batches of
 * like-shaped objects) behind a two-byte header that says whether it is sealed.
 * Decoding never trusts the peer: the size, the header, the msgpack and the shape
 * are all checked, and any failure is a FrameError with a stable reason that the
 * transport logs, counts and answers by closing the connection.
 */
import { Packr, Unpackr } from 'msgpackr';

/** PROTOCOL_VERSION is the gossip protocol this build speaks; peers must speak the same (2: the dialer confirms the welcome's nonce; clock frames). */
export const PROTOCOL_VERSION = 2;
/** MIN_PROTOCOL_VERSION is the oldest peer protocol this build accepts in a handshake (1 lacks the confirm, so it cannot pass). */
export const MIN_PROTOCOL_VERSION = 2;
/** WIRE_MAGIC is the first byte of every frame, so that stray bytes are told apart from frames (not ASCII, so no text protocol starts with it). */
export const WIRE_MAGIC = 0xe7;
/** FLAG_SEALED marks a frame whose body is AES-256-GCM sealed (see keyring.ts). */
export const FLAG_SEALED = 0x01;
/** HEADER_BYTES is the size of the frame header: magic, flags. */
export const HEADER_BYTES = 2;
/** MAX_MSG_DEPTH bounds the nesting of a decoded message, so a hostile frame cannot blow the stack. */
export const MAX_MSG_DEPTH = 32;
/** MAX_BATCH_MSGS bounds the messages in one batch frame. */
export const MAX_BATCH_MSGS = 4096;

/** HelloFrame opens a connection: the dialer says who it is (and proves freshness with nonce and time). */
export interface HelloFrame {
  k: 'hello';
  v: number;
  cluster: string;
  node: string;
  addr: string;
  /** boot is random per process start, so a link from a restarted peer is told apart from a stale one. */
  boot: string;
  nonce: string;
  tsMs: number;
}

/** WelcomeFrame accepts a hello; `echo` repeats the hello's nonce so a replayed welcome is refused. */
export interface WelcomeFrame extends Omit<HelloFrame, 'k'> {
  k: 'welcome';
  echo: string;
}

/**
 * ConfirmFrame ends the handshake: the dialer echoes the welcome's fresh nonce. Only a
 * live key holder can do that, so a replayed hello never becomes a link, whatever the
 * clocks say. tsMs is the dialer's wall time, from which the acceptor measures its offset.
 */
export interface ConfirmFrame {
  k: 'confirm';
  echo: string;
  tsMs: number;
}

/** ClockFrame measures a peer's clock on an open link: `tick` asks, `tock` answers with the same q and the answerer's wall time. */
export interface ClockFrame {
  k: 'tick' | 'tock';
  q: number;
  tsMs: number;
}

/**
 * WireMsg is an engine message as the transport carries it: a map with a string `t`
 * and plain-data fields. The transport checks no more than that; the engine decodes
 * it into a typed GossipMsg (src/core/gossip/decode.ts), which is itself a WireMsg.
 */
export type WireMsg = { t: string; [field: string]: unknown };

/** MsgFrame carries one engine message after the handshake. */
export interface MsgFrame {
  k: 'msg';
  m: WireMsg;
}

/** BatchFrame carries several engine messages queued for the same peer, in order. */
export interface BatchFrame {
  k: 'batch';
  ms: WireMsg[];
}

/** Frame is any frame this protocol version knows. */
export type Frame = HelloFrame | WelcomeFrame | ConfirmFrame | ClockFrame | MsgFrame | BatchFrame;

/** FrameErrorReason lists why an incoming frame was refused; each has its own counter. */
export type FrameErrorReason =
  | 'text'
  | 'oversize'
  | 'truncated'
  | 'bad_magic'
  | 'malformed'
  | 'unknown_type'
  | 'unencrypted'
  | 'encrypted'
  | 'decrypt'
  | 'unexpected';

/** FrameError is a refused incoming frame, with a stable reason. */
export class FrameError extends Error {
  readonly code = 'BadFrame';
  constructor(
    readonly reason: FrameErrorReason,
    message: string,
  ) {
    super(message);
    this.name = 'FrameError';
  }
}

// One Packr for the process: with useRecords and no shared `structures`, each frame
// carries the record shapes it uses, so frames stay self-contained (any peer decodes
// any frame on its own) while arrays of records are still written compactly.
const packr = new Packr({ useRecords: true, moreTypes: false, bundleStrings: false });
const unpackr = new Unpackr({ useRecords: true, moreTypes: false, bundleStrings: false, mapsAsObjects: true });

/** packFrame encodes a frame body (without header) as msgpack. */
export function packFrame(frame: Frame): Buffer {
  return packr.pack(frame);
}

/** unpackFrame decodes and validates a frame body; it throws FrameError on anything it does not know. */
export function unpackFrame(body: Uint8Array): Frame {
  let raw: unknown;
  try {
    raw = unpackr.unpack(body);
  } catch (e) {
    const msg = (e as Error).message ?? String(e);
    throw new FrameError(/end of|outside the bounds|out of range/i.test(msg) ? 'truncated' : 'malformed', `undecodable msgpack: ${msg}`);
  }
  return validateFrame(raw);
}

/** validateFrame checks the shape of a decoded frame; only plain data passes. */
export function validateFrame(raw: unknown): Frame {
  if (!isPlainObject(raw)) throw new FrameError('malformed', 'frame is not a map');
  const k = raw.k;
  switch (k) {
    case 'hello':
    case 'welcome': {
      const f = raw as Record<string, unknown>;
      for (const field of ['cluster', 'node', 'addr', 'boot', 'nonce'] as const) {
        if (typeof f[field] !== 'string' || (f[field] as string).length === 0 || (f[field] as string).length > 256) {
          throw new FrameError('malformed', `${k}.${field} must be a non-empty string of at most 256 characters`);
        }
      }
      if (!Number.isInteger(f.v)) throw new FrameError('malformed', `${k}.v must be an integer`);
      if (typeof f.tsMs !== 'number' || !Number.isFinite(f.tsMs)) throw new FrameError('malformed', `${k}.tsMs must be a number`);
      if (k === 'welcome' && typeof f.echo !== 'string') throw new FrameError('malformed', 'welcome.echo must be a string');
      return raw as unknown as Frame;
    }
    case 'confirm':
      if (typeof raw.echo !== 'string' || raw.echo.length === 0 || raw.echo.length > 256) throw new FrameError('malformed', 'confirm.echo must be a non-empty string');
      if (typeof raw.tsMs !== 'number' || !Number.isFinite(raw.tsMs)) throw new FrameError('malformed', 'confirm.tsMs must be a number');
      return { k: 'confirm', echo: raw.echo, tsMs: raw.tsMs };
    case 'tick':
    case 'tock':
      if (!Number.isSafeInteger(raw.q) || typeof raw.tsMs !== 'number' || !Number.isFinite(raw.tsMs)) throw new FrameError('malformed', `${k}.q must be an integer and ${k}.tsMs a number`);
      return { k, q: raw.q as number, tsMs: raw.tsMs };
    case 'msg':
      checkMsg(raw.m);
      return raw as unknown as MsgFrame;
    case 'batch': {
      const ms = raw.ms;
      if (!Array.isArray(ms) || ms.length === 0 || ms.length > MAX_BATCH_MSGS) {
        throw new FrameError('malformed', `batch.ms must hold 1..${MAX_BATCH_MSGS} messages`);
      }
      for (const m of ms) checkMsg(m);
      return raw as unknown as BatchFrame;
    }
    default:
      throw new FrameError('unknown_type', `unknown frame type ${JSON.stringify(typeof k === 'string' ? k.slice(0, 32) : typeof k)}`);
  }
}

function checkMsg(m: unknown): void {
  if (!isPlainObject(m) || typeof m.t !== 'string') throw new FrameError('malformed', 'message must be a map with a string `t`');
  if (!/^[mr]\.[A-Za-z0-9_.-]{1,48}$/.test(m.t)) throw new FrameError('unknown_type', `unknown message type ${JSON.stringify(m.t.slice(0, 32))}`);
  if (!isPlainData(m, 0)) throw new FrameError('malformed', `message ${m.t} holds a value that is not plain data or nests too deep`);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

// Plain data is what the engines may rely on: no class instances from msgpack
// extensions, no prototype tricks, bounded depth.
function isPlainData(v: unknown, depth: number): boolean {
  if (depth > MAX_MSG_DEPTH) return false;
  switch (typeof v) {
    case 'string':
    case 'boolean':
    case 'undefined':
      return true;
    case 'number':
      return Number.isFinite(v);
    case 'object': {
      if (v === null) return true;
      if (v instanceof Uint8Array) return true;
      if (Array.isArray(v)) {
        for (const x of v) if (!isPlainData(x, depth + 1)) return false;
        return true;
      }
      if (!isPlainObject(v)) return false;
      for (const key in v) {
        if (key === '__proto__' || key === 'constructor' || key === 'prototype') return false;
        if (!isPlainData(v[key], depth + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

/**
 * Forwarder sends queries for names outside every DNS namespace to upstream
 * recursors (config `dns.recursors`), off by default. Each query goes out with an id
 * of our own over one UDP socket per address family; the answer is matched on id,
 * source address and question, gets the client's id back, and is relayed. No answer
 * within `timeoutMs` means SERVFAIL. The number of queries in flight is bounded.
 */
import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import { errorResponse, RCODE } from '../core/dns/wire.js';
import { parseHostPort } from '../config/addr.js';

/** ForwarderOptions configure a Forwarder. */
export interface ForwarderOptions {
  /** recursors are "host:port" addresses of upstream resolvers, tried in turn. */
  recursors: string[];
  /** timeoutMs bounds the wait for an upstream answer. */
  timeoutMs: number;
  /** maxInFlight bounds queries awaiting an upstream answer (default 2048); past it, SERVFAIL at once. */
  maxInFlight?: number;
}

interface Pending {
  reply: (answer: Buffer) => void;
  query: Buffer;
  clientId: number;
  host: string;
  port: number;
  timer: NodeJS.Timeout;
}

/** Forwarder relays queries to upstream recursors; see the file comment. */
export class Forwarder {
  private readonly upstreams: { host: string; port: number }[];
  private readonly pending = new Map<number, Pending>();
  private readonly sockets = new Map<'udp4' | 'udp6', dgram.Socket>();
  private next = 0;
  private closed = false;
  private readonly maxInFlight: number;

  constructor(private readonly opts: ForwarderOptions) {
    this.upstreams = opts.recursors.map((r) => parseHostPort(r, 'dns.recursors'));
    this.maxInFlight = opts.maxInFlight ?? 2048;
  }

  /** forward sends one query upstream and calls reply exactly once: with the answer, or with SERVFAIL. */
  forward(query: Buffer, reply: (answer: Buffer) => void): void {
    if (this.closed || this.upstreams.length === 0 || this.pending.size >= this.maxInFlight || query.length < 12) {
      reply(errorResponse(query, RCODE.SERVFAIL));
      return;
    }
    let id = 0;
    for (let tries = 0; tries < 8; tries++) {
      id = (Math.random() * 0x10000) | 0;
      if (!this.pending.has(id)) break;
    }
    if (this.pending.has(id)) {
      reply(errorResponse(query, RCODE.SERVFAIL));
      return;
    }
    const up = this.upstreams[this.next++ % this.upstreams.length];
    const out = Buffer.from(query);
    out.writeUInt16BE(id, 0);
    const timer = setTimeout(() => {
      if (this.pending.get(id)?.timer !== timer) return;
      this.pending.delete(id);
      reply(errorResponse(query, RCODE.SERVFAIL));
    }, this.opts.timeoutMs);
    timer.unref();
    this.pending.set(id, { reply, query, clientId: query.readUInt16BE(0), host: up.host, port: up.port, timer });
    this.socket(isIPv6(up.host) ? 'udp6' : 'udp4').send(out, up.port, up.host, (err) => {
      if (err) this.settle(id, errorResponse(query, RCODE.SERVFAIL));
    });
  }

  /** close fails every query in flight with SERVFAIL and closes the sockets. */
  close(): void {
    this.closed = true;
    for (const id of [...this.pending.keys()]) this.settle(id, errorResponse(this.pending.get(id)!.query, RCODE.SERVFAIL));
    for (const s of this.sockets.values()) s.close();
    this.sockets.clear();
  }

  private socket(type: 'udp4' | 'udp6'): dgram.Socket {
    let s = this.sockets.get(type);
    if (!s) {
      s = dgram.createSocket(type);
      s.on('error', () => undefined);
      s.on('message', (msg, rinfo) => this.onAnswer(msg, rinfo));
      s.unref();
      this.sockets.set(type, s);
    }
    return s;
  }

  private onAnswer(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (msg.length < 12) return;
    const id = msg.readUInt16BE(0);
    const p = this.pending.get(id);
    if (!p || p.port !== rinfo.port || normalise(p.host) !== normalise(rinfo.address)) return;
    // The question must be ours, byte for byte (recursors echo it), or the answer is someone else's.
    const qEnd = questionEnd(p.query);
    if (qEnd < 0 || msg.length < qEnd || !msg.subarray(12, qEnd).equals(p.query.subarray(12, qEnd))) return;
    const answer = Buffer.from(msg);
    answer.writeUInt16BE(p.clientId, 0);
    this.settle(id, answer);
  }

  private settle(id: number, answer: Buffer): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    p.reply(answer);
  }
}

function normalise(host: string): string {
  return host === 'localhost' ? '127.0.0.1' : host.toLowerCase();
}

/** questionEnd returns the offset past the first question of a query, or -1. */
function questionEnd(q: Buffer): number {
  let p = 12;
  while (p < q.length && q[p] !== 0) {
    if (q[p] > 63) return -1;
    p += 1 + q[p];
  }
  p += 5;
  return p <= q.length ? p : -1;
}

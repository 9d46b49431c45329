/**
 * A minimal client of Serf's msgpack RPC protocol (the one `serf members` and
 * `serf event` use), enough for the benchmark: handshake, members, event and
 * stream. Streaming events over RPC lets the benchmark timestamp a user event's
 * arrival at every agent in this process, with the same clock and method it uses
 * for Grapevine's blocking queries, instead of through a forked event handler.
 */
import { connect, type Socket } from 'node:net';
import { Packr, Unpackr } from 'msgpackr';

const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

/** SerfMember is one row of Serf's members answer (fields used here). */
export interface SerfMember {
  Name: string;
  Status: string;
}

/** SerfEvent is one streamed event: a user event or a member event. */
export interface SerfEvent {
  Event: string;
  Name?: string;
  Payload?: Uint8Array | string;
  Members?: SerfMember[];
}

interface Call {
  kind: 'plain' | 'body' | 'stream';
  acked: boolean;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  onEvent?: (e: SerfEvent) => void;
}

/** SerfRpc is one RPC connection to a Serf agent. */
export class SerfRpc {
  private seq = 0;
  private buf: Buffer = Buffer.alloc(0);
  private readonly calls = new Map<number, Call>();
  private bodyFor: number | undefined;
  private constructor(private readonly sock: Socket) {
    sock.setNoDelay(true);
    sock.on('data', (d) => this.onData(d));
    sock.on('error', () => undefined);
    sock.on('close', () => {
      for (const c of this.calls.values()) if (!c.acked) c.reject(new Error('serf rpc closed'));
      this.calls.clear();
    });
  }

  /** open connects to an agent's rpc-addr and performs the handshake. */
  static async open(host: string, port: number): Promise<SerfRpc> {
    const sock = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ host, port }, () => resolve(s));
      s.once('error', reject);
    });
    const rpc = new SerfRpc(sock);
    await rpc.call('handshake', { Version: 1 }, 'plain');
    return rpc;
  }

  /** members lists the agent's view of the cluster. */
  async members(): Promise<SerfMember[]> {
    const body = (await this.call('members', undefined, 'body')) as { Members: SerfMember[] };
    return body.Members;
  }

  /** event fires a user event; it resolves when the agent has accepted it. */
  async event(name: string, payload: string): Promise<void> {
    await this.call('event', { Name: name, Payload: Buffer.from(payload), Coalesce: false }, 'plain');
  }

  /** stream subscribes to events of the given types (e.g. "user:bench,member-failed"). */
  async stream(type: string, onEvent: (e: SerfEvent) => void): Promise<void> {
    await this.call('stream', { Type: type }, 'stream', onEvent);
  }

  /** close ends the connection. */
  close(): void {
    this.sock.destroy();
  }

  private call(command: string, body: unknown, kind: Call['kind'], onEvent?: (e: SerfEvent) => void): Promise<unknown> {
    const seq = this.seq++;
    return new Promise((resolve, reject) => {
      const c: Call = { kind, acked: false, resolve, reject };
      if (onEvent) c.onEvent = onEvent;
      this.calls.set(seq, c);
      const parts = [packr.pack({ Command: command, Seq: seq })];
      if (body !== undefined) parts.push(packr.pack(body));
      this.sock.write(Buffer.concat(parts));
    });
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    let consumed = 0;
    try {
      unpackr.unpackMultiple(this.buf, (value: unknown, _start?: number, end?: number) => {
        consumed = end ?? consumed;
        this.onValue(value);
      });
    } catch (e) {
      if (!(e as { incomplete?: boolean }).incomplete) throw e;
    }
    this.buf = this.buf.subarray(consumed);
  }

  private onValue(v: unknown): void {
    if (this.bodyFor !== undefined) {
      const seq = this.bodyFor;
      this.bodyFor = undefined;
      const c = this.calls.get(seq);
      if (!c) return;
      if (c.kind === 'stream') c.onEvent?.(v as SerfEvent);
      else {
        c.acked = true;
        this.calls.delete(seq);
        c.resolve(v);
      }
      return;
    }
    const h = v as { Seq: number; Error: string };
    const c = this.calls.get(h.Seq);
    if (!c) return;
    if (h.Error) {
      this.calls.delete(h.Seq);
      c.reject(new Error(`serf rpc: ${h.Error}`));
      return;
    }
    if (c.kind === 'plain') {
      this.calls.delete(h.Seq);
      c.acked = true;
      c.resolve(undefined);
    } else if (c.kind === 'body') this.bodyFor = h.Seq;
    else if (!c.acked) {
      c.acked = true;
      c.resolve(undefined);
    } else this.bodyFor = h.Seq;
  }
}

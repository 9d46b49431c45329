import type { JoinMsg, SyncMsg } from '../gossip/messages.js';
import type { Member } from './member-list.js';
import type { MembershipContext } from './context.js';
import { MAX_TUPLES_PER_MESSAGE, STATUS_CODES, type MemberTuple } from './messages.js';

/**
 * pushPullIntervalMs is memberlist's pushPullScale: the base interval up to 32 members,
 * then stretched by ceil(log2(N) - log2(32)) + 1, so full-state exchanges do not grow
 * with N squared.
 */
export function pushPullIntervalMs(baseMs: number, clusterSize: number): number {
  if (clusterSize <= 32) return baseMs;
  return baseMs * (Math.ceil(Math.log2(clusterSize) - Math.log2(32)) + 1);
}

/**
 * StateSync exchanges whole member views: on join (m.join answered by m.sync), every
 * push-pull interval with a random member (memberlist's push-pull, which repairs
 * updates the piggybacks missed), and every antiEntropyIntervalMs with a random dead
 * member, so that two halves of a healed partition find each other again (Serf's
 * reconnect): each side then refutes the other's verdict on it.
 */
export class StateSync {
  private nextReconnectMs: number;
  private nextPushPullMs: number;

  constructor(
    private readonly ms: MembershipContext,
    now: number,
  ) {
    // Periodic exchanges start one (jittered) interval in: a joining node has just synced anyway.
    const base = ms.config.antiEntropyIntervalMs;
    this.nextReconnectMs = now + base * (0.5 + ms.random.next());
    this.nextPushPullMs = now + base * (0.5 + ms.random.next());
  }

  /** chunks lists this node's whole view, itself first, in message-sized chunks. */
  chunks(): MemberTuple[][] {
    const all: MemberTuple[] = [this.ms.selfTuple()];
    for (const m of this.ms.list.all()) all.push([m.name, m.addr, STATUS_CODES[m.status], m.inc]);
    const out: MemberTuple[][] = [];
    for (let i = 0; i < all.length; i += MAX_TUPLES_PER_MESSAGE) out.push(all.slice(i, i + MAX_TUPLES_PER_MESSAGE));
    return out;
  }

  /** join sends a join (with this node's view) to each address; replies come as m.sync. */
  join(addrs: string[]): void {
    for (const addr of addrs) if (addr !== this.ms.self.addr) this.sendJoin('', addr);
  }

  /** sendJoin sends a join carrying our view (pushPull marks a periodic exchange); views past one message follow as m.sync chunks. */
  sendJoin(to: string, addr: string, pushPull = false): void {
    const chunks = this.chunks();
    const msg: JoinMsg = { t: 'm.join', n: this.ms.self.name, a: this.ms.self.addr, i: this.ms.inc, ms: chunks[0] };
    if (pushPull) msg.pp = 1;
    this.ms.send(to, addr, msg);
    for (let i = 1; i < chunks.length; i++) this.ms.send(to, addr, { t: 'm.sync', ms: chunks[i], d: i === chunks.length - 1 ? 1 : 0 });
  }

  /** onJoin merges a (decoded) joiner's view and answers with ours. */
  onJoin(msg: JoinMsg, now: number): void {
    this.ms.applyTuple([msg.n, msg.a, STATUS_CODES.alive, msg.i], msg.n, now, true);
    for (const t of msg.ms) this.ms.applyTuple(t, msg.n, now, true);
    // j=1 on the last chunk of a real join tells the joiner to start anti-entropy with us.
    const chunks = this.chunks();
    const j = msg.pp === 1 ? 0 : 1;
    chunks.forEach((c, i) => {
      this.ms.send(msg.n, msg.a, { t: 'm.sync', ms: c, d: i === chunks.length - 1 ? 1 : 0, j });
    });
  }

  /** onSync merges a peer's view; a refutation it forced goes straight back to that peer. */
  onSync(from: string, msg: SyncMsg, now: number): void {
    // After a join, one early push-pull catches members that joined at the same moment
    // and whose alive rumours passed us by (the regular one comes an interval later).
    if (msg.j === 1) this.nextPushPullMs = Math.min(this.nextPushPullMs, now + 5 * this.ms.config.probeIntervalMs);
    const incBefore = this.ms.inc;
    for (const t of msg.ms) this.ms.applyTuple(t, from, now, true);
    if (this.ms.inc !== incBefore) this.ms.send(from, this.ms.addrOf(from), { t: 'm.upd', u: [this.ms.selfTuple()] });
  }

  /** tick runs the periodic push-pull and reconnect exchanges. */
  tick(now: number): void {
    if (now >= this.nextReconnectMs) {
      this.nextReconnectMs = now + this.ms.config.antiEntropyIntervalMs;
      const dead: Member[] = [];
      for (const m of this.ms.list.all()) if (m.status === 'dead') dead.push(m);
      if (dead.length > 0) {
        const m = dead[Math.floor(this.ms.random.next() * dead.length)];
        this.sendJoin(m.name, m.addr);
      }
    }
    if (now >= this.nextPushPullMs) {
      this.nextPushPullMs = now + pushPullIntervalMs(this.ms.config.antiEntropyIntervalMs, this.ms.clusterSize) * (0.5 + this.ms.random.next());
      const [p] = this.ms.list.randomLive(1);
      if (p) this.sendJoin(p.name, p.addr, true);
    }
  }

  /** nextWakeMs is the earliest periodic exchange. */
  nextWakeMs(): number {
    return Math.min(this.nextReconnectMs, this.nextPushPullMs);
  }
}

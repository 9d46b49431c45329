import type { AckMsg, NackMsg, PingMsg, PingReqMsg } from '../gossip/messages.js';
import { isLive, type Member } from './member-list.js';
import type { MembershipContext } from './context.js';
import { STATUS_CODES } from './messages.js';

/** Probe is one failure-detector probe of a member, direct then indirect (SWIM §3.1). */
interface Probe {
  seq: number;
  target: string;
  ackDeadlineMs: number;
  endMs: number;
  indirect: boolean;
  expectedNacks: number;
  nacks: number;
  /** graced is set once a deadline of this probe was found passed while this node itself was late (see lateGraceMs). */
  graced: boolean;
}

/** lateSlackMs is how far past a deadline a tick may run before this node counts itself late: a quarter of the probe timeout, at least 20 ms. */
export function lateSlackMs(probeTimeoutMs: number): number {
  return Math.max(20, Math.floor(probeTimeoutMs / 4));
}

/** lateGraceMs is the one extra wait a deadline gets when it was found passed late, so that input already received is read first. */
export function lateGraceMs(probeTimeoutMs: number): number {
  return Math.max(10, Math.floor(probeTimeoutMs / 4));
}

/** Relay is a ping-req this node is carrying out for another member. */
interface Relay {
  requester: string;
  origSeq: number;
  nackAtMs: number;
}

/** MAX_CONCURRENT_PROBES bounds probes in flight (the round-robin one plus hint probes after a disconnect). */
export const MAX_CONCURRENT_PROBES = 16;
/** MAX_RELAYS bounds ping-reqs relayed at once for other members. */
export const MAX_RELAYS = 256;

/**
 * Prober runs SWIM's failure detector: every probe interval it pings the next member
 * of the shuffled round-robin; without an ack within the probe timeout it asks k
 * peers to ping-req the target; without any ack by the end of the (awareness-scaled)
 * interval it raises a suspicion. Lifeguard §4.1: missed nacks from relays count
 * against our own health, so a slow node slows down instead of accusing others.
 */
export class Prober {
  private readonly probes = new Map<number, Probe>();
  private readonly probing = new Map<string, number>();
  private readonly relays = new Map<number, Relay>();
  private seq = 0;
  private nextProbeMs = 0;

  constructor(private readonly ms: MembershipContext) {}

  /** probeNow starts a probe of one member at once (a WebSocket to it closed), unless one is running. */
  probeNow(name: string, now: number): void {
    const m = this.ms.list.get(name);
    if (!m || !isLive(m.status) || this.probing.has(name) || this.probes.size >= MAX_CONCURRENT_PROBES) return;
    this.start(m, now);
  }

  /** tick advances probes and relays, and starts the next round-robin probe when due; it reports whether this node found itself late (starved of CPU). */
  tick(now: number): boolean {
    let late = false;
    for (const p of this.probes.values()) {
      const due = p.indirect ? p.endMs : p.ackDeadlineMs;
      if (now < due) continue;
      // Lifeguard for CPU starvation: a deadline found long past means this node did not
      // run on time, and the ack may sit unread in a socket (timers run before I/O in a
      // turn). Give it one short grace instead of accusing the target of our slowness.
      if (!p.graced && now - due > lateSlackMs(this.ms.config.probeTimeoutMs)) {
        p.graced = true;
        late = true;
        const grace = lateGraceMs(this.ms.config.probeTimeoutMs);
        p.ackDeadlineMs = Math.max(p.ackDeadlineMs, now + grace);
        p.endMs = Math.max(p.endMs, now + grace);
        continue;
      }
      if (!p.indirect) this.goIndirect(p);
      else this.fail(p, now);
    }
    for (const [seq, r] of this.relays) {
      if (now < r.nackAtMs) continue;
      this.relays.delete(seq);
      this.ms.send(r.requester, this.ms.addrOf(r.requester), { t: 'm.nack', s: r.origSeq });
    }
    if (now >= this.nextProbeMs) {
      if (now - this.nextProbeMs > lateSlackMs(this.ms.config.probeTimeoutMs)) late = true;
      this.nextProbeMs = now + this.ms.awareness.scaleMs(this.ms.config.probeIntervalMs);
      for (let tries = 0; tries < 3; tries++) {
        const m = this.ms.list.nextProbeTarget();
        if (!m) break;
        if (this.probing.has(m.name)) continue;
        this.start(m, now);
        break;
      }
    }
    return late;
  }

  /** nextWakeMs is the earliest probe, relay or interval deadline. */
  nextWakeMs(): number {
    let t = this.nextProbeMs;
    for (const p of this.probes.values()) t = Math.min(t, p.indirect ? p.endMs : p.ackDeadlineMs);
    for (const r of this.relays.values()) t = Math.min(t, r.nackAtMs);
    return t;
  }

  /** onMessage handles a decoded m.ping, m.ack, m.nack or m.preq. */
  onMessage(from: string, msg: PingMsg | AckMsg | NackMsg | PingReqMsg, now: number): void {
    const s = msg.s;
    switch (msg.t) {
      case 'm.ping': {
        if (msg.tg !== undefined && msg.tg !== this.ms.self.name) return;
        const ack: AckMsg = { t: 'm.ack', s };
        // A member we hold suspect or dead is evidently talking: tell it, so it refutes now
        // (after a partition heals, say) instead of when a rumour happens to reach it.
        const m = this.ms.list.get(from);
        if (m && (m.status === 'suspect' || m.status === 'dead')) ack.u = [[m.name, m.addr, STATUS_CODES[m.status], m.inc, this.ms.self.name]];
        this.ms.send(from, this.ms.addrOf(from), ack);
        return;
      }
      case 'm.ack': {
        const p = this.probes.get(s);
        if (p) {
          this.finish(p);
          this.ms.awareness.applyDelta(-1);
          return;
        }
        const r = this.relays.get(s);
        if (r) {
          this.relays.delete(s);
          this.ms.send(r.requester, this.ms.addrOf(r.requester), { t: 'm.ack', s: r.origSeq });
        }
        return;
      }
      case 'm.nack': {
        const p = this.probes.get(s);
        if (p) p.nacks++;
        return;
      }
      case 'm.preq': {
        if (msg.tg === this.ms.self.name) {
          this.ms.send(from, this.ms.addrOf(from), { t: 'm.ack', s });
          return;
        }
        if (this.relays.size >= MAX_RELAYS) return;
        const mySeq = ++this.seq;
        this.relays.set(mySeq, { requester: from, origSeq: s, nackAtMs: now + Math.floor(this.ms.config.probeTimeoutMs * 0.8) });
        const addr = this.ms.list.get(msg.tg)?.addr || msg.ta;
        this.ms.send(msg.tg, addr, { t: 'm.ping', s: mySeq, tg: msg.tg });
      }
    }
  }

  private start(m: Member, now: number): void {
    const seq = ++this.seq;
    const cfg = this.ms.config;
    const aw = this.ms.awareness;
    this.probes.set(seq, {
      seq,
      target: m.name,
      ackDeadlineMs: now + aw.scaleMs(cfg.probeTimeoutMs),
      // memberlist ends the probe at the interval; we also leave the indirect round at
      // least one probe timeout, since a ping-req takes four hops, not two.
      endMs: now + aw.scaleMs(Math.max(cfg.probeIntervalMs, 2 * cfg.probeTimeoutMs)),
      indirect: false,
      expectedNacks: 0,
      nacks: 0,
      graced: false,
    });
    this.probing.set(m.name, seq);
    const ping: PingMsg = { t: 'm.ping', s: seq, tg: m.name };
    // Lifeguard's buddy system: a suspect learns of its suspicion from the probe itself, so it can refute at once.
    if (m.status === 'suspect') ping.u = [[m.name, m.addr, STATUS_CODES.suspect, m.inc, this.ms.self.name]];
    this.ms.send(m.name, m.addr, ping);
  }

  private goIndirect(p: Probe): void {
    p.indirect = true;
    const target = this.ms.list.get(p.target);
    if (!target) return;
    const peers = this.ms.list.randomLive(this.ms.config.indirectChecks, (n) => n === p.target, true);
    p.expectedNacks = peers.length;
    for (const peer of peers) this.ms.send(peer.name, peer.addr, { t: 'm.preq', s: p.seq, tg: target.name, ta: target.addr });
  }

  private fail(p: Probe, now: number): void {
    this.finish(p);
    // Lifeguard §4.1: relays that did not even nack point at our own connectivity.
    const delta = p.expectedNacks > 0 ? Math.max(0, p.expectedNacks - p.nacks) : 1;
    this.ms.awareness.applyDelta(delta);
    const m = this.ms.list.get(p.target);
    if (m && isLive(m.status)) this.ms.suspectNode(m.name, m.inc, this.ms.self.name, now);
  }

  private finish(p: Probe): void {
    this.probes.delete(p.seq);
    if (this.probing.get(p.target) === p.seq) this.probing.delete(p.target);
  }
}

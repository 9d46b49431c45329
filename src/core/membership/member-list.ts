import type { Random } from '../gossip/types.js';
import type { MemberStatus } from '../types.js';

/** Member is this node's view of one other cluster member. */
export interface Member {
  name: string;
  addr: string;
  status: MemberStatus;
  /** inc is the member's incarnation number as last heard (SWIM §4.2). */
  inc: number;
  /** changedMs is when the status last changed, for reaping. */
  changedMs: number;
}

/** MemberInfo is one row of the member list as the API shows it (GET /v1/members); runtime/context.ts re-exports it. */
export interface MemberInfo {
  name: string;
  gossipAddr: string;
  status: MemberStatus;
  incarnation: number;
}

/**
 * MemberList holds the other members and answers the two hot questions in O(1):
 * "a few random live peers" (for fanout and indirect probes) and "whom to probe
 * next" (a shuffled round-robin, as memberlist does, so every member is probed
 * within N intervals: SWIM §4.3 time-bounded completeness).
 */
export class MemberList {
  private readonly byName = new Map<string, Member>();
  /** live holds the names of alive and suspect members; liveIdx is each name's slot, for swap-removal. */
  private readonly live: string[] = [];
  private readonly liveIdx = new Map<string, number>();
  private probeOrder: string[] = [];
  private probeIdx = 0;

  constructor(private readonly random: Random) {}

  /** size counts every member in the table, dead and left ones included. */
  get size(): number {
    return this.byName.size;
  }

  /** liveCount counts alive and suspect members (this node excluded). */
  get liveCount(): number {
    return this.live.length;
  }

  /** get returns a member by name. */
  get(name: string): Member | undefined {
    return this.byName.get(name);
  }

  /** all iterates every member. */
  all(): IterableIterator<Member> {
    return this.byName.values();
  }

  /** add inserts a new member; it joins the probe order at a random place (memberlist does the same). */
  add(m: Member): void {
    if (this.byName.has(m.name)) throw new Error(`MemberList.add: ${m.name} already present`);
    this.byName.set(m.name, m);
    if (isLive(m.status)) this.addLive(m.name);
  }

  /** setStatus changes a member's status and keeps the live index in step. */
  setStatus(m: Member, status: MemberStatus, nowMs: number): void {
    const was = isLive(m.status);
    m.status = status;
    m.changedMs = nowMs;
    const is = isLive(status);
    if (was && !is) this.removeLive(m.name);
    else if (!was && is) this.addLive(m.name);
  }

  /** remove deletes a member outright (reaping of dead and left members). */
  remove(name: string): void {
    const m = this.byName.get(name);
    if (!m) return;
    if (isLive(m.status)) this.removeLive(name);
    this.byName.delete(name);
  }

  /**
   * randomLive picks up to k distinct live members, skipping `exclude` and, when
   * aliveOnly, suspects. Rejection sampling keeps it O(k) for large lists; small
   * lists are scanned so that nothing eligible is missed.
   */
  randomLive(k: number, exclude?: (name: string) => boolean, aliveOnly = false): Member[] {
    const out: Member[] = [];
    const n = this.live.length;
    if (k <= 0 || n === 0) return out;
    const ok = (name: string): boolean => {
      if (exclude?.(name)) return false;
      return !aliveOnly || this.byName.get(name)!.status === 'alive';
    };
    if (n <= 4 * k + 8) {
      const pool = this.live.filter(ok);
      for (let i = 0; i < pool.length && out.length < k; i++) {
        const j = i + Math.floor(this.random.next() * (pool.length - i));
        [pool[i], pool[j]] = [pool[j], pool[i]];
        out.push(this.byName.get(pool[i])!);
      }
      return out;
    }
    const seen = new Set<string>();
    for (let tries = 0; tries < 8 * k && out.length < k; tries++) {
      const name = this.live[Math.floor(this.random.next() * n)];
      if (seen.has(name)) continue;
      seen.add(name);
      if (ok(name)) out.push(this.byName.get(name)!);
    }
    return out;
  }

  /** nextProbeTarget returns the next live member in the shuffled round-robin, reshuffling after a full pass. */
  nextProbeTarget(): Member | undefined {
    for (let pass = 0; pass < 2; pass++) {
      while (this.probeIdx < this.probeOrder.length) {
        const m = this.byName.get(this.probeOrder[this.probeIdx++]);
        if (m && isLive(m.status)) return m;
      }
      this.probeOrder = [...this.live];
      for (let i = this.probeOrder.length - 1; i > 0; i--) {
        const j = Math.floor(this.random.next() * (i + 1));
        [this.probeOrder[i], this.probeOrder[j]] = [this.probeOrder[j], this.probeOrder[i]];
      }
      this.probeIdx = 0;
    }
    return undefined;
  }

  private addLive(name: string): void {
    this.liveIdx.set(name, this.live.length);
    this.live.push(name);
    // Slot the newcomer into the rest of this pass at a random place, so it is probed soon.
    const rest = this.probeOrder.length - this.probeIdx;
    const at = this.probeIdx + Math.floor(this.random.next() * (rest + 1));
    this.probeOrder.push(name);
    const last = this.probeOrder.length - 1;
    [this.probeOrder[at], this.probeOrder[last]] = [this.probeOrder[last], this.probeOrder[at]];
  }

  private removeLive(name: string): void {
    const i = this.liveIdx.get(name);
    if (i === undefined) return;
    const last = this.live.pop()!;
    if (last !== name) {
      this.live[i] = last;
      this.liveIdx.set(last, i);
    }
    this.liveIdx.delete(name);
  }
}

/** isLive reports whether a status counts as reachable (probed, gossiped to). */
export function isLive(status: MemberStatus): boolean {
  return status === 'alive' || status === 'suspect';
}

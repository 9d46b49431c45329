import type { Outbox } from '../gossip/outbox.js';
import type { MemberStatus } from '../types.js';

/** DownOwner is a member last seen dead or departed, with when that happened and whether its instances are reaped. */
export interface DownOwner {
  status: 'dead' | 'left';
  sinceMs: number;
  reaped: boolean;
}

/** MAX_DOWN_OWNERS bounds how many departed owners are remembered for reaping. */
export const MAX_DOWN_OWNERS = 100_000;

/**
 * DownOwners remembers dead and departed members for longer than the member list
 * does, so that their instances are reaped after reapAfterMs and come back if the
 * owner does. Reaping hides instances (Registry.setOwnerReaped); it writes no
 * tombstones, so nothing needs to be undone when the owner returns.
 */
export class DownOwners {
  readonly byName = new Map<string, DownOwner>();

  constructor(
    private readonly reapAfterMs: number,
    private readonly out: Outbox,
  ) {}

  /** onStatus follows a member's status change. */
  onStatus(name: string, status: MemberStatus, now: number): void {
    const d = this.byName.get(name);
    if (status === 'dead' || status === 'left') {
      if (d) d.status = status;
      else {
        if (this.byName.size >= MAX_DOWN_OWNERS) this.evictOne();
        this.byName.set(name, { status, sinceMs: now, reaped: false });
      }
      return;
    }
    if (!d) return;
    if (d.reaped) this.out.reap(name, false);
    this.byName.delete(name);
  }

  /** restore re-adopts a persisted down owner after a restart, re-emitting its reap state. */
  restore(name: string, status: 'dead' | 'left', sinceMs: number, now: number): void {
    const reaped = now - sinceMs >= this.reapAfterMs;
    this.byName.set(name, { status, sinceMs, reaped });
    if (reaped) this.out.reap(name, true);
  }

  /** tick reaps the instances of owners down for reapAfterMs. */
  tick(now: number): void {
    for (const [name, d] of this.byName) {
      if (!d.reaped && now - d.sinceMs >= this.reapAfterMs) {
        d.reaped = true;
        this.out.reap(name, true);
        this.out.persist();
      }
    }
  }

  private evictOne(): void {
    for (const [name, d] of this.byName) {
      if (d.reaped) {
        this.byName.delete(name);
        return;
      }
    }
    this.byName.delete(this.byName.keys().next().value as string);
  }
}

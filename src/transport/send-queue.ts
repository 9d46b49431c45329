/**
 * The bounded queue of encoded frames waiting for one peer (while its link is
 * being dialled, or while the socket is backed up). When it is full, the oldest
 * non-critical frame goes first (a stale probe is worth less than a record), and
 * frames older than maxAgeMs are dropped when the queue is drained: a ping from ten
 * seconds ago only confuses the peer.
 */

/** QueuedFrame is one encoded frame waiting to be written. */
export interface QueuedFrame {
  bytes: Buffer;
  critical: boolean;
  enqueuedAtMs: number;
}

/** SendQueueLimits bounds one peer's queue. */
export interface SendQueueLimits {
  maxFrames: number;
  maxBytes: number;
  maxAgeMs: number;
}

/** DEFAULT_SEND_QUEUE_LIMITS suit a daemon: enough for a burst of writes, small enough not to matter. */
export const DEFAULT_SEND_QUEUE_LIMITS: SendQueueLimits = { maxFrames: 4096, maxBytes: 32 * 1024 * 1024, maxAgeMs: 10_000 };

/** SendQueue is a FIFO of frames with frame, byte and age bounds. */
export class SendQueue {
  private items: QueuedFrame[] = [];
  private head = 0;
  private byteCount = 0;

  constructor(private readonly limits: SendQueueLimits) {}

  /** length is the number of queued frames. */
  get length(): number {
    return this.items.length - this.head;
  }

  /** bytes is the total size of queued frames. */
  get bytes(): number {
    return this.byteCount;
  }

  /** push appends a frame and returns how many older frames it evicted to stay within bounds. */
  push(f: QueuedFrame): number {
    this.items.push(f);
    this.byteCount += f.bytes.length;
    let evicted = 0;
    while (this.length > this.limits.maxFrames || (this.byteCount > this.limits.maxBytes && this.length > 1)) {
      this.evictOne();
      evicted++;
    }
    return evicted;
  }

  /** shift removes the oldest frame that is still fresh; `expired` counts the stale ones skipped. */
  shift(nowMs: number, expired: { count: number }): QueuedFrame | undefined {
    while (this.length > 0) {
      const f = this.items[this.head]!;
      this.items[this.head++] = undefined as never;
      this.byteCount -= f.bytes.length;
      this.compact();
      if (nowMs - f.enqueuedAtMs <= this.limits.maxAgeMs) return f;
      expired.count++;
    }
    return undefined;
  }

  /** peekBytes returns the size of the next frame, or 0 when empty. */
  peekBytes(): number {
    return this.length > 0 ? this.items[this.head]!.bytes.length : 0;
  }

  /** clear drops everything and returns how many frames were dropped. */
  clear(): number {
    const n = this.length;
    this.items = [];
    this.head = 0;
    this.byteCount = 0;
    return n;
  }

  private evictOne(): void {
    // Oldest non-critical first; if all are critical, the oldest of all.
    let idx = this.head;
    for (let i = this.head; i < this.items.length; i++) {
      if (!this.items[i]!.critical) {
        idx = i;
        break;
      }
    }
    const [f] = this.items.splice(idx, 1);
    this.byteCount -= f!.bytes.length;
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}

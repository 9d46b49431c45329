import type { Clock } from '../core/clock.js';
import type { Random } from '../core/gossip/types.js';
/**
 * Options and events of the WebSocket transport, and gossip address parsing.
 */
import { invalid } from '../core/errors.js';
import type { BackoffPolicy } from './backoff.js';
import type { WireMsg } from './frames.js';
import type { TransportLogger } from './log.js';
import type { TransportStats } from './metrics.js';
import type { SendQueueLimits } from './send-queue.js';
import type { GossipTls } from './secure.js';

/** WsTransportOptions configure one daemon's transport. */
export interface WsTransportOptions {
  cluster: string;
  nodeName: string;
  /** gossipAddr is host:port, advertised to peers and (unless bindHost/bindPort say otherwise) bound. */
  gossipAddr: string;
  bindHost?: string;
  /** bindPort 0 asks the OS for a free port; the advertised address then uses it. */
  bindPort?: number;
  maxFrameBytes: number;
  /** encryptKeys are base64 AES-256 keys: the first seals, all open. Empty or absent: no encryption. */
  encryptKeys?: readonly string[];
  /** tls turns on mutual TLS (wss): the cluster CA, this node's certificate and key (PEM). A peer must present a certificate that names it. */
  tls?: GossipTls;
  /** resolveAddr finds the gossip address of a peer known only by name (from the member list). */
  resolveAddr?: (node: string) => string | undefined;
  /** isCritical marks messages kept longest when a queue overflows; default: replication (`r.`). */
  isCritical?: (msg: WireMsg) => boolean;
  logger?: TransportLogger;
  stats?: TransportStats;
  handshakeTimeoutMs?: number;
  backoff?: BackoffPolicy;
  queue?: SendQueueLimits;
  /** maxPendingHandshakes bounds connections that have not finished their handshake. */
  maxPendingHandshakes?: number;
  /** highWaterBytes is how much may sit in a socket's buffer before frames wait in our queue. */
  highWaterBytes?: number;
  random: Random;
  /** clock is the time seam: wall time, monotonic time and timers all come from it. */
  clock: Clock;
  /** wallMs is the wall clock peers' clocks are measured against (default Date.now; tests skew it). */
  wallMs?: () => number;
  /** bootId identifies this process start in handshakes (default: random); a restart gets a new one. */
  bootId?: string;
  /** clockSampleIntervalMs is how often each open link measures its peer's clock (default 5 s; 0: handshake only). */
  clockSampleIntervalMs?: number;
  /** identityCheckTimeoutMs bounds the wait for a live member's answer before a second claimant of its name is refused (default 1 s). */
  identityCheckTimeoutMs?: number;
}

/** TransportEvents are what WsTransport emits. */
export interface TransportEvents {
  message: [from: string, msg: WireMsg];
  peerUp: [node: string, addr: string];
  /** peerDown fires when the link to a peer closes unexpectedly: a hint to probe it now. */
  peerDown: [node: string, addr: string, reason: string];
  /** identityRefused fires when a peer refused our hello because a live member already has our name; detail names its address. */
  identityRefused: [detail: string, peerAddr: string];
}

/** splitAddr parses host:port (IPv6 in brackets) into its parts. */
export function splitAddr(addr: string): [host: string, port: number] {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(addr);
  if (!m) throw invalid('gossipAddr', `${JSON.stringify(addr)} is not host:port`);
  return [m[1]!, Number(m[2])];
}

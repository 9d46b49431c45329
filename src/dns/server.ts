/**
 * startDnsServer serves DNS on one address over UDP and TCP. The servers only move
 * bytes: every answer comes from the pure DnsResponder (src/core/dns), and names
 * outside every DNS namespace go to the optional Forwarder.
 */
import dgram from 'node:dgram';
import { isIP, isIPv6 } from 'node:net';
import type { Random } from '../core/gossip/types.js';
import type { Registry } from '../core/registry.js';
import { DnsResponder, FORWARD, type DnsResponderOptions, type DnsStats } from '../core/dns/responder.js';
import type { ViewCache } from '../core/view-cache.js';
import { Forwarder } from './forwarder.js';
import { DnsMetrics } from './metrics.js';
import { ResponseRateLimiter, truncatedReply } from './rrl.js';
import { DEFAULT_TCP_LIMITS, startTcp, type TcpLimits, type TcpListener } from './tcp.js';

/** DnsServerOptions configure startDnsServer. */
export interface DnsServerOptions {
  registry: Registry;
  /** host and port to listen on; port 0 picks a free port, the same for UDP and TCP. */
  host: string;
  port: number;
  random?: Random;
  /** recursors are upstream "host:port" resolvers for names outside every DNS namespace (none by default). */
  recursors?: string[];
  /** recursorTimeoutMs bounds the wait for a recursor (default 2000). */
  recursorTimeoutMs?: number;
  /** responder passes options to the DnsResponder (cache bounds, name server label). */
  responder?: DnsResponderOptions;
  tcp?: Partial<TcpLimits>;
  /** recvBufferBytes asks the kernel for a larger UDP receive buffer, to ride out bursts (default 4 MB). */
  recvBufferBytes?: number;
  /** viewCache is the per-service read cache shared with HTTP discovery (the responder keeps its own without it). */
  viewCache?: ViewCache;
  /** metrics reports this server's counters; without it, the server builds its own and closes it on close. */
  metrics?: DnsMetrics;
  /** rateLimit holds UDP responses per client /24 (or /56) to responsesPerSec; over it, every slip-th gets TC=1 (config `limits.dns*`). */
  rateLimit?: { responsesPerSec: number; slip: number };
  /** allowNamespace says whether DNS may answer for a namespace (the ACL rights of acl.dnsToken); REFUSED otherwise. */
  allowNamespace?: (ns: string) => boolean;
}

/** DnsServer is a running DNS server. */
export interface DnsServer {
  /** address is where it listens (the real port when 0 was asked). */
  address: { host: string; port: number };
  responder: DnsResponder;
  /** stats are the responder's counters plus UDP send errors, open TCP connections and rate-limited queries. */
  stats(): DnsStats & { udpSendErrors: number; tcpConnections: number; rateLimitedSlipped: number; rateLimitedDropped: number };
  /** close stops both listeners and the forwarder. */
  close(): Promise<void>;
}

const UNSPECIFIED = new Set(['0.0.0.0', '::', '']);

/** startDnsServer starts the UDP and TCP listeners and resolves once both listen. */
export async function startDnsServer(opts: DnsServerOptions): Promise<DnsServer> {
  const random = opts.random ?? { next: Math.random };
  const recursors = opts.recursors ?? [];
  const v6 = isIPv6(opts.host);
  const responder = new DnsResponder(opts.registry, random, {
    ...(UNSPECIFIED.has(opts.host) ? {} : v6 ? { nsIpv6: opts.host } : { nsIpv4: opts.host }),
    ...(opts.viewCache ? { viewCache: opts.viewCache } : {}),
    ...opts.responder,
    ...(opts.allowNamespace ? { allowNamespace: opts.allowNamespace } : {}),
    forwardOutside: recursors.length > 0,
  });
  const rrl = opts.rateLimit && opts.rateLimit.responsesPerSec > 0 ? new ResponseRateLimiter(opts.rateLimit.responsesPerSec, opts.rateLimit.slip) : undefined;
  const forwarder = recursors.length > 0 ? new Forwarder({ recursors, timeoutMs: opts.recursorTimeoutMs ?? 2000 }) : undefined;
  const tcpLimits = { ...DEFAULT_TCP_LIMITS, ...opts.tcp };
  let udpSendErrors = 0;

  const onMessage = (udp: dgram.Socket) => (msg: Buffer, rinfo: dgram.RemoteInfo) => {
    if (rrl !== undefined) {
      const verdict = rrl.check(rinfo.address);
      if (verdict !== 'answer') {
        const tc = verdict === 'slip' ? truncatedReply(msg) : null;
        if (tc !== null) udp.send(tc, rinfo.port, rinfo.address);
        return;
      }
    }
    let r: ReturnType<typeof responder.respond>;
    try {
      r = responder.respond(msg, 'udp');
    } catch {
      return;
    }
    if (r === null) return;
    if (r === FORWARD) {
      forwarder!.forward(msg, (answer) => udp.send(answer, rinfo.port, rinfo.address));
      return;
    }
    // No send callback: it would cost a tick per answer; failures surface as 'error' events.
    udp.send(r, rinfo.port, rinfo.address);
  };
  const onTcpMessage = (msg: Buffer, send: (answer: Buffer) => void): void => {
    const r = responder.respond(msg, 'tcp');
    if (r === null) return;
    if (r === FORWARD) forwarder!.forward(Buffer.from(msg), send);
    else send(r);
  };

  // Port 0: TCP takes the port UDP got; if that port is taken for TCP, start over with a new one.
  let udp: dgram.Socket | undefined;
  let tcp: TcpListener | undefined;
  for (let attempt = 0; !tcp; attempt++) {
    // Replies go to the address a query came from, always an IP: skip dns.lookup and its tick.
    udp = dgram.createSocket({
      type: v6 ? 'udp6' : 'udp4',
      ...(isIP(opts.host) ? { lookup: ipLookup as unknown as dgram.SocketOptions['lookup'] } : {}),
    });
    udp.on('error', () => {
      udpSendErrors++;
    });
    udp.on('message', onMessage(udp));
    try {
      await bindUdp(udp, opts.host, opts.port);
      tcp = await startTcp(opts.host, udp.address().port, onTcpMessage, tcpLimits);
    } catch (e) {
      await new Promise<void>((r) => {
        try {
          udp!.close(() => r());
        } catch {
          r();
        }
      });
      if (opts.port !== 0 || attempt >= 10) {
        forwarder?.close();
        throw e;
      }
    }
  }
  const port = udp!.address().port;
  try {
    udp!.setRecvBufferSize(opts.recvBufferBytes ?? 4 << 20);
    udp!.setSendBufferSize(opts.recvBufferBytes ?? 4 << 20);
  } catch {
    /* the kernel's limit (net.core.rmem_max) wins; the default buffer still works */
  }
  const metrics = opts.metrics ?? new DnsMetrics();
  const server: DnsServer = {
    address: { host: opts.host, port },
    responder,
    stats: () => ({ ...responder.stats, udpSendErrors, tcpConnections: tcp!.connections(), rateLimitedSlipped: rrl?.stats.slipped ?? 0, rateLimitedDropped: rrl?.stats.dropped ?? 0 }),
    async close() {
      metrics.untrack(server);
      if (metrics !== opts.metrics) metrics.close();
      forwarder?.close();
      await new Promise<void>((r) => udp!.close(() => r()));
      await tcp!.close();
    },
  };
  metrics.track(server);
  return server;
}

/** ipLookup is dgram's address lookup for addresses that are already IPs: synchronous, no tick. */
function ipLookup(address: string, family: number, cb: (err: Error | null, address: string, family: number) => void): void {
  cb(null, address, family);
}

function bindUdp(udp: dgram.Socket, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    udp.once('error', reject);
    udp.bind({ address: host, port, exclusive: true }, () => {
      udp.off('error', reject);
      resolve();
    });
  });
}

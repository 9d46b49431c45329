/**
 * DNS over TCP (RFC 1035 §4.2.2, RFC 7766): each message has a 2-byte length prefix,
 * a connection may carry several queries (answered in order), idle connections are
 * closed, and the number of connections and the bytes buffered per connection are
 * bounded. Garbage never crashes the server: at worst it costs that connection.
 */
import net from 'node:net';

/** TcpHandler answers one framed message; it calls send with the answer, or not at all to drop it. */
export type TcpHandler = (msg: Buffer, send: (answer: Buffer) => void) => void;

/** TcpLimits bound the TCP server. */
export interface TcpLimits {
  /** maxConnections bounds open connections; more are closed at once. */
  maxConnections: number;
  /** idleTimeoutMs closes a connection that sends nothing for this long (RFC 7766 §6.2.3). */
  idleTimeoutMs: number;
  /** maxPendingWriteBytes pauses reading while this much output waits for a slow reader. */
  maxPendingWriteBytes: number;
}

/** DEFAULT_TCP_LIMITS are the limits used unless the caller says otherwise. */
export const DEFAULT_TCP_LIMITS: TcpLimits = { maxConnections: 256, idleTimeoutMs: 10_000, maxPendingWriteBytes: 1 << 20 };

/** TcpListener is a listening TCP server that knows its connections, so close() need not wait for idle clients. */
export interface TcpListener {
  server: net.Server;
  /** connections counts the open connections. */
  connections(): number;
  close(): Promise<void>;
}

/** startTcp listens on host:port and resolves once it listens. */
export async function startTcp(host: string, port: number, handler: TcpHandler, limits: TcpLimits): Promise<TcpListener> {
  const open = new Set<net.Socket>();
  const server = net.createServer({ noDelay: true }, (socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    onConnection(socket, handler, limits);
  });
  server.maxConnections = limits.maxConnections;
  server.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    server,
    connections: () => open.size,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of open) s.destroy();
      }),
  };
}

function onConnection(socket: net.Socket, handler: TcpHandler, limits: TcpLimits): void {
  socket.on('error', () => socket.destroy());
  socket.setTimeout(limits.idleTimeoutMs, () => socket.destroy());
  // Buffered input: at most one partial message (< 2 + 65535 bytes) plus one read's worth.
  let buf: Buffer = Buffer.alloc(0);
  const send = (answer: Buffer): void => {
    if (socket.destroyed || !socket.writable) return;
    const framed = Buffer.allocUnsafe(2 + answer.length);
    framed.writeUInt16BE(answer.length, 0);
    answer.copy(framed, 2);
    socket.write(framed);
    if (socket.writableLength > limits.maxPendingWriteBytes && !socket.isPaused()) {
      socket.pause();
      socket.once('drain', () => socket.resume());
    }
  };
  socket.on('data', (chunk: Buffer) => {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    let p = 0;
    while (buf.length - p >= 2) {
      const len = buf.readUInt16BE(p);
      if (buf.length - p - 2 < len) break;
      const msg = buf.subarray(p + 2, p + 2 + len);
      p += 2 + len;
      try {
        handler(msg, send);
      } catch {
        socket.destroy();
        return;
      }
    }
    buf = p === buf.length ? Buffer.alloc(0) : buf.subarray(p);
  });
}

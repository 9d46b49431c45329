/**
 * Mutual TLS for gossip: with a cluster CA, every daemon serves `wss` with its node
 * certificate, asks each dialler for one (requestCert, rejectUnauthorized), and dials
 * with its own. TLS checks that the CA signed the peer's certificate; the handshake
 * then checks that the node name the peer claims is one its certificate names
 * (cert-names.ts), so a member cannot speak for another member, even with the gossip
 * key. Host names are not checked at dial time: peers are dialled by address, and it
 * is the node name, not the address, that a certificate vouches for.
 */
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { WebSocketServer, type ClientOptions } from 'ws';
import { peerCertificateNames } from './cert-names.js';

/** GossipTls is the PEM material of a node: the cluster CA, its certificate and its key. */
export interface GossipTls {
  ca: string;
  cert: string;
  key: string;
}

/** MIN_TLS_VERSION: gossip peers are all Grapevine daemons, so nothing older is needed. */
export const MIN_TLS_VERSION = 'TLSv1.3';

/** createTlsServer makes the HTTPS server the gossip WebSocket server runs on: client certificates required and verified. */
export function createTlsServer(tls: GossipTls, onTlsError: (err: Error, remote: string) => void): HttpsServer {
  const server = createHttpsServer({ ca: tls.ca, cert: tls.cert, key: tls.key, requestCert: true, rejectUnauthorized: true, minVersion: MIN_TLS_VERSION });
  server.on('tlsClientError', (err, socket) => {
    onTlsError(err, socket.remoteAddress ?? '?');
    socket.destroy();
  });
  // Only the WebSocket upgrade is served; plain HTTPS requests get nothing.
  server.on('request', (_req, res) => {
    res.statusCode = 426;
    res.end();
  });
  return server;
}

/** tlsDialOptions are the `ws` client options for dialling a peer over mutual TLS. */
export function tlsDialOptions(tls: GossipTls): ClientOptions {
  // Node's tls takes an Error (refuse) or undefined (accept) from checkServerIdentity; ws's types say boolean.
  const acceptAnyHostName = (() => undefined) as unknown as ClientOptions['checkServerIdentity'];
  return { ca: tls.ca, cert: tls.cert, key: tls.key, minVersion: MIN_TLS_VERSION, rejectUnauthorized: true, checkServerIdentity: acceptAnyHostName };
}

/** socketCertNames lists the node names of the verified certificate on a TLS socket (empty for a plain socket or no certificate). */
export function socketCertNames(socket: unknown): string[] {
  const s = socket as Partial<TLSSocket> | undefined;
  if (!s || typeof s.getPeerCertificate !== 'function' || s.authorized !== true) return [];
  return peerCertificateNames(s.getPeerCertificate());
}

/**
 * listenGossip starts the gossip WebSocket server on host:port: plain `ws`, or, with
 * tls, `wss` on an HTTPS server that requires client certificates. It resolves once
 * listening; a listen error (address in use) rejects.
 */
export async function listenGossip(
  at: { host: string; port: number; path: string; maxPayload: number },
  tls: GossipTls | undefined,
  onTlsError: (err: Error, remote: string) => void,
): Promise<{ wss: WebSocketServer; tlsServer?: HttpsServer }> {
  const common = { path: at.path, maxPayload: at.maxPayload, perMessageDeflate: false, clientTracking: false };
  if (!tls) {
    const wss = new WebSocketServer({ ...common, host: at.host, port: at.port });
    await new Promise<void>((resolve, reject) => {
      wss.once('listening', resolve);
      wss.once('error', reject);
    });
    return { wss };
  }
  const server = createTlsServer(tls, onTlsError);
  const wss = new WebSocketServer({ ...common, server });
  // ws re-emits the HTTPS server's errors on wss; until the caller listens for them, the rejection below reports them.
  const quiet = () => undefined;
  wss.on('error', quiet);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(at.port, at.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } finally {
    wss.off('error', quiet);
  }
  return { wss, tlsServer: server };
}

/**
 * The security part of the config: the `tls` files (a cluster CA and this node's
 * certificate and key, shared by gossip mTLS and, later, HTTPS), and the rule that a
 * daemon whose gossip address is reachable from other hosts must encrypt its gossip.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { invalid } from '../core/errors.js';
import { asObject } from '../core/validate.js';
import { certificateNames } from '../transport/cert-names.js';

/** MAX_PEM_BYTES bounds each TLS file. */
export const MAX_PEM_BYTES = 1024 * 1024;

/** TlsFiles are the paths of the `tls` config block. */
export interface TlsFiles {
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** TlsMaterial is what the `tls` files hold, read once at start-up (PEM text). */
export interface TlsMaterial extends TlsFiles {
  ca: string;
  cert: string;
  key: string;
}

/** validateTlsConfig checks the shape of the `tls` block of a config file: all three files or none. */
export function validateTlsConfig(v: unknown): TlsFiles | undefined {
  if (v === undefined) return undefined;
  const o = asObject(v, 'tls', ['caFile', 'certFile', 'keyFile']);
  for (const k of ['caFile', 'certFile', 'keyFile'] as const) {
    if (typeof o[k] !== 'string' || o[k].length === 0 || o[k].length > 4096) throw invalid(`tls.${k}`, 'must be the path of a PEM file (caFile, certFile and keyFile go together)');
  }
  return { caFile: o.caFile as string, certFile: o.certFile as string, keyFile: o.keyFile as string };
}

function readPem(path: string, field: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw invalid(field, `cannot read ${path}: ${(e as Error).message}`);
  }
  if (text.length > MAX_PEM_BYTES) throw invalid(field, `${path} is larger than ${MAX_PEM_BYTES} bytes`);
  return text;
}

/**
 * loadTlsMaterial reads the `tls` files and checks them before any socket opens: each
 * parses, the key matches the certificate, the CA signed it, and it names `nodeName`
 * (a URI SAN grapevine://node/NAME, a DNS SAN or the CN). Errors name the field.
 */
export function loadTlsMaterial(files: TlsFiles, nodeName: string): TlsMaterial {
  const ca = readPem(files.caFile, 'tls.caFile');
  const cert = readPem(files.certFile, 'tls.certFile');
  const key = readPem(files.keyFile, 'tls.keyFile');
  let caCert: X509Certificate;
  let nodeCert: X509Certificate;
  try {
    caCert = new X509Certificate(ca);
  } catch (e) {
    throw invalid('tls.caFile', `${files.caFile} is not a PEM certificate: ${(e as Error).message}`);
  }
  try {
    nodeCert = new X509Certificate(cert);
  } catch (e) {
    throw invalid('tls.certFile', `${files.certFile} is not a PEM certificate: ${(e as Error).message}`);
  }
  try {
    createSecureContext({ cert, key });
  } catch (e) {
    throw invalid('tls.keyFile', `${files.keyFile} is not the key of ${files.certFile}: ${(e as Error).message}`);
  }
  if (!nodeCert.checkIssued(caCert) || !nodeCert.verify(caCert.publicKey)) throw invalid('tls.certFile', `${files.certFile} is not signed by the CA in ${files.caFile}`);
  const names = certificateNames(nodeCert);
  if (!names.includes(nodeName)) throw invalid('tls.certFile', `${files.certFile} names ${names.join(', ') || 'no node'}, not this node (${nodeName}); make one with \`grapevine tls cert create --node ${nodeName}\``);
  return { ...files, ca, cert, key };
}

/** isLoopbackHost reports whether a host only reaches this machine: 127.0.0.0/8, ::1 or localhost (0.0.0.0 and :: bind every interface, so they are not). */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || /^::ffff:127\./.test(h);
  return false;
}

/**
 * checkGossipSecurity refuses a gossip address other hosts can reach without
 * encryptKeys, unless the config says `gossip.insecure: true`: an unencrypted gossip
 * port lets anyone who reaches it write to, and evict members of, the cluster.
 */
export function checkGossipSecurity(gossipHost: string, encryptKeys: readonly string[], insecure: boolean): void {
  if (insecure || encryptKeys.length > 0 || isLoopbackHost(gossipHost)) return;
  throw invalid(
    'encryptKeys',
    `the gossip address ${gossipHost} is reachable from other hosts, and gossip without encryptKeys lets anyone who reaches it join and write to the cluster. ` +
      'Make a key with `grapevine keygen` and put it in "encryptKeys" on every node (or set "gossip": {"insecure": true} to accept the risk)',
  );
}

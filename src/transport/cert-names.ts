/**
 * The node names a certificate vouches for. A node certificate made by
 * `grapevine tls cert create --node NAME` carries the URI SAN grapevine://node/NAME
 * (the one unambiguous form), a DNS SAN NAME and CN=NAME; any of them counts, so that
 * certificates from another CA tool (consul tls, cfssl, step) work as long as they
 * name the node.
 */
import type { PeerCertificate } from 'node:tls';
import type { X509Certificate } from 'node:crypto';

/** NODE_URI_PREFIX starts the URI SAN that names a node. */
export const NODE_URI_PREFIX = 'grapevine://node/';

/** MAX_CERT_NAMES bounds the names taken from one certificate. */
export const MAX_CERT_NAMES = 64;

/** namesFromAltNames parses a subjectAltName string ("DNS:a, URI:grapevine://node/a") into node names. */
export function namesFromAltNames(alt: string | undefined): string[] {
  const out: string[] = [];
  for (const part of (alt ?? '').split(',').slice(0, MAX_CERT_NAMES)) {
    const p = part.trim();
    if (p.startsWith('URI:')) {
      const uri = p.slice(4);
      if (uri.startsWith(NODE_URI_PREFIX)) out.push(uri.slice(NODE_URI_PREFIX.length));
    } else if (p.startsWith('DNS:')) out.push(p.slice(4));
  }
  return [...new Set(out)];
}

function cnOf(subject: string | undefined): string | undefined {
  for (const line of (subject ?? '').split('\n')) if (line.startsWith('CN=')) return line.slice(3);
  return undefined;
}

/** certificateNames lists the node names an X.509 certificate (as Node's crypto parses it) vouches for. */
export function certificateNames(cert: X509Certificate): string[] {
  const names = namesFromAltNames(cert.subjectAltName);
  const cn = cnOf(cert.subject);
  if (cn !== undefined && !names.includes(cn)) names.push(cn);
  return names;
}

/** peerCertificateNames lists the node names the certificate of a TLS peer vouches for (empty when it sent none). */
export function peerCertificateNames(cert: PeerCertificate | undefined): string[] {
  if (!cert || Object.keys(cert).length === 0) return [];
  const names = namesFromAltNames(cert.subjectaltname);
  const cn = typeof cert.subject?.CN === 'string' ? cert.subject.CN : undefined;
  if (cn !== undefined && !names.includes(cn)) names.push(cn);
  return names;
}

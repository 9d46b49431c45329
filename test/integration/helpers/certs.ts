/**
 * makeCerts writes a throw-away CA, a server certificate for 127.0.0.1 and a client
 * certificate, all signed by the CA, with the openssl command line (tests skip when it
 * is absent).
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** CertFiles are the paths makeCerts wrote. */
export interface CertFiles {
  caFile: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

/** hasOpenssl says whether the openssl command runs. */
export function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * makeCerts creates the CA, server and client certificates under dir. The server
 * certificate is also a node certificate for `nodeName` (a DNS SAN and a
 * grapevine://node/ URI SAN, server and client auth), so that it serves gossip mTLS too.
 */
export function makeCerts(dir: string, nodeName = 'localhost'): CertFiles {
  const p = (n: string) => join(dir, n);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', p('ca.key'), '-out', p('ca.pem'), '-days', '2', '-subj', '/CN=grapevine test CA');
  writeFileSync(p('server.ext'), `subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:${nodeName},URI:grapevine://node/${nodeName}\nextendedKeyUsage=serverAuth,clientAuth\n`);
  writeFileSync(p('client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const who of ['server', 'client']) {
    ssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', p(`${who}.key`), '-out', p(`${who}.csr`), '-subj', `/CN=${who}`);
    ssl('x509', '-req', '-in', p(`${who}.csr`), '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-CAcreateserial', '-out', p(`${who}.pem`), '-days', '2', '-extfile', p(`${who}.ext`));
  }
  return { caFile: p('ca.pem'), serverCert: p('server.pem'), serverKey: p('server.key'), clientCert: p('client.pem'), clientKey: p('client.key') };
}

/**
 * `grapevine tls ca create` and `grapevine tls cert create --node NAME`: a cluster CA
 * and node certificates for gossip mutual TLS (and HTTPS), like `consul tls`. The
 * X.509 work is done by the system's `openssl` binary: Node's crypto can parse and
 * verify certificates but not write them, and OpenSSL is the reference implementation,
 * present on every server distribution, so Grapevine needs no certificate library of
 * its own. Keys are EC P-256; a node certificate names the node as a URI SAN
 * grapevine://node/NAME, a DNS SAN and the CN, and is valid for TLS servers and clients.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { validateNodeName } from '../config/load.js';
import { NODE_URI_PREFIX } from '../transport/cert-names.js';
import { fail } from './output.js';

/** CA_CERT_FILE and CA_KEY_FILE are the default names of the CA files `tls ca create` writes. */
export const CA_CERT_FILE = 'grapevine-ca.pem';
export const CA_KEY_FILE = 'grapevine-ca-key.pem';

/** MAX_DAYS bounds certificate lifetimes (about 27 years; OpenSSL and TLS stacks dislike more). */
export const MAX_DAYS = 10_000;

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function openssl(args: string[]): void {
  try {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: Buffer };
    if (err.code === 'ENOENT') throw new Error('the `openssl` command is needed to make certificates; install it (e.g. apt-get install openssl)');
    throw new Error(`openssl ${args[0]} failed: ${err.stderr?.toString().trim() || err.message}`);
  }
}

function days(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > MAX_DAYS) throw new Error(`${flag}: must be a whole number of days from 1 to ${MAX_DAYS}`);
  return n;
}

function refuseOverwrite(...paths: string[]): void {
  for (const p of paths) if (existsSync(p)) throw new Error(`${p} already exists; remove it or choose another --dir`);
}

/** TlsCaOptions are the flags of `grapevine tls ca create`. */
export interface TlsCaOptions {
  dir: string;
  days: string;
  commonName: string;
}

/** createCa writes a self-signed CA certificate and its key into opts.dir and returns their paths. */
export function createCa(opts: TlsCaOptions): { cert: string; key: string } {
  const cert = join(opts.dir, CA_CERT_FILE);
  const key = join(opts.dir, CA_KEY_FILE);
  refuseOverwrite(cert, key);
  if (!/^[\w .-]{1,64}$/.test(opts.commonName)) throw new Error('--common-name: must be 1-64 letters, digits, spaces, ".", "_" or "-"');
  openssl(['req', '-x509', '-new', ...EC_KEY, '-keyout', key, '-out', cert, '-days', String(days(opts.days, '--days')), '-sha256', '-subj', `/CN=${opts.commonName}`,
    '-addext', 'basicConstraints=critical,CA:TRUE,pathlen:0', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  chmodSync(key, 0o600);
  return { cert, key };
}

/** TlsCertOptions are the flags of `grapevine tls cert create`. */
export interface TlsCertOptions {
  node: string;
  dir: string;
  ca: string;
  caKey: string;
  days: string;
  /** dns and ip are extra subject alternative names, for clients that dial the node's HTTPS API by host name or address. */
  dns?: string[];
  ip?: string[];
}

/** createNodeCert writes NAME.pem and NAME-key.pem, signed by the CA, into opts.dir and returns their paths. */
export function createNodeCert(opts: TlsCertOptions): { cert: string; key: string } {
  const node = validateNodeName(opts.node, '--node');
  const cert = join(opts.dir, `${node}.pem`);
  const key = join(opts.dir, `${node}-key.pem`);
  refuseOverwrite(cert, key);
  for (const f of [opts.ca, opts.caKey]) if (!existsSync(f)) throw new Error(`${f} not found; make a CA first with \`grapevine tls ca create\` (or pass --ca and --ca-key)`);
  const sans = [`URI:${NODE_URI_PREFIX}${node}`, `DNS:${node}`];
  for (const d of opts.dns ?? []) {
    if (!/^[a-zA-Z0-9*]([a-zA-Z0-9.-]{0,252})$/.test(d)) throw new Error(`--dns: ${JSON.stringify(d)} is not a host name`);
    sans.push(`DNS:${d}`);
  }
  for (const a of opts.ip ?? []) {
    if (isIP(a) === 0) throw new Error(`--ip: ${JSON.stringify(a)} is not an IP address`);
    sans.push(`IP:${a}`);
  }
  const tmp = mkdtempSync(join(tmpdir(), 'grapevine-tls-'));
  try {
    const csr = join(tmp, 'node.csr');
    const ext = join(tmp, 'ext.cnf');
    writeFileSync(ext, [`subjectAltName=${sans.join(',')}`, 'basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature,keyAgreement', 'extendedKeyUsage=serverAuth,clientAuth', ''].join('\n'));
    openssl(['req', '-new', ...EC_KEY, '-keyout', key, '-out', csr, '-subj', `/CN=${node}`]);
    chmodSync(key, 0o600);
    openssl(['x509', '-req', '-in', csr, '-CA', opts.ca, '-CAkey', opts.caKey, '-out', cert, '-days', String(days(opts.days, '--days')), '-sha256',
      '-set_serial', `0x${randomBytes(16).toString('hex').replace(/^[89a-f]/, '1')}`, '-extfile', ext]);
  } catch (e) {
    rmSync(key, { force: true });
    throw e;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return { cert, key };
}

function collect(v: string, prev: string[] = []): string[] {
  return [...prev, v];
}

/** registerTlsCommands adds `grapevine tls ca create` and `grapevine tls cert create`. */
export function registerTlsCommands(program: Command): void {
  const tls = program.command('tls').description('make a cluster CA and node certificates for mutual TLS (needs the openssl command)');
  tls
    .command('ca')
    .description('certificate authority')
    .command('create')
    .description(`make a cluster CA: ${CA_CERT_FILE} and ${CA_KEY_FILE} (keep the key secret and off the nodes)`)
    .option('--dir <dir>', 'directory to write into', '.')
    .option('--days <n>', 'validity in days', '1825')
    .option('--common-name <name>', 'the CA certificate\'s common name', 'Grapevine cluster CA')
    .action((o: TlsCaOptions) => {
      try {
        const r = createCa(o);
        process.stdout.write(`wrote ${r.cert}\nwrote ${r.key}\n`);
      } catch (e) {
        fail(e);
      }
    });
  tls
    .command('cert')
    .description('node certificates')
    .command('create')
    .description('make a certificate and key for one node, signed by the CA: NAME.pem and NAME-key.pem')
    .requiredOption('--node <name>', 'the node name the certificate vouches for')
    .option('--dir <dir>', 'directory to write into', '.')
    .option('--ca <file>', 'CA certificate', CA_CERT_FILE)
    .option('--ca-key <file>', 'CA key', CA_KEY_FILE)
    .option('--days <n>', 'validity in days', '365')
    .option('--dns <name>', 'extra DNS name for the certificate (repeatable)', collect)
    .option('--ip <address>', 'extra IP address for the certificate (repeatable)', collect)
    .action((o: TlsCertOptions) => {
      try {
        const r = createNodeCert(o);
        process.stdout.write(`wrote ${r.cert}\nwrote ${r.key}\n`);
      } catch (e) {
        fail(e);
      }
    });
}

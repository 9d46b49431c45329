/**
 * AWS Signature Version 4 verification, for Cloud Map calls signed with a token's AWS
 * access key pair (the AWS SDKs and CLI sign every request this way). It rebuilds the
 * canonical request from what arrived (method, path, query, the signed headers, the
 * body's SHA-256), derives the signing key from the stored secret, and compares the
 * signatures in constant time. Spec: "Create a signed AWS API request" (AWS IAM user
 * guide, Signature Version 4), whose test suite's vectors the unit tests use.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { GrapevineError } from '../core/errors.js';

/** SIGV4_ALGORITHM is the Authorization scheme of a SigV4-signed request. */
export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';
/** MAX_SIGV4_SKEW_MS is how far X-Amz-Date may be from the daemon's clock (AWS allows 15 minutes). */
export const MAX_SIGV4_SKEW_MS = 15 * 60_000;
/** MAX_SIGNED_HEADERS bounds SignedHeaders (a real SDK signs about six). */
export const MAX_SIGNED_HEADERS = 64;

/** SigV4Auth is a parsed `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` header. */
export interface SigV4Auth {
  accessKeyId: string;
  /** scopeDate is the credential scope's YYYYMMDD. */
  scopeDate: string;
  region: string;
  service: string;
  signedHeaders: string[];
  /** signature is 64 lower-case hex characters. */
  signature: string;
}

/** SigV4Request is what a signature covers: the request as it arrived, and its body's SHA-256 (hex). */
export interface SigV4Request {
  method: string;
  /** url is the request target as sent: path and optional query, still percent-encoded. */
  url: string;
  /** rawHeaders is Node's flat [name, value, name, value…] list. */
  rawHeaders: readonly string[];
  payloadSha256Hex: string;
}

/** SigV4Error is a refused signature: `code` is the AWS error type the SDKs know (HTTP 403 or 400). */
export class SigV4Error extends GrapevineError {
  constructor(
    readonly awsType: 'IncompleteSignatureException' | 'InvalidSignatureException' | 'UnrecognizedClientException',
    message: string,
  ) {
    super('PermissionDenied', message);
  }
}

/** isSigV4 says whether an Authorization header value is a SigV4 signature. */
export function isSigV4(authorization: string | undefined): boolean {
  return authorization?.startsWith(`${SIGV4_ALGORITHM} `) === true;
}

/** parseSigV4 reads a SigV4 Authorization header; a malformed one is IncompleteSignatureException. */
export function parseSigV4(authorization: string): SigV4Auth {
  const bad = (why: string) => new SigV4Error('IncompleteSignatureException', `Authorization: ${why}`);
  if (!isSigV4(authorization) || authorization.length > 4096) throw bad(`must be ${SIGV4_ALGORITHM} Credential=…, SignedHeaders=…, Signature=…`);
  const parts = new Map<string, string>();
  for (const p of authorization.slice(SIGV4_ALGORITHM.length + 1).split(',')) {
    const eq = p.indexOf('=');
    if (eq > 0) parts.set(p.slice(0, eq).trim(), p.slice(eq + 1).trim());
  }
  const cred = parts.get('Credential')?.split('/');
  if (cred?.length !== 5 || cred[4] !== 'aws4_request' || !/^\d{8}$/.test(cred[1]!) || cred[0] === '') throw bad('Credential must be KEY/YYYYMMDD/region/service/aws4_request');
  const signedHeaders = (parts.get('SignedHeaders') ?? '').split(';');
  if (signedHeaders.length > MAX_SIGNED_HEADERS || signedHeaders.some((h) => !/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(h))) throw bad('SignedHeaders must be lower-case header names separated by ;');
  if (!signedHeaders.includes('host')) throw bad('SignedHeaders must include host');
  const signature = parts.get('Signature') ?? '';
  if (!/^[0-9a-f]{64}$/.test(signature)) throw bad('Signature must be 64 hex characters');
  return { accessKeyId: cred[0]!, scopeDate: cred[1]!, region: cred[2]!, service: cred[3]!, signedHeaders, signature };
}

/** escapeUri is RFC 3986 percent-encoding of everything but unreserved characters (as SigV4 requires). */
function escapeUri(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** canonicalPath normalizes the path's segments (".", "..", empty) and encodes each once more, as the AWS SDKs do for every service but S3. */
export function canonicalPath(path: string): string {
  const segs: string[] = [];
  for (const s of path.split('/')) {
    if (s === '' || s === '.') continue;
    if (s === '..') segs.pop();
    else segs.push(s);
  }
  const joined = `${path.startsWith('/') ? '/' : ''}${segs.join('/')}${segs.length > 0 && path.endsWith('/') ? '/' : ''}`;
  return escapeUri(joined).replace(/%2F/g, '/');
}

/** canonicalQuery sorts the query's parameters by encoded name, then value, each re-encoded strictly. */
export function canonicalQuery(query: string): string {
  if (query === '') return '';
  const pairs = query
    .split('&')
    .filter((p) => p !== '')
    .map((p) => {
      const eq = p.indexOf('=');
      const k = escapeUri(decode(eq < 0 ? p : p.slice(0, eq)));
      const v = escapeUri(decode(eq < 0 ? '' : p.slice(eq + 1)));
      return [k, v] as const;
    })
    .filter(([k]) => k.toLowerCase() !== 'x-amz-signature');
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

/** canonicalHeaders lists each signed header as `name:value` (values trimmed, inner spaces collapsed, repeats joined by commas). */
export function canonicalHeaders(rawHeaders: readonly string[], signed: readonly string[]): string {
  const values = new Map<string, string[]>();
  for (const h of signed) values.set(h, []);
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const list = values.get(rawHeaders[i]!.toLowerCase());
    if (list) list.push(rawHeaders[i + 1]!.trim().replace(/\s+/g, ' '));
  }
  const names = [...signed].sort();
  return names
    .map((n) => {
      const v = values.get(n)!;
      if (v.length === 0) throw new SigV4Error('IncompleteSignatureException', `signed header ${n} is missing from the request`);
      return `${n}:${v.join(',')}\n`;
    })
    .join('');
}

/** canonicalRequest is step 1 of SigV4: the request in the one form client and server both hash. */
export function canonicalRequest(r: SigV4Request, signedHeaders: readonly string[]): string {
  const q = r.url.indexOf('?');
  const path = q < 0 ? r.url : r.url.slice(0, q);
  const query = q < 0 ? '' : r.url.slice(q + 1);
  const sorted = [...signedHeaders].sort();
  return `${r.method}\n${canonicalPath(path)}\n${canonicalQuery(query)}\n${canonicalHeaders(r.rawHeaders, sorted)}\n${sorted.join(';')}\n${r.payloadSha256Hex}`;
}

/** sha256Hex is the lower-case hex SHA-256 of a string or bytes. */
export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** signingKey derives the key of one day, region and service from a secret access key (SigV4 step 3). */
export function signingKey(secretAccessKey: string, scopeDate: string, region: string, service: string): Buffer {
  const h = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
  return h(h(h(h(`AWS4${secretAccessKey}`, scopeDate), region), service), 'aws4_request');
}

/** signatureOf computes the hex signature of a request for a parsed Authorization's scope, given the secret. */
export function signatureOf(r: SigV4Request, auth: SigV4Auth, amzDate: string, secretAccessKey: string): string {
  const scope = `${auth.scopeDate}/${auth.region}/${auth.service}/aws4_request`;
  const toSign = `${SIGV4_ALGORITHM}\n${amzDate}\n${scope}\n${sha256Hex(canonicalRequest(r, auth.signedHeaders))}`;
  return createHmac('sha256', signingKey(secretAccessKey, auth.scopeDate, auth.region, auth.service)).update(toSign).digest('hex');
}

/** amzDateMs reads X-Amz-Date (YYYYMMDD'T'HHMMSS'Z') as epoch milliseconds, or NaN. */
export function amzDateMs(v: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(v);
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : Number.NaN;
}

/**
 * verifySigV4 checks a request's signature with the secret of its access key: the date
 * (X-Amz-Date, signed, within MAX_SIGV4_SKEW_MS of nowMs, its day the scope's), the
 * declared payload hash (X-Amz-Content-Sha256, when sent, must be the body's), and the
 * signature itself. Every refusal is a SigV4Error.
 */
export function verifySigV4(r: SigV4Request, auth: SigV4Auth, secretAccessKey: string, nowMs: number): void {
  const header = (n: string) => {
    for (let i = 0; i + 1 < r.rawHeaders.length; i += 2) if (r.rawHeaders[i]!.toLowerCase() === n) return r.rawHeaders[i + 1]!;
    return undefined;
  };
  const amzDate = header('x-amz-date');
  if (amzDate === undefined || !auth.signedHeaders.includes('x-amz-date')) throw new SigV4Error('IncompleteSignatureException', 'X-Amz-Date is required and must be signed');
  const dateMs = amzDateMs(amzDate);
  if (Number.isNaN(dateMs)) throw new SigV4Error('IncompleteSignatureException', 'X-Amz-Date must be YYYYMMDDTHHMMSSZ');
  if (Math.abs(dateMs - nowMs) > MAX_SIGV4_SKEW_MS) throw new SigV4Error('InvalidSignatureException', `Signature expired or not yet valid: X-Amz-Date ${amzDate} is more than 15 minutes from the server's time`);
  if (amzDate.slice(0, 8) !== auth.scopeDate) throw new SigV4Error('InvalidSignatureException', `credential scope date ${auth.scopeDate} is not the day of X-Amz-Date ${amzDate}`);
  const declared = header('x-amz-content-sha256');
  if (declared !== undefined && declared !== r.payloadSha256Hex) throw new SigV4Error('InvalidSignatureException', 'X-Amz-Content-Sha256 does not match the body');
  const want = Buffer.from(signatureOf(r, auth, amzDate, secretAccessKey), 'hex');
  if (!timingSafeEqual(want, Buffer.from(auth.signature, 'hex'))) {
    throw new SigV4Error('InvalidSignatureException', 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.');
  }
}

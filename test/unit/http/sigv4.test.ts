/**
 * SigV4 verification against the AWS Signature Version 4 test suite's vectors
 * ("get-vanilla", "post-x-www-form-urlencoded" and their kin), and against requests
 * signed by the AWS SDK's own signer (@smithy/signature-v4, used here only).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { HttpRequest } from '@smithy/core/protocols';
import { canonicalRequest, parseSigV4, sha256Hex, SigV4Error, verifySigV4, type SigV4Request } from '../../../src/http/sigv4.js';

// The test suite's credentials and time.
const AKID = 'AKIDEXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const NOW_MS = Date.UTC(2015, 7, 30, 12, 36, 0);
const EMPTY_SHA = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

class NodeSha256 {
  private readonly h;
  constructor(secret?: string | Uint8Array) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', secret);
  }
  update(d: string | Uint8Array) {
    this.h.update(d);
  }
  async digest() {
    return new Uint8Array(this.h.digest());
  }
}

const signer = new SignatureV4({ credentials: { accessKeyId: AKID, secretAccessKey: SECRET }, region: 'us-east-1', service: 'service', sha256: NodeSha256 as any });

/** signed signs a request with the SDK's signer and returns it in the daemon's terms. */
async function signed(method: string, path: string, query: Record<string, string | string[]>, headers: Record<string, string>, body = ''): Promise<{ r: SigV4Request; authorization: string }> {
  const req = new HttpRequest({ method, protocol: 'http:', hostname: 'example.amazonaws.com', path, query, headers: { host: 'example.amazonaws.com', ...headers }, body });
  const s = await signer.sign(req, { signingDate: new Date(NOW_MS) });
  const qs = Object.entries(query).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => `${encodeURIComponent(k)}=${encodeURIComponent(x)}`)).join('&');
  const rawHeaders = Object.entries(s.headers).flatMap(([k, v]) => [k, String(v)]);
  return { r: { method, url: qs ? `${path}?${qs}` : path, rawHeaders, payloadSha256Hex: sha256Hex(body) }, authorization: String(s.headers.authorization) };
}

test('get-vanilla: the canonical request and the signature the AWS test suite publishes', () => {
  const authorization = 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31';
  const r: SigV4Request = { method: 'GET', url: '/', rawHeaders: ['Host', 'example.amazonaws.com', 'X-Amz-Date', '20150830T123600Z'], payloadSha256Hex: EMPTY_SHA };
  const auth = parseSigV4(authorization);
  assert.equal(canonicalRequest(r, auth.signedHeaders), `GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n${EMPTY_SHA}`);
  verifySigV4(r, auth, SECRET, NOW_MS);
  assert.throws(() => verifySigV4(r, auth, `${SECRET}x`, NOW_MS), (e: unknown) => e instanceof SigV4Error && e.awsType === 'InvalidSignatureException');
});

test('post-x-www-form-urlencoded and kin: what the SDK signer signs, the daemon verifies', async () => {
  const cases = [
    await signed('POST', '/', {}, { 'content-type': 'application/x-www-form-urlencoded', 'x-amz-content-sha256': sha256Hex('Param1=value1') }, 'Param1=value1'),
    await signed('GET', '/', { Param2: 'value2', Param1: 'value1' }, {}),
    await signed('GET', '/', { Param1: ['value2', 'value1'] }, {}),
    await signed('GET', '/', { 'ሴ': 'a b/c*' }, {}),
    await signed('GET', '/example space/', {}, {}),
    await signed('GET', '/example/../foo/./bar', {}, {}),
    await signed('POST', '/', {}, { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Route53AutoNaming_v20170314.ListNamespaces', 'my-header1': '  value1   with  spaces ' }, '{}'),
  ];
  for (const { r, authorization } of cases) verifySigV4(r, parseSigV4(authorization), SECRET, NOW_MS);
});

test('a changed body, header, path or query, or the wrong secret, breaks the signature', async () => {
  const body = '{"Name":"a.internal"}';
  const { r, authorization } = await signed('POST', '/', { q: '1' }, { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Route53AutoNaming_v20170314.CreateHttpNamespace' }, body);
  const auth = parseSigV4(authorization);
  const refused = (x: SigV4Request, secret = SECRET) => assert.throws(() => verifySigV4(x, auth, secret, NOW_MS), (e: unknown) => e instanceof SigV4Error && e.awsType === 'InvalidSignatureException');
  verifySigV4(r, auth, SECRET, NOW_MS);
  refused(r, 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEZ');
  refused({ ...r, payloadSha256Hex: sha256Hex('{"Name":"b.internal"}') });
  refused({ ...r, url: '/?q=2' });
  refused({ ...r, url: '/x?q=1' });
  refused({ ...r, method: 'PUT' });
  refused({ ...r, rawHeaders: r.rawHeaders.map((v) => (v.endsWith('CreateHttpNamespace') ? 'Route53AutoNaming_v20170314.DeleteNamespace' : v)) });
});

test('X-Amz-Date must be within 15 minutes of the server clock, and the scope must name its day', async () => {
  const { r, authorization } = await signed('GET', '/', {}, {});
  const auth = parseSigV4(authorization);
  verifySigV4(r, auth, SECRET, NOW_MS + 14 * 60_000);
  verifySigV4(r, auth, SECRET, NOW_MS - 14 * 60_000);
  const expired = (now: number) => assert.throws(() => verifySigV4(r, auth, SECRET, now), /15 minutes/);
  expired(NOW_MS + 16 * 60_000);
  expired(NOW_MS - 16 * 60_000);
  assert.throws(() => verifySigV4(r, { ...auth, scopeDate: '20150831' }, SECRET, NOW_MS), /scope date/);
});

test('X-Amz-Content-Sha256 must be the body actually sent', async () => {
  const { r, authorization } = await signed('POST', '/', {}, { 'x-amz-content-sha256': sha256Hex('{}') }, '{}');
  assert.throws(() => verifySigV4({ ...r, payloadSha256Hex: sha256Hex('{"x":1}') }, parseSigV4(authorization), SECRET, NOW_MS), /does not match the body/);
});

test('malformed Authorization headers are IncompleteSignatureException', () => {
  const bad = [
    'AWS4-HMAC-SHA256 Credential=AKID/2015/us-east-1/service/aws4_request, SignedHeaders=host, Signature=' + 'a'.repeat(64),
    'AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/service/aws4_request, SignedHeaders=host, Signature=xyz',
    'AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/service/aws4_request, SignedHeaders=x-amz-date, Signature=' + 'a'.repeat(64),
    'AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/service, SignedHeaders=host, Signature=' + 'a'.repeat(64),
    'Bearer abc',
  ];
  for (const h of bad) assert.throws(() => parseSigV4(h), (e: unknown) => e instanceof SigV4Error && e.awsType === 'IncompleteSignatureException', h);
});

/**
 * Keyring for gossip encryption, after memberlist's keyring: the first key seals,
 * every key opens. Rotation without downtime follows from that: install the new key
 * everywhere as a secondary, then make it primary everywhere, then drop the old one;
 * at each step every node can still open what every other node seals.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { invalid } from '../core/errors.js';

/** NONCE_BYTES is the AES-GCM nonce size; a fresh random nonce seals every frame. */
export const NONCE_BYTES = 12;
/** TAG_BYTES is the AES-GCM authentication tag size. */
export const TAG_BYTES = 16;
/** KEY_BYTES is the AES-256 key size. */
export const KEY_BYTES = 32;
/** SEAL_OVERHEAD_BYTES is what sealing adds to a frame body. */
export const SEAL_OVERHEAD_BYTES = NONCE_BYTES + TAG_BYTES;

/** parseEncryptKeys decodes base64 AES-256 keys, rejecting any that is not 32 bytes, by field name. */
export function parseEncryptKeys(keys: readonly string[], field = 'encryptKeys'): Buffer[] {
  return keys.map((k, i) => {
    if (typeof k !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(k)) throw invalid(`${field}[${i}]`, 'must be a base64 string');
    const b = Buffer.from(k, 'base64');
    if (b.length !== KEY_BYTES) throw invalid(`${field}[${i}]`, `must decode to ${KEY_BYTES} bytes (AES-256), got ${b.length}`);
    return b;
  });
}

/**
 * Keyring seals frame bodies with AES-256-GCM under its primary key and opens them
 * with any of its keys. The cluster name is the associated data, so a frame sealed
 * for another cluster does not open even under the same key.
 */
export class Keyring {
  private readonly keys: Buffer[];
  private readonly aad: Buffer;

  constructor(keys: readonly Buffer[], clusterName: string) {
    if (keys.length === 0) throw new Error('Keyring needs at least one key');
    for (const k of keys) if (k.length !== KEY_BYTES) throw new Error(`Keyring key must be ${KEY_BYTES} bytes`);
    this.keys = [...keys];
    this.aad = Buffer.from(clusterName, 'utf8');
  }

  /** seal returns nonce | ciphertext | tag for a body, under the primary key. */
  seal(body: Uint8Array): Buffer {
    const nonce = randomBytes(NONCE_BYTES);
    const c = createCipheriv('aes-256-gcm', this.keys[0]!, nonce);
    c.setAAD(this.aad);
    const ct = c.update(body);
    c.final();
    return Buffer.concat([nonce, ct, c.getAuthTag()]);
  }

  /** open returns the body of a sealed frame, or undefined when no key opens it (wrong key, cluster or tampering). */
  open(sealed: Uint8Array): Buffer | undefined {
    if (sealed.length < SEAL_OVERHEAD_BYTES) return undefined;
    const buf = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
    const nonce = buf.subarray(0, NONCE_BYTES);
    const tag = buf.subarray(buf.length - TAG_BYTES);
    const ct = buf.subarray(NONCE_BYTES, buf.length - TAG_BYTES);
    for (const key of this.keys) {
      try {
        const d = createDecipheriv('aes-256-gcm', key, nonce);
        d.setAAD(this.aad);
        d.setAuthTag(tag);
        const out = d.update(ct);
        d.final();
        return out;
      } catch {
        // Try the next key: during a rotation peers may still seal with the old one.
      }
    }
    return undefined;
  }
}

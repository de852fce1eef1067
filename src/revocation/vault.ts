/**
 * The vault: AES-256-GCM under TOKENWATCH_VAULT_KEY for the few raw tokens a revocation
 * needs. Each sealed value carries its own random IV and is bound to the token's
 * fingerprint (additional authenticated data), so it cannot be replayed under another.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;

export class Vault {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('the vault key must be 32 bytes');
  }

  seal(plaintext: string, boundTo: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(boundTo, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  /** Throws when the value was tampered with, sealed under another key or bound to another fingerprint. */
  open(sealed: string, boundTo: string): string {
    const raw = Buffer.from(sealed, 'base64');
    if (raw.length < IV_BYTES + TAG_BYTES) throw new Error('sealed value too short');
    // The tag length pinned: otherwise a 4-byte tag is accepted, and forging one takes 2^32 tries, not 2^128.
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(boundTo, 'utf8'));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  }
}

import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeJwtClaims, fingerprint } from '../../src/ingest/fingerprint.js';

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('fingerprint', () => {
  it('is HMAC-SHA-256 under the pepper, in lowercase hex, as a gateway sharing the pepper computes it', () => {
    const fp = fingerprint('pepper-pepper-pepper', 'my-token');
    expect(fp).toBe(createHmac('sha256', 'pepper-pepper-pepper').update('my-token').digest('hex'));
    expect(fp).toMatch(/^[0-9a-f]{64}$/);
    expect(fingerprint('another-pepper-xx', 'my-token')).not.toBe(fp);
  });
});

describe('decodeJwtClaims', () => {
  it('reads jti, sub, client_id (or azp), scope (or scp), exp, iss', () => {
    const t = `${b64({ alg: 'HS256' })}.${b64({ jti: 'j', sub: 's', client_id: 'c', azp: 'ignored', scp: ['x', 'y'], exp: 5, iss: 'i' })}.sig`;
    expect(decodeJwtClaims(t)).toEqual({ jti: 'j', sub: 's', client_id: 'c', scope: ['x', 'y'], exp: 5, iss: 'i' });
    const t2 = `${b64({ alg: 'none' })}.${b64({ azp: 'a', scope: 'p q' })}.`;
    expect(decodeJwtClaims(t2)).toMatchObject({ client_id: 'a', scope: ['p', 'q'] });
  });

  it.each(['opaque-token', 'a.b.c', `${b64({ typ: 'x' })}.${b64({})}.s`, `${b64({ alg: 'x' })}.bm90IGpzb24.s`, `${b64({ alg: 'x' })}.${b64('str')}.s`])(
    'returns undefined for %s',
    (token) => {
      expect(decodeJwtClaims(token)).toBeUndefined();
    },
  );
});

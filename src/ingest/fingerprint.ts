/**
 * Tokens are handled by reference: a raw token becomes its HMAC-SHA-256 fingerprint
 * under the pepper the moment it is read, and only the fingerprint goes further.
 */
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';

/** The pepper as a key object, made once: importing a string key on every call costs ~20%. */
let lastPepper: string | undefined;
let lastKey: KeyObject | undefined;

export function fingerprint(pepper: string, token: string): string {
  if (pepper !== lastPepper || lastKey === undefined) {
    lastKey = createSecretKey(Buffer.from(pepper, 'utf8'));
    lastPepper = pepper;
  }
  return createHmac('sha256', lastKey).update(token, 'utf8').digest('hex');
}

export interface JwtClaims {
  jti?: string;
  sub?: string;
  client_id?: string;
  scope?: string[];
  exp?: number;
  iss?: string;
}

const JWT_SHAPE = /^[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*$/;

function decodeSegment(segment: string): unknown {
  return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
}

const str = (v: unknown) => (typeof v === 'string' && v.length > 0 && v.length <= 1024 ? v : undefined);

/**
 * Reads the claims of a token that looks like a JWT, without verifying it: they describe
 * the token for the registry and are trusted for nothing else.
 */
export function decodeJwtClaims(token: string): JwtClaims | undefined {
  if (!JWT_SHAPE.test(token)) return undefined;
  const [header, payload] = token.split('.');
  try {
    const h = decodeSegment(header!) as Record<string, unknown>;
    if (typeof h !== 'object' || h === null || typeof h.alg !== 'string') return undefined;
    const p = decodeSegment(payload!) as Record<string, unknown>;
    if (typeof p !== 'object' || p === null) return undefined;
    const rawScope = p.scope ?? p.scp;
    const scope = Array.isArray(rawScope)
      ? rawScope.filter((s): s is string => typeof s === 'string')
      : typeof rawScope === 'string'
        ? rawScope.split(' ').filter(Boolean)
        : undefined;
    return {
      jti: str(p.jti),
      sub: str(p.sub),
      client_id: str(p.client_id) ?? str(p.azp),
      scope,
      exp: typeof p.exp === 'number' && Number.isFinite(p.exp) ? p.exp : undefined,
      iss: str(p.iss),
    };
  } catch {
    return undefined;
  }
}

/**
 * Bearer-key authentication and role checks. Routes declare the roles they accept in
 * `config.roles`; `admin` may do everything `read` may. Missing or wrong key: 401;
 * a valid key of another role: 403.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Role } from '../config.js';
import type { KeyRing } from '../keys/keyring.js';
import { HttpError } from './errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Roles allowed on this route; absent: public. */
    roles?: readonly Role[];
    /**
     * Also accept the key the ways a gateway's logging plugin can send it (native gateway
     * ingest only): Basic auth (a URL's userinfo), a bare key in Authorization, X-ClickHouse-Key.
     */
    gatewayKeyForms?: boolean;
  }
  interface FastifyRequest {
    role?: Role;
    /** Id of the key that authenticated the request (never the key itself), for audit and evidence. */
    keyId?: string;
  }
}

/** What each role may also act as. */
const IMPLIES: Record<Role, readonly Role[]> = {
  ingest: ['ingest'],
  idp: ['idp'],
  read: ['read'],
  admin: ['admin', 'read', 'idp'],
};

export function bearerKey(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/**
 * The key as a gateway's logger sends it: Basic auth from a URL's userinfo (Kong http-log;
 * the password, or the user name when there is no password), a bare key in Authorization
 * (APISIX http-logger `auth_header`), or X-ClickHouse-Key (APISIX clickhouse-logger).
 */
export function gatewayKey(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header === 'string') {
    const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
    if (basic) {
      const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const user = colon < 0 ? decoded : decoded.slice(0, colon);
      const password = colon < 0 ? '' : decoded.slice(colon + 1);
      // Kong sends the URL's userinfo as written, so a key with reserved characters arrives percent-encoded.
      const given = password || user;
      try {
        return decodeURIComponent(given) || undefined;
      } catch {
        return given || undefined;
      }
    }
    if (/^\S+$/.test(header.trim())) return header.trim();
  }
  const clickhouse = request.headers['x-clickhouse-key'];
  return typeof clickhouse === 'string' && clickhouse !== '' ? clickhouse : undefined;
}

export function registerAuth(app: FastifyInstance, keys: KeyRing): void {
  app.addHook('onRequest', async (request) => {
    const allowed = request.routeOptions.config.roles;
    if (!allowed) return;
    const key = bearerKey(request) ?? (request.routeOptions.config.gatewayKeyForms ? gatewayKey(request) : undefined);
    if (key === undefined) {
      throw new HttpError(401, 'unauthorized', 'missing API key: send Authorization: Bearer <key>', [], {
        'www-authenticate': 'Bearer realm="tokenwatch"',
      });
    }
    const match = keys.lookup(key);
    const role = match?.role;
    if (match === undefined || role === undefined) {
      throw new HttpError(401, 'unauthorized', 'unknown API key', [], { 'www-authenticate': 'Bearer realm="tokenwatch", error="invalid_token"' });
    }
    if (!IMPLIES[role].some((r) => allowed.includes(r))) {
      throw new HttpError(403, 'forbidden', `this endpoint needs a key with role ${allowed.join(' or ')}; this key has role ${role}`);
    }
    request.role = role;
    request.keyId = match.id;
  });
}

/**
 * What a request looks like: the applications and their routes, credentials and their raw
 * token formats, and the recorder that turns (credential, time, endpoint, route) into contract
 * events with deterministic ids.
 */
import type { Endpoint } from './networks.js';
import type { Rng } from './prng.js';
import type { LifecycleEvent, TokenType, UsageEvent } from './types.js';

export const API_HOST = 'api.example.com';
export const AUTH_HOST = 'auth.example.com';
export const TOKEN_PATH = '/oauth/token';
export const ISSUER = `https://${AUTH_HOST}`;

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
type Route = readonly [method: Method, path: string, weight: number];

export interface AppProfile {
  name: string;
  gateway: string;
  userAgents: readonly string[];
  scopes: readonly string[];
  routes: readonly Route[];
  /** Share of requests answered 403 in normal use (a feature the user's plan or role lacks). */
  forbidden: number;
}

const routesOf = (...routes: Route[]) => routes;

export const APPS = {
  web: {
    name: 'web',
    gateway: 'kong',
    userAgents: [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
      'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
    ],
    scopes: ['openid', 'profile', 'orders:read', 'orders:write'],
    routes: routesOf(
      ['GET', '/v1/me', 6],
      ['GET', '/v1/feed', 10],
      ['GET', '/v1/orders', 6],
      ['GET', '/v1/orders/{id}', 8],
      ['POST', '/v1/orders', 2],
      ['GET', '/v1/search', 5],
      ['GET', '/v1/notifications', 4],
      ['PUT', '/v1/settings', 0.5],
    ),
    forbidden: 0.002,
  },
  mobile: {
    name: 'mobile',
    gateway: 'envoy',
    userAgents: ['ExampleApp/5.12.1 (iPhone; iOS 17.4.1; Scale/3.00)', 'ExampleApp/5.12.0 (Android 14; Pixel 8)', 'okhttp/4.12.0 ExampleApp/5.11.3'],
    scopes: ['openid', 'profile', 'orders:read', 'orders:write', 'offline_access'],
    routes: routesOf(
      ['GET', '/v1/me', 4],
      ['GET', '/v1/feed', 12],
      ['GET', '/v1/messages', 6],
      ['POST', '/v1/messages', 2],
      ['GET', '/v1/orders/{id}', 4],
      ['POST', '/v1/devices/{id}/heartbeat', 3],
    ),
    forbidden: 0.001,
  },
  intranet: {
    name: 'intranet',
    gateway: 'apisix',
    userAgents: ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0'],
    scopes: ['openid', 'employee', 'tickets:read', 'tickets:write'],
    routes: routesOf(
      ['GET', '/v1/tickets', 8],
      ['GET', '/v1/tickets/{id}', 10],
      ['PATCH', '/v1/tickets/{id}', 3],
      ['GET', '/v1/directory/search', 4],
      ['GET', '/v1/me', 2],
      ['GET', '/v1/reports/{id}', 1],
    ),
    forbidden: 0.003,
  },
  partner: {
    name: 'partner',
    gateway: 'kong',
    userAgents: ['acme-connector/3.2.1 (go1.22)', 'Apache-HttpClient/5.3 (Java/21)', 'python-requests/2.31.0', 'node-fetch/3.3.2'],
    scopes: ['orders:read', 'orders:write', 'inventory:read'],
    routes: routesOf(
      ['GET', '/v1/orders', 5],
      ['GET', '/v1/orders/{id}', 8],
      ['POST', '/v1/orders', 3],
      ['GET', '/v1/inventory/{id}', 6],
      ['PUT', '/v1/inventory/{id}', 2],
      ['GET', '/v1/customers/{id}', 4],
      ['POST', '/v1/webhooks/ack', 1],
    ),
    forbidden: 0.0005,
  },
  batch: {
    name: 'batch',
    gateway: 'tyk',
    userAgents: ['nightly-etl/1.4 python-requests/2.31.0', 'airflow-http/2.9.1', 'ledger-export/0.9 (rust reqwest)'],
    scopes: ['reports:read', 'transactions:read'],
    routes: routesOf(['GET', '/v1/transactions', 6], ['GET', '/v1/reports/export', 3], ['GET', '/v1/accounts/{id}/ledger', 4], ['POST', '/v1/sync', 0.3]),
    forbidden: 0,
  },
} as const satisfies Record<string, AppProfile>;

export type AppName = keyof typeof APPS;

/** Probing an API beyond one's scopes: the paths a scope prober tries. */
export const PROBE_PATHS: readonly string[] = [
  '/v1/admin/users',
  '/v1/admin/keys',
  '/v1/admin/audit',
  '/v1/billing/export',
  '/v1/users/{id}/tokens',
  '/internal/metrics',
  '/v1/orgs/{id}/members',
  '/v1/payments/payouts',
];

export interface Credential {
  token: string;
  tokenType: TokenType;
  app: AppProfile;
  appId?: string;
  clientId?: string;
  userId?: string;
  userAgent: string;
  scopes?: string[];
  /** Victims and attackers: requests always carry location and are indexed for analysis. */
  located?: boolean;
}

export interface Request {
  method: string;
  path: string;
  status: number;
  host?: string;
}

/** A route of the app with a status as the API would answer in normal use. */
const cumulative = new WeakMap<AppProfile, number[]>();

function pickRoute(rng: Rng, app: AppProfile): Route {
  let sums = cumulative.get(app);
  if (!sums) {
    let total = 0;
    sums = app.routes.map((r) => (total += r[2]));
    cumulative.set(app, sums);
  }
  const x = rng.next() * sums[sums.length - 1]!;
  let i = 0;
  while (sums[i]! <= x) i++;
  return app.routes[i]!;
}

export function normalRequest(rng: Rng, app: AppProfile): Request {
  const [method, template] = pickRoute(rng, app);
  const path = template.includes('{id}') ? template.replace('{id}', String(rng.int(1000, 999_999))) : template;
  let status = method === 'POST' ? 201 : method === 'DELETE' ? 204 : 200;
  const x = rng.next();
  if (x < app.forbidden) status = 403;
  else if (x < app.forbidden + 0.008) status = 404;
  else if (x < app.forbidden + 0.012) status = 400;
  else if (x < app.forbidden + 0.0135) status = 409;
  else if (x < app.forbidden + 0.0145) status = 500;
  else if (x < app.forbidden + 0.015) status = 503;
  return { method, path, status };
}

// ---------------------------------------------------------------------------------------------
// Raw tokens: synthetic, in the formats real providers use.

export const makeApiKey = (rng: Rng) => `sk_live_${rng.base62(32)}`;
export const makePat = (rng: Rng) => `pat_${rng.base62(36)}`;
export const makeOpaqueAccess = (rng: Rng) => `at_${rng.base64url(43)}`;
export const makeRefresh = (rng: Rng) => `rt_${rng.base62(48)}`;

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A JWT access token (unsigned for any real key: the signature is random bytes). */
export function makeJwt(rng: Rng, claims: { sub: string; client_id: string; scope: string; iat: number; exp: number }): { token: string; jti: string } {
  const jti = rng.hex(24);
  const header = b64({ alg: 'RS256', typ: 'at+jwt', kid: 'sim-2024' });
  const payload = b64({ iss: ISSUER, ...claims, iat: Math.floor(claims.iat / 1000), exp: Math.floor(claims.exp / 1000), jti });
  return { token: `${header}.${payload}.${rng.base64url(86)}`, jti };
}

// ---------------------------------------------------------------------------------------------

export const iso = (ms: number) => new Date(ms).toISOString();

interface Timed<T> {
  ms: number;
  seq: number;
  e: T;
}

/**
 * Collects events. Usage events leave geolocation to the server on a small share of benign
 * requests; requests of credentials marked `located` (attack victims and attackers) always
 * carry it, so no attack signal depends on the server's MMDB.
 *
 * Requests are kept as columns (shared credential and endpoint objects, numbers) and become
 * event objects once, in time order, in finish(): half a million objects created while the
 * heap grows would spend most of the run in the garbage collector.
 */
export class Recorder {
  private readonly ms: number[] = [];
  private readonly cred: Credential[] = [];
  private readonly at: Endpoint[] = [];
  private readonly req: Request[] = [];
  private readonly latency: number[] = [];
  private readonly bytes: number[] = [];
  private readonly omit: boolean[] = [];
  private readonly life: Timed<LifecycleEvent>[] = [];
  private lifeSeq = 0;
  private readonly byToken = new Map<string, { ms: number; at: Endpoint; status: number }[]>();

  constructor(
    private readonly idPrefix: string,
    private readonly rng: Rng,
    private readonly floor: number,
    private readonly end: number,
    private readonly omitFraction: number,
  ) {}

  request(cred: Credential, ms: number, at: Endpoint, req: Request): void {
    if (ms < this.floor || ms > this.end) return;
    ms = Math.round(ms);
    const located = cred.located === true;
    this.ms.push(ms);
    this.cred.push(cred);
    this.at.push(at);
    this.req.push(req);
    this.latency.push(Math.round(Math.min(30_000, this.rng.around(req.status >= 500 ? 800 : 45, 2.2)) * 10) / 10);
    this.bytes.push(req.status === 204 ? 0 : Math.round(this.rng.around(req.status >= 400 ? 180 : 2400, 2.5)));
    this.omit.push(!located && this.omitFraction > 0 && this.rng.chance(this.omitFraction));
    if (located) {
      let list = this.byToken.get(cred.token);
      if (!list) this.byToken.set(cred.token, (list = []));
      list.push({ ms, at, status: req.status });
    }
  }

  lifecycle(ms: number, e: Omit<LifecycleEvent, 'event_id' | 'ts'>): void {
    if (ms < this.floor || ms > this.end) return;
    ms = Math.round(ms);
    const seq = this.lifeSeq++;
    const event = { ...e, event_id: `${this.idPrefix}-t${seq.toString(36)}`, ts: iso(ms) } as LifecycleEvent;
    for (const key of Object.keys(event) as (keyof LifecycleEvent)[]) if (event[key] === undefined) delete event[key];
    this.life.push({ ms, seq, e: event });
  }

  /** Requests of a located token so far, in time order. */
  uses(token: string): { ms: number; at: Endpoint; status: number }[] {
    return (this.byToken.get(token) ?? []).slice().sort((a, b) => a.ms - b.ms);
  }

  private event(i: number): UsageEvent {
    const cred = this.cred[i]!;
    const at = this.at[i]!;
    const req = this.req[i]!;
    const e = { event_id: `${this.idPrefix}-r${i.toString(36)}`, ts: iso(this.ms[i]!), token: cred.token, token_type: cred.tokenType } as UsageEvent;
    if (cred.appId !== undefined) e.app_id = cred.appId;
    if (cred.clientId !== undefined) e.client_id = cred.clientId;
    if (cred.userId !== undefined) e.user_id = cred.userId;
    e.ip = at.ip;
    if (!this.omit[i]) {
      e.country = at.country;
      e.city = at.city;
      e.lat = at.lat;
      e.lon = at.lon;
      e.asn = at.asn;
    }
    e.user_agent = cred.userAgent;
    e.method = req.method;
    e.host = req.host ?? API_HOST;
    e.path = req.path;
    e.status = req.status;
    e.latency_ms = this.latency[i]!;
    e.bytes = this.bytes[i]!;
    e.gateway = cred.app.gateway;
    if (cred.scopes !== undefined) e.scopes = cred.scopes;
    return e;
  }

  /** Request indexes by (time, insertion): a numeric sort of packed keys when they fit in a double. */
  private order(): number[] {
    const n = this.ms.length;
    const scale = 2 ** Math.ceil(Math.log2(n + 1));
    if ((this.end - this.floor + 1) * scale < Number.MAX_SAFE_INTEGER) {
      const keys = new Float64Array(n);
      for (let i = 0; i < n; i++) keys[i] = (this.ms[i]! - this.floor) * scale + i;
      keys.sort();
      return Array.from(keys, (k) => k % scale);
    }
    return Array.from({ length: n }, (_, i) => i).sort((a, b) => this.ms[a]! - this.ms[b]! || a - b);
  }

  finish(): { events: UsageEvent[]; lifecycle: LifecycleEvent[] } {
    const events = this.order().map((i) => this.event(i));
    const lifecycle = this.life.sort((a, b) => a.ms - b.ms || a.seq - b.seq).map((t) => t.e);
    return { events, lifecycle };
  }
}

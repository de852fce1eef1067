/**
 * Realistic, deterministic usage events for the ingest benchmark: many tokens (JWTs and
 * opaque tokens sent raw, others sent as a fingerprint only), apps, users, public IPv4
 * and IPv6 addresses, paths, statuses, user agents and timestamps of the last minutes.
 *
 * Batches are built as NDJSON templates whose event ids carry a fixed-width placeholder,
 * so a sender can stamp a fresh batch sequence number into a copy of the bytes and send
 * unique events without serialising anything at send time.
 */
import { createHash } from 'node:crypto';
import { isPublicIp } from '../src/ingest/geo.js';
import { Rng } from '../src/simulate/prng.js';

/** Width of the batch sequence stamped into every event id (hex). */
export const SEQ_WIDTH = 8;
const SEQ_PLACEHOLDER = '0'.repeat(SEQ_WIDTH);

export interface BatchTemplate {
  /** NDJSON, one event per line, ending with a newline. */
  bytes: Buffer;
  events: number;
  /** Byte offsets of the sequence placeholder in each event id. */
  seqOffsets: Uint32Array;
}

/** Uniform draws in [0, 1) from the simulator's seeded PRNG (mulberry32). */
export function rng(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.next();
}

type Rand = () => number;
const pick = <T>(r: Rand, items: readonly T[]): T => items[Math.floor(r() * items.length)]!;
const int = (r: Rand, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
const hex = (r: Rand, n: number) => Array.from({ length: n }, () => Math.floor(r() * 16).toString(16)).join('');
const b64url = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
function randomB64url(r: Rand, n: number): string {
  const bytes = Buffer.alloc(n);
  for (let i = 0; i < n; i++) bytes[i] = Math.floor(r() * 256);
  return bytes.toString('base64url');
}

function publicIpv4(r: Rand): string {
  for (;;) {
    const ip = `${int(r, 1, 223)}.${int(r, 0, 255)}.${int(r, 0, 255)}.${int(r, 1, 254)}`;
    if (isPublicIp(ip)) return ip;
  }
}

const V6_PREFIXES = ['2a00', '2a01', '2a02', '2a03', '2001:4860', '2600', '2601', '2602', '2603', '2804', '2c0f', '240e', '2409', '2405'];
function publicIpv6(r: Rand): string {
  for (;;) {
    const prefix = pick(r, V6_PREFIXES).split(':');
    const groups = [...prefix];
    while (groups.length < 4) groups.push(hex(r, int(r, 1, 4)).replace(/^0+(?=.)/, ''));
    const ip = r() < 0.5 ? `${groups.join(':')}::${hex(r, 4).replace(/^0+(?=.)/, '')}` : `${groups.join(':')}:${hex(r, 4)}:${hex(r, 2)}ff:fe${hex(r, 2)}:${hex(r, 4)}`;
    if (isPublicIp(ip)) return ip;
  }
}

const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36',
  'okhttp/4.12.0',
  'python-requests/2.32.3',
  'Go-http-client/2.0',
  'curl/8.8.0',
  'axios/1.7.2',
  'Java/17.0.11',
  'PostmanRuntime/7.39.0',
  'aws-sdk-js/3.600.0 ua/2.0 os/linux#6.5 lang/js md/nodejs#20.15.0',
  'Dart/3.4 (dart:io)',
  'MyCompanyApp/5.12.1 (iOS 17.5; iPhone15,3)',
  'MyCompanyApp/5.12.0 (Android 14; SM-S918B)',
];
const HOSTS = ['api.example.com', 'api.eu.example.com', 'partners.example.com', 'internal-gw.example.net', 'payments.example.com'];
const GATEWAYS = ['kong', '3scale', 'wso2', 'envoy'];
const PATHS = [
  '/v1/orders',
  '/v1/orders/{id}',
  '/v1/orders/{id}/items',
  '/v1/customers/{id}',
  '/v1/customers/{id}/addresses',
  '/v1/payments',
  '/v1/payments/{id}/capture',
  '/v2/catalog/products',
  '/v2/catalog/products/{id}',
  '/v2/search',
  '/oauth2/token',
  '/oauth2/introspect',
  '/v1/me',
  '/health',
];
const METHODS: [string, number][] = [['GET', 0.7], ['POST', 0.18], ['PUT', 0.05], ['DELETE', 0.04], ['PATCH', 0.03]];
const STATUSES: [number, number][] = [[200, 0.8], [201, 0.06], [204, 0.03], [304, 0.02], [400, 0.02], [401, 0.02], [403, 0.01], [404, 0.02], [429, 0.01], [500, 0.005], [502, 0.005]];
const SCOPES = ['read', 'write', 'orders:read', 'orders:write', 'payments', 'profile', 'email', 'offline_access', 'admin'];
const TOKEN_TYPES = ['access_token', 'refresh_token', 'api_key', 'personal_access_token'] as const;

function weighted<T>(r: Rand, table: [T, number][]): T {
  let x = r();
  for (const [value, weight] of table) {
    x -= weight;
    if (x <= 0) return value;
  }
  return table[table.length - 1]![0];
}

interface Token {
  /** Sent raw (JWT or opaque) or only as a fingerprint. */
  token?: string;
  token_fingerprint?: string;
  token_type: (typeof TOKEN_TYPES)[number];
  app: number;
  user: string;
  client: string;
  ips: string[];
  scopes?: string[];
}

export interface Population {
  tokens: Token[];
}

/** Tokens, apps, users and addresses: 20k tokens of 400 apps and 15k users over 60k public IPs (1 in 4 IPv6). */
export function population(seed = 42): Population {
  const r = rng(seed);
  const ips = Array.from({ length: 60_000 }, () => (r() < 0.25 ? publicIpv6(r) : publicIpv4(r)));
  const users = Array.from({ length: 15_000 }, (_, i) => (r() < 0.5 ? `user-${i}` : `${hex(r, 8)}-${hex(r, 4)}-4${hex(r, 3)}-a${hex(r, 3)}-${hex(r, 12)}`));
  const now = Math.floor(Date.now() / 1000);
  const tokens: Token[] = [];
  for (let i = 0; i < 20_000; i++) {
    const app = Math.floor(r() ** 2 * 400); // a few big apps, a long tail
    const user = pick(r, users);
    const client = `client-${app}`;
    const kind = r();
    const token_type = kind < 0.75 ? 'access_token' : pick(r, TOKEN_TYPES);
    const scopes = Array.from(new Set(Array.from({ length: int(r, 1, 4) }, () => pick(r, SCOPES))));
    const home = int(r, 0, ips.length - 1);
    const t: Token = { token_type, app, user, client, ips: Array.from({ length: int(r, 1, 3) }, (_, k) => ips[(home + k * 7919) % ips.length]!) };
    if (kind < 0.35) {
      // A JWT access token sent raw: the server fingerprints it and reads its claims.
      const header = b64url({ alg: 'RS256', typ: 'JWT', kid: `key-${app % 4}` });
      const payload = b64url({
        iss: `https://idp.example.com/realms/${app % 3 === 0 ? 'partners' : 'main'}`,
        sub: user,
        aud: 'api.example.com',
        azp: client,
        scope: scopes.join(' '),
        jti: `${hex(r, 8)}-${hex(r, 4)}-${hex(r, 4)}-${hex(r, 4)}-${hex(r, 12)}`,
        iat: now - int(r, 0, 3000),
        exp: now + int(r, 60, 3600),
      });
      t.token = `${header}.${payload}.${randomB64url(r, 256)}`;
    } else if (kind < 0.6) {
      // An opaque token or API key sent raw.
      t.token = `${pick(r, ['sk_live_', 'pat_', 'ak_', ''])}${randomB64url(r, 30)}`;
      t.scopes = r() < 0.5 ? scopes : undefined;
    } else {
      // A gateway that fingerprints tokens itself.
      t.token_fingerprint = createHash('sha256').update(`fp-${seed}-${i}`).digest('hex');
      t.scopes = r() < 0.3 ? scopes : undefined;
    }
    tokens.push(t);
  }
  return { tokens };
}

/** One event object as a gateway would send it (without its event id). */
export function makeEvent(r: Rand, pop: Population, now: number): Record<string, unknown> {
  const t = pop.tokens[Math.floor(r() ** 1.5 * pop.tokens.length)]!; // some tokens are much busier
  const ms = now - int(r, 0, 300_000); // within the last five minutes
  const path = pick(r, PATHS).replace('{id}', () => String(int(r, 1, 9_999_999)));
  const event: Record<string, unknown> = {
    ts: r() < 0.7 ? new Date(ms).toISOString() : ms,
  };
  if (t.token !== undefined) event.token = t.token;
  else event.token_fingerprint = t.token_fingerprint;
  event.token_type = t.token_type;
  event.app_id = `app-${t.app}`;
  if (t.token === undefined || !t.token.includes('.')) event.client_id = t.client;
  event.user_id = t.user;
  event.ip = pick(r, t.ips);
  event.user_agent = USER_AGENTS[(t.app + Math.floor(r() * 1.3)) % USER_AGENTS.length];
  event.method = weighted(r, METHODS);
  event.host = HOSTS[t.app % HOSTS.length];
  event.path = path;
  event.status = weighted(r, STATUSES);
  event.latency_ms = Math.round(Math.exp(r() * 6) * 10) / 10;
  event.bytes = int(r, 0, 200_000);
  event.gateway = GATEWAYS[t.app % GATEWAYS.length];
  if (t.scopes) event.scopes = t.scopes;
  return event;
}

/**
 * `count` NDJSON batch templates of 1,000–5,000 events each. Event ids read
 * `<tag>-<seq>-<index>`; the sender stamps a unique `seq` per send with stampBatch().
 */
export function makeTemplates(count: number, tag: string, seed = 7, pop = population()): BatchTemplate[] {
  const r = rng(seed);
  const now = Date.now();
  const templates: BatchTemplate[] = [];
  for (let b = 0; b < count; b++) {
    const events = int(r, 1000, 5000);
    const lines: string[] = [];
    const offsets = new Uint32Array(events);
    let bytes = 0;
    for (let i = 0; i < events; i++) {
      const prefix = `{"event_id":"${tag}-`;
      offsets[i] = bytes + prefix.length; // ASCII only up to here
      const line = `${prefix}${SEQ_PLACEHOLDER}-${String(i).padStart(5, '0')}",${JSON.stringify(makeEvent(r, pop, now)).slice(1)}\n`;
      lines.push(line);
      bytes += Buffer.byteLength(line);
    }
    templates.push({ bytes: Buffer.from(lines.join('')), events, seqOffsets: offsets });
  }
  return templates;
}

/** A copy of the template with `seq` in every event id: unique events, no serialisation. */
export function stampBatch(template: BatchTemplate, seq: number): Buffer {
  const out = Buffer.from(template.bytes);
  const text = seq.toString(16).padStart(SEQ_WIDTH, '0');
  if (text.length > SEQ_WIDTH) throw new Error('batch sequence overflow');
  const stamp = Buffer.from(text, 'latin1');
  for (const offset of template.seqOffsets) stamp.copy(out, offset);
  return out;
}

/** Cuts spool bytes into insert chunks of at most `maxBytes`, at line ends, as Spool.peek() does. */
export function cutChunks(all: Buffer, maxBytes: number): { data: Buffer; rows: number }[] {
  const chunks: { data: Buffer; rows: number }[] = [];
  for (let offset = 0; offset < all.length; ) {
    const window = all.subarray(offset, Math.min(all.length, offset + maxBytes));
    const data = window.subarray(0, window.lastIndexOf(0x0a) + 1);
    let rows = 0;
    for (let i = data.indexOf(0x0a); i >= 0; i = data.indexOf(0x0a, i + 1)) rows += 1;
    chunks.push({ data, rows });
    offset += data.length;
  }
  return chunks;
}

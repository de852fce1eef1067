/**
 * The requests of the native-format benchmark, as /v1/events usage events and as Kong
 * http-log records, and the sender; loaded by the sending child (bench/ingest-native-client.ts)
 * without the server's modules.
 */
import { rng } from './ingest-data.js';

export const CONCURRENCY = 4;
export type Path = 'events' | 'kong';

/** One round's bodies for one path, built before the clock starts. */
export function bodies(path: Path, round: number, count: number, batchSize: number, tag: string): Buffer[] {
  return Array.from({ length: count }, (_, b) => {
    const qs = requests(batchSize, 1000 * round + b + (path === 'kong' ? 500 : 0), round);
    const id = (i: number) => `${tag}${path}${round}-${b}-${i}`;
    return Buffer.from(JSON.stringify(path === 'kong' ? qs.map((q, i) => asKong(q, id(i))) : qs.map((q, i) => asEvent(q, id(i)))));
  });
}

export interface Request {
  token: string;
  ip: string;
  path: string;
  method: string;
  status: number;
  latency: number;
  bytes: number;
  ts: number;
  user: string;
  app: string;
}

export function requests(count: number, seed: number, round: number): Request[] {
  const r = rng(seed);
  const now = Date.now();
  return Array.from({ length: count }, (_, i) => ({
    token: `bench-key-${Math.floor(r() * 5000).toString(36)}-${seed}`,
    ip: `${11 + Math.floor(r() * 180)}.${Math.floor(r() * 250)}.${Math.floor(r() * 250)}.${1 + Math.floor(r() * 250)}`,
    path: `/v1/orders/${Math.floor(r() * 100000)}`,
    method: r() < 0.7 ? 'GET' : 'POST',
    status: r() < 0.95 ? 200 : 404,
    latency: Math.round(r() * 200 * 10) / 10,
    bytes: Math.floor(r() * 20000),
    ts: now - 60_000 + i,
    user: `user-${Math.floor(r() * 2000)}`,
    app: `app-${Math.floor(r() * 40)}`,
  })).map((q, i) => ({ ...q, ts: q.ts + round }));
}

export const asEvent = (q: Request, id: string) => ({
  event_id: id, ts: q.ts, token: q.token, token_type: 'api_key', ip: q.ip, method: q.method, path: q.path, host: 'api.bench.example',
  status: q.status, latency_ms: q.latency, bytes: q.bytes, user_id: q.user, app_id: q.app, user_agent: 'bench/1.0', gateway: 'kong',
});

/** What Kong's serialize() writes for the same request (the fields Kong always sends, and a few more). */
export const asKong = (q: Request, id: string) => ({
  request: {
    id, uri: q.path, url: `https://api.bench.example:443${q.path}`, querystring: {}, method: q.method,
    headers: { host: 'api.bench.example', 'user-agent': 'bench/1.0', accept: '*/*', authorization: 'REDACTED', apikey: q.token },
    size: 210,
  },
  upstream_uri: q.path,
  upstream_status: String(q.status),
  response: { status: q.status, headers: { 'content-type': 'application/json', 'content-length': String(q.bytes) }, size: q.bytes },
  tries: [{ balancer_start: q.ts, balancer_latency: 0, ip: '10.0.0.5', port: 8080 }],
  latencies: { kong: 1, proxy: Math.max(0, q.latency - 1), request: q.latency, receive: 0 },
  authenticated_entity: { id: 'c2f5a8e1-7b3d-4f6a-9e2c-1d8b4a6f0e37' },
  consumer: { id: '5a1d9e3c-2b7f-4c8a-a6e1-0f9d3b5c7e24', username: q.user, custom_id: q.app },
  route: { id: '0e7f3a1c-5d9b-4e2a-8c6f-3b1d7a9e5c20', name: 'orders' },
  service: { id: '7d2b9f4e-1a6c-4e8d-b3f5-9c0a2e4d6b18', name: 'orders-svc' },
  workspace: '0dc6f45b-8f8d-40d2-a504-473544ee190b',
  client_ip: q.ip,
  started_at: q.ts,
  source: 'upstream',
});

export async function send(url: string, key: string, bodies: Buffer[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const body = bodies[next++]!;
      const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body });
      const text = await res.text();
      if (res.status >= 300) throw new Error(`${url}: ${res.status} ${text.slice(0, 300)}`);
      const result = JSON.parse(text) as { accepted: number; duplicates: number; rejected: unknown[] };
      if (result.duplicates > 0 || result.rejected.length > 0) throw new Error(`${url}: ${text.slice(0, 300)}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}


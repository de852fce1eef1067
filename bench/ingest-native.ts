/**
 * A native gateway format beside /v1/events: the same requests sent as tokenwatch usage
 * events (POST /v1/events, JSON array) and as Kong http-log records (POST
 * /v1/ingest/kong, JSON array), alternating rounds, to one listening server. Per event:
 * process CPU (server and the in-process sender, whose bodies are built in advance) and
 * wall time, from the first request until the spool has drained. Target: the native
 * path costs ≤ 1.3× per event (issue 14).
 *
 * Run alone with `npm run bench -- ingest-native [--batches=40] [--batch=1000]`; `npm run
 * bench -- ingest` runs it as its part (e).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startServer, type Server } from '../src/server.js';
import { rng } from './ingest-data.js';

export const NATIVE_TARGET = 1.3;
const CONCURRENCY = 4;

export interface NativeResult {
  events: number;
  cpuMicros: { events: number; kong: number };
  wallMicros: { events: number; kong: number };
  bytesPerEvent: { events: number; kong: number };
  ratio: number;
}

interface Request {
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

function requests(count: number, seed: number, round: number): Request[] {
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

const asEvent = (q: Request, id: string) => ({
  event_id: id, ts: q.ts, token: q.token, token_type: 'api_key', ip: q.ip, method: q.method, path: q.path, host: 'api.bench.example',
  status: q.status, latency_ms: q.latency, bytes: q.bytes, user_id: q.user, app_id: q.app, user_agent: 'bench/1.0', gateway: 'kong',
});

/** What Kong's serialize() writes for the same request (the fields Kong always sends, and a few more). */
const asKong = (q: Request, id: string) => ({
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

async function send(url: string, key: string, bodies: Buffer[]): Promise<void> {
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

/** Measures both paths on a running server; `rounds` alternate so drift hits both alike. */
export async function measureNative(server: Server, key: string, batches = 40, batchSize = 1000, rounds = 4): Promise<NativeResult> {
  const totals = { events: { cpu: 0, wall: 0, bytes: 0 }, kong: { cpu: 0, wall: 0, bytes: 0 } };
  const tag = randomBytes(4).toString('hex');
  let events = 0;
  for (let round = 0; round < rounds + 1; round++) {
    // Round 0 warms both paths up (JIT, geo cache) and is not counted.
    const perRound = round === 0 ? Math.max(2, batches / 10) : batches / rounds;
    for (const path of (round % 2 === 0 ? ['events', 'kong'] : ['kong', 'events']) as ('events' | 'kong')[]) {
      const bodies = Array.from({ length: perRound }, (_, b) => {
        const qs = requests(batchSize, 1000 * round + b + (path === 'kong' ? 500 : 0), round);
        const id = (i: number) => `${tag}${path}${round}-${b}-${i}`;
        return Buffer.from(JSON.stringify(path === 'kong' ? qs.map((q, i) => asKong(q, id(i))) : qs.map((q, i) => asEvent(q, id(i)))));
      });
      await server.ctx.flusher.drained(300_000);
      const cpu = process.cpuUsage();
      const started = process.hrtime.bigint();
      await send(`${server.url}${path === 'kong' ? '/v1/ingest/kong' : '/v1/events'}`, key, bodies);
      await server.ctx.flusher.drained(300_000);
      const wall = Number(process.hrtime.bigint() - started) / 1000;
      const used = process.cpuUsage(cpu);
      if (round === 0) continue;
      totals[path].cpu += used.user + used.system;
      totals[path].wall += wall;
      totals[path].bytes += bodies.reduce((n, b) => n + b.length, 0);
      if (path === 'events') events += perRound * batchSize;
    }
  }
  const per = (path: 'events' | 'kong', what: 'cpu' | 'wall' | 'bytes') => totals[path][what] / events;
  return {
    events,
    cpuMicros: { events: per('events', 'cpu'), kong: per('kong', 'cpu') },
    wallMicros: { events: per('events', 'wall'), kong: per('kong', 'wall') },
    bytesPerEvent: { events: per('events', 'bytes'), kong: per('kong', 'bytes') },
    ratio: per('kong', 'cpu') / per('events', 'cpu'),
  };
}

export function report(r: NativeResult): boolean {
  console.log(
    `    /v1/events:      ${r.cpuMicros.events.toFixed(1)} µs CPU, ${r.wallMicros.events.toFixed(1)} µs wall per event (${r.bytesPerEvent.events.toFixed(0)} B/event)\n` +
      `    /v1/ingest/kong: ${r.cpuMicros.kong.toFixed(1)} µs CPU, ${r.wallMicros.kong.toFixed(1)} µs wall per event (${r.bytesPerEvent.kong.toFixed(0)} B/event)\n` +
      `    ${r.events} events each, acknowledged and drained into the warehouse`,
  );
  const ok = r.ratio <= NATIVE_TARGET;
  console.log(`  ${ok ? 'PASS' : 'FAIL'}  Kong native / /v1/events CPU per event ${r.ratio.toFixed(2)} ≤ ${NATIVE_TARGET} (wall ${(r.wallMicros.kong / r.wallMicros.events).toFixed(2)})`);
  return ok;
}

function option(args: string[], name: string, fallback: number): number {
  const arg = args.find((a) => a.startsWith(`--${name}=`));
  const value = arg ? Number(arg.slice(name.length + 3)) : fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
}

export async function run(args: string[]): Promise<number> {
  const batches = option(args, 'batches', 40);
  const batchSize = option(args, 'batch', 1000);
  const dataDir = mkdtempSync(join(tmpdir(), 'tokenwatch-bench-native-'));
  const key = `bench-ingest-${randomBytes(12).toString('hex')}`;
  const config = loadConfig(
    { TOKENWATCH_DATA_DIR: dataDir, TOKENWATCH_HOST: '127.0.0.1', TOKENWATCH_PORT: '0', TOKENWATCH_API_KEYS: `ingest:${key}`, TOKENWATCH_LOG_LEVEL: 'info' },
    { scheduler: { enabled: false } },
  );
  const server = await startServer(config, { logger: createLogger('info', pino.destination({ dest: join(dataDir, 'server.log'), sync: false })) });
  try {
    console.log(`(e) native format: ${batches} batches of ${batchSize} events each way, Kong http-log records vs /v1/events …`);
    return report(await measureNative(server, key, batches, batchSize)) ? 0 : 1;
  } finally {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * The gateway plugin against a stand-in tokenwatch: a resource server (fastify + plugin)
 * and the stand-in, both on loopback.
 */
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenwatchGateway, type GatewayOptions } from '../../src/gateway/index.js';
import { startStandIn, waitFor, type StandIn } from './stand-in.js';

const KEY = 'gateway-test-ingest-key-0123';
const PEPPER = 'gateway-test-pepper-abcdefghijklmnop';
const hmac = (token: string) => createHmac('sha256', PEPPER).update(token, 'utf8').digest('hex');
const randomHex = (i: number) => createHmac('sha256', 'filler').update(String(i)).digest('hex');

interface ResourceServer {
  app: FastifyInstance;
  url: string;
  get(path: string, token?: string): Promise<Response>;
}

async function startResourceServer(options: GatewayOptions): Promise<ResourceServer> {
  const app = Fastify({ logger: false });
  await app.register(tokenwatchGateway, options);
  app.get('/api/hello', async () => ({ ok: true }));
  app.get('/healthz', async () => 'ok');
  // An encapsulated child plugin: the gateway's hooks must reach it too.
  await app.register(async (child) => child.get('/v2/thing', async () => ({ v: 2 })));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return {
    app,
    url,
    get: (path, token) =>
      fetch(url + path, { headers: token ? { authorization: `Bearer ${token}`, 'user-agent': 'gateway-test' } : {} }),
  };
}

/** Requests with `token` until one is refused; the time from `since` to that 401. */
async function msUntilRefused(server: ResourceServer, token: string, since: number, limitMs = 3000): Promise<number> {
  for (;;) {
    const res = await server.get('/api/hello', token);
    await res.arrayBuffer();
    const elapsed = performance.now() - since;
    if (res.status === 401) return elapsed;
    if (elapsed > limitMs) throw new Error(`token still accepted after ${Math.round(elapsed)} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const lines = (standIn: StandIn) =>
  standIn.batches.flatMap((b) => b.body.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>));

describe('tokenwatch gateway plugin', () => {
  let standIn: StandIn;
  let server: ResourceServer;
  const REVOKED_AT_START = 'tok-revoked-before-start-0001';

  beforeAll(async () => {
    standIn = await startStandIn({ key: KEY, heartbeatMs: 50, pageSize: 100 });
    for (let i = 0; i < 250; i++) standIn.revoke(i === 180 ? hmac(REVOKED_AT_START) : randomHex(i));
    server = await startResourceServer({
      url: standIn.url,
      key: KEY,
      pepper: PEPPER,
      gateway: 'test-gateway',
      batchSize: 5,
      flushIntervalMs: 100,
      appId: (req) => (req.headers['x-app'] as string | undefined) ?? undefined,
      userId: () => {
        throw new Error('a broken extractor must not break the response');
      },
      skip: (req) => req.url === '/healthz',
    });
  });

  afterAll(async () => {
    await server?.app.close();
    await standIn?.close();
  });

  it('enforces revocations present at startup (paged GET sync) before the first request', async () => {
    const res = await server.get('/api/hello', REVOKED_AT_START);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({
      error: { code: 'token_revoked', message: 'this token has been revoked', details: [] },
    });
    expect((await server.get('/v2/thing', REVOKED_AT_START)).status).toBe(401);
    const stats = server.app.tokenwatch.stats();
    expect(stats.revoked).toBe(250);
    expect(stats.feedSynced).toBe(true);
    const cursor = (n: number) => standIn.entries[n - 1]!.cursor;
    expect(stats.lastCursor).toBe(cursor(250));
    // 100 + 100 + 50, then an empty page; the stream then resumes from the last cursor.
    expect(standIn.pages.map((p) => p.since)).toEqual([null, cursor(100), cursor(200), cursor(250)]);
    await waitFor('the SSE stream', () => server.app.tokenwatch.stats().feedConnected);
    expect(standIn.streams[0]).toEqual({ since: cursor(250), lastEventId: cursor(250) });
  });

  it('lets valid tokens, requests without a token and skipped routes through', async () => {
    expect((await server.get('/api/hello', 'tok-valid-alice')).status).toBe(200);
    expect((await server.get('/api/hello')).status).toBe(200);
    const basic = await fetch(server.url + '/api/hello', { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expect(basic.status).toBe(200);
    expect((await server.get('/healthz', 'tok-valid-alice')).status).toBe(200);
    expect(server.app.tokenwatch.isRevoked('tok-valid-alice')).toBe(false);
    expect(server.app.tokenwatch.isRevoked(REVOKED_AT_START)).toBe(true);
  });

  it('refuses a token within 1 s of its revocation arriving over SSE', async () => {
    const token = 'tok-bob-revoked-live';
    expect((await server.get('/api/hello', token)).status).toBe(200);
    await waitFor('the SSE stream', () => server.app.tokenwatch.stats().feedConnected);
    const pushedAt = performance.now();
    const entry = standIn.revoke(hmac(token));
    const ms = await msUntilRefused(server, token, pushedAt);
    expect(ms).toBeLessThan(1000);
    if (process.env.GATEWAY_TEST_VERBOSE) console.info(`revocation enforced after ${ms.toFixed(1)} ms`);
    expect(server.app.tokenwatch.stats().lastCursor).toBe(entry.cursor);
  });

  it('keeps enforcing while disconnected, reconnects with since=<last cursor>, then enforces new revocations', async () => {
    const lastCursor = standIn.entries.at(-1)!.cursor;
    expect(server.app.tokenwatch.stats().lastCursor).toBe(lastCursor);
    const before = standIn.streams.length;
    standIn.dropStreams();
    await waitFor('the plugin to notice the drop', () => !server.app.tokenwatch.stats().feedConnected);
    // Disconnected: what is known is still refused.
    expect((await server.get('/api/hello', 'tok-bob-revoked-live')).status).toBe(401);
    expect((await server.get('/api/hello', REVOKED_AT_START)).status).toBe(401);

    await waitFor('a reconnect', () => standIn.streams.length > before && standIn.openStreams() === 1, 5000);
    expect(standIn.streams[before]).toEqual({ since: lastCursor, lastEventId: lastCursor });
    await waitFor('connected', () => server.app.tokenwatch.stats().feedConnected);

    const token = 'tok-carol-revoked-after-reconnect';
    expect((await server.get('/api/hello', token)).status).toBe(200);
    const pushedAt = performance.now();
    standIn.revoke(hmac(token));
    expect(await msUntilRefused(server, token, pushedAt)).toBeLessThan(1000);
  });

  it('reports usage events as NDJSON batches with the HMAC fingerprint, never the raw token', async () => {
    const token = 'tok-dave-usage-0123456789';
    const sentBefore = server.app.tokenwatch.stats().sent;
    for (let i = 0; i < 12; i++) {
      const res = await fetch(`${server.url}/api/hello?i=${i}&access_token=${token}`, {
        headers: { authorization: `bearer  ${token}`, 'user-agent': 'gateway-test', 'x-app': 'app-42' },
      });
      expect(res.status).toBe(200);
    }
    await waitFor('12 events sent', () => server.app.tokenwatch.stats().sent >= sentBefore + 12);
    await waitFor('an empty buffer', () => server.app.tokenwatch.stats().buffered === 0);

    for (const batch of standIn.batches) {
      expect(batch.contentType).toBe('application/x-ndjson');
      expect(batch.authorization).toBe(`Bearer ${KEY}`);
      expect(batch.body.endsWith('\n')).toBe(true);
      expect(batch.body.split('\n').filter(Boolean).length).toBeLessThanOrEqual(5);
      // No raw token of any test, anywhere.
      expect(batch.body).not.toMatch(/tok-/);
    }
    const events = lines(standIn);
    const dave = events.filter((e) => e.token_fingerprint === hmac(token));
    expect(dave).toHaveLength(12);
    expect(new Set(dave.map((e) => e.event_id)).size).toBe(12);
    const first = dave[0]!;
    expect(first).toMatchObject({
      token_type: 'access_token',
      app_id: 'app-42',
      method: 'GET',
      path: '/api/hello',
      status: 200,
      gateway: 'test-gateway',
      user_agent: 'gateway-test',
      bytes: JSON.stringify({ ok: true }).length,
    });
    expect(first.host).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(first.ip).toMatch(/127\.0\.0\.1$/);
    expect(first.user_id).toBeUndefined();
    expect(typeof first.latency_ms).toBe('number');
    expect(Date.now() - Date.parse(first.ts as string)).toBeLessThan(60_000);
    expect(first.event_id).toMatch(/^[0-9a-f-]{36}$/);

    // Refused requests are reported too (the 401 shows the gateway enforces); skipped and token-less ones are not.
    expect(events.some((e) => e.token_fingerprint === hmac(REVOKED_AT_START) && e.status === 401)).toBe(true);
    expect(events.some((e) => e.path === '/healthz')).toBe(false);
    expect(events.every((e) => typeof e.token_fingerprint === 'string' && /^[0-9a-f]{64}$/.test(e.token_fingerprint))).toBe(true);
  });

  it('close() stops the feed, flushes, and nothing reconnects afterwards', async () => {
    await waitFor('connected', () => server.app.tokenwatch.stats().feedConnected);
    expect((await server.get('/api/hello', 'tok-erin-last')).status).toBe(200);
    await server.app.close();
    const stats = server.app.tokenwatch.stats();
    expect(stats.feedConnected).toBe(false);
    expect(stats.buffered).toBe(0);
    expect(lines(standIn).some((e) => e.token_fingerprint === hmac('tok-erin-last'))).toBe(true);
    await waitFor('the stand-in to see the stream closed', () => standIn.openStreams() === 0, 2000);
    const streams = standIn.streams.length;
    await new Promise((r) => setTimeout(r, 1200));
    expect(standIn.streams.length).toBe(streams);
    await server.app.tokenwatch.close(); // idempotent
  });
});

describe('tokenwatch gateway under a tokenwatch outage', () => {
  let standIn: StandIn;
  let server: ResourceServer;

  beforeAll(async () => {
    standIn = await startStandIn({ key: KEY, heartbeatMs: 1000 });
    server = await startResourceServer({
      url: standIn.url,
      key: KEY,
      pepper: PEPPER,
      batchSize: 10,
      flushIntervalMs: 50,
      maxBuffer: 20,
    });
  });

  afterAll(async () => {
    await server?.app.close();
    await standIn?.close();
  });

  it('keeps the buffer bounded, counts drops and does not slow requests while /v1/events answers 503', async () => {
    // A slow outage: every POST waits 500 ms for its 503. A request that waited on
    // tokenwatch in any way would take longer than that.
    standIn.eventsStatus = 503;
    standIn.retryAfter = '1';
    standIn.eventsDelayMs = 500;
    const latencies: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t0 = performance.now();
      const res = await server.get(`/api/hello?i=${i}`, `tok-load-${i % 7}`);
      await res.arrayBuffer();
      latencies.push(performance.now() - t0);
      expect(res.status).toBe(200);
      expect(server.app.tokenwatch.stats().buffered).toBeLessThanOrEqual(20);
    }
    latencies.sort((a, b) => a - b);
    const p50 = latencies[99]!;
    const p99 = latencies[197]!;
    if (process.env.GATEWAY_TEST_VERBOSE) console.info(`p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms`);
    // Loopback requests take ~1 ms (p99 ~5 ms on an idle machine); the margin is for a
    // loaded CI machine, and stays well below the 500 ms a request waiting on tokenwatch takes.
    expect(p50).toBeLessThan(20);
    expect(p99).toBeLessThan(250);

    await waitFor('a refused attempt', () => standIn.batches.some((b) => b.status === 503));
    const stats = server.app.tokenwatch.stats();
    expect(stats.sent).toBe(0);
    expect(stats.buffered).toBeLessThanOrEqual(20);
    // At most one batch (10) was in flight when the oldest events were pushed out.
    expect(stats.dropped).toBeGreaterThanOrEqual(200 - 20 - 10);
    // Retry-After: 1 is honoured: a handful of attempts, not a storm.
    expect(standIn.batches.length).toBeLessThan(10);

    // Recovery: what is buffered goes out, and every event is accounted for.
    standIn.eventsStatus = 202;
    standIn.eventsDelayMs = 0;
    await waitFor('the buffer to drain', () => server.app.tokenwatch.stats().buffered === 0, 5000);
    const after = server.app.tokenwatch.stats();
    expect(after.sent).toBeGreaterThan(0);
    expect(after.sent).toBeLessThanOrEqual(30);
    expect(after.sent + after.dropped + after.rejected).toBe(200);
  });
});

describe('tokenwatch gateway feed robustness', () => {
  it('reconnects a stream that goes silent (no heartbeat) and starts when tokenwatch is down', async () => {
    // Silent stream: no heartbeats, idle timeout 300 ms.
    const standIn = await startStandIn({ key: KEY, heartbeatMs: 0 });
    const server = await startResourceServer({ url: standIn.url, key: KEY, pepper: PEPPER, idleTimeoutMs: 300, reconnectMs: 50 });
    try {
      await waitFor('two reconnects of a silent stream', () => standIn.streams.length >= 3, 5000);
    } finally {
      await server.app.close();
      await standIn.close();
    }

    // Nothing listening: the app starts anyway, without waiting for the sync timeout.
    const t0 = performance.now();
    const down = await startResourceServer({ url: 'http://127.0.0.1:9', key: KEY, pepper: PEPPER, syncTimeoutMs: 5000 });
    try {
      expect(performance.now() - t0).toBeLessThan(2000);
      expect(down.app.tokenwatch.stats()).toMatchObject({ feedSynced: false, feedConnected: false, revoked: 0 });
      expect((await down.get('/api/hello', 'tok-any')).status).toBe(200);
    } finally {
      await down.app.close();
    }
  });

  it('syncs again from the start when the feed refuses its cursor (tokenwatch data reset)', async () => {
    const standIn = await startStandIn({ key: KEY, heartbeatMs: 100 });
    for (const t of ['tok-r1', 'tok-r2', 'tok-r3']) standIn.revoke(hmac(t));
    const server = await startResourceServer({ url: standIn.url, key: KEY, pepper: PEPPER, reconnectMs: 50 });
    try {
      await waitFor('connected', () => server.app.tokenwatch.stats().feedConnected);
      const oldCursor = server.app.tokenwatch.stats().lastCursor;
      const pagesBefore = standIn.pages.length;
      // Same tick: the stream drops, the feed's cursors change, a revocation comes in unseen.
      standIn.dropStreams();
      standIn.resetCursors();
      const entry = standIn.revoke(hmac('tok-after-reset'));
      expect(await msUntilRefused(server, 'tok-after-reset', performance.now())).toBeLessThan(3000);
      expect(standIn.streams.some((s) => s.since === oldCursor)).toBe(true); // tried, got 400
      expect(standIn.pages.slice(pagesBefore)[0]?.since).toBeNull(); // then a full sync
      await waitFor('the new cursor', () => server.app.tokenwatch.stats().lastCursor === entry.cursor);
      expect(server.app.tokenwatch.stats().revoked).toBe(4);
      expect((await server.get('/api/hello', 'tok-r2')).status).toBe(401);
    } finally {
      await server.app.close();
      await standIn.close();
    }
  });

  it('refuses invalid options with a message naming the field', async () => {
    const app = Fastify({ logger: false });
    await expect(app.register(tokenwatchGateway, { url: 'not a url', key: '', pepper: 'p' })).rejects.toThrow(/url: .*key: is required/);
    await app.close();
  });
});

describe('tokenwatch gateway process lifecycle', () => {
  it('close() leaves no open handle: a process using the plugin exits by itself, flushing on close', async () => {
    const standIn = await startStandIn({ key: KEY, heartbeatMs: 50 });
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./exit-child.ts', import.meta.url))], {
        env: { ...process.env, STANDIN_URL: standIn.url, STANDIN_KEY: KEY, PEPPER },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const exit = await new Promise<{ code: number | null; closedToExitMs: number | null }>((resolve) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          resolve({ code: null, closedToExitMs: null });
        }, 20_000);
        child.on('close', (code) => {
          clearTimeout(timer);
          const closedToExitMs = /"closedToExitMs":(\d+)/.exec(stdout)?.[1];
          resolve({ code, closedToExitMs: closedToExitMs === undefined ? null : Number(closedToExitMs) });
        });
      });
      if (process.env.GATEWAY_TEST_VERBOSE) console.info(`child exited ${exit.closedToExitMs} ms after close()`);
      expect(exit.code, `stdout: ${stdout}\nstderr: ${stderr}`).toBe(0);
      // Exited right after close(), not once some timer ran out (the shortest is 10 s).
      expect(exit.closedToExitMs).not.toBeNull();
      expect(exit.closedToExitMs!).toBeLessThan(3000);
      // The events were only flushed by close() (flush interval 60 s).
      const events = lines(standIn).filter((e) => e.gateway === 'exit-child');
      expect(events).toHaveLength(3);
      expect(events.every((e) => e.token_fingerprint === hmac('tok-child'))).toBe(true);
      expect(standIn.openStreams()).toBe(0);
    } finally {
      await standIn.close();
    }
  });
});

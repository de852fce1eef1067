/** Issue 11: revocation-feed streams share one poller, are capped, and a client that does not read is dropped. */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Warehouse } from '../../src/warehouse/warehouse.js';
import { openWarehouse } from '../../src/context.js';
import { auth, KEYS, openTestApp, tempDir, testConfig, type TestApp } from '../helpers.js';

const POLL_MS = 100;
let t: TestApp;
let base: string;
/** Feed reads in progress and the most seen at once: the real warehouse, with each feed read held a little. */
const reads = { now: 0, max: 0, total: 0 };

beforeAll(async () => {
  const config = testConfig(tempDir(), {
    revocation: { feed_streams: { max_streams: 4, max_streams_per_key: 2, poll_interval_ms: POLL_MS, max_buffered_bytes: 16 * 1024 } },
  });
  const real = openWarehouse(config);
  // Feed reads take longer than a poll interval here, so overlapping polls would show.
  const slowFeed: Warehouse = {
    ...real,
    kind: real.kind,
    async query(sql, params) {
      if (!sql.includes('revocation_feed')) return real.query(sql, params);
      reads.now++;
      reads.total++;
      reads.max = Math.max(reads.max, reads.now);
      try {
        await new Promise((r) => setTimeout(r, POLL_MS * 2.5));
        return await real.query(sql, params);
      } finally {
        reads.now--;
      }
    },
    command: (sql, params) => real.command(sql, params),
    insertJsonEachRow: (table, rows, options) => real.insertJsonEachRow(table, rows, options),
    ping: () => real.ping(),
    close: () => real.close(),
  };
  t = await openTestApp(config, { warehouse: slowFeed });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
});
afterAll(async () => t.close());

const open: AbortController[] = [];
async function stream(role: keyof typeof KEYS): Promise<Response> {
  const controller = new AbortController();
  open.push(controller);
  return fetch(`${base}/v1/revocation-feed`, { headers: { ...auth(role), accept: 'text/event-stream' }, signal: controller.signal });
}
const until = async (cond: () => boolean, ms = 5000) => {
  for (const start = Date.now(); !cond() && Date.now() - start < ms; ) await new Promise((r) => setTimeout(r, 10));
};

describe('revocation-feed streams', () => {
  it('refuses a key past its stream cap and everyone past the total cap with 429, and admits again after a close', async () => {
    expect((await stream('ingest')).status).toBe(200);
    expect((await stream('ingest')).status).toBe(200);
    const third = await stream('ingest');
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBeTruthy();
    expect(((await third.json()) as { error: { code: string } }).error.code).toBe('too_many_streams');
    expect((await stream('read')).status).toBe(200);
    expect((await stream('read')).status).toBe(200);
    const overall = await stream('admin');
    expect(overall.status).toBe(429);
    expect(((await overall.json()) as { error: { message: string } }).error.message).toMatch(/feed streams already/);
    expect(t.ctx.revocations.feedStreams.size).toBe(4);

    open[0]!.abort();
    await until(() => t.ctx.revocations.feedStreams.size === 3);
    expect((await stream('ingest')).status).toBe(200);
  });

  it('polls the warehouse once per interval for all streams, never two polls at once', async () => {
    expect(t.ctx.revocations.feedStreams.size).toBe(4);
    await new Promise((r) => setTimeout(r, 300)); // backlogs done
    reads.max = 0;
    const before = reads.total;
    await new Promise((r) => setTimeout(r, 20 * POLL_MS));
    // Four streams polling on their own would read ~80 times, overlapping; the shared poller
    // reads at most once per interval and, each read taking 2.5 intervals, one at a time.
    expect(reads.total - before).toBeGreaterThan(2);
    expect(reads.total - before).toBeLessThanOrEqual(10);
    expect(reads.max).toBe(1);
    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/tokenwatch_feed_polls_total\{outcome="skipped_overlap"\} [1-9]/);
    for (const c of open) c.abort();
    await until(() => t.ctx.revocations.feedStreams.size === 0);
    expect(t.ctx.revocations.feedStreams.size).toBe(0);
  });

  it('drops a client that does not read once its buffered bytes pass the cap', async () => {
    const socket: Socket = await new Promise((resolve) => {
      const s = connect(Number(new URL(base).port), '127.0.0.1', () => {
        s.write(`GET /v1/revocation-feed HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${KEYS.read}\r\naccept: text/event-stream\r\n\r\n`);
        resolve(s);
      });
    });
    socket.pause(); // never reads: the kernel buffers fill, then the server's
    let closed = false;
    socket.on('close', () => (closed = true));
    socket.on('error', () => undefined);
    await until(() => t.ctx.revocations.feedStreams.size === 1);
    expect(t.ctx.revocations.feedStreams.size).toBe(1);
    const fp = 'ab'.repeat(32);
    let published = 0;
    for (; published < 200_000 && t.ctx.revocations.feedStreams.size > 0; published++) {
      t.ctx.revocations.feed.publish({ token_fingerprint: fp, revoked_at: new Date().toISOString(), source: 'governance', reason: 'x'.repeat(200) }, 1_000_000 + published);
      if (published % 500 === 0) await new Promise((r) => setImmediate(r));
    }
    expect(t.ctx.revocations.feedStreams.size).toBe(0);
    expect(published).toBeLessThan(200_000);
    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/tokenwatch_feed_streams_dropped_total 1/);
    socket.resume();
    await until(() => closed);
    expect(closed).toBe(true);
  });
});

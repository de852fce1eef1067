import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageReporter, type UsageEvent } from '../../src/gateway/reporter.js';
import type { GatewayLogger } from '../../src/gateway/util.js';
import { startStandIn, waitFor, type StandIn } from './stand-in.js';

const KEY = 'reporter-test-ingest-key-0123';
const quiet: GatewayLogger = { debug() {}, info() {}, warn() {}, error() {} };

const event = (i: number): UsageEvent => ({
  event_id: `e-${i}`,
  ts: new Date().toISOString(),
  token_fingerprint: 'a'.repeat(64),
  ip: '192.0.2.1',
  method: 'GET',
  path: '/x',
  status: 200,
  latency_ms: 1,
  gateway: 'reporter-test',
});

const reporter = (standIn: StandIn, overrides: Partial<ConstructorParameters<typeof UsageReporter>[0]> = {}) =>
  new UsageReporter({
    url: standIn.url,
    key: KEY,
    batchSize: 5,
    flushIntervalMs: 60_000,
    maxBuffer: 100,
    maxRetryMs: 30_000,
    requestTimeoutMs: 5000,
    log: quiet,
    ...overrides,
  });

const sizes = (standIn: StandIn) => standIn.batches.map((b) => b.body.split('\n').filter(Boolean).length);

describe('UsageReporter', () => {
  let standIn: StandIn;
  beforeAll(async () => {
    standIn = await startStandIn({ key: KEY });
  });
  afterAll(async () => {
    await standIn.close();
  });

  it('posts full batches at once, keeps a partial batch for the timer, flushes it on close', async () => {
    standIn.batches.length = 0;
    const r = reporter(standIn);
    for (let i = 0; i < 12; i++) r.enqueue(event(i));
    await waitFor('two full batches', () => r.sent === 10);
    await new Promise((res) => setTimeout(res, 100));
    expect(sizes(standIn)).toEqual([5, 5]);
    expect(r.buffered).toBe(2);
    await r.close(2000);
    expect(sizes(standIn)).toEqual([5, 5, 2]);
    expect({ sent: r.sent, buffered: r.buffered, dropped: r.dropped }).toEqual({ sent: 12, buffered: 0, dropped: 0 });
    // In order, each event once.
    const ids = standIn.batches.flatMap((b) => b.body.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as UsageEvent).event_id));
    expect(ids).toEqual(Array.from({ length: 12 }, (_, i) => `e-${i}`));
  });

  it('the timer sends a partial batch', async () => {
    standIn.batches.length = 0;
    const r = reporter(standIn, { flushIntervalMs: 50 });
    r.enqueue(event(1));
    await waitFor('the tick', () => r.sent === 1);
    expect(sizes(standIn)).toEqual([1]);
    await r.close(1000);
  });

  it('does not retry a batch tokenwatch refuses (400): it is counted as rejected', async () => {
    standIn.batches.length = 0;
    standIn.eventsStatus = 400;
    const r = reporter(standIn, { flushIntervalMs: 30 });
    try {
      for (let i = 0; i < 5; i++) r.enqueue(event(i));
      await waitFor('the refusal', () => r.rejected === 5);
      await new Promise((res) => setTimeout(res, 200));
      expect(standIn.batches).toHaveLength(1);
      expect({ sent: r.sent, buffered: r.buffered, dropped: r.dropped }).toEqual({ sent: 0, buffered: 0, dropped: 0 });
    } finally {
      standIn.eventsStatus = 202;
      await r.close(1000);
    }
  });

  it('retries after Retry-After, then delivers', async () => {
    standIn.batches.length = 0;
    standIn.eventsStatus = 429;
    standIn.retryAfter = '1';
    const r = reporter(standIn, { flushIntervalMs: 20 });
    try {
      for (let i = 0; i < 3; i++) r.enqueue(event(i));
      await waitFor('the 429', () => standIn.batches.length === 1);
      standIn.eventsStatus = 202;
      const t0 = Date.now();
      await waitFor('the retry', () => r.sent === 3, 3000);
      expect(Date.now() - t0).toBeGreaterThan(700); // waited for Retry-After, did not hammer
      expect(standIn.batches.map((b) => b.status)).toEqual([429, 202]);
    } finally {
      standIn.eventsStatus = 202;
      await r.close(1000);
    }
  });

  it('counts what cannot be sent at close as dropped, within the close timeout', async () => {
    standIn.eventsStatus = 503;
    standIn.eventsDelayMs = 5000;
    const r = reporter(standIn);
    try {
      for (let i = 0; i < 7; i++) r.enqueue(event(i));
      const t0 = Date.now();
      await r.close(300);
      expect(Date.now() - t0).toBeLessThan(1500);
      expect({ sent: r.sent, buffered: r.buffered, dropped: r.dropped }).toEqual({ sent: 0, buffered: 0, dropped: 7 });
      r.enqueue(event(8));
      expect(r.dropped).toBe(8);
    } finally {
      standIn.eventsStatus = 202;
      standIn.eventsDelayMs = 0;
    }
  });
});

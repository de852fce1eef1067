/**
 * Nothing acknowledged is lost: a warehouse that fails for a while, a full spool, a
 * restart with an unflushed spool, SIGKILL, and SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openChdb } from '../../src/warehouse/chdb.js';
import type { Warehouse } from '../../src/warehouse/warehouse.js';
import { WarehouseError } from '../../src/warehouse/warehouse.js';
import { auth, countRows, event, KEYS, openTestApp, tempDir, testConfig, type TestApp } from '../helpers.js';

/** The real embedded warehouse, with a switch that makes every call fail like an outage. */
function flaky(inner: Warehouse) {
  const state = { down: false, failedInserts: 0 };
  const guard = () => {
    if (state.down) throw new WarehouseError('connection refused (simulated outage)');
  };
  const warehouse: Warehouse = {
    kind: inner.kind,
    async query(sql, params) {
      guard();
      return inner.query(sql, params);
    },
    async command(sql, params) {
      guard();
      return inner.command(sql, params);
    },
    async insertJsonEachRow(table, rows, options) {
      if (state.down) state.failedInserts += 1;
      guard();
      return inner.insertJsonEachRow(table, rows, options);
    },
    async ping() {
      guard();
      return inner.ping();
    },
    close: () => inner.close(),
  };
  return { warehouse, state };
}

let open: TestApp | undefined;
afterEach(async () => {
  await open?.close();
  open = undefined;
});

const postEvents = (t: TestApp, events: unknown[]) =>
  t.app.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': 'application/json', ...auth('ingest') }, payload: JSON.stringify(events) });

describe('warehouse outage', () => {
  it('keeps acknowledging into the spool, then drains everything exactly once', async () => {
    const dir = tempDir();
    const { warehouse, state } = flaky(openChdb(join(dir, 'warehouse')));
    const t = (open = await openTestApp(testConfig(dir, { ingest: { flush_interval_ms: 10 } }), { warehouse }));

    state.down = true;
    let acked = 0;
    for (let batch = 0; batch < 10; batch++) {
      const res = await postEvents(t, Array.from({ length: 100 }, (_, i) => event({ app_id: 'outage', event_id: `o-${batch}-${i}` })));
      expect(res.statusCode).toBe(202);
      acked += res.json().accepted;
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(state.failedInserts).toBeGreaterThan(0);
    const ready = await t.app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().spool.pending_bytes).toBeGreaterThan(0);

    state.down = false;
    await t.ctx.flusher.drained();
    expect(await countRows(t.ctx, `app_id = 'outage'`)).toBe(acked);
    expect((await t.app.inject({ url: '/readyz' })).statusCode).toBe(200);
    const metrics = (await t.app.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/tokenwatch_warehouse_errors_total\{operation="insert"\} [1-9]/);
  });

  it('answers 503 with Retry-After once the spool is full, and accepts again after draining', async () => {
    const dir = tempDir();
    const { warehouse, state } = flaky(openChdb(join(dir, 'warehouse')));
    const t = (open = await openTestApp(testConfig(dir, { spool: { max_bytes: 1024 * 1024 }, ingest: { flush_interval_ms: 10 } }), { warehouse }));
    state.down = true;
    let acked = 0;
    let refused: Awaited<ReturnType<typeof postEvents>> | undefined;
    for (let batch = 0; batch < 100 && !refused; batch++) {
      const res = await postEvents(t, Array.from({ length: 200 }, (_, i) => event({ app_id: 'full', event_id: `f-${batch}-${i}`, user_agent: 'x'.repeat(40) })));
      if (res.statusCode === 503) refused = res;
      else {
        expect(res.statusCode).toBe(202);
        acked += res.json().accepted;
      }
    }
    expect(refused?.headers['retry-after']).toBe('5');
    expect(refused?.json().error.code).toBe('spool_full');
    state.down = false;
    await t.ctx.flusher.drained();
    expect(await countRows(t.ctx, `app_id = 'full'`)).toBe(acked);
    expect((await postEvents(t, [event({ app_id: 'full' })])).statusCode).toBe(202);
  });
});

describe('restart', () => {
  it('replays an unflushed spool at the next start, and still catches retries', async () => {
    const dir = tempDir();
    const config = testConfig(dir);
    const first = await openTestApp(config, { flush: false });
    const batch = Array.from({ length: 50 }, (_, i) => event({ app_id: 'replay', event_id: `r-${i}` }));
    expect((await postEvents(first, batch)).statusCode).toBe(202);
    expect(first.ctx.spool.pendingBytes()).toBeGreaterThan(0);
    // Stop without draining: as if the process died after acknowledging.
    await first.app.close();
    await first.ctx.flusher.stop(false);
    await first.ctx.spool.close();
    await first.ctx.warehouse.close();

    const second = (open = await openTestApp(config));
    expect((await postEvents(second, batch)).json()).toMatchObject({ duplicates: 50 });
    await second.ctx.flusher.drained();
    expect(await countRows(second.ctx, `app_id = 'replay'`)).toBe(50);
  });
});

describe('process signals', () => {
  const procs: ChildProcess[] = [];
  afterEach(() => {
    for (const p of procs) p.kill('SIGKILL');
  });

  function serve(dir: string, config: object): Promise<{ proc: ChildProcess; url: string }> {
    const configPath = join(dir, `config-${procs.length}.json`);
    writeFileSync(configPath, JSON.stringify(config));
    const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve'], {
      env: {
        ...process.env,
        TOKENWATCH_DATA_DIR: dir,
        TOKENWATCH_PORT: '0',
        TOKENWATCH_CONFIG: configPath,
        TOKENWATCH_API_KEYS: `ingest:${KEYS.ingest},read:${KEYS.read}`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    procs.push(proc);
    return new Promise((resolve, reject) => {
      let out = '';
      proc.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on (http:\/\/[^\s]+)/.exec(out);
        if (m) resolve({ proc, url: m[1]! });
      });
      proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      proc.on('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
    });
  }

  const send = (url: string, events: unknown[]) =>
    fetch(`${url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth('ingest') }, body: JSON.stringify(events) });

  async function countIn(dir: string, app: string): Promise<number> {
    const t = await openTestApp(testConfig(dir));
    try {
      await t.ctx.flusher.drained();
      return await countRows(t.ctx, 'app_id = {a:String}', { a: app });
    } finally {
      await t.close();
    }
  }

  it('loses nothing acknowledged when killed with SIGKILL', async () => {
    const dir = tempDir();
    // A long flush interval keeps the acknowledged rows in the spool when the kill lands.
    const { proc, url } = await serve(dir, { ingest: { flush_interval_ms: 60_000 } });
    let acked = 0;
    for (let b = 0; b < 5; b++) {
      const res = await send(url, Array.from({ length: 100 }, (_, i) => event({ app_id: 'sigkill', event_id: `k-${b}-${i}` })));
      expect(res.status).toBe(202);
      acked += ((await res.json()) as { accepted: number }).accepted;
    }
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGKILL');
    await exited;
    expect(await countIn(dir, 'sigkill')).toBe(acked);
  });

  it('flushes the spool and exits 0 on SIGTERM', async () => {
    const dir = tempDir();
    const { proc, url } = await serve(dir, { ingest: { flush_interval_ms: 60_000 } });
    const res = await send(url, Array.from({ length: 100 }, () => event({ app_id: 'sigterm' })));
    expect(res.status).toBe(202);
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    const t = await openTestApp(testConfig(dir), { flush: false });
    try {
      expect(t.ctx.spool.pendingBytes()).toBe(0);
      expect(await countRows(t.ctx, `app_id = 'sigterm'`)).toBe(100);
    } finally {
      await t.close();
    }
  });
});

describe('native gateway ingest', () => {
  it('keeps an acknowledged Kong batch across a restart before any flush, and counts its retry after the restart once', async () => {
    const dir = tempDir();
    // The fixture's times are December 2024: past the default age limit and retention.
    const config = testConfig(dir, { ingest: { max_age_days: 3650 }, warehouse: { retention_days: 3650 } });
    const body = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'kong', 'batch.json'));
    const postKong = (t: TestApp) =>
      t.app.inject({ method: 'POST', url: '/v1/ingest/kong', headers: { 'content-type': 'application/json', ...auth('ingest') }, payload: body });

    const first = (open = await openTestApp(config, { flush: false }));
    const acked = await postKong(first);
    expect(acked.statusCode).toBe(200);
    expect(acked.json()).toMatchObject({ accepted: 3, duplicates: 0 });
    expect(await countRows(first.ctx, "gateway = 'kong'")).toBe(0);
    await first.close();

    const second = (open = await openTestApp(config));
    await second.ctx.flusher.drained();
    expect(await countRows(second.ctx, "gateway = 'kong'")).toBe(3);
    const retried = await postKong(second);
    expect(retried.json()).toMatchObject({ accepted: 3, duplicates: 3 });
    await second.ctx.flusher.drained();
    expect(await countRows(second.ctx, "gateway = 'kong'")).toBe(3);
    expect(await countRows(second.ctx, "token_kind = 'reference'")).toBe(2);
  });
});

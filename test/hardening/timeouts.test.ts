/** Issue 11: every warehouse statement has a time limit; a request past it answers 503 warehouse_timeout with Retry-After. */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openChdb } from '../../src/warehouse/chdb.js';
import { isTimeLimited, WarehouseError, withStatementTimeout } from '../../src/warehouse/warehouse.js';
import { auth, openTestApp, tempDir, testConfig, type TestApp } from '../helpers.js';

const SLOW = 'SELECT count() FROM numbers(100000000000) WHERE sipHash64(number) % 7 = 3';
const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of closers) await c();
});

describe('statement time limits', () => {
  it('the engine stops a statement at its limit and the error says it timed out', async () => {
    // One embedded data directory per process: this one is closed before the app's opens.
    const engine = openChdb(join(tempDir(), 'warehouse'));
    try {
    const limited = withStatementTimeout(engine, 300);
    const started = Date.now();
    const error = await limited.query(SLOW).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WarehouseError);
    expect((error as WarehouseError).timedOut).toBe(true);
    expect(Date.now() - started).toBeLessThan(5000);
    // The engine is free again at once, and a statement naming its own limit keeps it.
    expect(await limited.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    const own = await limited.query(SLOW, {}, { timeoutMs: 100 }).catch((e: unknown) => e);
    expect((own as WarehouseError).timedOut).toBe(true);
    // DDL is never cut off (nor given a SETTINGS clause that would read as table settings).
    await limited.command('CREATE TABLE t (x UInt64) ENGINE = MergeTree ORDER BY x SETTINGS index_granularity = 8192');
    await limited.command('INSERT INTO t SELECT number FROM numbers(10)');
    expect(await limited.query('SELECT count() AS n FROM t')).toEqual([{ n: 10 }]);
    } finally {
      await engine.close();
    }
  });

  it('knows which statements take a limit', () => {
    expect(isTimeLimited('SELECT 1')).toBe(true);
    expect(isTimeLimited('\n  WITH x AS (SELECT 1) SELECT * FROM x')).toBe(true);
    expect(isTimeLimited('INSERT INTO flags (a, b) SELECT 1, 2')).toBe(true);
    expect(isTimeLimited('CREATE TABLE t (x UInt8) ENGINE = Memory')).toBe(false);
    expect(isTimeLimited('ALTER TABLE t DELETE WHERE 1')).toBe(false);
    expect(isTimeLimited('DELETE FROM t WHERE 1')).toBe(false);
  });

  it('a request whose statement passes warehouse.statement_timeout_ms answers 503 warehouse_timeout with Retry-After', async () => {
    // A limit of 1 ms: any real read of the request path passes it.
    const t: TestApp = await openTestApp(testConfig(tempDir(), { warehouse: { statement_timeout_ms: 1 } }));
    closers.push(() => t.close());
    const res = await t.app.inject({ method: 'GET', url: '/v1/usage/top?by=tokens&from=now-30d', headers: auth('read') });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('30');
    expect(res.json().error.code).toBe('warehouse_timeout');
    expect(res.body).not.toMatch(/TIMEOUT_EXCEEDED|DB::Exception/);
    expect(t.logs.text).toMatch(/past its time limit/);
    // Detectors run under the background limit, not the request path's.
    const run = await t.app.inject({ method: 'POST', url: '/v1/detections/run', headers: auth('admin'), payload: { from: 'now-1h' } });
    expect(run.statusCode).toBe(200);
  });
});

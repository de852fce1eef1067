/**
 * The same SQL through @clickhouse/client against the server CLICKHOUSE_URL names.
 * Without CLICKHOUSE_URL these tests are reported as skipped, with a warning.
 */
import { describe, expect, it, afterAll } from 'vitest';
import { openClickHouseServer } from '../../src/warehouse/clickhouse-server.js';
import { migrate } from '../../src/warehouse/migrate.js';
import { withStatementTimeout, type Warehouse, WarehouseError } from '../../src/warehouse/warehouse.js';
import { auth, countRows, event, openTestApp, tempDir, testConfig } from '../helpers.js';

const url = process.env.CLICKHOUSE_URL;
if (!url) {
  console.warn('\n*** SKIPPING server-transport tests: CLICKHOUSE_URL is not set (no ClickHouse server to test against). ***\n');
}

describe.skipIf(!url)('ClickHouse server transport', () => {
  const database = `tokenwatch_test_${Date.now()}`;
  let admin: Warehouse | undefined;
  afterAll(async () => {
    await admin?.command(`DROP DATABASE IF EXISTS ${database}`);
    await admin?.close();
  });

  it('migrates, ingests, binds parameters and deduplicates replays like the embedded engine', async () => {
    admin = openClickHouseServer({ url: url!, user: process.env.CLICKHOUSE_USER, password: process.env.CLICKHOUSE_PASSWORD, database: 'default' });
    await admin.command(`CREATE DATABASE IF NOT EXISTS ${database}`);
    const dir = tempDir();
    const config = testConfig(dir, {}, { CLICKHOUSE_URL: url!, CLICKHOUSE_DATABASE: database });
    const t = await openTestApp(config);
    try {
      expect(t.ctx.warehouse.kind).toBe('server');
      expect(await migrate(t.ctx.warehouse, { retention_days: 90, rollup_retention_days: 400 })).toEqual([]);
      const batch = Array.from({ length: 25 }, (_, i) => event({ app_id: 'server', event_id: `s-${i}` }));
      for (let i = 0; i < 2; i++) {
        const res = await t.app.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': 'application/json', ...auth('ingest') }, payload: JSON.stringify(batch) });
        expect(res.statusCode).toBe(202);
      }
      await t.ctx.flusher.drained();
      expect(await countRows(t.ctx, 'app_id = {a:String}', { a: 'server' })).toBe(25);
      const rows = JSON.stringify({ event_id: 'dup', ts: '2026-11-01 00:00:00.000', received_at: '2026-11-01 00:00:00.000', token_fingerprint: 'f', ip: '::1', app_id: 'dedup' }) + '\n';
      await t.ctx.warehouse.insertJsonEachRow('usage_events', rows, { dedupToken: 'same' });
      await t.ctx.warehouse.insertJsonEachRow('usage_events', rows, { dedupToken: 'same' });
      expect(await countRows(t.ctx, `app_id = 'dedup'`)).toBe(1);
    } finally {
      await t.close();
    }
  });

  it('stops a statement at its time limit (max_execution_time as a query setting)', async () => {
    admin ??= openClickHouseServer({ url: url!, user: process.env.CLICKHOUSE_USER, password: process.env.CLICKHOUSE_PASSWORD, database: 'default' });
    const limited = withStatementTimeout(admin, 300);
    const started = Date.now();
    const error = await limited.query('SELECT count() FROM numbers(100000000000) WHERE sipHash64(number) % 7 = 3').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WarehouseError);
    expect((error as WarehouseError).timedOut).toBe(true);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await limited.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });
});

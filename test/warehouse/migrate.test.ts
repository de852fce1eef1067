/** Migrations: numbered files applied once each and recorded; retention follows the config. */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openChdb } from '../../src/warehouse/chdb.js';
import { loadMigrations, migrate, render, splitStatements } from '../../src/warehouse/migrate.js';
import type { Warehouse } from '../../src/warehouse/warehouse.js';
import { tempDir } from '../helpers.js';

let warehouse: Warehouse;
beforeAll(() => {
  warehouse = openChdb(join(tempDir(), 'warehouse'));
});
afterAll(async () => warehouse?.close());

describe('migrations', () => {
  it('are numbered files with known placeholders only', () => {
    const all = loadMigrations({ retention_days: 90, rollup_retention_days: 400 });
    expect(all.length).toBeGreaterThan(0);
    expect(all.map((m) => m.version)).toEqual([...all.map((m) => m.version)].sort((a, b) => a - b));
    expect(() => render('{{nope}}', { retention_days: 1, rollup_retention_days: 400 })).toThrow(/unknown placeholder/);
    expect(splitStatements('-- c\nSELECT 1;\nSELECT 2;\n')).toEqual(['SELECT 1', 'SELECT 2']);
  });

  it('apply once and are recorded', async () => {
    const first = await migrate(warehouse, { retention_days: 90, rollup_retention_days: 400 });
    expect(first.map((m) => m.version)).toEqual(loadMigrations({ retention_days: 90, rollup_retention_days: 400 }).map((m) => m.version));
    expect(await migrate(warehouse, { retention_days: 90, rollup_retention_days: 400 })).toEqual([]);
    const recorded = (await warehouse.query('SELECT version, name FROM schema_migrations FINAL ORDER BY version')) as { version: number }[];
    expect(recorded.map((r) => r.version)).toEqual(first.map((m) => m.version));
  });

  it('create usage_events partitioned by day, ordered by token then time, with the configured TTL', async () => {
    const [t] = (await warehouse.query(
      `SELECT partition_key, sorting_key, engine_full FROM system.tables WHERE database = currentDatabase() AND name = 'usage_events'`,
    )) as { partition_key: string; sorting_key: string; engine_full: string }[];
    expect(t!.partition_key).toBe('toDate(ts)');
    expect(t!.sorting_key).toBe('token_fingerprint, ts');
    expect(t!.engine_full).toContain('toIntervalDay(90)');
    await migrate(warehouse, { retention_days: 30, rollup_retention_days: 400 });
    const [after] = (await warehouse.query(`SELECT engine_full FROM system.tables WHERE database = currentDatabase() AND name = 'usage_events'`)) as {
      engine_full: string;
    }[];
    expect(after!.engine_full).toContain('toIntervalDay(30)');
  });

  it('bind values as parameters, never as text', async () => {
    const rows = await warehouse.query('SELECT {s:String} AS s, {n:UInt32} AS n, {t:DateTime64(3)} AS t', {
      s: "it's \\ a 'test'\n",
      n: 7,
      t: new Date('2026-03-04T05:06:07.089Z'),
    });
    expect(rows).toEqual([{ s: "it's \\ a 'test'\n", n: 7, t: '2026-03-04 05:06:07.089' }]);
  });
});

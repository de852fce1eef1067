/** Migrations: numbered files applied once each and recorded; retention follows the config. */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openChdb } from '../../src/warehouse/chdb.js';
import {
  checkApplied,
  HISTORICAL_CHECKSUMS,
  loadMigrations,
  migrate,
  MigrationChangedError,
  render,
  splitStatements,
  SQL_DIR,
} from '../../src/warehouse/migrate.js';
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

  it('refuse to start when an applied file changed, naming the file, before applying anything', async () => {
    const vars = { retention_days: 90, rollup_retention_days: 400 };
    await migrate(warehouse, vars);
    const dir = join(tempDir(), 'sql');
    cpSync(SQL_DIR, dir, { recursive: true });
    const edited = join(dir, '004_bi_views.sql');
    writeFileSync(edited, readFileSync(edited, 'utf8') + '\n-- an edit after the fact\n');
    writeFileSync(join(dir, '999_never_applied.sql'), 'CREATE TABLE never_applied (x UInt8) ENGINE = Memory;\n');
    const refusal = await migrate(warehouse, vars, dir).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(MigrationChangedError);
    expect((refusal as Error).message).toMatch(/^migration sql\/004_bi_views\.sql was changed after it was applied/);
    const [exists] = (await warehouse.query(`SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = 'never_applied'`)) as { n: number }[];
    expect(Number(exists!.n)).toBe(0);
    // The unchanged files pass.
    expect(await migrate(warehouse, vars)).toEqual([]);
  });

  it('accept the checksums files had when applied before the check existed, and no others', () => {
    const migrations = loadMigrations({ retention_days: 90, rollup_retention_days: 400 });
    for (const [version, checksums] of Object.entries(HISTORICAL_CHECKSUMS)) {
      for (const checksum of checksums) expect(() => checkApplied(migrations, [{ version: Number(version), checksum }])).not.toThrow();
    }
    expect(() => checkApplied(migrations, [{ version: 3, checksum: HISTORICAL_CHECKSUMS[5]![0]! }])).toThrow(/sql\/003_usage_rollups\.sql/);
    expect(() => checkApplied(migrations, [{ version: 1, checksum: 'f'.repeat(64) }])).toThrow(MigrationChangedError);
  });
});

/**
 * Baseline of the ingest benchmark, run as a child process (chDB allows one data
 * directory per process): the raw chDB insert rate of the rows the spool would hold for
 * the benchmark's events, in JSONEachRow, into a freshly migrated `usage_events` (its
 * materialized views included, as in the product), in
 * chunks of the flusher's size, one insert at a time as the flusher does. Nothing else
 * runs meanwhile, so this is the engine's own limit on this machine.
 *
 * The rows are made by the real Ingestor (validation, normalisation with geo, dedup,
 * serialisation) into a stand-in spool that keeps the appended bytes, so they are
 * byte for byte what the flusher would read.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.js';
import { openChdb } from '../src/warehouse/chdb.js';
import { migrate, migrationVariables } from '../src/warehouse/migrate.js';
import { TABLES } from '../src/warehouse/warehouse.js';
import { cutChunks } from './ingest-data.js';
import { spooledRows } from './ingest-rows.js';

export interface BaselineResult {
  type: 'baseline';
  rows: number;
  bytes: number;
  inserts: number;
  seconds: number;
  rowsPerSecond: number;
  distinctRows: number;
  /** CPU time of this process per row inserted (engine threads; the JS thread only waits). */
  cpuMicrosPerRow: number;
}

const seconds = Number(process.env.BENCH_BASELINE_SECONDS ?? 10);
const dir = mkdtempSync(join(tmpdir(), 'tokenwatch-bench-baseline-'));
const config = loadConfig({ TOKENWATCH_DATA_DIR: dir, TOKENWATCH_LOG_LEVEL: 'silent' }, JSON.parse(process.env.BENCH_CONFIG ?? '{}'));

// 1. The spool's bytes for the benchmark's events (same generator and seed as the client).
const all = await spooledRows(config, Number(process.env.BENCH_TEMPLATES ?? 48), process.env.BENCH_TAG ?? 'bench');

// 2. Chunks of the flusher's size, cut at line ends like Spool.peek().
const chunks = cutChunks(all, config.ingest.flush_max_bytes);
const distinctRows = chunks.reduce((n, c) => n + c.rows, 0);

// 3. Insert them one at a time for `seconds` (repeating the chunks under new dedup tokens).
const warehouse = openChdb(join(dir, 'warehouse'));
await migrate(warehouse, migrationVariables(config));
let rows = 0;
let bytes = 0;
let inserts = 0;
const cpu = process.cpuUsage();
const start = performance.now();
while (performance.now() - start < seconds * 1000) {
  const chunk = chunks[inserts % chunks.length]!;
  await warehouse.insertJsonEachRow(TABLES.usageEvents, chunk.data, { dedupToken: `baseline-${inserts}` });
  inserts += 1;
  rows += chunk.rows;
  bytes += chunk.data.length;
}
const elapsed = (performance.now() - start) / 1000;
const used = process.cpuUsage(cpu);
const [stored] = (await warehouse.query(`SELECT count() AS n FROM ${TABLES.usageEvents}`)) as { n: number }[];
if (Number(stored!.n) !== rows) throw new Error(`baseline: inserted ${rows} rows but the table holds ${stored!.n}`);
await warehouse.close();
rmSync(dir, { recursive: true, force: true });

const result: BaselineResult = {
  type: 'baseline',
  rows,
  bytes,
  inserts,
  seconds: elapsed,
  rowsPerSecond: rows / elapsed,
  distinctRows,
  cpuMicrosPerRow: (used.user + used.system) / rows,
};
process.send!(result);
process.exit(0);

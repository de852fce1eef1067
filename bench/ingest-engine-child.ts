/**
 * Child of `npm run bench -- ingest-engine` (chDB allows one data directory per process,
 * and each variant needs its own peak RSS): inserts the rows file it is given into a
 * freshly migrated `usage_events`, in chunks of BENCH_CHUNK_MIB cut at line ends, one
 * insert at a time as the flusher does, for BENCH_SECONDS; with BENCH_DROP_VIEWS set, the
 * materialized views reading usage_events are dropped first (the table alone).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.js';
import { openChdb } from '../src/warehouse/chdb.js';
import { migrate, migrationVariables } from '../src/warehouse/migrate.js';
import { TABLES } from '../src/warehouse/warehouse.js';
import { cutChunks } from './ingest-data.js';

export interface EngineVariantResult {
  type: 'variant';
  rows: number;
  inserts: number;
  rowsPerSecond: number;
  cpuMicrosPerRow: number;
  views: number;
  /** RSS with the engine loaded and migrated, the rows file in memory, before any insert. */
  rssBeforeMB: number;
  peakRssMB: number;
}

const chunkMiB = Number(process.env.BENCH_CHUNK_MIB ?? 16);
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const dir = mkdtempSync(join(tmpdir(), 'tokenwatch-bench-engine-'));
const config = loadConfig({ TOKENWATCH_DATA_DIR: dir, TOKENWATCH_LOG_LEVEL: 'silent' }, {});
const all = readFileSync(process.env.BENCH_ROWS_FILE!);
const chunks = cutChunks(all, chunkMiB * 2 ** 20);

const warehouse = openChdb(join(dir, 'warehouse'));
await migrate(warehouse, migrationVariables(config));
// The views reading usage_events (usage_token_1d's view reads usage_token_1m's table, so it goes with it).
const views = (await warehouse.query(
  'SELECT arrayJoin(dependencies_table) AS view FROM system.tables WHERE database = currentDatabase() AND name = {t:String}',
  { t: TABLES.usageEvents },
)) as { view: string }[];
if (process.env.BENCH_DROP_VIEWS === '1') for (const v of views) await warehouse.command(`DROP VIEW ${v.view}`);
const rssBeforeMB = process.memoryUsage.rss() / 2 ** 20;

let rows = 0;
let inserts = 0;
const cpu = process.cpuUsage();
const start = performance.now();
while (performance.now() - start < seconds * 1000) {
  const chunk = chunks[inserts % chunks.length]!;
  await warehouse.insertJsonEachRow(TABLES.usageEvents, chunk.data, { dedupToken: `engine-${inserts}` });
  inserts += 1;
  rows += chunk.rows;
}
const elapsed = (performance.now() - start) / 1000;
const used = process.cpuUsage(cpu);
const peakRssMB = process.resourceUsage().maxRSS / 1024;
const [stored] = (await warehouse.query(`SELECT count() AS n FROM ${TABLES.usageEvents}`)) as { n: number }[];
if (Number(stored!.n) !== rows) throw new Error(`inserted ${rows} rows but the table holds ${stored!.n}`);
await warehouse.close();
rmSync(dir, { recursive: true, force: true });
const result: EngineVariantResult = {
  type: 'variant',
  rows,
  inserts,
  rowsPerSecond: rows / elapsed,
  cpuMicrosPerRow: (used.user + used.system) / rows,
  views: process.env.BENCH_DROP_VIEWS === '1' ? 0 : views.length,
  rssBeforeMB,
  peakRssMB,
};
process.send!(result);
process.exit(0);

/**
 * `npm run bench -- ingest-engine`: what the embedded engine alone costs per ingested row,
 * in CPU and in memory, so the ingest benchmark's figures can be read against the
 * machine's limits. The rows are the ingest benchmark's (same generator, made by the real
 * Ingestor, byte for byte what the spool holds); each variant inserts them into a freshly
 * migrated usage_events in its own child process, one insert at a time as the flusher does:
 * chunks of 16, 4 and 1 MiB with the product's materialized views, and 4 MiB into the
 * table alone. Nothing here is a target; it prints the ceiling each figure implies.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config.js';
import type { EngineVariantResult } from './ingest-engine-child.js';
import { spooledRows } from './ingest-rows.js';

const VARIANTS = [
  { label: '16 MiB inserts (the flusher default)', chunkMiB: 16, dropViews: false },
  { label: '4 MiB inserts', chunkMiB: 4, dropViews: false },
  { label: '1 MiB inserts', chunkMiB: 1, dropViews: false },
  { label: '4 MiB inserts, usage_events alone', chunkMiB: 4, dropViews: true },
];

function variant(rowsFile: string, chunkMiB: number, dropViews: boolean, seconds: number): Promise<EngineVariantResult> {
  const proc = fork(fileURLToPath(new URL('./ingest-engine-child.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_ROWS_FILE: rowsFile, BENCH_CHUNK_MIB: String(chunkMiB), BENCH_SECONDS: String(seconds), BENCH_DROP_VIEWS: dropViews ? '1' : '0' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    proc.once('message', (m) => resolve(m as EngineVariantResult));
    proc.once('exit', (code) => reject(new Error(`variant exited with ${code}`)));
  });
}

export async function run(args: string[]): Promise<number> {
  const arg = args.find((a) => a.startsWith('--seconds='));
  const seconds = arg ? Number(arg.slice('--seconds='.length)) : 10;
  console.log(`ingest-engine: ${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}, load average ${loadavg()[0]!.toFixed(2)}`);

  // The ingest benchmark's rows, as the spool would hold them.
  const dir = mkdtempSync(join(tmpdir(), 'tokenwatch-bench-engine-rows-'));
  const config = loadConfig({ TOKENWATCH_DATA_DIR: dir, TOKENWATCH_LOG_LEVEL: 'silent' }, {});
  const rows = await spooledRows(config, 48, 'engine');
  const rowsFile = join(dir, 'rows.ndjson');
  writeFileSync(rowsFile, rows);
  const count = rows.toString('latin1').split('\n').length - 1;
  console.log(`rows: ${count.toLocaleString('en-US')} (${(rows.length / count).toFixed(0)} B each, ${(rows.length / 2 ** 20).toFixed(0)} MiB in the file, held by each child)`);

  try {
    console.log('\n| variant | views on usage_events | rows/s | CPU µs/row | ceiling on 2 idle cores, engine alone | RSS before inserting | peak RSS |');
    console.log('|---|---:|---:|---:|---:|---:|---:|');
    for (const v of VARIANTS) {
      const r = await variant(rowsFile, v.chunkMiB, v.dropViews, seconds);
      const ceiling = (cpus().length * 1e6) / r.cpuMicrosPerRow;
      console.log(
        `| ${v.label} | ${r.views} | ${Math.round(r.rowsPerSecond).toLocaleString('en-US')} | ${r.cpuMicrosPerRow.toFixed(1)} | ` +
          `${Math.round(ceiling).toLocaleString('en-US')} rows/s | ${r.rssBeforeMB.toFixed(0)} MB | ${r.peakRssMB.toFixed(0)} MB |`,
      );
    }
    console.log(`\nRSS before inserting includes the ${(rows.length / 2 ** 20).toFixed(0)} MiB rows file each child holds; the server holds no such file.`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return 0;
}

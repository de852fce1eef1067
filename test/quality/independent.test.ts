/**
 * Issue 13: the detectors on traffic they were never tuned on (test/quality/README.md).
 * Two seeds × backfill and streaming, each run in its own process (chDB allows one data
 * directory per process). Prints per-kind recall, time to detect and benign flags per
 * 1,000 per day, then holds the targets.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { Score } from './score.js';

const run = promisify(execFile);
const SEEDS = [11, 12];
const MODES = ['backfill', 'streaming'] as const;

interface Result {
  seed: number;
  mode: (typeof MODES)[number];
  score: Score;
  seconds: number;
  table: string;
}

async function one(seed: number, mode: (typeof MODES)[number]): Promise<Result> {
  const args = ['tsx', 'bench/quality.ts', '--size', 'test', '--seed', String(seed), '--mode', mode, '--json', '--table'];
  const { stdout } = await run('npx', args, { maxBuffer: 64 * 1024 * 1024, timeout: 400_000 });
  const json = stdout.slice(stdout.indexOf('\n{') + 1);
  const parsed = JSON.parse(json) as { score: Score; seconds: number };
  return { seed, mode, score: parsed.score, seconds: parsed.seconds, table: stdout.slice(0, stdout.indexOf('\n{')) };
}

describe('detection quality on independent traffic (issue 13)', () => {
  it('meets the targets on 2 seeds × backfill and streaming', { timeout: 900_000 }, async () => {
    const results: Result[] = [];
    for (const seed of SEEDS) {
      // The two modes of a seed run side by side: two processes, two data directories.
      results.push(...(await Promise.all(MODES.map((mode) => one(seed, mode)))));
    }
    for (const r of results) console.log(`\n${r.table}`);

    const failures: string[] = [];
    for (const r of results) {
      const at = `seed ${r.seed} ${r.mode}`;
      for (const k of r.score.kinds) if (k.recall < 0.95) failures.push(`${at}: ${k.kind} recall ${k.recall.toFixed(2)} < 0.95`);
      if (r.score.benignPer1000PerDay > 1) failures.push(`${at}: ${r.score.benignPer1000PerDay.toFixed(1)} benign tokens flagged per 1,000 per day > 1`);
      if (r.score.precision < 0.95) failures.push(`${at}: precision of flagged subjects ${r.score.precision.toFixed(2)} < 0.95`);
      if (r.mode === 'streaming' && (r.score.medianTtdMin === null || r.score.medianTtdMin > 10)) {
        failures.push(`${at}: median time to detect ${r.score.medianTtdMin?.toFixed(1) ?? 'none'} min > 10`);
      }
    }
    if (failures.length) console.log(`\ntargets missed:\n${failures.join('\n')}`);
    expect(failures).toEqual([]);
  });
});

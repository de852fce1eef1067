/**
 * Issue 13: the detectors on traffic they were never tuned on (test/quality/README.md).
 * The independent generator at two seeds and the held-out ones (HOLDOUT.md, HOLDOUT-C.md, HOLDOUT-D.md, HOLDOUT-E.md, HOLDOUT-F.md, HOLDOUT-G.md) at one each, each in backfill and streaming, each run in its own process (chDB allows one data
 * directory per process). Prints per-kind recall, time to detect and benign flags per
 * 1,000 per day, and every miss of the targets.
 *
 * The targets are met on the measured runs (docs/detectors.md#measured-quality), but one
 * attack more or less moves a kind by 0.25 and one benign token-day by 1 per 1,000, and
 * the traffic moves with the clock: what this test holds is a floor a little below the
 * measured figures, so a change that loses what was won fails here, and it prints every
 * miss of the targets themselves.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { Score } from './score.js';

const run = promisify(execFile);

/** Issue 13's targets, on traffic the detectors were not tuned on. */
const TARGET = { kindRecall: 0.95, benignPer1000PerDay: 1, precision: 0.95, medianTtdMin: 10 };
/**
 * What every run reaches today, with a margin for the variation between runs (the traffic
 * ends at "now", so a seed's figures move a little from run to run; one attack is 0.25 of
 * a kind's recall). Measured 2026-12-07 at 0d1631e on seeds 11 and 12, both modes: every
 * kind 4/4 in all four runs (all attacks 1.00), precision 0.97–1.00, 0–1.0 benign tokens
 * per 1,000 per day, median TTD 2.8–3.5 min: the targets are met on these runs. Before
 * issue 13's changes: all attacks 0.44, two kinds at 0, precision 0.71–0.83, 4.5–5.4 benign.
 */
/**
 * Since 2026-12-08 ("servers in one country are no spread"): a job or a user whose cloud
 * servers were all in one country, now on a server abroad while its usual place is in use,
 * is flagged for review: 0.9–1.0 benign per 1,000 per day at the fixed ends, 2.1 for seed
 * 12 ending 02:05 (a Hetzner exit in Germany for a British user, a Tokyo job in Ashburn).
 */
const FLOOR_A = { kindRecall: 0.75, recallAll: 0.94, benignPer1000PerDay: 3, precision: 0.93, medianTtdMin: 10 };
/**
 * The held-out generator (`--traffic b`, HOLDOUT.md), one seed: measured at 7cd05ab, the first
 * time the changed detectors met it, recall 0.91–0.97 (rate_spike 0.75 in every run,
 * ip_fanout and new_location 0.75 in some), 0.7 benign tokens per 1,000 per day, precision
 * 0.98–0.99. Its known misses are the floor's 0.5 per kind.
 */
const FLOOR_B = { kindRecall: 0.5, recallAll: 0.88, benignPer1000PerDay: 2, precision: 0.95, medianTtdMin: 10 };
/**
 * The third set (`--traffic c`, HOLDOUT-C.md), written blind to the detectors and measured
 * once before and once after the changes of 25068fb and 9a9ae19 (which were not made from it):
 * recall 0.81–0.88, new_location 0.25–0.50, impossible_travel 0.50–0.75, 2.0–4.1 benign
 * tokens per 1,000 per day, precision 0.96–0.97. Its floor is what they reach today, far
 * from the targets; the printed gap is the work left. Its users keep office hours, so how
 * much history a victim has depends on the weekday the run ends on (HOLDOUT-C.md): one
 * kind may lose its one caught attack on a Monday, so the floor holds all kinds together.
 */
const FLOOR_C = { kindRecall: 0, recallAll: 0.78, benignPer1000PerDay: 4, precision: 0.93, medianTtdMin: 10 };
/**
 * The fourth set (`--traffic d`, HOLDOUT-D.md), written blind while the last changes were
 * made: recall 0.81 in every run, 5.2–6.0 benign tokens per 1,000 per day (VPN toggles in
 * censored countries and Tor users, impossible_travel and new_location, both review-only),
 * precision 0.63–0.68. After the changes of 2026-12-07 evening (docs/detectors.md, "Six
 * sets at fixed ends"): recall 0.88, 0.3–1.4 benign, precision 0.88–0.97 over three ends.
 * After the changes of 2026-12-08: recall 0.94, 0.3 benign, precision 0.97. The floor
 * holds most of that; the printed gap is the work left.
 */
const FLOOR_D = { kindRecall: 0.25, recallAll: 0.85, benignPer1000PerDay: 3, precision: 0.85, medianTtdMin: 10 };
/**
 * The fifth set (`--traffic e`, HOLDOUT-E.md), written blind and measured at dc27684: recall
 * 0.75, 4.3–6.3 benign tokens per 1,000 per day, precision 0.78–0.85; after the last changes
 * (one of them made from its misses) 0.78, 4.3–7.2, 0.76–0.85; after the changes of
 * 2026-12-07 evening 0.81, 3.8–6.9, 0.79–0.87 over three ends; after those of 2026-12-08
 * 0.88, 3.0–3.4, 0.89–0.90 over two ends. The floor holds that.
 */
const FLOOR_E = { kindRecall: 0.25, recallAll: 0.8, benignPer1000PerDay: 6, precision: 0.8, medianTtdMin: 10 };
/**
 * The sixth set (`--traffic f`, HOLDOUT-F.md), written blind and measured at 40a69d9 (main at
 * ee33bcd), before any change was made from it: recall 0.94 (new_location and ip_fanout
 * 0.75, every other kind 1.00), 1.0 benign token per 1,000 per day, precision 0.91–0.92.
 * Its travellers on eSIMs (mobile data leaving through Singapore while they are in
 * Thailand) move with the end time: ending at 22:40 instead of 22:00, nine of them are
 * flagged by impossible_travel (2.4 benign per 1,000, precision 0.83). After the changes
 * of 2026-12-08 (a traveller's phone is allowed its region): 0.97, 0.2, 0.98 at both ends.
 */
const FLOOR_F = { kindRecall: 0.5, recallAll: 0.9, benignPer1000PerDay: 3, precision: 0.85, medianTtdMin: 10 };
/**
 * The seventh set (`--traffic g`, HOLDOUT-G.md), written blind and measured at 8f5bf12,
 * before any change was made from it: recall 0.84 (new_location and ip_fanout 0.50,
 * rate_spike 0.75), 3.4 benign tokens per 1,000 per day (in-flight passengers), precision
 * 0.65–0.66. After the changes of 2026-12-08 (some made from it): 0.97, 0.2, 0.98.
 */
const FLOOR_G = { kindRecall: 0.5, recallAll: 0.9, benignPer1000PerDay: 2, precision: 0.9, medianTtdMin: 10 };
const RUNS = [
  { traffic: 'a', seed: 11, floor: FLOOR_A },
  { traffic: 'a', seed: 12, floor: FLOOR_A },
  { traffic: 'b', seed: 21, floor: FLOOR_B },
  { traffic: 'c', seed: 31, floor: FLOOR_C },
  { traffic: 'd', seed: 41, floor: FLOOR_D },
  { traffic: 'e', seed: 51, floor: FLOOR_E },
  { traffic: 'f', seed: 61, floor: FLOOR_F },
  { traffic: 'g', seed: 71, floor: FLOOR_G },
] as const;
const MODES = ['backfill', 'streaming'] as const;

interface Result {
  traffic: (typeof RUNS)[number]['traffic'];
  floor: typeof FLOOR_A;
  seed: number;
  mode: (typeof MODES)[number];
  score: Score;
  seconds: number;
  table: string;
}

async function one(traffic: (typeof RUNS)[number]['traffic'], floor: typeof FLOOR_A, seed: number, mode: (typeof MODES)[number]): Promise<Result> {
  const args = ['tsx', 'bench/quality.ts', '--size', 'test', '--seed', String(seed), '--mode', mode, '--traffic', traffic, '--json', '--table'];
  const { stdout } = await run('npx', args, { maxBuffer: 64 * 1024 * 1024, timeout: 400_000 });
  const json = stdout.slice(stdout.indexOf('\n{') + 1);
  const parsed = JSON.parse(json) as { score: Score; seconds: number };
  return { traffic, floor, seed, mode, score: parsed.score, seconds: parsed.seconds, table: stdout.slice(0, stdout.indexOf('\n{')) };
}

describe('detection quality on independent traffic (issue 13)', () => {
  it('holds the measured floor on 2 seeds × backfill and streaming, and the six held-out sets on one each, and prints the gap to the targets', { timeout: 1_200_000 }, async () => {
    const results: Result[] = [];
    for (const { traffic, seed, floor } of RUNS) {
      // The two modes of a seed run side by side: two processes, two data directories.
      results.push(...(await Promise.all(MODES.map((mode) => one(traffic, floor, seed, mode)))));
    }
    for (const r of results) console.log(`\n${r.table}`);

    const misses = (limitsOf: (r: Result) => typeof TARGET): string[] => {
      const out: string[] = [];
      for (const r of results) {
        const limits = limitsOf(r);
        const at = `traffic ${r.traffic} seed ${r.seed} ${r.mode}`;
        for (const k of r.score.kinds) if (k.recall < limits.kindRecall) out.push(`${at}: ${k.kind} recall ${k.recall.toFixed(2)} < ${limits.kindRecall}`);
        if (r.score.benignPer1000PerDay > limits.benignPer1000PerDay) {
          out.push(`${at}: ${r.score.benignPer1000PerDay.toFixed(1)} benign tokens flagged per 1,000 per day > ${limits.benignPer1000PerDay}`);
        }
        if (r.score.precision < limits.precision) out.push(`${at}: precision of flagged subjects ${r.score.precision.toFixed(2)} < ${limits.precision}`);
        if (r.mode === 'streaming' && (r.score.medianTtdMin === null || r.score.medianTtdMin > limits.medianTtdMin)) {
          out.push(`${at}: median time to detect ${r.score.medianTtdMin?.toFixed(1) ?? 'none'} min > ${limits.medianTtdMin}`);
        }
      }
      return out;
    };
    const gap = misses(() => TARGET);
    console.log(gap.length ? `\nissue 13 targets not yet met:\n${gap.join('\n')}` : '\nissue 13 targets: all met');

    const below = misses((r) => r.floor);
    for (const r of results) {
      if (r.score.recallAll < r.floor.recallAll) below.push(`traffic ${r.traffic} seed ${r.seed} ${r.mode}: all attacks recall ${r.score.recallAll.toFixed(2)} < ${r.floor.recallAll}`);
    }
    expect(below, 'below the floor the detectors reached: a change lost detection quality').toEqual([]);
  });
});

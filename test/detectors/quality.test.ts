/**
 * Detection quality on simulated traffic, for two seeds and two ways of seeing it:
 * - backfill: all traffic first, then one retro-hunt over the whole range;
 * - streaming: the history before the first attack at once (and a retro-hunt over it),
 *   then step by step: a step's events, then detection over that step only (15 minutes
 *   around attacks, the quiet stretches between them in one step each). Detectors never
 *   see events after the end of the step they judge.
 *
 * Every detector finds at least 90 % of the attacks of its kind, and at most one benign
 * token per thousand per simulated day is flagged at all. Each run prints per kind the
 * recall and the median time to detect (traffic time from the attack's first event to the
 * end of the window flagged in backfill, to the end of the step whose detection raised it
 * in streaming), and the benign tokens flagged per 1,000 per day. The simulator mixes in
 * the benign behaviours that fool naive rules (heavy machine clients, nightly batch
 * bursts, mobile carriers, a corporate NAT, travellers, VPN users, refresh rotation).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { DETECTOR_NAMES } from '../../src/config.js';
import type { Flag } from '../../src/detectors/flags.js';
import { fingerprint } from '../../src/ingest/fingerprint.js';
import { startServer } from '../../src/server.js';
import { generate, post, type Simulation } from '../../src/simulate/index.js';
import { KEYS, tempDir, testConfig } from '../helpers.js';

const SEEDS = [20261124, 7];
/** The simulation ends now; `TW_SIM_END=<ISO>` pins it, to reproduce a run from another time of day. */
const SIM_END = process.env.TW_SIM_END ? new Date(process.env.TW_SIM_END) : undefined;
const TOKENS = 600;
const DAYS = 2;
/** Streaming: detection after every 15 minutes of traffic (three 5-minute windows). */
const STEP_MS = 15 * 60_000;
/** A flag counts for an attack when its window overlaps the attack, give or take this much. */
const SLACK_MS = 30 * 60_000;

type Mode = 'backfill' | 'streaming';
interface Run {
  sim: Simulation;
  flags: Flag[];
  /** Flag id → traffic time at which detection had raised it. */
  seenAt: Map<string, number>;
  pepper: string;
}

async function run(seed: number, mode: Mode): Promise<Run> {
  const server = await startServer(testConfig(tempDir()), { geo: true, schedule: false });
  try {
    const sim = generate({ seed, tokens: TOKENS, days: DAYS, end: SIM_END });
    const target = { url: server.url, key: KEYS.ingest, idpKey: KEYS.idp };
    const seenAt = new Map<string, number>();
    // Streaming: a flag exists from the end of the step whose detection raised it. Backfill
    // has no such time: its flags count from the end of their window.
    const detect = async (from: number, to: number) => {
      const result = await server.ctx.runner.run({ from: new Date(from), to: new Date(to) }, 'cli');
      expect(result.detectors.filter((d) => d.outcome !== 'ok')).toEqual([]);
      if (mode === 'streaming') for (const f of result.flags) if (!seenAt.has(f.id)) seenAt.set(f.id, Math.max(to, f.finding.window_end.getTime()));
    };
    const first = Date.parse(sim.events[0]!.ts) - 60_000;
    if (mode === 'backfill') {
      await post(sim, target);
      await server.ctx.flusher.drained(300_000);
      await detect(first, Date.parse(sim.meta.end) + 60_000);
    } else {
      // Steps aligned to the windows, from the step before the first attack: 15 minutes
      // around attacks (from 30 minutes before one to an hour after), and the quiet
      // stretches between them as one step each (posted, then judged: still no future).
      const firstAttack = Math.min(...sim.labels.map((l) => Date.parse(l.from)));
      const end = Date.parse(sim.meta.end) + 60_000;
      const busy = (at: number) => sim.labels.some((l) => at + STEP_MS > Date.parse(l.from) - 30 * 60_000 && at < Date.parse(l.to) + 60 * 60_000);
      const slice = (from: number, to: number): Simulation => ({
        ...sim,
        events: sim.events.filter((e) => Date.parse(e.ts) >= from && Date.parse(e.ts) < to),
        lifecycle: sim.lifecycle.filter((e) => Date.parse(e.ts) >= from && Date.parse(e.ts) < to),
      });
      let cut = Math.floor((firstAttack - STEP_MS) / STEP_MS) * STEP_MS;
      await post(slice(-Infinity, cut), target);
      await server.ctx.flusher.drained(300_000);
      await detect(first, cut);
      while (cut < end) {
        let next = cut + STEP_MS;
        if (!busy(cut)) while (next < end && !busy(next)) next += STEP_MS;
        await post(slice(cut, next), target);
        await server.ctx.flusher.drained(60_000);
        await detect(cut, next);
        cut = next;
      }
    }
    const flags = await server.ctx.runner.store.list({ limit: 100_000, offset: 0 });
    return { sim, flags, seenAt, pepper: server.ctx.secrets.pepper };
  } finally {
    await server.close();
  }
}

interface Score {
  recall: Map<string, { found: number; total: number; ttdMinutes: number | null; missed: string[] }>;
  benignPer1000PerDay: number;
  benignDetail: string[];
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function score({ sim, flags, seenAt, pepper }: Run): Score {
  const recall: Score['recall'] = new Map();
  for (const detector of DETECTOR_NAMES) {
    const labels = sim.labels.filter((l) => l.detector === detector);
    const ttds: number[] = [];
    const missed: string[] = [];
    for (const l of labels) {
      const subject = l.subject_type === 'token' ? fingerprint(pepper, l.subject) : l.subject;
      const from = Date.parse(l.from);
      const hits = flags.filter(
        (f) => f.detector === detector && f.subject === subject && Date.parse(f.window_end) >= from - SLACK_MS && Date.parse(f.window_start) <= Date.parse(l.to) + SLACK_MS,
      );
      if (hits.length === 0) missed.push(`${l.note} (${l.from})`);
      else ttds.push(Math.max(0, Math.min(...hits.map((f) => seenAt.get(f.flag_id) ?? Date.parse(f.window_end))) - from) / 60_000);
    }
    recall.set(detector, { found: ttds.length, total: labels.length, ttdMinutes: median(ttds), missed });
  }
  const benign = new Map(sim.benignTokens.map((t) => [fingerprint(pepper, t), t]));
  const flagged = new Map<string, Flag[]>();
  for (const f of flags) {
    const raw = benign.get(f.token_fingerprint || f.subject);
    if (raw !== undefined) flagged.set(raw, [...(flagged.get(raw) ?? []), f]);
  }
  return {
    recall,
    benignPer1000PerDay: (flagged.size / benign.size / DAYS) * 1000,
    benignDetail: [...flagged].map(([raw, fs]) => `${sim.behaviours[raw]}: ${fs.map((f) => `${f.detector} "${f.explanation}" ${process.env.TW_EVIDENCE ? JSON.stringify((f as { evidence?: unknown }).evidence) : ""}`).join(', ')}`),
  };
}

const report: string[] = [];
afterAll(() => {
  if (report.length > 0) console.log(['detection quality (simulator)', ...report].join('\n'));
});

describe.each(SEEDS.flatMap((seed) => (['backfill', 'streaming'] as const).map((mode) => ({ seed, mode }))))('seed $seed, $mode', ({ seed, mode }) => {
  let result: Score;

  it('runs', async () => {
    result = score(await run(seed, mode));
    const lines = [...result.recall].map(
      ([d, r]) => `  ${d.padEnd(18)} recall ${r.found}/${r.total}  median TTD ${r.ttdMinutes === null ? '-' : `${r.ttdMinutes.toFixed(1)} min`}`,
    );
    report.push(`seed ${seed}, ${mode}: benign ${result.benignPer1000PerDay.toFixed(2)} per 1,000 tokens per day`, ...lines);
  }, 1_200_000);

  it('every detector finds at least 90 % of its attacks', () => {
    for (const [detector, r] of result.recall) {
      expect(r.total, `the simulation has no ${detector} attack`).toBeGreaterThan(0);
      expect(r.found / r.total, `${detector} missed: ${r.missed.join('; ')}`).toBeGreaterThanOrEqual(0.9);
    }
  });

  it('flags at most one benign token per 1,000 per simulated day', () => {
    expect(result.benignPer1000PerDay, result.benignDetail.join('\n')).toBeLessThanOrEqual(1);
  });
});

/** Sizes, one seed × one mode end to end, and the printed table. */
import { runHarness, type Mode, type RunResult } from './harness.js';
import { score, type Score } from './score.js';
import { generateTraffic, type Traffic, type TrafficSize } from './traffic.js';
import { generateTrafficB, SIZES_B } from './traffic-b.js';
import { generateTrafficC, SIZES_C } from './traffic-c.js';
import { generateTrafficD, SIZES_D } from './traffic-d.js';
import { generateTrafficE, SIZES_E } from './traffic-e.js';
import { generateTrafficF, SIZES_F } from './traffic-f.js';
import { generateTrafficG, SIZES_G } from './traffic-g.js';

export const SIZES: Record<'test' | 'medium', TrafficSize & { windowMs: number }> = {
  // One seed × one mode in about a minute on a shared 2-core machine.
  test: {
    days: 2, attackHours: 5, webUsers: 60, mobileUsers: 15, officeUsers: 15, ciOrgs: 5, batchJobs: 2,
    partners: 10, developers: 6, dormantKeys: 6, attacksPerKind: 4, windowMs: 5 * 60_000,
  },
  medium: {
    days: 4, attackHours: 16, webUsers: 300, mobileUsers: 80, officeUsers: 60, ciOrgs: 15, batchJobs: 5,
    partners: 30, developers: 20, dormantKeys: 20, attacksPerKind: 10, windowMs: 5 * 60_000,
  },
};

export type SizeName = keyof typeof SIZES;

export interface OneRun {
  seed: number;
  trafficName: TrafficName;
  mode: Mode;
  size: SizeName;
  traffic: Traffic;
  run: RunResult;
  score: Score;
}

/** Traffic ends 10 minutes before now, on a 5-minute boundary: ingest refuses the future. */
export function trafficEnd(now = Date.now()): number {
  return Math.floor(now / 300_000) * 300_000 - 600_000;
}

/** `a`: traffic.ts (the default); `b`: traffic-b.ts, the held-out set (HOLDOUT.md); `c`: traffic-c.ts, the third, blind set (HOLDOUT-C.md); `d`: traffic-d.ts, the fourth, blind set (HOLDOUT-D.md); `e`: traffic-e.ts, the fifth, blind set (HOLDOUT-E.md); `f`: traffic-f.ts, the sixth, blind set (HOLDOUT-F.md); `g`: traffic-g.ts, the seventh, blind set (HOLDOUT-G.md). */
export type TrafficName = 'a' | 'b' | 'c' | 'd' | 'e' | 'f' | 'g';

export function makeTraffic(name: TrafficName, seed: number, size: SizeName, end = trafficEnd()): Traffic {
  if (name === 'c') return generateTrafficC(seed, SIZES_C[size], end);
  if (name === 'd') return generateTrafficD(seed, SIZES_D[size], end);
  if (name === 'e') return generateTrafficE(seed, SIZES_E[size], end);
  if (name === 'f') return generateTrafficF(seed, SIZES_F[size], end);
  if (name === 'g') return generateTrafficG(seed, SIZES_G[size], end);
  return name === 'b' ? generateTrafficB(seed, SIZES_B[size], end) : generateTraffic(seed, SIZES[size], end);
}

/** `end`: the traffic's end (a run's figures depend on it: pass a past run's end to replay it; default 10 minutes before now). */
export async function runOne(seed: number, mode: Mode, size: SizeName, log?: (line: string) => void, trafficName: TrafficName = 'a', end = trafficEnd()): Promise<OneRun> {
  const s = SIZES[size];
  const traffic = makeTraffic(trafficName, seed, size, end);
  const run = await runHarness(traffic, mode, { windowMs: s.windowMs, log });
  return { seed, trafficName, mode, size, traffic, run, score: score(traffic, run) };
}

const pct = (x: number) => x.toFixed(2);
const min = (x: number | null) => (x === null ? '–' : x.toFixed(1));

export function formatRun(r: OneRun): string {
  const s = r.score;
  const d = r.run.delivery;
  const lines = [
    `traffic ${r.trafficName} · seed ${r.seed} · ${r.mode} · size ${r.size}: ${r.traffic.usage.length} usage + ${r.traffic.lifecycle.length} lifecycle events, ${r.traffic.attacks.length} attacks, ${r.run.detectionRuns} detection runs, ${r.run.seconds.toFixed(0)} s; traffic ends ${new Date(r.traffic.end).toISOString().replace('.000Z', 'Z')} (--end replays it)`,
    `delivery: usage ${d.usageAccepted}/${d.usageSent} accepted; lifecycle ${d.lifecycleAccepted}/${d.lifecycleSent} accepted (key role ${d.lifecycleRole})`,
    ...Object.entries(d.usageRejected).map(([why, n]) => `  usage refused ×${n}: ${why}`),
    ...Object.entries(d.lifecycleRejected).map(([why, n]) => `  lifecycle refused ×${n}: ${why}`),
    '',
    '| kind | attacks | detected | recall | by own detector | median TTD (min) |',
    '| --- | --- | --- | --- | --- | --- |',
    ...s.kinds.map((k) => `| ${k.kind} | ${k.attacks} | ${k.detected} | ${pct(k.recall)} | ${k.byOwnDetector} | ${min(k.medianTtdMin)} |`),
    `| **all** | ${r.traffic.attacks.length} | | ${pct(s.recallAll)} | | ${min(s.medianTtdMin)} |`,
    '',
    `precision of flagged subjects: ${pct(s.precision)} (${s.flaggedSubjects} subjects, ${s.falseSubjects.length} benign)`,
    `benign tokens flagged per 1,000 per day: ${s.benignPer1000PerDay.toFixed(1)} (${s.benignFlaggedTokenDays} of ${s.benignTokenDays} token-days)`,
    `benign principals (user, else client, else key) flagged per 1,000 per day: ${s.benignPrincipalsPer1000PerDay.toFixed(1)} (${s.benignFlaggedPrincipalDays} of ${s.benignPrincipalDays} principal-days)`,
    `flags per detector (matched/all): ${Object.entries(s.detectors).map(([k, v]) => `${k} ${v.matched}/${v.flags}`).join(', ') || 'none'}`,
    `flags the default policy revokes on its own (automatic detectors, high or critical, naming a token; matched/all): ${Object.entries(s.detectors).filter(([, v]) => v.acting.flags > 0).map(([k, v]) => `${k} ${v.acting.matched}/${v.acting.flags}`).join(', ') || 'none'}`,
    `false positives by population: ${Object.entries(s.falseByPopulation).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`,
  ];
  const missed = s.kinds.flatMap((k) => k.missed);
  if (missed.length) lines.push(`missed: ${missed.join(', ')}`);
  return lines.join('\n');
}

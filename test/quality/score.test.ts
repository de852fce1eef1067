/** The scorer's matching rules, on a generated set's ground truth. */
import { describe, expect, it } from 'vitest';
import { fp, type RunResult } from './harness.js';
import { score } from './score.js';
import { generateTrafficF, SIZES_F } from './traffic-f.js';

describe('quality scorer', () => {
  const traffic = generateTrafficF(61, SIZES_F.test, Date.parse('2026-12-07T22:00:00Z'));
  const run = (flags: RunResult['flags']): RunResult => ({ mode: 'backfill', flags, seenAt: new Map(), delivery: {} as RunResult['delivery'], detectionRuns: 1, seconds: 0 });
  const attack = traffic.attacks.find((a) => a.tokens.some((raw) => traffic.tokens.get(raw)?.appId))!;
  const app = traffic.tokens.get(attack.tokens.find((raw) => traffic.tokens.get(raw)?.appId)!)!.appId;
  const at = new Date(attack.start + 60_000).toISOString();

  it('counts an app-wide flag on an attacked token’s app as the attack’s, and one on another app as benign', () => {
    const other = [...traffic.tokens.values()].map((t) => t.appId).find((a) => a && !traffic.attacks.some((x) => x.tokens.some((raw) => traffic.tokens.get(raw)?.appId === a)));
    expect(other, 'an app no attack touches').toBeTruthy();
    const flags = [
      { flag_id: 'f1', detector: attack.kind, subject_type: 'app', subject: app, window_start: at, window_end: at },
      { flag_id: 'f2', detector: attack.kind, subject_type: 'app', subject: other!, window_start: at, window_end: at },
    ];
    const s = score(traffic, run(flags));
    expect(s.falseSubjects.map((f) => f.subject)).toEqual([`app:${other}`]);
  });

  it('still matches a token flag by fingerprint', () => {
    const s = score(traffic, run([{ flag_id: 'f3', detector: attack.kind, subject_type: 'token', subject: fp(attack.tokens[0]!), window_start: at, window_end: at }]));
    expect(s.falseSubjects).toEqual([]);
  });
});

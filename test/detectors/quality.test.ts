/**
 * Detection quality on simulated traffic (fixed seed): every detector finds at least 90 %
 * of the attacks of its kind, and at most one benign token per thousand per simulated day
 * is flagged at all. The simulator mixes in the benign behaviours that fool naive rules
 * (heavy machine clients, nightly batch bursts, mobile carriers, a corporate NAT,
 * travellers, VPN users, refresh rotation).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DETECTOR_NAMES } from '../../src/config.js';
import type { Flag } from '../../src/detectors/flags.js';
import { fingerprint } from '../../src/ingest/fingerprint.js';
import { startServer, type Server } from '../../src/server.js';
import { generate, post, type Simulation } from '../../src/simulate/index.js';
import { KEYS, tempDir, testConfig } from '../helpers.js';

const SEED = 20261124;
const TOKENS = 1000;
const DAYS = 3;
/** A flag counts for an attack when its window overlaps the attack, give or take this much. */
const SLACK_MS = 30 * 60_000;

let server: Server;
let sim: Simulation;
let flags: Flag[] = [];

beforeAll(async () => {
  server = await startServer(testConfig(tempDir()), { geo: true, schedule: false });
  sim = generate({ seed: SEED, tokens: TOKENS, days: DAYS });
  await post(sim, { url: server.url, key: KEYS.ingest, idpKey: KEYS.idp });
  await server.ctx.flusher.drained(300_000);
  const first = sim.events[0]!.ts;
  await server.ctx.runner.run({ from: new Date(Date.parse(first) - 60_000), to: new Date() }, 'cli');
  flags = await server.ctx.runner.store.list({ limit: 100_000, offset: 0 });
}, 900_000);
afterAll(async () => server?.close());

describe('on simulated traffic', () => {
  it.each(DETECTOR_NAMES)('%s finds at least 90 %% of its attacks', (detector) => {
    const pepper = server.ctx.secrets.pepper;
    const labels = sim.labels.filter((l) => l.detector === detector);
    expect(labels.length, `the simulation has no ${detector} attack`).toBeGreaterThan(0);
    const found = labels.filter((l) => {
      const subject = l.subject_type === 'token' ? fingerprint(pepper, l.subject) : l.subject;
      const from = Date.parse(l.from) - SLACK_MS;
      const to = Date.parse(l.to) + SLACK_MS;
      return flags.some((f) => f.detector === detector && f.subject === subject && Date.parse(f.window_end) >= from && Date.parse(f.window_start) <= to);
    });
    const missed = labels.filter((l) => !found.includes(l)).map((l) => `${l.note} (${l.from})`);
    expect(found.length / labels.length, `missed: ${missed.join('; ')}`).toBeGreaterThanOrEqual(0.9);
  });

  it('flags at most one benign token per 1,000 per simulated day', () => {
    const pepper = server.ctx.secrets.pepper;
    const benign = new Map(sim.benignTokens.map((t) => [fingerprint(pepper, t), t]));
    const flagged = new Map<string, Flag[]>();
    for (const f of flags) {
      const raw = benign.get(f.token_fingerprint || f.subject);
      if (raw !== undefined) flagged.set(raw, [...(flagged.get(raw) ?? []), f]);
    }
    const rate = (flagged.size / benign.size / DAYS) * 1000;
    const detail = [...flagged].map(([raw, fs]) => `${sim.behaviours[raw]}: ${fs.map((f) => `${f.detector} "${f.explanation}"`).join(', ')}`);
    expect(rate, detail.join('\n')).toBeLessThanOrEqual(1);
  });
});

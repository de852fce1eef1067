/**
 * The traffic simulator: deterministic, inside the ingest's time bounds, valid by the
 * contract, consistent with the server's own geolocation, every benign behaviour and every
 * detector's attack present and shaped as documented; post() sends it all, in order, and
 * retries when the server asks it to wait.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DETECTOR_NAMES } from '../../src/config.js';
import { usageEventSchema } from '../../src/ingest/event-schema.js';
import { isPublicIp, openGeo } from '../../src/ingest/geo.js';
import { distanceKm } from '../../src/simulate/cities.js';
import { BEHAVIOURS, generate, post, simulateCommand, SimulateUsageError, writeLabels, type Simulation, type UsageEvent } from '../../src/simulate/index.js';
import { lifecycleEventSchema } from '../../src/ingest/lifecycle.js';
import { tempDir, testConfig } from '../helpers.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const ms = (ts: string) => Date.parse(ts);

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

describe('generate: determinism', () => {
  const end = new Date('2025-03-01T00:00:00Z');
  it('gives identical output for the same seed and different output for another', () => {
    const digest = (sim: Simulation) => createHash('sha256').update(JSON.stringify(sim)).digest('hex');
    const a = generate({ seed: 7, tokens: 60, days: 1, end });
    const b = generate({ seed: 7, tokens: 60, days: 1, end });
    const c = generate({ seed: 8, tokens: 60, days: 1, end });
    expect(b.events.length).toBe(a.events.length);
    expect(digest(b)).toBe(digest(a));
    expect(c.events.length).not.toBe(a.events.length);
    expect(c.benignTokens).not.toEqual(a.benignTokens);
    expect(c.labels.map((l) => l.subject)).not.toEqual(a.labels.map((l) => l.subject));
  });

  it('ends every attack an hour before the simulation, whatever minute it ends at', () => {
    // Seed 7 ending at 21:33 once put its impossible-travel replay at 21:37: after the end,
    // where no detection could see it (the quality test then failed at some times of day).
    for (const at of ['2026-12-07T21:33:00Z', '2026-12-07T21:35:00Z', '2026-12-07T09:12:00Z']) {
      const sim = generate({ seed: 7, tokens: 600, days: 2, end: new Date(at) });
      const late = sim.labels.filter((l) => Date.parse(l.to) > Date.parse(at) - 30 * 60_000).map((l) => `${l.detector}: ${l.note} (${l.from}–${l.to})`);
      expect(late, `ending at ${at}`).toEqual([]);
    }
  });

  it('refuses options it cannot honour', () => {
    expect(() => generate({ seed: 1, tokens: 10, days: 7 })).toThrow(/tokens/);
    expect(() => generate({ seed: 1, tokens: 100, days: 40 })).toThrow(/days/);
    expect(() => generate({ seed: 1.5, tokens: 100, days: 7 })).toThrow(/seed/);
  });
});

describe('generate: 300 tokens over 7 days', () => {
  let sim: Simulation;
  let now: number;
  let byToken: Map<string, UsageEvent[]>;
  const behaviourOf = (token: string) => sim.behaviours[token];

  beforeAll(() => {
    now = Date.now();
    sim = generate({ seed: 20240601, tokens: 300, days: 7, end: new Date(now) });
    byToken = groupBy(sim.events, (e) => e.token);
  });

  it('has a labelled attack for every detector, and both subjects of auth_failures', () => {
    const detectors = new Set(sim.labels.map((l) => l.detector));
    expect([...detectors].sort()).toEqual([...DETECTOR_NAMES].sort());
    const auth = sim.labels.filter((l) => l.detector === 'auth_failures').map((l) => l.subject_type);
    expect(auth).toContain('token');
    expect(auth).toContain('ip');
    for (const l of sim.labels) {
      expect(ms(l.from)).toBeLessThanOrEqual(ms(l.to));
      expect(l.note.length).toBeGreaterThan(10);
    }
  });

  it('keeps every timestamp inside [now − 29 d, now], sorted', () => {
    const floor = now - 29 * DAY;
    for (const list of [sim.events, sim.lifecycle]) {
      let unsorted = 0;
      for (let i = 1; i < list.length; i++) if (list[i]!.ts < list[i - 1]!.ts) unsorted += 1;
      expect(unsorted).toBe(0);
      expect(ms(list[0]!.ts)).toBeGreaterThanOrEqual(floor);
      expect(ms(list.at(-1)!.ts)).toBeLessThanOrEqual(now);
    }
    for (const l of sim.labels) expect(ms(l.from)).toBeGreaterThanOrEqual(floor);
  });

  it('produces contract-valid usage and lifecycle events with unique ids and public addresses', () => {
    const usage = usageEventSchema({ maxStringLength: 2048, maxFutureSkewMs: 300_000, maxAgeMs: 30 * DAY });
    const lifecycle = lifecycleEventSchema(testConfig(tempDir()));
    const ids = new Set<string>();
    const badIps = new Set<string>();
    for (const e of sim.events) {
      const parsed = usage.safeParse(e);
      if (!parsed.success) throw new Error(`invalid event ${JSON.stringify(e)}: ${parsed.error.message}`);
      ids.add(e.event_id);
      if (!isPublicIp(e.ip)) badIps.add(e.ip);
    }
    for (const e of sim.lifecycle) {
      const parsed = lifecycle.safeParse(e);
      if (!parsed.success) throw new Error(`invalid lifecycle event ${JSON.stringify(e)}: ${parsed.error.message}`);
      ids.add(e.event_id);
    }
    expect(ids.size).toBe(sim.events.length + sim.lifecycle.length);
    expect([...badIps]).toEqual([]);
    expect(sim.events.some((e) => e.ip.includes(':'))).toBe(true);
  });

  it('sends the location the server itself would derive, and leaves it out only on benign events', async () => {
    const geo = await openGeo();
    try {
      const seen = new Set<string>();
      let checked = 0;
      for (const e of sim.events) {
        if (e.country === undefined || seen.has(e.ip) || seen.size > 3000) continue;
        seen.add(e.ip);
        const g = geo.lookup(e.ip);
        expect({ ip: e.ip, country: g?.country, city: g?.city, asn: g?.asn }).toEqual({ ip: e.ip, country: e.country, city: e.city, asn: e.asn });
        expect(Math.abs(g!.lat! - e.lat!) + Math.abs(g!.lon! - e.lon!)).toBeLessThan(0.01);
        checked += 1;
      }
      expect(checked).toBeGreaterThan(1000);
    } finally {
      geo.close();
    }
    const omitted = sim.events.filter((e) => e.country === undefined);
    expect(omitted.length / sim.events.length).toBeGreaterThan(0.02);
    expect(omitted.length / sim.events.length).toBeLessThan(0.08);
    const benign = new Set(sim.benignTokens);
    for (const e of omitted) {
      expect(benign.has(e.token)).toBe(true);
      expect(e).not.toHaveProperty('asn');
    }
  });

  it('has every benign behaviour among benign tokens', () => {
    const present = new Set(sim.benignTokens.map(behaviourOf));
    for (const b of BEHAVIOURS) if (b !== 'dormant') expect(present, b).toContain(b);
    for (const token of sim.benignTokens) expect(byToken.has(token) || sim.lifecycle.some((l) => l.token === token)).toBe(true);
  });

  it('attacks a token only after two days of its holder’s history', () => {
    // A holder is a user (people, OAuth families) or an app (machines).
    const holderOf = new Map<string, string>();
    for (const e of sim.events) holderOf.set(e.token, e.user_id ?? e.app_id ?? e.token);
    for (const e of sim.lifecycle) if (e.user_id) holderOf.set(e.token, e.user_id);
    const firstUse = new Map<string, number>();
    for (const e of sim.events) {
      const holder = e.user_id ?? e.app_id;
      if (holder && !firstUse.has(holder)) firstUse.set(holder, ms(e.ts));
    }
    const tokenLabels = sim.labels.filter((l) => l.subject_type === 'token');
    expect(tokenLabels.length).toBeGreaterThanOrEqual(8);
    for (const l of tokenLabels) {
      const holder = holderOf.get(l.subject);
      expect(holder, l.subject).toBeDefined();
      expect(ms(l.from) - firstUse.get(holder!)!, `${l.detector} ${l.subject}`).toBeGreaterThanOrEqual(2 * DAY);
    }
  });

  it('puts at least 100 tokens behind one corporate NAT address', () => {
    const tokensByIp = new Map<string, Set<string>>();
    const benign = new Set(sim.benignTokens);
    for (const e of sim.events) {
      if (!benign.has(e.token)) continue;
      let set = tokensByIp.get(e.ip);
      if (!set) tokensByIp.set(e.ip, (set = new Set()));
      set.add(e.token);
    }
    const [ip, tokens] = [...tokensByIp].sort((a, b) => b[1].size - a[1].size)[0]!;
    expect(tokens.size, ip).toBeGreaterThanOrEqual(100);
    expect(new Set([...tokens].map(behaviourOf))).toEqual(new Set(['corporate_nat']));
  });

  it('flies travellers no faster than an airliner, abroad and back', () => {
    const travellers = sim.benignTokens.filter((t) => behaviourOf(t) === 'traveller');
    let abroad = 0;
    for (const token of travellers) {
      const uses = (byToken.get(token) ?? []).filter((e) => e.lat !== undefined);
      expect(uses.length).toBeGreaterThan(10);
      if (new Set(uses.map((e) => e.country)).size > 1) abroad += 1;
      for (let i = 1; i < uses.length; i++) {
        const a = uses[i - 1]!;
        const b = uses[i]!;
        const km = distanceKm(a.lat!, a.lon!, b.lat!, b.lon!);
        if (km < 100) continue; // GeoIP granularity inside one metro area
        const hours = (ms(b.ts) - ms(a.ts)) / HOUR;
        expect(km / hours, `${token} ${a.city} -> ${b.city}`).toBeLessThan(900);
      }
    }
    expect(abroad).toBeGreaterThan(0);
  });

  it('shapes the alarming benign behaviours as documented', () => {
    const tokensOf = (b: string) => sim.benignTokens.filter((t) => behaviourOf(t) === b && byToken.has(t));
    const perHour = (events: UsageEvent[]) => {
      const counts = new Map<number, number>();
      for (const e of events) counts.set(Math.floor(ms(e.ts) / HOUR), (counts.get(Math.floor(ms(e.ts) / HOUR)) ?? 0) + 1);
      return counts;
    };
    // Heavy machines: thousands of requests in an hour.
    for (const t of tokensOf('heavy_machine')) expect(Math.max(...perHour(byToken.get(t)!).values())).toBeGreaterThan(1000);
    // Batch jobs: the nightly burst dwarfs the usual hour, at the same UTC hour every day (±1 h).
    for (const t of tokensOf('batch_job')) {
      const hours = perHour(byToken.get(t)!);
      const sorted = [...hours.values()].sort((a, b) => a - b);
      const median = sorted[Math.floor(sorted.length / 2)]!;
      const peaks = [...groupBy([...hours], ([h]) => String(Math.floor((h * HOUR) / DAY))).values()].map((day) => day.sort((a, b) => b[1] - a[1])[0]!);
      const full = peaks.slice(1, -1);
      for (const [h, n] of full) {
        expect(n).toBeGreaterThan(8 * median);
        expect(Math.abs((h % 24) - (full[0]![0] % 24))).toBeLessThanOrEqual(1);
      }
    }
    // Mobile: many addresses, one carrier per session, cities across the country.
    for (const t of tokensOf('mobile')) {
      const cellular = byToken.get(t)!.filter((e) => e.country !== undefined);
      expect(new Set(cellular.map((e) => e.ip)).size).toBeGreaterThan(3);
      expect(new Set(cellular.map((e) => e.country)).size).toBe(1);
    }
    expect(tokensOf('mobile').some((t) => new Set(byToken.get(t)!.map((e) => e.city)).size > 1)).toBe(true);
    // VPN: two places from the first day on.
    for (const t of tokensOf('vpn_egress')) {
      const events = byToken.get(t)!.filter((e) => e.asn !== undefined);
      const firstDay = events.filter((e) => ms(e.ts) < ms(events[0]!.ts) + 1.5 * DAY);
      expect(new Set(firstDay.map((e) => e.asn)).size, t).toBeGreaterThan(1);
    }
    // Serverless: dozens of addresses an hour, one ASN.
    for (const t of tokensOf('serverless_fanout')) {
      const events = byToken.get(t)!;
      expect(new Set(events.map((e) => e.ip)).size).toBeGreaterThan(30);
      expect(new Set(events.filter((e) => e.asn).map((e) => e.asn)).size).toBe(1);
    }
  });

  it('rotates refresh tokens cleanly except where refresh_reuse is labelled', () => {
    const reused = new Set(sim.labels.filter((l) => l.detector === 'refresh_reuse').map((l) => l.subject));
    const refreshed = sim.lifecycle.filter((e) => e.event === 'refreshed');
    expect(refreshed.length).toBeGreaterThan(50);
    const byParent = groupBy(refreshed, (e) => e.rotated_from!);
    for (const [parent, children] of byParent) if (children.length > 1) expect(reused).toContain(parent);
    for (const e of refreshed) {
      if (reused.has(e.rotated_from!)) continue;
      // Presented once, at the token endpoint, when rotated (the IdP clock may run up to 1.5 s behind).
      const uses = byToken.get(e.rotated_from!) ?? [];
      expect(uses.length).toBeLessThanOrEqual(1);
      for (const u of uses) expect(Math.abs(ms(u.ts) - ms(e.ts))).toBeLessThanOrEqual(2000);
    }
    for (const subject of reused) {
      const uses = byToken.get(subject)!;
      expect(uses.every((u) => u.token_type === 'refresh_token' && u.path === '/oauth/token')).toBe(true);
      expect(uses.length).toBeGreaterThan(1);
    }
  });

  it('enforces benign revocations (401 after a propagation delay) and labels the unenforced one', () => {
    const revoked = sim.lifecycle.filter((e) => e.event === 'revoked');
    const labelled = new Set(sim.labels.filter((l) => l.detector === 'revoked_use').map((l) => l.subject));
    expect(revoked.some((e) => !labelled.has(e.token))).toBe(true);
    for (const r of revoked) {
      const after = (byToken.get(r.token) ?? []).filter((u) => ms(u.ts) > ms(r.ts));
      const passed = after.filter((u) => u.status < 300);
      if (labelled.has(r.token)) {
        expect(passed.length).toBeGreaterThan(3);
      } else {
        expect(after.filter((u) => u.status === 401).length).toBeGreaterThan(0);
        expect(passed.every((u) => ms(u.ts) - ms(r.ts) <= 30_000)).toBe(true);
        expect(passed.length).toBeLessThanOrEqual(1);
      }
    }
  });

  it('makes the attacks look as labelled', () => {
    for (const l of sim.labels) {
      const inRange = (e: UsageEvent) => ms(e.ts) >= ms(l.from) && ms(e.ts) <= ms(l.to);
      if (l.subject_type === 'ip') {
        const hits = sim.events.filter((e) => e.ip === l.subject && inRange(e));
        expect(hits.length).toBeGreaterThan(100);
        expect(hits.every((e) => e.status === 401)).toBe(true);
        expect(new Set(hits.map((e) => e.token)).size).toBe(hits.length);
        continue;
      }
      const events = (byToken.get(l.subject) ?? []).filter(inRange);
      expect(events.length, `${l.detector} ${l.subject}`).toBeGreaterThan(0);
      expect(events.every((e) => e.country !== undefined)).toBe(true);
      if (l.detector === 'ip_fanout') {
        expect(new Set(events.map((e) => e.ip)).size).toBeGreaterThanOrEqual(25);
        expect(new Set(events.map((e) => e.country)).size).toBeGreaterThanOrEqual(5);
        expect(ms(l.to) - ms(l.from)).toBeLessThanOrEqual(15 * 60_000);
      }
      if (l.detector === 'auth_failures') expect(events.filter((e) => e.status === 401 || e.status === 403).length).toBeGreaterThan(30);
      if (l.detector === 'dormant_reuse') {
        const before = (byToken.get(l.subject) ?? []).filter((e) => ms(e.ts) < ms(l.from));
        expect(ms(l.from) - ms(before.at(-1)!.ts)).toBeGreaterThanOrEqual(20 * DAY);
        const countries = new Set(before.map((e) => e.country));
        expect(events.some((e) => !countries.has(e.country))).toBe(true);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------

interface Received {
  path: string;
  contentType: string | undefined;
  authorization: string | undefined;
  body: string;
  at: number;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

describe('post', () => {
  let server: Server;
  let url: string;
  let received: Received[] = [];
  /** How the fake server answers the next requests (then 202). */
  let script: { status: number; headers?: Record<string, string>; body: string }[] = [];
  let dir: string;
  let sim: Simulation;

  beforeAll(async () => {
    sim = generate({ seed: 3, tokens: 60, days: 1.5, end: new Date() });
    dir = await mkdtemp(path.join(tmpdir(), 'tokenwatch-simulate-'));
    server = createServer((req, res) => {
      void readBody(req).then((body) => {
        received.push({ path: req.url ?? '', contentType: req.headers['content-type'], authorization: req.headers.authorization, body, at: Date.now() });
        const next = script.shift();
        if (next) {
          res.writeHead(next.status, { 'content-type': 'application/json', ...next.headers });
          res.end(next.body);
          return;
        }
        const n = req.headers['content-type']?.startsWith('application/x-ndjson') ? body.split('\n').filter(Boolean).length : (JSON.parse(body) as unknown[]).length;
        res.writeHead(202, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ accepted: n, duplicates: 0, rejected: [] }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it('sends every event, lifecycle before the usage it precedes, and waits out a 503 with Retry-After', async () => {
    received = [];
    script = [{ status: 503, headers: { 'retry-after': '1' }, body: JSON.stringify({ error: { code: 'overloaded', message: 'retry later' } }) }];
    const progress: number[] = [];
    const result = await post(sim, { url, key: 'test-ingest-key-0123456789' }, { batchSize: 2000, concurrency: 2, onProgress: (n) => progress.push(n) });

    expect(result).toEqual({ events: sim.events.length, lifecycle: sim.lifecycle.length });
    expect(progress.at(-1)).toBe(sim.events.length);
    const ok = received.slice(1);
    const usage = ok.filter((r) => r.path === '/v1/events');
    const tokens = ok.filter((r) => r.path === '/v1/tokens');
    const lines = usage.flatMap((r) => r.body.split('\n').filter(Boolean));
    expect(lines.length).toBe(sim.events.length);
    expect(new Set(lines.map((l) => (JSON.parse(l) as UsageEvent).event_id))).toEqual(new Set(sim.events.map((e) => e.event_id)));
    expect(tokens.flatMap((r) => JSON.parse(r.body) as unknown[]).length).toBe(sim.lifecycle.length);
    for (const r of received) {
      expect(r.authorization).toBe('Bearer test-ingest-key-0123456789');
      expect(r.contentType).toBe(r.path === '/v1/events' ? 'application/x-ndjson' : 'application/json');
    }
    // The refused batch came again, at least a second later.
    expect(received[1]!.body).toBe(received[0]!.body);
    expect(received[1]!.at - received[0]!.at).toBeGreaterThanOrEqual(950);
    // Every lifecycle event reached the server before any usage event that is later than it.
    const lifecycleSent = new Map<string, number>();
    ok.forEach((r, i) => {
      if (r.path === '/v1/tokens') for (const e of JSON.parse(r.body) as { event_id: string }[]) lifecycleSent.set(e.event_id, i);
    });
    ok.forEach((r, i) => {
      if (r.path !== '/v1/events') return;
      const last = (JSON.parse(r.body.trimEnd().split('\n').at(-1)!) as UsageEvent).ts;
      for (const l of sim.lifecycle) if (l.ts <= last) expect(lifecycleSent.get(l.event_id)!).toBeLessThan(i);
    });
  });

  it('sends lifecycle events with the idp key and usage with the ingest key; a 403 on lifecycle says to pass --idp-key', async () => {
    received = [];
    script = [];
    await post(sim, { url, key: 'gateway-ingest-key', idpKey: 'identity-provider-key' }, { batchSize: 5000 });
    const byPath = (p: string) => new Set(received.filter((r) => r.path === p).map((r) => r.authorization));
    expect(byPath('/v1/tokens')).toEqual(new Set(['Bearer identity-provider-key']));
    expect(byPath('/v1/events')).toEqual(new Set(['Bearer gateway-ingest-key']));
    script = [{ status: 403, body: JSON.stringify({ error: { code: 'forbidden', message: '1 event(s) need a key with role idp or admin', details: [] } }) }];
    await expect(post(sim, { url, key: 'k' })).rejects.toThrow(/403 forbidden: .*pass --idp-key/);
  });

  it('throws on a 4xx with the server’s message', async () => {
    script = [{ status: 400, body: JSON.stringify({ error: { code: 'invalid_events', message: 'no valid event in the request', details: [] } }) }];
    await expect(post(sim, { url, key: 'k' })).rejects.toThrow(/400 invalid_events: no valid event in the request/);
    script = [{ status: 401, body: JSON.stringify({ error: { code: 'unauthorized', message: 'missing or wrong API key' } }) }];
    await expect(post(sim, { url, key: 'k' })).rejects.toThrow(/401 unauthorized/);
  });

  it('a server it cannot reach is named with the reason, and each wait is said, not silent backoff', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const waits: string[] = [];
    await expect(post(sim, { url: `http://127.0.0.1:${port}`, key: 'k' }, { maxAttempts: 2, onRetry: (m) => waits.push(m) })).rejects.toThrow(
      `POST /v1/tokens: cannot reach http://127.0.0.1:${port}/v1/tokens: ECONNREFUSED (after 2 attempts)`,
    );
    expect(waits).toEqual([`cannot reach http://127.0.0.1:${port}/v1/tokens: ECONNREFUSED; retrying in 0.5 s (attempt 1 of 2)`]);
  });

  it('writes labels and behaviours, and no key', async () => {
    const file = path.join(dir, 'out', 'labels.json');
    await writeLabels(sim, file);
    const text = await readFile(file, 'utf8');
    const written = JSON.parse(text) as { labels: unknown[]; behaviours: Record<string, string>; benign_tokens: string[] };
    expect(written.labels).toEqual(sim.labels);
    expect(written.behaviours).toEqual(sim.behaviours);
    expect(written.benign_tokens).toEqual(sim.benignTokens);
    expect(text).not.toContain('test-ingest-key');
  });
});

describe('simulateCommand', () => {
  it('generates and writes labels on --dry-run, and rejects bad arguments', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tokenwatch-simulate-cli-'));
    try {
      const file = path.join(dir, 'labels.json');
      const lines: string[] = [];
      await simulateCommand(['--dry-run', '--seed', '4', '--tokens', '50', '--days', '1', '--labels', file], (line) => lines.push(line));
      expect(lines[0]).toMatch(/^generated \d+ usage events, \d+ lifecycle events, 9 labelled attacks/);
      expect((JSON.parse(await readFile(file, 'utf8')) as { labels: unknown[] }).labels).toHaveLength(9);
      await expect(simulateCommand(['--tokens', '50'])).rejects.toThrow(SimulateUsageError);
      await expect(simulateCommand(['--dry-run', '--days', '45'])).rejects.toThrow(/--days must be at most 29/);
      await expect(simulateCommand(['--dry-run', '--tokens', 'many'])).rejects.toThrow(/--tokens must be a number/);
      await expect(simulateCommand(['--dry-run', '--bogus'])).rejects.toThrow(SimulateUsageError);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

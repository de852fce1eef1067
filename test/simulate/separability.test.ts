/**
 * The simulation is fair to detectors: naive rules fire on the benign behaviours (so they
 * test something), while rules that look at behaviour — a token against its own history —
 * catch every labelled attack and flag no benign token. These reference rules are not the
 * product's detectors; they show that the labels are reachable without knowing the generator.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DETECTOR_NAMES } from '../../src/config.js';
import { distanceKm } from '../../src/simulate/cities.js';
import { generate, type Simulation, type UsageEvent } from '../../src/simulate/index.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const ms = (ts: string) => Date.parse(ts);

let sim: Simulation;
let byToken: Map<string, UsageEvent[]>;
let benign: Set<string>;

beforeAll(() => {
  sim = generate({ seed: 99, tokens: 300, days: 7 });
  byToken = new Map();
  for (const e of sim.events) {
    const list = byToken.get(e.token);
    if (list) list.push(e);
    else byToken.set(e.token, [e]);
  }
  benign = new Set(sim.benignTokens);
});

function count<K>(keys: Iterable<K>): Map<K, number> {
  const out = new Map<K, number>();
  for (const k of keys) out.set(k, (out.get(k) ?? 0) + 1);
  return out;
}

/** Reference rules, each a token (or IP) against its own history. */
function referenceFlags(): Map<string, Set<string>> {
  const flags = new Map<string, Set<string>>(DETECTOR_NAMES.map((d) => [d, new Set<string>()]));
  const flag = (detector: string, subject: string) => flags.get(detector)!.add(subject);
  for (const [token, events] of byToken) {
    const first = ms(events[0]!.ts);
    // rate_spike: a 5-minute count ≥ 100 and > 10× the token's own earlier 5-minute peak, after a
    // day of history or once the token has a peak of its own (an access token hours old: the
    // simulation ends at the wall clock, so an attack may fall on a token younger than a day).
    // A token's first 5 minutes are a partial bucket (its first use, or the simulation's
    // start): no peak (a heavy machine's first 18 s made "13", then 162 looked like a spike).
    let peak = 0;
    const buckets = [...count(events.map((e) => Math.floor(ms(e.ts) / (5 * MINUTE))))].sort((a, b) => a[0] - b[0]);
    for (const [bucket, n] of buckets.slice(1)) {
      if ((bucket * 5 * MINUTE - first > DAY || peak > 0) && n >= 100 && n > 10 * Math.max(peak, 5)) flag('rate_spike', token);
      peak = Math.max(peak, n);
    }
    // ip_fanout: ≥ 20 addresses and ≥ 5 ASNs in 15 minutes.
    const windows = new Map<number, { ips: Set<string>; asns: Set<number> }>();
    for (const e of events) {
      const k = Math.floor(ms(e.ts) / (15 * MINUTE));
      const w = windows.get(k) ?? { ips: new Set(), asns: new Set() };
      w.ips.add(e.ip);
      if (e.asn !== undefined) w.asns.add(e.asn);
      windows.set(k, w);
    }
    for (const w of windows.values()) if (w.ips.size >= 20 && w.asns.size >= 5) flag('ip_fanout', token);
    // auth_failures: ≥ 20 401/403 in 10 minutes.
    for (const n of count(events.filter((e) => e.status === 401 || e.status === 403).map((e) => Math.floor(ms(e.ts) / (10 * MINUTE)))).values()) {
      if (n >= 20) flag('auth_failures', token);
    }
    const located = events.filter((e) => e.lat !== undefined);
    // impossible_travel: another country > 500 km away at > 1000 km/h, not seen for the token in the 12 h before.
    for (let i = 1; i < located.length; i++) {
      const a = located[i - 1]!;
      const b = located[i]!;
      if (a.country === b.country) continue;
      const km = distanceKm(a.lat!, a.lon!, b.lat!, b.lon!);
      const hours = Math.max((ms(b.ts) - ms(a.ts)) / HOUR, 1 / 60);
      const known = located.some((e) => ms(e.ts) < ms(b.ts) - 12 * HOUR && e.country === b.country);
      if (km > 500 && km / hours > 1000 && !known && ms(b.ts) - first > DAY) flag('impossible_travel', token);
    }
    // new_location: a country never seen, after 2 days, while the token is also used from a known country (±2 h).
    const seen = new Set<string>();
    for (const e of located) {
      const t = ms(e.ts);
      if (!seen.has(e.country!) && t - first > 2 * DAY) {
        if (located.some((o) => Math.abs(ms(o.ts) - t) < 2 * HOUR && o.country !== e.country && seen.has(o.country!))) flag('new_location', token);
      }
      seen.add(e.country!);
    }
    // dormant_reuse: ≥ 20 idle days, then a country or ASN the token never used.
    for (let i = 1; i < located.length; i++) {
      if (ms(located[i]!.ts) - ms(located[i - 1]!.ts) < 20 * DAY) continue;
      const before = located.slice(0, i);
      const e = located[i]!;
      if (!before.some((b) => b.country === e.country) || !before.some((b) => b.asn === e.asn)) flag('dormant_reuse', token);
    }
  }
  // auth_failures by address: ≥ 50 distinct tokens refused in 10 minutes.
  const refused = new Map<string, Set<string>>();
  for (const e of sim.events) {
    if (e.status !== 401 && e.status !== 403) continue;
    const k = `${e.ip}|${Math.floor(ms(e.ts) / (10 * MINUTE))}`;
    const set = refused.get(k) ?? new Set<string>();
    set.add(e.token);
    refused.set(k, set);
  }
  for (const [k, tokens] of refused) if (tokens.size >= 50) flag('auth_failures', k.split('|')[0]!);
  // revoked_use: a 2xx more than 60 s after the revocation (the gateway may take a few seconds to learn of it).
  for (const r of sim.lifecycle.filter((l) => l.event === 'revoked')) {
    if ((byToken.get(r.token) ?? []).some((e) => e.status < 300 && ms(e.ts) > ms(r.ts) + 60_000)) flag('revoked_use', r.token);
  }
  // refresh_reuse: two refreshed events with one parent, or the parent used > 5 s after it was rotated.
  const rotatedAt = new Map<string, number[]>();
  for (const r of sim.lifecycle.filter((l) => l.event === 'refreshed')) rotatedAt.set(r.rotated_from!, [...(rotatedAt.get(r.rotated_from!) ?? []), ms(r.ts)]);
  for (const [parent, times] of rotatedAt) {
    if (times.length > 1 || (byToken.get(parent) ?? []).some((e) => ms(e.ts) > Math.min(...times) + 5000)) flag('refresh_reuse', parent);
  }
  return flags;
}

describe('separability', () => {
  it('reference rules catch every labelled attack and flag no benign token', () => {
    const flags = referenceFlags();
    for (const detector of DETECTOR_NAMES) {
      const labels = sim.labels.filter((l) => l.detector === detector);
      expect(labels.length, detector).toBeGreaterThan(0);
      for (const l of labels) expect(flags.get(detector)!.has(l.subject), `${detector} missed ${l.subject}: ${l.note}`).toBe(true);
      const falsePositives = [...flags.get(detector)!].filter((s) => benign.has(s)).map((s) => `${sim.behaviours[s]} ${s}`);
      expect(falsePositives, detector).toEqual([]);
    }
  });

  it('naive rules fire on the benign behaviours', () => {
    const fired = new Map<string, Set<string>>();
    const fire = (rule: string, token: string) => fired.set(rule, (fired.get(rule) ?? new Set()).add(sim.behaviours[token]!));
    for (const [token, events] of byToken) {
      if (!benign.has(token)) continue;
      const hours = [...count(events.map((e) => Math.floor(ms(e.ts) / HOUR))).values()].sort((a, b) => a - b);
      if (hours.at(-1)! > 500) fire('more than 500 requests in an hour', token);
      if (hours.at(-1)! > 100 && hours.at(-1)! > 20 * hours[Math.floor(hours.length / 2)]!) fire('an hour above 20x the median hour', token);
      const ipsPerHour = new Map<number, Set<string>>();
      for (const e of events) ipsPerHour.set(Math.floor(ms(e.ts) / HOUR), (ipsPerHour.get(Math.floor(ms(e.ts) / HOUR)) ?? new Set()).add(e.ip));
      if (Math.max(...[...ipsPerHour.values()].map((s) => s.size)) >= 10) fire('10 addresses in an hour', token);
      const located = events.filter((e) => e.lat !== undefined);
      for (let i = 1; i < located.length; i++) {
        const a = located[i - 1]!;
        const b = located[i]!;
        const km = distanceKm(a.lat!, a.lon!, b.lat!, b.lon!);
        if (km > 300 && km / Math.max((ms(b.ts) - ms(a.ts)) / HOUR, 1 / 3600) > 1000) fire('300 km at 1000 km/h', token);
      }
      const countries = new Set<string>();
      for (const e of located) {
        if (!countries.has(e.country!) && ms(e.ts) - ms(located[0]!.ts) > DAY) fire('a new country after a day', token);
        countries.add(e.country!);
      }
      if (events.some((e) => e.status === 401)) fire('any 401', token);
      if (events.length > 0 && ms(events.at(-1)!.ts) - ms(events[0]!.ts) > 20 * DAY) fire('20 days between first and last use', token);
    }
    for (const r of sim.lifecycle) {
      if (!benign.has(r.token) && !benign.has(r.rotated_from ?? '')) continue;
      if (r.event === 'revoked' && (byToken.get(r.token) ?? []).some((e) => ms(e.ts) > ms(r.ts))) fire('any use after revocation', r.token);
      if (r.event === 'refreshed' && (byToken.get(r.rotated_from!) ?? []).some((e) => ms(e.ts) > ms(r.ts))) fire('any use after rotation', r.rotated_from!);
    }
    const tokensPerIp = new Map<string, Set<string>>();
    for (const e of sim.events) if (benign.has(e.token)) tokensPerIp.set(e.ip, (tokensPerIp.get(e.ip) ?? new Set()).add(e.token));
    for (const tokens of tokensPerIp.values()) if (tokens.size >= 50) for (const t of tokens) fire('50 tokens on one address', t);

    const alarmed = new Set([...fired.values()].flatMap((s) => [...s]));
    for (const behaviour of ['heavy_machine', 'batch_job', 'serverless_fanout', 'mobile', 'corporate_nat', 'vpn_egress', 'traveller', 'oauth_rotation', 'session_expiry', 'dormant_return', 'revoked_enforced']) {
      expect(alarmed, behaviour).toContain(behaviour);
    }
  });
});

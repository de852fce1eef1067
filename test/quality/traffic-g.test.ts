/**
 * The seventh generator's ground truth holds by construction: the checks every blind
 * generator must pass (ground-truth.ts), and what is particular to its populations.
 */
import { describe, expect, it } from 'vitest';
import { openGeo } from '../../src/ingest/geo.js';
import { describeGroundTruth, revocations } from './ground-truth.js';
import { Rng } from './rng.js';
import { trafficEnd } from './runner.js';
import { generateTrafficG, NETWORKS_G, SIZES_G } from './traffic-g.js';

const END = trafficEnd(Date.UTC(2026, 11, 8, 2, 10));
const traffic = generateTrafficG(71, SIZES_G.test, END);
const pop = (token: string) => traffic.tokens.get(token)!.population;

describeGroundTruth({
  name: 'seventh traffic set (g)',
  traffic,
  seed: 71,
  end: END,
  generate: (seed, end) => generateTrafficG(seed, SIZES_G.test, end),
  attacksPerKind: SIZES_G.test.attacksPerKind,
  otherRuns: [[72, 1, 3], [73, 3, 14], [9, 5, 23], [11, 7, 11], [74, 2, 19]],
  weekdays: [0, 1, 2, 4, 6],
  expiredAccess: 'refused',
  networks: NETWORKS_G,
});

describe('seventh traffic set (g): labels are honest', () => {
  it('ends at 2026-12-08T02:00:00Z (the run HOLDOUT-G.md tabulates)', () => {
    expect(new Date(END).toISOString()).toBe('2026-12-08T02:00:00.000Z');
  });

  it('every attack names the users of its tokens, and every event of an attack-only token is an attack\'s, from its addresses, after its start', () => {
    for (const a of traffic.attacks) {
      for (const t of a.tokens) {
        const u = traffic.tokens.get(t)!.userId;
        if (u) expect(a.users, `${a.id} names ${u}`).toContain(u);
      }
    }
    const owners = new Map<string, typeof traffic.attacks>();
    for (const a of traffic.attacks) for (const t of a.tokens) owners.set(t, [...(owners.get(t) ?? []), a]);
    const wrong: string[] = [];
    for (const e of traffic.usage) {
      if (!traffic.attackOnly.has(e.token)) continue;
      const list = owners.get(e.token) ?? [];
      if (!list.some((a) => a.ips.includes(e.ip) && e.ts >= a.start)) wrong.push(`${e.event_id} ${e.ip} ${list.map((a) => a.id).join(',') || 'unlabelled'}`);
    }
    expect(wrong.slice(0, 10)).toEqual([]);
  });

  it('every address an attack lists is used by the attack\'s tokens from its start', () => {
    for (const a of traffic.attacks) {
      const used = new Set(traffic.usage.filter((e) => e.ts >= a.start - 1_000 && a.tokens.includes(e.token)).map((e) => e.ip));
      for (const ip of a.ips) expect(used.has(ip), `${a.id} ${ip}`).toBe(true);
    }
  });

  it('attack addresses are the attacker\'s own, except for the variants that deliberately ride the victim\'s or its population\'s network', () => {
    const RIDING = new Set(['rate_spike-1', 'rate_spike-2', 'rate_spike-3', 'revoked_use-0', 'revoked_use-1', 'revoked_use-2', 'refresh_reuse-2']);
    const attackTokens = new Set(traffic.attacks.flatMap((a) => a.tokens));
    const benignIps = new Set(traffic.usage.filter((e) => !attackTokens.has(e.token) && !traffic.attackOnly.has(e.token)).map((e) => e.ip));
    const shared: string[] = [];
    for (const a of traffic.attacks) {
      if (RIDING.has(a.id)) continue;
      for (const ip of a.ips) if (benignIps.has(ip)) shared.push(`${a.id} ${ip}`);
    }
    expect(shared).toEqual([]);
    // The riding ones do share: that is their point.
    for (const id of ['rate_spike-2', 'revoked_use-0', 'refresh_reuse-2']) {
      const a = traffic.attacks.find((x) => x.id === id)!;
      expect(a.ips.some((ip) => benignIps.has(ip)), id).toBe(true);
    }
  });

  it('revoked_use: the partly enforcing gateway and the legacy API answer 401 as well as 200; the benign key rotation is refused', () => {
    const revokedAt = revocations(traffic);
    for (const id of ['revoked_use-1', 'revoked_use-3']) {
      const a = traffic.attacks.find((x) => x.id === id)!;
      const after = traffic.usage.filter((e) => a.tokens.includes(e.token) && e.ts > revokedAt.get(e.token)!);
      expect(after.some((e) => e.status === 401), id).toBe(true);
      expect(after.some((e) => e.status === 200), id).toBe(true);
    }
    const rotated = [...revokedAt.entries()].filter(([t]) => pop(t) === 'ev-charger' && !traffic.attacks.some((a) => a.tokens.includes(t)));
    expect(rotated.length).toBe(1);
    const [key, at] = rotated[0]!;
    const after = traffic.usage.filter((e) => e.token === key && e.ts > at);
    expect(after.length).toBe(1);
    expect(after[0]!.status).toBe(401);
  });
});

describe('seventh traffic set (g): populations are where their descriptions put them', () => {
  it('benign addresses geolocate (bundled MMDB) to the countries and networks each population claims (5% of events)', async () => {
    const geo = await openGeo({});
    const CLAIMS: Record<string, { countries: string[]; asns: number[] }> = {
      'mail-cloud-sync': { countries: ['IE', 'NL'], asns: [8075] },
      'mail-webmail': { countries: ['PL', 'ES', 'IT'], asns: [12741, 57269, 12479, 12874] },
      'vdi-desktop': { countries: ['DE'], asns: [8075] },
      'vdi-local': { countries: ['CZ', 'SK', 'HU'], asns: [5610, 6855, 5483] },
      'inflight-passenger': { countries: ['GB', 'CA', 'AU', 'US', 'IE'], asns: [5607, 852, 7545, 5650, 22351, 7155] },
      'ev-charger': { countries: ['GB', 'FR', 'ES', 'IT', 'SE', 'NL'], asns: [51320, 15557, 12479, 12874, 8473, 15435] },
      'msp-technician': { countries: ['IN'], asns: [24309, 17488] },
      'msp-rmm': { countries: ['US'], asns: [16509] },
      'eduroam-researcher': { countries: ['NL', 'CH', 'AT', 'SE', 'DE'], asns: [1103, 559, 760, 1653, 680, 50266, 15435, 33915] },
      'dual-sim-phone': { countries: ['IN'], asns: [55836, 55410, 45271, 38266, 17488] },
      'ipv6-privacy': { countries: ['FR', 'GB', 'JP'], asns: [12322, 5607, 2516] },
      dormant: { countries: ['IE', 'NL', 'FR', 'US'], asns: [8075, 1103, 16276, 16509] },
    };
    const attackedFrom = new Map<string, number>();
    for (const a of traffic.attacks) for (const t of a.tokens) attackedFrom.set(t, Math.min(attackedFrom.get(t) ?? Infinity, a.start));
    const wrong: string[] = [];
    const seen = new Map<string, number>();
    const rng = new Rng('g-sample');
    for (const e of traffic.usage) {
      const p = pop(e.token);
      const claim = CLAIMS[p];
      if (!claim || e.ts >= (attackedFrom.get(e.token) ?? Infinity) || traffic.attackOnly.has(e.token) || !rng.chance(0.05)) continue;
      seen.set(p, (seen.get(p) ?? 0) + 1);
      const got = geo.lookup(e.ip);
      if (!got || !claim.countries.includes(got.country ?? '') || !claim.asns.includes(got.asn ?? -1)) wrong.push(`${p} ${e.ip}: ${got?.country}/${got?.asn}`);
    }
    geo.close();
    expect(wrong.slice(0, 20)).toEqual([]);
    for (const p of Object.keys(CLAIMS)) expect(seen.get(p) ?? 0, p).toBeGreaterThan(p === 'dormant' ? 5 : 20);
  });

  it('the populations behave as described: shared sync workers, a home line and a cloud region per desktop user, jumping flights, two carriers per phone, daily IPv6 addresses', async () => {
    const geo = await openGeo({});
    const benign = traffic.usage.filter((e) => !traffic.attackOnly.has(e.token) && e.ts < traffic.warmEnd);
    const group = <K, V>(f: (e: (typeof benign)[number]) => [K, V] | undefined) => {
      const m = new Map<K, Set<V>>();
      for (const e of benign) { const kv = f(e); if (!kv) continue; const s = m.get(kv[0]) ?? new Set<V>(); s.add(kv[1]); m.set(kv[0], s); }
      return m;
    };
    // Every sync worker address carries many users' tokens.
    const usersPerSyncIp = group((e) => (pop(e.token) === 'mail-cloud-sync' ? [e.ip, e.user_id] : undefined));
    expect(Math.min(...[...usersPerSyncIp.values()].map((s) => s.size))).toBeGreaterThanOrEqual(5);
    // Cloud-desktop users are seen in Germany (Azure) and at home.
    const vdiCountries = group((e) => (pop(e.token).startsWith('vdi-') ? [e.user_id, geo.lookup(e.ip)?.country] : undefined));
    expect([...vdiCountries.values()].filter((s) => s.size >= 2).length / vdiCountries.size).toBeGreaterThan(0.7);
    // Passengers' tokens change ASN and country between consecutive requests in flight.
    const flyerCountries = group((e) => (pop(e.token) === 'inflight-passenger' ? [e.user_id, geo.lookup(e.ip)?.country] : undefined));
    expect([...flyerCountries.values()].filter((s) => s.size >= 3).length).toBeGreaterThan(flyerCountries.size * 0.3);
    // Dual-SIM phones: two or more ASNs for most users.
    const dualAsns = group((e) => (pop(e.token) === 'dual-sim-phone' ? [e.user_id, geo.lookup(e.ip)?.asn] : undefined));
    expect([...dualAsns.values()].filter((s) => s.size >= 2).length / dualAsns.size).toBeGreaterThan(0.6);
    // IPv6 privacy: a new address per day, all inside one /64 per user (plus the IPv4 fallback).
    const v6 = group((e) => (pop(e.token) === 'ipv6-privacy' ? [e.user_id, e.ip] : undefined));
    for (const [u, ips] of v6) {
      const nets = new Set([...ips].filter((ip) => ip.includes(':')).map((ip) => ip.split(':').slice(0, 4).join(':')));
      expect(nets.size, u).toBe(1);
      expect([...ips].filter((ip) => ip.includes(':')).length, u).toBeGreaterThanOrEqual(2);
    }
    geo.close();
  });
});

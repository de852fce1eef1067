/**
 * The sixth generator's ground truth holds by construction: every attack has events of its
 * own from its start, its labels name tokens, users and addresses that are in the traffic,
 * benign clients never do what only an attack does, a seed names one exact traffic set, the
 * history does not thin out on any weekday, and the networks it adds are where the
 * product's own MMDB lookup says they are.
 */
import { describe, expect, it } from 'vitest';
import { openGeo } from '../../src/ingest/geo.js';
import { addressIn } from './ippool.js';
import { Rng } from './rng.js';
import { trafficEnd } from './runner.js';
import { generateTrafficF, NETWORKS_F, SIZES_F } from './traffic-f.js';
import { ATTACK_KINDS } from './traffic.js';

const END = trafficEnd(Date.UTC(2026, 11, 7, 20));
const traffic = generateTrafficF(61, SIZES_F.test, END);
const attackTokens = new Set(traffic.attacks.flatMap((a) => a.tokens));

describe('sixth traffic set (f): ground truth', () => {
  it('has every attack kind, each starting after the warm-up and before the end, at its own first event', () => {
    for (const kind of ATTACK_KINDS) expect(traffic.attacks.filter((a) => a.kind === kind).length, kind).toBe(SIZES_F.test.attacksPerKind);
    for (const a of traffic.attacks) {
      expect(a.start, a.id).toBeGreaterThan(traffic.warmEnd);
      expect(a.start, a.id).toBeLessThan(traffic.end);
      const own = traffic.usage.filter((e) => e.ts >= a.start - 1_000 && (a.tokens.includes(e.token) || a.ips.includes(e.ip)));
      expect(own.length, a.id).toBeGreaterThan(0);
      expect(Math.min(...own.map((e) => e.ts)), `${a.id} starts at its first event`).toBeLessThan(a.start + 1_000);
    }
  });

  it('every planned attack is generated for other seeds and for runs ending on other weekdays and hours', () => {
    for (const [seed, day, hour] of [[62, 1, 3], [63, 3, 14], [7, 5, 23], [10, 7, 11]] as const) {
      const other = generateTrafficF(seed, SIZES_F.test, trafficEnd(Date.UTC(2026, 10, 30 + day, hour)));
      for (const kind of ATTACK_KINDS) expect(other.attacks.filter((a) => a.kind === kind).length, `seed ${seed} day ${day} ${kind}`).toBe(SIZES_F.test.attacksPerKind);
    }
  });

  it('the history is about as thick whichever weekday the run ends on (no office-hours population thinning on Mondays)', () => {
    const counts: number[] = [];
    for (const day of [0, 1, 2, 4, 6]) {
      const t = generateTrafficF(61, SIZES_F.test, trafficEnd(Date.UTC(2026, 11, 7 + day, 9)));
      const users = new Set(t.usage.filter((e) => e.ts < t.warmEnd && e.ts >= t.start && !t.attackOnly.has(e.token)).map((e) => t.tokens.get(e.token)!.userId ?? t.tokens.get(e.token)!.clientId));
      counts.push(users.size);
    }
    expect(Math.min(...counts) / Math.max(...counts), counts.join(',')).toBeGreaterThan(0.9);
  });

  it('labels name what is in the traffic: tokens registered and used, users and addresses seen', () => {
    const usedTokens = new Set(traffic.usage.map((e) => e.token));
    const usedIps = new Set(traffic.usage.map((e) => e.ip));
    const users = new Set([...traffic.tokens.values()].map((t) => t.userId));
    for (const a of traffic.attacks) {
      expect(a.tokens.length, a.id).toBeGreaterThan(0);
      for (const t of a.tokens) expect(traffic.tokens.has(t), `${a.id} token registered`).toBe(true);
      expect(a.tokens.some((t) => usedTokens.has(t)), `${a.id} uses one of its tokens`).toBe(true);
      for (const ip of a.ips) expect(usedIps.has(ip), `${a.id} address ${ip} in the traffic`).toBe(true);
      for (const u of a.users) expect(users.has(u) || u.endsWith('@mail.example'), `${a.id} user ${u}`).toBe(true);
    }
    for (const t of traffic.attackOnly) expect(traffic.tokens.get(t)!.population).toBe('attacker');
  });

  it('a revoked_use attack starts at the first 2xx after the token was revoked; benign revoked tokens only get refusals', () => {
    const revokedAt = new Map<string, number>();
    for (const e of traffic.lifecycle) if (e.event === 'revoked' && !revokedAt.has(e.token)) revokedAt.set(e.token, e.ts);
    for (const a of traffic.attacks.filter((x) => x.kind === 'revoked_use')) {
      const at = Math.min(...a.tokens.map((t) => revokedAt.get(t) ?? Infinity));
      expect(at, a.id).toBeLessThan(a.start);
      const first = traffic.usage.find((e) => a.tokens.includes(e.token) && e.ts > at + 1_000 && e.status < 400);
      expect(first?.ts, a.id).toBe(a.start);
    }
    expect(traffic.usage.filter((e) => {
      const at = revokedAt.get(e.token);
      return at !== undefined && e.ts > at + 1_000 && e.status < 400 && !attackTokens.has(e.token);
    })).toEqual([]);
    // The deactivated driver's session is refused once the lagging gateway catches up.
    expect(traffic.usage.some((e) => revokedAt.has(e.token) && e.ts > revokedAt.get(e.token)! && e.status === 401 && traffic.tokens.get(e.token)!.population === 'gig-driver')).toBe(true);
  });

  it('benign clients never redeem a rotated refresh token, and no access token is used before it was issued or after it expired', () => {
    const rotatedAt = new Map<string, number>();
    for (const e of traffic.lifecycle) if (e.event === 'refreshed' && e.rotated_from && !rotatedAt.has(e.rotated_from)) rotatedAt.set(e.rotated_from, e.ts);
    expect(traffic.usage.filter((e) => {
      const at = rotatedAt.get(e.token);
      return at !== undefined && e.ts > at + 5_000 && !attackTokens.has(e.token) && !traffic.attackOnly.has(e.token);
    })).toEqual([]);
    const issued = new Map<string, { at: number; exp: number }>();
    for (const e of traffic.lifecycle) if (e.event === 'issued' && e.token_type === 'access_token') issued.set(e.token, { at: e.ts, exp: e.expires_at as number });
    expect(traffic.usage.filter((e) => {
      const i = issued.get(e.token);
      return e.token_type === 'access_token' && i !== undefined && (e.ts < i.at - 1_000 || (e.ts > i.exp && e.status < 400));
    })).toEqual([]);
    // The aggregator's grants do rotate (every scheduled pull refreshes), like every OAuth client here.
    const rotatedBy = new Set(traffic.lifecycle.filter((e) => e.event === 'refreshed').map((e) => traffic.tokens.get(e.token)!.population));
    for (const pop of ['open-banking-aggregator', 'bank-app', 'gig-driver', 'support-desk', 'smart-tv', 'esim-traveller']) expect(rotatedBy.has(pop), pop).toBe(true);
  });

  it('is the same for the same seed and differs for another', () => {
    const again = generateTrafficF(61, SIZES_F.test, END);
    expect(again.usage.length).toBe(traffic.usage.length);
    expect(again.usage.slice(0, 300)).toEqual(traffic.usage.slice(0, 300));
    expect(again.lifecycle).toEqual(traffic.lifecycle);
    expect(again.attacks).toEqual(traffic.attacks);
    const other = generateTrafficF(62, SIZES_F.test, END);
    expect(other.usage.slice(0, 300)).not.toEqual(traffic.usage.slice(0, 300));
    expect(other.attacks.map((a) => a.start)).not.toEqual(traffic.attacks.map((a) => a.start));
  });

  it('events are in time order, inside the range, with unique ids and known tokens; the size stays under 100k events', () => {
    let prev = -Infinity;
    const ids = new Set<string>();
    for (const e of traffic.usage) {
      expect(e.ts).toBeGreaterThanOrEqual(prev);
      prev = e.ts;
      ids.add(e.event_id);
      expect(traffic.tokens.has(e.token)).toBe(true);
    }
    expect(ids.size).toBe(traffic.usage.length);
    expect(traffic.usage[0]!.ts).toBeGreaterThanOrEqual(traffic.oldest);
    expect(traffic.usage.at(-1)!.ts).toBeLessThan(traffic.end);
    for (let i = 1; i < traffic.lifecycle.length; i++) expect(traffic.lifecycle[i]!.ts).toBeGreaterThanOrEqual(traffic.lifecycle[i - 1]!.ts);
    expect(traffic.usage.length).toBeGreaterThan(80_000);
    expect(traffic.usage.length).toBeLessThan(100_000);
  });

  it('every network it adds places its addresses in its country and ASN (the bundled MMDB)', async () => {
    const geo = await openGeo({});
    const rng = new Rng('ippool-f-test');
    const wrong: string[] = [];
    for (const net of NETWORKS_F) {
      for (let i = 0; i < 40; i++) {
        const ip = addressIn(rng, net);
        const got = geo.lookup(ip);
        if (got?.country !== net.country || got?.asn !== net.asn) wrong.push(`${net.id} ${ip}: ${got?.country}/${got?.asn}`);
      }
    }
    // The IPv6 /64 the client-secret brute force rotates through is OVH's, in France.
    for (const a of traffic.attacks) for (const ip of a.ips.filter((x) => x.startsWith('2001:41d0:')).slice(0, 20)) {
      const got = geo.lookup(ip);
      if (got?.country !== 'FR' || got?.asn !== 16276) wrong.push(`${a.id} ${ip}: ${got?.country}/${got?.asn}`);
    }
    geo.close();
    expect(wrong).toEqual([]);
  });
});

describe('sixth traffic set (f): populations are where their descriptions put them', () => {
  it('benign addresses geolocate (bundled MMDB) to the countries and networks each population claims', async () => {
    const geo = await openGeo({});
    const CLAIMS: Record<string, { countries: string[]; asns?: number[] }> = {
      'esim-traveller': { countries: ['TH', 'SG'], asns: [17552, 9506] },
      'gig-driver': { countries: ['US'], asns: [21928, 6167, 7922] },
      'support-shared-token': { countries: ['PH', 'IE', 'US'], asns: [9299, 5466, 7018] },
      'support-desk': { countries: ['PH', 'IE', 'US'], asns: [9299, 5466, 7018, 4775, 6830, 20115] },
      'edge-worker': { countries: ['SG', 'JP', 'IN', 'AU', 'DE', 'GB', 'US', 'BR'], asns: [13335] },
      'llm-agent': { countries: ['US', 'NL', 'DE'], asns: [14618, 396982, 8075, 16509] },
      'open-banking-aggregator': { countries: ['US'], asns: [16509] },
      'bank-app': { countries: ['US'], asns: [7922, 22773, 7018, 20115, 21928, 6167] },
      'smart-tv': { countries: ['JP', 'FR', 'BR', 'US'], asns: [4713, 3215, 28573, 7922] },
    };
    const attackedFrom = new Map<string, number>();
    for (const a of traffic.attacks) for (const t of a.tokens) attackedFrom.set(t, Math.min(attackedFrom.get(t) ?? Infinity, a.start));
    const wrong: string[] = [];
    const seen = new Map<string, number>();
    const rng = new Rng('f-sample');
    for (const e of traffic.usage) {
      const pop = traffic.tokens.get(e.token)!.population;
      const claim = CLAIMS[pop];
      if (!claim || e.ts >= (attackedFrom.get(e.token) ?? Infinity) || traffic.attackOnly.has(e.token) || !rng.chance(0.05)) continue;
      seen.set(pop, (seen.get(pop) ?? 0) + 1);
      const got = geo.lookup(e.ip);
      if (!got || !claim.countries.includes(got.country ?? '') || (claim.asns && !claim.asns.includes(got.asn ?? -1))) wrong.push(`${pop} ${e.ip}: ${got?.country}/${got?.asn}`);
    }
    geo.close();
    expect(wrong.slice(0, 20)).toEqual([]);
    for (const pop of Object.keys(CLAIMS)) expect(seen.get(pop) ?? 0, pop).toBeGreaterThan(20);
  });

  it('edge functions really are concurrent at many PoPs, travellers really switch between Thailand and Singapore', async () => {
    const geo = await openGeo({});
    const countriesPerHour = new Map<number, Set<string>>();
    const travellerCountries = new Map<string, Set<string>>();
    for (const e of traffic.usage) {
      const pop = traffic.tokens.get(e.token)!.population;
      if (pop === 'edge-worker') {
        const h = Math.floor(e.ts / 3_600_000);
        const set = countriesPerHour.get(h) ?? new Set();
        set.add(geo.lookup(e.ip)?.country ?? '?');
        countriesPerHour.set(h, set);
      } else if (pop === 'esim-traveller' && e.user_id) {
        const set = travellerCountries.get(e.user_id) ?? new Set();
        set.add(geo.lookup(e.ip)?.country ?? '?');
        travellerCountries.set(e.user_id, set);
      }
    }
    geo.close();
    const sizes = [...countriesPerHour.values()].map((s) => s.size).sort((a, b) => a - b);
    expect(sizes[Math.floor(sizes.length / 2)]).toBeGreaterThanOrEqual(4);
    const both = [...travellerCountries.values()].filter((s) => s.has('TH') && s.has('SG')).length;
    expect(both / travellerCountries.size).toBeGreaterThan(0.8);
  });
});

describe('sixth traffic set (f): attacks do not share victims', () => {
  it('no token or user is labelled by two attacks, for several seeds', () => {
    for (const seed of [61, 62, 63]) {
      const t = seed === 61 ? traffic : generateTrafficF(seed, SIZES_F.test, END);
      const owner = new Map<string, string>();
      const shared: string[] = [];
      for (const a of t.attacks) {
        for (const tok of [...a.tokens, ...a.users.map((u) => `user:${u}`)]) {
          const prev = owner.get(tok);
          if (prev && prev !== a.id) shared.push(`${seed}: ${prev} and ${a.id}`);
          owner.set(tok, a.id);
        }
      }
      expect(shared).toEqual([]);
    }
  });
});

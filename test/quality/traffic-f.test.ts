/**
 * The sixth generator's ground truth holds by construction: the checks every blind
 * generator must pass (ground-truth.ts), and what is particular to its populations.
 */
import { describe, expect, it } from 'vitest';
import { openGeo } from '../../src/ingest/geo.js';
import { describeGroundTruth, revocations } from './ground-truth.js';
import { Rng } from './rng.js';
import { trafficEnd } from './runner.js';
import { generateTrafficF, NETWORKS_F, SIZES_F } from './traffic-f.js';

const END = trafficEnd(Date.UTC(2026, 11, 7, 20));
const traffic = generateTrafficF(61, SIZES_F.test, END);

describeGroundTruth({
  name: 'sixth traffic set (f)',
  traffic,
  seed: 61,
  end: END,
  generate: (seed, end) => generateTrafficF(seed, SIZES_F.test, end),
  attacksPerKind: SIZES_F.test.attacksPerKind,
  otherRuns: [[62, 1, 3], [63, 3, 14], [7, 5, 23], [10, 7, 11]],
  weekdays: [0, 1, 2, 4, 6],
  expiredAccess: 'refused',
  networks: NETWORKS_F,
  attackAddresses: { prefix: '2001:41d0:', country: 'FR', asn: 16276, what: 'IPv6 /64 of OVH' },
});

describe('sixth traffic set (f): its own populations', () => {
  it('revoked tokens are presented by benign clients too, and refused', () => {
    const revokedAt = revocations(traffic);
    // The deactivated driver's session is refused once the lagging gateway catches up.
    expect(traffic.usage.some((e) => revokedAt.has(e.token) && e.ts > revokedAt.get(e.token)! && e.status === 401 && traffic.tokens.get(e.token)!.population === 'gig-driver')).toBe(true);
  });

  it('every OAuth population rotates its refresh tokens, the aggregator too (every scheduled pull refreshes)', () => {
    const rotatedBy = new Set(traffic.lifecycle.filter((e) => e.event === 'refreshed').map((e) => traffic.tokens.get(e.token)!.population));
    for (const pop of ['open-banking-aggregator', 'bank-app', 'gig-driver', 'support-desk', 'smart-tv', 'esim-traveller']) expect(rotatedBy.has(pop), pop).toBe(true);
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


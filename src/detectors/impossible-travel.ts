/**
 * impossible_travel: consecutive uses of one token from places too far apart for the
 * time between them. Distances are reduced by each place's geolocation error (a city
 * guess is off by tens of km, a country-level guess sits on the country's centroid);
 * moves inside one country on a carrier, VPN or cloud network do not count, nor
 * does a leg that its user's (else its app's) history explains: a place or network used
 * in the last two weeks (home and its usual VPN exit), or a cloud, VPN or carrier network
 * when the history already spans networks of that kind (CI runners moving between cloud
 * regions, VPN users picking exits). Distance over time alone is never a finding: one leg
 * must be a network the principal never used. A principal first seen within the hour has
 * no home yet.
 */
import { z } from 'zod';
import { defineQuery, TABLES, type Warehouse } from '../warehouse/warehouse.js';
import { defineDetector, fmt, windowStart, type Finding } from './types.js';
import { activeTokens, distanceKm, groupByToken, hhmm, placeKey, placeLabel, PRINCIPAL_SQL, knownNetwork, principalHistories, startOfHour, visits, withinSpread, type Visit } from './places.js';

import { classifyNetwork, moves } from './networks.js';

/**
 * The tokens that can have travelled impossibly: two places (country/city) over the
 * look-back, one of them in the range's hours, with the principal (user, else app) each
 * belongs to. Settled in the engine over the look-back only, one row per token, so that
 * only these tokens' visits and their principals' histories are read.
 */
const movingTokenRows = defineQuery({
  name: 'impossible_travel_moving',
  sql: `SELECT token_fingerprint, anyLast(${PRINCIPAL_SQL}) AS principal
         FROM ${TABLES.usageTokenPlace1h}
         WHERE token_fingerprint IN {fps:Array(String)}
           AND hour >= toStartOfHour({look_from:DateTime64(3)}) AND hour < {to:DateTime64(3)}
         GROUP BY token_fingerprint
         HAVING uniqExact(country, city) >= 2 AND countIf(hour >= toStartOfHour({from:DateTime64(3)})) > 0
         SETTINGS optimize_aggregation_in_order = 1`,
  params: z.object({ fps: z.array(z.string()), look_from: z.date(), from: z.date(), to: z.date() }),
  row: z.object({ token_fingerprint: z.string(), principal: z.string() }),
});

async function movingTokens(warehouse: Warehouse, fps: string[], p: { lookFrom: Date; from: Date; to: Date }): Promise<Map<string, string>> {
  const rows = await movingTokenRows(warehouse, { fps, look_from: p.lookFrom, from: p.from, to: p.to });
  return new Map(rows.map((r) => [r.token_fingerprint, r.principal]));
}

/**
 * A finding in words. Uses that overlap (the token used from both places at once) are said
 * so: "A 11:51 then B 11:43: 11,600 km in 0 min" read like a bug.
 */
export function travelExplanation(
  a: Pick<Visit, 'country' | 'city' | 'first' | 'last'>,
  b: Pick<Visit, 'country' | 'city' | 'first' | 'last'>,
  km: number,
  minutes: number,
  speedText: string,
): string {
  const distance = `${fmt(Math.round(km / 100) * 100)} km`;
  if (b.first.getTime() > a.last.getTime()) {
    return `${placeLabel(a)} ${hhmm(a.last)} then ${placeLabel(b)} ${hhmm(b.first)}: ${distance} in ${fmt(Math.round(minutes))} min = ${speedText}`;
  }
  const from = hhmm(new Date(Math.max(a.first.getTime(), b.first.getTime())));
  const to = hhmm(new Date(Math.min(a.last.getTime(), b.last.getTime())));
  const when = from === to ? `at ${from}` : from < to ? `between ${from} and ${to}` : `around ${to}–${from}`;
  return `used from ${placeLabel(a)} and ${placeLabel(b)} at once (${when}), ${distance} apart`;
}

/**
 * A country-level guess sits on the country's centroid, anywhere up to the country's own
 * size away from the truth: the largest countries' half-widths (km, rounded up), where
 * COUNTRY_ERROR_KM would understate it.
 */
const COUNTRY_RADIUS_KM: Readonly<Record<string, number>> = {
  RU: 4500, CA: 2700, US: 2300, CN: 2600, BR: 2200, AU: 2000, IN: 1600, AR: 1800, KZ: 1500, DZ: 1100, CD: 1100,
  SA: 1100, MX: 1600, ID: 2600, SD: 1000, LY: 900, IR: 1100, MN: 1200, PE: 900, CL: 2100, NO: 900, SE: 800, JP: 1200,
};

export const impossibleTravel = defineDetector({
  name: 'impossible_travel',
  description: 'consecutive uses whose distance over elapsed time exceeds a plausible speed',
  thresholds: {
    MAX_SPEED_KMH: { value: 1000, reason: 'faster than an airliner (about 900 km/h) with a margin' },
    MIN_DISTANCE_KM: { value: 500, reason: 'closer than this, geolocation error and regional VPN exits dominate' },
    CITY_ERROR_KM: { value: 100, reason: 'city-level IP geolocation is often off by tens of kilometres' },
    COUNTRY_ERROR_KM: { value: 800, reason: 'a country-level guess sits on the centroid: allow for a large country (the largest: their own size)' },
    SAME_COUNTRY_MIN_KM: { value: 5000, reason: 'inside one country carrier gateways, VPN exits and cloud egress put addresses thousands of km from their users (fixed lines: no such allowance)' },
    LOOKBACK_HOURS: { value: 24, reason: 'the previous use may be a day old: 20,000 km at 1,000 km/h' },
    ESTABLISHED_DAYS: { value: 14, reason: 'places used over the last two weeks are the token’s own (home, office, usual VPN exit)' },
    MIN_HISTORY_HOURS: { value: 1, reason: 'a token first seen within the hour has no home yet: a VPN user’s first session looks like travel' },
  },
  async detect({ warehouse, range, t }) {
    const tokens = await activeTokens(warehouse, range);
    if (tokens.length === 0) return [];
    const lookFrom = new Date(range.from.getTime() - t.LOOKBACK_HOURS * 3_600_000);
    const principals = await movingTokens(warehouse, tokens, { lookFrom, from: range.from, to: range.to });
    if (principals.size === 0) return [];
    // What is normal for the user (else the app) each token belongs to: everything before
    // the hour the range starts in. A fresh access token has no places of its own yet.
    const histories = await principalHistories(
      warehouse,
      [...new Set(principals.values())],
      new Date(range.from.getTime() - t.ESTABLISHED_DAYS * 86_400_000),
      startOfHour(range.from),
    );
    const oldEnough = range.from.getTime() - t.MIN_HISTORY_HOURS * 3_600_000;
    const candidates = [...principals].filter(([, p]) => (histories.get(p)?.first.getTime() ?? Infinity) <= oldEnough).map(([fp]) => fp);
    // Every use in the range is in the hours from the range's first on, and a new place is
    // never older: an earlier hour's visits can only be the first leg, the latest of each place.
    const recent = groupByToken(await visits(warehouse, candidates, lookFrom, range.to, startOfHour(range.from)));

    const errorKm = (v: Visit) => (v.city ? t.CITY_ERROR_KM : Math.max(t.COUNTRY_ERROR_KM, COUNTRY_RADIUS_KM[v.country] ?? 0));
    const findings: Finding[] = [];
    for (const [fp, list] of recent) {
      const located = list.filter((v) => v.lat !== null && v.lon !== null).sort((a, b) => a.first.getTime() - b.first.getTime());
      const history = histories.get(principals.get(fp)!)!;
      // A leg that is not the principal's own place must be unexplained: a network it never
      // used, of a kind outside its spread (its cloud regions, VPN exits, carrier gateways).
      const explained = (v: Visit) => history.places.has(placeKey(v)) || knownNetwork(history, v) || withinSpread(history, v);
      let worst: { a: Visit; b: Visit; km: number; speed: number; minutes: number } | undefined;
      for (let i = 1; i < located.length; i++) {
        const b = located[i]!;
        if (b.last < range.from || b.first >= range.to) continue;
        for (let j = i - 1; j >= 0; j--) {
          const a = located[j]!;
          if (placeKey(a) === placeKey(b)) continue;
          if (explained(a) && explained(b)) continue;
          const raw = distanceKm({ lat: a.lat!, lon: a.lon! }, { lat: b.lat!, lon: b.lon! });
          // Inside one country, carrier gateways, VPN exits and cloud egress put addresses
          // anywhere in it (and one such network geolocates to any of its sites); a fixed
          // line at home or in an office does not move, so there only distance counts.
          const moving = moves(a.asn, a.asn_org) || moves(b.asn, b.asn_org);
          if (moving && a.country && a.country === b.country && (raw < t.SAME_COUNTRY_MIN_KM || (a.asn !== 0 && a.asn === b.asn))) continue;
          const km = raw - errorKm(a) - errorKm(b);
          if (km < t.MIN_DISTANCE_KM) continue;
          // The gap between the last use at A and the first at B; overlapping visits mean both at once.
          const gapMs = Math.max(0, b.first.getTime() - a.last.getTime());
          const speed = gapMs === 0 ? Infinity : km / (gapMs / 3_600_000);
          if (speed <= t.MAX_SPEED_KMH) continue;
          if (!worst || speed > worst.speed) worst = { a, b, km: raw, speed, minutes: gapMs / 60_000 };
        }
      }
      if (!worst) continue;
      const { a, b, km, speed, minutes } = worst;
      const at = Math.max(b.first.getTime(), range.from.getTime());
      const start = new Date(windowStart(at, range.windowMs));
      const speedText = Number.isFinite(speed) ? `${fmt(Math.round(speed / 100) * 100)} km/h` : 'both at once';
      findings.push({
        subject_type: 'token',
        subject: fp,
        token_fingerprint: fp,
        app_id: b.app_id || a.app_id,
        user_id: b.user_id || a.user_id,
        window_start: start,
        window_end: new Date(start.getTime() + range.windowMs),
        severity: !Number.isFinite(speed) || speed >= 5 * t.MAX_SPEED_KMH ? 'high' : 'medium',
        score: Number.isFinite(speed) ? speed / t.MAX_SPEED_KMH : 100,
        explanation: travelExplanation(a, b, km, minutes, speedText),
        evidence: {
          from: { place: placeLabel(a), country: a.country, city: a.city, lat: a.lat, lon: a.lon, asn: a.asn, asn_org: a.asn_org, network: classifyNetwork(a.asn, a.asn_org), ip: a.ip, last_seen: a.last.toISOString() },
          to: { place: placeLabel(b), country: b.country, city: b.city, lat: b.lat, lon: b.lon, asn: b.asn, asn_org: b.asn_org, network: classifyNetwork(b.asn, b.asn_org), ip: b.ip, first_seen: b.first.toISOString() },
          concurrent: !Number.isFinite(speed),
          history: { days: t.ESTABLISHED_DAYS, countries: [...history.countries], networks: [...history.networks].slice(0, 20), kinds: [...history.classes.keys()] },
          distance_km: Math.round(km),
          minutes: Math.round(minutes * 10) / 10,
          speed_kmh: Number.isFinite(speed) ? Math.round(speed) : null,
          max_speed_kmh: t.MAX_SPEED_KMH,
          error_allowance_km: errorKm(a) + errorKm(b),
        },
      });
    }
    return findings;
  },
});

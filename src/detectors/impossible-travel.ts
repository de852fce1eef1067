/**
 * impossible_travel: consecutive uses of one token from places too far apart for the
 * time between them. Distances are reduced by each place's geolocation error (a city
 * guess is off by tens of km, a country-level guess sits on the country's centroid);
 * moves inside one network and country (a mobile carrier's gateways), between places the
 * token already used (home and its usual VPN exit), or of a token younger than an hour
 * do not count.
 */
import { z } from 'zod';
import { TABLES, type Warehouse } from '../warehouse/warehouse.js';
import { defineDetector, fmt, windowStart, type Finding } from './types.js';
import { activeTokens, distanceKm, groupByToken, hhmm, placeKey, placeLabel, startOfHour, visits, type Visit } from './places.js';

/**
 * The tokens that can have travelled impossibly, with their established places: a history
 * old enough, two places over the look-back, and one of those never seen in the history
 * (two established places are never a finding). Settled in the engine, one row per token,
 * so that only these tokens' visits are read and compared.
 */
async function newPlaceTokens(
  warehouse: Warehouse,
  fps: string[],
  p: { lookFrom: Date; to: Date; historyFrom: Date; historyTo: Date; oldEnough: Date },
): Promise<Map<string, Set<string>>> {
  const rows = z
    .object({ token_fingerprint: z.string(), places: z.array(z.string()) })
    .array()
    .parse(
      await warehouse.query(
        `SELECT token_fingerprint,
                groupUniqArrayIf(concat(toString(country), '/', city), hour >= toStartOfHour({hfrom:DateTime64(3)}) AND hour < {hto:DateTime64(3)}) AS places
         FROM ${TABLES.usageTokenPlace1h}
         WHERE token_fingerprint IN {fps:Array(String)}
           AND hour >= toStartOfHour(least({hfrom:DateTime64(3)}, {look_from:DateTime64(3)})) AND hour < {to:DateTime64(3)}
         GROUP BY token_fingerprint
         HAVING countIf(hour >= toStartOfHour({hfrom:DateTime64(3)}) AND hour < {hto:DateTime64(3)}) > 0
            AND minIf(first_seen, hour >= toStartOfHour({hfrom:DateTime64(3)}) AND hour < {hto:DateTime64(3)}) <= {old_enough:DateTime64(3)}
            AND uniqExactIf(country, city, hour >= toStartOfHour({look_from:DateTime64(3)})) >= 2
            AND arrayExists(x -> NOT has(places, x), groupUniqArrayIf(concat(toString(country), '/', city), hour >= toStartOfHour({look_from:DateTime64(3)})))
         SETTINGS optimize_aggregation_in_order = 1`,
        { fps, look_from: p.lookFrom, to: p.to, hfrom: p.historyFrom, hto: p.historyTo, old_enough: p.oldEnough },
      ),
    );
  return new Map(rows.map((r) => [r.token_fingerprint, new Set(r.places)]));
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

export const impossibleTravel = defineDetector({
  name: 'impossible_travel',
  description: 'consecutive uses whose distance over elapsed time exceeds a plausible speed',
  thresholds: {
    MAX_SPEED_KMH: { value: 1000, reason: 'faster than an airliner (about 900 km/h) with a margin' },
    MIN_DISTANCE_KM: { value: 500, reason: 'closer than this, geolocation error and regional VPN exits dominate' },
    CITY_ERROR_KM: { value: 100, reason: 'city-level IP geolocation is often off by tens of kilometres' },
    COUNTRY_ERROR_KM: { value: 800, reason: 'a country-level guess sits on the centroid: allow for a large country' },
    SAME_COUNTRY_MIN_KM: { value: 5000, reason: 'inside one country carrier gateways and VPN exits put addresses thousands of km from their users' },
    LOOKBACK_HOURS: { value: 24, reason: 'the previous use may be a day old: 20,000 km at 1,000 km/h' },
    ESTABLISHED_DAYS: { value: 14, reason: 'places used over the last two weeks are the token’s own (home, office, usual VPN exit)' },
    MIN_HISTORY_HOURS: { value: 1, reason: 'a token first seen within the hour has no home yet: a VPN user’s first session looks like travel' },
  },
  async detect({ warehouse, range, t }) {
    const tokens = await activeTokens(warehouse, range);
    if (tokens.length === 0) return [];
    const lookFrom = new Date(range.from.getTime() - t.LOOKBACK_HOURS * 3_600_000);
    // The token's own places: everything before the hour the range starts in.
    const known = await newPlaceTokens(warehouse, tokens, {
      lookFrom,
      to: range.to,
      historyFrom: new Date(range.from.getTime() - t.ESTABLISHED_DAYS * 86_400_000),
      historyTo: startOfHour(range.from),
      oldEnough: new Date(range.from.getTime() - t.MIN_HISTORY_HOURS * 3_600_000),
    });
    // Every use in the range is in the hours from the range's first on, and a new place is
    // never older: an earlier hour's visits can only be the first leg, the latest of each place.
    const recent = groupByToken(await visits(warehouse, [...known.keys()], lookFrom, range.to, startOfHour(range.from)));

    const errorKm = (v: Visit) => (v.city ? t.CITY_ERROR_KM : t.COUNTRY_ERROR_KM);
    const findings: Finding[] = [];
    for (const [fp, list] of recent) {
      const located = list.filter((v) => v.lat !== null && v.lon !== null).sort((a, b) => a.first.getTime() - b.first.getTime());
      const places = known.get(fp)!;
      let worst: { a: Visit; b: Visit; km: number; speed: number; minutes: number } | undefined;
      for (let i = 1; i < located.length; i++) {
        const b = located[i]!;
        if (b.last < range.from || b.first >= range.to) continue;
        for (let j = i - 1; j >= 0; j--) {
          const a = located[j]!;
          if (placeKey(a) === placeKey(b)) continue;
          if (places.has(placeKey(a)) && places.has(placeKey(b))) continue;
          const raw = distanceKm({ lat: a.lat!, lon: a.lon! }, { lat: b.lat!, lon: b.lon! });
          // One network inside one country: carrier and ISP addresses geolocate to gateways anywhere in it.
          if (a.asn !== 0 && a.asn === b.asn && a.country === b.country) continue;
          if (a.country && a.country === b.country && raw < t.SAME_COUNTRY_MIN_KM) continue;
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
          from: { place: placeLabel(a), country: a.country, city: a.city, lat: a.lat, lon: a.lon, asn: a.asn, asn_org: a.asn_org, ip: a.ip, last_seen: a.last.toISOString() },
          to: { place: placeLabel(b), country: b.country, city: b.city, lat: b.lat, lon: b.lon, asn: b.asn, asn_org: b.asn_org, ip: b.ip, first_seen: b.first.toISOString() },
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

/**
 * impossible_travel: consecutive uses of one token from places too far apart for the
 * time between them. Distances are reduced by each place's geolocation error (a city
 * guess is off by tens of km, a country-level guess sits on the country's centroid);
 * moves inside one country on a carrier, VPN or cloud network do not count, nor
 * does a leg that its user's (else its client's, else its own) history explains: a place or network used
 * in the last two weeks (home and its usual VPN exit), or a cloud, VPN or carrier network
 * when the history already spans networks of that kind (CI runners moving between cloud
 * regions, VPN users picking exits). Distance over time alone is never a finding: one leg
 * must be a network the principal never used. A principal first seen within the hour has
 * no home yet; one seen for less than a day has not shown its networks yet (whether it uses
 * VPNs or cloud notebooks, which phone networks).
 *
 * Travel is judged between uses that pin the holder down: a cloud region or VPN exit the
 * principal already uses places a server, not a person (a notebook running in another
 * region, a VPN that drops at home). And a principal whose own recent history already has
 * it in two places at once (within a few hours), on several days, is shared or roams (a newsroom's key, a crew
 * whose phone is routed home from abroad): distance over time says nothing about it, and
 * the other detectors judge it.
 */
import { z } from 'zod';
import { defineQuery, TABLES, type Warehouse } from '../warehouse/warehouse.js';
import { defineDetector, fmt, windowStart, type Finding } from './types.js';
import { ACCEPTED, activeTokens, distanceKm, groupByToken, hhmm, placeKey, placeLabel, PRINCIPAL_SQL, knownNetwork, principalHistories, startOfHour, visits, withinSpread, type PrincipalHistory, type Visit } from './places.js';

import { classifyNetwork, isBackbone, isFixedLine, moves } from './networks.js';

/**
 * The tokens that can have travelled impossibly: two places (country/city) over the
 * look-back, one of them in the range's hours, with the principal (user, else client, else token) each
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

type Thresholds = { MAX_SPEED_KMH: number; MIN_DISTANCE_KM: number; CITY_ERROR_KM: number; COUNTRY_ERROR_KM: number; SAME_COUNTRY_MIN_KM: number; BREAKOUT_KM: number };
type Leg = Pick<Visit, 'country' | 'city' | 'asn' | 'asn_org' | 'first' | 'last'> & { lat: number | null; lon: number | null };

/** How far a place's geolocation can be off: a city guess by tens of km, a country guess by the country's size. */
function errorKm(v: Pick<Visit, 'city' | 'country'>, t: Pick<Thresholds, 'CITY_ERROR_KM' | 'COUNTRY_ERROR_KM'>): number {
  return v.city ? t.CITY_ERROR_KM : Math.max(t.COUNTRY_ERROR_KM, COUNTRY_RADIUS_KM[v.country] ?? 0);
}

/** Networks whose addresses are servers (cloud regions, VPN exits, secure web gateways, satellite teleports), wherever their users sit. */
function servesOthers(v: Pick<Visit, 'asn' | 'asn_org'>): boolean {
  const kind = classifyNetwork(v.asn, v.asn_org);
  return kind === 'hosting' || kind === 'vpn' || kind === 'gateway' || kind === 'satellite';
}

export interface Leap {
  /** Distance between the places as located, km. */
  km: number;
  /** After both places' geolocation error, over the gap between the uses (Infinity: at once). */
  speed: number;
  minutes: number;
}

/**
 * A network that may be carrying a phone's mobile data: a carrier, or a national network
 * not known to be a fixed line (incumbents run broadband and mobile on one ASN, and a
 * travel eSIM's partner operator is one). A known cable or fibre line is not.
 */
export function mayRoam(v: Pick<Visit, 'asn' | 'asn_org'>): boolean {
  const kind = classifyNetwork(v.asn, v.asn_org);
  return kind === 'mobile' || (kind === 'fixed' && v.asn !== 0 && !isFixedLine(v.asn, v.asn_org) && !isBackbone(v.asn, v.asn_org));
}

/**
 * Whether going from a (earlier) to b takes impossible speed, after both places'
 * geolocation error. Inside one country, carrier gateways, VPN exits and cloud egress put
 * addresses anywhere in it (and one such network geolocates to any of its sites); a fixed
 * line at home or in an office does not move, so there only distance counts. With
 * `roaming`, a leg that may be a phone's mobile data abroad is also allowed its region
 * (BREAKOUT_KM): its address is where a partner operator's hub lets it out.
 */
export function impossibleLeap(a: Leg, b: Leg, t: Thresholds, roaming = false): Leap | undefined {
  if (a.lat === null || a.lon === null || b.lat === null || b.lon === null) return undefined;
  const raw = distanceKm({ lat: a.lat, lon: a.lon }, { lat: b.lat, lon: b.lon });
  const moving = moves(a.asn, a.asn_org) || moves(b.asn, b.asn_org);
  // One national network that is not a known fixed line (an incumbent whose broadband and
  // mobile share an ASN) geolocates its addresses anywhere in its country.
  const national = a.asn !== 0 && a.asn === b.asn && !isFixedLine(a.asn, a.asn_org);
  if (a.country && a.country === b.country && ((moving && raw < t.SAME_COUNTRY_MIN_KM) || national)) return undefined;
  const breakout = roaming && (mayRoam(a) || mayRoam(b)) ? t.BREAKOUT_KM : 0;
  const km = raw - errorKm(a, t) - errorKm(b, t) - breakout;
  if (km < t.MIN_DISTANCE_KM) return undefined;
  // The gap between the last use at A and the first at B; overlapping visits mean both at once.
  const gapMs = Math.max(0, b.first.getTime() - a.last.getTime());
  const speed = gapMs === 0 ? Infinity : km / (gapMs / 3_600_000);
  return speed > t.MAX_SPEED_KMH ? { km: raw, speed, minutes: gapMs / 60_000 } : undefined;
}

/** One place of a principal in an hour: country, city, ASN, organisation, lat, lon, first and last use (ms). */
const habitPlace = z.tuple([z.string(), z.string(), z.coerce.number(), z.string(), z.coerce.number(), z.coerce.number(), z.coerce.number(), z.coerce.number()]);

/**
 * The spans of {span_hours} hours of the principals' history (sliding: one starting at
 * every hour) in which they were in two located places at least {min_m} metres apart
 * (accepted uses only), with those spans' places; at most {per_day} such spans a day. Settled in the engine: a credential that is everywhere
 * every hour (a shared service account, tens of places an hour) sends a few spans a day,
 * not its history.
 */
const habitSpans = defineQuery({
  name: 'impossible_travel_habit',
  sql: `SELECT principal, toUnixTimestamp(span) * 1000 AS span_ms,
            groupArray((country, city, asn, asn_org, toFloat64(assumeNotNull(la)), toFloat64(assumeNotNull(lo)), first_seen, last_seen)) AS places
     FROM (
       SELECT principal, hour - toIntervalHour(arrayJoin(range({span_hours:UInt32}))) AS span, toString(country) AS country, city, asn,
              anyLast(asn_org) AS asn_org, anyLast(lat) AS la, anyLast(lon) AS lo,
              sum(requests) AS requests, toUnixTimestamp64Milli(min(first_seen)) AS first_seen, toUnixTimestamp64Milli(max(last_seen)) AS last_seen
       FROM ${TABLES.usagePrincipalPlace1h}
       WHERE principal IN {principals:Array(String)} AND hour >= toStartOfHour({from:DateTime64(3)}) AND hour < {to:DateTime64(3)}
       GROUP BY principal, span, country, city, asn
       HAVING ${ACCEPTED} AND la IS NOT NULL AND lo IS NOT NULL)
     GROUP BY principal, span
     HAVING count() >= 2 AND arrayExists(p -> arrayExists(q -> greatCircleDistance(p.6, p.5, q.6, q.5) >= {min_m:Float64}, places), places)
     ORDER BY principal, span
     LIMIT {per_day:UInt32} BY principal, toDate(span)`,
  params: z.object({ principals: z.array(z.string()), from: z.date(), to: z.date(), span_hours: z.number().int().positive(), min_m: z.number().positive(), per_day: z.number().int().positive() }),
  row: z.object({ principal: z.string(), span_ms: z.coerce.number(), places: z.array(habitPlace) }),
});

/** Spans a day read of a principal's history, at most: enough to tell a habit (it needs one a day). */
const HABIT_SPANS_PER_DAY = 4;

/**
 * The days (UTC, ISO dates) on which each principal's own history has it in two places
 * within `spanHours` too far apart for the time between, on legs that pin the holder
 * down (not cloud or VPN servers), judged as a use in the range is. Stops at `enough` days.
 */
export async function travelHabits(
  warehouse: Warehouse,
  principals: string[],
  p: { from: Date; to: Date; spanHours: number; enough: number },
  t: Thresholds,
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (principals.length === 0) return out;
  // Nothing closer than this (as located) can be impossible once both places' errors are taken off.
  const minKm = t.MIN_DISTANCE_KM + 2 * t.CITY_ERROR_KM;
  const rows = await habitSpans(warehouse, { principals, from: p.from, to: p.to, span_hours: p.spanHours, min_m: minKm * 1000, per_day: HABIT_SPANS_PER_DAY });
  for (const r of rows) {
    const days = out.get(r.principal) ?? [];
    const day = new Date(r.span_ms).toISOString().slice(0, 10);
    if (days.length >= p.enough || days.includes(day)) continue;
    const legs: Leg[] = r.places
      .map(([country, city, asn, asn_org, lat, lon, first, last]) => ({ country, city, asn, asn_org, lat, lon, first: new Date(first), last: new Date(last) }))
      .filter((v) => !servesOthers(v))
      .sort((a, b) => a.first.getTime() - b.first.getTime());
    const atOnce = legs.some((b, i) => legs.slice(0, i).some((a) => placeKey(a) !== placeKey(b) && impossibleLeap(a, b, t)));
    if (atOnce) out.set(r.principal, [...days, day]);
  }
  return out;
}

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
    SETTLED_HOURS: {
      value: 24,
      reason: 'a principal seen for less than a day has not shown its networks yet (home Wi-Fi, mobile data, office, its VPN or cloud notebooks): until then a server leg places no one, and a phone may be roaming',
    },
    BREAKOUT_KM: {
      value: 2000,
      reason: 'travel eSIMs and roaming SIMs break out at a partner’s hub in the region (Singapore for Thailand, Frankfurt for Spain): a phone abroad shows an address up to ~2,000 km from where it is',
    },
    HABIT_DAYS: { value: 2, reason: 'pinned down in two places at once on two days of its own history: a shared credential or a phone routed home from abroad, not one stolen once' },
    HABIT_WINDOW_DAYS: { value: 7, reason: 'the habit is read from the last week: a shared key or a roaming phone shows it every few days' },
    HABIT_SPAN_HOURS: {
      value: 3,
      reason: 'two places within a few hours, not only within one clock hour: a shared key handed from Tokyo to London at 05:35 and 06:06 is in two hours',
    },
  },
  async detect({ warehouse, range, t }) {
    const tokens = await activeTokens(warehouse, range);
    if (tokens.length === 0) return [];
    const lookFrom = new Date(range.from.getTime() - t.LOOKBACK_HOURS * 3_600_000);
    const principals = await movingTokens(warehouse, tokens, { lookFrom, from: range.from, to: range.to });
    if (principals.size === 0) return [];
    // What is normal for the user (else the client, else the token) each token belongs to: everything before
    // the hour the range starts in. A fresh access token has no places of its own yet.
    const histories = await principalHistories(
      warehouse,
      [...new Set(principals.values())],
      new Date(range.from.getTime() - t.ESTABLISHED_DAYS * 86_400_000),
      startOfHour(range.from),
    );
    const oldEnough = range.from.getTime() - t.MIN_HISTORY_HOURS * 3_600_000;
    const settledBy = range.from.getTime() - t.SETTLED_HOURS * 3_600_000;
    const candidates = [...principals].filter(([, p]) => (histories.get(p)?.first.getTime() ?? Infinity) <= oldEnough).map(([fp]) => fp);
    // Every use in the range is in the hours from the range's first on, and a new place is
    // never older: an earlier hour's visits can only be the first leg, the latest of each place.
    const recent = groupByToken(await visits(warehouse, candidates, lookFrom, range.to, startOfHour(range.from)));

    const found: { fp: string; history: PrincipalHistory; leap: Leap & { a: Visit; b: Visit } }[] = [];
    for (const [fp, list] of recent) {
      const located = list.filter((v) => v.lat !== null && v.lon !== null).sort((a, b) => a.first.getTime() - b.first.getTime());
      const history = histories.get(principals.get(fp)!)!;
      // A leg that is not the principal's own place must be unexplained: a network it never
      // used, of a kind outside its spread (its cloud regions, VPN exits, carrier gateways).
      const explained = (v: Visit) => history.places.has(placeKey(v)) || knownNetwork(history, v) || withinSpread(history, v);
      // A cloud or VPN network the principal already uses (its own, or one of a kind its
      // spread covers) places a server, not the holder: a notebook running in another
      // region, a VPN switched on at home. Travel is judged between legs that pin the holder down.
      // A principal seen for less than a day has not shown whether it uses servers at all.
      const settled = history.first.getTime() <= settledBy;
      const pinsHolder = (v: Visit) => !(servesOthers(v) && (!settled || knownNetwork(history, v) || withinSpread(history, v)));
      // A backbone carrier's address is an office's or a data centre's line: one the
      // principal never used, beside its own place, is a corporate VPN concentrator a split
      // tunnel takes turns with (whoever is behind it sits anywhere). A nurse's new hospital
      // line beside a thief's place is still two places.
      const concentrator = (v: Visit, other: Visit) => isBackbone(v.asn, v.asn_org) && !explained(v) && explained(other);
      let worst: (Leap & { a: Visit; b: Visit }) | undefined;
      for (let i = 1; i < located.length; i++) {
        const b = located[i]!;
        if (b.last < range.from || b.first >= range.to) continue;
        for (let j = i - 1; j >= 0; j--) {
          const a = located[j]!;
          if (placeKey(a) === placeKey(b)) continue;
          if (explained(a) && explained(b)) continue;
          if (!pinsHolder(a) || !pinsHolder(b) || concentrator(a, b) || concentrator(b, a)) continue;
          // Somewhere new on both legs (or too new to tell): a traveller, whose phone's data
          // may leave through a hub in the region (a travel eSIM in Thailand, out in Singapore).
          const roaming = !settled || (!explained(a) && !explained(b));
          const leap = impossibleLeap(a, b, t, roaming);
          if (leap && (!worst || leap.speed > worst.speed)) worst = { ...leap, a, b };
        }
      }
      if (worst) found.push({ fp, history, leap: worst });
    }
    if (found.length === 0) return [];
    // A principal pinned down in two places at once before, on several days, is shared or
    // roams (a newsroom's one key, a crew whose phone is routed home from abroad): distance
    // over time says nothing about it. Its other detectors still judge it.
    const habits = await travelHabits(
      warehouse,
      [...new Set(found.map((f) => principals.get(f.fp)!))],
      { from: new Date(range.from.getTime() - t.HABIT_WINDOW_DAYS * 86_400_000), to: startOfHour(range.from), spanHours: t.HABIT_SPAN_HOURS, enough: t.HABIT_DAYS },
      t,
    );

    const findings: Finding[] = [];
    for (const { fp, history, leap } of found) {
      const habit = habits.get(principals.get(fp)!) ?? [];
      if (habit.length >= t.HABIT_DAYS) continue;
      const { a, b, km, speed, minutes } = leap;
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
          history: { days: t.ESTABLISHED_DAYS, countries: [...history.countries], networks: [...history.networks].slice(0, 20), kinds: [...history.classes.keys()], impossible_days: habit },
          distance_km: Math.round(km),
          minutes: Math.round(minutes * 10) / 10,
          speed_kmh: Number.isFinite(speed) ? Math.round(speed) : null,
          max_speed_kmh: t.MAX_SPEED_KMH,
          error_allowance_km: errorKm(a, t) + errorKm(b, t),
        },
      });
    }
    return findings;
  },
});

/**
 * new_location: a country never seen for this token before, after a baseline exists,
 * while the token is still in use at its usual places. A traveller takes the token with
 * them (home goes quiet); a thief uses it beside its owner.
 */
import { z } from 'zod';
import { TABLES, type Warehouse } from '../warehouse/warehouse.js';
import { defineDetector, windowStart, type Finding } from './types.js';
import { activeTokens, groupByToken, placeLabel, startOfHour, visits, type Visit } from './places.js';

interface Baseline {
  countries: Set<string>;
  networks: Set<number>;
  requests: number;
}

/**
 * The baselines of the tokens that can be flagged: an established history (old and busy
 * enough), two countries around the range (the token in two hands at once), and a country
 * in the range's hours that the history does not have. Settled in the engine, one row per
 * token, so that only these tokens' visits are read.
 */
async function baselines(
  warehouse: Warehouse,
  fps: string[],
  p: { from: Date; to: Date; nearFrom: Date; nearTo: Date; baselineFrom: Date; baselineTo: Date; establishedBy: Date; minRequests: number },
): Promise<Map<string, Baseline>> {
  const inBaseline = 'hour >= toStartOfHour({bfrom:DateTime64(3)}) AND hour < {bto:DateTime64(3)}';
  const rows = z
    .object({ token_fingerprint: z.string(), countries: z.array(z.string()), networks: z.array(z.coerce.number()), requests: z.coerce.number() })
    .array()
    .parse(
      await warehouse.query(
        `SELECT token_fingerprint, groupUniqArrayIf(toString(country), country != '' AND ${inBaseline}) AS countries,
                groupUniqArrayIf(asn, asn != 0 AND ${inBaseline}) AS networks, sumIf(requests, ${inBaseline}) AS requests
         FROM ${TABLES.usageTokenPlace1h}
         WHERE token_fingerprint IN {fps:Array(String)}
           AND hour >= toStartOfHour(least({bfrom:DateTime64(3)}, {near_from:DateTime64(3)})) AND hour < {near_to:DateTime64(3)}
         GROUP BY token_fingerprint
         HAVING countIf(${inBaseline}) > 0 AND minIf(first_seen, ${inBaseline}) <= {established_by:DateTime64(3)}
            AND requests >= {min_requests:UInt64}
            AND uniqExactIf(country, country != '' AND hour >= toStartOfHour({near_from:DateTime64(3)})) >= 2
            AND arrayExists(c -> NOT has(countries, c),
                  groupUniqArrayIf(toString(country), country != '' AND hour >= toStartOfHour({from:DateTime64(3)}) AND hour < {to:DateTime64(3)}))
         SETTINGS optimize_aggregation_in_order = 1`,
        {
          fps,
          from: p.from,
          to: p.to,
          near_from: p.nearFrom,
          near_to: p.nearTo,
          bfrom: p.baselineFrom,
          bto: p.baselineTo,
          established_by: p.establishedBy,
          min_requests: p.minRequests,
        },
      ),
    );
  return new Map(rows.map((r) => [r.token_fingerprint, { countries: new Set(r.countries), networks: new Set(r.networks), requests: r.requests }]));
}

export const newLocation = defineDetector({
  name: 'new_location',
  description: 'a country or network never seen for this token before, after a baseline exists, used alongside its usual places',
  thresholds: {
    BASELINE_DAYS: { value: 30, reason: 'a month of history says where a token lives' },
    MIN_BASELINE_DAYS: { value: 1, reason: 'a token seen for less than a day has no established places yet' },
    MIN_BASELINE_REQUESTS: { value: 20, reason: 'a handful of requests is not a baseline; twenty over a day or more is a pattern of use' },
    CONCURRENT_MINUTES: { value: 60, reason: 'the usual place still in use within an hour of the new one: the token is in two hands' },
  },
  async detect({ warehouse, range, t }) {
    const tokens = await activeTokens(warehouse, range);
    if (tokens.length === 0) return [];
    const windowMs = t.CONCURRENT_MINUTES * 60_000;
    const nearFrom = new Date(range.from.getTime() - windowMs);
    const nearTo = new Date(range.to.getTime() + windowMs);
    // Whole hours before the range only: the hour it starts in holds current uses too.
    const history = await baselines(warehouse, tokens, {
      from: range.from,
      to: range.to,
      nearFrom,
      nearTo,
      baselineFrom: new Date(range.from.getTime() - t.BASELINE_DAYS * 86_400_000),
      baselineTo: startOfHour(range.from),
      establishedBy: new Date(range.from.getTime() - t.MIN_BASELINE_DAYS * 86_400_000),
      minRequests: t.MIN_BASELINE_REQUESTS,
    });
    const now = groupByToken((await visits(warehouse, [...history.keys()], nearFrom, nearTo)).filter((v) => v.country !== ''));

    const findings: Finding[] = [];
    for (const [fp, current] of now) {
      const { requests, countries, networks } = history.get(fp)!;
      const fresh = current.filter((v) => v.country && !countries.has(v.country) && v.last >= range.from && v.first < range.to);
      if (fresh.length === 0) continue;
      const newcomer = fresh.sort((a, b) => a.first.getTime() - b.first.getTime())[0]!;
      const alongside = current.find(
        (v: Visit) =>
          countries.has(v.country) &&
          v.last.getTime() >= newcomer.first.getTime() - windowMs &&
          v.first.getTime() <= newcomer.last.getTime() + windowMs,
      );
      if (!alongside) continue;
      const start = new Date(windowStart(Math.max(newcomer.first.getTime(), range.from.getTime()), range.windowMs));
      const newNetwork = newcomer.asn !== 0 && !networks.has(newcomer.asn);
      findings.push({
        subject_type: 'token',
        subject: fp,
        token_fingerprint: fp,
        app_id: newcomer.app_id,
        user_id: newcomer.user_id,
        window_start: start,
        window_end: new Date(start.getTime() + range.windowMs),
        severity: newNetwork ? 'high' : 'medium',
        score: newNetwork ? 2 : 1,
        explanation:
          `first use from ${placeLabel(newcomer)}${newNetwork ? ` (new network AS${newcomer.asn}${newcomer.asn_org ? ` ${newcomer.asn_org}` : ''})` : ''} ` +
          `in ${t.BASELINE_DAYS} days of history (${[...countries].join(', ')}), while still in use from ${placeLabel(alongside)}`,
        evidence: {
          new_place: { place: placeLabel(newcomer), country: newcomer.country, city: newcomer.city, asn: newcomer.asn, asn_org: newcomer.asn_org, ip: newcomer.ip, first_seen: newcomer.first.toISOString(), requests: newcomer.requests },
          usual_place: { place: placeLabel(alongside), asn: alongside.asn, ip: alongside.ip, last_seen: alongside.last.toISOString() },
          baseline: { days: t.BASELINE_DAYS, countries: [...countries], networks: [...networks].slice(0, 20), requests },
        },
      });
    }
    return findings;
  },
});

/**
 * new_location: a country never seen for this token before, after a baseline exists,
 * while the token is still in use at its usual places. A traveller takes the token with
 * them (home goes quiet); a thief uses it beside its owner.
 */
import { defineDetector, windowStart, type Finding } from './types.js';
import { activeTokens, groupByToken, placeHistory, placeLabel, startOfHour, visits, type Visit } from './places.js';

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
    const tokens = await activeTokens(warehouse, range.from, range.to);
    // Only tokens used from two countries around the range can be in two hands at once.
    const now = groupByToken(
      (await visits(warehouse, tokens, new Date(range.from.getTime() - t.CONCURRENT_MINUTES * 60_000), new Date(range.to.getTime() + t.CONCURRENT_MINUTES * 60_000), 2)).filter(
        (v) => v.country !== '',
      ),
    );
    for (const [fp, list] of now) if (new Set(list.map((v) => v.country)).size < 2) now.delete(fp);
    if (now.size === 0) return [];
    const baselineFrom = new Date(range.from.getTime() - t.BASELINE_DAYS * 86_400_000);
    // Whole hours before the range only: the hour it starts in holds current uses too.
    const history = await placeHistory(warehouse, [...now.keys()], baselineFrom, startOfHour(range.from));

    const findings: Finding[] = [];
    for (const [fp, current] of now) {
      const past = history.get(fp);
      if (!past) continue;
      const { first, requests, countries, networks } = past;
      if (range.from.getTime() - first < t.MIN_BASELINE_DAYS * 86_400_000 || requests < t.MIN_BASELINE_REQUESTS) continue;
      const fresh = current.filter((v) => v.country && !countries.has(v.country) && v.last >= range.from && v.first < range.to);
      if (fresh.length === 0) continue;
      const newcomer = fresh.sort((a, b) => a.first.getTime() - b.first.getTime())[0]!;
      const windowMs = t.CONCURRENT_MINUTES * 60_000;
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

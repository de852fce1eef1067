/**
 * new_location: an established credential used from a country its owner (the user; else,
 * for a user-less access token, its OAuth client; else the token itself) never used in a
 * month, on a network it never used: the classic stolen-session
 * signal (unfamiliar sign-in properties). The history is the owner's, not the token's:
 * access tokens rotate every hour, and a fresh token's own history is empty.
 *
 * Flags when the owner's usual places are still in use within the hour (two hands); when
 * home is quiet but was used too recently for anyone to have flown there; and when home
 * is quiet and the new network is a cloud network of a kind the owner never used (a
 * traveller lands on hotel Wi-Fi or a local carrier, a stolen credential is replayed from
 * rented servers). One flag per owner and new country an hour: the owner's next access
 * token in the same place is the same incident.
 * A cloud, VPN or carrier network is not new for an owner whose history already spans
 * networks of that kind (CI runners, VPN users picking exits); a commercial VPN exit is new
 * for a machine credential (no user) that never used one, whatever clouds it runs on.
 *
 * In the owner's own country a new network alone is no signal (a café, a friend's Wi-Fi),
 * but one token used back and forth between a fixed line the owner uses and a fixed line or
 * a rented server it never used is one session in two places: a stolen session replayed
 * through a residential proxy near its victim, or from a VPS in its country. A device that
 * changes networks switches once or twice; the thief and the victim take turns.
 */
import { z } from 'zod';
import { defineQuery, TABLES, type Warehouse } from '../warehouse/warehouse.js';
import { defineDetector, fmt, windowStart, type DetectionRange, type Finding } from './types.js';
import { classifyNetwork, isBackbone, moves, organisation } from './networks.js';
import { INCIDENT_GAP_MS } from './flags.js';
import { activeTokens, distanceKm, groupByToken, hhmm, placeLabel, PRINCIPAL_SQL, principalHistories, startOfHour, visits, whoseHistory, withinSpread, type PrincipalHistory } from './places.js';


const candidateTokens = defineQuery({
  name: 'new_location_tokens',
  sql: `SELECT token_fingerprint, anyLast(${PRINCIPAL_SQL}) AS principal
       FROM ${TABLES.usageTokenPlace1h}
       WHERE token_fingerprint IN {fps:Array(String)} AND country != ''
         AND hour >= toStartOfHour({from:DateTime64(3)}) AND hour < {to:DateTime64(3)}
       GROUP BY token_fingerprint`,
  params: z.object({ fps: z.array(z.string()), from: z.date(), to: z.date() }),
  row: z.object({ token_fingerprint: z.string(), principal: z.string() }),
});

const IN_BASELINE = 'hour >= toStartOfHour({bfrom:DateTime64(3)}) AND hour < {bto:DateTime64(3)}';

const candidatePrincipals = defineQuery({
  name: 'new_location_principals',
  sql: `SELECT principal FROM ${TABLES.usagePrincipalPlace1h}
           WHERE principal IN {principals:Array(String)} AND hour >= toStartOfHour({bfrom:DateTime64(3)}) AND hour < {to:DateTime64(3)}
           GROUP BY principal
           HAVING countIf(${IN_BASELINE}) > 0 AND minIf(first_seen, ${IN_BASELINE}) <= {established_by:DateTime64(3)}
              AND sumIf(requests, ${IN_BASELINE}) >= {min_requests:UInt64}
              AND (arrayExists(c -> NOT has(groupUniqArrayIf(toString(country), country != '' AND ${IN_BASELINE}), c),
                     groupUniqArrayIf(toString(country), country != '' AND hour >= toStartOfHour({from:DateTime64(3)})))
                OR arrayExists(a -> NOT has(groupUniqArrayIf(asn, asn != 0 AND hour >= toStartOfHour({bfrom:DateTime64(3)}) AND hour < {settled:DateTime64(3)}), a),
                     groupUniqArrayIf(asn, asn != 0 AND hour >= toStartOfHour({from:DateTime64(3)}))))`,
  params: z.object({
    principals: z.array(z.string()),
    from: z.date(),
    to: z.date(),
    bfrom: z.date(),
    bto: z.date(),
    settled: z.date(),
    established_by: z.date(),
    min_requests: z.number().int().nonnegative(),
  }),
  row: z.object({ principal: z.string() }),
});

/**
 * Active tokens in the range's hours with the principal each belongs to, kept only when
 * that principal is established (old and busy enough) and one of its countries in the
 * range's hours is missing from its history. Settled in the engine: one row per token.
 */
async function candidates(
  warehouse: Warehouse,
  fps: string[],
  p: { from: Date; to: Date; baselineFrom: Date; baselineTo: Date; settledBy: Date; establishedBy: Date; minRequests: number },
): Promise<Map<string, string>> {
  const tokens = await candidateTokens(warehouse, { fps, from: p.from, to: p.to });
  if (tokens.length === 0) return new Map();
  const principals = new Set(
    (
      await candidatePrincipals(warehouse, {
        principals: [...new Set(tokens.map((t) => t.principal))],
        from: p.from,
        to: p.to,
        bfrom: p.baselineFrom,
        bto: p.baselineTo,
        settled: p.settledBy,
        established_by: p.establishedBy,
        min_requests: p.minRequests,
      })
    ).map((r) => r.principal),
  );
  return new Map(tokens.filter((t) => principals.has(t.principal)).map((t) => [t.token_fingerprint, t.principal]));
}

const recentRow = z.object({
  principal: z.string(),
  country: z.string(),
  city: z.string(),
  lat: z.coerce.number().nullable(),
  lon: z.coerce.number().nullable(),
  first_seen: z.number(),
  last_seen: z.number(),
});
const recentRows = defineQuery({
  name: 'new_location_recent',
  sql: `SELECT principal, country, city, anyLast(lat) AS lat, anyLast(lon) AS lon,
            toUnixTimestamp64Milli(min(first_seen)) AS first_seen, toUnixTimestamp64Milli(max(last_seen)) AS last_seen
     FROM ${TABLES.usagePrincipalPlace1h}
     WHERE principal IN {principals:Array(String)} AND hour >= toStartOfHour({from:DateTime64(3)}) AND hour < {to:DateTime64(3)} AND country != ''
     GROUP BY principal, hour, country, city`,
  params: z.object({ principals: z.array(z.string()), from: z.date(), to: z.date() }),
  row: recentRow,
});
type Recent = { country: string; city: string; lat: number | null; lon: number | null; first: Date; last: Date };

/** The principals' uses, per hour and place, between from and to: where the owner was lately. */
async function recentUses(warehouse: Warehouse, principals: string[], from: Date, to: Date): Promise<Map<string, Recent[]>> {
  const out = new Map<string, Recent[]>();
  if (principals.length === 0) return out;
  for (const p of await recentRows(warehouse, { principals, from, to })) {
    const list = out.get(p.principal) ?? [];
    list.push({ country: p.country, city: p.city, lat: p.lat, lon: p.lon, first: new Date(p.first_seen), last: new Date(p.last_seen) });
    out.set(p.principal, list);
  }
  return out;
}

/** The owners' incidents already flagged within the hour: (user, country) pairs. */
const recentFlagRows = defineQuery({
  name: 'new_location_flagged',
  sql: `SELECT user_id, JSONExtractString(evidence, 'new_place', 'country') AS country FROM ${TABLES.flags} FINAL
                 WHERE detector = 'new_location' AND user_id IN {users:Array(String)} AND window_end >= {since:DateTime64(3)} AND status != 'dismissed'`,
  params: z.object({ users: z.array(z.string()), since: z.date() }),
  row: z.object({ user_id: z.string(), country: z.string() }),
});

export const newLocation = defineDetector({
  name: 'new_location',
  description: "a country and network its owner (user, else client, else the token) never used in a month, while home is in use or too recently used for the journey",
  thresholds: {
    BASELINE_DAYS: { value: 30, reason: 'a month of history says where a user or app lives' },
    MIN_BASELINE_DAYS: { value: 1, reason: 'an owner seen for less than a day has no established places yet' },
    MIN_BASELINE_REQUESTS: { value: 20, reason: 'a handful of requests is not a baseline; twenty over a day or more is a pattern of use' },
    CONCURRENT_MINUTES: { value: 60, reason: 'the usual place still in use within an hour of the new one: the credential is in two hands' },
    JOURNEY_KMH: { value: 900, reason: 'an airliner’s cruising speed: nobody gets there faster' },
    JOURNEY_OVERHEAD_HOURS: { value: 0.5, reason: 'taxiing and climbing: a phone is used at the gate and again on landing' },
    LOOKBACK_HOURS: { value: 48, reason: 'the last use at home that a journey must fit after' },
    RECENT_HOURS: {
      value: 6,
      reason: 'a place first used in the last six hours is still new: an incident that began an hour ago must not have become the owner’s history (as in a retro-hunt’s six-hour chunks)',
    },
    MIN_SWITCHES: {
      value: 4,
      reason: 'one token switching between a new fixed line and its own four times: a device moving (home, café, home) switches twice',
    },
  },
  async detect({ warehouse, range, t }) {
    const tokens = await activeTokens(warehouse, range);
    if (tokens.length === 0) return [];
    const concurrentMs = t.CONCURRENT_MINUTES * 60_000;
    const baselineFrom = new Date(range.from.getTime() - t.BASELINE_DAYS * 86_400_000);
    // Whole hours before the range only: the hour it starts in holds current uses too.
    const baselineTo = startOfHour(range.from);
    // A network first used in the last few hours is still new to the second-line rule: a
    // replay that began in the previous hour is not the owner's line by the next tick (a
    // retro-hunt judges six-hour chunks against the history before them).
    const settledBy = baselineTo.getTime() - t.RECENT_HOURS * 3_600_000;
    const owners = await candidates(warehouse, tokens, {
      from: range.from,
      to: range.to,
      baselineFrom,
      baselineTo,
      settledBy: new Date(settledBy),
      establishedBy: new Date(range.from.getTime() - t.MIN_BASELINE_DAYS * 86_400_000),
      minRequests: t.MIN_BASELINE_REQUESTS,
    });
    if (owners.size === 0) return [];
    const principals = [...new Set(owners.values())];
    const histories = await principalHistories(warehouse, principals, baselineFrom, baselineTo);
    const lately = await recentUses(warehouse, principals, new Date(range.from.getTime() - t.LOOKBACK_HOURS * 3_600_000), new Date(range.to.getTime() + concurrentMs));
    const now = groupByToken((await visits(warehouse, [...owners.keys()], range.from, range.to)).filter((v) => v.country !== ''));

    // The owners' incidents already flagged within the hour: (user, country) pairs.
    const flaggedUsers = [...new Set([...owners.values()].filter((p) => p.startsWith('u:')).map((p) => p.slice(2)))];
    const recentFlags = new Set(
      flaggedUsers.length === 0
        ? []
        : (await recentFlagRows(warehouse, { users: flaggedUsers, since: new Date(range.from.getTime() - INCIDENT_GAP_MS) }))
            .map((r) => `u:${r.user_id}|${r.country}`),
    );
    const findings: Finding[] = [];
    const lines: SecondLine[] = [];
    for (const [fp, current] of now) {
      const principal = owners.get(fp)!;
      const history = histories.get(principal);
      if (!history) continue;
      const fresh = current
        .filter((v) => !history.countries.has(v.country) && v.last >= range.from && v.first < range.to && !withinSpread(history, v, !principal.startsWith('u:')))
        .sort((a, b) => a.first.getTime() - b.first.getTime());
      const newcomer = fresh[0];
      if (!newcomer) {
        const pair = secondLine(current, history, range.from, settledBy);
        if (pair) lines.push({ fp, principal, ...pair });
        continue;
      }
      const newNetwork = newcomer.asn !== 0 && !history.networks.has(newcomer.asn);
      const home = (lately.get(principal) ?? []).filter((u) => history.countries.has(u.country));
      const alongside = home.find(
        (u) => u.last.getTime() >= newcomer.first.getTime() - concurrentMs && u.first.getTime() <= newcomer.last.getTime() + concurrentMs,
      );
      // Home quiet: the latest use at home before the new place, and whether a journey fits in between.
      let journey: { from: Recent; km: number; hours: number; needed: number } | undefined;
      // Only between places known to the city on networks that stay put: a country-level
      // guess is off by up to the country's size, and a VPN exit or cloud address says
      // nothing about where its user is.
      const located = (v: { city: string; lat: number | null; lon: number | null }) => v.city !== '' && v.lat !== null && v.lon !== null;
      if (!alongside && newNetwork && located(newcomer) && !moves(newcomer.asn, newcomer.asn_org)) {
        const before = home.filter((u) => u.last <= newcomer.first && located(u)).sort((a, b) => b.last.getTime() - a.last.getTime())[0];
        if (before) {
          const km = distanceKm({ lat: before.lat!, lon: before.lon! }, { lat: newcomer.lat!, lon: newcomer.lon! });
          const hours = (newcomer.first.getTime() - before.last.getTime()) / 3_600_000;
          const needed = km / t.JOURNEY_KMH + t.JOURNEY_OVERHEAD_HOURS;
          if (hours < needed) journey = { from: before, km, hours, needed };
        }
      }
      // Home quiet, journey possible: a traveller lands on hotel Wi-Fi or a local carrier;
      // a cloud server in a new country, for an owner who never used one, is where stolen
      // credentials are replayed from. (A first VPN is not: people start using VPNs.)
      const network = classifyNetwork(newcomer.asn, newcomer.asn_org);
      const datacentre = !alongside && !journey && newNetwork && network === 'hosting';
      if (!alongside && !journey && !datacentre) continue;
      const incident = `${principal}|${newcomer.country}`;
      if (recentFlags.has(incident)) continue;
      recentFlags.add(incident);
      const start = new Date(windowStart(Math.max(newcomer.first.getTime(), range.from.getTime()), range.windowMs));
      const whose = whoseHistory(principal);
      const networkText = newNetwork ? ` (new network AS${newcomer.asn}${newcomer.asn_org ? ` ${newcomer.asn_org}` : ''})` : '';
      const where = alongside
        ? `while still in use from ${placeLabel(alongside)}`
        : datacentre
          ? 'from a cloud/hosting network, never used before, while home is quiet'
          : `${fmt(journey!.hours)} h after a use in ${placeLabel(journey!.from)} ${fmt(Math.round(journey!.km / 100) * 100)} km away (the journey takes ${fmt(journey!.needed)} h)`;
      findings.push({
        subject_type: 'token',
        subject: fp,
        token_fingerprint: fp,
        app_id: newcomer.app_id,
        user_id: newcomer.user_id,
        window_start: start,
        window_end: new Date(start.getTime() + range.windowMs),
        // Two hands at once on a new network is the stolen-session picture; one of the two signals alone is for review.
        severity: alongside && newNetwork ? 'high' : 'medium',
        score: (newNetwork ? 2 : 1) * (alongside ? 2 : 1),
        explanation: `first use from ${placeLabel(newcomer)}${networkText} in ${t.BASELINE_DAYS} days of ${whose} history (${[...history.countries].join(', ')}), ${where}`,
        evidence: {
          new_place: {
            place: placeLabel(newcomer),
            country: newcomer.country,
            city: newcomer.city,
            asn: newcomer.asn,
            asn_org: newcomer.asn_org,
            network,
            ip: newcomer.ip,
            first_seen: newcomer.first.toISOString(),
            requests: newcomer.requests,
          },
          usual_place: alongside ? { place: placeLabel(alongside), last_seen: alongside.last.toISOString() } : undefined,
          journey: journey
            ? { from: placeLabel(journey.from), last_seen: journey.from.last.toISOString(), km: Math.round(journey.km), hours: journey.hours, hours_needed: journey.needed }
            : undefined,
          baseline: { owner: principal, days: t.BASELINE_DAYS, countries: [...history.countries], networks: [...history.networks].slice(0, 20), kinds: [...history.classes.keys()], requests: history.requests },
          at: hhmm(newcomer.first),
        },
      });
    }
    return [...findings, ...(await secondLineFindings(warehouse, lines, histories, recentFlags, range, t))];
  },
});

type Visit = Awaited<ReturnType<typeof visits>>[number];
interface SecondLine {
  fp: string;
  principal: string;
  /** The line the owner never used, and the one it knows, used by the token in the same hours. */
  fresh: Visit;
  known: Visit;
}

/**
 * A visit of the token in the range on a fixed or cloud network the owner never used, in a
 * country it uses, overlapping in time a visit on a fixed line it knows, of another
 * organisation.
 */
function secondLine(current: Visit[], history: PrincipalHistory, from: Date, settledBy: number): Omit<SecondLine, 'fp' | 'principal'> | undefined {
  const fixed = (v: Visit) => v.asn !== 0 && !moves(v.asn, v.asn_org);
  // A rented server is a second hand too (a replay from a VPS); VPN exits and carriers move.
  const rented = (v: Visit) => classifyNetwork(v.asn, v.asn_org) === 'hosting';
  const settled = (asn: number) => (history.networkSince.get(asn) ?? Infinity) < settledBy;
  // A backbone carrier's line is an office's or a VPN concentrator's (a split tunnel), not
  // a home line a residential proxy rents.
  const homeLike = (v: Visit) => (fixed(v) && !isBackbone(v.asn, v.asn_org)) || rented(v);
  for (const fresh of current) {
    if (!homeLike(fresh) || settled(fresh.asn) || !history.countries.has(fresh.country) || fresh.last < from) continue;
    // The owner's own attachment: a fixed line (home, office).
    const known = current.find(
      (k) => fixed(k) && settled(k.asn) && organisation(k) !== organisation(fresh) && k.first <= fresh.last && k.last >= fresh.first,
    );
    if (known) return { fresh, known };
  }
  return undefined;
}

/** Each token's accepted uses in time order, by network. */
const sequenceRows = defineQuery({
  name: 'new_location_sequences',
  sql: `SELECT token_fingerprint, arrayMap(x -> x.2, arraySort(x -> x.1, groupArray((ts, asn)))) AS asns
        FROM ${TABLES.usageEvents}
        WHERE token_fingerprint IN {fps:Array(String)} AND ts >= {from:DateTime64(3)} AND ts < {to:DateTime64(3)} AND status != 401
        GROUP BY token_fingerprint`,
  params: z.object({ fps: z.array(z.string()), from: z.date(), to: z.date() }),
  row: z.object({ token_fingerprint: z.string(), asns: z.array(z.coerce.number()) }),
});

/** How often a sequence switches between the two networks, ignoring every other. */
export function switches(asns: number[], a: number, b: number): number {
  let n = 0;
  let last = 0;
  for (const asn of asns) {
    if (asn !== a && asn !== b) continue;
    if (last !== 0 && asn !== last) n++;
    last = asn;
  }
  return n;
}

async function secondLineFindings(
  warehouse: Warehouse,
  lines: SecondLine[],
  histories: Map<string, PrincipalHistory>,
  recentFlags: Set<string>,
  range: DetectionRange,
  t: Record<'BASELINE_DAYS' | 'MIN_SWITCHES', number>,
): Promise<Finding[]> {
  if (lines.length === 0) return [];
  const from = new Date(Math.min(...lines.map((l) => Math.min(l.fresh.first.getTime(), l.known.first.getTime()))));
  const sequences = new Map((await sequenceRows(warehouse, { fps: lines.map((l) => l.fp), from, to: range.to })).map((r) => [r.token_fingerprint, r]));
  const findings: Finding[] = [];
  for (const { fp, principal, fresh, known } of lines) {
    const sequence = sequences.get(fp);
    const n = sequence ? switches(sequence.asns, fresh.asn, known.asn) : 0;
    if (n < t.MIN_SWITCHES) continue;
    const incident = `${principal}|${fresh.country}`;
    if (recentFlags.has(incident)) continue;
    recentFlags.add(incident);
    const history = histories.get(principal)!;
    const start = new Date(windowStart(Math.max(fresh.first.getTime(), range.from.getTime()), range.windowMs));
    const whose = whoseHistory(principal);
    findings.push({
      subject_type: 'token',
      subject: fp,
      token_fingerprint: fp,
      app_id: fresh.app_id,
      user_id: fresh.user_id,
      window_start: start,
      window_end: new Date(start.getTime() + range.windowMs),
      severity: 'high',
      score: n / t.MIN_SWITCHES,
      explanation:
        `first use from ${placeLabel(fresh)} (new network AS${fresh.asn}${fresh.asn_org ? ` ${fresh.asn_org}` : ''}) in ${t.BASELINE_DAYS} days of ${whose} history, ` +
        `back and forth with its own line in ${placeLabel(known)} (AS${known.asn}${known.asn_org ? ` ${known.asn_org}` : ''}): ${fmt(n)} switches on one token since ${hhmm(fresh.first)}`,
      evidence: {
        new_place: { place: placeLabel(fresh), country: fresh.country, city: fresh.city, asn: fresh.asn, asn_org: fresh.asn_org, network: classifyNetwork(fresh.asn, fresh.asn_org), ip: fresh.ip, first_seen: fresh.first.toISOString(), requests: fresh.requests },
        usual_place: { place: placeLabel(known), asn: known.asn, asn_org: known.asn_org, last_seen: known.last.toISOString() },
        switches: n,
        baseline: { owner: principal, days: t.BASELINE_DAYS, countries: [...history.countries], networks: [...history.networks].slice(0, 20), kinds: [...history.classes.keys()], requests: history.requests },
        at: hhmm(fresh.first),
      },
    });
  }
  return findings;
}

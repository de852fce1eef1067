/**
 * ip_fanout: one token used from many distinct IPs or networks (ASNs) in one window,
 * well beyond what the token itself has done before: a shared or leaked credential.
 *
 * The minute rollup's distinct-IP and -ASN states name the candidate (token, window)
 * pairs; the raw rows of those tokens only (the table's primary key) give the exact counts
 * and the evidence. A scan of the window by time alone would read most of the day's
 * partition once its parts merge, the window's rows sharing parts with the whole day.
 */
import { z } from 'zod';
import { defineQuery, TABLES, type Warehouse } from '../warehouse/warehouse.js';
import { groupByToken, principalHistories, principalSql } from './places.js';
import { classifyNetwork } from './networks.js';
import { networkOf, subscriberLine } from './stuffing.js';
import { chTime, defineDetector, fmt, focusOf, focusParams, focusSql, windowStart, withFocus, type DetectionRange, type Finding } from './types.js';

const uint = z.number().int().nonnegative();

/** (token, window) pairs whose rollup distinct counts reach the candidates' thresholds. */
const candidateRows = defineQuery({
  name: 'ip_fanout_candidates',
  sql: (params) => `SELECT DISTINCT token_fingerprint FROM (
             SELECT token_fingerprint, toStartOfInterval(minute, toIntervalSecond({w:UInt32})) AS win
             FROM ${TABLES.usageToken1m}
             WHERE minute >= toStartOfMinute({from:DateTime64(3)}) AND minute < {to:DateTime64(3)}${focusSql(focusOf(params), 'minute')}
             GROUP BY token_fingerprint, win
             HAVING uniqMerge(asns) >= {min_asns:UInt32} OR uniqMerge(ips) >= {min_ips:UInt32})`,
  params: withFocus({ w: uint, from: z.date(), to: z.date(), min_asns: uint, min_ips: uint }),
  row: z.object({ token_fingerprint: z.string() }),
});

/** The candidates' exact counts and evidence per window, from their raw rows. */
const observedRows = defineQuery({
  name: 'ip_fanout_observed',
  sql: (params) => `SELECT token_fingerprint, toString(toStartOfInterval(ts, toIntervalSecond({w:UInt32}))) AS win,
                  uniqExact(ip) AS ips, uniqExactIf(asn, asn != 0) AS asns,
                  groupUniqArrayIf(20)(toString(country), country != '') AS countries,
                  groupUniqArray(20)(replaceRegexpOne(IPv6NumToString(ip), '^::ffff:', '')) AS sample_ips,
                  groupUniqArrayIf(20)(asn, asn != 0) AS sample_asns,
                  count() AS requests, anyLast(toString(app_id)) AS app_id, anyLast(user_id) AS user_id
           FROM ${TABLES.usageEvents}
           WHERE token_fingerprint IN {candidates:Array(String)} AND ts >= {from:DateTime64(3)} AND ts < {to:DateTime64(3)}${focusSql(focusOf(params), 'ts')}
           GROUP BY token_fingerprint, win
           HAVING asns >= {min_asns:UInt32} OR ips >= {min_ips:UInt32}`,
  params: withFocus({ w: uint, from: z.date(), to: z.date(), min_asns: uint, min_ips: uint, candidates: z.array(z.string()) }),
  row: z.object({
    token_fingerprint: z.string(),
    win: z.string(),
    ips: z.coerce.number(),
    asns: z.coerce.number(),
    countries: z.array(z.string()),
    sample_ips: z.array(z.string()),
    sample_asns: z.array(z.coerce.number()),
    requests: z.coerce.number(),
    app_id: z.string(),
    user_id: z.string(),
  }),
});

/** Each token's most IPs and ASNs in one window over the baseline (minute rollup). */
const baselineRows = defineQuery({
  name: 'ip_fanout_baseline',
  sql: `SELECT token_fingerprint, max(ips) AS max_ips, max(asns) AS max_asns
             FROM (SELECT token_fingerprint, toStartOfInterval(minute, toIntervalSecond({w:UInt32})) AS win,
                          uniqMerge(ips) AS ips, uniqMerge(asns) AS asns
                   FROM ${TABLES.usageToken1m}
                   WHERE token_fingerprint IN {fps:Array(String)} AND minute >= {bfrom:DateTime64(3)} AND minute < {from:DateTime64(3)}
                   GROUP BY token_fingerprint, win)
             GROUP BY token_fingerprint`,
  params: z.object({ w: uint, fps: z.array(z.string()), bfrom: z.date(), from: z.date() }),
  row: z.object({ token_fingerprint: z.string(), max_ips: z.coerce.number(), max_asns: z.coerce.number() }),
});

/**
 * A fan-out spread over longer than a window: tokens with an hour (minute rollup) in which
 * half the span's threshold of addresses was reached, since the span before the range.
 */
const spanCandidateRows = defineQuery({
  name: 'ip_fanout_span_candidates',
  sql: `SELECT DISTINCT token_fingerprint FROM (
           SELECT token_fingerprint, toStartOfHour(minute) AS h FROM ${TABLES.usageToken1m}
           WHERE minute >= toStartOfMinute({since:DateTime64(3)}) AND minute < {to:DateTime64(3)}
           GROUP BY token_fingerprint, h HAVING uniqMerge(ips) >= {min_ips:UInt32})`,
  params: z.object({ since: z.date(), to: z.date(), min_ips: uint }),
  row: z.object({ token_fingerprint: z.string() }),
});

/** The candidates' addresses, one row per token, address and minute. */
const spanRows = defineQuery({
  name: 'ip_fanout_span_rows',
  sql: `SELECT token_fingerprint, replaceRegexpOne(IPv6NumToString(ip), '^::ffff:', '') AS ip, anyLast(asn) AS asn, anyLast(toString(asn_org)) AS asn_org,
               anyLast(toString(country)) AS country, toUnixTimestamp(toStartOfMinute(ts)) * 1000 AS minute,
               count() AS requests, anyLast(toString(app_id)) AS app_id, anyLast(user_id) AS user_id, anyLast(${principalSql('e.')}) AS principal
        FROM ${TABLES.usageEvents} AS e
        WHERE token_fingerprint IN {fps:Array(String)} AND ts >= {since:DateTime64(3)} AND ts < {to:DateTime64(3)}
        GROUP BY token_fingerprint, ip, minute`,
  params: z.object({ fps: z.array(z.string()), since: z.date(), to: z.date() }),
  row: z.object({
    token_fingerprint: z.string(),
    ip: z.string(),
    asn: z.coerce.number(),
    asn_org: z.string(),
    country: z.string(),
    minute: z.number(),
    requests: z.coerce.number(),
    app_id: z.string(),
    user_id: z.string(),
    principal: z.string(),
  }),
});

/** Most addresses in one hour over the baseline, per key of a minute rollup: a token's, or a user's (all its tokens). */
const hourlyBaseline = (name: string, key: 'token_fingerprint' | 'user_id', table: string) =>
  defineQuery({
    name,
    sql: `SELECT ${key} AS key, max(n) AS max_ips, count() AS hours, toUnixTimestamp(min(h)) * 1000 AS since FROM (
             SELECT ${key}, toStartOfHour(minute) AS h, uniqMerge(ips) AS n FROM ${table}
             WHERE ${key} IN {keys:Array(String)} AND minute >= {bfrom:DateTime64(3)} AND minute < {before:DateTime64(3)}
             GROUP BY ${key}, h)
          GROUP BY ${key}`,
    params: z.object({ keys: z.array(z.string()), bfrom: z.date(), before: z.date() }),
    row: z.object({ key: z.string(), max_ips: z.coerce.number(), hours: z.coerce.number(), since: z.coerce.number() }),
  });
const hourlyTokenBaseline = hourlyBaseline('ip_fanout_hourly_token_baseline', 'token_fingerprint', TABLES.usageToken1m);
const hourlyUserBaseline = hourlyBaseline('ip_fanout_hourly_user_baseline', 'user_id', TABLES.usageUser1m);

type SpanRow = Awaited<ReturnType<typeof spanRows>>[number];

/**
 * The window (ending in the range) whose last SPAN minutes hold the most distinct
 * addresses of one token, with those addresses' rows: a two-pointer pass over the rows in
 * time order.
 */
function busiestSpan(rows: SpanRow[], spanMs: number, windowMs: number, from: number, to: number): { end: number; rows: SpanRow[]; ips: number } | undefined {
  const sorted = [...rows].sort((a, b) => a.minute - b.minute);
  const count = new Map<string, number>();
  let head = 0; // rows before `head` have entered the span
  let tail = 0; // rows before `tail` have left it
  let best: { end: number; head: number; tail: number; ips: number } | undefined;
  for (let end = windowStart(from, windowMs) + windowMs; end < to + windowMs; end += windowMs) {
    for (; head < sorted.length && sorted[head]!.minute < end; head++) count.set(sorted[head]!.ip, (count.get(sorted[head]!.ip) ?? 0) + 1);
    for (; tail < head && sorted[tail]!.minute < end - spanMs; tail++) {
      const n = count.get(sorted[tail]!.ip)! - 1;
      if (n === 0) count.delete(sorted[tail]!.ip);
      else count.set(sorted[tail]!.ip, n);
    }
    if (count.size > 0 && (!best || count.size > best.ips)) best = { end, head, tail, ips: count.size };
  }
  return best && { end: best.end, rows: sorted.slice(best.tail, best.head), ips: best.ips };
}

/** Candidates need this share of a threshold in the rollup's distinct counts (see detect). */
const CANDIDATE_SLACK = 0.9;

export const ipFanout = defineDetector({
  name: 'ip_fanout',
  description: 'one token used from many distinct IPs or ASNs in a window (shared or leaked)',
  thresholds: {
    MIN_ASNS: { value: 4, reason: 'home wifi, a mobile carrier and a VPN make three networks; four in one window is a crowd' },
    MIN_IPS: { value: 20, reason: 'a mobile carrier rotates a handful of addresses in minutes, not twenty' },
    MIN_RATIO_TO_BASELINE: { value: 2, reason: 'a machine client behind a large egress pool has always used many IPs: double its own maximum' },
    BASELINE_DAYS: { value: 7, reason: 'a week of windows shows what the token normally spans' },
    SPAN_MINUTES: { value: 60, reason: 'a session sold or fanned out through proxies spreads its addresses over tens of minutes, a few per window: count them over the last hour too' },
    MIN_IPS_SPAN: { value: 15, reason: 'fifteen addresses in an hour, at least twice the most its token (else its user, all devices) ever had in an hour' },
    MIN_ASNS_SPAN: {
      value: 3,
      reason: 'many addresses of one network are its egress rotating (a carrier’s CGNAT pool, a cloud proxy’s /24): over the hour they must span three networks, or come from a network its user never used',
    },
    MIN_PREFIXES_SPAN: {
      value: 10,
      reason: 'a new network’s addresses count as a crowd when they are in ten or more /24s (/48s), a cloud’s when they are (serverless invocations), and any network’s IPv6 addresses when they are on ten or more subscriber lines (/56s): a proxy or NAT pool sits in one or a few',
    },
  },
  async detect({ warehouse, range, t }) {
    const windowS = range.windowMs / 1000;
    // uniq() is exact at these counts but for hash collisions, which only lower it: the
    // candidates' thresholds are a little lower (rounded up: 20 addresses become 18, 4
    // networks stay 4, as 3 would make most busy tokens candidates), the raw rows decide.
    const candidates = (
      await candidateRows(warehouse, {
        w: windowS,
        from: range.from,
        to: range.to,
        min_asns: Math.ceil(t.MIN_ASNS * CANDIDATE_SLACK),
        min_ips: Math.ceil(t.MIN_IPS * CANDIDATE_SLACK),
        ...focusParams(range),
      })
    ).map((c) => c.token_fingerprint);
    const observed =
      candidates.length === 0 ? [] : await observedRows(warehouse, { w: windowS, from: range.from, to: range.to, min_asns: t.MIN_ASNS, min_ips: t.MIN_IPS, candidates, ...focusParams(range) });
    const spans = await spanFindings(warehouse, range, t, new Set(observed.map((o) => o.token_fingerprint)));
    if (observed.length === 0) return spans;

    const baselines = new Map(
      (
        await baselineRows(warehouse, {
          w: windowS,
          fps: [...new Set(observed.map((o) => o.token_fingerprint))],
          bfrom: new Date(range.from.getTime() - t.BASELINE_DAYS * 86_400_000),
          from: range.from,
        })
      ).map((b) => [b.token_fingerprint, b]),
    );

    const findings: Finding[] = [];
    for (const o of observed) {
      const base = baselines.get(o.token_fingerprint) ?? { max_ips: 0, max_asns: 0 };
      const manyNetworks = o.asns >= t.MIN_ASNS && o.asns >= t.MIN_RATIO_TO_BASELINE * base.max_asns;
      const manyAddresses = o.ips >= t.MIN_IPS && o.ips >= t.MIN_RATIO_TO_BASELINE * base.max_ips;
      if (!manyNetworks && !manyAddresses) continue;
      const start = chTime(o.win);
      // Against no history of its own (a new key, a probe fleet's token) a crowd may be its
      // normal: for review, not revocation.
      const severity = baselines.has(o.token_fingerprint) && (o.asns >= 2 * t.MIN_ASNS || o.ips >= 2.5 * t.MIN_IPS || o.countries.length >= 5) ? 'high' : 'medium';
      findings.push({
        subject_type: 'token',
        subject: o.token_fingerprint,
        token_fingerprint: o.token_fingerprint,
        app_id: o.app_id,
        user_id: o.user_id,
        window_start: start,
        window_end: new Date(start.getTime() + range.windowMs),
        severity,
        score: Math.max(o.asns / Math.max(t.MIN_ASNS, base.max_asns), o.ips / Math.max(t.MIN_IPS, base.max_ips)),
        explanation:
          `${fmt(o.ips)} IPs in ${fmt(o.asns)} networks (${o.countries.length} countries) in ${fmt(windowS / 60)} min; ` +
          `this token's previous maximum per window was ${fmt(base.max_ips)} IPs in ${fmt(base.max_asns)} networks`,
        evidence: {
          observed: { ips: o.ips, asns: o.asns, countries: o.countries, requests: o.requests, sample_ips: o.sample_ips, sample_asns: o.sample_asns },
          baseline: { days: t.BASELINE_DAYS, max_ips_per_window: base.max_ips, max_asns_per_window: base.max_asns },
        },
      });
    }
    return [...findings, ...spans];
  },
});

/**
 * Tokens whose addresses over the last SPAN_MINUTES reach MIN_IPS_SPAN and at least
 * MIN_RATIO_TO_BASELINE times the most their token had in an hour over the baseline, or,
 * for a token without an hour of history of its own, the most its user had (a fresh
 * access token belongs to a user whose phone may always rotate many addresses). `flagged`:
 * tokens the per-window rule found.
 */
async function spanFindings(
  warehouse: Warehouse,
  range: DetectionRange,
  t: Record<'SPAN_MINUTES' | 'MIN_IPS_SPAN' | 'MIN_ASNS_SPAN' | 'MIN_PREFIXES_SPAN' | 'MIN_RATIO_TO_BASELINE' | 'BASELINE_DAYS', number>,
  flagged: Set<string>,
): Promise<Finding[]> {
  const spanMs = t.SPAN_MINUTES * 60_000;
  // A scheduled tick judges only what earlier ticks did not: the windows from recheck.before
  // on, for the tokens used in them or with late events (their hour holds those events).
  const judgeFrom = Math.max(range.from.getTime(), range.recheck?.before.getTime() ?? 0);
  if (judgeFrom >= range.to.getTime()) return [];
  const since = new Date(range.from.getTime() - spanMs);
  const fps = (await spanCandidateRows(warehouse, { since, to: range.to, min_ips: Math.ceil(t.MIN_IPS_SPAN / 2) }))
    .map((r) => r.token_fingerprint)
    .filter((fp) => !flagged.has(fp));
  if (fps.length === 0) return [];
  const byToken = groupByToken(await spanRows(warehouse, { fps, since, to: range.to }));
  const busiest = new Map<string, { end: number; rows: SpanRow[]; user: string; principal: string }>();
  const late = new Set(range.recheck?.tokens ?? []);
  for (const [fp, rows] of byToken) {
    // With nothing new (no use from recheck.before on, no late event), a token was judged by an earlier tick.
    if (range.recheck && !late.has(fp) && !rows.some((r) => r.minute >= range.recheck!.before.getTime())) continue;
    const b = busiestSpan(rows, spanMs, range.windowMs, judgeFrom, range.to.getTime());
    if (b && b.ips >= t.MIN_IPS_SPAN) {
      const named = b.rows.find((r) => r.user_id) ?? b.rows.find((r) => !r.principal.startsWith('t:')) ?? b.rows[0]!;
      busiest.set(fp, { end: b.end, rows: b.rows, user: named.user_id, principal: named.principal });
    }
  }
  if (busiest.size === 0) return [];
  const bfrom = new Date(range.from.getTime() - t.BASELINE_DAYS * 86_400_000);
  const before = new Date(Math.floor((range.from.getTime() - spanMs) / 3_600_000) * 3_600_000);
  const own = new Map((await hourlyTokenBaseline(warehouse, { keys: [...busiest.keys()], bfrom, before })).map((b) => [b.key, b]));
  const userOf = (fp: string) => busiest.get(fp)!.user;
  const users = [...new Set([...busiest.keys()].filter((fp) => !own.has(fp)).map(userOf).filter(Boolean))];
  const ofUser = new Map(users.length === 0 ? [] : (await hourlyUserBaseline(warehouse, { keys: users, bfrom, before })).map((b) => [b.key, b]));
  // The networks its user (else its client, else the token) used over the baseline: one
  // network's many addresses are that network's egress unless the principal never used it.
  const principalOf = (fp: string) => busiest.get(fp)!.principal;
  const histories = await principalHistories(warehouse, [...new Set([...busiest.keys()].map(principalOf))], bfrom, before);
  const findings: Finding[] = [];
  for (const [fp, { end, rows }] of busiest) {
    const base = own.get(fp) ?? ofUser.get(userOf(fp));
    const of = own.has(fp) ? 'token' : base ? 'user' : 'none';
    const ips = new Set(rows.map((r) => r.ip));
    if (ips.size < t.MIN_RATIO_TO_BASELINE * (base?.max_ips ?? 0)) continue;
    const asns = new Set(rows.map((r) => r.asn).filter(Boolean));
    const history = histories.get(principalOf(fp));
    // For a principal already on carriers, carriers' pools are one network: a phone moves
    // between carriers' CGNAT pools (roaming, dual SIM, a train's Wi-Fi bonding three).
    const carriers = new Set(rows.filter((r) => r.asn && history?.classes.has('mobile') && classifyNetwork(r.asn, r.asn_org) === 'mobile').map((r) => r.asn));
    const networks = asns.size - carriers.size + (carriers.size > 0 ? 1 : 0);
    const unknown = [...asns].filter((a) => history && !history.networks.has(a) && !carriers.has(a));
    const prefixes = new Set(rows.filter((r) => unknown.includes(r.asn)).map((r) => networkOf(r.ip)));
    // An IPv6 line rotates its addresses inside its own prefix; many lines in an hour are
    // many subscribers (a rotating residential proxy inside the user's own ISP), on a network
    // the principal knows as on a new one. A carrier's IPv4 pool has no lines to count.
    const lines = new Set(rows.map((r) => subscriberLine(r.ip)).filter(Boolean));
    // A cloud's addresses in many /24s within the hour, for a credential whose hours never
    // had that many addresses (the ratio above): a fresh address per invocation of someone's
    // serverless functions (a key replayed from AWS Lambda), not a NAT gateway's few. Only
    // against a day of history: a serverless client's key shows its own spread over its first day.
    const dayOld = base !== undefined && base.since <= range.from.getTime() - 86_400_000;
    const cloudPrefixes = new Set(!dayOld ? [] : rows.filter((r) => r.asn && classifyNetwork(r.asn, r.asn_org) === 'hosting').map((r) => networkOf(r.ip)));
    const crowd = networks >= t.MIN_ASNS_SPAN || (unknown.length > 0 && prefixes.size >= t.MIN_PREFIXES_SPAN);
    if (!crowd && lines.size < t.MIN_PREFIXES_SPAN && cloudPrefixes.size < t.MIN_PREFIXES_SPAN) continue;
    const countries = [...new Set(rows.map((r) => r.country).filter(Boolean))];
    const last = rows.at(-1)!;
    findings.push({
      subject_type: 'token',
      subject: fp,
      token_fingerprint: fp,
      app_id: last.app_id,
      user_id: userOf(fp),
      window_start: new Date(end - range.windowMs),
      window_end: new Date(end),
      // Many lines or cloud addresses of networks the principal uses may be its owner scaling
      // out: for review. A crowd across networks, or of a network it never used, is not.
      severity: crowd && of !== 'none' && (countries.length >= 5 || ips.size >= 2.5 * t.MIN_IPS_SPAN) ? 'high' : 'medium',
      score: ips.size / Math.max(t.MIN_IPS_SPAN, t.MIN_RATIO_TO_BASELINE * (base?.max_ips ?? 0)),
      explanation:
        `${fmt(ips.size)} IPs in ${fmt(asns.size)} networks (${countries.length} countries) over the last ${fmt(t.SPAN_MINUTES)} min; ` +
        (unknown.length > 0 ? `${fmt(unknown.length)} of the networks new to its ${userOf(fp) ? 'user' : 'token'}; ` : '') +
        (of === 'none' ? 'no hour of history to compare with' : `the most ${of === 'token' ? 'this token' : `its user ${userOf(fp)} (all tokens)`} had in an hour before was ${fmt(base!.max_ips)}`),
      evidence: {
        observed: { span_minutes: t.SPAN_MINUTES, ips: ips.size, prefixes: prefixes.size, ipv6_lines: lines.size, cloud_prefixes: cloudPrefixes.size, asns: asns.size, countries, requests: rows.reduce((n, r) => n + r.requests, 0), sample_ips: [...ips].slice(0, 20), sample_asns: [...asns].slice(0, 20) },
        baseline: { of, days: t.BASELINE_DAYS, max_ips_per_hour: base?.max_ips ?? 0, hours: base?.hours ?? 0, new_networks: unknown },
      },
    });
  }
  return findings;
}

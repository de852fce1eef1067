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
import { defineQuery, TABLES } from '../warehouse/warehouse.js';
import { chTime, defineDetector, fmt, focusOf, focusParams, focusSql, withFocus, type Finding } from './types.js';

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
    if (candidates.length === 0) return [];
    const observed = await observedRows(warehouse, { w: windowS, from: range.from, to: range.to, min_asns: t.MIN_ASNS, min_ips: t.MIN_IPS, candidates, ...focusParams(range) });
    if (observed.length === 0) return [];

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
      const severity = o.asns >= 2 * t.MIN_ASNS || o.ips >= 2.5 * t.MIN_IPS || o.countries.length >= 5 ? 'high' : 'medium';
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
    return findings;
  },
});

/**
 * rate_spike: a token's request rate in a window is far above its own robust baseline.
 * Observed: the busiest minute of the window. Baseline: the token's per-minute counts
 * over the previous days (active minutes only): median, MAD and its own previous peak;
 * for a token too new to have them (an access token an hour old), its user's.
 */
import { median, medianAbsoluteDeviation, quantile } from 'simple-statistics';
import { z } from 'zod';
import { defineQuery, TABLES } from '../warehouse/warehouse.js';
import { chTime, defineDetector, fmt, focusOf, focusParams, focusSql, withFocus, type Finding } from './types.js';

const uint = z.number().int().nonnegative();

/** Each token's busiest minute per window in the range, when it reaches the minimum rate. */
const observedRows = defineQuery({
  name: 'rate_spike_observed',
  sql: (params) => `SELECT token_fingerprint, toString(toStartOfInterval(minute, toIntervalSecond({w:UInt32}))) AS win,
                  max(c) AS peak, toString(argMax(minute, c)) AS peak_minute, sum(c) AS total, anyLast(app) AS app_id, anyLast(usr) AS user_id
           FROM (SELECT token_fingerprint, minute, sum(requests) AS c, anyLast(app_id) AS app, anyLast(user_id) AS usr
                 FROM ${TABLES.usageToken1m}
                 WHERE minute >= {from:DateTime64(3)} AND minute < {to:DateTime64(3)}${focusSql(focusOf(params), 'minute')}
                 GROUP BY token_fingerprint, minute)
           GROUP BY token_fingerprint, win
           HAVING peak >= {min_rate:UInt32}`,
  params: withFocus({ w: uint, from: z.date(), to: z.date(), min_rate: uint }),
  row: z.object({
    token_fingerprint: z.string(),
    win: z.string(),
    peak: z.coerce.number(),
    peak_minute: z.string(),
    total: z.coerce.number(),
    app_id: z.string(),
    user_id: z.string(),
  }),
});

const historyParams = {
  peaks: z.array(uint),
  bfrom: z.date(),
  from: z.date(),
  min_minutes: uint,
  old_enough: z.date(),
  ratio: z.number(),
};

/** The tokens' per-minute counts over the baseline, as (count, minutes with that count), for those that spike (see detect). */
const tokenHistoryRows = defineQuery({
  name: 'rate_spike_token_history',
  sql: `SELECT token_fingerprint, {ratio:Float64} * max(c) <= {peaks:Array(UInt64)}[indexOf({fps:Array(String)}, token_fingerprint)] AS spiking,
                  if(spiking, groupArray(c), []) AS counts, if(spiking, groupArray(n), []) AS minutes
           FROM (SELECT token_fingerprint, c, count() AS n, min(minute) AS first
                 FROM (SELECT token_fingerprint, minute, requests AS c FROM ${TABLES.usageToken1m} FINAL
                       WHERE token_fingerprint IN {fps:Array(String)} AND minute >= {bfrom:DateTime64(3)} AND minute < {from:DateTime64(3)})
                 GROUP BY token_fingerprint, c)
           GROUP BY token_fingerprint
           HAVING sum(n) >= {min_minutes:UInt32} AND min(first) <= {old_enough:DateTime64(3)}`,
  params: z.object({ fps: z.array(z.string()), ...historyParams }),
  row: z.object({ token_fingerprint: z.string(), spiking: z.coerce.number(), counts: z.array(z.number()), minutes: z.array(z.number()) }),
});

/** The same over all of a user's tokens, minute by minute, for users whose fresh token spikes. */
const userHistoryRows = defineQuery({
  name: 'rate_spike_user_history',
  sql: `SELECT user_id, groupArray(c) AS counts, groupArray(n) AS minutes
             FROM (SELECT user_id, c, count() AS n, min(minute) AS first
                   FROM (SELECT user_id, minute, requests AS c FROM ${TABLES.usageUser1m} FINAL
                         WHERE user_id IN {users:Array(String)} AND minute >= {bfrom:DateTime64(3)} AND minute < {from:DateTime64(3)})
                   GROUP BY user_id, c)
             GROUP BY user_id
             HAVING sum(n) >= {min_minutes:UInt32} AND min(first) <= {old_enough:DateTime64(3)}
                AND {ratio:Float64} * max(c) <= {peaks:Array(UInt64)}[indexOf({users:Array(String)}, user_id)]`,
  params: z.object({ users: z.array(z.string()), ...historyParams }),
  row: z.object({ user_id: z.string(), counts: z.array(z.number()), minutes: z.array(z.number()) }),
});

/** Per-minute counts sent as (count, minutes with that count), expanded. */
function expand(h: { counts: number[]; minutes: number[] }): number[] {
  return h.counts.flatMap((c, i) => new Array<number>(h.minutes[i]!).fill(c));
}

/** MAD of a normal distribution times this is its standard deviation. */
const MAD_TO_SIGMA = 1.4826;

export const rateSpike = defineDetector({
  name: 'rate_spike',
  description: "a token's request rate in the window is far above its own robust baseline (median/MAD over its history)",
  thresholds: {
    MIN_RATE_PER_MIN: { value: 30, reason: 'fewer than 30 requests in a minute is not a spike, whatever the baseline' },
    BASELINE_DAYS: { value: 7, reason: 'a week covers weekly cycles; older behaviour says little about today' },
    MIN_HISTORY_MINUTES: { value: 10, reason: 'ten active minutes give a median and a peak to compare with (an interactive user has a few a day)' },
    MIN_HISTORY_HOURS: { value: 24, reason: 'a token younger than a day has no baseline to spike from' },
    USER_MIN_HISTORY_HOURS: {
      value: 6,
      reason: 'all of a user’s tokens together show its habits sooner than one token does: six hours with ten active minutes are a baseline (its first sync is in them)',
    },
    MAD_MULTIPLIER: { value: 10, reason: 'above median + 10 robust sigmas: far outside the token’s normal spread' },
    MIN_RATIO_TO_MEDIAN: { value: 5, reason: 'five times the typical minute is a change of behaviour, not noise' },
    MIN_RATIO_TO_PEAK: { value: 2, reason: 'a rate the token already reached (batch jobs repeat their bursts) is not new: double its previous peak' },
  },
  async detect({ warehouse, range, t }) {
    const windowS = range.windowMs / 1000;
    const observed = await observedRows(warehouse, { w: windowS, from: range.from, to: range.to, min_rate: t.MIN_RATE_PER_MIN, ...focusParams(range) });
    if (observed.length === 0) return [];

    // One read of the week: in the engine, of the tokens with history enough, only those whose
    // window peak at least doubles their previous peak keep their per-minute counts, sent as
    // (count, minutes with that count): a few dozen pairs instead of thousands of minutes.
    // FINAL sums a minute's rows from all parts in the table's order (token, minute), twice
    // as fast as grouping them (and exact on a cluster: the rollup is sharded by token).
    const bfrom = new Date(range.from.getTime() - t.BASELINE_DAYS * 86_400_000);
    const oldEnough = new Date(range.from.getTime() - t.MIN_HISTORY_HOURS * 3_600_000);
    const peaks = new Map<string, number>();
    for (const o of observed) peaks.set(o.token_fingerprint, Math.max(o.peak, peaks.get(o.token_fingerprint) ?? 0));
    const history = await tokenHistoryRows(warehouse, {
      fps: [...peaks.keys()],
      peaks: [...peaks.values()],
      bfrom,
      from: range.from,
      min_minutes: t.MIN_HISTORY_MINUTES,
      old_enough: oldEnough,
      ratio: t.MIN_RATIO_TO_PEAK,
    });
    // Tokens with an established history of their own; only those whose peak at least
    // doubles their previous one came with their counts.
    const established = new Set(history.map((h) => h.token_fingerprint));
    const counts = new Map(history.filter((h) => h.spiking).map((h) => [h.token_fingerprint, expand(h)]));

    // A fresh token (access tokens rotate every hour) has no history of its own: compare it
    // with its user's, minute by minute over all the user's tokens. A token whose own
    // history says "not a spike" is not judged again against its user.
    const userPeaks = new Map<string, number>();
    for (const o of observed) {
      if (counts.has(o.token_fingerprint) || established.has(o.token_fingerprint) || !o.user_id) continue;
      userPeaks.set(o.user_id, Math.max(o.peak, userPeaks.get(o.user_id) ?? 0));
    }
    const users = new Map<string, number[]>();
    if (userPeaks.size > 0) {
      const rows = await userHistoryRows(warehouse, {
        users: [...userPeaks.keys()],
        peaks: [...userPeaks.values()],
        bfrom,
        from: range.from,
        min_minutes: t.MIN_HISTORY_MINUTES,
        old_enough: new Date(range.from.getTime() - t.USER_MIN_HISTORY_HOURS * 3_600_000),
        ratio: t.MIN_RATIO_TO_PEAK,
      });
      for (const r of rows) users.set(r.user_id, expand({ counts: r.counts, minutes: r.minutes }));
    }
    const baselineOf = (o: (typeof observed)[number]): { values: number[]; of: 'token' | 'user' } | undefined => {
      const own = counts.get(o.token_fingerprint);
      if (own) return { values: own, of: 'token' };
      const user = !established.has(o.token_fingerprint) && o.user_id ? users.get(o.user_id) : undefined;
      return user ? { values: user, of: 'user' } : undefined;
    };

    const findings: Finding[] = [];
    for (const o of observed) {
      const baseline = baselineOf(o);
      if (!baseline || baseline.values.length === 0) continue;
      const values = baseline.values;
      const med = median(values);
      const mad = medianAbsoluteDeviation(values);
      const p99 = quantile(values, 0.99);
      const prevPeak = Math.max(...values);
      const limit = Math.max(med + t.MAD_MULTIPLIER * MAD_TO_SIGMA * mad, t.MIN_RATIO_TO_MEDIAN * med, t.MIN_RATIO_TO_PEAK * prevPeak);
      if (o.peak < limit) continue;
      const overPeak = o.peak / Math.max(prevPeak, 1);
      const start = chTime(o.win);
      findings.push({
        subject_type: 'token',
        subject: o.token_fingerprint,
        token_fingerprint: o.token_fingerprint,
        app_id: o.app_id,
        user_id: o.user_id,
        window_start: start,
        window_end: new Date(start.getTime() + range.windowMs),
        severity: overPeak >= 10 ? 'critical' : overPeak >= 4 ? 'high' : 'medium',
        score: o.peak / Math.max(limit, 1),
        explanation:
          `${fmt(o.peak)} requests/min against a baseline median of ${fmt(med)} (MAD ${fmt(mad)}) over ${t.BASELINE_DAYS} days` +
          (baseline.of === 'user' ? ` of user ${o.user_id} (all tokens; this token is new)` : '') +
          `; ${baseline.of === 'user' ? 'the user’s' : 'its'} previous peak was ${fmt(prevPeak)}/min`,
        evidence: {
          observed: { peak_per_minute: o.peak, peak_minute: chTime(o.peak_minute).toISOString(), window_requests: o.total },
          baseline: { of: baseline.of, days: t.BASELINE_DAYS, active_minutes: values.length, median: med, mad, p99, previous_peak: prevPeak },
          limit,
        },
      });
    }
    return findings;
  },
});


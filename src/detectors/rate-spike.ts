/**
 * rate_spike: a token's request rate is far above its own robust baseline, at two scales.
 *
 * A burst: the busiest minute of the window against the token's per-minute counts over the
 * previous days (active minutes only): median, MAD and its own previous peak; for a token
 * too new to have them (an access token an hour old), its user's.
 *
 * A sustained rate: low-and-slow reading (an exfiltration at a few requests a minute for
 * hours) never makes a busy minute. A machine credential (no user) with a day of history of
 * its own is also judged over the last hour: requests in most of its minutes, many times what it did in an hour at
 * that time of day, or, for a machine credential (no user), a sustained rate from a network
 * it never used while its own networks are still using it: its baseline on that network is
 * nothing. A job's nightly burst is its own at that hour and on its own network. A person's
 * token (a user with a day of history) is judged over the hour against the user's busiest
 * hour, any time of day: a bot on the user's own account and phone reads in most minutes.
 */
import { median, medianAbsoluteDeviation, quantile } from 'simple-statistics';
import { z } from 'zod';
import { defineQuery, TABLES, type Warehouse } from '../warehouse/warehouse.js';
import { organisation } from './networks.js';
import { groupByToken, principalHistories, principalSql } from './places.js';
import { chTime, defineDetector, fmt, focusOf, focusParams, focusSql, windowStart, withFocus, type DetectionRange, type Finding } from './types.js';

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
                  if(spiking, groupArray(c), []) AS counts, if(spiking, groupArray(n), []) AS minutes,
                  toUnixTimestamp(min(first)) * 1000 AS since
           FROM (SELECT token_fingerprint, c, count() AS n, min(minute) AS first
                 FROM (SELECT token_fingerprint, minute, requests AS c FROM ${TABLES.usageToken1m} FINAL
                       WHERE token_fingerprint IN {fps:Array(String)} AND minute >= {bfrom:DateTime64(3)} AND minute < {from:DateTime64(3)})
                 GROUP BY token_fingerprint, c)
           GROUP BY token_fingerprint
           HAVING sum(n) >= {min_minutes:UInt32} AND min(first) <= {old_enough:DateTime64(3)}`,
  params: z.object({ fps: z.array(z.string()), ...historyParams }),
  row: z.object({ token_fingerprint: z.string(), spiking: z.coerce.number(), counts: z.array(z.number()), minutes: z.array(z.number()), since: z.coerce.number() }),
});

/** The same over all of a user's tokens, minute by minute, for users whose fresh token spikes. */
const userHistoryRows = defineQuery({
  name: 'rate_spike_user_history',
  sql: `SELECT user_id, groupArray(c) AS counts, groupArray(n) AS minutes, toUnixTimestamp(min(first)) * 1000 AS since
             FROM (SELECT user_id, c, count() AS n, min(minute) AS first
                   FROM (SELECT user_id, minute, requests AS c FROM ${TABLES.usageUser1m} FINAL
                         WHERE user_id IN {users:Array(String)} AND minute >= {bfrom:DateTime64(3)} AND minute < {from:DateTime64(3)})
                   GROUP BY user_id, c)
             GROUP BY user_id
             HAVING sum(n) >= {min_minutes:UInt32} AND min(first) <= {old_enough:DateTime64(3)}
                AND {ratio:Float64} * max(c) <= {peaks:Array(UInt64)}[indexOf({users:Array(String)}, user_id)]`,
  params: z.object({ users: z.array(z.string()), ...historyParams }),
  row: z.object({ user_id: z.string(), counts: z.array(z.number()), minutes: z.array(z.number()), since: z.coerce.number() }),
});

/** Tokens with an hour (minute rollup) holding half the sustained thresholds, since the span before the range. */
const sustainedCandidateRows = defineQuery({
  name: 'rate_spike_sustained_candidates',
  sql: `SELECT DISTINCT token_fingerprint FROM (
           SELECT token_fingerprint, toStartOfHour(minute) AS h FROM ${TABLES.usageToken1m}
           WHERE minute >= toStartOfMinute({since:DateTime64(3)}) AND minute < {to:DateTime64(3)}
           GROUP BY token_fingerprint, h
           HAVING sum(requests) >= {min_requests:UInt32} AND uniqExact(minute) >= {min_minutes:UInt32})`,
  params: z.object({ since: z.date(), to: z.date(), min_requests: uint, min_minutes: uint }),
  row: z.object({ token_fingerprint: z.string() }),
});

/** The candidates' requests per minute and network (raw rows: the rollup keeps no network list). */
const sustainedRows = defineQuery({
  name: 'rate_spike_sustained_rows',
  sql: `SELECT token_fingerprint, toUnixTimestamp(toStartOfMinute(ts)) * 1000 AS minute, asn, anyLast(toString(asn_org)) AS asn_org,
               count() AS requests, anyLast(toString(app_id)) AS app_id, anyLast(user_id) AS user_id, anyLast(${principalSql('e.')}) AS principal
        FROM ${TABLES.usageEvents} AS e
        WHERE token_fingerprint IN {fps:Array(String)} AND ts >= {since:DateTime64(3)} AND ts < {to:DateTime64(3)}
        GROUP BY token_fingerprint, minute, asn`,
  params: z.object({ fps: z.array(z.string()), since: z.date(), to: z.date() }),
  row: z.object({
    token_fingerprint: z.string(),
    minute: z.number(),
    asn: z.coerce.number(),
    asn_org: z.string(),
    requests: z.coerce.number(),
    app_id: z.string(),
    user_id: z.string(),
    principal: z.string(),
  }),
});

/**
 * Requests per hour over the baseline, per key of a minute rollup (a token's, or a user's:
 * all its tokens), for the keys with history enough.
 */
const hourlyRows = (name: string, key: 'token_fingerprint' | 'user_id', table: string) =>
  defineQuery({
    name,
    sql: `SELECT ${key} AS key, groupArray(toUnixTimestamp(h) * 1000) AS hours, groupArray(n) AS counts
          FROM (SELECT ${key}, toStartOfHour(minute) AS h, sum(requests) AS n, min(minute) AS first
                FROM ${table}
                WHERE ${key} IN {keys:Array(String)} AND minute >= {bfrom:DateTime64(3)} AND minute < {before:DateTime64(3)}
                GROUP BY ${key}, h)
          GROUP BY ${key}
          HAVING min(first) <= {old_enough:DateTime64(3)}`,
    params: z.object({ keys: z.array(z.string()), bfrom: z.date(), before: z.date(), old_enough: z.date() }),
    row: z.object({ key: z.string(), hours: z.array(z.number()), counts: z.array(z.coerce.number()) }),
  });
const hourlyHistoryRows = hourlyRows('rate_spike_hourly_history', 'token_fingerprint', TABLES.usageToken1m);
const userHourlyRows = hourlyRows('rate_spike_user_hourly_history', 'user_id', TABLES.usageUser1m);

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
    FULL_BASELINE_DAYS: {
      value: 3,
      reason: 'a daily habit seen once or twice says little of how much it varies (a settlement batch 15 one day, 40 the next): a younger baseline flags for review (medium), not for revocation',
    },
    SUSTAINED_MINUTES: { value: 60, reason: 'low-and-slow reading never makes a busy minute: count the last hour too' },
    MIN_SUSTAINED_REQUESTS: { value: 120, reason: 'two requests a minute on average for an hour, whatever the baseline' },
    MIN_SUSTAINED_ACTIVE_MINUTES: {
      value: 30,
      reason: 'a script reads in most minutes of the hour; a person’s sessions fill a few minutes of it, a poller’s rate is its baseline',
    },
    MIN_RATIO_TO_HOUR: {
      value: 6,
      reason: 'six times the most the token made in an hour at this time of day (±1 h) over the baseline, and six times its typical active hour: a nightly job is judged against its own night',
    },
  },
  async detect({ warehouse, range, t }) {
    const windowS = range.windowMs / 1000;
    const observed = await observedRows(warehouse, { w: windowS, from: range.from, to: range.to, min_rate: t.MIN_RATE_PER_MIN, ...focusParams(range) });
    // No busy minute anywhere is no burst, but the hour rule still judges the last hour: a
    // low-and-slow reader never makes a busy minute, and a quiet tick is when it reads.
    if (observed.length === 0) return sustainedFindings(warehouse, range, t, new Set());

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
    const since = new Map(history.map((h) => [h.token_fingerprint, h.since]));

    // A fresh token (access tokens rotate every hour) has no history of its own: compare it
    // with its user's, minute by minute over all the user's tokens. A token whose own
    // history says "not a spike" is not judged again against its user.
    const userPeaks = new Map<string, number>();
    for (const o of observed) {
      if (counts.has(o.token_fingerprint) || established.has(o.token_fingerprint) || !o.user_id) continue;
      userPeaks.set(o.user_id, Math.max(o.peak, userPeaks.get(o.user_id) ?? 0));
    }
    const users = new Map<string, number[]>();
    const userSince = new Map<string, number>();
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
      for (const r of rows) {
        users.set(r.user_id, expand({ counts: r.counts, minutes: r.minutes }));
        userSince.set(r.user_id, r.since);
      }
    }
    const baselineOf = (o: (typeof observed)[number]): { values: number[]; of: 'token' | 'user'; since: number } | undefined => {
      const own = counts.get(o.token_fingerprint);
      if (own) return { values: own, of: 'token', since: since.get(o.token_fingerprint)! };
      const user = !established.has(o.token_fingerprint) && o.user_id ? users.get(o.user_id) : undefined;
      return user ? { values: user, of: 'user', since: userSince.get(o.user_id)! } : undefined;
    };

    const findings: Finding[] = [];
    const bursts = new Set<string>();
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
      const days = (range.from.getTime() - baseline.since) / 86_400_000;
      const start = chTime(o.win);
      bursts.add(o.token_fingerprint);
      findings.push({
        subject_type: 'token',
        subject: o.token_fingerprint,
        token_fingerprint: o.token_fingerprint,
        app_id: o.app_id,
        user_id: o.user_id,
        window_start: start,
        window_end: new Date(start.getTime() + range.windowMs),
        // A baseline of a day or two has seen a daily habit (a settlement batch, a report) once
        // or twice, not how much it varies: for review until it spans FULL_BASELINE_DAYS.
        severity: days < t.FULL_BASELINE_DAYS ? 'medium' : overPeak >= 10 ? 'critical' : overPeak >= 4 ? 'high' : 'medium',
        score: o.peak / Math.max(limit, 1),
        explanation:
          `${fmt(o.peak)} requests/min against a baseline median of ${fmt(med)} (MAD ${fmt(mad)}) over ${t.BASELINE_DAYS} days` +
          (baseline.of === 'user' ? ` of user ${o.user_id} (all tokens; this token is new)` : '') +
          `; ${baseline.of === 'user' ? 'the user’s' : 'its'} previous peak was ${fmt(prevPeak)}/min`,
        evidence: {
          observed: { peak_per_minute: o.peak, peak_minute: chTime(o.peak_minute).toISOString(), window_requests: o.total },
          baseline: { of: baseline.of, days: t.BASELINE_DAYS, spans_days: Math.round(days * 10) / 10, active_minutes: values.length, median: med, mad, p99, previous_peak: prevPeak },
          limit,
        },
      });
    }
    return [...findings, ...(await sustainedFindings(warehouse, range, t, bursts))];
  },
});

type SustainedRow = Awaited<ReturnType<typeof sustainedRows>>[number];
type SustainedThresholds = Record<
  'SUSTAINED_MINUTES' | 'MIN_SUSTAINED_REQUESTS' | 'MIN_SUSTAINED_ACTIVE_MINUTES' | 'MIN_RATIO_TO_HOUR' | 'BASELINE_DAYS' | 'MIN_HISTORY_HOURS',
  number
>;

/** One span's requests and active minutes, in all and on networks `novel` says are new. */
function sumSpan(rows: SustainedRow[], novel: (asn: number) => boolean) {
  const minutes = new Set<number>();
  const novelMinutes = new Set<number>();
  const novelNetworks = new Map<number, string>();
  let requests = 0;
  let novelRequests = 0;
  const isNew = rows.map((r) => novel(r.asn));
  const firstNovel = Math.min(...rows.filter((_, i) => isNew[i]).map((r) => r.minute));
  // Its own networks' requests while a new one is in use too: a key that moved is not in two hands.
  let alongside = 0;
  for (const [i, r] of rows.entries()) {
    if (!isNew[i] && r.minute >= firstNovel) alongside += r.requests;
    requests += r.requests;
    minutes.add(r.minute);
    if (isNew[i]) {
      novelRequests += r.requests;
      novelMinutes.add(r.minute);
      novelNetworks.set(r.asn, r.asn_org);
    }
  }
  return { requests, minutes: minutes.size, alongside, novel: { requests: novelRequests, minutes: novelMinutes.size, networks: novelNetworks } };
}

const HOUR_MS = 3_600_000;
const hourOfDay = (ms: number) => Math.floor(ms / HOUR_MS) % 24;

/**
 * Tokens with a day of history whose last SUSTAINED_MINUTES, at some window end in the
 * range, hold MIN_SUSTAINED_REQUESTS in MIN_SUSTAINED_ACTIVE_MINUTES and either
 * MIN_RATIO_TO_HOUR times the most they made in an hour at that time of day (and their
 * typical active hour), or, for a machine credential, that much from networks it never
 * used while its own networks still use it. `bursts`: tokens the burst rule found.
 */
async function sustainedFindings(warehouse: Warehouse, range: DetectionRange, t: SustainedThresholds, bursts: Set<string>): Promise<Finding[]> {
  const spanMs = t.SUSTAINED_MINUTES * 60_000;
  // A scheduled tick judges only what earlier ticks did not (as ip_fanout's hour rule).
  const judgeFrom = Math.max(range.from.getTime(), range.recheck?.before.getTime() ?? 0);
  if (judgeFrom >= range.to.getTime()) return [];
  const since = new Date(range.from.getTime() - spanMs);
  const fps = (
    await sustainedCandidateRows(warehouse, {
      since,
      to: range.to,
      min_requests: Math.ceil(t.MIN_SUSTAINED_REQUESTS / 2),
      min_minutes: Math.ceil(t.MIN_SUSTAINED_ACTIVE_MINUTES / 2),
    })
  )
    .map((r) => r.token_fingerprint)
    .filter((fp) => !bursts.has(fp));
  if (fps.length === 0) return [];
  const bfrom = new Date(range.from.getTime() - t.BASELINE_DAYS * 86_400_000);
  const before = new Date(Math.floor((range.from.getTime() - spanMs) / HOUR_MS) * HOUR_MS);
  const oldEnough = new Date(range.from.getTime() - t.MIN_HISTORY_HOURS * HOUR_MS);
  const hourly = new Map((await hourlyHistoryRows(warehouse, { keys: fps, bfrom, before, old_enough: oldEnough })).map((h) => [h.key, h]));
  const all = groupByToken(await sustainedRows(warehouse, { fps, since, to: range.to }));
  const userFindings = await userSustainedFindings(warehouse, range, t, [...all].filter(([, rows]) => rows.some((r) => r.user_id)), { judgeFrom, bfrom, before, oldEnough });
  // Machine credentials (no user) by time of day: a job's hours are its schedule, a person's
  // hours are not (the simulator's interactive users had benign hours six times their
  // typical one). A person is judged against its busiest hour (userSustainedFindings).
  const byToken = new Map([...all].filter(([fp, rows]) => hourly.has(fp) && !rows.some((r) => r.user_id)));
  if (byToken.size === 0) return userFindings;
  // A machine credential's networks: its client's (else its own) places over the baseline
  // (refused uses are no place).
  const principalOf = (fp: string) => byToken.get(fp)!.find((r) => !r.principal.startsWith('t:'))?.principal ?? `t:${fp}`;
  const histories = await principalHistories(warehouse, [...new Set([...byToken.keys()].map(principalOf))], bfrom, before);
  const late = new Set(range.recheck?.tokens ?? []);

  const findings: Finding[] = [];
  for (const [fp, rows] of byToken) {
    if (range.recheck && !late.has(fp) && !rows.some((r) => r.minute >= range.recheck!.before.getTime())) continue;
    const history = hourly.get(fp)!;
    const typical = median(history.counts);
    // New: a network whose operator it never used (a cloud's other ASN is the same cloud).
    const own = histories.get(principalOf(fp));
    const orgOf = new Map(rows.map((r) => [r.asn, organisation(r)]));
    const novel = (asn: number) => own !== undefined && asn !== 0 && !own.networks.has(asn) && !own.organisations.has(orgOf.get(asn)!);
    for (let end = windowStart(judgeFrom, range.windowMs) + range.windowMs; end <= range.to.getTime() + range.windowMs - 1; end += range.windowMs) {
      const span = sumSpan(
        rows.filter((r) => r.minute >= end - spanMs && r.minute < end),
        novel,
      );
      if (span.requests < t.MIN_SUSTAINED_REQUESTS || span.minutes < t.MIN_SUSTAINED_ACTIVE_MINUTES) continue;
      // The busiest hour at this time of day: hours of day the span touches, and one either side.
      const hours = new Set([hourOfDay(end - spanMs), hourOfDay(end - 1)].flatMap((h) => [(h + 23) % 24, h, (h + 1) % 24]));
      const atThisTime = Math.max(0, ...history.counts.filter((_, i) => hours.has(hourOfDay(history.hours[i]!))));
      const base = Math.max(atThisTime, typical, 1);
      const overHour = span.requests >= t.MIN_RATIO_TO_HOUR * base;
      // Two hands add to what the key does: more than it ever made at this time of day.
      const twoHands =
        span.novel.requests >= t.MIN_SUSTAINED_REQUESTS &&
        span.novel.minutes >= t.MIN_SUSTAINED_ACTIVE_MINUTES &&
        span.alongside > 0 &&
        span.requests > atThisTime;
      if (!overHour && !twoHands) continue;
      const last = rows.at(-1)!;
      const novelNames = [...span.novel.networks].map(([asn, org]) => `AS${asn}${org ? ` (${org})` : ''}`);
      findings.push({
        subject_type: 'token',
        subject: fp,
        token_fingerprint: fp,
        app_id: last.app_id,
        user_id: last.user_id,
        window_start: new Date(end - range.windowMs),
        window_end: new Date(end),
        // On its own networks a busy hour may be its owner's doing (a re-sync, a backfill): for
        // review. From a network it never used while its own are in use: two hands.
        severity: twoHands ? 'high' : 'medium',
        score: span.requests / (t.MIN_RATIO_TO_HOUR * base),
        explanation:
          `${fmt(span.requests)} requests in the last ${fmt(t.SUSTAINED_MINUTES)} min, in ${fmt(span.minutes)} of its minutes; ` +
          `the most it made in an hour at this time of day over ${t.BASELINE_DAYS} days was ${fmt(atThisTime)}, a typical active hour ${fmt(typical)}` +
          (twoHands ? `; ${fmt(span.novel.requests)} of them from ${novelNames.join(', ')}, never used by this credential, while its own networks made ${fmt(span.alongside)} alongside` : ''),
        evidence: {
          observed: {
            span_minutes: t.SUSTAINED_MINUTES,
            requests: span.requests,
            active_minutes: span.minutes,
            from_new_networks: { requests: span.novel.requests, active_minutes: span.novel.minutes, asns: [...span.novel.networks.keys()] },
            own_networks_alongside: span.alongside,
          },
          baseline: { of: 'token', days: t.BASELINE_DAYS, busiest_hour_at_this_time: atThisTime, typical_active_hour: typical, hours: history.counts.length },
          limit: t.MIN_RATIO_TO_HOUR * base,
        },
      });
      break;
    }
  }
  return [...userFindings, ...findings];
}

/**
 * A person's token reading at a script's pace: in the last SUSTAINED_MINUTES, at some
 * window end in the range, MIN_SUSTAINED_REQUESTS in MIN_SUSTAINED_ACTIVE_MINUTES, and
 * MIN_RATIO_TO_HOUR times the busiest hour its user (all tokens, any time of day) had over
 * the baseline. A checkout or scraping bot on the user's own account, phone and networks
 * never makes a busy minute (20–30 requests a minute) and never leaves its networks; a
 * person's sessions fill a few minutes of an hour. For review (medium): its owner may
 * have started a script.
 */
async function userSustainedFindings(
  warehouse: Warehouse,
  range: DetectionRange,
  t: SustainedThresholds,
  tokens: [string, SustainedRow[]][],
  p: { judgeFrom: number; bfrom: Date; before: Date; oldEnough: Date },
): Promise<Finding[]> {
  if (tokens.length === 0) return [];
  const userOf = (rows: SustainedRow[]) => rows.find((r) => r.user_id)!.user_id;
  const users = [...new Set(tokens.map(([, rows]) => userOf(rows)))];
  const busiest = new Map(
    (await userHourlyRows(warehouse, { keys: users, bfrom: p.bfrom, before: p.before, old_enough: p.oldEnough })).map((u) => [u.key, { busiest: Math.max(...u.counts), hours: u.counts.length }]),
  );
  const spanMs = t.SUSTAINED_MINUTES * 60_000;
  const late = new Set(range.recheck?.tokens ?? []);
  const findings: Finding[] = [];
  for (const [fp, rows] of tokens) {
    const user = userOf(rows);
    const history = busiest.get(user);
    if (!history) continue;
    if (range.recheck && !late.has(fp) && !rows.some((r) => r.minute >= range.recheck!.before.getTime())) continue;
    const limit = t.MIN_RATIO_TO_HOUR * Math.max(history.busiest, 1);
    for (let end = windowStart(p.judgeFrom, range.windowMs) + range.windowMs; end <= range.to.getTime() + range.windowMs - 1; end += range.windowMs) {
      const span = sumSpan(
        rows.filter((r) => r.minute >= end - spanMs && r.minute < end),
        () => false,
      );
      if (span.requests < t.MIN_SUSTAINED_REQUESTS || span.minutes < t.MIN_SUSTAINED_ACTIVE_MINUTES || span.requests < limit) continue;
      const last = rows.at(-1)!;
      findings.push({
        subject_type: 'token',
        subject: fp,
        token_fingerprint: fp,
        app_id: last.app_id,
        user_id: user,
        window_start: new Date(end - range.windowMs),
        window_end: new Date(end),
        severity: 'medium',
        score: span.requests / limit,
        explanation:
          `${fmt(span.requests)} requests in the last ${fmt(t.SUSTAINED_MINUTES)} min, in ${fmt(span.minutes)} of its minutes; ` +
          `the busiest hour of user ${user} (all tokens) over ${t.BASELINE_DAYS} days was ${fmt(history.busiest)}`,
        evidence: {
          observed: { span_minutes: t.SUSTAINED_MINUTES, requests: span.requests, active_minutes: span.minutes },
          baseline: { of: 'user', user_id: user, days: t.BASELINE_DAYS, busiest_hour: history.busiest, hours: history.hours },
          limit,
        },
      });
      break;
    }
  }
  return findings;
}


/**
 * auth_failures: bursts of 401/403 for one token, user or IP (credential stuffing, scope
 * probing, a script with a dead key), and for a whole app against its own baseline.
 * Mostly failing traffic is the signal: a NAT address with many users has some 401s
 * among thousands of successes, a stuffing source has little else.
 */
import { median, medianAbsoluteDeviation } from 'simple-statistics';
import { z } from 'zod';
import { TABLES } from '../warehouse/warehouse.js';
import { chTime, defineDetector, fmt, focusCondition, focusParams, focusSql, type DetectionRange, type Finding, type SubjectType } from './types.js';

const MAD_TO_SIGMA = 1.4826;

/** The raw-table expression naming the subject, per subject type (constant SQL only). */
const SUBJECT_SQL: Record<Exclude<SubjectType, 'app'>, string> = {
  token: 'token_fingerprint',
  user: 'user_id',
  ip: "replaceRegexpOne(IPv6NumToString(ip), '^::ffff:', '')",
};

/** Address candidates need this share of MIN_TOKENS_PER_IP in the hourly rollup's distinct tokens (uniq, see below). */
const CANDIDATE_SLACK = 0.9;

/**
 * Where the subjects with enough failures are found before raw rows are read, each from a
 * rollup: the per-minute rollups count the requests and 401/403s of each token and user,
 * exactly, per (subject, window); addresses only have the hourly dimension rollup, whose
 * failures and distinct tokens (of all requests, so at least the failing ones) in the hour
 * around a window bound the window's from above: a superset, the raw rows decide.
 * `column` is the raw table's column for the subject, `type` its parameter type.
 *
 * Tokens' candidates keep only the windows in focus (see focusSql); users' and addresses'
 * rollups do not know which tokens were used, so their raw rows say whether a late token
 * took part (focusCondition).
 */
const CANDIDATE_SQL: Record<Exclude<SubjectType, 'app'>, { column: string; type: string; sql: (range: DetectionRange) => string }> = {
  token: {
    column: 'token_fingerprint',
    type: 'String',
    sql: (range) => `SELECT token_fingerprint AS subject, toUnixTimestamp(toStartOfInterval(minute, toIntervalSecond({w:UInt32}))) AS win
      FROM ${TABLES.usageToken1m}
      WHERE minute >= {from:DateTime64(3)} AND minute < {to:DateTime64(3)}${focusSql(range, 'minute')}
      GROUP BY subject, win
      HAVING sum(auth_failures) >= {min:UInt32} AND sum(auth_failures) >= {ratio:Float64} * sum(requests)`,
  },
  user: {
    column: 'user_id',
    type: 'String',
    sql: () => `SELECT user_id AS subject, toUnixTimestamp(toStartOfInterval(minute, toIntervalSecond({w:UInt32}))) AS win
      FROM ${TABLES.usageUser1m}
      WHERE minute >= {from:DateTime64(3)} AND minute < {to:DateTime64(3)} AND user_id != ''
      GROUP BY subject, win
      HAVING sum(auth_failures) >= {min:UInt32} AND sum(auth_failures) >= {ratio:Float64} * sum(requests)`,
  },
  ip: {
    column: 'ip',
    type: 'IPv6',
    sql: () => `SELECT value AS subject, toUnixTimestamp(hour) AS win
      FROM ${TABLES.usageDim1h}
      WHERE dimension = 'ip' AND hour >= toStartOfHour({from:DateTime64(3)}) AND hour < {to:DateTime64(3)}
      GROUP BY subject, hour
      HAVING sum(auth_failures) >= {min:UInt32} AND uniqMerge(tokens) >= {candidate_tokens:UInt32}`,
  },
};

/**
 * The raw rows of a user or an address are those of the tokens used in the range (the
 * minute rollup), a condition on the table's primary key: a condition on time alone reads
 * every part of the day that overlaps the window, most of the day once parts merge.
 */
const ACTIVE_TOKENS_SQL = `token_fingerprint IN (
  SELECT token_fingerprint FROM ${TABLES.usageToken1m} WHERE minute >= toStartOfMinute({from:DateTime64(3)}) AND minute < {to:DateTime64(3)})`;

export const authFailures = defineDetector({
  name: 'auth_failures',
  description: 'bursts of 401/403 for a token, user, IP or app (stuffing, scope probing)',
  thresholds: {
    MIN_FAILURES: { value: 20, reason: 'an expired session retried a few times is not a burst' },
    MIN_FAILURE_RATIO: { value: 0.5, reason: 'most of the subject’s traffic failing: a NAT with many users fails a little among many successes' },
    MIN_TOKENS_PER_IP: { value: 5, reason: 'one address failing with five or more different tokens is trying credentials' },
    MIN_APP_FAILURES: { value: 200, reason: 'an app-wide burst must be large in absolute terms' },
    APP_MAD_MULTIPLIER: { value: 10, reason: 'app failures above median + 10 robust sigmas of its own windows' },
    BASELINE_DAYS: { value: 7, reason: 'a week of the app’s windows' },
  },
  async detect({ warehouse, range, t }) {
    const windowS = range.windowMs / 1000;
    const findings: Finding[] = [];
    const row = z.object({
      subject: z.string(),
      win: z.string(),
      key: z.string(),
      failures: z.coerce.number(),
      total: z.coerce.number(),
      tokens: z.coerce.number(),
      paths: z.array(z.string()),
      statuses: z.array(z.coerce.number()),
      ips: z.array(z.string()),
      last_app: z.string(),
      last_user: z.string(),
      last_token: z.string(),
      focused: z.coerce.number(),
    });

    const params = {
      w: windowS,
      from: range.from,
      to: range.to,
      min: t.MIN_FAILURES,
      ratio: t.MIN_FAILURE_RATIO,
      min_tokens: t.MIN_TOKENS_PER_IP,
      candidate_tokens: Math.ceil(t.MIN_TOKENS_PER_IP * CANDIDATE_SLACK),
      ...focusParams(range),
    };
    for (const [type, expr] of Object.entries(SUBJECT_SQL) as [Exclude<SubjectType, 'app'>, string][]) {
      const { column, type: columnType, sql } = CANDIDATE_SQL[type];
      const candidates = z
        .object({ subject: z.string(), win: z.coerce.number() })
        .array()
        .parse(await warehouse.query(sql(range), params));
      if (candidates.length === 0) continue;
      const subjects = [...new Set(candidates.map((c) => c.subject))];
      // Token and user candidates are exact (subject, window) pairs; addresses' are hours.
      const wanted = type === 'ip' ? undefined : new Set(candidates.map((c) => `${c.subject}|${c.win * 1000}`));
      const rows = row
        .array()
        .parse(
          await warehouse.query(
            `SELECT ${expr} AS subject, toString(toStartOfInterval(ts, toIntervalSecond({w:UInt32}))) AS win,
                    ${type === 'ip' ? 'IPv6NumToString(ip)' : expr} AS key,
                    countIf(status IN (401, 403)) AS failures, count() AS total,
                    uniqExactIf(token_fingerprint, status IN (401, 403)) AS tokens,
                    groupUniqArrayIf(10)(path, status IN (401, 403)) AS paths,
                    groupUniqArrayIf(2)(status, status IN (401, 403)) AS statuses,
                    groupUniqArrayIf(10)(replaceRegexpOne(IPv6NumToString(ip), '^::ffff:', ''), status IN (401, 403)) AS ips,
                    anyLast(toString(app_id)) AS last_app, anyLast(user_id) AS last_user, anyLast(token_fingerprint) AS last_token,
                    max(${focusCondition(range, 'ts')}) AS focused
             FROM ${TABLES.usageEvents}
             WHERE ${type === 'token' ? '' : `${ACTIVE_TOKENS_SQL} AND `}ts >= {from:DateTime64(3)} AND ts < {to:DateTime64(3)} AND ${column} IN {subjects:Array(${columnType})}
             GROUP BY ${column}, win
             HAVING failures >= {min:UInt32} AND failures >= {ratio:Float64} * total ${type === 'ip' ? 'AND tokens >= {min_tokens:UInt32}' : ''}`,
            { ...params, subjects },
          ),
        )
        .filter((r) => r.focused > 0 && (!wanted || wanted.has(`${r.key}|${chTime(r.win).getTime()}`)));
      for (const r of rows) {
        const start = chTime(r.win);
        const who = type === 'token' ? 'this token' : type === 'user' ? `user ${r.subject}` : `${r.subject}`;
        findings.push({
          subject_type: type,
          subject: r.subject,
          token_fingerprint: type === 'token' ? r.subject : type === 'ip' && r.tokens === 1 ? r.last_token : undefined,
          app_id: r.last_app,
          user_id: type === 'ip' ? undefined : r.last_user,
          window_start: start,
          window_end: new Date(start.getTime() + range.windowMs),
          severity: r.failures >= 5 * t.MIN_FAILURES || r.tokens >= 4 * t.MIN_TOKENS_PER_IP ? 'high' : 'medium',
          score: r.failures / t.MIN_FAILURES,
          explanation:
            `${fmt(r.failures)} of ${fmt(r.total)} requests from ${who} failed with ${r.statuses.join('/')} in ${fmt(windowS / 60)} min` +
            (type === 'ip' ? `, using ${fmt(r.tokens)} different tokens` : `, on ${r.paths.length} paths`),
          evidence: { failures: r.failures, total: r.total, failure_ratio: r.failures / r.total, tokens: r.tokens, paths: r.paths, statuses: r.statuses, ips: r.ips },
        });
      }
    }

    // Whole apps: the window's failures against the app's own history of windows.
    const apps = z
      .object({ app_id: z.string(), win: z.string(), failures: z.coerce.number(), total: z.coerce.number() })
      .array()
      .parse(
        await warehouse.query(
          `SELECT app_id, toString(toStartOfInterval(minute, toIntervalSecond({w:UInt32}))) AS win, sum(auth_failures) AS failures, sum(requests) AS total
           FROM ${TABLES.usageApp1m} WHERE minute >= {from:DateTime64(3)} AND minute < {to:DateTime64(3)} AND app_id != ''
           GROUP BY app_id, win HAVING failures >= {min:UInt32}`,
          { w: windowS, from: range.from, to: range.to, min: t.MIN_APP_FAILURES },
        ),
      );
    if (apps.length > 0) {
      const history = z
        .object({ app_id: z.string(), counts: z.array(z.coerce.number()) })
        .array()
        .parse(
          await warehouse.query(
            `SELECT app_id, groupArray(f) AS counts FROM (
               SELECT app_id, toStartOfInterval(minute, toIntervalSecond({w:UInt32})) AS win, sum(auth_failures) AS f
               FROM ${TABLES.usageApp1m}
               WHERE app_id IN {apps:Array(String)} AND minute >= {bfrom:DateTime64(3)} AND minute < {from:DateTime64(3)}
               GROUP BY app_id, win)
             GROUP BY app_id`,
            { w: windowS, apps: [...new Set(apps.map((a) => a.app_id))], bfrom: new Date(range.from.getTime() - t.BASELINE_DAYS * 86_400_000), from: range.from },
          ),
        );
      const counts = new Map(history.map((h) => [h.app_id, h.counts]));
      for (const a of apps) {
        const values = counts.get(a.app_id) ?? [];
        // Windows without failures are missing from the rollup: count them as zero.
        const expected = Math.max(values.length, Math.floor((t.BASELINE_DAYS * 86_400_000) / range.windowMs));
        const padded = values.concat(new Array(Math.max(0, expected - values.length)).fill(0));
        const med = median(padded);
        const mad = medianAbsoluteDeviation(padded);
        const limit = Math.max(t.MIN_APP_FAILURES, med + t.APP_MAD_MULTIPLIER * MAD_TO_SIGMA * mad, 2 * Math.max(0, ...values));
        if (a.failures < limit) continue;
        const start = chTime(a.win);
        findings.push({
          subject_type: 'app',
          subject: a.app_id,
          app_id: a.app_id,
          window_start: start,
          window_end: new Date(start.getTime() + range.windowMs),
          severity: a.failures >= 5 * limit ? 'high' : 'medium',
          score: a.failures / limit,
          explanation: `${fmt(a.failures)} failed authentications for app ${a.app_id} in ${fmt(windowS / 60)} min against a median of ${fmt(med)} (MAD ${fmt(mad)}) per window over ${t.BASELINE_DAYS} days`,
          evidence: { failures: a.failures, total: a.total, baseline: { median: med, mad, previous_max: Math.max(0, ...values) }, limit },
        });
      }
    }
    return findings;
  },
});

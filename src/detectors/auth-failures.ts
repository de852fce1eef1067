/**
 * auth_failures: bursts of 401/403 for one token or user (scope probing, a script with a
 * dead key), credential stuffing and brute force from one address or network (many
 * credentials, each failing once or twice: stuffing.ts), and a whole app against its own
 * baseline. Mostly failing traffic is the signal: a NAT address with many users has some
 * 401s among thousands of successes, a stuffing source has little else.
 */
import { median, medianAbsoluteDeviation } from 'simple-statistics';
import { z } from 'zod';
import { defineQuery, TABLES } from '../warehouse/warehouse.js';
import { stuffing } from './stuffing.js';
import { chTime, defineDetector, fmt, focusCondition, focusOf, focusParams, focusSql, withFocus, type Focus, type Finding, type SubjectType } from './types.js';

const MAD_TO_SIGMA = 1.4826;

/** The raw-table expression naming the subject, per subject type (constant SQL only). */
const SUBJECT_SQL: Record<PerCredential, string> = {
  token: 'token_fingerprint',
  user: 'user_id',
};

/** Tokens and users are judged per window here; addresses and networks per sliding hour in stuffing.ts. */
type PerCredential = Extract<SubjectType, 'token' | 'user'>;

/**
 * Where the subjects with enough failures are found before raw rows are read, each from a
 * rollup: the per-minute rollups count the requests and 401/403s of each token and user,
 * exactly, per (subject, window). `column` is the raw table's column for the subject,
 * `type` its parameter type.
 *
 * Tokens' candidates keep only the windows in focus (see focusSql); users' rollup does not
 * know which tokens were used, so their raw rows say whether a late token took part
 * (focusCondition).
 */
const CANDIDATE_SQL: Record<PerCredential, { column: string; type: string; sql: (range: Focus) => string }> = {
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
};

/**
 * The raw rows of a user or an address are those of the tokens used in the range (the
 * minute rollup), a condition on the table's primary key: a condition on time alone reads
 * every part of the day that overlaps the window, most of the day once parts merge.
 */
const ACTIVE_TOKENS_SQL = `token_fingerprint IN (
  SELECT token_fingerprint FROM ${TABLES.usageToken1m} WHERE minute >= toStartOfMinute({from:DateTime64(3)}) AND minute < {to:DateTime64(3)})`;

const PER_CREDENTIAL = Object.keys(SUBJECT_SQL) as PerCredential[];
const perCredential = <T>(make: (type: PerCredential) => T) => Object.fromEntries(PER_CREDENTIAL.map((type) => [type, make(type)])) as Record<PerCredential, T>;

const uint = z.number().int().nonnegative();
const windowShape = { w: uint, from: z.date(), to: z.date(), min: uint, ratio: z.number() };

/** The (subject, window) pairs with enough failures, from the subject type's rollup. */
const candidateRows = perCredential((type) =>
  defineQuery({
    name: `auth_failures_candidates_${type}`,
    sql: (params) => CANDIDATE_SQL[type].sql(focusOf(params)),
    params: withFocus(windowShape),
    row: z.object({ subject: z.string(), win: z.coerce.number() }),
  }),
);

/** The candidates' raw rows per window: failures, what they tried, and whether any row is in focus. */
const subjectRows = perCredential((type) => {
  const expr = SUBJECT_SQL[type];
  const { column, type: columnType } = CANDIDATE_SQL[type];
  return defineQuery({
    name: `auth_failures_rows_${type}`,
    sql: (params) => `SELECT ${expr} AS subject, toString(toStartOfInterval(ts, toIntervalSecond({w:UInt32}))) AS win,
                    ${expr} AS key,
                    countIf(status IN (401, 403)) AS failures, count() AS total,
                    uniqExactIf(token_fingerprint, status IN (401, 403)) AS tokens,
                    groupUniqArrayIf(10)(path, status IN (401, 403)) AS paths,
                    groupUniqArrayIf(2)(status, status IN (401, 403)) AS statuses,
                    groupUniqArrayIf(10)(replaceRegexpOne(IPv6NumToString(ip), '^::ffff:', ''), status IN (401, 403)) AS ips,
                    anyLast(toString(app_id)) AS last_app, anyLast(user_id) AS last_user, anyLast(token_fingerprint) AS last_token,
                    max(${focusCondition(focusOf(params), 'ts')}) AS focused
             FROM ${TABLES.usageEvents}
             WHERE ${type === 'token' ? '' : `${ACTIVE_TOKENS_SQL} AND `}ts >= {from:DateTime64(3)} AND ts < {to:DateTime64(3)} AND ${column} IN {subjects:Array(${columnType})}
             GROUP BY ${column}, win
             HAVING failures >= {min:UInt32} AND failures >= {ratio:Float64} * total`,
    params: withFocus({ ...windowShape, subjects: z.array(z.string()) }),
    row: z.object({
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
    }),
  });
});

/** Whole apps: each app's failures per window in the range (minute rollup). */
const appRows = defineQuery({
  name: 'auth_failures_apps',
  sql: `SELECT app_id, toString(toStartOfInterval(minute, toIntervalSecond({w:UInt32}))) AS win, sum(auth_failures) AS failures, sum(requests) AS total
           FROM ${TABLES.usageApp1m} WHERE minute >= {from:DateTime64(3)} AND minute < {to:DateTime64(3)} AND app_id != ''
           GROUP BY app_id, win HAVING failures >= {min:UInt32}`,
  params: z.object({ w: uint, from: z.date(), to: z.date(), min: uint }),
  row: z.object({ app_id: z.string(), win: z.string(), failures: z.coerce.number(), total: z.coerce.number() }),
});

/** The apps' failures per window over the baseline (windows without failures are missing). */
const appHistoryRows = defineQuery({
  name: 'auth_failures_app_history',
  sql: `SELECT app_id, groupArray(f) AS counts FROM (
               SELECT app_id, toStartOfInterval(minute, toIntervalSecond({w:UInt32})) AS win, sum(auth_failures) AS f
               FROM ${TABLES.usageApp1m}
               WHERE app_id IN {apps:Array(String)} AND minute >= {bfrom:DateTime64(3)} AND minute < {from:DateTime64(3)}
               GROUP BY app_id, win)
             GROUP BY app_id`,
  params: z.object({ w: uint, apps: z.array(z.string()), bfrom: z.date(), from: z.date() }),
  row: z.object({ app_id: z.string(), counts: z.array(z.coerce.number()) }),
});

export const authFailures = defineDetector({
  name: 'auth_failures',
  description: 'bursts of 401/403 for a token, user, IP or app (stuffing, scope probing)',
  thresholds: {
    MIN_FAILURES: { value: 20, reason: 'an expired session retried a few times is not a burst' },
    MIN_FAILURE_RATIO: { value: 0.5, reason: 'most of the subject’s traffic failing: a NAT with many users fails a little among many successes' },
    MIN_TOKENS_PER_IP: { value: 5, reason: 'one address failing with five or more different tokens or user names in an hour is trying credentials (a /24 or /48: twice that, from 3 addresses)' },
    MIN_TRIES_PER_IP: { value: 5, reason: 'five refused tries in an hour, nothing accepted, with credentials that never worked: guessing a secret, not a typo corrected' },
    IP_WINDOW_MINUTES: { value: 60, reason: 'a slow campaign spreads its tries: an address is judged over the last hour, not one window' },
    MIN_NEVER_SUCCEEDED_SHARE: { value: 0.5, reason: 'most tried tokens never worked: a NAT’s failures are expired sessions that worked before' },
    MIN_ADDRESSES_PER_NETWORK: { value: 3, reason: 'a network is a subject when the campaign spreads over three or more of its addresses' },
    CAMPAIGN_MIN_ADDRESSES: { value: 2, reason: 'a credential that never worked, refused from two or more addresses that never got in with it: a spraying campaign, whatever each address did alone' },
    PROBE_MIN_CREDENTIALS: { value: 2, reason: 'an address refused with two or more credentials that never worked anywhere, with nothing accepted from it in a day, is probing names or keys however slowly (a mistyped user name is followed by the right one)' },
    CAMPAIGN_HOURS: { value: 24, reason: 'a slow campaign tries each address a few times over hours' },
    MIN_APP_FAILURES: { value: 200, reason: 'an app-wide burst must be large in absolute terms' },
    APP_MAD_MULTIPLIER: { value: 10, reason: 'app failures above median + 10 robust sigmas of its own windows' },
    BASELINE_DAYS: { value: 7, reason: 'a week of the app’s windows' },
  },
  async detect({ warehouse, range, t }) {
    const windowS = range.windowMs / 1000;
    const findings: Finding[] = [];
    const params = {
      w: windowS,
      from: range.from,
      to: range.to,
      min: t.MIN_FAILURES,
      ratio: t.MIN_FAILURE_RATIO,
      ...focusParams(range),
    };
    for (const type of PER_CREDENTIAL) {
      const candidates = await candidateRows[type](warehouse, params);
      if (candidates.length === 0) continue;
      const subjects = [...new Set(candidates.map((c) => c.subject))];
      // Candidates are exact (subject, window) pairs.
      const wanted = new Set(candidates.map((c) => `${c.subject}|${c.win * 1000}`));
      const rows = (await subjectRows[type](warehouse, { ...params, subjects })).filter((r) => r.focused > 0 && wanted.has(`${r.key}|${chTime(r.win).getTime()}`));
      for (const r of rows) {
        const start = chTime(r.win);
        const who = type === 'token' ? 'this token' : `user ${r.subject}`;
        findings.push({
          subject_type: type,
          subject: r.subject,
          token_fingerprint: type === 'token' ? r.subject : undefined,
          app_id: r.last_app,
          user_id: r.last_user,
          window_start: start,
          window_end: new Date(start.getTime() + range.windowMs),
          severity: r.failures >= 5 * t.MIN_FAILURES ? 'high' : 'medium',
          score: r.failures / t.MIN_FAILURES,
          explanation:
            `${fmt(r.failures)} of ${fmt(r.total)} requests from ${who} failed with ${r.statuses.join('/')} in ${fmt(windowS / 60)} min, on ${r.paths.length} paths`,
          evidence: { failures: r.failures, total: r.total, failure_ratio: r.failures / r.total, tokens: r.tokens, paths: r.paths, statuses: r.statuses, ips: r.ips },
        });
      }
    }

    findings.push(...(await stuffing(warehouse, range, t)));

    // Whole apps: the window's failures against the app's own history of windows.
    const apps = await appRows(warehouse, { w: windowS, from: range.from, to: range.to, min: t.MIN_APP_FAILURES });
    if (apps.length > 0) {
      const history = await appHistoryRows(warehouse, {
        w: windowS,
        apps: [...new Set(apps.map((a) => a.app_id))],
        bfrom: new Date(range.from.getTime() - t.BASELINE_DAYS * 86_400_000),
        from: range.from,
      });
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

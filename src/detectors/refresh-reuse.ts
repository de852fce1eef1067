/**
 * refresh_reuse: a refresh token used again after it was rotated. Either it shows up in
 * usage after its rotation, or the identity provider reports a second refresh from the
 * same parent. Either way someone else holds a copy and the whole family is compromised.
 * Only a refresh that yields a new refresh token rotates its parent: an identity provider
 * that does not rotate refresh tokens mints an access token from the same refresh token
 * every time (a `refreshed` event whose token is an access token), and an old access token
 * stays valid until it expires.
 */
import { z } from 'zod';
import { defineQuery, TABLES } from '../warehouse/warehouse.js';
import { chTime, defineDetector, fmt, focusOf, focusParams, focusTokensSql, withFocus, windowStart, type Finding } from './types.js';

/**
 * Used after its rotation: the rotated tokens among those used in the range (minute rollup),
 * then the raw rows of those tokens only, over the whole range, so a finding keeps its window.
 */
const usedAfterRotation = defineQuery({
  name: 'refresh_reuse_used',
  sql: (params) => `WITH rotated AS (
             SELECT rotated_from AS token_fingerprint, min(ts) AS rotated_at, any(family_id) AS family_id FROM ${TABLES.tokenEvents}
             WHERE event = 'refreshed' AND token_type != 'access_token' AND rotated_from IN (
               SELECT token_fingerprint FROM ${TABLES.usageToken1m}
               WHERE minute >= toStartOfMinute({from:DateTime64(3)}) AND minute < {to:DateTime64(3)}${focusTokensSql(focusOf(params), 'minute')})
             GROUP BY rotated_from)
           SELECT u.token_fingerprint AS token_fingerprint, toString(any(r.rotated_at)) AS rotated_at, toString(min(u.ts)) AS first_use,
                  count() AS uses, any(r.family_id) AS family_id,
                  groupUniqArray(5)(replaceRegexpOne(IPv6NumToString(u.ip), '^::ffff:', '')) AS ips,
                  anyLast(toString(u.app_id)) AS app_id, anyLast(u.user_id) AS user_id
           FROM ${TABLES.usageEvents} AS u INNER JOIN rotated AS r ON u.token_fingerprint = r.token_fingerprint
           WHERE u.token_fingerprint IN (SELECT token_fingerprint FROM rotated)
             AND u.ts >= {from:DateTime64(3)} AND u.ts < {to:DateTime64(3)} AND u.ts > r.rotated_at + toIntervalSecond({grace:UInt32})
           GROUP BY token_fingerprint`,
  params: withFocus({ from: z.date(), to: z.date(), grace: z.number().int().nonnegative() }),
  row: z.object({ token_fingerprint: z.string(), rotated_at: z.string(), first_use: z.string(), uses: z.coerce.number(), family_id: z.string(), ips: z.array(z.string()), app_id: z.string(), user_id: z.string() }),
});

/** Refreshed twice from the same parent. */
const refreshedTwice = defineQuery({
  name: 'refresh_reuse_twice',
  sql: `SELECT rotated_from AS parent, count() AS refreshes, toString(min(ts)) AS first, toString(arraySort(groupArray(ts))[2]) AS second,
                  groupUniqArray(5)(token_fingerprint) AS children, any(family_id) AS family_id,
                  anyLast(toString(app_id)) AS app_id, anyLast(user_id) AS user_id
           FROM ${TABLES.tokenEvents}
           WHERE event = 'refreshed' AND token_type != 'access_token' AND rotated_from != '' AND rotated_from IN (
             SELECT rotated_from FROM ${TABLES.tokenEvents}
             WHERE event = 'refreshed' AND ts >= {from:DateTime64(3)} AND ts < {to:DateTime64(3)})
           GROUP BY rotated_from
           HAVING uniqExact(token_fingerprint) >= 2 AND max(ts) - min(ts) > {grace:UInt32}
             AND arraySort(groupArray(ts))[2] >= {from:DateTime64(3)} AND arraySort(groupArray(ts))[2] < {to:DateTime64(3)}`,
  params: z.object({ from: z.date(), to: z.date(), grace: z.number().int().nonnegative() }),
  row: z.object({ parent: z.string(), refreshes: z.coerce.number(), first: z.string(), second: z.string(), children: z.array(z.string()), family_id: z.string(), app_id: z.string(), user_id: z.string() }),
});

export const refreshReuse = defineDetector({
  name: 'refresh_reuse',
  description: 'a refresh token used again after it was rotated (the family is compromised)',
  thresholds: {
    GRACE_SECONDS: { value: 30, reason: 'a client retrying the refresh request it just made is not a reuse' },
  },
  async detect({ warehouse, range, t }) {
    const findings: Finding[] = [];
    const finding = (fp: string, at: Date, app: string, user: string, explanation: string, evidence: Record<string, unknown>): Finding => {
      const start = new Date(windowStart(at.getTime(), range.windowMs));
      return {
        subject_type: 'token',
        subject: fp,
        token_fingerprint: fp,
        app_id: app,
        user_id: user,
        window_start: start,
        window_end: new Date(start.getTime() + range.windowMs),
        severity: 'high',
        score: 1,
        explanation,
        evidence,
      };
    };

    const used = await usedAfterRotation(warehouse, { from: range.from, to: range.to, grace: t.GRACE_SECONDS, ...focusParams(range) });
    for (const u of used) {
      const rotatedAt = chTime(u.rotated_at);
      const first = chTime(u.first_use);
      findings.push(
        finding(
          u.token_fingerprint,
          first,
          u.app_id,
          u.user_id,
          `refresh token rotated at ${rotatedAt.toISOString().slice(11, 16)} UTC was used again ${fmt((first.getTime() - rotatedAt.getTime()) / 60_000)} min later ` +
            `(${fmt(u.uses)} requests): a copy is in other hands, its whole family is compromised`,
          { rotated_at: rotatedAt.toISOString(), first_reuse: first.toISOString(), uses: u.uses, family_id: u.family_id || u.token_fingerprint, ips: u.ips },
        ),
      );
    }

    const twice = await refreshedTwice(warehouse, { from: range.from, to: range.to, grace: t.GRACE_SECONDS });
    for (const r of twice) {
      if (used.some((u) => u.token_fingerprint === r.parent)) continue;
      findings.push(
        finding(
          r.parent,
          chTime(r.second),
          r.app_id,
          r.user_id,
          `refresh token exchanged ${fmt(r.refreshes)} times (first ${r.first.slice(11, 16)}, again ${r.second.slice(11, 16)} UTC): ` +
            `someone replayed a rotated refresh token, its whole family is compromised`,
          { refreshes: r.refreshes, first_refresh: chTime(r.first).toISOString(), second_refresh: chTime(r.second).toISOString(), children: r.children, family_id: r.family_id || r.parent },
        ),
      );
    }
    return findings;
  },
});

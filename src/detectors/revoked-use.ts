/**
 * revoked_use: a revoked token still gets 2xx answers after its revocation had time to
 * reach the gateways: the enforcement point is not enforcing.
 */
import { z } from 'zod';
import { defineQuery, TABLES } from '../warehouse/warehouse.js';
import { chTime, defineDetector, fmt, focusOf, focusParams, focusSql, withFocus, type Finding } from './types.js';

/** The revoked tokens among those used in the range (minute rollup), then the raw rows of those tokens only. */
const acceptedAfterRevocation = defineQuery({
  name: 'revoked_use',
  sql: (params) => {
    const range = focusOf(params);
    return `WITH revoked AS (
             SELECT token_fingerprint, min(ts) AS revoked_at FROM ${TABLES.tokenEvents}
             WHERE event = 'revoked' AND token_fingerprint IN (
               SELECT token_fingerprint FROM ${TABLES.usageToken1m}
               WHERE minute >= toStartOfMinute({from:DateTime64(3)}) AND minute < {to:DateTime64(3)}${focusSql(range, 'minute')})
             GROUP BY token_fingerprint)
           SELECT u.token_fingerprint AS token_fingerprint, toString(toStartOfInterval(u.ts, toIntervalSecond({w:UInt32}))) AS win,
                  count() AS accepted, toString(min(u.ts)) AS first_ts, toString(any(r.revoked_at)) AS revoked_at,
                  groupUniqArray(5)(toString(u.gateway)) AS gateways,
                  groupUniqArray(5)(replaceRegexpOne(IPv6NumToString(u.ip), '^::ffff:', '')) AS ips,
                  groupUniqArray(5)(u.path) AS paths, anyLast(toString(u.app_id)) AS app_id, anyLast(u.user_id) AS user_id
           FROM ${TABLES.usageEvents} AS u INNER JOIN revoked AS r ON u.token_fingerprint = r.token_fingerprint
           WHERE u.token_fingerprint IN (SELECT token_fingerprint FROM revoked)
             AND u.ts >= {from:DateTime64(3)} AND u.ts < {to:DateTime64(3)} AND u.status BETWEEN 200 AND 299
             AND u.ts > r.revoked_at + toIntervalSecond({grace:UInt32})${focusSql(range, 'u.ts', 'u.token_fingerprint')}
           GROUP BY token_fingerprint, win`;
  },
  params: withFocus({ w: z.number().int().positive(), from: z.date(), to: z.date(), grace: z.number().int().nonnegative() }),
  row: z.object({
    token_fingerprint: z.string(),
    win: z.string(),
    accepted: z.coerce.number(),
    first_ts: z.string(),
    revoked_at: z.string(),
    gateways: z.array(z.string()),
    ips: z.array(z.string()),
    paths: z.array(z.string()),
    app_id: z.string(),
    user_id: z.string(),
  }),
});

export const revokedUse = defineDetector({
  name: 'revoked_use',
  description: 'a revoked token still gets 2xx responses (the gateway does not enforce)',
  thresholds: {
    GRACE_SECONDS: { value: 60, reason: 'gateways learn of a revocation within seconds; a minute absorbs clock skew and requests in flight' },
  },
  async detect({ warehouse, range, t }) {
    const windowS = range.windowMs / 1000;
    const rows = await acceptedAfterRevocation(warehouse, { w: windowS, from: range.from, to: range.to, grace: t.GRACE_SECONDS, ...focusParams(range) });
    return rows.map((r): Finding => {
      const start = chTime(r.win);
      const revokedAt = chTime(r.revoked_at);
      const after = (chTime(r.first_ts).getTime() - revokedAt.getTime()) / 60_000;
      return {
        subject_type: 'token',
        subject: r.token_fingerprint,
        token_fingerprint: r.token_fingerprint,
        app_id: r.app_id,
        user_id: r.user_id,
        window_start: start,
        window_end: new Date(start.getTime() + range.windowMs),
        severity: 'critical',
        score: r.accepted,
        explanation:
          `revoked at ${revokedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC, yet ${fmt(r.accepted)} requests were answered 2xx ` +
          `from ${fmt(after)} min later${r.gateways.filter(Boolean).length ? ` by ${r.gateways.filter(Boolean).join(', ')}` : ''}: the gateway is not enforcing`,
        evidence: { revoked_at: revokedAt.toISOString(), first_accepted: chTime(r.first_ts).toISOString(), accepted: r.accepted, gateways: r.gateways, ips: r.ips, paths: r.paths },
      };
    });
  },
});

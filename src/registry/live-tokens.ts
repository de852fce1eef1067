/**
 * The live tokens of a selector (a token, a family, a user, an app, or all): what bulk jobs
 * walk and estimates count. One typed query per scope, each from the one SQL below.
 */
import { z } from 'zod';
import { count64, defineQuery, TABLES, type StatementOptions, type Warehouse } from '../warehouse/warehouse.js';
import { LIVE_SQL } from './state.js';

/** What a selector picks: a token, a family, a user, an app, or all tokens (a revocation's scope). */
export const SCOPES = ['token', 'family', 'user', 'app', 'all'] as const;
export type Scope = (typeof SCOPES)[number];
export type Selector = { scope: Exclude<Scope, 'all'>; value: string } | { scope: 'all'; value: '' };

/**
 * The live tokens of a selector: not revoked, not expired, not rotated away (LIVE_SQL).
 *
 * The registry keeps each field as an argMax state, so the selector's field is known
 * only after merging them by token, which for a million tokens is most of an estimate's
 * time. For a user, an app or a family the merge is limited to candidates first: tokens
 * with a row whose own (partial) state holds the value. That is a superset (the merged
 * argMax is one of the partial ones), and the outer filter on the merged value stays
 * exact. Measured at 1 M tokens: an app 460 → 210 ms, a user 450 → 30 ms.
 */
function liveTokensSql(scope: Selector['scope'], columns: string, tail = ''): string {
  const where =
    scope === 'token'
      ? 'token_fingerprint = {value:String}'
      : scope === 'user'
      ? 'user_id = {value:String}'
      : scope === 'app'
        ? 'app_id = {value:String}'
        : scope === 'family'
          ? '(family_id = {value:String} OR token_fingerprint = {value:String})'
          : '1';
  const holding = (column: 'user_id' | 'app_id' | 'family_id') =>
    `t.token_fingerprint IN (SELECT token_fingerprint FROM ${TABLES.tokens} WHERE token_fingerprint > {after:String} AND finalizeAggregation(${column}) = {value:String})`;
  const candidates =
    scope === 'token'
      ? 't.token_fingerprint = {value:String}'
      : scope === 'user'
        ? holding('user_id')
        : scope === 'app'
          ? holding('app_id')
          : scope === 'family'
            ? `(t.token_fingerprint = {value:String} OR ${holding('family_id')})`
            : '1';
  // Every token (scope all): FINAL, so the engine merges each token's rows in key order as
  // it reads the sorted parts instead of hashing a million fingerprints (measured at 1 M
  // tokens: 310–360 ms with a tail of ~0.6 s, against 340–650 ms with a tail past 1 s).
  // Candidates (user, app, family, token): GROUP BY over just those, which FINAL made
  // slower (an app: p95 530 vs. 160–280 ms).
  const merged =
    scope === 'all'
      ? `SELECT t.token_fingerprint AS token_fingerprint, finalizeAggregation(t.app_id) AS app_id, finalizeAggregation(t.user_id) AS user_id,
             finalizeAggregation(t.token_type) AS token_type, finalizeAggregation(t.family_id) AS family_id,
             t.revoked_at AS revoked_at, t.expired_at AS expired_at, t.rotated_at AS rotated_at,
             nullIf(finalizeAggregation(t.expires_at), toDateTime64(0, 3, 'UTC')) AS expires_at
      FROM ${TABLES.tokens} AS t FINAL
      WHERE t.token_fingerprint > {after:String}`
      : `SELECT t.token_fingerprint AS token_fingerprint, argMaxMerge(t.app_id) AS app_id, argMaxMerge(t.user_id) AS user_id,
             argMaxMerge(t.token_type) AS token_type, argMaxMerge(t.family_id) AS family_id,
             min(t.revoked_at) AS revoked_at, min(t.expired_at) AS expired_at, min(t.rotated_at) AS rotated_at,
             nullIf(argMaxMerge(t.expires_at), toDateTime64(0, 3, 'UTC')) AS expires_at
      FROM ${TABLES.tokens} AS t
      WHERE t.token_fingerprint > {after:String} AND ${candidates}
      GROUP BY t.token_fingerprint`;
  return `SELECT ${columns} FROM (
      ${merged})
    WHERE ${LIVE_SQL} AND ${where}
    ${tail}`;
}

const pageParams = z.object({ after: z.string(), value: z.string(), page: z.number().int().positive() });
const pageRow = z.object({ token_fingerprint: z.string(), app_id: z.string(), user_id: z.string(), token_type: z.string() });
const countParams = z.object({ after: z.string(), value: z.string() });
const countRow = z.object({ live: count64, users: count64, apps: count64 });

const byScope = <T>(make: (scope: Selector['scope']) => T) => Object.fromEntries(SCOPES.map((scope) => [scope, make(scope)])) as Record<Selector['scope'], T>;

/** A page of live tokens after a fingerprint, in fingerprint order. */
const pages = byScope((scope) =>
  defineQuery({
    name: `live_tokens_page_${scope}`,
    sql: liveTokensSql(scope, 'token_fingerprint, app_id, user_id, token_type', 'ORDER BY token_fingerprint LIMIT {page:UInt32}'),
    params: pageParams,
    row: pageRow,
  }),
);

/**
 * Live tokens, users and apps. Users and apps with ClickHouse's uniq: exact up to 65,536
 * distinct values, within about 1% beyond; the token count is exact. Measured at 1 M
 * tokens and 200,000 users, scope all: 640 ms with uniqExact, 470 with uniq.
 */
const counts = byScope((scope) =>
  defineQuery({
    name: `live_tokens_count_${scope}`,
    sql: liveTokensSql(scope, `count() AS live, uniqIf(user_id, user_id != '') AS users, uniqIf(app_id, app_id != '') AS apps`),
    params: countParams,
    row: countRow,
  }),
);

export type LiveToken = z.infer<typeof pageRow>;

/** Up to `page` live tokens of the selector after the fingerprint `after`. */
export function liveTokensPage(warehouse: Warehouse, selector: Selector, after: string, page: number, options?: StatementOptions): Promise<LiveToken[]> {
  return pages[selector.scope](warehouse, { after, value: selector.value, page }, options);
}

/** How many live tokens, users and apps the selector holds. */
export async function countLive(warehouse: Warehouse, selector: Selector): Promise<{ live: number; users: number; apps: number }> {
  const [row] = await counts[selector.scope](warehouse, { after: '', value: selector.value });
  return row ?? { live: 0, users: 0, apps: 0 };
}

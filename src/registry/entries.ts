/**
 * Registry entries: what the token registry (tokens_v2, sql/009) knows of each token, its
 * state, and the tokens of its refresh family.
 */
import { z } from 'zod';
import { defineQuery, TABLES, type Warehouse } from '../warehouse/warehouse.js';
import { tokenState, TOKEN_STATES } from './state.js';

const num = z.coerce.number();
const time = z.string().nullable();

export const tokenRegistryRow = z.object({
  token_fingerprint: z.string(),
  state: z.enum(TOKEN_STATES),
  token_type: z.string(),
  app_id: z.string(),
  client_id: z.string(),
  user_id: z.string(),
  grant_type: z.string(),
  jti: z.string(),
  iss: z.string(),
  scopes: z.array(z.string()),
  mapped_from: z.string(),
  rotated_from: z.string(),
  family_id: z.string(),
  issued_at: time,
  expires_at: time,
  revoked_at: time,
  revoke_source: z.string(),
  revoke_reason: z.string(),
  rotated_at: time,
  expired_at: time,
  first_seen: time,
  last_seen: time,
  requests: num,
  lifecycle_events: num,
});
export type TokenRegistryRow = z.infer<typeof tokenRegistryRow>;

/** The registry's argMax columns: each the latest non-empty value reported. */
const LATEST = ['token_type', 'app_id', 'client_id', 'user_id', 'grant_type', 'jti', 'iss', 'mapped_from', 'rotated_from', 'revoke_source', 'revoke_reason', 'scopes'];

/**
 * The registry rows of given tokens, read from tokens_v2 (small granules: one token costs
 * a read of 256 rows). The same aggregation as the BI view v_token_stats (sql/009), which
 * costs ~6 ms more per call on the embedded engine to go through (the view and its state
 * column); test/warehouse/registry-upgrade.test.ts checks that both agree.
 */
const registryRows = defineQuery({
  name: 'token_registry',
  sql: `SELECT t.token_fingerprint AS token_fingerprint, ${LATEST.map((c) => `argMaxMerge(t.${c}) AS ${c}`).join(', ')},
               if(argMaxMerge(t.family_id) = '', t.token_fingerprint, argMaxMerge(t.family_id)) AS family_id,
               nullIf(argMaxMerge(t.expires_at), toDateTime64(0, 3, 'UTC')) AS expires_at,
               min(t.issued_at) AS issued_at, min(t.revoked_at) AS revoked_at, min(t.rotated_at) AS rotated_at,
               min(t.expired_at) AS expired_at, min(t.first_seen) AS first_seen, max(t.last_seen) AS last_seen,
               sum(t.requests) AS requests, sum(t.lifecycle_events) AS lifecycle_events
        FROM ${TABLES.tokens} AS t WHERE t.token_fingerprint IN {fps:Array(String)} GROUP BY t.token_fingerprint`,
  params: z.object({ fps: z.array(z.string()) }),
  row: tokenRegistryRow.omit({ state: true }),
});

/** The registry entries of the given tokens (unknown ones have none), with their state, columns in v_token_stats's order. */
export async function registryEntries(warehouse: Warehouse, params: { fps: string[] }): Promise<TokenRegistryRow[]> {
  const now = Date.now();
  // token_fingerprint and state first, as in v_token_stats.
  return (await registryRows(warehouse, params)).map((r) => {
    const { token_fingerprint, ...rest } = r;
    return { token_fingerprint, state: tokenState(r, now), ...rest };
  });
}

/** The app and user of tokens: two columns of their registry entries, for lists of many tokens. */
export const tokenOwners = defineQuery({
  name: 'token_owners',
  sql: `SELECT token_fingerprint, argMaxMerge(app_id) AS app_id, argMaxMerge(user_id) AS user_id
        FROM ${TABLES.tokens} WHERE token_fingerprint IN {fps:Array(String)} GROUP BY token_fingerprint`,
  params: z.object({ fps: z.array(z.string()) }),
  row: z.object({ token_fingerprint: z.string(), app_id: z.string(), user_id: z.string() }),
});

/**
 * The tokens of a refresh family, as SQL: every token reported with the family's id, and
 * the family's first token, whose fingerprint is the id (UNION DISTINCT: each once). `param`
 * names the String parameter that holds the id.
 */
export const familyMembersSql = (param: string) =>
  `SELECT token_fingerprint FROM ${TABLES.tokenEvents} WHERE family_id = {${param}:String} UNION DISTINCT SELECT {${param}:String}`;

const familyMembers = defineQuery({
  name: 'family_members',
  sql: familyMembersSql('family'),
  params: z.object({ family: z.string() }),
  row: z.object({ token_fingerprint: z.string() }),
});

/** The registry entries of every token descended from the same grant (refresh family), oldest first; undefined for an unknown token. */
export async function familyEntries(warehouse: Warehouse, fp: string): Promise<{ family_id: string; entries: TokenRegistryRow[] } | undefined> {
  const [self] = await registryEntries(warehouse, { fps: [fp] });
  if (!self) return undefined;
  const members = await familyMembers(warehouse, { family: self.family_id });
  const rows = await registryEntries(warehouse, { fps: members.map((m) => m.token_fingerprint) });
  rows.sort((a, b) => (a.issued_at ?? a.first_seen ?? '').localeCompare(b.issued_at ?? b.first_seen ?? ''));
  return { family_id: self.family_id, entries: rows };
}

/** The refresh family of each given token that the registry knows. */
export const familyIds = defineQuery({
  name: 'token_families',
  sql: `SELECT token_fingerprint, family_id FROM ${TABLES.tokenStats} WHERE token_fingerprint IN {fps:Array(String)}`,
  params: z.object({ fps: z.array(z.string()) }),
  row: z.object({ token_fingerprint: z.string(), family_id: z.string() }),
});

/** App entries: what the app registry (v_apps, sql/004) knows of an application, and its tokens by state. */
import { z } from 'zod';
import { isoTime } from '../time.js';
import { defineQuery, TABLES } from '../warehouse/warehouse.js';

/** A warehouse time answered as RFC 3339 UTC, like every other time in the API. */
const stamp = z.string().nullable().transform(isoTime);

export const appRow = z.object({
  app_id: z.string(),
  state: z.enum(['blocked', 'active', 'registered']),
  name: z.string(),
  owner: z.string(),
  registered_at: stamp,
  first_active_at: stamp,
  last_seen: stamp,
  blocked_at: stamp,
  unblocked_at: stamp,
  block_reason: z.string(),
});

export const appEntry = defineQuery({
  name: 'app_entry',
  sql: `SELECT ${Object.keys(appRow.shape).join(', ')} FROM ${TABLES.apps} WHERE app_id = {app_id:String}`,
  params: z.object({ app_id: z.string() }),
  row: appRow,
});

/** An app's tokens by state (v_token_stats: the state of state.ts). */
export const appTokenCounts = defineQuery({
  name: 'app_token_counts',
  sql: `SELECT state, count() AS tokens FROM ${TABLES.tokenStats} WHERE app_id = {app_id:String} GROUP BY state ORDER BY state`,
  params: z.object({ app_id: z.string() }),
  row: z.object({ state: z.string(), tokens: z.coerce.number() }),
});

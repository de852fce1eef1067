/**
 * One state rule (src/registry/state.ts): the engine's STATE_SQL and TypeScript's
 * tokenState agree on every combination of the columns they read, expires_at null, past
 * and future included; the live rule (LIVE_SQL) holds exactly for the states active and
 * issued; and v_token_stats, as its last migration defines it, states STATE_SQL word for
 * word (test/warehouse/registry-upgrade.test.ts compares the view's rows with the API's).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LIVE_SQL, STATE_SQL, TOKEN_STATES, tokenState, type StateColumns } from '../../src/registry/index.js';
import { openChdb } from '../../src/warehouse/chdb.js';
import { SQL_DIR } from '../../src/warehouse/migrate.js';
import { tempDir } from '../helpers.js';

const HOUR_MS = 3_600_000;
const now = Date.now();
/** A warehouse time, as the registry's columns hold it. */
const at = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

const PAST = at(now - HOUR_MS);
const FUTURE = at(now + HOUR_MS);
const CASES: StateColumns[] = [];
for (const revoked_at of [null, PAST])
  for (const expired_at of [null, PAST])
    for (const expires_at of [null, PAST, FUTURE])
      for (const rotated_at of [null, PAST])
        for (const requests of [0, 7]) CASES.push({ revoked_at, expired_at, expires_at, rotated_at, requests });

const warehouse = openChdb(tempDir());
afterAll(() => warehouse.close());

const TIME = "Nullable(DateTime64(3, 'UTC'))";
const STRUCTURE = `i UInt32, revoked_at ${TIME}, expired_at ${TIME}, expires_at ${TIME}, rotated_at ${TIME}, requests UInt64`;

describe('the token state rule', () => {
  it('is the same in the engine and in TypeScript, on every case', async () => {
    const data = CASES.map((c, i) => JSON.stringify({ i, ...c })).join('\n');
    const rows = (await warehouse.query(
      `SELECT i, ${STATE_SQL} AS state, ${LIVE_SQL} AS live FROM format(JSONEachRow, '${STRUCTURE.replaceAll("'", "\\'")}', {data:String}) ORDER BY i`,
      { data },
    )) as { i: number; state: string; live: number }[];
    expect(rows.map((r) => r.i)).toEqual(CASES.map((_, i) => i));

    const sql = rows.map((r) => r.state);
    const ts = CASES.map((c) => tokenState(c, Date.now()));
    expect(sql).toEqual(ts);
    // Every state is reached, and expires_at decides alone when nothing else is set.
    expect(new Set(ts)).toEqual(new Set(TOKEN_STATES));
    const alone = (expires_at: string | null) => tokenState({ revoked_at: null, expired_at: null, rotated_at: null, requests: 7, expires_at });
    expect([alone(null), alone(PAST), alone(FUTURE)]).toEqual(['active', 'expired', 'active']);

    // Live: active or issued, nothing else.
    expect(rows.map((r) => r.live === 1)).toEqual(ts.map((s) => s === 'active' || s === 'issued'));
    expect(rows.filter((r) => r.live === 1).length).toBeGreaterThan(0);
  });

  it("is v_token_stats's state, as the view's last migration states it", () => {
    const flat = (s: string) => s.replace(/\s+/g, ' ').trim();
    const files = readdirSync(SQL_DIR).filter((f) => /^\d{3}_.*\.sql$/.test(f)).sort();
    const defining = files.filter((f) => /CREATE (OR REPLACE )?VIEW (IF NOT EXISTS )?v_token_stats\b/.test(readFileSync(join(SQL_DIR, f), 'utf8')));
    const last = readFileSync(join(SQL_DIR, defining.at(-1)!), 'utf8');
    const view = last.slice(last.search(/CREATE (OR REPLACE )?VIEW (IF NOT EXISTS )?v_token_stats\b/));
    const statement = view.slice(0, view.indexOf(';'));
    expect(defining.at(-1)).toBe('009_token_registry_small_granules.sql');
    expect(flat(statement)).toContain(`${flat(STATE_SQL)} AS state`);
  });
});

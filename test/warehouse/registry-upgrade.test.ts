/**
 * Upgrading a warehouse made before 009: the registry moves from tokens_v1 to tokens_v2
 * (small index granules) with every token as it was, the views now fill tokens_v2 only,
 * and a rerun of 009 after a failure part-way does not copy the rows twice. The API's
 * registry read (src/registry/entries.ts) and the BI view over tokens_v2 agree.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openChdb } from '../../src/warehouse/chdb.js';
import { registryEntries } from '../../src/registry/index.js';
import { loadMigrations, migrate, migrationVariables } from '../../src/warehouse/migrate.js';
import type { Warehouse } from '../../src/warehouse/warehouse.js';
import { migrationsUpTo, tempDir, testConfig } from '../helpers.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const C = 'c'.repeat(64);
const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString().replace('T', ' ').replace('Z', '');

let warehouse: Warehouse | undefined;
afterEach(async () => {
  await warehouse?.close();
  warehouse = undefined;
});

async function open() {
  const config = testConfig(tempDir());
  warehouse = openChdb(`${config.dataDir}/warehouse`);
  return { w: warehouse, vars: migrationVariables(config) };
}

/** Lifecycle events and usage for three tokens, in several inserts (several rows per token until merges). */
async function fill(w: Warehouse) {
  const lifecycle = [
    { event_id: 'l1', event: 'issued', ts: at(120), received_at: at(120), token_fingerprint: A, token_type: 'refresh_token', jti: 'j-a', client_id: 'web', app_id: 'shop', user_id: 'alice', scopes: ['read'], grant_type: 'authorization_code', mapped_from: 'legacy-1' },
    { event_id: 'l2', event: 'refreshed', ts: at(60), received_at: at(60), token_fingerprint: B, token_type: 'refresh_token', app_id: 'shop', user_id: 'alice', rotated_from: A, family_id: A },
    { event_id: 'l3', event: 'revoked', ts: at(30), received_at: at(30), token_fingerprint: C, source: 'idp', reason: 'user logout' },
  ];
  await w.insertJsonEachRow('token_events', lifecycle.map((r) => JSON.stringify(r)).join('\n'));
  for (let batch = 0; batch < 3; batch++) {
    const rows = [A, B, C, A].map((fp, i) => ({
      event_id: `u-${batch}-${i}`, ts: at(50 - batch * 10 - i), received_at: at(0), token_fingerprint: fp, app_id: 'shop', user_id: 'alice',
      ip: '::ffff:198.51.100.7', method: 'GET', path: '/v1/items', status: 200, scopes: [`s${batch}`],
    }));
    await w.insertJsonEachRow('usage_events', rows.map((r) => JSON.stringify(r)).join('\n'));
  }
}

const registry = (w: Warehouse) => w.query(`SELECT * EXCEPT state FROM v_token_stats ORDER BY token_fingerprint`);
const tables = async (w: Warehouse) =>
  ((await w.query(`SELECT name FROM system.tables WHERE database = currentDatabase() ORDER BY name`)) as { name: string }[]).map((r) => r.name);

describe('the registry upgrade (009, 010)', () => {
  it('moves every token to tokens_v2 as it was, and the views fill only tokens_v2 from then on', async () => {
    const { w, vars } = await open();
    await migrate(w, vars, migrationsUpTo(8));
    await fill(w);
    const before = await registry(w);
    expect(before).toHaveLength(3);
    expect((before as { requests: number }[]).map((r) => Number(r.requests))).toEqual([6, 3, 3]);

    const applied = await migrate(w, vars);
    expect(applied.map((m) => m.version).slice(0, 2)).toEqual([9, 10]);
    expect(await registry(w)).toEqual(before);
    const names = await tables(w);
    expect(names).toContain('tokens_v2');
    for (const gone of ['tokens_v1', 'token_registry', 'tokens_from_usage_mv', 'tokens_from_token_events_mv', 'tokens_rotated_mv']) expect(names).not.toContain(gone);
    expect(((await w.query(`SELECT count() AS n FROM system.tables WHERE name = 'tokens_v2' AND create_table_query LIKE '%index_granularity = 256%'`)) as { n: number }[])[0]!.n).toBe(1);

    // New usage and lifecycle events reach the registry once.
    await w.insertJsonEachRow('usage_events', JSON.stringify({ event_id: 'u-new', ts: at(1), received_at: at(0), token_fingerprint: A, ip: '::ffff:198.51.100.8', status: 401 }));
    await w.insertJsonEachRow('token_events', JSON.stringify({ event_id: 'l4', event: 'refreshed', ts: at(1), received_at: at(0), token_fingerprint: C, rotated_from: B, family_id: A }));
    const after = (await registry(w)) as Record<string, unknown>[];
    expect(Number(after[0]!.requests)).toBe(7);
    expect(after[1]!.rotated_at).not.toBeNull();
    expect(Number(after[2]!.lifecycle_events)).toBe(2);
    expect(await migrate(w, vars)).toEqual([]);
  });

  it('a rerun of 009 after a failure part-way copies nothing twice', async () => {
    const { w, vars } = await open();
    await migrate(w, vars, migrationsUpTo(8));
    await fill(w);
    const before = await registry(w);
    await migrate(w, vars, migrationsUpTo(9));
    const nine = loadMigrations(vars).find((m) => m.version === 9)!;
    for (const statement of nine.statements) await w.command(statement);
    expect(await registry(w)).toEqual(before);
  });

  it("the API's registry read agrees with v_token_stats, state included", async () => {
    const { w, vars } = await open();
    await migrate(w, vars);
    await fill(w);
    const D = 'd'.repeat(64);
    const E = 'e'.repeat(64);
    const F = 'f'.repeat(64);
    await w.insertJsonEachRow(
      'token_events',
      [
        { event_id: 'l5', event: 'issued', ts: at(90), received_at: at(90), token_fingerprint: D, expires_at: at(5), app_id: 'crm' },
        { event_id: 'l6', event: 'issued', ts: at(90), received_at: at(90), token_fingerprint: E, expires_at: at(-60), app_id: 'crm' },
        { event_id: 'l7', event: 'expired', ts: at(2), received_at: at(2), token_fingerprint: F },
      ].map((r) => JSON.stringify(r)).join('\n'),
    );
    const fps = [A, B, C, D, E, F];
    const view = await w.query(`SELECT * FROM v_token_stats WHERE token_fingerprint IN {fps:Array(String)} ORDER BY token_fingerprint`, { fps });
    const api = (await registryEntries(w, { fps })).sort((x, y) => x.token_fingerprint.localeCompare(y.token_fingerprint));
    expect(api.map((r) => r.state)).toEqual(['rotated', 'active', 'revoked', 'expired', 'issued', 'expired']);
    expect(api).toEqual(view.map((r) => ({ ...(r as object), requests: Number((r as { requests: unknown }).requests), lifecycle_events: Number((r as { lifecycle_events: unknown }).lifecycle_events) })));
  });
});

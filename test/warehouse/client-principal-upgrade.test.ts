/**
 * Upgrading a warehouse made before 016: tokens without a user that belong to an OAuth
 * client (not long-lived keys) get their client's history ('c:<client_id>') from the usage
 * already stored, new usage goes there too, keys keep their own ('t:<fingerprint>'), and a
 * rerun of 016 after a failure part-way does not copy the rows twice.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openChdb } from '../../src/warehouse/chdb.js';
import { loadMigrations, migrate, migrationVariables } from '../../src/warehouse/migrate.js';
import type { Warehouse } from '../../src/warehouse/warehouse.js';
import { migrationsUpTo, tempDir, testConfig } from '../helpers.js';

const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString().replace('T', ' ').replace('Z', '');

let warehouse: Warehouse | undefined;
afterEach(async () => {
  await warehouse?.close();
  warehouse = undefined;
});

const usage = (id: string, fp: string, minutesAgo: number, fields: Record<string, unknown>) =>
  JSON.stringify({ event_id: id, ts: at(minutesAgo), received_at: at(0), token_fingerprint: fp, app_id: 'etl', ip: '::ffff:35.199.1.1', country: 'US', city: 'Ashburn', asn: 396982, method: 'GET', path: '/v1/items', status: 200, ...fields });

const principals = async (w: Warehouse) =>
  ((await w.query(`SELECT principal, sum(requests) AS requests FROM usage_principal_place_1h_v1 GROUP BY principal ORDER BY principal`)) as { principal: string; requests: number }[]).map(
    (r) => `${r.principal} ${r.requests}`,
  );

describe('016: a client is the principal of its user-less tokens', () => {
  it('backfills the clients’ history once, files new usage under the client, and leaves keys and users as they were', async () => {
    const config = testConfig(tempDir());
    warehouse = openChdb(`${config.dataDir}/warehouse`);
    const w = warehouse;
    const vars = migrationVariables(config);
    await migrate(w, vars, migrationsUpTo(15));
    await w.insertJsonEachRow(
      'usage_events',
      [
        usage('u1', 'a'.repeat(64), 120, { client_id: 'svc', token_type: 'access_token' }),
        usage('u2', 'b'.repeat(64), 60, { client_id: 'svc', token_type: 'access_token' }),
        usage('u3', 'c'.repeat(64), 60, { client_id: 'svc', token_type: 'api_key' }),
        usage('u4', 'd'.repeat(64), 60, { client_id: 'web', token_type: 'access_token', user_id: 'alice' }),
      ].join('\n'),
    );
    const before = await principals(w);
    expect(before).toEqual([`t:${'a'.repeat(64)} 1`, `t:${'b'.repeat(64)} 1`, `t:${'c'.repeat(64)} 1`, 'u:alice 1']);

    // 016 half-applied and run again: its backfill is guarded.
    const m016 = loadMigrations(vars).find((m) => m.version === 16)!;
    for (const statement of m016.statements) await w.command(statement);
    await migrate(w, vars);
    expect(await principals(w)).toEqual(['c:svc 2', ...before]);

    await w.insertJsonEachRow('usage_events', usage('u5', 'e'.repeat(64), 5, { client_id: 'svc', token_type: 'access_token' }));
    expect(await principals(w)).toEqual(['c:svc 3', ...before]);
    const tokenRow = (await w.query(`SELECT anyLast(client_id) AS client_id, anyLast(token_type) AS token_type FROM usage_token_place_1h_v1 WHERE token_fingerprint = {fp:String}`, { fp: 'e'.repeat(64) })) as unknown[];
    expect(tokenRow).toEqual([{ client_id: 'svc', token_type: 'access_token' }]);
  }, 120_000);
});

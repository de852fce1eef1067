/**
 * Cluster mode, executed: the embedded engine, given a one-shard cluster `tw_cluster` whose
 * only replica is itself, runs the rewritten migrations through migrate(). Only what needs
 * ClickHouse Keeper is taken out on the way in (ON CLUSTER, the Replicated prefix), so the
 * Distributed tables (columns, sharding-key types), the per-shard materialized views
 * (local sources and targets) and the views over Distributed tables are really created,
 * written through and read back.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'chdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterInsertSettings, createdTables, LOCAL_SUFFIX } from '../../src/warehouse/cluster.js';
import { loadMigrations, migrate } from '../../src/warehouse/migrate.js';
import { encodeParams, type QueryParams, type Warehouse } from '../../src/warehouse/warehouse.js';

const CLUSTER = 'tw_cluster';
const VARS = { retention_days: 90, rollup_retention_days: 400, cluster: CLUSTER };

/** What only a real cluster can run: distributed DDL and replication through Keeper. */
function withoutKeeper(sql: string): string {
  return sql.replaceAll(` ON CLUSTER ${CLUSTER}`, '').replace(/ENGINE = Replicated(\w*MergeTree)/, 'ENGINE = $1');
}

let session: Session;
const statements: string[] = [];
const warehouse: Warehouse = {
  kind: 'server',
  async query(sql: string, params?: QueryParams) {
    const text = (await session.queryBindAsync(sql, encodeParams(params), { format: 'JSONEachRow' })).text();
    return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as unknown);
  },
  async command(sql: string, params?: QueryParams) {
    statements.push(sql);
    await session.queryBindAsync(withoutKeeper(sql), encodeParams(params), { format: 'TSV' });
  },
  async insertJsonEachRow() {
    throw new Error('not used');
  },
  async ping() {},
  async close() {
    session.close();
  },
};

beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), 'tokenwatch-cluster-exec-'));
  const config = join(dir, 'cluster.xml');
  // A replica on 127.0.0.1 at the engine's own tcp_port is local: no connection is made.
  writeFileSync(
    config,
    `<clickhouse>
  <tcp_port>9000</tcp_port>
  <remote_servers>
    <${CLUSTER}><shard><replica><host>127.0.0.1</host><port>9000</port></replica></shard></${CLUSTER}>
  </remote_servers>
</clickhouse>
`,
  );
  session = new Session(join(dir, 'warehouse'), {
    connectionArgs: [`--config-file=${config}`, '--output_format_json_quote_64bit_integers=0'],
  });
});
afterAll(async () => warehouse.close());

const rows = async <T>(sql: string, params?: QueryParams) => (await warehouse.query(sql, params)) as T[];

describe('the rewritten migrations, executed', () => {
  it('apply once and are recorded through the Distributed schema_migrations', async () => {
    const [cluster] = await rows<{ is_local: number }>('SELECT is_local FROM system.clusters WHERE cluster = {c:String}', { c: CLUSTER });
    expect(cluster?.is_local).toBe(1);
    const first = await migrate(warehouse, VARS);
    expect(first.map((m) => m.version)).toEqual(loadMigrations(VARS).map((m) => m.version));
    expect(await migrate(warehouse, VARS)).toEqual([]);
    expect(statements.filter((s) => !s.startsWith('INSERT') && !s.includes(`ON CLUSTER ${CLUSTER}`))).toEqual([]);
    const recorded = await rows<{ version: number }>('SELECT version FROM schema_migrations_local FINAL ORDER BY version');
    expect(recorded.map((r) => r.version)).toEqual(first.map((m) => m.version));
  });

  it('create a local table and a Distributed table for each table, and per-shard views', async () => {
    const original = loadMigrations({ ...VARS, cluster: undefined }).flatMap((m) => m.statements);
    const dropped = new Set(original.flatMap((s) => /^DROP TABLE IF EXISTS (\w+)$/.exec(s)?.slice(1) ?? []));
    expect(dropped.size).toBeGreaterThan(0);
    const tables = [...createdTables(original)].filter((t) => !dropped.has(t));
    const engines = new Map(
      (await rows<{ name: string; engine: string }>('SELECT name, engine FROM system.tables WHERE database = currentDatabase()')).map((t) => [t.name, t.engine]),
    );
    // A dropped table is gone on every node: its Distributed table and its local table.
    for (const table of dropped) {
      expect(engines.has(table), table).toBe(false);
      expect(engines.has(`${table}${LOCAL_SUFFIX}`), table).toBe(false);
    }
    for (const table of [...tables, 'schema_migrations']) {
      expect(engines.get(table), table).toBe('Distributed');
      expect(engines.get(`${table}${LOCAL_SUFFIX}`), table).toMatch(/MergeTree$/);
    }
    const views = await rows<{ name: string; create_table_query: string }>(
      `SELECT name, create_table_query FROM system.tables WHERE database = currentDatabase() AND engine = 'MaterializedView'`,
    );
    expect(views.length).toBeGreaterThan(0);
    for (const v of views) {
      expect(v.create_table_query, v.name).toMatch(/ TO default\.\w+_local /);
      const sources = [...v.create_table_query.matchAll(/(?<!ARRAY )\b(?:FROM|JOIN) default\.(\w+)/g)].map((m) => m[1]!);
      expect(sources.length, v.name).toBeGreaterThan(0);
      for (const source of sources) expect(source, v.name).toMatch(/_local$/);
    }
  });

  it('take inserts through the Distributed table into the shard, its rollups and the views', async () => {
    const settings = Object.entries(clusterInsertSettings())
      .map(([k, v]) => `${k} = ${v}`)
      .join(', ');
    await warehouse.command(
      `INSERT INTO usage_events (event_id, ts, received_at, token_fingerprint, app_id, user_id, ip, status) SETTINGS ${settings}
       VALUES ('e1', now64(3), now64(3), 'fp1', 'app1', 'u1', '::1', 200), ('e2', now64(3), now64(3), 'fp1', 'app1', 'u1', '::2', 401),
              ('e3', now64(3), now64(3), 'fp2', 'app2', 'u2', '::1', 200)`,
    );
    expect(await rows('SELECT count() AS n FROM usage_events_local')).toEqual([{ n: 3 }]);
    expect(await rows('SELECT token_fingerprint, sum(requests) AS requests FROM usage_token_1m_v1_local GROUP BY 1 ORDER BY 1')).toEqual([
      { token_fingerprint: 'fp1', requests: 2 },
      { token_fingerprint: 'fp2', requests: 1 },
    ]);
    expect(await rows('SELECT token_fingerprint, requests, state FROM v_token_stats ORDER BY 1')).toEqual([
      { token_fingerprint: 'fp1', requests: 2, state: 'active' },
      { token_fingerprint: 'fp2', requests: 1, state: 'active' },
    ]);
    expect(await rows('SELECT app_id, state FROM v_apps ORDER BY 1')).toEqual([
      { app_id: 'app1', state: 'active' },
      { app_id: 'app2', state: 'active' },
    ]);
  });

  it('keep the TTL on the local table in step with the configured retention', async () => {
    await migrate(warehouse, { ...VARS, retention_days: 30 });
    expect(statements.at(-1)).toMatch(/^ALTER TABLE usage_events_local ON CLUSTER tw_cluster MODIFY TTL .*toIntervalDay\(30\)/);
    const [t] = await rows<{ engine_full: string }>(`SELECT engine_full FROM system.tables WHERE database = currentDatabase() AND name = 'usage_events_local'`);
    expect(t!.engine_full).toContain('toIntervalDay(30)');
  });
});

/**
 * Cluster mode: every migration statement rewritten for `tw_cluster` is parsed by the
 * embedded engine (formatQuery) and has the expected shape; the rewrite itself on small
 * inputs; and without a cluster nothing changes.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { openChdb } from '../../src/warehouse/chdb.js';
import {
  clusterIdentifier,
  clusterInsertSettings,
  clusterStatements,
  createdTables,
  DEFAULT_SHARDING_KEY,
  DROPPED_SETTINGS,
  LOCAL_SUFFIX,
  SHARDING_KEYS,
  shardingKey,
  toCluster,
} from '../../src/warehouse/cluster.js';
import {
  loadMigrations,
  migrate,
  migrationVariables,
  MIGRATIONS_TABLE_DDL,
  render,
  splitStatements,
  SQL_DIR,
  type MigrationVariables,
} from '../../src/warehouse/migrate.js';
import type { QueryParams, Warehouse } from '../../src/warehouse/warehouse.js';

const CLUSTER = 'tw_cluster';
const VARS: MigrationVariables = { retention_days: 90, rollup_retention_days: 400 };

let warehouse: Warehouse;
beforeAll(() => {
  warehouse = openChdb(join(mkdtempSync(join(tmpdir(), 'tokenwatch-cluster-')), 'warehouse'));
});
afterAll(async () => warehouse?.close());

/** The engine's canonical text of a statement: it throws if the statement does not parse. */
async function format(sql: string): Promise<string> {
  const rows = (await warehouse.query('SELECT formatQuery({q:String}) AS f', { q: sql })) as { f: string }[];
  return rows[0]!.f;
}

/** Drops the named settings from the SETTINGS line of formatted CREATE TABLE text. */
function withoutSettings(formatted: string, names: readonly string[]): string {
  return formatted.replace(/\nSETTINGS (.*)$/, (_, list: string) => {
    const kept = list.split(', ').filter((item) => !names.includes(item.split(' = ')[0]!));
    return kept.length > 0 ? `\nSETTINGS ${kept.join(', ')}` : '';
  });
}

const ORIGINAL = loadMigrations(VARS);
const ALL_STATEMENTS = ORIGINAL.flatMap((m) => m.statements);
const TABLES = createdTables(ALL_STATEMENTS);

/** A warehouse that records statements and answers the two reads migrate makes. */
function recorder(): Warehouse & { commands: string[] } {
  const commands: string[] = [];
  return {
    kind: 'server',
    commands,
    async query(sql: string, params?: QueryParams) {
      if (sql.includes('system.tables')) return [{ engine_full: `MergeTree TTL for ${String(params?.table)}` }];
      return [];
    },
    async command(sql: string) {
      commands.push(sql);
    },
    async insertJsonEachRow() {},
    async ping() {},
    async close() {},
  };
}

describe('without a cluster', () => {
  it('migrations are the files, byte for byte', () => {
    const files = readdirSync(SQL_DIR).filter((f) => /^\d{3}_.*\.sql$/.test(f)).sort();
    expect(ORIGINAL.map((m) => m.statements)).toEqual(files.map((f) => splitStatements(render(readFileSync(join(SQL_DIR, f), 'utf8'), VARS))));
    expect(loadMigrations({ ...VARS, cluster: undefined })).toEqual(ORIGINAL);
    expect(ALL_STATEMENTS.join('\n')).not.toMatch(/ON CLUSTER|_local\b|Replicated|Distributed/);
  });

  it('migrate runs the same statements as before', async () => {
    const w = recorder();
    await migrate(w, VARS);
    const inserts = ORIGINAL.map(
      () => 'INSERT INTO schema_migrations (version, name, checksum) VALUES ({version:UInt32}, {name:String}, {checksum:String})',
    );
    expect(w.commands).toEqual([
      MIGRATIONS_TABLE_DDL,
      ...ORIGINAL.flatMap((m, i) => [...m.statements, inserts[i]!]),
      'ALTER TABLE usage_events MODIFY TTL toDateTime(ts) + toIntervalDay(90) SETTINGS materialize_ttl_after_modify = 0',
    ]);
  });

  it('the config carries no cluster; a cluster needs a server', () => {
    const env = { TOKENWATCH_DATA_DIR: tmpdir(), TOKENWATCH_API_KEYS: '' };
    expect(migrationVariables(loadConfig(env, {}))).toEqual(VARS);
    expect(() => loadConfig(env, { clickhouse: { cluster: CLUSTER } })).toThrow(/clickhouse\.cluster: a cluster needs a ClickHouse server/);
    const server = loadConfig(env, { clickhouse: { url: 'http://ch:8123', cluster: CLUSTER } });
    expect(migrationVariables(server)).toEqual({ ...VARS, cluster: CLUSTER });
    expect(() => render('{{cluster}}', { ...VARS, cluster: CLUSTER })).toThrow(/unknown placeholder/);
  });
});

describe('every migration statement on a cluster', () => {
  it('parses in the embedded engine and has the cluster shape', async () => {
    const seen = { tables: 0, distributed: 0, mvs: 0, views: 0, inserts: 0, drops: 0, alters: 0 };
    for (const statement of [MIGRATIONS_TABLE_DDL, ...ALL_STATEMENTS]) {
      const tables = new Set([...TABLES, 'schema_migrations']);
      const out = toCluster(statement, CLUSTER, tables);
      const formatted = await Promise.all(out.map(format));
      const original = await format(statement);
      if (original.startsWith('INSERT INTO ')) {
        // Through the Distributed tables, written on the shards before the next statement.
        seen.inserts++;
        expect(formatted).toEqual([original.replace(/^(INSERT INTO \w+ \([^)]*\))\s+SELECT\b/, '$1\nSETTINGS distributed_foreground_insert = 1\nSELECT')]);
        expect(formatted[0]).not.toContain(LOCAL_SUFFIX);
        continue;
      }
      for (const f of formatted) expect(f).toContain(`ON CLUSTER ${CLUSTER}`);
      const addColumn = /^ALTER TABLE (\w+)\s+\(?ADD COLUMN IF NOT EXISTS/.exec(original);
      if (addColumn) {
        // A column on the local tables of every node, then on the Distributed table in front of them.
        seen.alters++;
        expect(formatted).toEqual([
          original.replace(`ALTER TABLE ${addColumn[1]}`, `ALTER TABLE ${addColumn[1]}_local ON CLUSTER ${CLUSTER}`),
          original.replace(`ALTER TABLE ${addColumn[1]}`, `ALTER TABLE ${addColumn[1]} ON CLUSTER ${CLUSTER}`),
        ]);
        continue;
      }
      const alter = /^ALTER TABLE (\w+)\s/.exec(original);
      if (alter) {
        // Indexes live with the data: on the local tables of every node.
        seen.alters++;
        expect(formatted).toEqual([original.replace(`ALTER TABLE ${alter[1]}`, `ALTER TABLE ${alter[1]}_local ON CLUSTER ${CLUSTER}`)]);
        continue;
      }
      const drop = /^DROP (TABLE|VIEW) IF EXISTS (\w+)$/.exec(original);
      if (drop) {
        seen.drops++;
        const [, what, name] = drop;
        expect(formatted).toEqual(
          what === 'VIEW'
            ? [`DROP VIEW IF EXISTS ${name} ON CLUSTER ${CLUSTER}`]
            : [`DROP TABLE IF EXISTS ${name} ON CLUSTER ${CLUSTER} SYNC`, `DROP TABLE IF EXISTS ${name}_local ON CLUSTER ${CLUSTER} SYNC`],
        );
        continue;
      }
      const head = /^CREATE (?:OR REPLACE )?(TABLE|MATERIALIZED VIEW|VIEW) (?:IF NOT EXISTS )?(\w+)/.exec(original);
      expect(head, original).not.toBeNull();
      const [, kind, name] = head!;

      if (kind === 'TABLE') {
        seen.tables++;
        expect(out).toHaveLength(2);
        const [local, distributed] = formatted as [string, string];
        expect(local.startsWith(`CREATE TABLE IF NOT EXISTS ${name}_local ON CLUSTER ${CLUSTER}\n(`)).toBe(true);
        expect(local).toMatch(/\nENGINE = Replicated(Replacing|Aggregating)?MergeTree(\(\w+\))?\n/);
        expect(local).not.toContain('non_replicated_deduplication_window');
        // Nothing else changed: columns, indexes, projections, keys, TTL, other settings.
        expect(local.replace(` ON CLUSTER ${CLUSTER}`, '').replace(`${name}_local`, name!).replace('ENGINE = Replicated', 'ENGINE = ')).toBe(
          withoutSettings(original, DROPPED_SETTINGS),
        );
        // The Distributed table follows, sharded as mapped.
        expect(Object.hasOwn(SHARDING_KEYS, name!)).toBe(true);
        expect(distributed).toBe(
          await format(
            `CREATE TABLE IF NOT EXISTS ${name} ON CLUSTER ${CLUSTER} AS ${name}_local ENGINE = Distributed(${CLUSTER}, currentDatabase(), ${name}_local, ${SHARDING_KEYS[name!]!.key})`,
          ),
        );
        seen.distributed++;
      } else if (kind === 'MATERIALIZED VIEW') {
        seen.mvs++;
        expect(out).toHaveLength(1);
        const [mv] = formatted as [string];
        const to = / ON CLUSTER tw_cluster TO (\w+)/.exec(mv)?.[1];
        expect(to?.endsWith(LOCAL_SUFFIX) && TABLES.has(to.slice(0, -LOCAL_SUFFIX.length)), mv).toBe(true);
        const sources = [...mv.matchAll(/(?<!ARRAY )\b(?:FROM|JOIN) (\w+)/g)].map((m) => m[1]!);
        expect(sources.length).toBeGreaterThan(0);
        for (const source of sources) expect(source.endsWith(LOCAL_SUFFIX) && TABLES.has(source.slice(0, -LOCAL_SUFFIX.length)), source).toBe(true);
        // Only the cluster clause and the suffixes differ.
        expect(mv.replace(` ON CLUSTER ${CLUSTER}`, '').replaceAll(LOCAL_SUFFIX, '')).toBe(original);
      } else {
        seen.views++;
        expect(out).toHaveLength(1);
        const [view] = formatted as [string];
        expect(view).not.toContain(LOCAL_SUFFIX);
        expect(view.replace(` ON CLUSTER ${CLUSTER}`, '')).toBe(original);
      }
    }
    expect(seen.tables).toBe(TABLES.size + 1);
    expect(seen.distributed).toBe(seen.tables);
    expect(seen.mvs).toBeGreaterThan(0);
    expect(seen.views).toBeGreaterThan(0);
    expect(seen.inserts).toBeGreaterThan(0);
    expect(seen.drops).toBeGreaterThan(0);
    expect(seen.alters).toBeGreaterThan(0);
  });

  it('through loadMigrations: each table is followed by its Distributed table', () => {
    const rewritten = loadMigrations({ ...VARS, cluster: CLUSTER });
    expect(rewritten.map((m) => [m.version, m.checksum])).toEqual(ORIGINAL.map((m) => [m.version, m.checksum]));
    expect(rewritten.map((m) => m.statements)).toEqual(ORIGINAL.map((m) => clusterStatements(m.statements, CLUSTER, TABLES)));
    const statements = rewritten.flatMap((m) => m.statements);
    statements.forEach((s, i) => {
      const local = /^CREATE TABLE IF NOT EXISTS (\w+)_local ON CLUSTER/.exec(s)?.[1];
      if (local) expect(statements[i + 1]).toMatch(new RegExp(`^CREATE TABLE IF NOT EXISTS ${local} ON CLUSTER tw_cluster AS ${local}_local\\nENGINE = Distributed\\(`));
    });
  });

  it('migrate creates, records through the Distributed table and sets the TTL, all on the cluster', async () => {
    const w = recorder();
    await migrate(w, { ...VARS, cluster: CLUSTER });
    expect(w.commands.slice(0, 2)).toEqual(clusterStatements([MIGRATIONS_TABLE_DDL], CLUSTER));
    const inserts = w.commands.filter((c) => c.startsWith('INSERT') && c.includes(' VALUES '));
    expect(inserts).toHaveLength(ORIGINAL.length);
    for (const insert of inserts) expect(insert).toContain('SETTINGS distributed_foreground_insert = 1 VALUES');
    expect(w.commands.at(-1)).toBe(
      'ALTER TABLE usage_events_local ON CLUSTER tw_cluster MODIFY TTL toDateTime(ts) + toIntervalDay(90) SETTINGS materialize_ttl_after_modify = 0',
    );
    for (const c of w.commands) {
      const f = await format(c);
      if (!c.startsWith('INSERT')) expect(f).toContain('ON CLUSTER tw_cluster');
    }
  });

  it('every table the migrations create has a deliberate sharding key, and the map names only those', () => {
    const all = new Set([...TABLES, 'schema_migrations']);
    for (const table of all) {
      expect(Object.hasOwn(SHARDING_KEYS, table), table).toBe(true);
      expect(shardingKey(table).reason.length).toBeGreaterThan(10);
    }
    expect(Object.keys(SHARDING_KEYS).filter((t) => !all.has(t))).toEqual([]);
    // A token's rows and rollups on one shard; mutable-by-version rows on one shard.
    for (const t of ['usage_events', 'token_events', 'tokens_v1', 'tokens_v2', 'usage_token_1m_v1', 'usage_token_1d_v1', 'usage_token_place_1h_v1']) {
      expect(SHARDING_KEYS[t]!.key).toBe('cityHash64(token_fingerprint)');
    }
    expect(SHARDING_KEYS.flags!.key).toBe('cityHash64(flag_id)');
    expect(SHARDING_KEYS.app_events!.key).toBe('cityHash64(app_id)');
    expect(shardingKey('not_in_the_map')).toBe(DEFAULT_SHARDING_KEY);
    expect(DEFAULT_SHARDING_KEY.key).toBe('rand()');
  });
});

describe('the rewrite on small inputs', () => {
  const tables = new Set(['events', 'flags', 'totals', 'usage_events']);

  it('makes a replicated local table and a Distributed table in front of it', () => {
    expect(toCluster('CREATE TABLE IF NOT EXISTS events (a String, n UInt8)\nENGINE = MergeTree\nORDER BY a', CLUSTER, tables)).toEqual([
      'CREATE TABLE IF NOT EXISTS events_local ON CLUSTER tw_cluster (a String, n UInt8)\nENGINE = ReplicatedMergeTree\nORDER BY a',
      'CREATE TABLE IF NOT EXISTS events ON CLUSTER tw_cluster AS events_local\nENGINE = Distributed(tw_cluster, currentDatabase(), events_local, rand())',
    ]);
    expect(toCluster('CREATE TABLE flags (f String, updated_at DateTime) ENGINE = ReplacingMergeTree(updated_at) ORDER BY f', CLUSTER, tables)).toEqual([
      'CREATE TABLE flags_local ON CLUSTER tw_cluster (f String, updated_at DateTime) ENGINE = ReplicatedReplacingMergeTree(updated_at) ORDER BY f',
      'CREATE TABLE flags ON CLUSTER tw_cluster AS flags_local\nENGINE = Distributed(tw_cluster, currentDatabase(), flags_local, cityHash64(flag_id))',
    ]);
    expect(toCluster('CREATE TABLE events (a String) ENGINE = MergeTree() ORDER BY a', CLUSTER, tables)[0]).toBe(
      'CREATE TABLE events_local ON CLUSTER tw_cluster (a String) ENGINE = ReplicatedMergeTree() ORDER BY a',
    );
  });

  it('drops non_replicated_deduplication_window and keeps other settings', () => {
    const [only] = toCluster('CREATE TABLE events (a String) ENGINE = MergeTree ORDER BY a\nSETTINGS non_replicated_deduplication_window = 10000', CLUSTER, tables);
    expect(only).toBe('CREATE TABLE events_local ON CLUSTER tw_cluster (a String) ENGINE = ReplicatedMergeTree ORDER BY a');
    const [first] = toCluster(
      "CREATE TABLE events (a String) ENGINE = MergeTree ORDER BY a SETTINGS non_replicated_deduplication_window = 100, index_granularity = 1024 COMMENT 'x, y'",
      CLUSTER,
      tables,
    );
    expect(first).toBe("CREATE TABLE events_local ON CLUSTER tw_cluster (a String) ENGINE = ReplicatedMergeTree ORDER BY a SETTINGS index_granularity = 1024 COMMENT 'x, y'");
    const [last] = toCluster('CREATE TABLE events (a String) ENGINE = MergeTree ORDER BY a SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 5', CLUSTER, tables);
    expect(last).toBe('CREATE TABLE events_local ON CLUSTER tw_cluster (a String) ENGINE = ReplicatedMergeTree ORDER BY a SETTINGS ttl_only_drop_parts = 1');
  });

  it('suffixes only tables in FROM, JOIN and TO positions, not columns, aliases, functions or strings named like them', async () => {
    const mv = [
      'CREATE MATERIALIZED VIEW IF NOT EXISTS totals_mv TO totals AS',
      'SELECT flags, events AS usage_events, toYear(EXTRACT(DAY FROM flags)) AS d, substring(events FROM 2) AS s,',
      "  'FROM flags' AS text, f.x AS x, count() AS n -- FROM flags",
      'FROM usage_events AS u',
      'ARRAY JOIN flags AS f',
      'LEFT JOIN (SELECT events, 1 AS x FROM events FINAL WHERE events IN (SELECT events FROM flags)) AS e USING (events)',
      'JOIN numbers(3) AS n3 ON 1',
      'WHERE flags IN (1, 2)',
      'GROUP BY flags, usage_events, d, s, x',
    ].join('\n');
    const expected = [
      'CREATE MATERIALIZED VIEW IF NOT EXISTS totals_mv ON CLUSTER tw_cluster TO totals_local AS',
      'SELECT flags, events AS usage_events, toYear(EXTRACT(DAY FROM flags)) AS d, substring(events FROM 2) AS s,',
      "  'FROM flags' AS text, f.x AS x, count() AS n -- FROM flags",
      'FROM usage_events_local AS u',
      'ARRAY JOIN flags AS f',
      'LEFT JOIN (SELECT events, 1 AS x FROM events_local FINAL WHERE events IN (SELECT events FROM flags_local)) AS e USING (events)',
      'JOIN numbers(3) AS n3 ON 1',
      'WHERE flags IN (1, 2)',
      'GROUP BY flags, usage_events, d, s, x',
    ].join('\n');
    expect(toCluster(mv, CLUSTER, tables)).toEqual([expected]);
    await format(expected);
    // A table that the migrations do not create keeps its name.
    expect(toCluster('CREATE MATERIALIZED VIEW m TO totals AS SELECT a FROM events JOIN other USING (a)', CLUSTER, tables)).toEqual([
      'CREATE MATERIALIZED VIEW m ON CLUSTER tw_cluster TO totals_local AS SELECT a FROM events_local JOIN other USING (a)',
    ]);
  });

  it('puts views on the cluster over the Distributed tables', () => {
    expect(toCluster('CREATE VIEW IF NOT EXISTS v AS SELECT events FROM events', CLUSTER, tables)).toEqual([
      'CREATE VIEW IF NOT EXISTS v ON CLUSTER tw_cluster AS SELECT events FROM events',
    ]);
    expect(toCluster('CREATE OR REPLACE VIEW v AS SELECT 1', CLUSTER, tables)).toEqual(['CREATE OR REPLACE VIEW v ON CLUSTER tw_cluster AS SELECT 1']);
  });

  it('runs a copy between tables through the Distributed tables, written on the shards before it returns', () => {
    expect(toCluster('INSERT INTO totals (a, b) SELECT a, b FROM events WHERE (SELECT count() FROM totals) = 0', CLUSTER, tables)).toEqual([
      'INSERT INTO totals (a, b) SETTINGS distributed_foreground_insert = 1 SELECT a, b FROM events WHERE (SELECT count() FROM totals) = 0',
    ]);
  });

  it('drops views on the cluster, and a table as its Distributed table and then its local tables', () => {
    expect(toCluster('DROP VIEW IF EXISTS v', CLUSTER, tables)).toEqual(['DROP VIEW IF EXISTS v ON CLUSTER tw_cluster']);
    expect(toCluster('DROP TABLE IF EXISTS events', CLUSTER, tables)).toEqual([
      'DROP TABLE IF EXISTS events ON CLUSTER tw_cluster SYNC',
      'DROP TABLE IF EXISTS events_local ON CLUSTER tw_cluster SYNC',
    ]);
  });

  it('adds a column to the local tables of every node and then to the Distributed table; only IF NOT EXISTS, one at a time', () => {
    expect(toCluster("ALTER TABLE events ADD COLUMN IF NOT EXISTS b LowCardinality(String) DEFAULT ''", CLUSTER, tables)).toEqual([
      "ALTER TABLE events_local ON CLUSTER tw_cluster ADD COLUMN IF NOT EXISTS b LowCardinality(String) DEFAULT ''",
      "ALTER TABLE events ON CLUSTER tw_cluster ADD COLUMN IF NOT EXISTS b LowCardinality(String) DEFAULT ''",
    ]);
    expect(() => toCluster('ALTER TABLE events ADD COLUMN IF NOT EXISTS b String, ADD COLUMN IF NOT EXISTS c String', CLUSTER, tables)).toThrow(/one column per ALTER/);
    expect(() => toCluster('ALTER TABLE other ADD COLUMN IF NOT EXISTS b String', CLUSTER, tables)).toThrow(/only tables created by the migrations/);
  });

  it('adds and builds skip indexes on the local tables of every node', () => {
    expect(toCluster('ALTER TABLE events ADD INDEX IF NOT EXISTS ix a TYPE bloom_filter(0.01) GRANULARITY 1', CLUSTER, tables)).toEqual([
      'ALTER TABLE events_local ON CLUSTER tw_cluster ADD INDEX IF NOT EXISTS ix a TYPE bloom_filter(0.01) GRANULARITY 1',
    ]);
    expect(toCluster('ALTER TABLE events MATERIALIZE INDEX ix', CLUSTER, tables)).toEqual(['ALTER TABLE events_local ON CLUSTER tw_cluster MATERIALIZE INDEX ix']);
  });

  it('adds a column to the local tables of every node, then to the Distributed table', () => {
    expect(toCluster("ALTER TABLE events ADD COLUMN IF NOT EXISTS k LowCardinality(String) DEFAULT 'raw'", CLUSTER, tables)).toEqual([
      "ALTER TABLE events_local ON CLUSTER tw_cluster ADD COLUMN IF NOT EXISTS k LowCardinality(String) DEFAULT 'raw'",
      "ALTER TABLE events ON CLUSTER tw_cluster ADD COLUMN IF NOT EXISTS k LowCardinality(String) DEFAULT 'raw'",
    ]);
  });

  it('fails loudly, naming the statement, on anything it does not understand', () => {
    const refused = [
      'ALTER TABLE events ADD COLUMN b String',
      'ALTER TABLE events ADD INDEX ix a TYPE minmax',
      'ALTER TABLE other ADD INDEX IF NOT EXISTS ix a TYPE minmax',
      'ALTER TABLE events ADD INDEX IF NOT EXISTS ix a TYPE minmax, ADD INDEX IF NOT EXISTS iy b TYPE minmax',
      'ALTER TABLE events MATERIALIZE INDEX ix IN PARTITION 1',
      'ALTER TABLE events DROP INDEX ix',
      "INSERT INTO events VALUES ('a')",
      "INSERT INTO events (a) VALUES ('a')",
      'INSERT INTO events SELECT a FROM totals',
      'INSERT INTO other (a) SELECT a FROM events',
      'DROP TABLE events',
      'DROP TABLE IF EXISTS other',
      'DROP TABLE IF EXISTS events SYNC',
      'DROP VIEW v',
      'DROP DATABASE IF EXISTS d',
      'CREATE TABLE events (a String) ENGINE = Memory',
      'CREATE TABLE events (a String) ENGINE = ReplicatedMergeTree ORDER BY a',
      'CREATE TABLE events (a String) ENGINE = Distributed(c, db, t)',
      'CREATE TABLE events ON CLUSTER c (a String) ENGINE = MergeTree ORDER BY a',
      'CREATE TABLE db.events (a String) ENGINE = MergeTree ORDER BY a',
      'CREATE TABLE events (a String) ENGINE = MergeTree ORDER BY a AS SELECT 1',
      'CREATE TABLE events AS other',
      'CREATE MATERIALIZED VIEW m ENGINE = MergeTree ORDER BY a AS SELECT a FROM events',
      'CREATE MATERIALIZED VIEW m TO other AS SELECT a FROM events',
      'CREATE MATERIALIZED VIEW m TO totals AS SELECT a FROM other',
      'CREATE MATERIALIZED VIEW m TO totals AS SELECT a FROM db.events',
      'CREATE MATERIALIZED VIEW m REFRESH EVERY 1 HOUR TO totals AS SELECT a FROM events',
      'CREATE DICTIONARY d (a String) PRIMARY KEY a SOURCE(NULL()) LAYOUT(FLAT()) LIFETIME(0)',
      'CREATE FUNCTION f AS (x) -> x',
      'OPTIMIZE TABLE events FINAL',
    ];
    for (const statement of refused) {
      expect(() => toCluster(`${statement}\n-- second line`, CLUSTER, tables), statement).toThrow(
        `cannot rewrite for cluster tw_cluster: `,
      );
      expect(() => toCluster(`${statement}\n-- second line`, CLUSTER, tables), statement).toThrow(`: ${statement}`);
    }
    expect(() => clusterStatements(['SELECT 1'], CLUSTER)).toThrow(/cannot rewrite for cluster tw_cluster: .*: SELECT 1$/);
  });

  it('quotes a cluster name that is not a plain identifier, and refuses an invalid one', async () => {
    expect(clusterIdentifier('tw_cluster')).toBe('tw_cluster');
    expect(clusterIdentifier('tw-cluster.eu')).toBe('`tw-cluster.eu`');
    expect(() => clusterIdentifier('a; DROP TABLE x')).toThrow(/invalid cluster name/);
    expect(() => toCluster('CREATE VIEW v AS SELECT 1', "x'", tables)).toThrow(/invalid cluster name/);
    for (const s of toCluster('CREATE TABLE events (a String) ENGINE = MergeTree ORDER BY a', 'tw-cluster.eu', tables)) {
      expect(await format(s)).toContain('ON CLUSTER `tw-cluster.eu`');
    }
  });

  it('finds the tables the statements create', () => {
    expect([...createdTables(['CREATE TABLE IF NOT EXISTS a (x UInt8) ENGINE = MergeTree ORDER BY x', 'CREATE VIEW v AS SELECT 1', 'CREATE TABLE b (x UInt8) ENGINE = MergeTree ORDER BY x'])]).toEqual([
      'a',
      'b',
    ]);
  });

  it('exposes the insert setting for Distributed inserts', () => {
    expect(clusterInsertSettings()).toEqual({ distributed_foreground_insert: 1 });
  });
});

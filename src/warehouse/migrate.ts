/**
 * Numbered SQL migrations from `sql/`, applied once each, in order, and recorded in
 * `schema_migrations`. DDL cannot bind parameters, so the few values it needs come
 * from the validated config through a fixed set of `{{name}}` placeholders.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { Config } from '../config.js';
import { clusterIdentifier, clusterInsertSettingsSql, clusterStatements, createdTables, localName, toCluster } from './cluster.js';
import { defineQuery, TABLES, type Warehouse } from './warehouse.js';

export const SQL_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'sql');

export interface MigrationVariables {
  retention_days: number;
  rollup_retention_days: number;
  /**
   * clickhouse.cluster: every statement is rewritten for this cluster (src/warehouse/cluster.ts).
   * Not a placeholder.
   */
  cluster?: string;
}

/** The `{{name}}` placeholders a migration may use. */
const PLACEHOLDERS = ['retention_days', 'rollup_retention_days'] as const;

export interface Migration {
  version: number;
  name: string;
  statements: string[];
  checksum: string;
}

export function migrationVariables(config: Config): MigrationVariables {
  const { cluster, url } = config.clickhouse;
  if (cluster !== undefined && !url) {
    throw new Error('clickhouse.cluster needs clickhouse.url: the embedded engine has no cluster');
  }
  return {
    retention_days: config.warehouse.retention_days,
    rollup_retention_days: Math.max(config.warehouse.rollup_retention_days, config.warehouse.retention_days),
    ...(cluster !== undefined ? { cluster } : {}),
  };
}

const FILE_NAME = /^(\d{3})_([a-z0-9_]+)\.sql$/;

/** Fills the whitelisted placeholders; an unknown one is a bug in a migration file. */
export function render(sql: string, variables: MigrationVariables): string {
  return sql.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    if (!(PLACEHOLDERS as readonly string[]).includes(name)) throw new Error(`migration uses unknown placeholder {{${name}}}`);
    return String(variables[name as (typeof PLACEHOLDERS)[number]]);
  });
}

/** Splits a file into statements at semicolons that end a line; comments are kept out. */
export function splitStatements(sql: string): string[] {
  const withoutComments = sql
    .split('\n')
    .filter((line) => !line.trim().startsWith('--'))
    .join('\n');
  return withoutComments
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * Every migration file, rendered and split; with a cluster, each statement rewritten for it
 * (the checksum stays the file's).
 */
export function loadMigrations(variables: MigrationVariables, dir = SQL_DIR): Migration[] {
  const migrations = readdirSync(dir)
    .filter((f) => FILE_NAME.test(f))
    .sort()
    .map((file) => {
      const [, version, name] = FILE_NAME.exec(file)!;
      const text = readFileSync(join(dir, file), 'utf8');
      return {
        version: Number(version),
        name: name!,
        statements: splitStatements(render(text, variables)),
        checksum: createHash('sha256').update(text).digest('hex'),
      };
    });
  const { cluster } = variables;
  if (cluster === undefined) return migrations;
  // Materialized views read shard-locally the tables any migration creates.
  const tables = createdTables(migrations.flatMap((m) => m.statements));
  return migrations.map((m) => ({ ...m, statements: m.statements.flatMap((s) => toCluster(s, cluster, tables)) }));
}

/** The table that records applied migrations (rewritten like the others on a cluster). */
export const MIGRATIONS_TABLE_DDL = `CREATE TABLE IF NOT EXISTS ${TABLES.migrations}
     (version UInt32, name String, checksum String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3))
     ENGINE = ReplacingMergeTree ORDER BY version`;

const appliedMigrations = defineQuery({
  name: 'applied_migrations',
  sql: `SELECT version, name, checksum FROM ${TABLES.migrations} ORDER BY version`,
  params: z.object({}),
  row: z.object({ version: z.coerce.number(), name: z.string(), checksum: z.string() }),
});

/**
 * Checksums of files as they were applied by earlier commits, before the migration check
 * existed, and accepted for them. On 2026-11-24 three commits added tables to files already
 * applied instead of adding a new migration: 003 gained the app and user top lists (06bd8c7)
 * and usage_token_place_1h_v1 (56b6f9b); 005 gained suppressions and detector_runs
 * (56b6f9b). A data directory migrated before those commits records an older checksum and
 * lacks what the edits added, exactly as it did before this check; refusing it now would
 * change nothing for it but stop it starting. Never add to this list: a change to an
 * applied migration is a new migration.
 */
export const HISTORICAL_CHECKSUMS: Readonly<Record<number, readonly string[]>> = {
  3: [
    '15532fa10046e4fcda26115d63ae6c5306ecfb936e5538c4146d3516be43e9a2', // 16dda42
    '81943445666bd380498bf03e841a53234eba3cd12d8c0964708c6904c9dd4005', // 06bd8c7
  ],
  5: ['3a3350fe4636c809a88c192e0de4ab19f9c033cb12b4b24671b19bebf4a2fa07'], // 16dda42
};

/** An applied migration whose file changed since: refused at start, naming the file. */
export class MigrationChangedError extends Error {
  constructor(readonly file: string, readonly recorded: string, readonly current: string) {
    super(
      `migration ${file} was changed after it was applied (recorded checksum ${recorded.slice(0, 12)}, ` +
        `file now ${current.slice(0, 12)}): restore the file and put the change in a new migration`,
    );
    this.name = 'MigrationChangedError';
  }
}

export function migrationFile(migration: Pick<Migration, 'version' | 'name'>): string {
  return `sql/${String(migration.version).padStart(3, '0')}_${migration.name}.sql`;
}

/** Throws MigrationChangedError for the first applied migration whose file differs from what was applied. */
export function checkApplied(migrations: readonly Migration[], applied: readonly { version: number; checksum: string }[]): void {
  const byVersion = new Map(migrations.map((m) => [m.version, m]));
  for (const row of applied) {
    const migration = byVersion.get(row.version);
    if (!migration || row.checksum === migration.checksum) continue;
    if (HISTORICAL_CHECKSUMS[row.version]?.includes(row.checksum)) continue;
    throw new MigrationChangedError(migrationFile(migration), row.checksum, migration.checksum);
  }
}

const usageTtl = defineQuery({
  name: 'usage_events_ttl',
  sql: `SELECT engine_full FROM system.tables WHERE database = currentDatabase() AND name = {table:String}`,
  params: z.object({ table: z.string() }),
  row: z.object({ engine_full: z.string() }),
});

/**
 * Keeps the raw table's TTL equal to the configured retention when it changes after the
 * table was created. Existing parts expire at their next merge (no rewrite at start).
 */
export async function applyRetention(warehouse: Warehouse, days: number, cluster?: string): Promise<boolean> {
  // On a cluster the TTL lives on the shard-local replicated table, altered on every shard.
  const name = cluster === undefined ? TABLES.usageEvents : localName(TABLES.usageEvents);
  const [table] = await usageTtl(warehouse, { table: name });
  if (!table || table.engine_full.includes(`toIntervalDay(${days})`)) return false;
  const on = cluster === undefined ? '' : ` ON CLUSTER ${clusterIdentifier(cluster)}`;
  await warehouse.command(
    `ALTER TABLE ${name}${on} MODIFY TTL toDateTime(ts) + toIntervalDay(${Math.trunc(days)}) SETTINGS materialize_ttl_after_modify = 0`,
  );
  return true;
}

/**
 * Applies what is not applied yet (of the files in `dir`); returns the versions it applied.
 * Refuses (MigrationChangedError) when a file already applied has changed since.
 */
export async function migrate(warehouse: Warehouse, variables: MigrationVariables, dir = SQL_DIR): Promise<Migration[]> {
  const { cluster } = variables;
  // Loaded (and, on a cluster, rewritten) first: a statement the rewrite refuses stops everything.
  const migrations = loadMigrations(variables, dir);
  for (const statement of cluster === undefined ? [MIGRATIONS_TABLE_DDL] : clusterStatements([MIGRATIONS_TABLE_DDL], cluster)) {
    await warehouse.command(statement);
  }
  // On a cluster the record goes through the Distributed table: written on its shard before the next read.
  const settings =
    cluster === undefined
      ? ''
      : ` SETTINGS ${clusterInsertSettingsSql()}`;
  const recorded = await appliedMigrations(warehouse, {});
  // Before anything is applied: a changed file is refused, naming it.
  checkApplied(migrations, recorded);
  const done = new Set(recorded.map((r) => r.version));
  const applied: Migration[] = [];
  for (const migration of migrations) {
    if (done.has(migration.version)) continue;
    for (const statement of migration.statements) await warehouse.command(statement);
    await warehouse.command(
      `INSERT INTO ${TABLES.migrations} (version, name, checksum)${settings} VALUES ({version:UInt32}, {name:String}, {checksum:String})`,
      { version: migration.version, name: migration.name, checksum: migration.checksum },
    );
    applied.push(migration);
  }
  await applyRetention(warehouse, variables.retention_days, cluster);
  return applied;
}

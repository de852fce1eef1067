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
import { defineQuery, TABLES, type Warehouse } from './warehouse.js';

export const SQL_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'sql');

export interface MigrationVariables {
  retention_days: number;
  rollup_retention_days: number;
}

export interface Migration {
  version: number;
  name: string;
  statements: string[];
  checksum: string;
}

export function migrationVariables(config: Config): MigrationVariables {
  return {
    retention_days: config.warehouse.retention_days,
    rollup_retention_days: Math.max(config.warehouse.rollup_retention_days, config.warehouse.retention_days),
  };
}

const FILE_NAME = /^(\d{3})_([a-z0-9_]+)\.sql$/;

/** Fills the whitelisted placeholders; an unknown one is a bug in a migration file. */
export function render(sql: string, variables: MigrationVariables): string {
  return sql.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    if (!(name in variables)) throw new Error(`migration uses unknown placeholder {{${name}}}`);
    return String(variables[name as keyof MigrationVariables]);
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

export function loadMigrations(variables: MigrationVariables, dir = SQL_DIR): Migration[] {
  return readdirSync(dir)
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
}

const appliedVersions = defineQuery({
  name: 'applied_migrations',
  sql: `SELECT version FROM ${TABLES.migrations} ORDER BY version`,
  params: z.object({}),
  row: z.object({ version: z.coerce.number() }),
});

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
export async function applyRetention(warehouse: Warehouse, days: number): Promise<boolean> {
  const [table] = await usageTtl(warehouse, { table: TABLES.usageEvents });
  if (!table || table.engine_full.includes(`toIntervalDay(${days})`)) return false;
  await warehouse.command(
    `ALTER TABLE ${TABLES.usageEvents} MODIFY TTL toDateTime(ts) + toIntervalDay(${Math.trunc(days)}) SETTINGS materialize_ttl_after_modify = 0`,
  );
  return true;
}

/** Applies what is not applied yet; returns the versions it applied. */
export async function migrate(warehouse: Warehouse, variables: MigrationVariables): Promise<Migration[]> {
  await warehouse.command(
    `CREATE TABLE IF NOT EXISTS ${TABLES.migrations}
     (version UInt32, name String, checksum String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3))
     ENGINE = ReplacingMergeTree ORDER BY version`,
  );
  const done = new Set((await appliedVersions(warehouse, {})).map((r) => r.version));
  const applied: Migration[] = [];
  for (const migration of loadMigrations(variables)) {
    if (done.has(migration.version)) continue;
    for (const statement of migration.statements) await warehouse.command(statement);
    await warehouse.command(
      `INSERT INTO ${TABLES.migrations} (version, name, checksum) VALUES ({version:UInt32}, {name:String}, {checksum:String})`,
      { version: migration.version, name: migration.name, checksum: migration.checksum },
    );
    applied.push(migration);
  }
  await applyRetention(warehouse, variables.retention_days);
  return applied;
}

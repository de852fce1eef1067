/** Issue 11: the Grafana read-only user reads the BI tables and views by name, never revocation_handles. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openChdb } from '../../src/warehouse/chdb.js';
import { migrate, migrationVariables } from '../../src/warehouse/migrate.js';
import type { Warehouse } from '../../src/warehouse/warehouse.js';
import { tempDir, testConfig } from '../helpers.js';

const root = join(import.meta.dirname, '..', '..');
const xml = readFileSync(join(root, 'deploy/clickhouse/users.d/grafana-readonly.xml'), 'utf8');
/** Tables that hold secrets or internals: never for BI. */
const NEVER = ['revocation_handles', 'schema_migrations'];

let warehouse: Warehouse;
let schema: { name: string; engine: string; create_table_query: string }[];
beforeAll(async () => {
  const dir = tempDir();
  warehouse = openChdb(join(dir, 'warehouse'));
  await migrate(warehouse, migrationVariables(testConfig(dir)));
  schema = (await warehouse.query(`SELECT name, engine, create_table_query FROM system.tables WHERE database = currentDatabase()`)) as typeof schema;
});
afterAll(async () => warehouse.close());

const grants = [...xml.replace(/<!--[\s\S]*?-->/g, '').matchAll(/<query>([^<]*)<\/query>/g)].map((m) => m[1]!.trim());
const granted = new Set(grants.map((g) => /^GRANT SELECT ON tokenwatch\.([a-z0-9_]+)$/.exec(g)?.[1] ?? `UNEXPECTED: ${g}`));
const readsOf = (sql: string) => [...sql.matchAll(/\b(?:FROM|JOIN)\s+(?:[a-z_]+\.)?([a-z_][a-z0-9_]*)/gi)].map((m) => m[1]!);

describe('Grafana read-only grants', () => {
  it('grant SELECT only, table by table, with no wildcard', () => {
    expect(grants.length).toBeGreaterThan(0);
    for (const name of granted) expect(name).not.toMatch(/^UNEXPECTED/);
    expect(xml.replace(/<!--[\s\S]*?-->/g, '')).not.toMatch(/tokenwatch\.\*|\*\.\*/);
  });

  it('never revocation_handles or the migrations table', () => {
    for (const name of NEVER) expect(granted.has(name)).toBe(false);
  });

  it('name tables that exist', () => {
    const names = new Set(schema.map((t) => t.name));
    for (const name of granted) expect(names.has(name), name).toBe(true);
    expect(names.has('revocation_handles')).toBe(true);
  });

  it('cover every table the dashboards read, and the tables under each granted view', () => {
    const dashboards = join(root, 'dashboards');
    for (const file of readdirSync(dashboards).filter((f) => f.endsWith('.json'))) {
      for (const name of readsOf(readFileSync(join(dashboards, file), 'utf8'))) {
        if (schema.some((t) => t.name === name)) expect(granted.has(name), `${file} reads ${name}`).toBe(true);
      }
    }
    for (const view of schema.filter((t) => t.engine === 'View' && granted.has(t.name))) {
      for (const name of readsOf(view.create_table_query)) {
        if (schema.some((t) => t.name === name)) expect(granted.has(name), `${view.name} reads ${name}`).toBe(true);
      }
    }
  });
});

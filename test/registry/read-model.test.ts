/**
 * The token registry is read through src/registry/ only: no other module of src/ names
 * the registry's table or views (TABLES.tokens, TABLES.tokenStats, TABLES.apps) or writes
 * their names in SQL. A new registry read goes into src/registry/, beside the others.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TABLES } from '../../src/warehouse/warehouse.js';

const REGISTRY = [TABLES.tokens, TABLES.tokenStats, TABLES.apps];
const NAMES = new RegExp(`\\bTABLES\\.(?:tokens|tokenStats|apps)\\b|\\b(?:${REGISTRY.join('|')})\\b`);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

describe('the token read model', () => {
  const naming = sources('src').filter((file) => NAMES.test(readFileSync(file, 'utf8')));

  it('finds the registry reads (the scan works)', () => {
    expect(naming).toEqual(expect.arrayContaining(['src/registry/entries.ts', 'src/registry/apps.ts', 'src/registry/live-tokens.ts']));
  });

  it('is the only reader of the registry outside the warehouse module', () => {
    const outside = naming.filter((file) => !file.startsWith(join('src', 'registry')) && !file.startsWith(join('src', 'warehouse')));
    expect(outside, 'read the token registry through src/registry/').toEqual([]);
  });
});

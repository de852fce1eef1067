/**
 * docs/schema.sql is today's schema: a fresh migrate in a temporary directory produces it
 * byte for byte. After a new migration, run `npm run schema` and commit the file.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { freshSchema, SCHEMA_FILE } from '../../scripts/schema.js';

describe('docs/schema.sql', () => {
  it('is what a fresh migrate creates (regenerate with `npm run schema`)', async () => {
    const fresh = await freshSchema();
    expect(fresh).toMatch(/^CREATE TABLE usage_events\n/m);
    expect(fresh).toMatch(/^CREATE VIEW v_token_stats/m);
    const checkedIn = readFileSync(SCHEMA_FILE, 'utf8');
    if (checkedIn !== fresh) {
      expect.fail('docs/schema.sql is stale: a migration changed the schema. Run `npm run schema` and commit docs/schema.sql.');
    }
  });
});

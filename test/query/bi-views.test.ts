/** The BI reference's (docs/bi.md) example queries for BI tools run against the views, on sample data. */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { auth, event, openTestApp, tempDir, testConfig, type TestApp } from '../helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await openTestApp(testConfig(tempDir()));
  const events = Array.from({ length: 50 }, (_, i) => event({ token: `bi-${i % 5}`, app_id: 'shop', country: ['DE', 'US'][i % 2], status: i % 7 === 0 ? 401 : 200 }));
  const res = await t.app.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': 'application/json', ...auth('ingest') }, payload: events });
  expect(res.statusCode).toBe(202);
  await t.ctx.flusher.drained();
});
afterAll(async () => t?.close());

/** Every SELECT in docs/bi.md's sql blocks (statements that create users are for a server). */
function readmeQueries(): string[] {
  const readme = readFileSync(new URL('../../docs/bi.md', import.meta.url), 'utf8');
  const blocks = [...readme.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]!);
  return blocks
    .flatMap((b) => b.split(/;\s*\n/))
    .map((s) => s.split('\n').filter((l) => !l.trim().startsWith('--')).join('\n').trim().replace(/;$/, ''))
    .filter((s) => /^SELECT/i.test(s));
}

it('docs/bi.md shows an example query for every BI view, and each runs', async () => {
  const queries = readmeQueries();
  for (const view of ['v_usage_per_minute', 'v_token_stats', 'v_geo_breakdown', 'v_apps']) {
    expect(queries.some((q) => q.includes(view)), view).toBe(true);
  }
  for (const q of queries) {
    const rows = await t.ctx.warehouse.query(q);
    expect(rows.length, q).toBeGreaterThan(0);
  }
});

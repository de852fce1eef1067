/**
 * What keeps a bulk job at the target's pace: used handles are masked at once and
 * deleted in batches, idempotency is one query per page, and a target's 429 slows the
 * dispatcher down without opening its breaker.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/ingest/fingerprint.js';
import { createLogger } from '../../src/logger.js';
import { HandleStore } from '../../src/revocation/handles.js';
import { Vault } from '../../src/revocation/vault.js';
import { openChdb } from '../../src/warehouse/chdb.js';
import { TABLES, toClickHouseTime, type Warehouse } from '../../src/warehouse/warehouse.js';
import { openTestApp, tempDir, testConfig, type TestApp } from '../helpers.js';
import { Rfc7009StandIn, rfc7009Target } from './standin.js';

/** An in-memory revocation_handles table behind the Warehouse interface, recording every statement. */
function fakeWarehouse() {
  const rows = new Map<string, string>();
  const statements: { sql: string; params?: Record<string, unknown> }[] = [];
  let failDeletes = 0;
  const warehouse: Warehouse = {
    kind: 'chdb',
    async query(sql, params) {
      statements.push({ sql, params });
      const fps = (params?.fps as string[] | undefined) ?? [];
      return fps.filter((fp) => rows.has(fp)).map((fp) => ({ token_fingerprint: fp, sealed: rows.get(fp)! }));
    },
    async command(sql, params) {
      statements.push({ sql, params });
      if (sql.startsWith('DELETE')) {
        if (failDeletes > 0) {
          failDeletes -= 1;
          throw new Error('warehouse down');
        }
        for (const fp of params!.fps as string[]) rows.delete(fp);
      }
    },
    async insertJsonEachRow(_table, text) {
      for (const line of String(text).split('\n')) {
        if (!line) continue;
        const r = JSON.parse(line) as { token_fingerprint: string; sealed: string };
        rows.set(r.token_fingerprint, r.sealed);
      }
    },
    async ping() {},
    async close() {},
  };
  return { warehouse, rows, statements, deletes: () => statements.filter((s) => s.sql.startsWith('DELETE')), failNextDeletes: (n: number) => (failDeletes = n) };
}

describe('HandleStore', () => {
  const vault = new Vault(randomBytes(32));
  const store = (w: Warehouse) => new HandleStore(w, vault, new Set(['access_token']), 30, createLogger('silent'));

  it('masks a used handle at once and deletes a second’s worth in one statement', async () => {
    const fake = fakeWarehouse();
    const handles = store(fake.warehouse);
    for (const name of ['a', 'b', 'c']) handles.remember(`fp-${name}`, `raw-${name}`, 'access_token');
    await handles.flush();
    handles.forget(['fp-a']);
    handles.forget(['fp-b']);
    expect(fake.deletes()).toHaveLength(0);
    // Still in the warehouse, but never usable again.
    expect(fake.rows.has('fp-a')).toBe(true);
    expect([...(await handles.lookup(['fp-a', 'fp-b', 'fp-c'])).entries()]).toEqual([['fp-c', 'raw-c']]);
    await handles.flushForgotten();
    expect(fake.deletes().map((d) => d.params!.fps)).toEqual([['fp-a', 'fp-b']]);
    expect([...fake.rows.keys()]).toEqual(['fp-c']);
    // A revoked token seen again is not sealed again.
    handles.remember('fp-a', 'raw-a', 'access_token');
    await handles.flush();
    expect(fake.rows.has('fp-a')).toBe(false);
    await handles.close();
  });

  it('drops a handle not written yet, keeps the mask while the delete fails, and deletes on close', async () => {
    const fake = fakeWarehouse();
    const handles = store(fake.warehouse);
    handles.remember('fp-x', 'raw-x', 'access_token');
    handles.forget(['fp-x']); // before its write
    await handles.flush();
    expect(fake.rows.has('fp-x')).toBe(false);

    handles.remember('fp-y', 'raw-y', 'access_token');
    await handles.flush();
    fake.failNextDeletes(1);
    handles.forget(['fp-y']);
    await expect(handles.flushForgotten()).rejects.toThrow(/warehouse down/);
    expect((await handles.lookup(['fp-y'])).size).toBe(0);
    await handles.close();
    expect(fake.rows.has('fp-y')).toBe(false);
    expect(fake.deletes().at(-1)!.params!.fps).toContain('fp-y');
  });

  it('bounds each statement', async () => {
    const fake = fakeWarehouse();
    const handles = store(fake.warehouse);
    handles.forget(Array.from({ length: 12_000 }, (_, i) => `fp-${i}`));
    await handles.flushForgotten();
    expect(fake.deletes().map((d) => (d.params!.fps as string[]).length)).toEqual([5000, 5000, 2000]);
    await handles.close();
  });
});

describe('bulk revocation against the embedded warehouse', () => {
  const idp = new Rfc7009StandIn();
  let dir: string;
  let t: TestApp;
  const statements: string[] = [];
  const fp = (token: string) => fingerprint(t.ctx.secrets.pepper, token);
  const count = (re: RegExp) => statements.filter((s) => re.test(s.replace(/\s+/g, ' '))).length;

  beforeAll(async () => {
    await idp.start();
    dir = tempDir();
    const inner = openChdb(join(dir, 'warehouse'));
    const counting: Warehouse = {
      kind: inner.kind,
      query: (sql, params) => (statements.push(sql), inner.query(sql, params)),
      command: (sql, params) => (statements.push(sql), inner.command(sql, params)),
      insertJsonEachRow: (table, rows, options) => inner.insertJsonEachRow(table, rows, options),
      ping: () => inner.ping(),
      close: () => inner.close(),
    };
    t = await openTestApp(testConfig(dir, { revocation: { targets: { idp: rfc7009Target(idp, { rate_limit_per_sec: 100, concurrency: 8 }) } } }), { warehouse: counting });
  });
  afterAll(async () => {
    await t?.close();
    await idp.stop();
  });

  it('revokes every token once, with one idempotency query per page and batched deletes; a second request joins the first results', async () => {
    const tokens = Array.from({ length: 150 }, (_, i) => `batch-${i}`);
    const at = toClickHouseTime(new Date());
    await t.ctx.warehouse.insertJsonEachRow(
      TABLES.tokenEvents,
      tokens.map((tok, i) => JSON.stringify({ event_id: `batch-${i}`, event: 'issued', ts: at, received_at: at, token_fingerprint: fp(tok), token_type: 'access_token', app_id: 'batched' })).join('\n') + '\n',
    );
    for (const tok of tokens) t.ctx.revocations.handles.remember(fp(tok), tok, 'access_token');
    await t.ctx.revocations.handles.flush();
    // A target that throttles at first: 429 with Retry-After, which pauses it but is no failure.
    let throttled = 0;
    idp.respond = () => (throttled < 8 ? (throttled++, { status: 429, headers: { 'retry-after': '1' } }) : { status: 200 });

    const { estimates, jobs, requests, outbox, dispatcher, audit } = t.ctx.revocations;
    // The selectors' candidate filters (see liveTokensSql) leave the counts exact.
    expect(await estimates.countLive({ scope: 'app', value: 'batched' })).toEqual({ live: 150, users: 0, apps: 1 });
    expect((await estimates.countLive({ scope: 'family', value: fp('batch-7') })).live).toBe(1);
    expect((await estimates.countLive({ scope: 'token', value: fp('batch-7') })).live).toBe(1);
    statements.length = 0;
    const job = await jobs.create({ scope: 'app', value: 'batched' }, 'idp', 'governance', 'test', 'batching');
    const deadline = Date.now() + 30_000;
    while (outbox.jobs.get(job.id)!.status !== 'done' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(outbox.jobs.get(job.id)).toMatchObject({ status: 'done', done: 150, failed: 0 });
    expect(dispatcher.stats().find((s) => s.target === 'idp')!.breaker).toBe('closed');
    expect(new Set(idp.calls.filter((c) => tokens.includes(c.token)).map((c) => c.token)).size).toBe(150);
    expect(count(/FROM revocations FINAL WHERE token_fingerprint IN/)).toBe(1);
    expect(count(/FROM revocations FINAL WHERE token_fingerprint =/)).toBe(0);

    await t.ctx.revocations.handles.flushForgotten();
    const deletes = count(/^DELETE FROM revocation_handles/);
    expect(deletes).toBeGreaterThanOrEqual(1);
    expect(deletes).toBeLessThan(20);
    expect(await t.ctx.warehouse.query(`SELECT count() AS n FROM revocation_handles WHERE token_fingerprint IN {fps:Array(String)}`, { fps: tokens.map(fp) })).toEqual([{ n: 0 }]);

    // Once the audit has them, the outbox lets them go; a second request still joins them, without a query per token.
    await audit.flush();
    expect(outbox.revocations.size).toBe(0);
    statements.length = 0;
    const calls = idp.calls.length;
    const again = await requests.request(tokens.map((tok) => ({ token_fingerprint: fp(tok), target: 'idp', source: 'governance' as const, actor: 'test', reason: 'again' })));
    expect(again.every((r) => !r.created && r.revocation.status === 'done')).toBe(true);
    expect(count(/FROM revocations FINAL/)).toBeLessThanOrEqual(1);
    expect(idp.calls.length).toBe(calls);
    idp.respond = () => ({ status: 200 });
  });

  it('one revocation per token however the requests arrive: twice in one request, or two requests at once', async () => {
    const { requests } = t.ctx.revocations;
    const r = (token: string) => ({ token_fingerprint: fp(token), token: token, target: 'idp', source: 'subscriber' as const, actor: 'test', reason: 'dup' });
    const [a, b] = await requests.request([r('dup-1'), r('dup-1')]);
    expect(a!.created).toBe(true);
    expect(b).toMatchObject({ created: false, revocation: { id: a!.revocation.id } });
    const [[c], [d]] = await Promise.all([requests.request([r('dup-2')]), requests.request([r('dup-2')])]);
    expect([c!.created, d!.created].sort()).toEqual([false, true]);
    expect(c!.revocation.id).toBe(d!.revocation.id);
    await requests.settle(a!.revocation.id, 10_000);
    await requests.settle(c!.revocation.id, 10_000);
    expect(idp.callsFor('dup-1')).toHaveLength(1);
    expect(idp.callsFor('dup-2')).toHaveLength(1);
  });
});

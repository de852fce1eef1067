/**
 * Red-team pass (issue 11): flooding the revocation-handle buffer. Handles (sealed raw
 * tokens, needed to revoke at an RFC 7009 target) are written off the ingest path from a
 * bounded buffer. One ingest key sending tens of thousands of invented raw tokens at once
 * filled it, and a real token's handle arriving then was dropped: its revocation would
 * fail later with no_revocation_handle. Now ingest answers 503 (retry) while there is no
 * room, and no acknowledged handle is dropped.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/ingest/fingerprint.js';
import { createLogger } from '../../src/logger.js';
import { HandleStore } from '../../src/revocation/handles.js';
import { Vault } from '../../src/revocation/vault.js';
import type { Warehouse } from '../../src/warehouse/warehouse.js';
import { auth, openTestApp, tempDir, testConfig, type TestApp } from '../helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await openTestApp(
    testConfig(tempDir(), {
      revocation: { targets: { idp: { type: 'rfc7009', url: 'http://127.0.0.1:9/revoke', client_id: 'tw', client_secret: 'secret', token_types: ['access_token'] } } },
    }),
  );
});
afterAll(async () => t?.close());

describe('a flood of raw tokens cannot push a real token’s revocation handle out', () => {
  it('80,000 invented tokens at once: some requests wait (503, Retry-After), none is dropped, the real one is kept', async () => {
    const flood = (r: number) =>
      Array.from({ length: 10_000 }, (_, i) => JSON.stringify({ token: `flood-${r}-${i}-${'x'.repeat(30)}`, token_type: 'access_token', ip: '203.0.113.1' })).join('\n');
    const send = (payload: string, type = 'application/x-ndjson') => t.app.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': type, ...auth('ingest') }, payload });
    const bodies = Array.from({ length: 8 }, (_, r) => flood(r));
    const victimBody = JSON.stringify([{ token: 'victim-real-token', token_type: 'access_token', ip: '203.0.113.2' }]);
    const answers = await Promise.all([...bodies.map((b) => send(b)), send(victimBody, 'application/json')]);
    for (const a of answers) {
      expect([202, 503]).toContain(a.statusCode);
      if (a.statusCode === 503) expect(a.headers['retry-after']).toBe('1');
    }
    expect(t.ctx.revocations.handles.dropped).toBe(0);
    // What was refused is retried, as a gateway does, and then taken.
    for (let i = 0; i < answers.length; i++) {
      let a = answers[i]!;
      for (let attempt = 0; a.statusCode === 503 && attempt < 50; attempt++) {
        await new Promise((r) => setTimeout(r, 200));
        a = await (i < bodies.length ? send(bodies[i]!) : send(victimBody, 'application/json'));
      }
      expect(a.statusCode).toBe(202);
    }
    expect(t.ctx.revocations.handles.dropped).toBe(0);
    const fp = fingerprint(t.ctx.secrets.pepper, 'victim-real-token');
    expect((await t.ctx.revocations.handles.lookup([fp])).get(fp)).toBe('victim-real-token');
  }, 120_000);
});

describe('HandleStore.hasRoom', () => {
  /** A warehouse whose handle inserts wait for release(), or fail. */
  function warehouse(mode: 'slow' | 'down') {
    const waiting: (() => void)[] = [];
    const w: Warehouse = {
      kind: 'chdb',
      async query() {
        return [];
      },
      async command() {},
      insertJsonEachRow() {
        if (mode === 'down') return Promise.reject(new Error('warehouse down'));
        return new Promise<void>((resolve) => waiting.push(resolve));
      },
      async ping() {},
      async close() {},
    };
    return { w, release: () => waiting.splice(0).forEach((r) => r()) };
  }
  const fill = (store: HandleStore, n: number) => {
    for (let i = 0; i < n; i++) store.remember(`fp-${i}`, `tok-${i}`, 'access_token');
  };

  it('a healthy but busy warehouse: no room past the buffer, room again once written', async () => {
    const { w, release } = warehouse('slow');
    const store = new HandleStore(w, new Vault(randomBytes(32)), new Set(['access_token']), 30, createLogger('silent'));
    // 5,000 rows go to the warehouse at once (and wait there); 50,000 fill the buffer.
    fill(store, 55_000);
    expect(store.hasRoom(1)).toBe(false);
    expect(store.dropped).toBe(0);
    release();
    await new Promise((r) => setTimeout(r, 50));
    release();
    await store.flush();
    expect(store.hasRoom(10_000)).toBe(true);
    await store.close();
  });

  it('a warehouse that is down does not stop ingest (the spool takes it): handles past the buffer are dropped and counted, as before', async () => {
    const { w } = warehouse('down');
    const store = new HandleStore(w, new Vault(randomBytes(32)), new Set(['access_token']), 30, createLogger('silent'));
    fill(store, 6_000);
    await store.flush();
    expect(store.hasRoom(50_000)).toBe(true);
    await store.close();
  });
});

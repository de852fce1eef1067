/** Issue 11: the audit cannot lie: the acting key is recorded, the product's own names are reserved, the budget counts only the product. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, openTestApp, tempDir, testConfig, type TestApp } from '../helpers.js';

let t: TestApp;
const FP = 'cd'.repeat(32);
beforeAll(async () => {
  t = await openTestApp(
    testConfig(tempDir(), {
      // Never called: every revocation here is a dry run or refused.
      revocation: { targets: { hook: { type: 'webhook', url: 'http://127.0.0.1:9/hook', secret: 'webhook-secret-0123456789' } } },
    }),
  );
});
afterAll(async () => t.close());

const revoke = (body: Record<string, unknown>) =>
  t.app.inject({ method: 'POST', url: '/v1/revocations', headers: auth('admin'), payload: { scope: 'token', token_fingerprint: FP, reason: 'test', dry_run: true, ...body } });

async function newFlag(status: 'open' | 'needs_review' | 'dismissed' = 'open'): Promise<string> {
  const id = Math.random().toString(16).slice(2).padEnd(32, '0').slice(0, 32);
  const now = new Date();
  await t.ctx.runner.store.insert([
    {
      id,
      detector: 'rate_spike',
      status,
      finding: { subject_type: 'token', subject: FP, token_fingerprint: FP, window_start: new Date(now.getTime() - 300_000), window_end: now, severity: 'high', score: 9, explanation: 'spike', evidence: {} },
    },
  ]);
  return id;
}

describe('audit', () => {
  it('refuses source "detector" and policy:/detector: actors from the API with 400', async () => {
    for (const body of [{ source: 'detector' }, { actor: 'policy:0' }, { actor: 'Policy: 3' }, { actor: 'detector:rate_spike' }]) {
      const res = await revoke(body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error.message).toMatch(/reserved/);
    }
    const flag = await newFlag();
    const review = await t.app.inject({ method: 'POST', url: `/v1/flags/${flag}/dismiss`, headers: auth('admin'), payload: { reason: 'x', actor: 'policy:1' } });
    expect(review.statusCode).toBe(400);
  });

  it('records the acting key with the actor, named or not', async () => {
    const named = await revoke({ actor: 'alice' });
    expect(named.statusCode).toBe(200);
    expect(named.json().actor).toMatch(/^alice via key:[0-9a-z-]+$/);
    const unnamed = await revoke({ token_fingerprint: 'ce'.repeat(32) });
    expect(unnamed.json().actor).toMatch(/^key:[0-9a-z-]+$/);
    const flag = await newFlag();
    await t.app.inject({ method: 'POST', url: `/v1/flags/${flag}/dismiss`, headers: auth('admin'), payload: { reason: 'benign', actor: 'bob' } });
    const detail = (await t.app.inject({ method: 'GET', url: `/v1/flags/${flag}`, headers: auth('read') })).json();
    expect(detail.history.map((h: { actor: string }) => h.actor)).toContainEqual(expect.stringMatching(/^bob via key:/));
  });

  it('the automatic-revocation budget counts only rows a policy wrote', async () => {
    const requests = t.ctx.revocations.requests;
    const base = { token_fingerprint: 'ef'.repeat(32), target: 'hook', reason: 'r', dry_run: true };
    // Rows as an older version let an admin write them, and one a policy wrote.
    await requests.request([
      { ...base, source: 'detector', actor: 'mallory' },
      { ...base, token_fingerprint: 'ee'.repeat(32), source: 'detector', actor: 'policy:0 via key:abc' },
      { ...base, token_fingerprint: 'ed'.repeat(32), source: 'governance', actor: 'policy:0' },
      { ...base, token_fingerprint: 'ec'.repeat(32), source: 'detector', actor: 'policy:0' },
    ]);
    await t.ctx.revocations.audit.flush();
    const policy = t.ctx.revocations.policy;
    await policy.load();
    expect((policy as unknown as { recent: number[] }).recent).toHaveLength(1);
  });

  it('confirming a flag that is not open or needs_review is a 409 and revokes nothing', async () => {
    const flag = await newFlag('dismissed');
    const before = (await t.app.inject({ method: 'GET', url: `/v1/revocations?flag_id=${flag}`, headers: auth('read') })).json().revocations.length;
    const res = await t.app.inject({ method: 'POST', url: `/v1/flags/${flag}/confirm`, headers: auth('admin'), payload: { reason: 'x', revoke: 'token', target: 'hook' } });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('already_reviewed');
    await t.ctx.revocations.audit.flush();
    const after = (await t.app.inject({ method: 'GET', url: `/v1/revocations?flag_id=${flag}`, headers: auth('read') })).json().revocations.length;
    expect(after).toBe(before);
    expect(t.ctx.revocations.outbox.revocations.size === 0 || [...t.ctx.revocations.outbox.revocations.values()].every((r) => r.flag_id !== flag)).toBe(true);
  });
});

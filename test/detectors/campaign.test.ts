/**
 * auth_failures' campaign rule (issue 13, cause 2): a slow spraying campaign spreads over
 * addresses that each try a credential once or twice in hours, as an sshd log's bots do.
 * A credential that never worked, refused from two or more addresses none of which got in
 * with it, makes each of them a flagged address, the earlier ones too once a later one
 * repeats it; a credential that did work does not, nor one try of a name nobody else tried
 * (as far as a log shows, a typo).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Flag } from '../../src/detectors/flags.js';
import { auth, KEYS, openTestApp, tempDir, testConfig, type TestApp } from '../helpers.js';

const MIN = 60_000;
const NOW = Math.floor(Date.now() / (5 * MIN)) * 5 * MIN - 5 * MIN;
let t: TestApp;
let flags: Flag[] = [];

function attempt(user: string, ip: string, at: number, status = 401) {
  return { token: `sshd-user-${user}`, user_id: user, ip, ts: new Date(at).toISOString(), app_id: 'sshd', status, path: '/login', method: 'POST' };
}

beforeAll(async () => {
  t = await openTestApp(testConfig(tempDir(), { scheduler: { enabled: false } }));
  const events = [
    // "admin", never accepted, tried once or twice from three addresses over three hours.
    attempt('admin', '198.18.20.1', NOW - 170 * MIN),
    attempt('admin', '198.18.21.1', NOW - 90 * MIN),
    attempt('admin', '198.18.21.1', NOW - 89 * MIN),
    attempt('admin', '198.18.22.1', NOW - 20 * MIN),
    // "alice" works from her office, and fails from three addresses (a typo on three machines): no campaign.
    attempt('alice', '198.18.30.1', NOW - 200 * MIN, 200),
    attempt('alice', '198.18.31.1', NOW - 100 * MIN),
    attempt('alice', '198.18.32.1', NOW - 50 * MIN),
    attempt('alice', '198.18.33.1', NOW - 15 * MIN),
    // "oracle", never accepted, from two addresses: a campaign too.
    attempt('oracle', '198.18.40.1', NOW - 60 * MIN),
    attempt('oracle', '198.18.41.1', NOW - 10 * MIN),
    // "zed", never accepted, tried once from one address that tried nothing else: a typo.
    attempt('zed', '198.18.50.1', NOW - 30 * MIN),
  ];
  const res = await t.app.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEYS.ingest}` }, payload: JSON.stringify(events) });
  expect(res.statusCode, res.body).toBe(202);
  await t.ctx.flusher.drained();
  // The scheduler's view: the last hour, window by window.
  for (let from = NOW - 60 * MIN; from < NOW + 5 * MIN; from += 5 * MIN) {
    await t.ctx.runner.run({ from: new Date(from), to: new Date(from + 5 * MIN) }, 'cli', ['auth_failures']);
  }
  flags = await t.ctx.runner.store.list({ limit: 1000, offset: 0 });
}, 120_000);
afterAll(async () => t?.close());

describe('auth_failures: a spraying campaign across addresses', () => {
  const sprayed = () => flags.filter((f) => (f.evidence as { campaign?: string }).campaign === 'sprayed');

  it('flags every address that tried the sprayed credential, the earlier ones when a later one repeats it, naming the others', async () => {
    expect(sprayed().map((f) => f.subject).sort()).toEqual(['198.18.20.1', '198.18.21.1', '198.18.22.1', '198.18.40.1', '198.18.41.1']);
    const flag = sprayed().find((f) => f.subject === '198.18.22.1')!;
    expect(flag.subject_type).toBe('ip');
    expect(flag.explanation).toMatch(/^198\.18\.22\.1 was refused 1 time with user name admin, never accepted anywhere, which 2 other addresses also tried in 24 h: one spraying campaign$/);
    expect([...((flag.evidence as { other_addresses: string[] }).other_addresses)].sort()).toEqual(['198.18.20.1', '198.18.21.1']);
    const shown = await t.app.inject({ method: 'GET', url: `/v1/flags/${flag.flag_id}`, headers: auth('read') });
    expect(shown.statusCode).toBe(200);
  });

  it('leaves a credential that worked, and one try of a name nobody else tried', () => {
    const subjects = flags.map((f) => f.subject);
    for (const ip of ['198.18.31.1', '198.18.32.1', '198.18.33.1', '198.18.50.1']) expect(subjects).not.toContain(ip);
  });
});

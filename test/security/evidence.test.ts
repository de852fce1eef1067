/**
 * Issue 11 part A, "forged places, no trace of who said so": a gateway key reports places
 * that contradict its IPs to make a victim "travel". Each event records the key that sent
 * it and both places; the detectors believe the lookup unless ingest.place_trust trusts the
 * key; a flag names the keys behind its evidence and the disputes; and each key has its
 * own automatic-revocation budget.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/ingest/fingerprint.js';
import { configKeyId, sha256 } from '../../src/keys/keyring.js';
import { auth, KEYS, openTestApp, tempDir, testConfig, type TestApp } from '../helpers.js';

const FRANKFURT = '84.128.1.1'; // Deutsche Telekom (a fixed line), Frankfurt am Main in the bundled MMDB
const SECOND_GATEWAY = 'second-gateway-ingest-key-0123';
const idA = configKeyId(sha256(KEYS.ingest));
const idB = configKeyId(sha256(SECOND_GATEWAY));
const MIN = 60_000;

let t: TestApp;
let fp: (token: string) => string;
const now = Date.now();

beforeAll(async () => {
  t = await openTestApp(
    testConfig(tempDir(), {
      api_keys: [{ role: 'ingest', key: SECOND_GATEWAY, name: 'gateway B' }],
      // Gateway A's places are checked against the lookup; gateway B's are believed.
      ingest: { place_trust: { default: 'lookup', keys: { [idB]: 'reported' } } },
      revocation: {
        targets: { idp: { type: 'rfc7009', url: 'http://127.0.0.1:9/revoke', client_id: 'tw', client_secret: 'secret' } },
        policies: [
          { detectors: ['impossible_travel'], min_severity: 'medium', action: 'revoke_token', target: 'idp' },
          { detectors: ['refresh_reuse'], min_severity: 'high', action: 'revoke_family', target: 'idp' },
        ],
        max_auto_revocations_per_hour_per_key: 1,
      },
      scheduler: { enabled: false },
    }),
    { geo: true, dispatch: false },
  );
  fp = (token) => fingerprint(t.ctx.secrets.pepper, token);
});
afterAll(async () => t?.close());

async function send(key: string, events: Record<string, unknown>[]) {
  const res = await t.app.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, payload: JSON.stringify(events) });
  expect(res.statusCode, res.body).toBe(202);
  expect(res.json().rejected).toEqual([]);
}

const use = (token: string, at: number, place: Record<string, unknown> = {}) => ({ token, ip: FRANKFURT, ts: new Date(at).toISOString(), path: '/orders', status: 200, app_id: 'orders', ...place });
const PARIS = { country: 'FR', city: 'Paris', lat: 48.86, lon: 2.35 };
const SYDNEY = { country: 'AU', city: 'Sydney', lat: -33.87, lon: 151.21 };

/** Two days of honest use from Frankfurt, then "Paris" and "Sydney" a minute apart, all from the same Frankfurt IP. */
async function forgeTravel(key: string, token: string) {
  await send(KEYS.ingest, Array.from({ length: 48 }, (_, i) => use(token, now - 48 * 60 * MIN + i * 60 * MIN - 10 * MIN)));
  await send(key, [use(token, now - 3 * MIN, PARIS), use(token, now - 2 * MIN, SYDNEY)]);
}

describe('who said so', () => {
  it('stores the reporting key and both places; the detectors read the lookup unless the key is trusted', async () => {
    await send(KEYS.ingest, [use('place-a', now - 5 * MIN, SYDNEY)]);
    await send(SECOND_GATEWAY, [use('place-b', now - 5 * MIN, SYDNEY)]);
    await t.ctx.flusher.drained();
    const rows = (await t.ctx.warehouse.query(
      `SELECT token_fingerprint, reported_by, country, city, reported_country, reported_city, geo_country, geo_city FROM usage_events
       WHERE token_fingerprint IN {fps:Array(String)}`,
      { fps: [fp('place-a'), fp('place-b')] },
    )) as Record<string, string>[];
    const by = new Map(rows.map((r) => [r.token_fingerprint, r]));
    expect(by.get(fp('place-a'))).toMatchObject({ reported_by: idA, country: 'DE', reported_country: 'AU', reported_city: 'Sydney', geo_country: 'DE' });
    expect(by.get(fp('place-b'))).toMatchObject({ reported_by: idB, country: 'AU', city: 'Sydney', reported_country: 'AU', geo_country: 'DE' });
  });

  it('lifecycle and app events record the key that sent them', async () => {
    const idp = configKeyId(sha256(KEYS.idp));
    const post = (url: string, body: unknown) =>
      t.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...auth('idp') }, payload: JSON.stringify(body) });
    expect((await post('/v1/tokens', [{ event: 'issued', token: 'who-issued' }])).statusCode).toBe(202);
    expect((await post('/v1/apps', [{ event: 'registered', app_id: 'who-app' }])).statusCode).toBe(202);
    const tokens = (await t.ctx.warehouse.query(`SELECT reported_by FROM token_events WHERE token_fingerprint = {fp:String}`, { fp: fp('who-issued') })) as { reported_by: string }[];
    const apps = (await t.ctx.warehouse.query(`SELECT reported_by FROM app_events WHERE app_id = 'who-app'`)) as { reported_by: string }[];
    expect(tokens).toEqual([{ reported_by: idp }]);
    expect(apps).toEqual([{ reported_by: idp }]);
  });

  it('forged places from an untrusted key make no travel; from a trusted key the flag names the key and the disputes, and each key has its own budget', async () => {
    await forgeTravel(KEYS.ingest, 'victim-a');
    await forgeTravel(SECOND_GATEWAY, 'victim-b1');
    await forgeTravel(SECOND_GATEWAY, 'victim-b2');
    await t.ctx.flusher.drained();
    const result = await t.ctx.runner.run({ from: new Date(now - 30 * MIN), to: new Date(now + MIN) }, 'cli', ['impossible_travel']);
    const travel = result.flags.filter((f) => f.detector === 'impossible_travel');
    expect(travel.map((f) => f.finding.subject).sort()).toEqual([fp('victim-b1'), fp('victim-b2')].sort());

    const flag = travel[0]!;
    // The evidence is the two forged uses (Paris, then Sydney): gateway B's alone.
    expect(flag.finding.evidence.reported_by).toEqual([idB]);
    const disputes = flag.finding.evidence.place_disputes as { reported_by: string; reported: { country: string }; lookup: { country: string } }[];
    expect(disputes.length).toBeGreaterThan(0);
    for (const d of disputes) expect(d).toMatchObject({ reported_by: idB, lookup: { country: 'DE' } });
    expect(disputes.map((d) => d.reported.country).sort()).toEqual(['AU', 'FR']);
    // The stored flag, as the API shows it.
    const stored = await t.app.inject({ method: 'GET', url: `/v1/flags/${flag.id}`, headers: auth('read') });
    expect(stored.json().evidence).toMatchObject({ reported_by: [idB] });

    // A budget of one per key: gateway B's second forged travel waits for a human.
    const statuses = await Promise.all(travel.map(async (f) => (await t.ctx.runner.store.get(f.id))!.status));
    expect(statuses.sort()).toEqual(['needs_review', 'open']);
    const metric = await t.ctx.metrics.registry.getSingleMetricAsString('tokenwatch_key_revocation_budget_exhausted_total');
    expect(metric).toContain(`key_id="${idB}"} 1`);
    await t.ctx.revocations.audit.flush();
    const revocations = (await t.ctx.warehouse.query(`SELECT count() AS n FROM revocations FINAL WHERE source = 'detector'`)) as { n: number }[];
    expect(Number(revocations[0]!.n)).toBe(1);

    // After a restart the per-key count is read back from the audit and the flags' evidence.
    await t.ctx.revocations.policy.load();
    const fresh = { ...travel[0]!, id: 'f'.repeat(32) };
    await t.ctx.runner.store.insert([fresh]);
    expect((await t.ctx.revocations.policy.apply([fresh]))[0]!.held).toBe('key_budget');
  });

  it('a gateway key that calls a family member "expired" does not take it out of an automatic family revocation', async () => {
    const post = (url: string, body: unknown, role: 'idp' | 'ingest') =>
      t.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...auth(role) }, payload: JSON.stringify(body) });
    const family = [
      { event: 'issued', token: 'fam-rt-1', token_type: 'refresh_token', ts: new Date(now - 60 * MIN).toISOString() },
      { event: 'refreshed', token: 'fam-rt-2', token_type: 'refresh_token', rotated_from: 'fam-rt-1', ts: new Date(now - 30 * MIN).toISOString() },
    ];
    expect((await post('/v1/tokens', family, 'idp')).statusCode).toBe(202);
    // A gateway key may no longer say "expired" (red-team pass): refused. And where an expiry
    // is on record (here the identity provider's), a family revocation still covers the token.
    const expired = [{ event: 'expired', token_fingerprint: fp('fam-rt-2'), ts: new Date(now - MIN).toISOString() }];
    expect((await post('/v1/tokens', expired, 'ingest')).statusCode).toBe(403);
    expect((await post('/v1/tokens', expired, 'idp')).statusCode).toBe(202);
    const flag = {
      id: 'e'.repeat(32),
      detector: 'refresh_reuse' as const,
      status: 'open' as const,
      finding: {
        subject_type: 'token' as const,
        subject: fp('fam-rt-1'),
        token_fingerprint: fp('fam-rt-1'),
        window_start: new Date(now - 5 * MIN),
        window_end: new Date(now),
        severity: 'high' as const,
        score: 1,
        explanation: 'rotated refresh token used again',
        evidence: {},
      },
    };
    await t.ctx.runner.store.insert([flag]);
    const [outcome] = await t.ctx.revocations.policy.apply([flag]);
    expect(outcome!.held).toBeUndefined();
    expect(outcome!.revocations).toHaveLength(2);
    await t.ctx.revocations.audit.flush();
    const revoked = (await t.ctx.warehouse.query(`SELECT token_fingerprint FROM revocations FINAL WHERE flag_id = {id:String}`, { id: flag.id })) as { token_fingerprint: string }[];
    expect(revoked.map((r) => r.token_fingerprint).sort()).toEqual([fp('fam-rt-1'), fp('fam-rt-2')].sort());
  });
});

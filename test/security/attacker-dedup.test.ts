/**
 * Red-team pass (issue 11): event_id collisions. Deduplication drops a retry of an event
 * already stored; an attacker holding one gateway's ingest key must not be able to make
 * another gateway's real events count as retries (and vanish) by sending their ids first.
 * Kong answers every client with X-Kong-Request-Id, the very id its http-log record
 * carries as request.id, so whoever uses a stolen token through Kong learns the event id
 * of that use before Kong's batch is sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/ingest/fingerprint.js';
import { configKeyId, sha256 } from '../../src/keys/keyring.js';
import { KEYS, openTestApp, tempDir, testConfig, type TestApp } from '../helpers.js';

const ATTACKER_KEY = 'attacker-gateway-key-0123456789';
const keyIdOf = (key: string) => configKeyId(sha256(key));

let t: TestApp;
let fp: (token: string) => string;

beforeAll(async () => {
  const keys = [...Object.entries(KEYS).map(([role, key]) => `${role}:${key}`), `ingest:${ATTACKER_KEY}`].join(',');
  t = await openTestApp(testConfig(tempDir(), {}, { TOKENWATCH_API_KEYS: keys }));
  fp = (token) => fingerprint(t.ctx.secrets.pepper, token);
});
afterAll(async () => t?.close());

const as = (key: string) => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' });

function kongRecord(requestId: string, token: string, ip: string) {
  return {
    request: { id: requestId, uri: '/orders', url: 'https://api.example.com/orders', method: 'GET', headers: { authorization: `Bearer ${token}` } },
    response: { status: 200, size: 120 },
    client_ip: ip,
    started_at: Date.now() - 1000,
  };
}

async function storedFor(token: string): Promise<{ ip: string; reported_by: string }[]> {
  await t.ctx.flusher.drained();
  return (await t.ctx.warehouse.query(
    `SELECT replaceRegexpOne(toString(ip), '^::ffff:', '') AS ip, reported_by FROM usage_events WHERE token_fingerprint = {fp:String} ORDER BY ip`,
    { fp: fp(token) },
  )) as { ip: string; reported_by: string }[];
}

describe('event ids are deduplicated per reporting key', () => {
  it("another key's event with the same id does not swallow the gateway's real event (/v1/events then /v1/ingest/kong)", async () => {
    const stolen = 'stolen-access-token-1';
    // The attacker used `stolen` from 198.51.100.66, read X-Kong-Request-Id, and races Kong's batch
    // with a harmless-looking copy of that request, from the victim's usual address.
    const pre = await t.app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: as(ATTACKER_KEY),
      payload: JSON.stringify([{ event_id: 'kong:req-0001', token: stolen, ip: '203.0.113.10', ts: new Date().toISOString(), status: 200 }]),
    });
    expect(pre.statusCode, pre.body).toBe(202);
    const real = await t.app.inject({
      method: 'POST',
      url: '/v1/ingest/kong',
      headers: as(KEYS.ingest),
      payload: JSON.stringify([kongRecord('req-0001', stolen, '198.51.100.66')]),
    });
    expect(real.statusCode, real.body).toBe(200);
    expect(real.json()).toMatchObject({ accepted: 1, duplicates: 0 });
    const rows = await storedFor(stolen);
    expect(rows).toContainEqual({ ip: '198.51.100.66', reported_by: keyIdOf(KEYS.ingest) });
  });

  it('the same for /v1/events ids', async () => {
    const token = 'victim-token-2';
    const id = 'mw-00000042';
    const planted = await t.app.inject({ method: 'POST', url: '/v1/events', headers: as(ATTACKER_KEY), payload: JSON.stringify([{ event_id: id, token: 'junk', ip: '203.0.113.1' }]) });
    expect(planted.statusCode).toBe(202);
    const real = await t.app.inject({ method: 'POST', url: '/v1/events', headers: as(KEYS.ingest), payload: JSON.stringify([{ event_id: id, token, ip: '198.51.100.7' }]) });
    expect(real.json()).toMatchObject({ accepted: 1, duplicates: 0 });
    expect(await storedFor(token)).toEqual([{ ip: '198.51.100.7', reported_by: keyIdOf(KEYS.ingest) }]);
  });

  it("a gateway's own retry is still counted once", async () => {
    const token = 'retried-token-3';
    const body = JSON.stringify([kongRecord('req-0003', token, '198.51.100.9')]);
    const first = await t.app.inject({ method: 'POST', url: '/v1/ingest/kong', headers: as(KEYS.ingest), payload: body });
    const again = await t.app.inject({ method: 'POST', url: '/v1/ingest/kong', headers: as(KEYS.ingest), payload: body });
    expect(first.json()).toMatchObject({ accepted: 1, duplicates: 0 });
    expect(again.json()).toMatchObject({ accepted: 1, duplicates: 1 });
    expect(await storedFor(token)).toHaveLength(1);
  });
});

/**
 * The whole loop against a real OAuth 2.0 server (node-oidc-provider): a client-credentials
 * token is used through a resource server guarded by the gateway middleware, first from
 * Frankfurt, then from São Paulo; the scheduled detector flags it, the policy revokes it
 * through RFC 7009, introspection answers {"active":false}, and the next request through
 * the middleware gets 401. The time from the attack's last request to that 401 is reported.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startOAuthServer, type OAuthServer } from '../../src/demo/oidc.js';
import { tokenwatchGateway } from '../../src/gateway/index.js';
import { startServer, type Server } from '../../src/server.js';
import { auth, KEYS, tempDir, testConfig } from '../helpers.js';

const FRANKFURT = '46.114.1.1'; // Telefonica Germany, Frankfurt am Main in the bundled MMDB
const SAO_PAULO = '201.6.1.1'; // Claro, São Paulo

let oauth: OAuthServer;
let tokenwatch: Server;
let api: FastifyInstance;
let apiUrl: string;

beforeAll(async () => {
  oauth = await startOAuthServer();
  tokenwatch = await startServer(
    testConfig(tempDir(), {
      scheduler: { cron: '*/2 * * * * *' }, // every two seconds here; every 30 seconds by default
      revocation: {
        targets: {
          idp: {
            type: 'rfc7009',
            url: oauth.revocationEndpoint,
            client_id: oauth.tokenwatch.client_id,
            client_secret: oauth.tokenwatch.client_secret,
            token_types: ['access_token'],
          },
        },
        policies: [{ detectors: ['impossible_travel'], min_severity: 'medium', action: 'revoke_token', target: 'idp' }],
      },
    }),
  );
  api = Fastify({ trustProxy: true });
  await api.register(tokenwatchGateway, { url: tokenwatch.url, key: KEYS.ingest, pepper: tokenwatch.ctx.secrets.pepper, gateway: 'orders-api', flushIntervalMs: 200, appId: () => 'orders' });
  api.get('/orders', async () => ({ orders: [] }));
  apiUrl = await api.listen({ host: '127.0.0.1', port: 0 });
}, 120_000);

afterAll(async () => {
  await api?.close();
  await tokenwatch?.close();
  await oauth?.close();
});

const call = (token: string, from: string) => fetch(`${apiUrl}/orders`, { headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': from } });

it('detects impossible travel, revokes at the OAuth server, and the gateway refuses the token', async () => {
  const token = await oauth.issueToken();
  expect((await oauth.introspect(token)).active).toBe(true);
  // The identity provider reports the issue (with the token: tokenwatch keeps a sealed handle to revoke it).
  const issued = await fetch(`${tokenwatch.url}/v1/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth('ingest') },
    body: JSON.stringify([{ event: 'issued', token, token_type: 'access_token', client_id: oauth.app.client_id, app_id: 'orders', grant_type: 'client_credentials', ts: new Date(Date.now() - 2 * 86_400_000).toISOString() }]),
  });
  expect(issued.status).toBe(202);
  // Its history: two days of use from Frankfurt, as the gateway reported it then (a token needs a day of history to be judged).
  const history = Array.from({ length: 20 }, (_, i) => ({ token, token_type: 'access_token', app_id: 'orders', ip: FRANKFURT, path: '/orders', status: 200, ts: new Date(Date.now() - 2 * 86_400_000 + i * 3_600_000).toISOString() }));
  const posted = await fetch(`${tokenwatch.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth('ingest') }, body: JSON.stringify(history) });
  expect(posted.status).toBe(202);

  for (let i = 0; i < 3; i++) expect((await call(token, FRANKFURT)).status).toBe(200);
  await new Promise((r) => setTimeout(r, 1000));
  let attackEnded = 0;
  for (let i = 0; i < 3; i++) {
    expect((await call(token, SAO_PAULO)).status).toBe(200);
    attackEnded = Date.now();
  }

  let refusedAt = 0;
  while (Date.now() - attackEnded < 60_000) {
    const res = await call(token, SAO_PAULO);
    if (res.status === 401) {
      refusedAt = Date.now();
      expect(await res.json()).toMatchObject({ error: { code: 'token_revoked' } });
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(refusedAt, 'the gateway never refused the stolen token').toBeGreaterThan(0);
  console.log(`attack's last request → 401 at the gateway: ${((refusedAt - attackEnded) / 1000).toFixed(1)} s (detector every 2 s here)`);

  expect(await oauth.introspect(token)).toEqual({ active: false });
  const flags = (await (await fetch(`${tokenwatch.url}/v1/flags?detector=impossible_travel`, { headers: auth('read') })).json()) as { flags: { explanation: string; flag_id: string }[] };
  expect(flags.flags).toHaveLength(1);
  expect(flags.flags[0]!.explanation).toMatch(/^Frankfurt am Main, DE \d\d:\d\d then Sao Paulo, BR \d\d:\d\d: 9,[0-9]00 km in 0 min = both at once|9,[0-9]00 km in \d+ min/);
  const audit = (await (await fetch(`${tokenwatch.url}/v1/revocations?source=detector`, { headers: auth('read') })).json()) as { revocations: Record<string, unknown>[] };
  expect(audit.revocations).toMatchObject([{ status: 'done', target: 'idp', source: 'detector', flag_id: flags.flags[0]!.flag_id, last_http_status: 200 }]);
}, 120_000);

/**
 * `npm run demo`: tokenwatch on a fresh temporary data directory, a local OAuth 2.0
 * server (node-oidc-provider) as the revocation target with policies pointing at it, and
 * simulated gateway traffic with attacks. Within a minute the console shows flags, and
 * the policies' revocations with their audit. One real OAuth token is stolen on stage:
 * used from Frankfurt, then from São Paulo minutes later; tokenwatch flags it, revokes it
 * at the OAuth server, and introspection says so.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { handleSignals, startServer } from '../server.js';
import { generate, post } from '../simulate/index.js';
import { kongRecords } from './kong.js';
import { startOAuthServer } from './oidc.js';

const MINUTE = 60_000;

/** Set by Ctrl-C/SIGTERM: the server's signal handler then owns the exit, a failing step is not news. */
let stopping = false;

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tokenwatch-demo-'));
  // The data is thrown away with the demo, however it ends (Ctrl-C, SIGTERM, failure).
  process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  const stop = () => {
    stopping = true;
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const oauth = await startOAuthServer();
  const keys = {
    ingest: `demo-ingest-${randomBytes(12).toString('hex')}`,
    idp: `demo-idp-${randomBytes(12).toString('hex')}`,
    read: `demo-read-${randomBytes(12).toString('hex')}`, admin: `demo-admin-${randomBytes(12).toString('hex')}` };
  const config = loadConfig(
    {
      ...process.env,
      TOKENWATCH_DATA_DIR: dataDir,
      TOKENWATCH_API_KEYS: Object.entries(keys).map(([role, key]) => `${role}:${key}`).join(','),
      TOKENWATCH_LOG_LEVEL: process.env.TOKENWATCH_LOG_LEVEL ?? 'warn',
    },
    {
      revocation: {
        targets: {
          oauth: {
            type: 'rfc7009',
            url: oauth.revocationEndpoint,
            client_id: oauth.tokenwatch.client_id,
            client_secret: oauth.tokenwatch.client_secret,
            token_types: ['access_token', 'refresh_token'],
            rate_limit_per_sec: 50,
          },
        },
        policies: [
          { detectors: ['impossible_travel', 'refresh_reuse', 'revoked_use'], min_severity: 'medium', action: 'revoke_token', target: 'oauth' },
          { detectors: ['ip_fanout', 'dormant_reuse'], min_severity: 'high', action: 'revoke_token', target: 'oauth' },
        ],
        max_auto_revocations_per_hour: 200,
        // One simulated gateway reports all the demo's traffic: its key gets the whole budget.
        max_auto_revocations_per_hour_per_key: 200,
      },
    },
  );
  const server = await startServer(config, { logger: createLogger(config.logLevel) });
  handleSignals(server);
  if (stopping) process.kill(process.pid, 'SIGTERM');
  console.log(
    [
      `tokenwatch demo: ${server.url}/   (data in ${dataDir}, thrown away with it)`,
      `  admin key: ${keys.admin}`,
      `  read key:  ${keys.read}`,
      `  ingest key: ${keys.ingest}`,
      `  idp key:   ${keys.idp}`,
      `  OAuth 2.0 server (revocation target): ${oauth.issuer}`,
      'feeding simulated traffic with attacks…',
    ].join('\n'),
  );

  // Three days of realistic traffic with attacks of every kind, ending now.
  const sim = generate({ seed: Number(process.env.DEMO_SEED ?? 7), tokens: 300, days: 3 });
  // Usage as a gateway sends it (ingest key); lifecycle as the identity provider does (idp key).
  const target = { url: server.url, key: keys.ingest, idpKey: keys.idp };
  await post(sim, target);
  console.log(`posted ${sim.events.length} usage events and ${sim.lifecycle.length} lifecycle events; ${sim.labels.length} attacks hidden in them`);

  // Kong's http-log as Kong sends it: a batch, the ingest key as Basic auth from the URL's userinfo.
  const kong = await fetch(`${server.url}/v1/ingest/kong`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`kong:${keys.ingest}`).toString('base64')}`, 'content-type': 'application/json' },
    body: JSON.stringify(kongRecords({ now: Date.now(), count: 120 })),
  });
  if (kong.status !== 200) throw new Error(`POST /v1/ingest/kong answered ${kong.status}: ${await kong.text()}`);
  const kongResult = (await kong.json()) as { accepted: number };
  console.log(`posted ${kongResult.accepted} Kong http-log records to /v1/ingest/kong (gateway "kong" in the console)`);

  // A real token from the OAuth server, stolen on stage.
  const token = await oauth.issueToken();
  const now = Date.now();
  const ingest = (path: string, body: unknown) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${path === '/v1/tokens' ? keys.idp : keys.ingest}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  await ingest('/v1/tokens', [{ event: 'issued', token, token_type: 'access_token', app_id: 'payments', client_id: oauth.app.client_id, grant_type: 'client_credentials', ts: new Date(now - 2 * 24 * 60 * MINUTE).toISOString() }]);
  const use = (at: number, place: Record<string, unknown>) => ({ token, token_type: 'access_token', app_id: 'payments', ts: new Date(at).toISOString(), method: 'POST', path: '/v1/payments', status: 200, ...place });
  const frankfurt = { ip: '91.64.1.20', country: 'DE', city: 'Frankfurt am Main', lat: 50.11, lon: 8.68, asn: 3209 };
  const saoPaulo = { ip: '177.71.8.9', country: 'BR', city: 'São Paulo', lat: -23.55, lon: -46.63, asn: 28573 };
  const history = Array.from({ length: 40 }, (_, i) => use(now - 2 * 24 * 60 * MINUTE + i * 60 * MINUTE, frankfurt));
  await ingest('/v1/events', [...history, use(now - 8 * MINUTE, frankfurt), use(now - 7 * MINUTE, frankfurt), use(now - 2 * MINUTE, saoPaulo), use(now - MINUTE, saoPaulo)]);
  console.log('stole one real OAuth token with two days of history in Frankfurt: now used in São Paulo 5 minutes after Frankfurt');

  // Look back over the simulated days at once, so the queue fills before the first tick.
  await server.ctx.flusher.drained(120_000);
  const hunt = await server.ctx.runner.run({ from: new Date(now - 3 * 24 * 60 * MINUTE), to: new Date() }, 'cli');
  console.log(`retro-hunt over the simulated days: ${hunt.flags.length} flags; the scheduler now runs every 30 s`);

  for (let i = 0; i < 30; i++) {
    const state = await oauth.introspect(token);
    if (!state.active) {
      console.log('the stolen token was revoked at the OAuth server: introspection answers {"active": false}');
      break;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  console.log(`open ${server.url}/ and paste the admin key. Ctrl-C stops the demo.`);
}

main().catch((error: unknown) => {
  if (stopping) return;
  console.error(`tokenwatch demo: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

/**
 * Revocation adapters against a real OAuth 2.0 server (oidc-provider, in process on
 * loopback) and against stand-ins for 3scale, WSO2, webhook receivers and misbehaving
 * RFC 7009 servers. Every server listens on 127.0.0.1, port 0, and stops in afterAll.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import {
  basicAuthorization,
  createAdapter,
  parseRetryAfter,
  signWebhook,
  verifyWebhookSignature,
  type AttemptOutcome,
  type NamedAdapter,
  type RevocationTargetConfig,
  type RevocationTask,
} from '../../src/revocation/adapters/index.js';

// ---------------------------------------------------------------------------------------
// Harness

const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(closers.map((close) => close()));
});

/** Every outcome any adapter returned in this file, and every raw token and secret it was given. */
const outcomes: AttemptOutcome[] = [];
const secrets = new Set<string>();

/** A target exactly as the config file would give it (defaults filled in by the real schema). */
function target(raw: Record<string, unknown>): RevocationTargetConfig {
  for (const key of ['client_secret', 'admin_access_token', 'bearer_token', 'secret']) {
    if (typeof raw[key] === 'string') secrets.add(raw[key]);
  }
  const config = loadConfig({}, { revocation: { targets: { t: raw } } });
  return config.revocation.targets.t!;
}

function adapterFor(raw: Record<string, unknown>): NamedAdapter {
  return createAdapter('t', target(raw));
}

let taskCounter = 0;
function task(fields: Partial<RevocationTask> = {}): RevocationTask {
  taskCounter += 1;
  return { revocation_id: `rev-${taskCounter}`, token_fingerprint: 'f'.repeat(64), ...fields };
}

async function attempt(adapter: NamedAdapter, t: RevocationTask, signal = new AbortController().signal): Promise<AttemptOutcome> {
  if (t.token) secrets.add(t.token);
  const outcome = await adapter.attempt(t, signal);
  outcomes.push(outcome);
  return outcome;
}

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

type Reply = (req: Seen, res: http.ServerResponse) => void;

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  closers.push(close);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A loopback HTTP server that records each request and answers with `reply` (which may never answer). */
async function standIn(reply: Reply): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      seen.push(request);
      reply(request, res);
    });
  });
  return { url: await listen(server), seen };
}

function answer(status: number, body = '', headers: Record<string, string> = {}): Reply {
  return (_req, res) => {
    res.writeHead(status, { ...(body.startsWith('{') ? { 'content-type': 'application/json' } : {}), ...headers });
    res.end(body);
  };
}

// ---------------------------------------------------------------------------------------
// A real OAuth 2.0 server: oidc-provider with client credentials, revocation, introspection

const CLIENT_ID = 'tokenwatch';
const CLIENT_SECRET = 'tokenwatch-client-secret-0123456789';
/** A second client whose secret needs RFC 6749 §2.3.1 form-encoding in HTTP Basic. */
const ODD_CLIENT_ID = 'odd client';
const ODD_CLIENT_SECRET = 'p:ss%w+rd with spaces';

interface OidcServer {
  issuer: string;
  tokenEndpoint: string;
  revocationEndpoint: string;
  introspectionEndpoint: string;
}

async function startOidcProvider(): Promise<OidcServer> {
  const server = http.createServer();
  const issuer = await listen(server);
  const clientCredentialsClient = { grant_types: ['client_credentials'], response_types: [], redirect_uris: [] };
  const provider = new Provider(issuer, {
    clients: [
      { client_id: CLIENT_ID, client_secret: CLIENT_SECRET, ...clientCredentialsClient },
      { client_id: ODD_CLIENT_ID, client_secret: ODD_CLIENT_SECRET, ...clientCredentialsClient },
    ],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      // Stating the policies silences the "you SHOULD change" notices. Revocation: tokenwatch is a
      // privileged client that may revoke tokens issued to any client (the default lets a client
      // revoke only its own and answers 400 invalid_request for the others).
      introspection: { enabled: true, allowedPolicy: () => true },
      revocation: { enabled: true, allowedPolicy: () => true },
    },
    // Client-credentials tokens without a resource indicator are opaque, stored in memory.
    ttl: { ClientCredentials: 600 },
  });
  server.on('request', provider.callback());
  const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as Record<string, string>;
  return {
    issuer,
    tokenEndpoint: discovery.token_endpoint!,
    revocationEndpoint: discovery.revocation_endpoint!,
    introspectionEndpoint: discovery.introspection_endpoint!,
  };
}

async function clientCredentialsToken(op: OidcServer, clientId = CLIENT_ID, clientSecret = CLIENT_SECRET): Promise<string> {
  const res = await fetch(op.tokenEndpoint, {
    method: 'POST',
    headers: { authorization: basicAuthorization(clientId, clientSecret), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials' }).toString(),
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { access_token: string; token_type: string };
  expect(body.token_type).toBe('Bearer');
  return body.access_token;
}

async function introspect(op: OidcServer, token: string): Promise<Record<string, unknown>> {
  const res = await fetch(op.introspectionEndpoint, {
    method: 'POST',
    headers: { authorization: basicAuthorization(CLIENT_ID, CLIENT_SECRET), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }).toString(),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

describe('rfc7009 against a real oidc-provider', () => {
  let op: OidcServer;
  beforeAll(async () => {
    op = await startOidcProvider();
  });

  const rfc7009 = (extra: Record<string, unknown> = {}) =>
    adapterFor({ type: 'rfc7009', url: op.revocationEndpoint, client_id: CLIENT_ID, client_secret: CLIENT_SECRET, ...extra });

  it('revokes a client-credentials access token: introspection goes from active to inactive', async () => {
    const token = await clientCredentialsToken(op);
    expect(await introspect(op, token)).toMatchObject({ active: true, client_id: CLIENT_ID });

    const adapter = rfc7009();
    expect(adapter.type).toBe('rfc7009');
    expect(adapter.needsToken).toBe(true);
    const outcome = await attempt(adapter, task({ token, token_type: 'access_token' }));
    expect(outcome).toMatchObject({ kind: 'done', http_status: 200 });

    expect(await introspect(op, token)).toEqual({ active: false });
    // Revoking it again is still 200: RFC 7009 does not tell revoked from unknown.
    expect(await attempt(adapter, task({ token, token_type: 'access_token' }))).toMatchObject({ kind: 'done' });
  });

  it('answers done for a token the server never issued', async () => {
    const outcome = await attempt(rfc7009(), task({ token: 'never-issued-token-value', token_type: 'refresh_token' }));
    expect(outcome).toMatchObject({ kind: 'done', http_status: 200 });
  });

  it('fails with an alarm when our client secret is wrong', async () => {
    const token = await clientCredentialsToken(op);
    const outcome = await attempt(rfc7009({ client_secret: 'not-the-secret' }), task({ token }));
    expect(outcome).toMatchObject({ kind: 'failed', http_status: 401, alarm: true });
    expect(outcome.kind === 'failed' && outcome.error).toContain('invalid_client');
    expect(await introspect(op, token)).toMatchObject({ active: true });
  });

  it('keeps the server words of a final 400 unsupported_token_type (a JWT it cannot revoke)', async () => {
    const jwt = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"jti":"x"}').toString('base64url')}.`;
    const outcome = await attempt(rfc7009(), task({ token: jwt }));
    expect(outcome).toMatchObject({ kind: 'failed', http_status: 400 });
    expect(outcome.kind === 'failed' && outcome.alarm).toBeFalsy();
    expect(outcome.kind === 'failed' && outcome.error).toMatch(/^unsupported_token_type: Structured JWT Tokens cannot be revoked/);
  });

  it('form-encodes a client id and secret with space, ":", "%" and "+" in HTTP Basic so a real server accepts them', async () => {
    const token = await clientCredentialsToken(op, ODD_CLIENT_ID, ODD_CLIENT_SECRET);
    const adapter = adapterFor({ type: 'rfc7009', url: op.revocationEndpoint, client_id: ODD_CLIENT_ID, client_secret: ODD_CLIENT_SECRET });
    expect(await attempt(adapter, task({ token }))).toMatchObject({ kind: 'done', http_status: 200 });
    expect(await introspect(op, token)).toEqual({ active: false });
  });

  it('revokes a token issued to another client (tokenwatch as a privileged revoker)', async () => {
    const token = await clientCredentialsToken(op, ODD_CLIENT_ID, ODD_CLIENT_SECRET);
    expect(await introspect(op, token)).toMatchObject({ active: true, client_id: ODD_CLIENT_ID });
    expect(await attempt(rfc7009(), task({ token, token_type: 'access_token' }))).toMatchObject({ kind: 'done', http_status: 200 });
    expect(await introspect(op, token)).toEqual({ active: false });
  });

  it('revokes with client_secret_post too', async () => {
    const token = await clientCredentialsToken(op);
    expect(await attempt(rfc7009({ auth_method: 'client_secret_post' }), task({ token }))).toMatchObject({ kind: 'done' });
    expect(await introspect(op, token)).toEqual({ active: false });
  });
});

// ---------------------------------------------------------------------------------------
// RFC 7009 stand-ins: what a real server rarely does on demand

describe('rfc7009 against stand-in servers', () => {
  const rfc7009 = (url: string, extra: Record<string, unknown> = {}) =>
    adapterFor({ type: 'rfc7009', url: `${url}/oauth2/revoke`, client_id: CLIENT_ID, client_secret: CLIENT_SECRET, ...extra });

  it('sends the token form-encoded with a hint and HTTP Basic', async () => {
    const server = await standIn(answer(200));
    await attempt(rfc7009(server.url), task({ token: 'tok en&=', token_type: 'refresh_token' }));
    const [req] = server.seen;
    expect(req).toMatchObject({ method: 'POST', url: '/oauth2/revoke' });
    expect(req!.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    expect(Object.fromEntries(new URLSearchParams(req!.body))).toEqual({ token: 'tok en&=', token_type_hint: 'refresh_token' });
    expect(req!.headers.authorization).toBe(`Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`);
  });

  it('sends no hint for a token type RFC 7009 does not define', async () => {
    const server = await standIn(answer(200));
    await attempt(rfc7009(server.url), task({ token: 'an-api-key', token_type: 'api_key' }));
    expect(Object.fromEntries(new URLSearchParams(server.seen[0]!.body))).toEqual({ token: 'an-api-key' });
  });

  it('escapes ":" and "%" of a secret before Basic encoding (RFC 6749 §2.3.1)', async () => {
    const server = await standIn(answer(200));
    await attempt(rfc7009(server.url, { client_secret: 'se:cr%et' }), task({ token: 'basic-escaping-token' }));
    const header = server.seen[0]!.headers.authorization!;
    expect(header).toBe(`Basic ${Buffer.from(`${CLIENT_ID}:se%3Acr%25et`).toString('base64')}`);
    const decoded = Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    expect(decodeURIComponent(decoded.slice(colon + 1))).toBe('se:cr%et');
  });

  it('puts the credentials in the body with client_secret_post', async () => {
    const server = await standIn(answer(200));
    await attempt(rfc7009(server.url, { auth_method: 'client_secret_post' }), task({ token: 'post-token', token_type: 'access_token' }));
    const [req] = server.seen;
    expect(req!.headers.authorization).toBeUndefined();
    expect(Object.fromEntries(new URLSearchParams(req!.body))).toEqual({
      token: 'post-token',
      token_type_hint: 'access_token',
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
    });
  });

  it('retries a 503 after the Retry-After seconds', async () => {
    const server = await standIn(answer(503, 'busy', { 'retry-after': '2' }));
    expect(await attempt(rfc7009(server.url), task({ token: 'busy-token' }))).toMatchObject({
      kind: 'retry',
      http_status: 503,
      retry_after_ms: 2000,
    });
  });

  it('retries a 429 after a Retry-After HTTP-date', async () => {
    const at = new Date(Date.now() + 30_000).toUTCString();
    const server = await standIn(answer(429, '', { 'retry-after': at }));
    const outcome = await attempt(rfc7009(server.url), task({ token: 'limited-token' }));
    expect(outcome).toMatchObject({ kind: 'retry', http_status: 429 });
    const after = outcome.kind === 'retry' ? outcome.retry_after_ms : undefined;
    expect(after).toBeGreaterThan(25_000);
    expect(after).toBeLessThanOrEqual(30_000);
  });

  it('retries other 5xx without a delay of its own', async () => {
    const server = await standIn(answer(502, '<html>bad gateway</html>'));
    const outcome = await attempt(rfc7009(server.url), task({ token: 'gateway-token' }));
    expect(outcome).toMatchObject({ kind: 'retry', http_status: 502 });
    expect(outcome.kind === 'retry' && outcome.retry_after_ms).toBeUndefined();
  });

  it('fails a 400 unsupported_token_type with the server words kept', async () => {
    const server = await standIn(
      answer(400, JSON.stringify({ error: 'unsupported_token_type', error_description: 'this server cannot revoke refresh tokens' })),
    );
    const outcome = await attempt(rfc7009(server.url), task({ token: 'rt-token', token_type: 'refresh_token' }));
    expect(outcome).toEqual({
      kind: 'failed',
      http_status: 400,
      error: 'unsupported_token_type: this server cannot revoke refresh tokens (HTTP 400)',
    });
  });

  it('fails a 400 invalid_request with the server words kept', async () => {
    const server = await standIn(answer(400, JSON.stringify({ error: 'invalid_request', error_description: 'missing required parameter' })));
    const outcome = await attempt(rfc7009(server.url), task({ token: 'bad-request-token' }));
    expect(outcome).toMatchObject({ kind: 'failed', http_status: 400, error: 'invalid_request: missing required parameter (HTTP 400)' });
    expect(outcome.kind === 'failed' && outcome.alarm).toBeFalsy();
  });

  it('fails 401 invalid_client with an alarm', async () => {
    const server = await standIn(answer(401, JSON.stringify({ error: 'invalid_client' }), { 'www-authenticate': 'Basic' }));
    expect(await attempt(rfc7009(server.url), task({ token: 'client-token' }))).toMatchObject({
      kind: 'failed',
      http_status: 401,
      alarm: true,
    });
  });

  it('retries after the timeout when the server never answers', async () => {
    const server = await standIn(() => undefined);
    const started = Date.now();
    const outcome = await attempt(rfc7009(server.url, { timeout_ms: 200 }), task({ token: 'hanging-token' }));
    expect(outcome).toEqual({ kind: 'retry', error: 'timeout after 200 ms' });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(server.seen).toHaveLength(1);
  });

  it('retries when the connection is refused', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const outcome = await attempt(rfc7009(`http://127.0.0.1:${port}`), task({ token: 'refused-token' }));
    expect(outcome).toEqual({ kind: 'retry', error: 'network error: ECONNREFUSED' });
  });

  it('retries, as aborted, when the caller aborts', async () => {
    const server = await standIn(() => undefined);
    const controller = new AbortController();
    const pending = attempt(rfc7009(server.url), task({ token: 'aborted-token' }), controller.signal);
    setTimeout(() => controller.abort(), 50);
    expect(await pending).toEqual({ kind: 'retry', error: 'aborted' });
  });

  it('does not follow a redirect: the URL is wrong and credentials stay home', async () => {
    const elsewhere = await standIn(answer(200));
    const server = await standIn(answer(307, '', { location: `${elsewhere.url}/steal` }));
    const outcome = await attempt(rfc7009(server.url), task({ token: 'redirected-token' }));
    expect(outcome).toMatchObject({ kind: 'failed', http_status: 307, alarm: true });
    expect(elsewhere.seen).toHaveLength(0);
  });

  it('fails without a revocation handle, without calling the server', async () => {
    const server = await standIn(answer(200));
    expect(await attempt(rfc7009(server.url), task())).toEqual({ kind: 'failed', error: 'no_revocation_handle' });
    expect(server.seen).toHaveLength(0);
  });

  it('redacts the token and our secret when the server echoes them back', async () => {
    const token = 'echoed-secret-token-value';
    const server = await standIn((req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'invalid_request', error_description: `bad token ${token}; request was ${req.body}` }));
    });
    const outcome = await attempt(rfc7009(server.url, { auth_method: 'client_secret_post' }), task({ token }));
    expect(outcome.kind).toBe('failed');
    const text = JSON.stringify(outcome);
    expect(text).not.toContain(token);
    expect(text).not.toContain(CLIENT_SECRET);
    expect(text).toContain('[redacted]');
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP-dates, and ignores nonsense', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('1.5', now)).toBeUndefined();
    expect(parseRetryAfter('-3', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------
// 3scale

describe('threescale_pat', () => {
  const token = 'pat/with+odd&chars=and%';
  const encoded = 'pat%2Fwith%2Bodd%26chars%3Dand%25';

  it('deletes the token with itself as the credential: exact method, path and access_token', async () => {
    const server = await standIn(answer(200));
    const adapter = adapterFor({ type: 'threescale_pat', admin_url: `${server.url}/` });
    expect(adapter.needsToken).toBe(true);
    expect(await attempt(adapter, task({ token, token_type: 'personal_access_token' }))).toMatchObject({ kind: 'done', http_status: 200 });
    const [req] = server.seen;
    expect(req!.method).toBe('DELETE');
    const [path, query] = req!.url.split('?');
    expect(path).toBe(`/admin/api/personal/access_tokens/${encoded}.json`);
    expect(Object.fromEntries(new URLSearchParams(query))).toEqual({ access_token: token });
  });

  it('uses the admin access token when the target has one', async () => {
    const server = await standIn(answer(200));
    await attempt(adapterFor({ type: 'threescale_pat', admin_url: server.url, admin_access_token: 'admin-pat-0001' }), task({ token }));
    const [path, query] = server.seen[0]!.url.split('?');
    expect(path).toBe(`/admin/api/personal/access_tokens/${encoded}.json`);
    expect(new URLSearchParams(query).get('access_token')).toBe('admin-pat-0001');
  });

  it('treats 404 as already gone', async () => {
    const server = await standIn(answer(404, '{"status":"Not found"}'));
    expect(await attempt(adapterFor({ type: 'threescale_pat', admin_url: server.url }), task({ token }))).toMatchObject({
      kind: 'done',
      http_status: 404,
    });
  });

  it('fails 403 and 401 with an alarm', async () => {
    for (const status of [403, 401]) {
      const server = await standIn(answer(status, '{"error":"Access denied"}'));
      const outcome = await attempt(adapterFor({ type: 'threescale_pat', admin_url: server.url }), task({ token }));
      expect(outcome).toMatchObject({ kind: 'failed', http_status: status, alarm: true });
      expect(outcome.kind === 'failed' && outcome.error).toContain('Access denied');
    }
  });

  it('retries 5xx and 429', async () => {
    for (const status of [500, 503, 429]) {
      const server = await standIn(answer(status, '', { 'retry-after': '7' }));
      expect(await attempt(adapterFor({ type: 'threescale_pat', admin_url: server.url }), task({ token }))).toMatchObject({
        kind: 'retry',
        http_status: status,
        retry_after_ms: 7000,
      });
    }
  });
});

describe('threescale_app', () => {
  const app = (url: string, extra: Record<string, unknown> = {}) =>
    adapterFor({ type: 'threescale_app', admin_url: url, admin_access_token: 'admin-token-3scale', account_id: '42', ...extra });

  it('suspends the application: exact PUT path and form body', async () => {
    const server = await standIn(answer(200, '<?xml version="1.0"?><application><state>suspended</state></application>'));
    const adapter = app(server.url);
    expect(adapter.needsToken).toBe(false);
    expect(await attempt(adapter, task({ app_id: '7' }))).toMatchObject({ kind: 'done', http_status: 200 });
    const [req] = server.seen;
    expect(req).toMatchObject({ method: 'PUT', url: '/admin/api/accounts/42/applications/7/suspend.xml' });
    expect(req!.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    expect(Object.fromEntries(new URLSearchParams(req!.body))).toEqual({ access_token: 'admin-token-3scale' });
  });

  it("takes the account from configuration, never from the task (an event's owner must not choose it)", async () => {
    const server = await standIn(answer(200, '<application/>'));
    const adapter = app(server.url, { accounts: { '7': '1001' } });
    await attempt(adapter, task({ app_id: '7', account_id: '666' }));
    await attempt(adapter, task({ app_id: '8', account_id: '666' }));
    expect(server.seen.map((r) => r.url)).toEqual(['/admin/api/accounts/1001/applications/7/suspend.xml', '/admin/api/accounts/42/applications/8/suspend.xml']);
  });

  it('asks 3scale whose application it is when configuration does not say (applications/find.xml)', async () => {
    const server = await standIn((req, res) => {
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/xml' });
        res.end('<?xml version="1.0"?><application><id>7</id><state>live</state><user_account_id>2445</user_account_id></application>');
        return;
      }
      res.writeHead(200);
      res.end('<application/>');
    });
    const adapter = adapterFor({ type: 'threescale_app', admin_url: server.url, admin_access_token: 'admin-token-3scale' });
    expect(await attempt(adapter, task({ app_id: '7', account_id: '666' }))).toMatchObject({ kind: 'done', http_status: 200 });
    const [find, suspend] = server.seen;
    expect(find!.method).toBe('GET');
    expect(find!.url.split('?')[0]).toBe('/admin/api/applications/find.xml');
    expect(Object.fromEntries(new URLSearchParams(find!.url.split('?')[1]))).toEqual({ access_token: 'admin-token-3scale', application_id: '7' });
    expect(suspend).toMatchObject({ method: 'PUT', url: '/admin/api/accounts/2445/applications/7/suspend.xml' });
  });

  it('fails without suspending when 3scale does not know the application', async () => {
    const server = await standIn(answer(404, '<?xml version="1.0"?><error>Application not found</error>'));
    const adapter = adapterFor({ type: 'threescale_app', admin_url: server.url, admin_access_token: 'admin-token-3scale' });
    expect(await attempt(adapter, task({ app_id: '7' }))).toMatchObject({ kind: 'failed', http_status: 404 });
    expect(server.seen).toHaveLength(1);
  });

  it('treats an already suspended application as done', async () => {
    const server = await standIn(answer(422, '<?xml version="1.0"?><errors><error>State cannot transition via "suspend"</error></errors>'));
    expect(await attempt(app(server.url), task({ app_id: '7' }))).toMatchObject({ kind: 'done', http_status: 422 });
  });

  it('fails an unknown application without an alarm, and a refused admin token with one', async () => {
    const missing = await standIn(answer(404, '<?xml version="1.0"?><error>Not found</error>'));
    const outcome = await attempt(app(missing.url), task({ app_id: '7' }));
    expect(outcome).toMatchObject({ kind: 'failed', http_status: 404 });
    expect(outcome.kind === 'failed' && outcome.alarm).toBeFalsy();
    const forbidden = await standIn(answer(403));
    expect(await attempt(app(forbidden.url), task({ app_id: '7' }))).toMatchObject({
      kind: 'failed',
      http_status: 403,
      alarm: true,
    });
  });

  it('needs an app id', async () => {
    const server = await standIn(answer(200));
    expect(await attempt(app(server.url), task({ account_id: '42' }))).toEqual({ kind: 'failed', error: 'missing_app_id' });
    expect(server.seen).toHaveLength(0);
  });
});

// ---------------------------------------------------------------------------------------
// WSO2

describe('wso2_apikey', () => {
  const apiKey = 'eyJ4NXQiOiJOMkpqTWpOaU0yRXhZalJrTnpaalptWTFZVEF4Tm1GbE5qZzRPV1UxWVdRMll6YzFObVk1TlE9PSJ9.key.sig';
  const wso2 = (url: string, extra: Record<string, unknown> = {}) =>
    adapterFor({ type: 'wso2_apikey', base_url: url, bearer_token: 'bearer-with-apim-api-key-scope', ...extra });

  it('revokes the key: exact path, bearer header and JSON body; 200 with an empty body is done', async () => {
    const server = await standIn(answer(200));
    const adapter = wso2(server.url);
    expect(adapter.needsToken).toBe(true);
    expect(await attempt(adapter, task({ token: apiKey, token_type: 'api_key', app_id: 'a1b2-c3' }))).toMatchObject({
      kind: 'done',
      http_status: 200,
    });
    const [req] = server.seen;
    expect(req).toMatchObject({ method: 'POST', url: '/api/am/devportal/v3/applications/a1b2-c3/api-keys/PRODUCTION/revoke' });
    expect(req!.headers.authorization).toBe('Bearer bearer-with-apim-api-key-scope');
    expect(req!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req!.body)).toEqual({ apikey: apiKey });
  });

  it('uses the configured key type', async () => {
    const server = await standIn(answer(200));
    await attempt(wso2(server.url, { key_type: 'SANDBOX' }), task({ token: apiKey, app_id: 'app' }));
    expect(server.seen[0]!.url).toBe('/api/am/devportal/v3/applications/app/api-keys/SANDBOX/revoke');
  });

  it('fails 401 with an alarm and 404 without one', async () => {
    const unauthorized = await standIn(answer(401, JSON.stringify({ code: 900901, message: 'Invalid Credentials', description: 'Access failure' })));
    const outcome = await attempt(wso2(unauthorized.url), task({ token: apiKey, app_id: 'app' }));
    expect(outcome).toMatchObject({ kind: 'failed', http_status: 401, alarm: true });
    expect(outcome.kind === 'failed' && outcome.error).toContain('Invalid Credentials');
    const missing = await standIn(answer(404, JSON.stringify({ code: 404, message: 'Not Found', description: 'Application not found' })));
    const gone = await attempt(wso2(missing.url), task({ token: apiKey, app_id: 'app' }));
    expect(gone).toMatchObject({ kind: 'failed', http_status: 404 });
    expect(gone.kind === 'failed' && gone.alarm).toBeFalsy();
  });

  it('retries 429 with Retry-After', async () => {
    const server = await standIn(answer(429, '', { 'retry-after': '3' }));
    expect(await attempt(wso2(server.url), task({ token: apiKey, app_id: 'app' }))).toMatchObject({
      kind: 'retry',
      http_status: 429,
      retry_after_ms: 3000,
    });
  });

  it('needs the application id', async () => {
    const server = await standIn(answer(200));
    expect(await attempt(wso2(server.url), task({ token: apiKey }))).toEqual({ kind: 'failed', error: 'missing_app_id' });
    expect(server.seen).toHaveLength(0);
  });
});

// ---------------------------------------------------------------------------------------
// Webhook

describe('webhook', () => {
  const secret = 'webhook-shared-secret-0123456789';
  const rawToken = 'raw-token-that-must-never-leave-0001';
  const webhook = (url: string) => adapterFor({ type: 'webhook', url: `${url}/hooks/tokenwatch`, secret });

  it('posts a signed JSON body that names the token by fingerprint only', async () => {
    const server = await standIn(answer(204));
    const adapter = webhook(server.url);
    expect(adapter.needsToken).toBe(false);
    const t = task({ token: rawToken, token_type: 'access_token', app_id: 'app-9', payload: { detector: 'impossible_travel' } });
    expect(await attempt(adapter, t)).toMatchObject({ kind: 'done', http_status: 204 });

    const [req] = server.seen;
    expect(req).toMatchObject({ method: 'POST', url: '/hooks/tokenwatch' });
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.headers['x-tokenwatch-id']).toBe(t.revocation_id);
    const timestamp = req!.headers['x-tokenwatch-timestamp'] as string;
    const signature = req!.headers['x-tokenwatch-signature'] as string;
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(5);
    expect(signature).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(secret, timestamp, req!.body, signature)).toBe(true);
    expect(signWebhook(secret, timestamp, req!.body)).toBe(signature);

    expect(req!.body).not.toContain(rawToken);
    const body = JSON.parse(req!.body) as Record<string, unknown>;
    expect(body).toMatchObject({
      event: 'revocation',
      revocation_id: t.revocation_id,
      token_fingerprint: t.token_fingerprint,
      token_type: 'access_token',
      app_id: 'app-9',
      payload: { detector: 'impossible_travel' },
    });
    expect(Object.keys(body).sort()).toEqual(['app_id', 'event', 'payload', 'revocation_id', 'sent_at', 'token_fingerprint', 'token_type']);
    expect(Number.isNaN(Date.parse(body.sent_at as string))).toBe(false);
  });

  it('rejects a wrong secret, a changed body, a stale timestamp and a malformed header', async () => {
    const server = await standIn(answer(200));
    await attempt(webhook(server.url), task({ token: rawToken }));
    const [req] = server.seen;
    const timestamp = req!.headers['x-tokenwatch-timestamp'] as string;
    const signature = req!.headers['x-tokenwatch-signature'] as string;
    expect(verifyWebhookSignature('another-secret-0123456789', timestamp, req!.body, signature)).toBe(false);
    expect(verifyWebhookSignature(secret, timestamp, `${req!.body} `, signature)).toBe(false);
    expect(verifyWebhookSignature(secret, String(Number(timestamp) - 1), req!.body, signature)).toBe(false);
    expect(verifyWebhookSignature(secret, timestamp, req!.body, signature, 300, Number(timestamp) + 301)).toBe(false);
    expect(verifyWebhookSignature(secret, timestamp, req!.body, signature, 300, Number(timestamp) + 299)).toBe(true);
    expect(verifyWebhookSignature(secret, timestamp, req!.body, signature.slice(3))).toBe(false);
    expect(verifyWebhookSignature(secret, timestamp, req!.body, undefined)).toBe(false);
    // Secret rotation: several v1 values, one of them right.
    expect(verifyWebhookSignature(secret, timestamp, req!.body, `v1=${'0'.repeat(64)}, ${signature}`)).toBe(true);
  });

  it('sends a notify event and redacts a raw token quoted in the payload', async () => {
    const server = await standIn(answer(200));
    await attempt(webhook(server.url), task({ token: rawToken, payload: { event: 'notify', note: `seen ${rawToken}` } }));
    const body = JSON.parse(server.seen[0]!.body) as { event: string; payload: { note: string } };
    expect(body.event).toBe('notify');
    expect(body.payload.note).toBe('seen [redacted]');
    expect(server.seen[0]!.body).not.toContain(rawToken);
  });

  it('retries 500 and 408, fails 410', async () => {
    const broken = await standIn(answer(500, 'oops'));
    expect(await attempt(webhook(broken.url), task({ token: rawToken }))).toMatchObject({ kind: 'retry', http_status: 500 });
    const slow = await standIn(answer(408));
    expect(await attempt(webhook(slow.url), task({ token: rawToken }))).toMatchObject({ kind: 'retry', http_status: 408 });
    const gone = await standIn(answer(410, 'Gone'));
    const outcome = await attempt(webhook(gone.url), task({ token: rawToken }));
    expect(outcome).toMatchObject({ kind: 'failed', http_status: 410, error: 'Gone (HTTP 410)' });
    expect(outcome.kind === 'failed' && outcome.alarm).toBeFalsy();
  });
});

// ---------------------------------------------------------------------------------------

describe('outcomes', () => {
  it('never contain a raw token or one of our secrets', () => {
    expect(outcomes.length).toBeGreaterThan(40);
    const text = JSON.stringify(outcomes);
    for (const secret of secrets) {
      expect(text, 'an outcome leaks a secret').not.toContain(secret);
      expect(text, 'an outcome leaks a secret').not.toContain(encodeURIComponent(secret));
    }
  });
});

/**
 * The 3scale single-use token flow against a stand-in admin API that checks the exact
 * request, and the revocation feed over a real socket (JSON pages and SSE).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/ingest/fingerprint.js';
import { startServer, type Server } from '../../src/server.js';
import { auth, LogCapture, tempDir, testConfig } from '../helpers.js';
import { createLogger } from '../../src/logger.js';

const SECRET = 'webhook-secret-0123456789';
const calls: { method: string; path: string; query: URLSearchParams }[] = [];
let admin: http.Server;
let server: Server;
const logs = new LogCapture();

beforeAll(async () => {
  admin = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    calls.push({ method: req.method!, path: url.pathname, query: url.searchParams });
    const ok = req.method === 'DELETE' && /^\/admin\/api\/personal\/access_tokens\/[^/]+\.json$/.test(url.pathname);
    res.writeHead(ok ? 200 : 404);
    res.end();
  });
  await new Promise<void>((r) => admin.listen(0, '127.0.0.1', r));
  const adminUrl = `http://127.0.0.1:${(admin.address() as AddressInfo).port}`;
  server = await startServer(
    testConfig(tempDir(), {
      revocation: { targets: { threescale: { type: 'threescale_pat', admin_url: adminUrl, token_types: ['personal_access_token'] } } },
      webhooks: { threescale: { secret: SECRET, rules: [{ on: 'application.created', field: 'token_value', action: 'revoke', target: 'threescale' }] } },
    }),
    { geo: false, schedule: false, logger: createLogger('info', logs) },
  );
});
afterAll(async () => {
  await server?.close();
  await new Promise((r) => admin.close(r));
});

const xml = (token: string, action = 'created') => `<?xml version="1.0" encoding="UTF-8"?>
<event>
  <type>application</type>
  <action>${action}</action>
  <object>
    <application>
      <id>1409617</id>
      <state>live</state>
      <user_account_id>2445582</user_account_id>
      <name>Single-use app</name>
      <extra_fields>
        <token_value>${token}</token_value>
      </extra_fields>
    </application>
  </object>
</event>`;

const hook = (path: string, body: string, contentType = 'application/xml') =>
  fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body });

describe('3scale webhook', () => {
  it('rotates a single-use personal access token: DELETE with the token as id and access_token', async () => {
    const token = 'e1f3d1b8c0a94f6f9b3c2d1e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c';
    const res = await hook(`/v1/webhooks/3scale/${SECRET}`, xml(token));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { event: string; actions: { outcome: string; revocation: { id: string } }[] };
    expect(body.event).toBe('application.created');
    expect(body.actions[0]!.outcome).toBe('revocation_requested');
    const rev = await server.ctx.revocations.requests.settle(body.actions[0]!.revocation.id, 3000);
    expect(rev).toMatchObject({ status: 'done', source: 'webhook', target: 'threescale' });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.method).toBe('DELETE');
    expect(calls[0]!.path).toBe(`/admin/api/personal/access_tokens/${token}.json`);
    expect(calls[0]!.query.get('access_token')).toBe(token);

    // A redelivery does not revoke twice; the form-encoded variant works too.
    const again = await hook(`/v1/webhooks/3scale?secret=${SECRET}`, new URLSearchParams({ 'params[xml]': xml(token) }).toString(), 'application/x-www-form-urlencoded');
    expect(again.status).toBe(200);
    expect(((await again.json()) as { actions: { outcome: string }[] }).actions[0]!.outcome).toBe('already_requested');
    expect(calls).toHaveLength(1);
    expect(logs.text).not.toContain(token);
    expect(logs.text).not.toContain(SECRET);
  });

  it('answers 401 for a wrong secret, 400 for malformed XML, 200 for events no rule wants', async () => {
    expect((await hook('/v1/webhooks/3scale/wrong-secret-000000', xml('x'))).status).toBe(401);
    expect((await hook('/v1/webhooks/3scale', xml('x'))).status).toBe(401);
    const broken = await hook(`/v1/webhooks/3scale/${SECRET}`, '<event><type>application</type><action>created');
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { error: { code: string } }).error.code).toBe('invalid_xml');
    const other = await hook(`/v1/webhooks/3scale/${SECRET}`, xml('y', 'updated'));
    expect(other.status).toBe(200);
    expect(await other.json()).toEqual({ event: 'application.updated', actions: [] });
    expect(calls).toHaveLength(1);
  });
});

describe('revocation feed', () => {
  it('pages with a resumable cursor and streams new revocations over SSE within a second', async () => {
    const pepper = server.ctx.secrets.pepper;
    const first = await fetch(`${server.url}/v1/revocation-feed`, { headers: auth('ingest') });
    const page = (await first.json()) as { entries: { token_fingerprint: string }[]; next_cursor: string };
    expect(page.entries.length).toBe(1);
    const empty = (await (await fetch(`${server.url}/v1/revocation-feed?since=${page.next_cursor}`, { headers: auth('read') })).json()) as { entries: unknown[]; next_cursor: string };
    expect(empty).toEqual({ entries: [], next_cursor: page.next_cursor });
    expect((await fetch(`${server.url}/v1/revocation-feed?since=garbage`, { headers: auth('ingest') })).status).toBe(400);
    expect((await fetch(`${server.url}/v1/revocation-feed`)).status).toBe(401);

    const controller = new AbortController();
    const stream = await fetch(`${server.url}/v1/revocation-feed?since=${page.next_cursor}`, { headers: { ...auth('ingest'), accept: 'text/event-stream' }, signal: controller.signal });
    expect(stream.headers.get('content-type')).toBe('text/event-stream');
    const reader = stream.body!.getReader();
    const received: string[] = [];
    const reading = (async () => {
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        buffer += Buffer.from(value!).toString();
        for (let i = buffer.indexOf('\n\n'); i >= 0; i = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          const data = /^data: (.*)$/m.exec(block);
          if (data) received.push((JSON.parse(data[1]!) as { token_fingerprint: string }).token_fingerprint);
        }
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    // An identity provider reports a revocation through the lifecycle API.
    const started = Date.now();
    const life = await fetch(`${server.url}/v1/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth('idp') },
      body: JSON.stringify([{ event: 'revoked', token: 'idp-revoked-token', source: 'api_provider', reason: 'logout' }]),
    });
    expect(life.status).toBe(202);
    while (!received.includes(fingerprint(pepper, 'idp-revoked-token')) && Date.now() - started < 5000) await new Promise((r) => setTimeout(r, 20));
    expect(received).toContain(fingerprint(pepper, 'idp-revoked-token'));
    expect(Date.now() - started).toBeLessThan(1000);
    controller.abort();
    await reading;
  });
});

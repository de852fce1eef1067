/**
 * Issue 15 over the real HTTP server: request bodies in the OpenAPI document (item 5),
 * estimates on an install without a revocation target (item 8), and the smaller
 * things: 415 lists the accepted types, text/plain is refused, `[]` is explained.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { startServer, type Server } from '../../src/server.js';
import { auth, event, LogCapture, tempDir, testConfig } from '../helpers.js';

let server: Server;
beforeAll(async () => {
  server = await startServer(testConfig(tempDir()), { geo: false, schedule: false, logger: createLogger('warn', new LogCapture()) });
});
afterAll(async () => {
  await server.close();
});

type ErrorBody = { error: { code: string; message: string; details: Record<string, unknown>[] } };

async function send(method: string, path: string, role: 'ingest' | 'read' | 'admin', body?: string, contentType?: string) {
  const headers: Record<string, string> = { ...auth(role) };
  if (contentType) headers['content-type'] = contentType;
  // A string body makes fetch send text/plain; bytes go without a Content-Type.
  const r = await fetch(`${server.url}${path}`, { method, headers, body: body === undefined || contentType ? body : Buffer.from(body) });
  return { status: r.status, body: (await r.json()) as ErrorBody & Record<string, unknown> };
}

describe('the OpenAPI document (item 5)', () => {
  it('has the request bodies of /v1/events, /v1/tokens and /v1/apps, from the zod schemas', async () => {
    const doc = (await (await fetch(`${server.url}/docs/json`)).json()) as {
      paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { type: string; items: { properties: Record<string, unknown>; required?: string[] } } }> } }>>;
    };
    const body = (path: string) => doc.paths[path]!.post!.requestBody!.content['application/json']!.schema;
    const events = body('/v1/events');
    expect(events.type).toBe('array');
    expect(Object.keys(events.items.properties)).toEqual(expect.arrayContaining(['token', 'token_fingerprint', 'ip', 'status', 'lat', 'ts', 'scopes']));
    expect(events.items.required).toEqual(['ip']);
    expect(events.items.properties.status).toMatchObject({ type: 'integer', minimum: 100, maximum: 599 });
    const tokens = body('/v1/tokens');
    expect(tokens.items.required).toContain('event');
    expect(tokens.items.properties.event).toMatchObject({ enum: ['issued', 'refreshed', 'revoked', 'expired'] });
    expect(Object.keys(tokens.items.properties)).toEqual(expect.arrayContaining(['rotated_from', 'source', 'reason', 'expires_at']));
    const apps = body('/v1/apps');
    expect(apps.items.properties.event).toMatchObject({ enum: ['registered', 'blocked', 'unblocked'] });
    expect(apps.items.required).toEqual(expect.arrayContaining(['event', 'app_id']));
    expect(doc.paths['/v1/whoami']).toBeDefined();
  });

  it('still takes NDJSON and reports bad events by index (the body is validated per event, not by the document)', async () => {
    const ndjson = `${JSON.stringify(event())}\n${JSON.stringify(event({ status: 'abc' }))}\n`;
    const r = await send('POST', '/v1/events', 'ingest', ndjson, 'application/x-ndjson');
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ accepted: 1, rejected: [{ index: 1, error: 'status: expected an integer 100–599, got the string "abc"' }] });
  });
});

describe('estimates without a revocation target (item 8)', () => {
  it('GET /v1/estimates/revocation answers at a stated default pace with target null', async () => {
    const r = await send('GET', '/v1/estimates/revocation?scope=app&app_id=shop', 'read');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ scope: 'app', selector: 'shop', target: null, throughput: { revocations_per_sec: 50, measured: false, bound_by: 'default_pace' } });
    expect((r.body.assumptions as string[]).join('\n')).toContain('no revocation target is configured: assuming the default pace of 50 revocations/s');
  });

  it('a bulk dry run answers the same estimate; a real revocation says which setting it needs', async () => {
    const dry = await send('POST', '/v1/revocations', 'admin', JSON.stringify({ scope: 'user', user_id: 'alice', reason: 'drill' }), 'application/json');
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ dry_run: true, estimate: { target: null, scope: 'user', throughput: { revocations_per_sec: 50 } } });
    const all = await send('POST', '/v1/revocations', 'admin', JSON.stringify({ scope: 'all', reason: 'drill' }), 'application/json');
    expect(all.status).toBe(400);
    expect(all.body.error.code).toBe('confirmation_required');
    const real = await send('POST', '/v1/revocations', 'admin', JSON.stringify({ scope: 'user', user_id: 'alice', reason: 'drill', dry_run: false }), 'application/json');
    expect(real.status).toBe(409);
    expect(real.body.error).toMatchObject({ code: 'no_target', message: expect.stringContaining('add one under revocation.targets in the config file') });
  });

  it("a single token's dry run needs a target, and the 409 does not promise that dry runs work without one", async () => {
    const r = await send('POST', '/v1/revocations', 'admin', JSON.stringify({ scope: 'token', token: 'drill-token', reason: 'drill', dry_run: true }), 'application/json');
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('no_target');
    expect(r.body.error.message).toContain('bulk dry runs (scope family, user, app or all) work without one');
  });
});

describe('content types and empty batches (smaller items)', () => {
  it('415 without a Content-Type lists the types the route accepts', async () => {
    const r = await send('POST', '/v1/events', 'ingest', JSON.stringify([event()]));
    expect(r.status).toBe(415);
    expect(r.body.error.code).toBe('unsupported_media_type');
    expect(r.body.error.message).toBe('the request has a body but no Content-Type; send one of: application/json, application/x-ndjson, application/ndjson, application/jsonl, application/json-seq');
  });

  it('text/plain is refused (415), not read as JSON, on ingest and elsewhere', async () => {
    const r = await send('POST', '/v1/events', 'ingest', JSON.stringify([event()]), 'text/plain');
    expect(r.status).toBe(415);
    expect(r.body.error.message).toMatch(/^Content-Type "text\/plain" is not accepted here; send one of: application\/json, /);
    const hunt = await send('POST', '/v1/detections/run', 'admin', JSON.stringify({ from: 'now-1h' }), 'text/plain');
    expect(hunt.status).toBe(415);
    expect(hunt.body.error.message).toBe('Content-Type "text/plain" is not accepted here; send one of: application/json');
  });

  it.each(['/v1/events', '/v1/tokens', '/v1/apps'])('%s: [] is a 400 that says why, with details', async (path) => {
    const r = await send('POST', path, path === '/v1/apps' ? 'admin' : 'ingest', '[]', 'application/json');
    expect(r.status).toBe(400);
    expect(r.body.error).toEqual({ code: 'empty_batch', message: 'the array holds no events: send at least one', details: [{ field: 'body', error: 'an empty array' }] });
  });
});

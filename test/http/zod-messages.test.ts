/**
 * Issue 15, item 1: a rejected field says what was expected and what came, for every field
 * of every ingest schema (/v1/events, /v1/tokens, /v1/apps), over the real HTTP server;
 * only an absent field "is required".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Server } from '../../src/server.js';
import { createLogger } from '../../src/logger.js';
import { auth, LogCapture, tempDir, testConfig } from '../helpers.js';

let server: Server;
beforeAll(async () => {
  server = await startServer(testConfig(tempDir()), { geo: false, schedule: false, logger: createLogger('warn', new LogCapture()) });
});
afterAll(async () => {
  await server.close();
});

async function post(path: string, body: unknown) {
  const response = await fetch(`${server.url}${path}`, { method: 'POST', headers: { ...auth('admin'), 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as { error: { code: string; message: string; details: { index: number; error: string }[] } } };
}

const ingest = (path: string, body: unknown) =>
  fetch(`${server.url}${path}`, { method: 'POST', headers: { ...auth('ingest'), 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (r) => ({
    status: r.status,
    body: (await r.json()) as { error: { code: string; message: string; details: { index: number; error: string }[] } },
  }));

/** The one rejection's message for a one-event batch. */
async function rejection(path: string, event: unknown): Promise<string> {
  const r = path === '/v1/apps' ? await post(path, [event]) : await ingest(path, [event]);
  expect(r.status).toBe(400);
  expect(r.body.error.details).toHaveLength(1);
  return r.body.error.details[0]!.error;
}

const use = { token: 'tok-x', ip: '1.2.3.4' };

describe('usage events: wrong types say what was expected and what came', () => {
  it.each([
    [{ ...use, status: 'abc' }, 'status: expected an integer 100–599, got the string "abc"'],
    [{ ...use, status: 700 }, 'status: expected an integer 100–599, got the number 700'],
    [{ ...use, lat: '52.1' }, 'lat: expected a number from -90 to 90, got the string "52.1"'],
    [{ ...use, lon: true }, 'lon: expected a number from -180 to 180, got true'],
    [{ token: 'tok-x', ip: 12 }, 'ip: expected a string, got the number 12'],
    [{ token: 'tok-x' }, 'ip: is required'],
    [{ ...use, ts: false }, 'ts: expected a number or a string, got false'],
    [{ ...use, token_type: 'jwt' }, 'token_type: expected one of "access_token", "refresh_token", "api_key", "personal_access_token", got the string "jwt"'],
    [{ ...use, bytes: -1 }, 'bytes: expected an integer of at least 0, got the number -1'],
    [{ ...use, latency_ms: '12' }, 'latency_ms: expected a number from 0 to 86400000, got the string "12"'],
    [{ ...use, asn: null }, 'asn: expected a number or a string, got null'],
    [{ ...use, scopes: 5 }, 'scopes: expected an array or a string, got the number 5'],
    [{ ...use, app_id: 42 }, 'app_id: expected a string of at most 2048 characters, got the number 42'],
    [{ ...use, method: {} }, 'method: expected a string of at most 16 characters, got an object'],
  ])('%j -> %s', async (event, message) => {
    expect(await rejection('/v1/events', event)).toBe(message);
  });

  it('never calls a present field of the wrong type "required"', async () => {
    const fields = ['event_id', 'ts', 'token', 'token_fingerprint', 'token_type', 'app_id', 'client_id', 'user_id', 'ip', 'country', 'city', 'lat', 'lon', 'asn', 'user_agent', 'method', 'host', 'path', 'status', 'latency_ms', 'bytes', 'gateway', 'scopes'];
    for (const field of fields) {
      const message = await rejection('/v1/events', { ...use, [field]: [[]] });
      expect(message, field).toMatch(new RegExp(`^${field}: expected .+, got an array$`));
    }
  });
});

describe('lifecycle events (/v1/tokens) and app events (/v1/apps)', () => {
  it('names the lifecycle field "event" and its values when it is missing', async () => {
    const message = await rejection('/v1/tokens', { type: 'issued', token: 'tok-y' });
    expect(message).toBe('event: is required: one of "issued", "refreshed", "revoked", "expired"');
  });

  it.each([
    ['/v1/tokens', { event: 'issued', token: 'tok-y', token_type: 7 }, 'token_type: expected one of "access_token", "refresh_token", "api_key", "personal_access_token", got the number 7'],
    ['/v1/tokens', { event: 'issue', token: 'tok-y' }, 'event: expected one of "issued", "refreshed", "revoked", "expired", got the string "issue"'],
    ['/v1/apps', { event: 'registered', app_id: 5 }, 'app_id: expected a string of at most 2048 characters, got the number 5'],
    ['/v1/apps', { event: 'registered' }, 'app_id: is required'],
    ['/v1/apps', { event: 'paused', app_id: 'shop' }, 'event: expected one of "registered", "blocked", "unblocked", got the string "paused"'],
  ])('%s %j -> %s', async (path, event, message) => {
    expect(await rejection(path, event)).toBe(message);
  });
});

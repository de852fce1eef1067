/**
 * The authorization matrix: every route the app registers × {no key, wrong key, ingest,
 * idp, read, admin} → the expected answer. Routes are enumerated from the app itself
 * (buildApp's onRoute hook), so a new route without a decision here fails this test.
 */
import type { RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEYS, openTestApp, tempDir, testConfig, type TestApp } from '../helpers.js';

type Role = keyof typeof KEYS;
const ROLES: Role[] = ['ingest', 'idp', 'read', 'admin'];
const READ: Role[] = ['read', 'admin'];
const ADMIN: Role[] = ['admin'];

interface Decision {
  /** Roles let through (401 without a valid key, 403 for any other role); 'public': no key needed. */
  allowed: Role[] | 'public';
  /** A concrete URL for a parametrised route. */
  url?: string;
}

const FP = 'a'.repeat(64);
const REV = `rev_${'0'.repeat(32)}`;

/** The decision for every route, by "METHOD url" as registered. */
const MATRIX: Record<string, Decision> = {
  'POST /v1/events': { allowed: ['ingest'] },
  // Native gateway logs: the same role, with the key in the forms each gateway can send (test/ingest/gateways.test.ts).
  'POST /v1/ingest/kong': { allowed: ['ingest'] },
  'POST /v1/ingest/apisix': { allowed: ['ingest'] },
  'POST /v1/ingest/envoy': { allowed: ['ingest'] },
  'POST /v1/ingest/tyk': { allowed: ['ingest'] },
  // A gateway's ingest key may post issued/expired only (checked per event, test/security/ingest-key.test.ts).
  'POST /v1/tokens': { allowed: ['ingest', 'idp', 'admin'] },
  'POST /v1/tokens/lookup': { allowed: READ },
  'GET /v1/tokens/:fingerprint': { allowed: READ, url: `/v1/tokens/${FP}` },
  'GET /v1/tokens/:fingerprint/family': { allowed: READ, url: `/v1/tokens/${FP}/family` },
  'POST /v1/apps': { allowed: ['idp', 'admin'] },
  'GET /v1/apps/:app_id': { allowed: READ, url: '/v1/apps/x' },
  'GET /v1/usage/timeseries': { allowed: READ },
  'GET /v1/usage/top': { allowed: READ },
  'GET /v1/flags': { allowed: READ },
  'GET /v1/flags/:id': { allowed: READ, url: `/v1/flags/${'0'.repeat(32)}` },
  'POST /v1/flags/:id/confirm': { allowed: ADMIN, url: `/v1/flags/${'0'.repeat(32)}/confirm` },
  'POST /v1/flags/:id/dismiss': { allowed: ADMIN, url: `/v1/flags/${'0'.repeat(32)}/dismiss` },
  'POST /v1/detections/run': { allowed: ADMIN },
  'POST /v1/revocations': { allowed: ADMIN },
  'GET /v1/revocations': { allowed: READ },
  'GET /v1/revocations/:id': { allowed: READ, url: `/v1/revocations/${REV}` },
  'POST /v1/revocations/:id/cancel': { allowed: ADMIN, url: `/v1/revocations/${REV}/cancel` },
  'POST /v1/revocations/:id/pause': { allowed: ADMIN, url: `/v1/revocations/${REV}/pause` },
  'POST /v1/revocations/:id/resume': { allowed: ADMIN, url: `/v1/revocations/${REV}/resume` },
  'GET /v1/estimates/revocation': { allowed: READ },
  'GET /v1/revocation-targets': { allowed: READ },
  // Gateways follow the feed; it names fingerprints only.
  'GET /v1/revocation-feed': { allowed: ['ingest', 'read', 'admin'] },
  'GET /v1/whoami': { allowed: ROLES },
  // The 3scale webhook authenticates by its secret (in the path or query), not by a key.
  'POST /v1/webhooks/3scale': { allowed: 'public' },
  'POST /v1/webhooks/3scale/:secret': { allowed: 'public', url: '/v1/webhooks/3scale/wrong-secret' },
  'GET /healthz': { allowed: 'public' },
  'GET /readyz': { allowed: 'public' },
  'GET /metrics': { allowed: 'public' },
  'GET /': { allowed: 'public' },
  'GET /console/:file': { allowed: 'public', url: '/console/app.js' },
  'GET /docs': { allowed: 'public' },
  'GET /docs/static/index.html': { allowed: 'public' },
  'GET /docs/static/swagger-initializer.js': { allowed: 'public' },
  'GET /docs/static/*': { allowed: 'public', url: '/docs/static/nothing.css' },
  'GET /docs/json': { allowed: 'public' },
  'GET /docs/yaml': { allowed: 'public' },
};

const routes: { key: string; roles: readonly string[] | undefined }[] = [];
let t: TestApp;

beforeAll(async () => {
  t = await openTestApp(testConfig(tempDir()), {}, {
    onRoute: (route: RouteOptions) => {
      for (const method of [route.method].flat()) {
        if (method === 'HEAD') continue; // fastify's automatic HEAD for each GET
        routes.push({ key: `${method} ${route.url}`, roles: route.config?.roles });
      }
    },
  });
});
afterAll(async () => t?.close());

const CALLERS: { name: string; authorization?: string; role?: Role }[] = [
  { name: 'no key' },
  { name: 'wrong key', authorization: 'Bearer not-a-key-0123456789abcdef' },
  ...ROLES.map((role) => ({ name: role, authorization: `Bearer ${KEYS[role]}`, role })),
];

describe('authorization matrix', () => {
  it('every route has a decision, and every decision a route', () => {
    const registered = [...new Set(routes.map((r) => r.key))].sort();
    expect(registered.filter((k) => !(k in MATRIX)), 'routes without a decision in MATRIX').toEqual([]);
    expect(Object.keys(MATRIX).filter((k) => !registered.includes(k)), 'decisions for routes that do not exist').toEqual([]);
  });

  it('the decisions match what the routes declare', () => {
    for (const r of routes) {
      const decision = MATRIX[r.key]!;
      if (decision.allowed === 'public') expect(r.roles, r.key).toBeUndefined();
      else expect(r.roles, r.key).toBeDefined();
    }
  });

  it.each(Object.entries(MATRIX))('%s', async (key, decision) => {
    const [method, path] = key.split(' ') as ['GET' | 'POST', string];
    const url = decision.url ?? path;
    for (const caller of CALLERS) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (caller.authorization) headers.authorization = caller.authorization;
      const res = await t.app.inject({ method, url, headers, ...(method === 'POST' ? { payload: '[]' } : {}) });
      const label = `${key} as ${caller.name}: ${res.statusCode} ${res.body.slice(0, 200)}`;
      if (decision.allowed === 'public') {
        expect([401, 403].includes(res.statusCode) && !url.startsWith('/v1/webhooks/'), label).toBe(false);
      } else if (caller.role === undefined) {
        expect(res.statusCode, label).toBe(401);
        expect(res.json().error.code, label).toBe('unauthorized');
      } else if (decision.allowed.includes(caller.role)) {
        expect([401, 403], label).not.toContain(res.statusCode);
        expect(res.statusCode, label).toBeLessThan(500);
      } else {
        expect(res.statusCode, label).toBe(403);
        expect(res.json().error.code, label).toBe('forbidden');
      }
    }
  });

  it('the webhook answers the same with or without an API key: a key is no substitute for its secret', async () => {
    const answers = await Promise.all(
      CALLERS.map(async (c) => (await t.app.inject({ method: 'POST', url: '/v1/webhooks/3scale/wrong-secret', headers: { 'content-type': 'application/xml', ...(c.authorization ? { authorization: c.authorization } : {}) }, payload: '<event/>' })).statusCode),
    );
    expect(new Set(answers).size).toBe(1);
    expect(answers[0]).not.toBe(202);
  });
});

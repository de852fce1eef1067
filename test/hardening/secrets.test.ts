/** Issue 11, the smaller ones: GCM tag length, directory modes, /readyz, adapter URLs, URL redaction. */
import { createCipheriv, randomBytes } from 'node:crypto';
import { statSync, readdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { redactUrl } from '../../src/app.js';
import { openWarehouse } from '../../src/context.js';
import { createAdapter, pathSegment } from '../../src/revocation/adapters/index.js';
import { Vault } from '../../src/revocation/vault.js';
import { loadConfig } from '../../src/config.js';
import type { Warehouse } from '../../src/warehouse/warehouse.js';
import { openTestApp, tempDir, testConfig } from '../helpers.js';

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of closers.reverse()) await c();
});

describe('vault', () => {
  it('refuses a value sealed with a short GCM tag', () => {
    const key = randomBytes(32);
    const vault = new Vault(key);
    const fp = 'ab'.repeat(32);
    expect(vault.open(vault.seal('the-token', fp), fp)).toBe('the-token');
    // A 4-byte tag over an empty plaintext: Node accepts it unless the length is pinned.
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 4 });
    cipher.setAAD(Buffer.from(fp, 'utf8'));
    const body = Buffer.concat([cipher.update(''), cipher.final()]);
    const forged = Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
    expect(() => vault.open(forged, fp)).toThrow();
  });
});

describe('adapter URLs', () => {
  it('refuse ids that are dot segments or decode to one', async () => {
    for (const bad of ['.', '..', ' .. ', '%2e%2e', '%2E.', '%252e%252e', '..%2f..', 'a/../b']) expect(pathSegment(bad), bad).toBeUndefined();
    for (const good of ['42', 'app-1', 'a.b', '...', 'ünïcode', 'x y']) expect(pathSegment(good), good).toBe(encodeURIComponent(good));

    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      seen.push(req.url ?? '');
      res.writeHead(200).end('{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise((r) => server.close(() => r())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const targets = loadConfig(
      {},
      {
        revocation: {
          targets: {
            app: { type: 'threescale_app', admin_url: url, admin_access_token: 'admin-token-3scale', account_id: '1' },
            wso2: { type: 'wso2_apikey', base_url: url, bearer_token: 'wso2-bearer-token' },
            pat: { type: 'threescale_pat', admin_url: url, admin_access_token: 'admin-token-3scale' },
          },
        },
      },
    ).revocation.targets;
    const signal = new AbortController().signal;
    const base = { revocation_id: 'rev-1', token_fingerprint: 'f'.repeat(64) };
    expect(await createAdapter('app', targets.app!).attempt({ ...base, account_id: '1', app_id: '..' }, signal)).toMatchObject({ kind: 'failed', error: 'invalid_app_id' });
    // The 3scale account never comes from the task (config or applications/find.xml), and neither lets a dot segment through.
    expect(() =>
      loadConfig({}, { revocation: { targets: { app: { type: 'threescale_app', admin_url: url, admin_access_token: 'x', accounts: { '7': '..' } } } } }),
    ).toThrow(/accounts/);
    expect(await createAdapter('wso2', targets.wso2!).attempt({ ...base, token: 'k', app_id: '%2E%2E' }, signal)).toMatchObject({ kind: 'failed', error: 'invalid_app_id' });
    expect(await createAdapter('pat', targets.pat!).attempt({ ...base, token: '..' }, signal)).toMatchObject({ kind: 'failed', error: 'invalid_token_for_url' });
    expect(seen).toEqual([]);
    expect(await createAdapter('app', targets.app!).attempt({ ...base, account_id: '%2e%2e', app_id: '7' }, signal)).toMatchObject({ kind: 'done' });
    expect(seen).toEqual(['/admin/api/accounts/1/applications/7/suspend.xml']);
  });
});

describe('URL redaction', () => {
  it('works on decoded names', () => {
    expect(redactUrl('/v1/webhooks/3scale?%73ecret=hunter2hunter2hunter2')).not.toContain('hunter2');
    expect(redactUrl('/v1/webhooks/3scale?SECRET=hunter2&x=1')).toBe('/v1/webhooks/3scale?SECRET=[redacted]&x=1');
    expect(redactUrl('/v1/webhooks/3scale/hunter2hunter2')).toBe('/v1/webhooks/3scale/[redacted]');
    expect(redactUrl('/v1/%77ebhooks/3scale/hunter2hunter2')).not.toContain('hunter2');
    expect(redactUrl('/v1/x?acc%65ss_token=hunter2&api%5Fkey=hunter3')).not.toMatch(/hunter/);
    expect(redactUrl('/v1/usage/top?by=tokens&limit=5')).toBe('/v1/usage/top?by=tokens&limit=5');
  });

  it('a webhook authenticated with ?%73ecret= leaves no secret in the log', async () => {
    const secret = 'webhook-secret-abcdef-0123456789';
    const t = await openTestApp(testConfig(tempDir(), { webhooks: { threescale: { secret } } }));
    try {
      const res = await t.app.inject({
        method: 'POST',
        url: `/v1/webhooks/3scale?%73ecret=${secret}`,
        headers: { 'content-type': 'application/xml' },
        payload: '<?xml version="1.0"?><event><type>application</type><action>updated</action><object><application><id>1</id></application></object></event>',
      });
      expect(res.statusCode).toBeLessThan(300);
      expect(t.logs.text).toContain('/v1/webhooks/3scale?%73ecret=[redacted]');
      expect(t.logs.text).not.toContain(secret);
    } finally {
      await t.close();
    }
  });
});

describe('files and readiness', () => {
  it('the warehouse and secrets directories are the owner’s only, whatever the umask', async () => {
    const old = process.umask(0o022);
    const dir = tempDir();
    try {
      const t = await openTestApp(testConfig(dir));
      await t.close();
      expect(statSync(join(dir, 'warehouse')).mode & 0o777).toBe(0o700);
      const secretsDir = readdirSync(dir).find((n) => /secret/.test(n));
      expect(secretsDir).toBeDefined();
      expect(statSync(join(dir, secretsDir!)).mode & 0o777).toBe(0o700);
      for (const f of readdirSync(join(dir, secretsDir!))) expect(statSync(join(dir, secretsDir!, f)).mode & 0o777, f).toBe(0o600);
    } finally {
      process.umask(old);
    }
  });

  it('/readyz answers generically; the warehouse’s words go to the log', async () => {
    const config = testConfig(tempDir());
    const real = openWarehouse(config);
    let down = false;
    const flaky: Warehouse = {
      kind: real.kind,
      query: (sql, params, options) => real.query(sql, params, options),
      command: (sql, params, options) => real.command(sql, params, options),
      insertJsonEachRow: (table, rows, options) => real.insertJsonEachRow(table, rows, options),
      ping: async () => {
        if (down) throw new Error('connect ECONNREFUSED clickhouse-internal.corp:8123 user=tokenwatch_rw');
        await real.ping();
      },
      close: () => real.close(),
    };
    const t = await openTestApp(config, { warehouse: flaky });
    closers.push(() => t.close());
    expect((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    down = true;
    const res = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json().warehouse).toBe('unreachable');
    expect(res.body).not.toMatch(/clickhouse-internal|ECONNREFUSED|tokenwatch_rw/);
    expect(t.logs.text).toMatch(/clickhouse-internal/);
  });
});

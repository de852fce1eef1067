/** API keys: first start, the keys CLI, hashes only at rest. */
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { event, openTestApp, tempDir, type TestApp } from './helpers.js';

let t: TestApp;
let dir: string;
beforeAll(async () => {
  dir = tempDir();
  // Nothing configured: no TOKENWATCH_API_KEYS, no config file.
  t = await openTestApp(loadConfig({ TOKENWATCH_DATA_DIR: dir, TOKENWATCH_LOG_LEVEL: 'silent' }));
});
afterAll(async () => t?.close());

const post = (key: string) =>
  t.app.inject({ method: 'POST', url: '/v1/events', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, payload: JSON.stringify([event()]) });

describe('first start', () => {
  it('creates one key per role, a pepper and a vault key, all 0600', () => {
    expect(t.ctx.initialKeysFile).toBe(join(dir, 'secrets', 'initial-api-keys.txt'));
    for (const f of ['initial-api-keys.txt', 'api-keys.json', 'pepper', 'vault.key']) {
      expect(statSync(join(dir, 'secrets', f)).mode & 0o777).toBe(0o600);
    }
    const lines = readFileSync(t.ctx.initialKeysFile!, 'utf8').split('\n').filter((l) => /^\w+:/.test(l));
    expect(lines.map((l) => l.split(':')[0])).toEqual(['ingest', 'idp', 'read', 'admin']);
  });

  it('stores only hashes of the keys, and the keys work by role', async () => {
    const keys = Object.fromEntries(
      readFileSync(t.ctx.initialKeysFile!, 'utf8')
        .split('\n')
        .filter((l) => /^\w+:/.test(l))
        .map((l) => l.split(':') as [string, string]),
    );
    const stored = readFileSync(join(dir, 'secrets', 'api-keys.json'), 'utf8');
    for (const key of Object.values(keys)) expect(stored).not.toContain(key);
    expect((await post(keys.ingest!)).statusCode).toBe(202);
    expect((await post(keys.read!)).statusCode).toBe(403);
  });
});

describe('tokenwatch keys create', () => {
  it('prints a new key once, and a running server accepts it without a restart', async () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts', 'keys', 'create', '--role', 'ingest', '--name', 'kong'], {
      env: { ...process.env, TOKENWATCH_DATA_DIR: dir },
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    const key = r.stdout.trim();
    expect(key).toMatch(/^tw_ingest_[\w-]{32}$/);
    expect(readFileSync(join(dir, 'secrets', 'api-keys.json'), 'utf8')).not.toContain(key);
    await new Promise((res) => setTimeout(res, 1100));
    expect((await post(key)).statusCode).toBe(202);
  });

  it('refuses an unknown role with exit 2', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts', 'keys', 'create', '--role', 'root'], {
      env: { ...process.env, TOKENWATCH_DATA_DIR: dir },
      encoding: 'utf8',
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--role must be one of ingest, idp, read, admin');
  });
});

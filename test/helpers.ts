/** Shared test setup: a temp data directory per file, a config, an app with captured logs. */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { buildApp, type BuildOptions } from '../src/app.js';
import type { App } from '../src/http/app-type.js';
import { loadConfig, type Config } from '../src/config.js';
import { openContext, type Context, type ContextOptions } from '../src/context.js';
import { createLogger } from '../src/logger.js';
import { SQL_DIR } from '../src/warehouse/migrate.js';

export const KEYS = {
  ingest: 'test-ingest-key-0123456789',
  idp: 'test-idp-key-0123456789abcd',
  read: 'test-read-key-0123456789ab',
  admin: 'test-admin-key-0123456789a',
} as const;

export const auth = (role: keyof typeof KEYS) => ({ authorization: `Bearer ${KEYS[role]}` });

export function tempDir(prefix = 'tokenwatch-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * The ClickHouse server the suite runs against, when CLICKHOUSE_URL is set (the
 * clickhouse-server workflow); CLICKHOUSE_DATABASE is the test file's own database, made
 * by test/setup/clickhouse-database.ts. Empty without CLICKHOUSE_URL: the embedded engine.
 */
/** The migration files up to and including `last`, in a directory of their own (an older release's schema). */
export function migrationsUpTo(last: number): string {
  const dir = join(tempDir(), 'sql');
  mkdirSync(dir);
  for (const f of readdirSync(SQL_DIR)) if (/^\d{3}_/.test(f) && Number(f.slice(0, 3)) <= last) copyFileSync(join(SQL_DIR, f), join(dir, f));
  return dir;
}

export function clickhouseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ['CLICKHOUSE_URL', 'CLICKHOUSE_USER', 'CLICKHOUSE_PASSWORD', 'CLICKHOUSE_DATABASE'] as const) {
    const value = process.env[name];
    if (value !== undefined && value !== '') env[name] = value;
  }
  return env.CLICKHOUSE_URL ? env : {};
}

export function testConfig(dataDir: string, file: Record<string, unknown> = {}, env: Record<string, string> = {}): Config {
  return loadConfig(
    {
      ...clickhouseEnv(),
      TOKENWATCH_DATA_DIR: dataDir,
      TOKENWATCH_API_KEYS: Object.entries(KEYS).map(([role, key]) => `${role}:${key}`).join(','),
      TOKENWATCH_LOG_LEVEL: 'info',
      TOKENWATCH_PORT: '0',
      ...env,
    },
    file,
  );
}

/** Every log line the app wrote, as text, for leak checks. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.lines.push(chunk.toString('utf8'));
    done();
  }
  get text(): string {
    return this.lines.join('');
  }
}

export interface TestApp {
  app: App;
  ctx: Context;
  logs: LogCapture;
  close(): Promise<void>;
}

export async function openTestApp(config: Config, options: ContextOptions = {}, build: BuildOptions = {}): Promise<TestApp> {
  const logs = new LogCapture();
  const ctx = await openContext(config, { geo: false, logger: createLogger('debug', logs), ...options });
  const app = await buildApp(ctx, build);
  await app.ready();
  return {
    app,
    ctx,
    logs,
    async close() {
      await app.close();
      await ctx.close();
    },
  };
}

/** Every byte under a directory (for "the raw token is never on disk"). */
export function readTree(dir: string): Buffer {
  const parts: Buffer[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      const st = statSync(path);
      if (st.isDirectory()) walk(path);
      else if (st.isFile()) parts.push(readFileSync(path));
    }
  };
  walk(dir);
  return Buffer.concat(parts);
}

export function event(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    token: 'tok-' + Math.random().toString(36).slice(2),
    ip: '203.0.113.7',
    ts: new Date().toISOString(),
    method: 'GET',
    path: '/v1/things',
    status: 200,
    app_id: 'app-1',
    ...overrides,
  };
}

export async function countRows(ctx: Context, where = '1', params: Record<string, unknown> = {}): Promise<number> {
  const rows = (await ctx.warehouse.query(`SELECT count() AS n FROM usage_events WHERE ${where}`, params)) as { n: number }[];
  return Number(rows[0]!.n);
}

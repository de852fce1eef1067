/**
 * The first hour on the command line (issue 15): the real `node bin/tokenwatch.js` (run
 * `npm run build` first), its messages, exit codes, and what it must not leave behind.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';
import { startServer, type Server as Server_ } from '../src/server.js';
import { KEYS, LogCapture, tempDir, testConfig } from './helpers.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'tokenwatch.js');
const STACK = /^\s+at .+\(.*:\d+:\d+\)|^\s+at .+:\d+:\d+$|"stack"/m;

beforeAll(() => {
  if (!existsSync(join(import.meta.dirname, '..', 'dist', 'main.js'))) throw new Error('run `npm run build` first: these tests drive bin/tokenwatch.js');
});

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    env: { ...process.env, TOKENWATCH_LOG_LEVEL: 'warn', ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, all: r.stdout + r.stderr };
}

/** The CLI without blocking this process (a server in this process must keep answering). */
function cliAsync(args: string[], env: Record<string, string>, cwd?: string): Promise<{ status: number | null; stdout: string; stderr: string; all: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, TOKENWATCH_LOG_LEVEL: 'warn', ...env }, cwd });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr, all: stdout + stderr })));
}

/** `tokenwatch serve` in its own process; resolves once it prints the console line. */
async function serve(env: Record<string, string>): Promise<{ child: ChildProcess; out: () => string; stop: () => Promise<number | null> }> {
  const child = spawn(process.execPath, [BIN, 'serve'], { env: { ...process.env, TOKENWATCH_LOG_LEVEL: 'warn', TOKENWATCH_PORT: '0', ...env } });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const started = Date.now();
  while (!out.includes('console: ')) {
    if (child.exitCode !== null || Date.now() - started > 60_000) throw new Error(`serve did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    child,
    out: () => out,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

describe('--help and -h (issue 15, item 2)', () => {
  const commands = [['serve'], ['migrate'], ['keys'], ['keys', 'create'], ['detect'], ['simulate']];
  it.each(commands.flatMap((c) => [[...c, '--help'].join(' '), [...c, '-h'].join(' ')]))('tokenwatch %s: usage, exit 0, nothing written', (line) => {
    const args = line.split(' ');
    const dir = tempDir();
    const dataDir = join(dir, 'data');
    const r = cli(args, { TOKENWATCH_DATA_DIR: dataDir, TOKENWATCH_PORT: '1' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`usage: tokenwatch ${args[0]}`);
    expect(r.stderr).toBe('');
    expect(r.all).not.toMatch(STACK);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('tokenwatch --help and help detect answer too; no command is a usage error (exit 2)', () => {
    expect(cli(['--help']).status).toBe(0);
    const topic = cli(['help', 'detect']);
    expect(topic.status).toBe(0);
    expect(topic.stdout).toContain('usage: tokenwatch detect');
    const none = cli([]);
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('usage: tokenwatch <command>');
  });

  it('help for an unknown command and an unknown option are usage errors in the one form (exit 2)', () => {
    const topic = cli(['help', 'frobnicate']);
    expect(topic.status).toBe(2);
    expect(topic.stderr).toMatch(/^tokenwatch: help: unknown command "frobnicate"\n\nusage: tokenwatch <command>/);
    const option = cli(['keys', 'create', '--role', 'idp', '--bogus'], { TOKENWATCH_DATA_DIR: join(tempDir(), 'data') });
    expect(option.status).toBe(2);
    expect(option.stderr).toMatch(/^tokenwatch: keys: Unknown option '--bogus'/);
  });

  it('simulate usage errors read like the others: "tokenwatch: simulate: …", exit 2', () => {
    const r = cli(['simulate', '--key', 'k'], { TOKENWATCH_DATA_DIR: join(tempDir(), 'data') });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^tokenwatch: simulate: --url and --key are required \(or --dry-run\)\n\nusage: tokenwatch simulate /);
  });

  it('tokenwatch --help lists each command once, every one of them', () => {
    const lines = cli(['--help']).stdout.split('\n');
    for (const command of ['serve', 'migrate', 'keys create', 'detect', 'simulate']) {
      expect(lines.filter((l) => l.startsWith(`  ${command} `)), command).toHaveLength(1);
    }
  });
});

describe('a port in use (issue 15, item 4)', () => {
  let blocker: Server;
  let port: number;
  beforeAll(async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    port = (blocker.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => blocker.close(() => resolve())));

  it('says so in one line with the variable to set, exits 1, and writes no secrets or keys', () => {
    const dataDir = join(tempDir(), 'data');
    const r = cli(['serve'], { TOKENWATCH_DATA_DIR: dataDir, TOKENWATCH_PORT: String(port) });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`tokenwatch serve: port ${port} is in use; set TOKENWATCH_PORT\n`);
    expect(r.stdout).toBe('');
    expect(existsSync(dataDir)).toBe(false);
  });
});

describe('a bad scheduler.cron (issue 15, item 8)', () => {
  it('is a configuration error that names the field, exit 2, no stack', () => {
    const dir = tempDir();
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ scheduler: { cron: 'every minute' } }));
    const dataDir = join(dir, 'data');
    const r = cli(['serve'], { TOKENWATCH_DATA_DIR: dataDir, TOKENWATCH_CONFIG: config, TOKENWATCH_PORT: '0' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('tokenwatch: configuration error');
    expect(r.stderr).toContain('scheduler.cron: not a cron expression');
    expect(r.all).not.toMatch(STACK);
    expect(existsSync(dataDir)).toBe(false);
  });
});

describe('detect and migrate while a server holds the data directory (issue 15, items 3 and 4)', () => {
  const dataDir = join(tempDir(), 'data');
  const env = { TOKENWATCH_DATA_DIR: dataDir };
  let server: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    server = await serve(env);
  }, 90_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('names the keys file at the first start and writes server.json with its pid and URL', () => {
    const keysFile = join(dataDir, 'secrets', 'initial-api-keys.txt');
    expect(server.out()).toContain(`API keys created (one per role: ingest, idp, read, admin): ${keysFile}`);
    const running = JSON.parse(readFileSync(join(dataDir, 'server.json'), 'utf8')) as { pid: number; url: string };
    expect(running.pid).toBe(server.child.pid);
    expect(server.out()).toContain(`listening on ${running.url}`);
  });

  it('detect asks the running server with the admin key from the keys file', () => {
    const r = cli(['detect', '--from', 'now-1h'], env);
    expect(r.stderr).toContain('asking the server at http://127.0.0.1:');
    expect(r.stderr).toMatch(/0 new flags from 8 detectors over /);
    expect(r.status).toBe(0);
    expect(r.all).not.toMatch(STACK);
  });

  it('detect --json keeps stdout for flags and still says on stderr what ran', () => {
    const r = cli(['detect', '--from', 'now-1h', '--json'], env);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/0 new flags from 8 detectors over /);
  });

  it('detect --from with an unreadable time says what came, not that it is missing (exit 2)', () => {
    const r = cli(['detect', '--from', 'yesterday'], env);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('tokenwatch: detect: --from: expected RFC 3339, epoch milliseconds or now-<n><s|m|h|d>, got "yesterday"');
    expect(r.stderr).not.toContain('is required');
    expect(cli(['detect', '--from', 'now-1h', '--to', 'later'], env).stderr).toContain('--to: expected RFC 3339, epoch milliseconds or now-<n><s|m|h|d>, got "later"');
  });

  it('detect without any admin key says which variable to set, exit 1', () => {
    const keysFile = join(dataDir, 'secrets', 'initial-api-keys.txt');
    const saved = readFileSync(keysFile, 'utf8');
    rmSync(keysFile);
    try {
      const r = cli(['detect', '--from', 'now-1h'], env);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/^tokenwatch detect: the server at http:\/\/127\.0\.0\.1:\d+ \(pid \d+\) serves .*; set TOKENWATCH_ADMIN_KEY to an admin key so detect can ask it\n$/);
      const wrong = cli(['detect', '--from', 'now-1h'], { ...env, TOKENWATCH_ADMIN_KEY: 'not-a-key-of-this-server' });
      expect(wrong.status).toBe(1);
      expect(wrong.stderr).toMatch(/\ntokenwatch detect: the server at \S+ answered 401: unknown API key\n$/);
    } finally {
      writeFileSync(keysFile, saved, { mode: 0o600 });
    }
  });

  it('migrate says in one line that the server applied the migrations, exit 1', () => {
    const r = cli(['migrate'], env);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^tokenwatch migrate: the server at \S+ \(pid \d+\) serves \S+ and applied the migrations at its start; nothing to do\n$/);
    expect(r.stdout).toBe('');
  });

  it('a locked warehouse without server.json is one line too, never a stack', () => {
    const file = join(dataDir, 'server.json');
    const saved = readFileSync(file, 'utf8');
    rmSync(file);
    try {
      const r = cli(['migrate'], env);
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(`tokenwatch migrate: the warehouse in ${dataDir} is in use by process ${server.child.pid} (a running tokenwatch serve?)\n`);
      const d = cli(['detect', '--from', 'now-1h'], env);
      expect(d.status).toBe(1);
      expect(d.stderr).toBe(`tokenwatch detect: the warehouse in ${dataDir} is in use by process ${server.child.pid} (a running tokenwatch serve?)\n`);
    } finally {
      writeFileSync(file, saved);
    }
  });

  it('after a restart the keys file is still named while it exists, and server.json goes with the server', async () => {
    expect(await server.stop()).toBe(0);
    expect(existsSync(join(dataDir, 'server.json'))).toBe(false);
    server = await serve(env);
    expect(server.out()).toContain(`the initial keys are in ${join(dataDir, 'secrets', 'initial-api-keys.txt')}`);
  }, 90_000);
});

describe('simulate runs the retro-hunt over what it posted (issue 15, item 6)', () => {
  let server: Server_;
  beforeAll(async () => {
    server = await startServer(testConfig(tempDir()), { geo: false, schedule: false, logger: createLogger('warn', new LogCapture()) });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  it('says how many flags the retro-hunt found, writes the labels under the data directory, not the working directory', async () => {
    const cwd = tempDir();
    const dataDir = join(tempDir(), 'client-data');
    const args = ['simulate', '--url', server.url, '--key', KEYS.ingest, '--tokens', '50', '--days', '1', '--seed', '3'];
    const r = await cliAsync([...args, '--admin-key', KEYS.admin], { TOKENWATCH_DATA_DIR: dataDir }, cwd);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain(`labels written to ${join(dataDir, 'simulation-labels.json')}`);
    const found = /retro-hunt: (\d+) new flags over the simulated days/.exec(r.stderr);
    expect(found, r.stderr).not.toBeNull();
    expect(Number(found![1])).toBeGreaterThan(0);
    expect(readdirSync(cwd)).toEqual([]);
    expect(existsSync(join(dataDir, 'simulation-labels.json'))).toBe(true);
    expect(r.all).not.toMatch(STACK);

    // Without an admin key, lifecycle events need the idp key (refreshed and revoked are the identity provider's).
    const skipped = await cliAsync([...args, '--idp-key', KEYS.idp, '--no-retro-hunt', '--labels', join(cwd, 'labels.json')], { TOKENWATCH_DATA_DIR: dataDir }, cwd);
    expect(skipped.status).toBe(0);
    expect(skipped.stderr).not.toContain('retro-hunt');
    // With neither: the idp key comes from the data dir's initial keys file (here without an admin line).
    mkdirSync(join(dataDir, 'secrets'), { recursive: true });
    writeFileSync(join(dataDir, 'secrets', 'initial-api-keys.txt'), `idp:${KEYS.idp}\n`, { mode: 0o600 });
    const keyless = await cliAsync(args, { TOKENWATCH_DATA_DIR: dataDir }, cwd);
    expect(keyless.status).toBe(0);
    expect(keyless.stderr).toMatch(/the retro-hunt did not run; .* run: tokenwatch detect --from \S+\n$/);
  }, 120_000);
});

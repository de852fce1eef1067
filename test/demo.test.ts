/**
 * Issue 15: `npm run demo` throws its data directory away when stopped (Ctrl-C or SIGTERM),
 * not only in words. Drives the built demo (`npm run build` first).
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

const DEMO = join(import.meta.dirname, '..', 'dist', 'demo', 'index.js');

describe('npm run demo', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('removes its temporary data directory on %s and exits 0 without a stack', async (signal) => {
    if (!existsSync(DEMO)) throw new Error('run `npm run build` first');
    const tmp = tempDir('tokenwatch-demo-tmp-');
    const child = spawn(process.execPath, [DEMO], { env: { ...process.env, TMPDIR: tmp, TOKENWATCH_PORT: '0', TOKENWATCH_LOG_LEVEL: 'warn' } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const started = Date.now();
    while (!out.includes('feeding simulated traffic')) {
      if (child.exitCode !== null || Date.now() - started > 60_000) throw new Error(`the demo did not start:\n${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const dataDir = /data in (\S+), thrown away/.exec(out)![1]!;
    expect(dataDir.startsWith(tmp)).toBe(true);
    expect(existsSync(dataDir)).toBe(true);
    child.kill(signal);
    expect(await exited).toBe(0);
    expect(existsSync(dataDir)).toBe(false);
    expect(readdirSync(tmp).filter((n) => n.startsWith('tokenwatch-demo-'))).toEqual([]);
    expect(out).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  }, 90_000);
});

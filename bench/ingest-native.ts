/**
 * A native gateway format beside /v1/events: the same requests sent as tokenwatch usage
 * events (POST /v1/events, JSON array) and as Kong http-log records (POST
 * /v1/ingest/kong, JSON array), alternating rounds, to one listening server. Per event:
 * the server process's CPU (the sender is a child process, its bodies built before the
 * clock starts) and wall time, from the first request until the spool has drained.
 * Target: the native path costs ≤ 1.3× per event (issue 14).
 *
 * Run alone with `npm run bench -- ingest-native [--batches=40] [--batch=1000]`; `npm run
 * bench -- ingest` runs it as its part (e).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startServer, type Server } from '../src/server.js';
import type { ClientMessage, ClientReply } from './ingest-native-client.js';
import type { Path } from './ingest-native-data.js';

export const NATIVE_TARGET = 1.3;

export interface NativeResult {
  events: number;
  cpuMicros: { events: number; kong: number };
  wallMicros: { events: number; kong: number };
  bytesPerEvent: { events: number; kong: number };
  ratio: number;
}

function ask(child: ChildProcess, message: ClientMessage, expect: ClientReply['type']): Promise<ClientReply> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: ClientReply) => {
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (m.type === 'failed') reject(new Error(m.error));
      else if (m.type !== expect) reject(new Error(`expected ${expect}, got ${m.type}`));
      else resolve(m);
    };
    const onExit = (code: number | null) => reject(new Error(`sender exited with ${code}`));
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.send(message);
  });
}

/** Measures both paths on a running server; `rounds` alternate so drift hits both alike. */
export async function measureNative(server: Server, key: string, batches = 40, batchSize = 1000, rounds = 4): Promise<NativeResult> {
  const totals = { events: { cpu: 0, wall: 0, bytes: 0 }, kong: { cpu: 0, wall: 0, bytes: 0 } };
  const tag = randomBytes(4).toString('hex');
  const child = fork(fileURLToPath(new URL('./ingest-native-client.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let events = 0;
  try {
    for (let round = 0; round < rounds + 1; round++) {
      // Round 0 warms both paths up (JIT, geo cache) and is not counted.
      const count = round === 0 ? Math.max(2, Math.round(batches / 10)) : Math.max(1, Math.round(batches / rounds));
      for (const path of (round % 2 === 0 ? ['events', 'kong'] : ['kong', 'events']) as Path[]) {
        const built = (await ask(child, { type: 'build', path, round, count, batchSize, tag }, 'built')) as { bytes: number };
        await server.ctx.flusher.drained(300_000);
        const cpu = process.cpuUsage();
        const started = process.hrtime.bigint();
        await ask(child, { type: 'send', url: `${server.url}${path === 'kong' ? '/v1/ingest/kong' : '/v1/events'}`, key }, 'sent');
        await server.ctx.flusher.drained(300_000);
        const wall = Number(process.hrtime.bigint() - started) / 1000;
        const used = process.cpuUsage(cpu);
        if (round === 0) continue;
        totals[path].cpu += used.user + used.system;
        totals[path].wall += wall;
        totals[path].bytes += built.bytes;
        if (path === 'events') events += count * batchSize;
      }
    }
  } finally {
    child.send({ type: 'exit' } satisfies ClientMessage);
  }
  const per = (path: Path, what: 'cpu' | 'wall' | 'bytes') => totals[path][what] / events;
  return {
    events,
    cpuMicros: { events: per('events', 'cpu'), kong: per('kong', 'cpu') },
    wallMicros: { events: per('events', 'wall'), kong: per('kong', 'wall') },
    bytesPerEvent: { events: per('events', 'bytes'), kong: per('kong', 'bytes') },
    ratio: per('kong', 'cpu') / per('events', 'cpu'),
  };
}

export function report(r: NativeResult): boolean {
  console.log(
    `    /v1/events:      ${r.cpuMicros.events.toFixed(1)} µs server CPU, ${r.wallMicros.events.toFixed(1)} µs wall per event (${r.bytesPerEvent.events.toFixed(0)} B/event)\n` +
      `    /v1/ingest/kong: ${r.cpuMicros.kong.toFixed(1)} µs server CPU, ${r.wallMicros.kong.toFixed(1)} µs wall per event (${r.bytesPerEvent.kong.toFixed(0)} B/event)\n` +
      `    ${r.events} events each, acknowledged and drained into the warehouse`,
  );
  const ok = r.ratio <= NATIVE_TARGET;
  console.log(`  ${ok ? 'PASS' : 'FAIL'}  Kong native / /v1/events CPU per event ${r.ratio.toFixed(2)} ≤ ${NATIVE_TARGET} (wall ${(r.wallMicros.kong / r.wallMicros.events).toFixed(2)})`);
  return ok;
}

function option(args: string[], name: string, fallback: number): number {
  const arg = args.find((a) => a.startsWith(`--${name}=`));
  const value = arg ? Number(arg.slice(name.length + 3)) : fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
}

export async function run(args: string[]): Promise<number> {
  const batches = option(args, 'batches', 40);
  const batchSize = option(args, 'batch', 1000);
  const dataDir = mkdtempSync(join(tmpdir(), 'tokenwatch-bench-native-'));
  const key = `bench-ingest-${randomBytes(12).toString('hex')}`;
  const config = loadConfig(
    { TOKENWATCH_DATA_DIR: dataDir, TOKENWATCH_HOST: '127.0.0.1', TOKENWATCH_PORT: '0', TOKENWATCH_API_KEYS: `ingest:${key}`, TOKENWATCH_LOG_LEVEL: 'info' },
    { scheduler: { enabled: false } },
  );
  const server = await startServer(config, { logger: createLogger('info', pino.destination({ dest: join(dataDir, 'server.log'), sync: false })) });
  try {
    console.log(`(e) native format: ${batches} batches of ${batchSize} events each way, Kong http-log records vs /v1/events …`);
    return report(await measureNative(server, key, batches, batchSize)) ? 0 : 1;
  } finally {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

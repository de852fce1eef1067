/**
 * Ingest benchmark: `npm run bench -- ingest [--seconds=20] [--concurrency=12] [--flush-mib=16]`
 * (--flush-mib sets ingest.flush_max_bytes for the baseline and the server alike).
 *
 *  (a) baseline: raw chDB insert rate of the spool's rows (bench/ingest-baseline.ts);
 *  (b) end to end: a real listening server (startServer, port 0, temp data dir, geo on)
 *      and concurrent HTTP clients sending NDJSON batches of 1,000–5,000 events, timed
 *      from the first request until the spool has drained into the warehouse, with an
 *      exact row count at the end;
 *  (c) p50/p99 acknowledgement latency at half of (b)'s rate (open loop);
 *  (d) peak RSS of the server process;
 *  (e) one native gateway format beside /v1/events on the same server: Kong http-log
 *      records at POST /v1/ingest/kong, CPU per event (bench/ingest-native.ts; ≤ 1.3×).
 *
 * Where the load comes from: the server runs in this process and the clients in a child
 * process (bench/ingest-client.ts). Same-process clients would share the server's event
 * loop and its RSS, which is one of the figures; a child has its own. The child builds
 * its payloads in advance (NDJSON batch templates, stamped with a unique batch number per
 * send by a memcpy and a few bytes' write), so while measuring it only does HTTP. On a
 * 2-core machine it still takes some CPU from the server; the report prints how much.
 * The baseline runs in its own child too (chDB allows one data directory per process),
 * first, while nothing else runs.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startServer, type Server } from '../src/server.js';
import type { BaselineResult } from './ingest-baseline.js';
import type { ClientReady, RunRequest, RunResult } from './ingest-client.js';
import { measureNative, NATIVE_TARGET, report as reportNative } from './ingest-native.js';

const TARGETS = { ratio: 0.6, eventsPerSecond: 150_000, rssMB: 600 };

function option(args: string[], name: string, fallback: number): number {
  const arg = args.find((a) => a.startsWith(`--${name}=`));
  const value = arg ? Number(arg.slice(name.length + 3)) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

function child(file: string, env: Record<string, string>): ChildProcess {
  return fork(fileURLToPath(new URL(file, import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

function message<T extends { type: string }>(proc: ChildProcess, type: T['type']): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: T) => {
      if (m.type !== type) return;
      proc.off('message', onMessage);
      proc.off('exit', onExit);
      resolve(m);
    };
    const onExit = (code: number | null) => reject(new Error(`${type}: child exited with ${code}`));
    proc.on('message', onMessage);
    proc.once('exit', onExit);
  });
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** CPU seconds the whole machine has spent busy (Linux /proc/stat), to see other load. */
function machineBusySeconds(): number | undefined {
  try {
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0] = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
    return (user + nice + system + irq + softirq) / 100; // USER_HZ
  } catch {
    return undefined;
  }
}

/** CPU seconds of this process's main (JS) thread, from /proc (Linux); NaN elsewhere. */
function mainThreadCpuSeconds(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, USER_HZ
  } catch {
    return Number.NaN;
  }
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const mb = (bytes: number) => bytes / 1024 / 1024;

async function countRows(server: Server): Promise<number> {
  const rows = (await server.ctx.warehouse.query('SELECT count() AS n FROM usage_events')) as { n: number }[];
  return Number(rows[0]!.n);
}

function checkClean(label: string, r: RunResult): void {
  if (r.errors.length > 0 || r.rejected > 0 || r.duplicates > 0 || r.accepted !== r.events) {
    throw new Error(`${label}: ${r.rejected} rejected, ${r.duplicates} duplicates, ${r.accepted}/${r.events} accepted; ${r.errors.join(' | ')}`);
  }
}

export async function run(args: string[]): Promise<number> {
  const seconds = option(args, 'seconds', 20);
  const concurrency = option(args, 'concurrency', 12);
  const flushMiB = args.some((a) => a.startsWith('--flush-mib=')) ? option(args, 'flush-mib', 16) : undefined;
  const ingestOverrides = flushMiB === undefined ? {} : { ingest: { flush_max_bytes: Math.round(flushMiB * 2 ** 20) } };
  const tag = randomBytes(3).toString('hex');
  const env = { BENCH_TAG: tag, BENCH_TEMPLATES: '48', BENCH_BASELINE_SECONDS: String(seconds), BENCH_CONFIG: JSON.stringify(ingestOverrides) };
  const began = Date.now();
  console.log(
    `ingest benchmark: ${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}, load average ${loadavg()[0]!.toFixed(2)}`,
  );

  // (a) The engine alone, before anything else starts.
  console.log('(a) baseline: raw chDB JSONEachRow inserts of the spool rows …');
  const baselineProc = child('./ingest-baseline.ts', env);
  const baseline = await message<BaselineResult>(baselineProc, 'baseline');
  console.log(
    `    ${fmt(baseline.rowsPerSecond)} rows/s (${fmt(baseline.rows)} rows in ${baseline.inserts} inserts of ~${mb(baseline.bytes / baseline.inserts).toFixed(1)} MiB, ` +
      `${baseline.seconds.toFixed(1)} s; ${baseline.cpuMicrosPerRow.toFixed(1)} µs CPU/row)`,
  );

  // The server, and the client building its payloads meanwhile.
  const dataDir = mkdtempSync(join(tmpdir(), 'tokenwatch-bench-ingest-'));
  const key = `bench-ingest-${randomBytes(12).toString('hex')}`;
  const config = loadConfig({
    TOKENWATCH_DATA_DIR: dataDir,
    TOKENWATCH_HOST: '127.0.0.1',
    TOKENWATCH_PORT: '0',
    TOKENWATCH_API_KEYS: `ingest:${key}`,
    TOKENWATCH_LOG_LEVEL: 'info',
  }, { scheduler: { enabled: false }, ...ingestOverrides }); // detectors have their own benchmark
  const clientProc = child('./ingest-client.ts', env);
  const ready = message<ClientReady>(clientProc, 'ready');
  // Request logs at the default level, to a file (as in production, minus the terminal).
  const logger = createLogger('info', pino.destination({ dest: join(dataDir, 'server.log'), sync: false }));
  const server = await startServer(config, { logger });
  const templates = await ready;
  console.log(`    server ${server.url}; client payloads: ${templates.templates} batches, ${fmt(templates.events)} events, ${(templates.bytes / templates.events).toFixed(0)} B/event`);

  let memory = process.memoryUsage();
  const sampler = setInterval(() => {
    const rss = process.memoryUsage.rss();
    if (rss > memory.rss) memory = process.memoryUsage();
  }, 50);
  const load = async (request: Omit<RunRequest, 'type' | 'url' | 'key'>) => {
    const done = message<RunResult>(clientProc, 'result');
    clientProc.send({ type: 'run', url: server.url, key, ...request } satisfies RunRequest);
    return done;
  };

  try {
    // Warm-up: JIT, geo cache, first parts.
    checkClean('warm-up', await load({ mode: 'peak', concurrency, durationMs: 4000 }));
    await server.ctx.flusher.drained(120_000);
    const before = await countRows(server);

    // (b) End to end at full speed, until the spool is empty.
    console.log(`(b) end to end: ${concurrency} concurrent clients for ${seconds} s, then drain …`);
    const cpu = process.cpuUsage();
    const mainCpu = mainThreadCpuSeconds();
    const busy = machineBusySeconds();
    const elu = performance.eventLoopUtilization();
    const peak = await load({ mode: 'peak', concurrency, durationMs: seconds * 1000 });
    const ackedAt = Date.now();
    await server.ctx.flusher.drained(300_000);
    const drainedAt = Date.now();
    const used = process.cpuUsage(cpu);
    const mainUsed = mainThreadCpuSeconds() - mainCpu;
    const busyAfter = machineBusySeconds();
    const loop = performance.eventLoopUtilization(elu);
    checkClean('end to end', peak);
    const stored = (await countRows(server)) - before;
    if (stored !== peak.accepted) throw new Error(`end to end: ${peak.accepted} events acknowledged but ${stored} rows stored`);
    const wall = (drainedAt - peak.startedAt) / 1000;
    const e2e = peak.accepted / wall;
    const serverCores = (used.user + used.system) / 1e6 / wall;
    const clientCores = peak.cpuMs / 1000 / ((peak.finishedAt - peak.startedAt) / 1000);
    console.log(
      `    ${fmt(e2e)} events/s (${fmt(peak.accepted)} events in ${peak.requests} requests; acked in ${((ackedAt - peak.startedAt) / 1000).toFixed(1)} s, ` +
        `drained ${((drainedAt - ackedAt) / 1000).toFixed(1)} s later; rows stored = acknowledged = ${fmt(stored)})`,
    );
    const otherCores = busy === undefined || busyAfter === undefined ? Number.NaN : (busyAfter - busy) / wall - serverCores - clientCores;
    console.log(
      `    CPU: server ${serverCores.toFixed(2)} cores (event loop ${(loop.utilization * 100).toFixed(0)}% busy), client ${clientCores.toFixed(2)} cores, ` +
        `other processes ${otherCores.toFixed(2)} cores; 503 retries: ${peak.retries}`,
    );
    if (otherCores > 0.2) console.log('    WARNING: other processes were busy during the measurement; the figures are low');
    // CPU time per event does not depend on what else runs: it gives the ceiling on idle cores.
    const jsMicros = (mainUsed * 1e6) / peak.accepted;
    const restMicros = (((used.user + used.system) / 1e6 - mainUsed) * 1e6) / peak.accepted;
    const clientMicros = (peak.cpuMs * 1000) / peak.accepted;
    const cores = cpus().length;
    const ceiling = (cores * 1e6) / (jsMicros + restMicros + clientMicros);
    console.log(
      `    CPU per event: JS thread ${jsMicros.toFixed(1)} µs, engine and other threads ${restMicros.toFixed(1)} µs, client ${clientMicros.toFixed(1)} µs ` +
        `(engine alone in (a): ${baseline.cpuMicrosPerRow.toFixed(1)} µs/row) → at most ~${fmt(ceiling)} events/s on ${cores} idle cores`,
    );

    // (c) Latency at half of that rate, open loop.
    const rate = e2e / 2;
    console.log(`(c) latency: open loop at ${fmt(rate)} events/s for ${seconds} s …`);
    const half = await load({ mode: 'rate', rate, concurrency: 64, durationMs: seconds * 1000 });
    checkClean('latency', half);
    await server.ctx.flusher.drained(300_000);
    const total = (await countRows(server)) - before;
    if (total !== peak.accepted + half.accepted) throw new Error(`latency: ${half.accepted} acknowledged but ${total - peak.accepted} rows stored`);
    const p50 = percentile(half.latencies, 50);
    const p99 = percentile(half.latencies, 99);
    const achieved = half.accepted / ((half.finishedAt - half.startedAt) / 1000);
    console.log(`    p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms over ${half.latencies.length} requests (${fmt(achieved)} events/s achieved)`);

    // (d) Peak RSS of this process (the server; the clients and the baseline are children).
    clearInterval(sampler);
    const rss = Math.max(memory.rss, process.resourceUsage().maxRSS * 1024);
    const native = memory.rss - memory.heapTotal - memory.external;

    // (e) After (d)'s figures are taken, so its load does not count in them.
    console.log('(e) native format: Kong http-log records beside /v1/events …');
    const nativeFormat = await measureNative(server, key);
    reportNative(nativeFormat);

    const ratio = e2e / baseline.rowsPerSecond;
    const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
    const checks = [
      [`end-to-end / baseline ratio ${ratio.toFixed(2)} ≥ ${TARGETS.ratio}`, ratio >= TARGETS.ratio],
      [`end to end ${fmt(e2e)} events/s ≥ ${fmt(TARGETS.eventsPerSecond)}`, e2e >= TARGETS.eventsPerSecond],
      [`peak RSS ${mb(rss).toFixed(0)} MB ≤ ${TARGETS.rssMB} MB`, mb(rss) <= TARGETS.rssMB],
      [`native (Kong) / /v1/events CPU per event ${nativeFormat.ratio.toFixed(2)} ≤ ${NATIVE_TARGET}`, nativeFormat.ratio <= NATIVE_TARGET],
    ] as const;
    console.log('\nresults');
    console.log(`  (a) baseline, raw chDB insert      ${fmt(baseline.rowsPerSecond).padStart(10)} events/s`);
    console.log(`  (b) end to end over HTTP           ${fmt(e2e).padStart(10)} events/s   ratio ${ratio.toFixed(2)}`);
    console.log(`  (c) ack latency at ${fmt(rate)}/s     p50 ${p50.toFixed(1)} ms   p99 ${p99.toFixed(1)} ms`);
    console.log(`  (d) peak RSS of the server process ${mb(rss).toFixed(0).padStart(10)} MB`);
    console.log(
      `      at the sampled peak (${mb(memory.rss).toFixed(0)} MB): V8 heap ${mb(memory.heapTotal).toFixed(0)} MB, ` +
        `buffers and other external ${mb(memory.external).toFixed(0)} MB, native (engine, code, tsx loader) ${mb(native).toFixed(0)} MB`,
    );
    for (const [label, ok] of checks) console.log(`  ${verdict(ok)}  ${label}`);
    console.log(`  total time ${((Date.now() - began) / 1000).toFixed(0)} s`);
    return checks.every(([, ok]) => ok) ? 0 : 1;
  } finally {
    clearInterval(sampler);
    clientProc.send({ type: 'exit' });
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Load generator for the ingest benchmark, run as a child process of bench/ingest.ts
 * (see there for why). It builds its batch templates once, then on request sends them
 * with node's fetch (undici): closed loop at full speed, or open loop at a fixed rate.
 */
import { makeTemplates, stampBatch, type BatchTemplate } from './ingest-data.js';

export interface ClientReady {
  type: 'ready';
  templates: number;
  events: number;
  bytes: number;
}

export interface RunRequest {
  type: 'run';
  url: string;
  key: string;
  /** Closed loop: `concurrency` senders as fast as answers come. Open loop: `rate` events/s. */
  mode: 'peak' | 'rate';
  concurrency: number;
  rate?: number;
  durationMs: number;
}

export interface RunResult {
  type: 'result';
  startedAt: number;
  finishedAt: number;
  requests: number;
  events: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  retries: number;
  errors: string[];
  /** Acknowledgement latency of each request in ms (open loop: from its scheduled send time). */
  latencies: number[];
  cpuMs: number;
}

const templates: BatchTemplate[] = makeTemplates(Number(process.env.BENCH_TEMPLATES ?? 48), process.env.BENCH_TAG ?? 'bench');
let seq = 0;
let next = 0;

function send(message: ClientReady | RunResult): void {
  process.send!(message);
}

async function post(run: RunRequest, result: RunResult, template: BatchTemplate): Promise<void> {
  const body = stampBatch(template, seq++);
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(`${run.url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${run.key}` },
      body,
    });
    const text = await res.text();
    if (res.status === 503 && attempt < 20) {
      // What a gateway does: back off as told and send the same batch again.
      result.retries += 1;
      await new Promise((r) => setTimeout(r, 1000 * Number(res.headers.get('retry-after') ?? 1)));
      continue;
    }
    result.requests += 1;
    result.events += template.events;
    if (res.status !== 202) {
      if (result.errors.length < 5) result.errors.push(`${res.status}: ${text.slice(0, 300)}`);
      return;
    }
    const answer = JSON.parse(text) as { accepted: number; duplicates: number; rejected: unknown[] };
    result.accepted += answer.accepted - answer.duplicates;
    result.duplicates += answer.duplicates;
    result.rejected += answer.rejected.length;
    if (answer.rejected.length > 0 && result.errors.length < 5) result.errors.push(JSON.stringify(answer.rejected.slice(0, 3)));
    return;
  }
}

async function run(request: RunRequest): Promise<RunResult> {
  const cpu = process.cpuUsage();
  const result: RunResult = {
    type: 'result',
    startedAt: Date.now(),
    finishedAt: 0,
    requests: 0,
    events: 0,
    accepted: 0,
    duplicates: 0,
    rejected: 0,
    retries: 0,
    errors: [],
    latencies: [],
    cpuMs: 0,
  };
  const start = performance.now();
  const end = start + request.durationMs;
  const timed = async (template: BatchTemplate, from: number) => {
    try {
      await post(request, result, template);
      result.latencies.push(performance.now() - from);
    } catch (error) {
      if (result.errors.length < 5) result.errors.push(String((error as Error).cause ?? error));
    }
  };
  if (request.mode === 'peak') {
    await Promise.all(
      Array.from({ length: request.concurrency }, async () => {
        while (performance.now() < end) {
          const template = templates[next++ % templates.length]!;
          await timed(template, performance.now());
        }
      }),
    );
  } else {
    // Open loop: each batch has a scheduled send time and its latency counts from it, so
    // a slow answer cannot hide the ones queued behind it (no coordinated omission).
    const rate = request.rate!;
    const inflight = new Set<Promise<void>>();
    let due = start;
    while (due < end) {
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      while (inflight.size >= request.concurrency) await Promise.race(inflight);
      const template = templates[next++ % templates.length]!;
      const p = timed(template, due).finally(() => inflight.delete(p));
      inflight.add(p);
      due += (template.events / rate) * 1000;
    }
    await Promise.all(inflight);
  }
  result.finishedAt = Date.now();
  const used = process.cpuUsage(cpu);
  result.cpuMs = (used.user + used.system) / 1000;
  return result;
}

process.on('message', (message: RunRequest | { type: 'exit' }) => {
  if (message.type === 'exit') process.exit(0);
  run(message).then(send, (error: unknown) => {
    console.error(error);
    process.exit(1);
  });
});

send({
  type: 'ready',
  templates: templates.length,
  events: templates.reduce((n, t) => n + t.events, 0),
  bytes: templates.reduce((n, t) => n + t.bytes.length, 0),
});

/** Sends a simulation to a running tokenwatch server, and writes its labels for scoring. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { LifecycleEvent, Simulation, UsageEvent } from './types.js';

export interface PostTarget {
  /** Base URL of the server, e.g. http://127.0.0.1:8080 */
  url: string;
  /** An API key with the ingest role: usage events. */
  key: string;
  /**
   * An API key with the idp (or admin) role: lifecycle events. A gateway's ingest key may
   * send only issued and expired, and the simulation also refreshes and revokes. Default: `key`.
   */
  idpKey?: string;
}

export interface PostOptions {
  /** Events per request; the server accepts up to 10,000 by default. */
  batchSize?: number;
  /** Usage batches in flight at once. */
  concurrency?: number;
  /** Called after each group of batches with the number of usage events sent so far. */
  onProgress?: (sent: number) => void;
  /** Attempts per request on 429/502/503/504 or a network error before giving up. */
  maxAttempts?: number;
  /** Told before each wait, so a wrong --url is not two silent minutes of backoff. */
  onRetry?: (message: string) => void;
}

const DEFAULT_BATCH = 5000;
const DEFAULT_CONCURRENCY = 4;
const DEFAULT_ATTEMPTS = 10;
/** When the server names no Retry-After: 0.5 s, doubling, at most 30 s. */
const BACKOFF_MS = 500;
const MAX_WAIT_MS = 30_000;
/** Busy or briefly unavailable: wait and send again. Anything else is an answer. */
const RETRYABLE = new Set([429, 502, 503, 504]);

export class PostError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'PostError';
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Retry-After in seconds or as an HTTP date; undefined when absent or unreadable. */
function retryAfterMs(header: string | null): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

function serverMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
    if (body.error?.message) return body.error.code ? `${body.error.code}: ${body.error.message}` : body.error.message;
  } catch {
    // not JSON: use the text
  }
  return text.slice(0, 500) || '(empty body)';
}

interface IngestAnswer {
  accepted: number;
  rejected?: { index: number; error: string }[];
}

/** POSTs one batch, waiting and retrying on 429/502/503/504 (honouring Retry-After) and network errors. */
/** fetch says only "fetch failed": the reason (ECONNREFUSED, ENOTFOUND …) is in its cause. */
function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

async function send(
  target: PostTarget,
  route: string,
  body: string,
  contentType: string,
  count: number,
  maxAttempts: number,
  onRetry?: (message: string) => void,
): Promise<number> {
  const url = `${target.url.replace(/\/+$/, '')}${route}`;
  const key = route === '/v1/tokens' ? (target.idpKey ?? target.key) : target.key;
  for (let attempt = 1; ; attempt++) {
    const backoff = Math.min(MAX_WAIT_MS, BACKOFF_MS * 2 ** (attempt - 1));
    let response: Response;
    try {
      response = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': contentType }, body });
    } catch (error) {
      const reason = `cannot reach ${url}: ${networkReason(error)}`;
      if (attempt >= maxAttempts) throw new Error(`POST ${route}: ${reason} (after ${attempt} attempts)`, { cause: error });
      onRetry?.(`${reason}; retrying in ${backoff / 1000} s (attempt ${attempt} of ${maxAttempts})`);
      await sleep(backoff);
      continue;
    }
    const text = await response.text();
    if (RETRYABLE.has(response.status)) {
      if (attempt >= maxAttempts) throw new PostError(response.status, `POST ${route}: ${response.status} ${serverMessage(text)} (after ${attempt} attempts)`);
      const wait = Math.min(MAX_WAIT_MS, retryAfterMs(response.headers.get('retry-after')) ?? backoff);
      onRetry?.(`POST ${route}: ${response.status} ${serverMessage(text)}; retrying in ${wait / 1000} s (attempt ${attempt} of ${maxAttempts})`);
      await sleep(wait);
      continue;
    }
    if (!response.ok) {
      const hint = response.status === 403 && route === '/v1/tokens' ? ' (lifecycle events need a key with role idp or admin: pass --idp-key)' : '';
      throw new PostError(response.status, `POST ${route}: ${response.status} ${serverMessage(text)}${hint}`);
    }
    const answer = JSON.parse(text) as IngestAnswer;
    const rejected = answer.rejected ?? [];
    if (rejected.length > 0) {
      const first = rejected[0]!;
      throw new PostError(response.status, `POST ${route}: the server rejected ${rejected.length} of ${count} events; first, index ${first.index}: ${first.error}`);
    }
    return answer.accepted;
  }
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Sends the lifecycle events (POST /v1/tokens, JSON arrays) and the usage events (POST
 * /v1/events, NDJSON) in time order: before each group of usage batches, every lifecycle
 * event up to the group's last timestamp, so a revocation reaches the server before the
 * requests that test it. Event ids are deterministic, so a re-post does not double count.
 */
export async function post(sim: Simulation, target: PostTarget, opts: PostOptions = {}): Promise<{ events: number; lifecycle: number }> {
  const batchSize = opts.batchSize ?? DEFAULT_BATCH;
  const concurrency = Math.max(1, opts.concurrency ?? DEFAULT_CONCURRENCY);
  const maxAttempts = Math.max(1, opts.maxAttempts ?? DEFAULT_ATTEMPTS);
  if (!(batchSize >= 1)) throw new RangeError('post: batchSize must be at least 1');
  const totals = { events: 0, lifecycle: 0 };
  let next = 0;
  const lifecycleUntil = async (ts: string | undefined) => {
    const due: LifecycleEvent[] = [];
    while (next < sim.lifecycle.length && (ts === undefined || sim.lifecycle[next]!.ts <= ts)) due.push(sim.lifecycle[next++]!);
    for (const batch of chunks(due, batchSize)) {
      totals.lifecycle += await send(target, '/v1/tokens', JSON.stringify(batch), 'application/json', batch.length, maxAttempts, opts.onRetry);
    }
  };
  const batches = chunks(sim.events, batchSize);
  let sent = 0;
  for (let g = 0; g < batches.length; g += concurrency) {
    const group = batches.slice(g, g + concurrency);
    await lifecycleUntil(group.at(-1)!.at(-1)!.ts);
    const accepted = await Promise.all(
      group.map((batch: UsageEvent[]) => send(target, '/v1/events', batch.map((e) => JSON.stringify(e)).join('\n') + '\n', 'application/x-ndjson', batch.length, maxAttempts, opts.onRetry)),
    );
    for (const n of accepted) totals.events += n;
    sent += group.reduce((n, b) => n + b.length, 0);
    opts.onProgress?.(sent);
  }
  await lifecycleUntil(undefined);
  return totals;
}

/** Writes the labels and each token's behaviour as JSON. Raw tokens are synthetic; no key or URL is written. */
export async function writeLabels(sim: Simulation, file: string): Promise<void> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const body = { meta: sim.meta, labels: sim.labels, behaviours: sim.behaviours, benign_tokens: sim.benignTokens };
  await writeFile(file, JSON.stringify(body, null, 2) + '\n', 'utf8');
}

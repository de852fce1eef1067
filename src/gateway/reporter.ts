/**
 * Reports usage events to tokenwatch in NDJSON batches without ever slowing a request.
 *
 * `enqueue` is O(1) and never touches the network: events go into a ring buffer of
 * `maxBuffer` slots; when it is full the oldest event is dropped and counted. A
 * background flusher posts batches of up to `batchSize` events every `flushIntervalMs`
 * (sooner once a full batch is waiting), one request at a time. An event leaves the
 * buffer only when tokenwatch has acknowledged it (2xx), so a failed batch is retried
 * with backoff (honouring `Retry-After`) while newer events keep the buffer bounded by
 * pushing the oldest out. A 4xx other than 401/403/408/429 means the batch itself is
 * refused: it is not retried and counted as `rejected`. Every event ends up in exactly
 * one of: buffered, sent, dropped, rejected.
 */
import { backoffMs, describeError, joinUrl, retryAfterMs, type GatewayLogger } from './util.js';

/** One usage event of the contract, as a gateway that shares the pepper sends it. */
export interface UsageEvent {
  event_id: string;
  ts: string;
  token_fingerprint: string;
  token_type?: string;
  app_id?: string;
  client_id?: string;
  user_id?: string;
  ip: string;
  user_agent?: string;
  method: string;
  host?: string;
  path: string;
  status: number;
  latency_ms: number;
  bytes?: number;
  gateway: string;
}

export interface ReporterOptions {
  url: string;
  key: string;
  batchSize: number;
  flushIntervalMs: number;
  maxBuffer: number;
  maxRetryMs: number;
  requestTimeoutMs: number;
  log: GatewayLogger;
}

/** Retrying these can succeed later (overload, outage, a key being rotated). */
const RETRYABLE = new Set([401, 403, 408, 429]);
/** A Retry-After longer than this is capped: the buffer would only drop meanwhile. */
const MAX_RETRY_AFTER_MS = 60_000;

export class UsageReporter {
  sent = 0;
  dropped = 0;
  rejected = 0;

  private readonly ring: (UsageEvent | undefined)[];
  /** Sequence number of the oldest buffered event; `tail` is the next one to assign. */
  private head = 0;
  private tail = 0;
  /** The batch being posted: [start, end) in sequence numbers. */
  private inflight: { start: number; end: number; pushedOut: number } | undefined;
  private failures = 0;
  private retryAt = 0;
  private draining: Promise<void> | undefined;
  private kickScheduled = false;
  private closed = false;
  private readonly timer: NodeJS.Timeout;
  private readonly abort = new AbortController();
  private readonly eventsUrl: string;

  constructor(private readonly options: ReporterOptions) {
    this.ring = new Array<UsageEvent | undefined>(options.maxBuffer);
    this.eventsUrl = joinUrl(options.url, '/v1/events');
    this.timer = setInterval(() => this.kick(true), options.flushIntervalMs);
    this.timer.unref();
  }

  get buffered(): number {
    return this.tail - this.head;
  }

  /** Adds one event; O(1), synchronous, never waits for anything. */
  enqueue(event: UsageEvent): void {
    if (this.closed) {
      this.dropped++;
      return;
    }
    const { maxBuffer, batchSize } = this.options;
    if (this.tail - this.head >= maxBuffer) {
      this.ring[this.head % maxBuffer] = undefined;
      if (this.inflight && this.head >= this.inflight.start && this.head < this.inflight.end) {
        // Already in the body being posted: lost only if that post fails.
        this.inflight.pushedOut++;
      } else {
        this.dropped++;
      }
      this.head++;
    }
    this.ring[this.tail % maxBuffer] = event;
    this.tail++;
    if (this.tail - this.head >= batchSize && !this.draining && !this.kickScheduled) {
      this.kickScheduled = true;
      setImmediate(() => {
        this.kickScheduled = false;
        this.kick(false);
      });
    }
  }

  /**
   * Starts a drain unless one is running or a retry is not due yet. The timer's kick
   * sends everything buffered, a partial batch included; the kick of a filling buffer
   * sends full batches only, so a busy gateway posts few large batches, not many small ones.
   */
  private kick(sendPartial: boolean): void {
    if (this.draining || this.closed || Date.now() < this.retryAt) return;
    const { batchSize } = this.options;
    if (this.buffered === 0 || (!sendPartial && this.buffered < batchSize)) return;
    this.draining = this.drain(sendPartial ? this.buffered : 0).finally(() => (this.draining = undefined));
  }

  /** Posts batches while `owed` events are left or a full batch waits; stops at the first failure. */
  private async drain(owed: number): Promise<void> {
    const { batchSize, requestTimeoutMs } = this.options;
    while (!this.abort.signal.aborted && this.buffered > 0 && (owed > 0 || this.buffered >= batchSize)) {
      const count = Math.min(this.buffered, batchSize);
      if (!(await this.postBatch(requestTimeoutMs))) return;
      owed -= count;
    }
  }

  /** Posts the oldest batch. True when it left the buffer (sent or rejected), false to retry later. */
  private async postBatch(timeoutMs: number): Promise<boolean> {
    const { maxBuffer, batchSize, key, log } = this.options;
    const start = this.head;
    const end = Math.min(this.tail, start + batchSize);
    if (end === start) return true;
    let body = '';
    for (let seq = start; seq < end; seq++) body += JSON.stringify(this.ring[seq % maxBuffer]) + '\n';
    const batch = { start, end, pushedOut: 0 };
    this.inflight = batch;
    const count = end - start;
    let retryIn: number | undefined;
    try {
      const res = await fetch(this.eventsUrl, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson' },
        body,
        signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(timeoutMs)]),
      });
      const text = await res.text().catch(() => '');
      if (res.ok) {
        this.release(batch);
        this.sent += count;
        const refused = countRejected(text);
        if (refused > 0) {
          this.sent -= refused;
          this.rejected += refused;
          log.warn({ rejected: refused, batch: count }, 'tokenwatch refused some usage events');
        }
        this.failures = 0;
        this.retryAt = 0;
        return true;
      }
      if (res.status < 500 && !RETRYABLE.has(res.status)) {
        this.release(batch);
        this.rejected += count;
        log.error({ status: res.status, batch: count, body: text.slice(0, 500) }, 'tokenwatch refused a batch of usage events; not retried');
        return true;
      }
      retryIn = retryAfterMs(res.headers.get('retry-after'));
      log.warn({ status: res.status, buffered: this.buffered, dropped: this.dropped }, 'tokenwatch did not take usage events; retrying');
    } catch (err) {
      log.warn({ ...describeError(err), buffered: this.buffered, dropped: this.dropped }, 'posting usage events failed; retrying');
    }
    // Retry later: events pushed out of the buffer meanwhile are lost now.
    this.inflight = undefined;
    this.dropped += batch.pushedOut;
    this.failures++;
    const delay = retryIn ?? backoffMs(this.options.flushIntervalMs, this.failures - 1, this.options.maxRetryMs);
    this.retryAt = Date.now() + Math.min(delay, MAX_RETRY_AFTER_MS);
    return false;
  }

  /** The batch has left for good: free its slots that are still in the buffer. */
  private release(batch: { start: number; end: number }): void {
    this.inflight = undefined;
    const { maxBuffer } = this.options;
    for (let seq = Math.max(this.head, batch.start); seq < batch.end; seq++) this.ring[seq % maxBuffer] = undefined;
    this.head = Math.max(this.head, batch.end);
  }

  /**
   * Stops the flusher and sends what is buffered, best effort within `timeoutMs`
   * (retry delays are not waited for; a failure ends the attempt). What could not be
   * sent is counted as dropped.
   */
  async close(timeoutMs: number): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    const deadline = Date.now() + timeoutMs;
    const giveUp = setTimeout(() => this.abort.abort(new Error('close timeout')), timeoutMs);
    giveUp.unref();
    try {
      await this.draining;
      while (this.buffered > 0 && !this.abort.signal.aborted) {
        const left = deadline - Date.now();
        if (left <= 0 || !(await this.postBatch(left))) break;
      }
    } finally {
      clearTimeout(giveUp);
      this.abort.abort();
    }
    if (this.buffered > 0) {
      this.options.log.warn({ lost: this.buffered }, 'tokenwatch gateway closed with unsent usage events');
      this.dropped += this.buffered;
      this.release({ start: this.head, end: this.tail });
    }
  }
}

/** `{"rejected": [...]}` of a 202 answer: how many events of the batch were refused. */
function countRejected(text: string): number {
  if (!text.includes('"rejected"')) return 0;
  try {
    const body = JSON.parse(text) as { rejected?: unknown };
    return Array.isArray(body.rejected) ? body.rejected.length : 0;
  } catch {
    return 0;
  }
}

/**
 * Moves spooled rows into the warehouse, in order, one chunk at a time. A failed insert
 * is retried with backoff (the rows stay in the spool); a chunk replayed after a crash
 * carries the same deduplication token, so the warehouse keeps one copy.
 */
import type { Logger } from 'pino';
import type { Metrics } from '../metrics.js';
import { TABLES, type Warehouse } from '../warehouse/warehouse.js';
import type { Spool } from './spool.js';

/** Below this size a chunk waits for the flush interval so inserts are not tiny parts. */
const SMALL_CHUNK_BYTES = 1024 * 1024;
const BACKOFF_START_MS = 100;
const BACKOFF_MAX_MS = 5_000;

export interface FlusherOptions {
  intervalMs: number;
  maxBytes: number;
}

export class Flusher {
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private lastInsertAt = Date.now();
  private unsubscribe: (() => void) | undefined;
  /** Receives each chunk read from the spool (valid until the next read): one buffer, no page faults per chunk. */
  private scratch: Buffer | undefined;
  /** Last warehouse error while flushing, cleared by the next success. */
  lastError: Error | undefined;

  constructor(
    private readonly spool: Spool,
    private readonly warehouse: Warehouse,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    private readonly options: FlusherOptions,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = this.spool.onAppend(() => this.wake?.());
    this.loop = this.run();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    }).finally(() => {
      this.wake = undefined;
    });
  }

  /** Moves one chunk; returns false when there was nothing to move. Throws on failure. */
  async flushOnce(): Promise<boolean> {
    this.scratch ??= Buffer.allocUnsafe(this.options.maxBytes);
    const chunk = await this.spool.read(this.options.maxBytes, this.scratch);
    if (!chunk) return false;
    const stop = this.metrics.flushLatency.startTimer();
    try {
      await this.warehouse.insertJsonEachRow(TABLES.usageEvents, chunk.data, { dedupToken: chunk.token });
    } catch (error) {
      this.metrics.warehouseErrors.inc({ operation: 'insert' });
      throw error;
    }
    stop();
    await this.spool.commit(chunk);
    this.lastInsertAt = Date.now();
    this.metrics.flushedRows.inc(chunk.rows);
    this.metrics.spoolBytes.set(this.spool.pendingBytes());
    return true;
  }

  private async run(): Promise<void> {
    let backoff = BACKOFF_START_MS;
    while (this.running) {
      const pending = this.spool.pendingBytes();
      const sinceLast = Date.now() - this.lastInsertAt;
      if (pending === 0) {
        await this.sleep(this.options.intervalMs * 10);
        continue;
      }
      if (pending < SMALL_CHUNK_BYTES && sinceLast < this.options.intervalMs) {
        await this.sleep(this.options.intervalMs - sinceLast);
        continue;
      }
      try {
        // Nothing durable to move yet (only bytes still being written to the spool): wait
        // for the append to land. Looping on without a real await would starve the event
        // loop, so the write that the loop waits for could never finish.
        if (!(await this.flushOnce())) {
          await this.sleep(this.options.intervalMs);
          continue;
        }
        if (this.lastError) this.logger.info('warehouse reachable again; draining the spool');
        this.lastError = undefined;
        backoff = BACKOFF_START_MS;
      } catch (error) {
        if (!this.lastError) this.logger.error({ err: error }, 'warehouse insert failed; rows stay in the spool and will be retried');
        this.lastError = error as Error;
        await this.sleep(backoff * (0.5 + Math.random()));
        backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
      }
    }
  }

  /** Stops the loop, then moves what is left while the warehouse accepts it (SIGTERM). */
  async stop(drain = true): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    this.wake?.();
    await this.loop;
    if (!drain) return;
    try {
      while (await this.flushOnce());
    } catch (error) {
      this.logger.warn({ err: error, pendingBytes: this.spool.pendingBytes() }, 'could not drain the spool; it will be replayed at the next start');
    }
  }

  /** Waits until everything spooled so far is in the warehouse (tests, CLI). */
  async drained(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.spool.pendingBytes() > 0) {
      if (Date.now() > deadline) throw new Error(`spool not drained after ${timeoutMs} ms: ${this.lastError?.message ?? 'no error'}`);
      this.wake?.();
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

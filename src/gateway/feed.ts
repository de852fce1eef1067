/**
 * Follows tokenwatch's revocation feed and keeps the set of revoked fingerprints.
 *
 * First a paged GET from the start (until a page comes back empty), then the SSE stream
 * from the last cursor: new revocations arrive as they happen, so a revoked token is
 * refused within the time it takes one event to cross the network. On a disconnect the
 * follower reconnects with `since=<last cursor>` (and `Last-Event-ID`), after `reconnectMs`
 * doubling per failed attempt up to `maxReconnectMs`. A stream that stays silent past
 * `idleTimeoutMs` (the server sends a heartbeat every ~15 s) is treated as dead. While
 * disconnected, everything already known is still enforced: the set only grows.
 */
import { z } from 'zod';
import { SseParser, type SseEvent } from './sse.js';
import { backoffMs, describeError, joinUrl, sleep, type GatewayLogger } from './util.js';

const FINGERPRINT = /^[0-9a-fA-F]{64}$/;

const entrySchema = z.object({
  token_fingerprint: z.string().regex(FINGERPRINT, 'must be 64 hex characters'),
  cursor: z.string().optional(),
  revoked_at: z.string().optional(),
  source: z.string().optional(),
  reason: z.string().optional(),
});

const pageSchema = z.object({
  entries: z.array(z.unknown()),
  next_cursor: z.string().nullish(),
});

export interface FeedOptions {
  url: string;
  key: string;
  reconnectMs: number;
  maxReconnectMs: number;
  idleTimeoutMs: number;
  requestTimeoutMs: number;
  pageLimit: number;
  log: GatewayLogger;
}

export class RevocationFeed {
  /** Lowercase hex fingerprints of revoked tokens. */
  readonly revoked = new Set<string>();
  cursor: string | undefined;
  connected = false;
  synced = false;

  private readonly stop = new AbortController();
  private readonly feedUrl: string;
  private loop: Promise<void> | undefined;
  private firstSync: ((ok: boolean) => void) | undefined;

  constructor(private readonly options: FeedOptions) {
    this.feedUrl = joinUrl(options.url, '/v1/revocation-feed');
  }

  has(fingerprint: string): boolean {
    return this.revoked.has(fingerprint);
  }

  /** Starts following; resolves once the first full sync succeeded (true) or failed (false). */
  start(): Promise<boolean> {
    if (this.loop) throw new Error('revocation feed already started');
    const first = new Promise<boolean>((resolve) => (this.firstSync = resolve));
    this.loop = this.run();
    return first;
  }

  /** Stops following: aborts the stream and any wait; resolves when the loop has ended. */
  async close(): Promise<void> {
    this.stop.abort();
    this.firstSync?.(false);
    await this.loop;
    this.connected = false;
  }

  private async run(): Promise<void> {
    const { log, reconnectMs, maxReconnectMs } = this.options;
    let failures = 0;
    while (!this.stop.signal.aborted) {
      let progressed = false;
      try {
        if (!this.synced) {
          await this.sync();
          this.synced = true;
          progressed = true;
          log.info({ revoked: this.revoked.size }, 'tokenwatch revocation feed synced');
          this.firstSync?.(true);
        }
        progressed = (await this.stream()) || progressed;
      } catch (err) {
        if (this.stop.signal.aborted) break;
        log.warn({ ...describeError(err), failures: failures + 1 }, 'tokenwatch revocation feed unavailable; enforcing what is known');
        if (!this.synced) this.firstSync?.(false);
      }
      if (this.stop.signal.aborted) break;
      failures = progressed ? 0 : failures + 1;
      await sleep(backoffMs(reconnectMs, failures, maxReconnectMs), this.stop.signal);
    }
  }

  private requestSignal(): AbortSignal {
    return AbortSignal.any([this.stop.signal, AbortSignal.timeout(this.options.requestTimeoutMs)]);
  }

  /** GET pages from the cursor until one comes back empty. */
  private async sync(): Promise<void> {
    for (;;) {
      const url = new URL(this.feedUrl);
      url.searchParams.set('limit', String(this.options.pageLimit));
      if (this.cursor !== undefined) url.searchParams.set('since', this.cursor);
      const res = await fetch(url, {
        headers: { authorization: `Bearer ${this.options.key}`, accept: 'application/json' },
        signal: this.requestSignal(),
      });
      if (!res.ok) {
        await res.body?.cancel().catch(() => {});
        this.forgetRefusedCursor(res.status);
        throw new Error(`GET /v1/revocation-feed answered ${res.status}`);
      }
      const page = pageSchema.parse(await res.json());
      const before = this.cursor;
      for (const raw of page.entries) this.addEntry(raw, undefined);
      if (page.next_cursor) this.cursor = page.next_cursor;
      // An empty page is the end; a cursor that did not move would loop forever.
      if (page.entries.length === 0 || this.cursor === before) return;
    }
  }

  /**
   * One SSE connection, until it ends. Returns true if it was established (the next
   * reconnect starts from the shortest delay); throws if it could not be.
   */
  private async stream(): Promise<boolean> {
    const { log, key, idleTimeoutMs, requestTimeoutMs } = this.options;
    const url = new URL(this.feedUrl);
    const headers: Record<string, string> = {
      authorization: `Bearer ${key}`,
      accept: 'text/event-stream',
      'cache-control': 'no-cache',
    };
    if (this.cursor !== undefined) {
      url.searchParams.set('since', this.cursor);
      headers['last-event-id'] = this.cursor;
    }
    const connection = new AbortController();
    const signal = AbortSignal.any([this.stop.signal, connection.signal]);
    // Until the headers arrive the request timeout applies, then the idle watchdog,
    // re-armed by every chunk (heartbeats included).
    let watchdog: NodeJS.Timeout | undefined;
    const arm = (ms: number, reason: string) => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => connection.abort(new Error(reason)), ms);
      watchdog.unref();
    };
    const silent = `revocation feed silent for ${idleTimeoutMs} ms`;
    arm(requestTimeoutMs, 'no response from the revocation feed');
    try {
      const res = await fetch(url, { headers, signal });
      const type = res.headers.get('content-type') ?? '';
      if (!res.ok || !res.body || !type.toLowerCase().startsWith('text/event-stream')) {
        await res.body?.cancel().catch(() => {});
        this.forgetRefusedCursor(res.status);
        throw new Error(`SSE /v1/revocation-feed answered ${res.status} ${type}`);
      }
      this.connected = true;
      log.info({ since: this.cursor ?? null }, 'tokenwatch revocation feed connected');
      arm(idleTimeoutMs, silent);
      const parser = new SseParser();
      const reader = res.body.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          arm(idleTimeoutMs, silent);
          for (const event of parser.push(value)) this.onEvent(event);
        }
        log.warn({ cursor: this.cursor ?? null }, 'tokenwatch revocation feed closed by the server; reconnecting');
      } catch (err) {
        if (!this.stop.signal.aborted) {
          const reason: unknown = connection.signal.aborted ? connection.signal.reason : err;
          log.warn({ ...describeError(reason), cursor: this.cursor ?? null }, 'tokenwatch revocation feed disconnected; reconnecting');
        }
      } finally {
        reader.cancel().catch(() => {});
      }
      return true;
    } finally {
      clearTimeout(watchdog);
      this.connected = false;
    }
  }

  /**
   * A 400 to a request with a cursor: the feed no longer knows it (its data was reset or
   * its cursor format changed). Read it again from the start: the set only grows, so
   * nothing known is lost, and revocations after the reset are not missed.
   */
  private forgetRefusedCursor(status: number): void {
    if (status !== 400 || this.cursor === undefined) return;
    this.options.log.warn({ cursor: this.cursor }, 'tokenwatch revocation feed refused the cursor; syncing again from the start');
    this.cursor = undefined;
    this.synced = false;
  }

  private onEvent(event: SseEvent): void {
    if (event.type === 'revoked') {
      let raw: unknown;
      try {
        raw = JSON.parse(event.data);
      } catch {
        this.options.log.warn({ cursor: event.id }, 'tokenwatch revocation feed: event data is not JSON; skipped');
      }
      if (raw !== undefined) this.addEntry(raw, event.id || undefined);
    }
    // The id is the feed's cursor, whatever the event type: reconnect after it.
    if (event.id) this.cursor = event.id;
  }

  private addEntry(raw: unknown, id: string | undefined): void {
    const parsed = entrySchema.safeParse(raw);
    if (!parsed.success) {
      this.options.log.warn({ cursor: id ?? null, error: parsed.error.issues[0]?.message }, 'tokenwatch revocation feed: invalid entry; skipped');
      return;
    }
    const entry = parsed.data;
    this.revoked.add(entry.token_fingerprint.toLowerCase());
    const cursor = id ?? entry.cursor;
    if (cursor) this.cursor = cursor;
  }
}

/**
 * The live revocation feed (SSE), bounded. One shared poller reads the warehouse for all
 * streams, never two polls at once; a stream is a subscriber of that poller and of the
 * revocations this process completes. Streams are capped in total and per API key (429
 * past either), and a stream whose client does not read is dropped once the bytes waiting
 * for it pass a cap, so a slow reader costs memory up to that cap and no more.
 *
 * Why: every stream used to poll the warehouse each second on its own, with no guard
 * against overlapping polls, and wrote without looking at its buffer. The embedded engine
 * runs one statement at a time, so a few hundred streams queued ahead of detectors,
 * handle lookups and /readyz (issue 11).
 */
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { Busy } from '../errors.js';
import type { Metrics } from '../metrics.js';
import { decodeCursor, type FeedEntry, type RevocationFeed } from './feed.js';

type Cursor = { ms: number; fp: string };
export type FeedStreamLimits = Config['revocation']['feed_streams'];

/** A comment line every so often keeps proxies from closing an idle stream. */
const HEARTBEAT_MS = 15_000;
/** Polls re-read this far back: entries recorded slightly out of order still arrive (deduplicated per stream). */
const REREAD_MS = 5000;
const PAGE = 1000;
/** Per-stream memory of cursors sent, for that deduplication. */
const SENT_MEMORY = 10_000;

interface Stream {
  keyId: string;
  res: ServerResponse;
  sent: Set<string>;
}

const after = (a: Cursor, b: Cursor) => a.ms > b.ms || (a.ms === b.ms && a.fp > b.fp);

export class FeedStreams {
  private readonly streams = new Set<Stream>();
  private readonly perKey = new Map<string, number>();
  private poller: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  /** The newest entry the shared poller has seen. */
  private last: Cursor | undefined;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly feed: RevocationFeed,
    private readonly limits: FeedStreamLimits,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
  ) {
    this.unsubscribe = feed.subscribe((entry) => this.fanOut(entry));
  }

  get size(): number {
    return this.streams.size;
  }

  /**
   * Serves one SSE stream on `res` until the client goes: the backlog after `since`
   * (paced by the client's reading), then live entries. Throws 429 past a cap, before
   * anything is written.
   */
  open(keyId: string, res: ServerResponse, since: Cursor | undefined, log: Pick<Logger, 'warn'>): Promise<void> {
    const { max_streams, max_streams_per_key } = this.limits;
    const mine = this.perKey.get(keyId) ?? 0;
    if (this.streams.size >= max_streams || mine >= max_streams_per_key) {
      const perKey = mine >= max_streams_per_key;
      this.metrics.feedStreamsRefused.inc({ reason: perKey ? 'per_key' : 'total' });
      throw new Busy(
        'too_many_streams',
        perKey ? `this key already has ${mine} open feed streams (the limit is ${max_streams_per_key}); close one or poll without Accept: text/event-stream` : `the server serves ${max_streams} feed streams already; retry later or poll without Accept: text/event-stream`,
        [],
        10,
      );
    }
    const stream: Stream = { keyId, res, sent: new Set() };
    this.add(stream);
    res.once('close', () => this.remove(stream));
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    return this.backlog(stream, since, log);
  }

  private async backlog(stream: Stream, since: Cursor | undefined, log: Pick<Logger, 'warn'>): Promise<void> {
    const { res } = stream;
    // The backlog, read for this stream alone and written no faster than the client reads.
    try {
      let from = since;
      for (;;) {
        const page = await this.feed.read(from, PAGE);
        for (const e of page.entries) {
          if (res.destroyed) return;
          if (!this.write(stream, e, false)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
        }
        if (page.entries.length < PAGE || res.destroyed) break;
        from = decodeCursor(page.next_cursor!);
      }
    } catch (error) {
      log.warn({ err: error }, 'revocation feed: backlog read failed; live entries follow');
    }
    if (!res.destroyed) res.write(': connected\n\n');
  }

  /** Ends every stream and the poller (server shutdown). */
  close(): void {
    this.unsubscribe();
    for (const s of this.streams) s.res.destroy();
    this.stop();
  }

  private add(stream: Stream): void {
    this.streams.add(stream);
    this.perKey.set(stream.keyId, (this.perKey.get(stream.keyId) ?? 0) + 1);
    this.metrics.feedStreams.set(this.streams.size);
    if (!this.poller) {
      // Polls start from shortly before the first stream: its backlog read covers the rest.
      this.last ??= { ms: Date.now() - REREAD_MS, fp: '' };
      this.poller = setInterval(() => void this.poll(), this.limits.poll_interval_ms);
      this.heartbeat = setInterval(() => {
        for (const s of this.streams) this.send(s, ': ping\n\n');
      }, HEARTBEAT_MS);
    }
  }

  private remove(stream: Stream): void {
    if (!this.streams.delete(stream)) return;
    const n = (this.perKey.get(stream.keyId) ?? 1) - 1;
    if (n > 0) this.perKey.set(stream.keyId, n);
    else this.perKey.delete(stream.keyId);
    this.metrics.feedStreams.set(this.streams.size);
    if (this.streams.size === 0) this.stop();
  }

  private stop(): void {
    clearInterval(this.poller);
    clearInterval(this.heartbeat);
    this.poller = undefined;
    this.heartbeat = undefined;
    this.last = undefined;
  }

  /** One poll for all streams; a tick while the last poll still runs is skipped, never queued. */
  poll(): Promise<void> {
    if (this.polling) {
      this.metrics.feedPolls.inc({ outcome: 'skipped_overlap' });
      return this.polling;
    }
    this.polling = (async () => {
      try {
        const from: Cursor = { ms: Math.max(-1, (this.last?.ms ?? -1) - REREAD_MS), fp: '' };
        for (;;) {
          const page = await this.feed.read(from, PAGE);
          for (const e of page.entries) this.fanOut(e);
          if (page.entries.length < PAGE) break;
          Object.assign(from, decodeCursor(page.next_cursor!));
        }
        this.metrics.feedPolls.inc({ outcome: 'ok' });
      } catch (error) {
        this.metrics.feedPolls.inc({ outcome: 'failed' });
        this.logger.warn({ err: error }, 'revocation feed: poll failed');
      } finally {
        this.polling = undefined;
      }
    })();
    return this.polling;
  }

  private fanOut(entry: FeedEntry): void {
    const c = decodeCursor(entry.cursor);
    if (c && this.last && after(c, this.last)) this.last = c;
    for (const s of this.streams) this.write(s, entry, true);
  }

  /** Writes one entry unless the stream had it; false when the client's buffer is full. */
  private write(stream: Stream, entry: FeedEntry, live: boolean): boolean {
    if (stream.sent.has(entry.cursor)) return true;
    stream.sent.add(entry.cursor);
    if (stream.sent.size > SENT_MEMORY) stream.sent.clear();
    return this.send(stream, `id: ${entry.cursor}\nevent: revoked\ndata: ${JSON.stringify(entry)}\n\n`, live);
  }

  /** Live writes cannot wait for a reader: past the buffer cap the stream is dropped. */
  private send(stream: Stream, text: string, live = true): boolean {
    const { res } = stream;
    if (res.destroyed) return true;
    const ok = res.write(text);
    if (live && res.writableLength > this.limits.max_buffered_bytes) {
      this.metrics.feedStreamsDropped.inc();
      this.logger.warn({ key_id: stream.keyId, buffered_bytes: res.writableLength }, 'revocation feed: a stream that does not read was dropped');
      res.destroy();
      this.remove(stream);
    }
    return ok;
  }
}

/**
 * Ingest: parse a batch, validate each event, normalise the valid ones, drop retries of
 * events already stored, and acknowledge once the rows are in the spool.
 */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { parseJson } from '../json.js';
import { Invalid, TooLarge, Unavailable } from '../errors.js';
import type { Metrics } from '../metrics.js';
import { createEventParser, describeIssues, type EventParseResult } from './event-schema.js';
import { reporterFor, type Normaliser, type Reporter, type UsageRow } from './normalise.js';
import { RecentIds } from './recent-ids.js';
import { SpoolFullError, type Spool } from './spool.js';

export interface Rejection {
  index: number;
  error: string;
}

export interface IngestResult {
  accepted: number;
  duplicates: number;
  rejected: Rejection[];
}

/** A request's rows, serialised and ready for the spool. */
interface Prepared {
  data: Buffer | undefined;
  ids: string[];
  duplicates: number;
  rejected: Rejection[];
}

/** How long a gateway should wait before retrying when the spool is full. */
const RETRY_AFTER_SECONDS = 5;

/**
 * Splits a body into items. JSON: an array of events (or one event); NDJSON: one event
 * per line, a line that is not JSON is rejected by its index and the rest go on.
 */
export function parseBatch(body: Buffer | string, ndjson: boolean, maxItems = Infinity): { items: unknown[]; rejected: Rejection[] } {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  if (!ndjson) {
    let parsed: unknown;
    try {
      parsed = parseJson(text);
    } catch (error) {
      // Never V8's message: it quotes the body around the fault, a token as often as not.
      throw new Invalid('invalid_json', `the body is ${(error as Error).message}`);
    }
    if (Array.isArray(parsed)) {
      if (parsed.length === 0) {
        throw new Invalid('empty_batch', 'the array holds no events: send at least one', [{ field: 'body', error: 'an empty array' }]);
      }
      return { items: parsed, rejected: [] };
    }
    if (typeof parsed === 'object' && parsed !== null) return { items: [parsed], rejected: [] };
    throw new Invalid('invalid_body', 'the body must be a JSON array of events, an event object, or NDJSON');
  }
  const items: unknown[] = [];
  const rejected: Rejection[] = [];
  let index = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    // Counted as the lines are read: 10 MiB of "x\n" was 4.5 M failed parses (52 s of a
    // blocked event loop, ~1 GB) before the 413 (red-team pass, 2026-12-07).
    if (index >= maxItems) throw new TooLarge('too_many_events', `a request may carry at most ${maxItems} events; this one has more`);
    try {
      items[index] = parseJson(line);
    } catch (error) {
      items[index] = undefined;
      rejected.push({ index, error: `line is ${(error as Error).message}` });
    }
    index += 1;
  }
  if (index === 0) throw new Invalid('empty_batch', 'the body holds no events: send at least one, one per line', [{ field: 'body', error: 'no lines' }]);
  return { items, rejected };
}

/**
 * What deduplication compares: the reporting key's id and the event id. A retry comes from
 * the gateway that sent the event; an id is no secret (Kong answers every client with
 * X-Kong-Request-Id, the id of its log record), so another key sending it first must not
 * make the real event pass for a retry and vanish (red-team pass, 2026-12-07).
 */
export function dedupKey(reportedBy: string, eventId: string): string {
  return `${reportedBy}\0${eventId}`;
}

export interface IngestorDeps {
  config: Config;
  spool: Spool;
  normalise: Normaliser;
  metrics: Metrics;
  logger: Logger;
  /** Whether a request of `n` events may go on now (room for their revocation handles); else 503. */
  admit?: (n: number) => boolean;
}

/** 503 for a request whose raw tokens' revocation handles would not fit (HandleStore.hasRoom). */
export function handlesBacklog(): Unavailable {
  return new Unavailable('overloaded', 'revocation handles are being written; retry shortly', [], 1);
}

export class Ingestor {
  private readonly parse: (input: unknown) => EventParseResult;
  private readonly recent: RecentIds;
  /** Ids of events in requests not yet acknowledged: a concurrent retry waits its turn. */
  private readonly inflight = new Set<string>();

  constructor(private readonly deps: IngestorDeps) {
    const { ingest } = deps.config;
    this.parse = createEventParser({
      maxStringLength: ingest.max_string_length,
      maxFutureSkewMs: ingest.max_future_skew_seconds * 1000,
      maxAgeMs: ingest.max_age_days * 86_400_000,
    });
    this.recent = new RecentIds(ingest.dedup_max_ids, ingest.dedup_window_seconds * 1000);
  }

  /**
   * Remembers events already stored or spooled (at start), so retries after a restart are
   * caught: each by the key that reported it and its id (see dedupKey).
   */
  remember(events: Iterable<{ reported_by: string; event_id: string }>): void {
    for (const e of events) this.recent.add(dedupKey(e.reported_by, e.event_id));
  }

  /**
   * Parses and ingests a request body. The parsed events live only inside the synchronous
   * prepare step: while the request waits for the spool's sync, it holds its bytes, not
   * thousands of objects (concurrent requests share one sync, so they would all be live).
   */
  ingestBody(body: Buffer | string, ndjson: boolean, receivedAt = Date.now(), keyId?: string): Promise<IngestResult> {
    let prepared: Prepared;
    try {
      prepared = this.prepareBody(body, ndjson, receivedAt, reporterFor(this.deps.config, keyId));
    } catch (error) {
      return Promise.reject(error);
    }
    return this.commit(prepared);
  }

  /**
   * Ingests parsed items. `keyId`: the key that sent them (request.keyId), recorded as
   * reported_by. `extras[i]`, when given, adds columns to item i's row that the usage event
   * does not carry (a gateway's token reference); items already rejected by the caller
   * (parseRejections) are skipped.
   */
  async ingest(
    items: unknown[],
    parseRejections: Rejection[] = [],
    receivedAt = Date.now(),
    keyId?: string,
    extras?: readonly (Partial<UsageRow> | undefined)[],
  ): Promise<IngestResult> {
    return this.commit(this.prepare(items, parseRejections, receivedAt, reporterFor(this.deps.config, keyId), extras));
  }

  private prepareBody(body: Buffer | string, ndjson: boolean, receivedAt: number, reporter: Reporter): Prepared {
    const { items, rejected } = parseBatch(body, ndjson, this.deps.config.server.max_events_per_request);
    return this.prepare(items, rejected, receivedAt, reporter);
  }

  /** Validates, normalises and serialises; the rows' ids are in flight until commit() ends. */
  private prepare(
    items: unknown[],
    parseRejections: Rejection[],
    receivedAt: number,
    reporter: Reporter,
    extras?: readonly (Partial<UsageRow> | undefined)[],
  ): Prepared {
    const { config, normalise, metrics } = this.deps;
    if (items.length > config.server.max_events_per_request) {
      throw new TooLarge(
        'too_many_events',
        `a request may carry at most ${config.server.max_events_per_request} events; this one has ${items.length}`,
      );
    }
    if (this.deps.admit && !this.deps.admit(items.length)) {
      metrics.ingestRefused.inc({ reason: 'handles' });
      throw handlesBacklog();
    }
    const rejected = [...parseRejections];
    // One string grown by appends, encoded once: cheaper than an array join (the rope is
    // flattened straight into the buffer).
    let lines = '';
    const ids: string[] = [];
    let duplicates = 0;
    const failedLines = new Set(parseRejections.map((r) => r.index));

    for (let index = 0; index < items.length; index++) {
      if (failedLines.has(index)) continue;
      const parsed = this.parse(items[index]);
      if (!parsed.success) {
        rejected.push({ index, error: describeIssues(parsed.error) });
        continue;
      }
      const row = normalise(parsed.data, receivedAt, reporter);
      if ('refused' in row) {
        rejected.push({ index, error: row.refused });
        continue;
      }
      const extra = extras?.[index];
      if (extra !== undefined) Object.assign(row, extra);
      const id = dedupKey(row.reported_by, row.event_id);
      if (this.recent.has(id) || this.inflight.has(id)) {
        duplicates += 1;
        continue;
      }
      this.inflight.add(id);
      ids.push(id);
      lines += JSON.stringify(row) + '\n';
    }
    rejected.sort((a, b) => a.index - b.index);
    metrics.eventsRejected.inc(rejected.length);
    if (ids.length === 0 && duplicates === 0) {
      throw new Invalid('invalid_events', 'no valid event in the request', rejected);
    }
    return { data: ids.length > 0 ? Buffer.from(lines) : undefined, ids, duplicates, rejected };
  }

  /** Appends the rows to the spool (acknowledged once synced) and remembers their ids. */
  private async commit({ data, ids, duplicates, rejected }: Prepared): Promise<IngestResult> {
    const { spool, metrics } = this.deps;
    try {
      if (data) await spool.append(data);
      for (const id of ids) this.recent.add(id);
    } catch (error) {
      if (error instanceof SpoolFullError) {
        metrics.ingestRefused.inc({ reason: 'spool_full' });
        throw new Unavailable(
          'spool_full',
          'the warehouse is not keeping up and the spool is full; retry later',
          [],
          RETRY_AFTER_SECONDS,
        );
      }
      throw error;
    } finally {
      for (const id of ids) this.inflight.delete(id);
    }
    metrics.eventsAccepted.inc(ids.length);
    metrics.eventsDuplicate.inc(duplicates);
    metrics.spoolBytes.set(spool.pendingBytes());
    return { accepted: ids.length + duplicates, duplicates, rejected };
  }
}

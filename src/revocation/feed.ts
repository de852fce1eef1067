/**
 * The revocation feed gateways follow: revoked fingerprints in the order tokenwatch
 * learnt of them, with a resumable cursor. Polling reads the warehouse; the SSE stream
 * reads it once, then gets revocations made by this process the moment they are done and
 * polls the warehouse every second for the rest (lifecycle events, other processes).
 */
import { EventEmitter } from 'node:events';
import { z } from 'zod';
import { count64, defineQuery, TABLES, type Warehouse } from '../warehouse/warehouse.js';

export interface FeedEntry {
  token_fingerprint: string;
  revoked_at: string;
  source: string;
  reason: string;
  cursor: string;
}

/** Feed entries after a cursor, in the feed's order. */
const entriesAfter = defineQuery({
  name: 'revocation_feed',
  sql: `SELECT toUnixTimestamp64Milli(recorded_at) AS recorded_ms, token_fingerprint,
               formatDateTime(revoked_at, '%Y-%m-%dT%H:%i:%S.%fZ', 'UTC') AS revoked_at, toString(source) AS source, reason
        FROM ${TABLES.revocationFeed} FINAL
        WHERE (toUnixTimestamp64Milli(recorded_at), token_fingerprint) > ({ms:Int64}, {fp:String})
        ORDER BY recorded_at, token_fingerprint
        LIMIT {limit:UInt32}`,
  params: z.object({ ms: z.number().int(), fp: z.string(), limit: z.number().int().positive() }),
  row: z.object({ recorded_ms: count64, token_fingerprint: z.string(), revoked_at: z.string(), source: z.string(), reason: z.string() }),
});

/** Cursor: milliseconds and fingerprint of the last entry seen, opaque to clients. */
export function encodeCursor(ms: number, fp: string): string {
  return Buffer.from(`${ms}.${fp}`).toString('base64url');
}

export function decodeCursor(cursor: string): { ms: number; fp: string } | undefined {
  const m = /^(\d{1,15})\.([0-9a-f]{0,64})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return m ? { ms: Number(m[1]), fp: m[2]! } : undefined;
}

export class RevocationFeed {
  private readonly events = new EventEmitter();

  constructor(private readonly warehouse: Warehouse) {
    this.events.setMaxListeners(0);
  }

  async read(since: { ms: number; fp: string } | undefined, limit: number): Promise<{ entries: FeedEntry[]; next_cursor: string | null }> {
    const rows = await entriesAfter(this.warehouse, { ms: since?.ms ?? -1, fp: since?.fp ?? '', limit });
    const entries = rows.map((r) => ({
      token_fingerprint: r.token_fingerprint,
      revoked_at: r.revoked_at.replace(/(\.\d{3})\d*Z$/, '$1Z'),
      source: r.source,
      reason: r.reason,
      cursor: encodeCursor(r.recorded_ms, r.token_fingerprint),
    }));
    const last = entries.at(-1);
    return { entries, next_cursor: last ? last.cursor : since ? encodeCursor(since.ms, since.fp) : null };
  }

  /** A revocation this process just completed, for live streams (it reaches the warehouse too). */
  publish(entry: Omit<FeedEntry, 'cursor'>, recordedMs: number): void {
    this.events.emit('entry', { ...entry, cursor: encodeCursor(recordedMs, entry.token_fingerprint) });
  }

  subscribe(listener: (entry: FeedEntry) => void): () => void {
    this.events.on('entry', listener);
    return () => this.events.off('entry', listener);
  }
}

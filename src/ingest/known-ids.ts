/**
 * The event ids an ingestor has to know at start so that a gateway retrying across a
 * restart does not count twice: those stored within the dedup window, and those still
 * in the spool.
 */
import { z } from 'zod';
import type { Config } from '../config.js';
import { parseJson } from '../json.js';
import { defineQuery, TABLES, type Warehouse } from '../warehouse/warehouse.js';
import type { Spool } from './spool.js';

/** An event as the dedup set knows it: by the key that reported it and its id (Ingestor.remember, dedupKey). */
export interface KnownEvent {
  reported_by: string;
  event_id: string;
}

const recentEventIds = defineQuery({
  name: 'recent_event_ids',
  sql: `SELECT reported_by, event_id FROM ${TABLES.usageEvents}
        WHERE ts >= now64(3) - toIntervalSecond({window:UInt32} + {skew:UInt32}) - toIntervalDay({age:UInt32})
          AND received_at >= now64(3) - toIntervalSecond({window:UInt32})
        LIMIT {max:UInt32}`,
  params: z.object({ window: z.number().int().nonnegative(), skew: z.number().int().nonnegative(), age: z.number().int().nonnegative(), max: z.number().int().nonnegative() }),
  row: z.object({ reported_by: z.string(), event_id: z.string() }),
});

/** Event ids stored within the dedup window (ingest.dedup_window_seconds, at most ingest.dedup_max_ids). */
export async function storedEventIds(warehouse: Warehouse, config: Config): Promise<KnownEvent[]> {
  const { dedup_window_seconds: window, dedup_max_ids: max } = config.ingest;
  if (window === 0 || max === 0) return [];
  return await recentEventIds(warehouse, { window, skew: config.ingest.max_future_skew_seconds, age: config.ingest.max_age_days, max });
}

/** A spool line's event (usage rows as the normaliser wrote them; older lines may lack reported_by). */
const spooledEvent = z.object({ reported_by: z.string().default(''), event_id: z.string() });

/** Event ids of the spool's pending lines. A damaged line is left to the flusher, and its text never reaches a message. */
export function* spooledEventIds(spool: Pick<Spool, 'pendingLines'>): Generator<KnownEvent> {
  for (const line of spool.pendingLines()) {
    let value: unknown;
    try {
      value = parseJson(line);
    } catch {
      continue;
    }
    const parsed = spooledEvent.safeParse(value);
    if (parsed.success) yield parsed.data;
  }
}

/**
 * The revocation audit in the warehouse: each state of each revocation (a newer version
 * of its row) and each attempt against a target. Rows are batched and written every
 * half second; what could not be written stays queued and is retried, and the outbox
 * keeps final revocations until their rows are in.
 */
import type { Logger } from 'pino';
import { z } from 'zod';
import { clickHouseTime, defineInsert, TABLES, toClickHouseTime, type Warehouse } from '../warehouse/warehouse.js';
import { REVOCATION_SOURCES, REVOCATION_STATUSES, SCOPES, type Revocation } from './outbox.js';

const FLUSH_MS = 500;

export interface AttemptRecord {
  revocation_id: string;
  attempt: number;
  ts: number;
  target: string;
  http_status: number;
  latency_ms: number;
  outcome: 'done' | 'retry' | 'failed' | 'skipped';
  error: string;
}

const t = (ms: number) => toClickHouseTime(new Date(ms));

const count = z.number().int().nonnegative();

/** One version of a revocation's row, as written (audit-rows.ts reads it back with the same columns). */
export const revocationColumns = z.object({
  revocation_id: z.string(),
  token_fingerprint: z.string(),
  scope: z.enum(SCOPES),
  target: z.string(),
  source: z.enum(REVOCATION_SOURCES),
  actor: z.string(),
  reason: z.string(),
  flag_id: z.string(),
  job_id: z.string(),
  app_id: z.string(),
  user_id: z.string(),
  status: z.enum(REVOCATION_STATUSES),
  attempts: count,
  last_http_status: count,
  last_error: z.string(),
  requested_at: clickHouseTime,
  updated_at: clickHouseTime,
});
const insertRevocations = defineInsert({ table: TABLES.revocations, row: revocationColumns });

/** One attempt against a target. */
const insertAttempts = defineInsert({
  table: TABLES.revocationAttempts,
  row: z.object({
    revocation_id: z.string(),
    attempt: count,
    ts: clickHouseTime,
    target: z.string(),
    http_status: count,
    latency_ms: z.number().nonnegative(),
    outcome: z.enum(['done', 'retry', 'failed', 'skipped']),
    error: z.string(),
  }),
});

/** The lifecycle `revoked` event of a token tokenwatch revoked. */
const revokedEventColumns = z.object({
  event_id: z.string(),
  event: z.literal('revoked'),
  ts: clickHouseTime,
  received_at: clickHouseTime,
  token_fingerprint: z.string(),
  token_type: z.string(),
  app_id: z.string(),
  user_id: z.string(),
  source: z.enum(REVOCATION_SOURCES),
  reason: z.string(),
});
const insertRevokedEvents = defineInsert({ table: TABLES.tokenEvents, row: revokedEventColumns });

function revocationRow(r: Revocation): z.input<typeof revocationColumns> {
  return {
    revocation_id: r.id,
    token_fingerprint: r.token_fingerprint,
    scope: r.scope,
    target: r.target,
    source: r.source,
    actor: r.actor,
    reason: r.reason,
    flag_id: r.flag_id,
    job_id: r.job_id,
    app_id: r.app_id,
    user_id: r.user_id,
    status: r.status,
    attempts: r.attempts,
    last_http_status: r.last_http_status,
    last_error: r.last_error,
    requested_at: t(r.requested_at),
    updated_at: t(r.updated_at),
  };
}

export class AuditWriter {
  private revs = new Map<string, Revocation>();
  private attempts: AttemptRecord[] = [];
  private revokedEvents: z.input<typeof revokedEventColumns>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly warehouse: Warehouse,
    private readonly logger: Logger,
    /** Told which final revocations are safely in the warehouse. */
    private readonly onWritten: (ids: string[]) => void,
  ) {}

  record(rev: Revocation): void {
    this.revs.set(rev.id, { ...rev });
    this.schedule();
  }

  attempt(a: AttemptRecord): void {
    this.attempts.push(a);
    this.schedule();
  }

  /**
   * A token tokenwatch revoked: a lifecycle `revoked` event, so the registry shows it
   * revoked and the revocation feed (through its view) carries it to the gateways.
   */
  revoked(rev: Revocation, at: number): void {
    this.revokedEvents.push({
        event_id: `revocation-${rev.id}`,
        event: 'revoked',
        ts: t(at),
        // The feed's order: the same instant the live stream announces (rev.updated_at).
        received_at: t(rev.updated_at),
        token_fingerprint: rev.token_fingerprint,
        token_type: rev.token_type,
        app_id: rev.app_id,
        user_id: rev.user_id,
        source: rev.source,
        reason: rev.reason,
    });
    // The feed is what gateways wait for: write it now, not at the next tick.
    void this.flush();
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  async flush(): Promise<void> {
    // One write at a time: whoever waited for the last one re-checks, so a flush() that
    // resolves has seen every row queued before it was called written (or re-queued).
    while (this.flushing) await this.flushing;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const revs = this.revs;
    const attempts = this.attempts;
    const events = this.revokedEvents;
    if (revs.size === 0 && attempts.length === 0 && events.length === 0) return;
    this.revs = new Map();
    this.attempts = [];
    this.revokedEvents = [];
    this.flushing = (async () => {
      try {
        await insertRevokedEvents(this.warehouse, events);
        await insertRevocations(this.warehouse, [...revs.values()].map(revocationRow));
        await insertAttempts(this.warehouse, attempts.map((a) => ({ ...a, ts: t(a.ts) })));
        this.onWritten([...revs.keys()]);
      } catch (error) {
        this.logger.warn({ err: error }, 'revocation audit not written yet; retrying');
        for (const [id, rev] of revs) if (!this.revs.has(id)) this.revs.set(id, rev);
        this.attempts.unshift(...attempts);
        this.revokedEvents.unshift(...events);
        this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS * 4);
      }
    })().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  async close(): Promise<void> {
    await this.flush();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

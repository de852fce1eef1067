/**
 * Revocation handles: the raw tokens of the types some target needs, sealed by the vault,
 * kept in the warehouse until the token expires or is revoked. Writing them is off the
 * ingest path: a bounded buffer flushed every second; a handle that cannot be stored
 * (warehouse down for long, buffer full) is counted, and its token's revocation fails
 * later with `no_revocation_handle`, visibly.
 *
 * Deleting them is batched too: a revoked token's handle is masked at once (lookup()
 * never returns it again) and deleted with the others of the same second in one
 * statement. A DELETE in ClickHouse is a mutation of every part that holds the rows,
 * far too dear to run once per revocation at a bulk job's pace (measured: 2,797 one-token
 * DELETEs took the warehouse 9.7 M ms of summed waiting and held a 200/s job at 17/s).
 * close() runs the deletes still pending; sweep(), at start, deletes what a crash left behind.
 */
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Metrics } from '../metrics.js';
import { clickHouseTime, defineCommand, defineInsert, defineQuery, TABLES, toClickHouseTime, type Warehouse } from '../warehouse/warehouse.js';
import type { Vault } from './vault.js';

const FLUSH_MS = 1000;
const MAX_BUFFER = 50_000;
/**
 * Rows that start a flush at once, without waiting for the timer. A buffer filled within
 * one timer tick dropped handles: one ingest key sending 80,000 invented raw tokens in 2 s
 * got 30,000 handles dropped, a real token's among them, whose revocation would then fail
 * with no_revocation_handle (red-team pass, 2026-12-07).
 */
const FLUSH_ROWS = 5_000;
/** Fingerprints stored recently (or revoked): the same token on every request is sealed once. */
const RECENT_MAX = 200_000;
/** Deletes of used handles are gathered this long, then run as one statement. */
const FORGET_MS = 1000;
/** Fingerprints per DELETE statement at most: bounds the statement (its IN set) after a long outage. */
const FORGET_BATCH = 5000;
/** After a failed DELETE, wait this long before the next try. */
const FORGET_RETRY_MS = 5000;

const handleColumns = z.object({
  token_fingerprint: z.string(),
  token_type: z.string(),
  sealed: z.string(),
  /** Unix seconds. */
  expires_at: z.number().int(),
  created_at: clickHouseTime,
});
const insertHandles = defineInsert({ table: TABLES.revocationHandles, row: handleColumns });

/** The newest sealed handle of each token that has one, unexpired. */
const liveHandles = defineQuery({
  name: 'revocation_handles',
  sql: `SELECT token_fingerprint, argMax(sealed, created_at) AS sealed FROM ${TABLES.revocationHandles}
        WHERE token_fingerprint IN {fps:Array(String)} AND expires_at > now() GROUP BY token_fingerprint`,
  params: z.object({ fps: z.array(z.string()) }),
  row: z.object({ token_fingerprint: z.string(), sealed: z.string() }),
});

const deleteHandles = defineCommand({
  name: 'revocation_handles_delete',
  sql: `DELETE FROM ${TABLES.revocationHandles} WHERE token_fingerprint IN {fps:Array(String)}`,
  params: z.object({ fps: z.array(z.string()) }),
});

/** Handles of tokens already revoked (a crash came between the revocation and the delete). */
const revokedHandles = defineQuery({
  name: 'revocation_handles_revoked',
  sql: `SELECT DISTINCT token_fingerprint FROM ${TABLES.revocationHandles}
        WHERE token_fingerprint IN (SELECT token_fingerprint FROM ${TABLES.tokenEvents} WHERE event = 'revoked')`,
  params: z.object({}),
  row: z.object({ token_fingerprint: z.string() }),
});

interface BufferedHandle {
  fp: string;
  row: z.input<typeof handleColumns>;
}

export class HandleStore {
  private buffer: BufferedHandle[] = [];
  private readonly recent = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  /** Revoked tokens whose handles are not deleted yet: never returned by lookup(), never stored again. */
  private readonly forgotten = new Set<string>();
  /** Of those, the ones no DELETE has been sent for yet. */
  private unsent = new Set<string>();
  private forgetTimer: NodeJS.Timeout | undefined;
  private deleting: Promise<void> | undefined;
  dropped = 0;
  /** The last write of handles failed (the warehouse is down): hasRoom() does not hold ingest back then. */
  private failing = false;

  constructor(
    private readonly warehouse: Warehouse,
    private readonly vault: Vault,
    /** Token types some target lists in its token_types. */
    readonly types: ReadonlySet<string>,
    private readonly defaultTtlDays: number,
    private readonly logger: Logger,
    private readonly metrics?: Metrics,
  ) {}

  wants(tokenType: string | undefined): boolean {
    return tokenType !== undefined && this.types.has(tokenType);
  }

  /**
   * Whether `n` more raw tokens would surely fit the buffer. Ingest asks before it takes a
   * request, and answers 503 when not: a flood of invented raw tokens then delays everyone's
   * batch (the gateways retry) instead of silently dropping a real token's handle.
   */
  hasRoom(n: number): boolean {
    // While the warehouse refuses the writes, ingest goes on into the spool as it always did
    // (an outage must not stop ingest), and what does not fit is dropped and counted.
    return this.types.size === 0 || this.failing || this.buffer.length + n <= MAX_BUFFER;
  }

  /** Keeps a sealed copy of a raw token (cheap; the write happens later). */
  remember(fp: string, token: string, tokenType: string, expiresAtMs?: number): void {
    if (!this.wants(tokenType) || this.recent.has(fp) || this.forgotten.has(fp)) return;
    if (this.buffer.length >= MAX_BUFFER) {
      this.dropped += 1;
      return;
    }
    if (this.recent.size >= RECENT_MAX) this.recent.clear();
    this.recent.add(fp);
    const expires = expiresAtMs && expiresAtMs > Date.now() ? expiresAtMs : Date.now() + this.defaultTtlDays * 86_400_000;
    this.buffer.push({
      fp,
      row: {
        token_fingerprint: fp,
        token_type: tokenType,
        sealed: this.vault.seal(token, fp),
        expires_at: Math.floor(expires / 1000),
        created_at: toClickHouseTime(new Date()),
      },
    });
    if (this.buffer.length >= FLUSH_ROWS && !this.flushing && !this.failing) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  async flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    this.timer = undefined;
    const rows = this.buffer;
    if (rows.length === 0) return;
    this.buffer = [];
    this.flushing = insertHandles(this.warehouse, rows.map((r) => r.row))
      .then(() => {
        this.failing = false;
      })
      .catch((error: unknown) => {
        this.failing = true;
        this.logger.warn({ err: error, handles: rows.length }, 'could not store revocation handles; will retry');
        this.metrics?.warehouseErrors.inc({ operation: 'handles' });
        for (const r of rows) {
          if (this.forgotten.has(r.fp)) continue; // revoked meanwhile: no longer needed
          if (this.buffer.length < MAX_BUFFER) this.buffer.push(r);
          else this.dropped += 1;
        }
        this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS * 5);
      })
      .finally(() => {
        this.flushing = undefined;
        // What arrived meanwhile goes now if it is a flush's worth, else at the next tick;
        // after a failure only the retry timer set above runs (never a loop of failing writes).
        if (this.failing) return;
        if (this.buffer.length >= FLUSH_ROWS) void this.flush();
        else if (this.buffer.length > 0) this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
      });
    return this.flushing;
  }

  /** The raw tokens for these fingerprints, where a live handle exists (never for a token revoked through forget()). */
  async lookup(fps: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const wanted = fps.filter((fp) => !this.forgotten.has(fp));
    if (wanted.length === 0) return out;
    await this.flush();
    const rows = await liveHandles(this.warehouse, { fps: wanted });
    for (const r of rows) {
      // Revoked while the query ran: the mask wins over what the warehouse still holds.
      if (this.forgotten.has(r.token_fingerprint)) continue;
      try {
        out.set(r.token_fingerprint, this.vault.open(r.sealed, r.token_fingerprint));
      } catch {
        this.logger.error({ token_fingerprint: r.token_fingerprint }, 'a revocation handle does not open with the vault key');
      }
    }
    return out;
  }

  /**
   * The handles of revoked tokens are no longer needed: masked now, deleted within a
   * second together with the others (flushForgotten() runs the delete now).
   */
  forget(fps: string[]): void {
    if (fps.length === 0) return;
    const gone = new Set(fps);
    for (const fp of gone) {
      this.forgotten.add(fp);
      this.unsent.add(fp);
      if (this.recent.size >= RECENT_MAX) this.recent.clear();
      this.recent.add(fp);
    }
    if (this.buffer.some((r) => gone.has(r.fp))) this.buffer = this.buffer.filter((r) => !gone.has(r.fp));
    this.forgetTimer ??= setTimeout(() => void this.flushForgotten().catch(() => undefined), FORGET_MS);
  }

  /** Deletes the handles forgotten so far, a bounded batch per statement; rejects if the warehouse refuses (they stay masked and are retried). */
  async flushForgotten(): Promise<void> {
    if (this.forgetTimer) clearTimeout(this.forgetTimer);
    this.forgetTimer = undefined;
    while (this.deleting) await this.deleting;
    if (this.unsent.size === 0) return;
    this.deleting = this.deleteUnsent().finally(() => {
      this.deleting = undefined;
    });
    return this.deleting;
  }

  /** One pass over what is unsent now; what is forgotten meanwhile waits for the next second. */
  private async deleteUnsent(): Promise<void> {
    const all = [...this.unsent];
    this.unsent = new Set();
    for (let i = 0; i < all.length; i += FORGET_BATCH) {
      const fps = all.slice(i, i + FORGET_BATCH);
      try {
        // A handle being written right now lands before the statement that deletes it.
        await this.flushing;
        await deleteHandles(this.warehouse, { fps });
      } catch (error) {
        for (const fp of all.slice(i)) this.unsent.add(fp);
        this.logger.warn({ err: error, handles: this.unsent.size }, 'could not delete used revocation handles; they stay masked and will be retried');
        this.metrics?.warehouseErrors.inc({ operation: 'handles_delete' });
        this.forgetTimer ??= setTimeout(() => void this.flushForgotten().catch(() => undefined), FORGET_RETRY_MS);
        throw error;
      }
      for (const fp of fps) if (!this.unsent.has(fp)) this.forgotten.delete(fp);
    }
  }

  /**
   * Deletes the handles that a crash left behind: those of tokens already revoked (by
   * tokenwatch or by their identity provider), whose delete had not run yet.
   */
  async sweep(): Promise<number> {
    const rows = await revokedHandles(this.warehouse, {});
    this.forget(rows.map((r) => r.token_fingerprint));
    return rows.length;
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    await this.flush();
    try {
      while (this.unsent.size > 0) await this.flushForgotten();
    } catch (error) {
      this.logger.error({ err: error, handles: this.unsent.size }, 'used revocation handles not deleted at shutdown; the next start deletes them');
    }
    if (this.forgetTimer) clearTimeout(this.forgetTimer);
    this.forgetTimer = undefined;
  }
}

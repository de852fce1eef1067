/**
 * Revocation handles: the raw tokens of the types some target needs, sealed by the vault,
 * kept in the warehouse until the token expires or is revoked. Writing them is off the
 * ingest path: a bounded buffer flushed every second; a handle that cannot be stored
 * (warehouse down for long, buffer full) is counted, and its token's revocation fails
 * later with `no_revocation_handle`, visibly.
 */
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Metrics } from '../metrics.js';
import { TABLES, toClickHouseTime, type Warehouse } from '../warehouse/warehouse.js';
import type { Vault } from './vault.js';

const FLUSH_MS = 1000;
const MAX_BUFFER = 50_000;
/** Fingerprints stored recently: the same token on every request is sealed once. */
const RECENT_MAX = 200_000;

export class HandleStore {
  private buffer: string[] = [];
  private readonly recent = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  dropped = 0;

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

  /** Keeps a sealed copy of a raw token (cheap; the write happens later). */
  remember(fp: string, token: string, tokenType: string, expiresAtMs?: number): void {
    if (!this.wants(tokenType) || this.recent.has(fp)) return;
    if (this.buffer.length >= MAX_BUFFER) {
      this.dropped += 1;
      return;
    }
    if (this.recent.size >= RECENT_MAX) this.recent.clear();
    this.recent.add(fp);
    const expires = expiresAtMs && expiresAtMs > Date.now() ? expiresAtMs : Date.now() + this.defaultTtlDays * 86_400_000;
    this.buffer.push(
      JSON.stringify({
        token_fingerprint: fp,
        token_type: tokenType,
        sealed: this.vault.seal(token, fp),
        expires_at: Math.floor(expires / 1000),
        created_at: toClickHouseTime(new Date()),
      }),
    );
    this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  async flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    this.timer = undefined;
    const rows = this.buffer;
    if (rows.length === 0) return;
    this.buffer = [];
    this.flushing = this.warehouse
      .insertJsonEachRow(TABLES.revocationHandles, rows.join('\n') + '\n')
      .catch((error: unknown) => {
        this.logger.warn({ err: error, handles: rows.length }, 'could not store revocation handles; will retry');
        this.metrics?.warehouseErrors.inc({ operation: 'handles' });
        for (const row of rows) {
          if (this.buffer.length < MAX_BUFFER) this.buffer.push(row);
          else this.dropped += 1;
        }
        this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS * 5);
      })
      .finally(() => {
        this.flushing = undefined;
      });
    return this.flushing;
  }

  /** The raw tokens for these fingerprints, where a live handle exists. */
  async lookup(fps: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (fps.length === 0) return out;
    await this.flush();
    const rows = z
      .object({ token_fingerprint: z.string(), sealed: z.string() })
      .array()
      .parse(
        await this.warehouse.query(
          `SELECT token_fingerprint, argMax(sealed, created_at) AS sealed FROM ${TABLES.revocationHandles}
           WHERE token_fingerprint IN {fps:Array(String)} AND expires_at > now() GROUP BY token_fingerprint`,
          { fps },
        ),
      );
    for (const r of rows) {
      try {
        out.set(r.token_fingerprint, this.vault.open(r.sealed, r.token_fingerprint));
      } catch {
        this.logger.error({ token_fingerprint: r.token_fingerprint }, 'a revocation handle does not open with the vault key');
      }
    }
    return out;
  }

  /** Deletes handles of revoked tokens: they are no longer needed. */
  async forget(fps: string[]): Promise<void> {
    if (fps.length === 0) return;
    for (const fp of fps) this.recent.delete(fp);
    await this.warehouse.command(`DELETE FROM ${TABLES.revocationHandles} WHERE token_fingerprint IN {fps:Array(String)}`, { fps });
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    await this.flush();
  }
}

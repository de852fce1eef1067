/**
 * The dispatcher: takes due revocations from the outbox and sends them, per target, at
 * the target's rate limit and concurrency, with exponential backoff and jitter between
 * attempts, a maximum number of attempts, and a circuit breaker that stops hammering a
 * target that keeps failing. Every attempt is audited; latency and success are measured
 * per target for the estimates.
 */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Metrics } from '../metrics.js';
import type { Adapter, AttemptOutcome } from './adapters/types.js';
import type { AuditWriter } from './audit.js';
import { CircuitBreaker, type BreakerState } from './breaker.js';
import { Ewma } from './ewma.js';
import type { HandleStore } from './handles.js';
import type { Outbox, Revocation } from './outbox.js';
import { TokenBucket } from './token-bucket.js';
import type { Vault } from './vault.js';

const BACKOFF_BASE_MS = 1000;
const BACKOFF_MAX_MS = 5 * 60_000;
/** Consecutive retryable failures that open the breaker, and how long it stays open. */
const BREAKER_THRESHOLD = 5;
const BREAKER_OPEN_MS = 30_000;
const TICK_MS = 25;
/**
 * A target's bucket holds this many seconds of its rate limit at most. Small on purpose:
 * a whole second's burst after an idle spell spends the target's own allowance at once,
 * and from then on any jitter in arrival times meets an empty bucket there (429). A
 * tenth of a second keeps the target's allowance as a cushion.
 */
const BURST_SECONDS = 0.1;
/** A 429 without Retry-After pauses the target this long. */
const THROTTLE_PAUSE_MS = 1000;
/** Handles looked up ahead of sending, in the same query as the ones needed now (5 s at 200/s). */
const HANDLE_PREFETCH = 1000;
/** Weight of the newest sample in the moving averages. */
const EWMA_ALPHA = 0.1;
/** Before any history: what the estimates assume about a target (documented). */
export const DEFAULT_LATENCY_MS = 200;
export const DEFAULT_SUCCESS_RATE = 1;

export interface TargetStats {
  target: string;
  rate_limit_per_sec: number;
  concurrency: number;
  latency_ms: number;
  success_rate: number;
  samples: number;
  inflight: number;
  breaker: BreakerState;
}

/** One target: its adapter and limits, bucket, breaker and measurements. */
class TargetState {
  readonly bucket: TokenBucket;
  readonly breaker = new CircuitBreaker(BREAKER_THRESHOLD, BREAKER_OPEN_MS);
  readonly latencyMs = new Ewma(DEFAULT_LATENCY_MS, EWMA_ALPHA);
  readonly successRate = new Ewma(DEFAULT_SUCCESS_RATE, EWMA_ALPHA);
  /** The target asked us to slow down (429): nothing is sent to it before this time. */
  holdUntil = 0;
  inflight = 0;

  constructor(
    readonly name: string,
    readonly adapter: Adapter,
    readonly ratePerSec: number,
    readonly concurrency: number,
    readonly maxAttempts: number,
  ) {
    this.bucket = new TokenBucket(ratePerSec, BURST_SECONDS);
  }

  measure(latencyMs: number, ok: boolean): void {
    this.latencyMs.add(latencyMs);
    this.successRate.add(ok ? 1 : 0);
  }
}

export class Dispatcher {
  private readonly targets = new Map<string, TargetState>();
  private timer: NodeJS.Timeout | undefined;
  private readonly inflight = new Set<Promise<void>>();
  /** Revocations being sent right now: still pending in the outbox, but not due again. */
  private readonly sending = new Set<string>();
  private readonly controller = new AbortController();
  private running = false;
  private readonly listeners: ((rev: Revocation) => void)[] = [];

  constructor(
    private readonly outbox: Outbox,
    adapters: Map<string, Adapter>,
    config: Config,
    private readonly handles: HandleStore,
    private readonly vault: Vault,
    private readonly audit: AuditWriter,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
  ) {
    for (const [name, adapter] of adapters) {
      const t = config.revocation.targets[name]!;
      this.targets.set(name, new TargetState(name, adapter, t.rate_limit_per_sec, t.concurrency, t.max_attempts));
    }
  }

  /** Called when a revocation reaches a final state. */
  onFinal(listener: (rev: Revocation) => void): void {
    this.listeners.push(listener);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /** Looks for due work now (after a new request). */
  kick(): void {
    if (this.running) this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.tick(), ms);
  }

  stats(): TargetStats[] {
    const now = Date.now();
    return [...this.targets.values()].map((s) => ({
      target: s.name,
      rate_limit_per_sec: s.ratePerSec,
      concurrency: s.concurrency,
      latency_ms: Math.round(s.latencyMs.value * 10) / 10,
      success_rate: Math.round(s.successRate.value * 1000) / 1000,
      samples: s.latencyMs.samples,
      inflight: s.inflight,
      breaker: s.breaker.state(now),
    }));
  }

  private tick(): void {
    this.timer = undefined;
    if (!this.running) return;
    const now = Date.now();
    let next = Infinity;
    for (const state of this.targets.values()) {
      const due = this.outbox.due(now, state.name).filter((r) => !this.sending.has(r.id));
      if (due.length === 0) continue;
      const breaker = state.breaker.state(now);
      if (breaker === 'open') {
        next = Math.min(next, state.breaker.openUntil - now);
        continue;
      }
      if (now < state.holdUntil) {
        next = Math.min(next, state.holdUntil - now);
        continue;
      }
      state.bucket.refill(now);
      const room = Math.min(state.concurrency - state.inflight, state.bucket.available(), state.breaker.room(breaker));
      const batch = due.slice(0, Math.max(0, room));
      if (batch.length > 0) {
        state.bucket.take(batch.length);
        state.breaker.started(breaker);
        state.inflight += batch.length;
        for (const r of batch) this.sending.add(r.id);
        // Each revocation frees its slot when it is done: a slow call does not hold the others'.
        const release = (rev: Revocation) => {
          if (!this.sending.delete(rev.id)) return;
          state.inflight -= 1;
          this.kick();
        };
        const work = this.send(state, batch, due.slice(batch.length), release).finally(() => {
          for (const r of batch) release(r);
          this.inflight.delete(work);
        });
        this.inflight.add(work);
      }
      if (due.length > batch.length) next = Math.min(next, TICK_MS);
    }
    // Wake for the earliest retry that is not due yet.
    for (const rev of this.outbox.revocations.values()) {
      if (rev.status === 'pending' && rev.next_attempt_at > now) next = Math.min(next, rev.next_attempt_at - now);
    }
    if (Number.isFinite(next)) this.schedule(Math.max(TICK_MS, next));
  }

  /**
   * Handles fetched ahead for revocations about to be sent: one lookup serves many, and
   * the next lookup starts while half of these are still unsent, so a send never waits
   * for one behind a slow warehouse call. Each resolves to the token, null (no handle),
   * or undefined (the lookup failed).
   */
  private readonly prefetched = new Map<string, Promise<string | null | undefined>>();

  private fetchHandles(fps: string[]): void {
    const lookup = this.handles.lookup(fps);
    lookup.catch((error: unknown) => this.logger.warn({ err: error }, 'revocation handles unavailable; attempts will retry'));
    for (const fp of fps) {
      this.prefetched.set(
        fp,
        lookup.then(
          (found) => found.get(fp) ?? null,
          () => undefined,
        ),
      );
    }
  }

  private async send(state: TargetState, batch: Revocation[], upcoming: Revocation[], release: (rev: Revocation) => void): Promise<void> {
    const tokens = new Map<string, string>();
    if (state.adapter.needsToken) {
      const needs = (r: Revocation) => !r.sealed_token && r.action === 'revoke_token';
      const missing = batch.filter((r) => needs(r) && !this.prefetched.has(r.token_fingerprint));
      const later = upcoming.filter((r) => needs(r));
      const ahead = later.filter((r) => !this.prefetched.has(r.token_fingerprint));
      if (missing.length > 0 || (ahead.length > 0 && later.length - ahead.length < HANDLE_PREFETCH / 2)) {
        this.fetchHandles([...missing, ...ahead.slice(0, HANDLE_PREFETCH)].map((r) => r.token_fingerprint));
      }
      const wanted = batch.filter(needs).map((r) => {
        const handle = this.prefetched.get(r.token_fingerprint)!;
        this.prefetched.delete(r.token_fingerprint);
        return { r, handle };
      });
      if (this.prefetched.size > 4 * HANDLE_PREFETCH) this.prefetched.clear();
      const unavailable = new Set<Revocation>();
      for (const { r, handle } of wanted) {
        const token = await handle;
        if (token === undefined) unavailable.add(r);
        else if (token !== null) tokens.set(r.token_fingerprint, token);
      }
      if (unavailable.size > 0) {
        for (const rev of unavailable) {
          await this.finish(state, rev, { kind: 'retry', error: 'revocation handles unavailable' }, 0, false);
          release(rev);
        }
        batch = batch.filter((r) => !unavailable.has(r));
      }
      for (const r of batch) {
        if (r.sealed_token) {
          try {
            tokens.set(r.token_fingerprint, this.vault.open(r.sealed_token, r.token_fingerprint));
          } catch {
            this.logger.error({ revocation_id: r.id }, 'sealed token does not open with the vault key');
          }
        }
      }
    }
    await Promise.all(
      batch.map(async (rev) => {
        const token = tokens.get(rev.token_fingerprint);
        if (state.adapter.needsToken && rev.action === 'revoke_token' && token === undefined) {
          await this.finish(state, rev, { kind: 'failed', error: 'no_revocation_handle' }, 0, false);
          release(rev);
          return;
        }
        const started = performance.now();
        let outcome: AttemptOutcome;
        try {
          outcome = await state.adapter.attempt(
            {
              revocation_id: rev.id,
              token_fingerprint: rev.token_fingerprint,
              token,
              token_type: rev.token_type || undefined,
              app_id: rev.app_id || undefined,
              account_id: rev.account_id || undefined,
              payload: rev.payload,
            },
            this.controller.signal,
          );
        } catch (error) {
          outcome = { kind: 'retry', error: `adapter error: ${(error as Error).message}` };
        }
        await this.finish(state, rev, outcome, performance.now() - started, true);
        release(rev);
      }),
    );
  }

  /** Applies an outcome; `sent`: the target was actually called (only then it counts for the breaker and the measurements). */
  private async finish(state: TargetState, rev: Revocation, outcome: AttemptOutcome, latencyMs: number, sent: boolean): Promise<void> {
    const now = Date.now();
    const attempt = rev.attempts + 1;
    const skipped = !sent;
    // 429: the target is alive and asks us to slow down. It pauses the target (Retry-After),
    // but it is no failure: it neither opens the breaker nor counts against the success rate.
    const throttled = !skipped && outcome.kind === 'retry' && outcome.http_status === 429;
    if (!skipped && !throttled) state.measure(latencyMs, outcome.kind === 'done');
    if (throttled) {
      state.holdUntil = Math.max(state.holdUntil, now + Math.min(BACKOFF_MAX_MS, outcome.retry_after_ms ?? THROTTLE_PAUSE_MS));
      state.bucket.drain();
    } else if (outcome.kind === 'retry' && !skipped) {
      if (state.breaker.failure(now)) {
        this.logger.error({ target: state.name, failures: state.breaker.failures }, 'target keeps failing: circuit breaker open');
      }
    } else if (!skipped) {
      state.breaker.success();
    }
    state.breaker.settled();

    // Cancelled while this attempt was in flight: it stays cancelled, unless the target did revoke.
    const current = this.outbox.revocations.get(rev.id) ?? rev;
    const base = current.status === 'cancelled' ? current : rev;
    const next: Revocation = { ...base, attempts: attempt, updated_at: now, last_http_status: outcome.http_status ?? 0 };
    if (current.status === 'cancelled' && outcome.kind !== 'done') {
      Object.assign(next, { last_error: outcome.error });
    } else if (outcome.kind === 'done') {
      Object.assign(next, { status: 'done', last_error: '', sealed_token: undefined });
    } else if (outcome.kind === 'failed') {
      Object.assign(next, { status: 'failed', last_error: outcome.error, alarm: outcome.alarm ?? false, sealed_token: undefined });
      if (outcome.alarm) this.logger.error({ target: state.name, revocation_id: rev.id, error: outcome.error }, 'revocation target refused us: check its configuration');
    } else if (attempt >= state.maxAttempts) {
      Object.assign(next, { status: 'failed', last_error: `gave up after ${attempt} attempts: ${outcome.error}`, sealed_token: undefined });
    } else {
      const backoff = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
      Object.assign(next, { last_error: outcome.error, next_attempt_at: now + Math.max(backoff, outcome.retry_after_ms ?? 0) });
    }
    await this.outbox.put(next);
    this.audit.record(next);
    this.audit.attempt({
      revocation_id: rev.id,
      attempt,
      ts: now,
      target: state.name,
      http_status: outcome.http_status ?? 0,
      latency_ms: latencyMs,
      outcome: skipped && outcome.kind === 'retry' ? 'skipped' : outcome.kind,
      error: outcome.kind === 'done' ? '' : outcome.error,
    });
    this.metrics.revocationAttempts.inc({ target: state.name, outcome: outcome.kind });
    if (next.status !== 'pending' && next.status !== current.status) {
      this.metrics.revocations.inc({ target: state.name, status: next.status });
      if (next.status === 'done' && next.action === 'revoke_token') {
        this.audit.revoked(next, now);
        // The handle is never used again: masked now, deleted with the others of this second.
        this.handles.forget([next.token_fingerprint]);
        this.prefetched.delete(next.token_fingerprint);
      }
      for (const listener of this.listeners) listener(next);
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await Promise.allSettled([...this.inflight]);
  }

  /** Aborts attempts in flight (used on shutdown after a grace period). */
  abort(): void {
    this.controller.abort();
  }
}

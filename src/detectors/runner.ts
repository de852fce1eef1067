/**
 * Runs detectors over a range: the scheduler's last few windows, or any past range for a
 * retro-hunt. Long ranges go in chunks so a detector's baseline stays "the history before
 * this chunk". New flags are stored once (deterministic ids), each run is recorded.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Config, DetectorName } from '../config.js';
import type { Metrics } from '../metrics.js';
import { clickHouseTime, count64, defineInsert, defineQuery, TABLES, toClickHouseTime, type Warehouse } from '../warehouse/warehouse.js';
import { FlagStore, type NewFlag } from './flags.js';
import { attachProvenance } from './provenance.js';
import { resolveThresholds, enabledDetectors } from './registry.js';
import type { Detector, DetectionRange } from './types.js';
import { windowStart } from './types.js';

/** One detector's run over one chunk of a range (the run log, for operators and Grafana). */
const runColumns = z.object({
  run_id: z.string(),
  detector: z.string(),
  trigger: z.string(),
  window_from: clickHouseTime,
  window_to: clickHouseTime,
  started_at: clickHouseTime,
  duration_ms: z.number().nonnegative(),
  findings: z.number().int().nonnegative(),
  new_flags: z.number().int().nonnegative(),
  outcome: z.enum(['ok', 'failed']),
  error: z.string(),
});
const insertRuns = defineInsert({ table: TABLES.detectorRuns, row: runColumns });

/**
 * Tokens with events in [from, before) received since `since`, and their windows. The raw
 * rows of the tokens used in those windows (minute rollup): a condition on the primary
 * key, where one on time alone reads every part of the day overlapping them, most of the
 * day once parts merge. ts too: a gateway clock ahead of ours stamps events after their receipt.
 */
const lateUses = defineQuery({
  name: 'late_uses',
  sql: `SELECT token_fingerprint, groupUniqArray(toUnixTimestamp(toStartOfInterval(ts, toIntervalSecond({w:UInt32})))) AS wins
        FROM ${TABLES.usageEvents}
        WHERE token_fingerprint IN (
                SELECT token_fingerprint FROM ${TABLES.usageToken1m}
                WHERE minute >= toStartOfMinute({from:DateTime64(3)}) AND minute < {before:DateTime64(3)})
          AND ts >= {from:DateTime64(3)} AND ts < {before:DateTime64(3)} AND (received_at >= {since:DateTime64(3)} OR ts >= {since:DateTime64(3)})
        GROUP BY token_fingerprint`,
  params: z.object({ from: z.date(), before: z.date(), since: z.date(), w: z.number().int().positive() }),
  row: z.object({ token_fingerprint: z.string(), wins: z.array(count64) }),
});

/** Tokens revoked or rotated (or rotated away from) by lifecycle events received since `since`. */
const lateLifecycle = defineQuery({
  name: 'late_lifecycle',
  sql: `SELECT DISTINCT arrayJoin([token_fingerprint, rotated_from]) AS fp FROM ${TABLES.tokenEvents}
        WHERE ts >= {oldest:DateTime64(3)} AND received_at >= {since:DateTime64(3)} AND event IN ('revoked', 'refreshed') AND fp != ''`,
  params: z.object({ oldest: z.date(), since: z.date() }),
  row: z.object({ fp: z.string() }),
});

/** Retro-hunts walk the range six hours at a time: baselines are "the history before the chunk". */
const CHUNK_MS = 6 * 60 * 60_000;
/**
 * An event received this long before a tick may still have been invisible to it: the
 * flusher writes every 200 ms, a large insert or a busy engine takes seconds more.
 */
const LATE_SLACK_MS = 60_000;
/** Lifecycle events (revocations, rotations) reported this much after their time are left to a retro-hunt. */
const LATE_LIFECYCLE_DAYS = 30;

export type Trigger = 'schedule' | 'api' | 'cli';

export interface RunRange {
  from: Date;
  to: Date;
  /**
   * The end of the previous scheduled tick whose detectors all succeeded: windows before
   * the current one are then re-examined only for tokens with events received since.
   */
  previous?: Date;
}

export interface RunResult {
  run_id: string;
  from: Date;
  to: Date;
  flags: NewFlag[];
  detectors: { detector: DetectorName; findings: number; new_flags: number; duration_ms: number; outcome: 'ok' | 'failed'; error?: string }[];
}

/** Called with the flags a run created (the revocation policy hooks in here). */
export type FlagListener = (flags: NewFlag[]) => Promise<void>;

export class DetectionRunner {
  readonly store: FlagStore;
  private readonly listeners: FlagListener[] = [];

  constructor(
    private readonly warehouse: Warehouse,
    private readonly config: Config,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    /** Flags are read and reviewed on the request path too: under its shorter time limit. */
    storeWarehouse: Warehouse = warehouse,
  ) {
    this.store = new FlagStore(storeWarehouse);
  }

  get windowMs(): number {
    return this.config.scheduler.window_minutes * 60_000;
  }

  onFlags(listener: FlagListener): void {
    this.listeners.push(listener);
  }

  /**
   * The scheduler's range at `now`: the current window and the configured number before
   * it, so that events arriving late (a gateway's batch, a spool replay) are examined in
   * the window they belong to.
   *
   * Re-reading those earlier windows in full every minute would cost three quarters of a
   * tick (at 5-minute windows and 3 of them: ~19.5 of ~20 minutes of events) to find what
   * the previous ticks already found. So a tick passes the end of the previous successful
   * one, and run() re-examines an earlier window only for the tokens with events there
   * received since then (usage_events.received_at, less a minute for events still being
   * written), and for the tokens with a revocation or rotation reported since (a late
   * lifecycle event changes how their earlier uses are judged). For every other token
   * nothing in those windows changed since a tick looked at them. A late event is judged
   * with all of its token's events of its window, as a full re-read would judge it.
   *
   * The first tick after a start, and any tick after one with a failed detector, examine
   * the whole range. A warehouse outage fails the ticks during it, so the first tick after
   * it looks at everything received since the last good one, replayed spool included.
   * Events that become visible more than a minute after their receipt while ticks succeed
   * (a warehouse refusing writes but answering reads), or more than the look-back after
   * their time, are left to a retro-hunt, as events older than the look-back always were.
   */
  scheduledRange(now = new Date()): RunRange {
    const start = windowStart(now.getTime(), this.windowMs) - this.config.scheduler.lookback_windows * this.windowMs;
    return { from: new Date(start), to: now, previous: this.lastTick };
  }

  /** End of the last scheduled tick whose detectors all succeeded. */
  private lastTick: Date | undefined;

  async run(range: RunRange, trigger: Trigger, only?: DetectorName[]): Promise<RunResult> {
    const run_id = randomUUID();
    const detectors = enabledDetectors(this.config).filter((d) => !only || only.includes(d.name));
    const result: RunResult = { run_id, from: range.from, to: range.to, flags: [], detectors: [] };
    const recheck = range.previous ? await this.lateTokens(range.from, range.to, range.previous).catch((error: unknown) => {
      this.logger.warn({ err: error }, 'could not find the late tokens: this tick examines its whole range');
      return undefined;
    }) : undefined;
    const totals = new Map<DetectorName, RunResult['detectors'][number]>();
    const runRows: z.input<typeof runColumns>[] = [];

    const first = windowStart(range.from.getTime(), this.windowMs);
    for (let chunkFrom = first; chunkFrom < range.to.getTime(); chunkFrom += CHUNK_MS) {
      const chunk: DetectionRange = {
        from: new Date(chunkFrom),
        to: new Date(Math.min(chunkFrom + CHUNK_MS, range.to.getTime())),
        windowMs: this.windowMs,
        recheck,
      };
      for (const detector of detectors) {
        const outcome = await this.runOne(detector, chunk);
        const total = totals.get(detector.name) ?? { detector: detector.name, findings: 0, new_flags: 0, duration_ms: 0, outcome: 'ok' as const };
        total.findings += outcome.findings;
        total.new_flags += outcome.flags.length;
        total.duration_ms += outcome.duration_ms;
        if (outcome.error) Object.assign(total, { outcome: 'failed', error: outcome.error });
        totals.set(detector.name, total);
        result.flags.push(...outcome.flags);
        runRows.push({
          run_id,
          detector: detector.name,
          trigger,
          window_from: toClickHouseTime(chunk.from),
          window_to: toClickHouseTime(chunk.to),
          started_at: toClickHouseTime(outcome.started),
          duration_ms: outcome.duration_ms,
          findings: outcome.findings,
          new_flags: outcome.flags.length,
          outcome: outcome.error ? 'failed' : 'ok',
          error: outcome.error ?? '',
        });
      }
    }
    result.detectors = [...totals.values()];
    if (trigger === 'schedule' && !only && result.detectors.every((d) => d.outcome === 'ok')) {
      if (!this.lastTick || range.to > this.lastTick) this.lastTick = range.to;
    }
    if (runRows.length > 0) {
      try {
        await insertRuns(this.warehouse, runRows);
      } catch (error) {
        this.logger.warn({ err: error }, 'could not record detector runs');
      }
    }
    if (result.flags.length > 0) {
      for (const listener of this.listeners) await listener(result.flags);
    }
    return result;
  }

  /**
   * For a tick over [from, to) after one that ended at `previous`: the windows before the
   * current one, and the tokens with events there that `previous` may not have seen.
   * Undefined (examine everything) when the previous tick is too old to vouch for them.
   */
  private async lateTokens(from: Date, to: Date, previous: Date): Promise<DetectionRange['recheck']> {
    const before = new Date(Math.max(from.getTime(), windowStart(to.getTime(), this.windowMs)));
    const since = new Date(previous.getTime() - LATE_SLACK_MS);
    if (since <= from) return undefined;
    if (before <= from) return { before, tokens: [], windows: [] };
    const rows = await lateUses(this.warehouse, { from, before, since, w: this.windowMs / 1000 });
    // A lifecycle event reported late (a revocation, a rotation) changes how the token's
    // earlier uses are judged (revoked_use, refresh_reuse): all its earlier windows again.
    const lifecycle = (await lateLifecycle(this.warehouse, { oldest: new Date(from.getTime() - LATE_LIFECYCLE_DAYS * 86_400_000), since })).map((r) => r.fp);
    const earlier: number[] = [];
    for (let w = windowStart(from.getTime(), this.windowMs); w < before.getTime(); w += this.windowMs) earlier.push(w / 1000);
    rows.push(...lifecycle.map((fp) => ({ token_fingerprint: fp, wins: earlier })));
    const windows = new Map<number, string[]>();
    for (const r of rows) {
      for (const w of r.wins) {
        const list = windows.get(w);
        if (list) list.push(r.token_fingerprint);
        else windows.set(w, [r.token_fingerprint]);
      }
    }
    return {
      before,
      tokens: [...new Set(rows.map((r) => r.token_fingerprint))],
      windows: [...windows].sort(([a], [b]) => a - b).map(([w, tokens]) => ({ start: new Date(w * 1000), tokens })),
    };
  }

  private async runOne(detector: Detector, range: DetectionRange) {
    const started = new Date();
    const stop = this.metrics.detectorSeconds.startTimer({ detector: detector.name });
    try {
      const findings = await detector.detect({ warehouse: this.warehouse, range, t: resolveThresholds(detector, this.config) });
      const chosen = await this.store.select(detector.name, findings);
      // New flags only: who reported their evidence, and where a reported place contradicts the lookup.
      await attachProvenance(this.warehouse, chosen.map((c) => c.finding));
      const flags: NewFlag[] = chosen.map((c) => ({ id: c.id, detector: detector.name, finding: c.finding, status: 'open' }));
      await this.store.insert(flags);
      for (const f of flags) this.metrics.flagsRaised.inc({ detector: detector.name, severity: f.finding.severity });
      this.metrics.detectorRuns.inc({ detector: detector.name, outcome: 'ok' });
      return { started, findings: findings.length, flags, duration_ms: stop() * 1000 };
    } catch (error) {
      this.metrics.detectorRuns.inc({ detector: detector.name, outcome: 'failed' });
      this.logger.error({ err: error, detector: detector.name }, 'detector failed');
      return { started, findings: 0, flags: [] as NewFlag[], duration_ms: stop() * 1000, error: (error as Error).message };
    }
  }
}

/**
 * Runs detectors over a range: the scheduler's last few windows, or any past range for a
 * retro-hunt. Long ranges go in chunks so a detector's baseline stays "the history before
 * this chunk". New flags are stored once (deterministic ids), each run is recorded.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config, DetectorName } from '../config.js';
import type { Metrics } from '../metrics.js';
import { TABLES, toClickHouseTime, type Warehouse } from '../warehouse/warehouse.js';
import { FlagStore, type NewFlag } from './flags.js';
import { resolveThresholds, enabledDetectors } from './registry.js';
import type { Detector, DetectionRange } from './types.js';
import { windowStart } from './types.js';

/** Retro-hunts walk the range six hours at a time: baselines are "the history before the chunk". */
const CHUNK_MS = 6 * 60 * 60_000;

export type Trigger = 'schedule' | 'api' | 'cli';

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
  ) {
    this.store = new FlagStore(warehouse);
  }

  get windowMs(): number {
    return this.config.scheduler.window_minutes * 60_000;
  }

  onFlags(listener: FlagListener): void {
    this.listeners.push(listener);
  }

  /** The scheduler's range at `now`: the current window and the configured number before it. */
  scheduledRange(now = new Date()): { from: Date; to: Date } {
    const start = windowStart(now.getTime(), this.windowMs) - this.config.scheduler.lookback_windows * this.windowMs;
    return { from: new Date(start), to: now };
  }

  async run(range: { from: Date; to: Date }, trigger: Trigger, only?: DetectorName[]): Promise<RunResult> {
    const run_id = randomUUID();
    const detectors = enabledDetectors(this.config).filter((d) => !only || only.includes(d.name));
    const result: RunResult = { run_id, from: range.from, to: range.to, flags: [], detectors: [] };
    const totals = new Map<DetectorName, RunResult['detectors'][number]>();
    const runRows: string[] = [];

    const first = windowStart(range.from.getTime(), this.windowMs);
    for (let chunkFrom = first; chunkFrom < range.to.getTime(); chunkFrom += CHUNK_MS) {
      const chunk: DetectionRange = {
        from: new Date(chunkFrom),
        to: new Date(Math.min(chunkFrom + CHUNK_MS, range.to.getTime())),
        windowMs: this.windowMs,
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
        runRows.push(
          JSON.stringify({
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
          }),
        );
      }
    }
    result.detectors = [...totals.values()];
    if (runRows.length > 0) {
      try {
        await this.warehouse.insertJsonEachRow(TABLES.detectorRuns, runRows.join('\n') + '\n');
      } catch (error) {
        this.logger.warn({ err: error }, 'could not record detector runs');
      }
    }
    if (result.flags.length > 0) {
      for (const listener of this.listeners) await listener(result.flags);
    }
    return result;
  }

  private async runOne(detector: Detector, range: DetectionRange) {
    const started = new Date();
    const stop = this.metrics.detectorSeconds.startTimer({ detector: detector.name });
    try {
      const findings = await detector.detect({ warehouse: this.warehouse, range, t: resolveThresholds(detector, this.config) });
      const chosen = await this.store.select(detector.name, findings);
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

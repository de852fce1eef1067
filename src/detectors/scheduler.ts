/**
 * One scheduler table: each job has a name, a cron schedule, never overlaps itself, and
 * reports its duration and outcome as metrics. The same job runs once from the CLI.
 */
import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics.js';

export interface Job {
  name: string;
  schedule: string;
  run(): Promise<unknown>;
}

export class Scheduler {
  private readonly tasks: ScheduledTask[] = [];
  private readonly running = new Map<string, Promise<void>>();

  constructor(
    private readonly jobs: Job[],
    private readonly metrics: Metrics,
    private readonly logger: Logger,
  ) {
    for (const job of jobs) {
      if (!cron.validate(job.schedule)) throw new Error(`job ${job.name}: invalid cron expression "${job.schedule}"`);
    }
  }

  /** Runs a job now unless its previous run is still going (then it is skipped and counted). */
  trigger(name: string): Promise<void> {
    const job = this.jobs.find((j) => j.name === name);
    if (!job) return Promise.reject(new Error(`no job ${name}`));
    const current = this.running.get(name);
    if (current) {
      this.metrics.jobRuns.inc({ job: name, outcome: 'skipped_overlap' });
      this.logger.warn({ job: name }, 'previous run still going: this run is skipped');
      return current;
    }
    const stop = this.metrics.jobSeconds.startTimer({ job: name });
    const run = job
      .run()
      .then(
        () => this.metrics.jobRuns.inc({ job: name, outcome: 'ok' }),
        (error: unknown) => {
          this.metrics.jobRuns.inc({ job: name, outcome: 'failed' });
          this.logger.error({ err: error, job: name }, 'scheduled job failed');
        },
      )
      .finally(() => {
        stop();
        this.running.delete(name);
      });
    this.running.set(name, run);
    return run;
  }

  start(): void {
    for (const job of this.jobs) {
      this.tasks.push(cron.schedule(job.schedule, () => this.trigger(job.name), { name: job.name, timezone: 'UTC' }));
    }
  }

  async stop(): Promise<void> {
    for (const task of this.tasks) await task.destroy();
    this.tasks.length = 0;
    await Promise.all(this.running.values());
  }
}

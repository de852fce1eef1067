/**
 * Bulk revocation jobs (a family, a user, an app, everything): durable in the outbox,
 * walking the live tokens in fingerprint order a page at a time, a few seconds of work
 * ahead of the dispatcher, so they go at the target's pace and resume after a restart.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { Conflict, NotFound } from '../errors.js';
import { countLive, liveTokensPage, type Selector } from '../registry/index.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import type { Dispatcher } from './dispatcher.js';
import type { Estimates } from './estimates.js';
import type { Job, Outbox, Revocation, RevocationSource } from './outbox.js';
import type { AuditSink, RevocationRequests } from './requests.js';

/** Bulk jobs walk the live tokens in fingerprint order, a page at a time. */
const JOB_PAGE = 1000;
const JOB_TICK_MS = 200;
/** A job keeps about this many seconds of work queued ahead of the dispatcher. */
const JOB_LOOKAHEAD_S = 5;

/** A selector other than a single token: what a job walks. */
export type JobSelector = Selector & { scope: Exclude<Selector['scope'], 'token'> };

function selectorOf(job: Job): Selector {
  return job.scope === 'all' ? { scope: 'all', value: '' } : { scope: job.scope, value: job.selector };
}

export class BulkJobs {
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(
    private readonly config: Config,
    private readonly warehouse: Warehouse,
    private readonly outbox: Outbox,
    dispatcher: Dispatcher,
    private readonly requests: RevocationRequests,
    private readonly estimates: Estimates,
    private readonly audit: AuditSink & { flush(): Promise<void> },
    private readonly logger: Logger,
  ) {
    dispatcher.onFinal((rev) => this.count(rev));
  }

  async create(selector: JobSelector, target: string, source: RevocationSource, actor: string, reason: string): Promise<Job> {
    const { live } = await countLive(this.warehouse, selector);
    const now = Date.now();
    const job: Job = {
      id: `job_${randomUUID().replace(/-/g, '')}`,
      scope: selector.scope,
      selector: selector.value,
      target,
      source,
      actor,
      reason,
      status: 'running',
      cursor: '',
      exhausted: false,
      total: live,
      enqueued: 0,
      done: 0,
      failed: 0,
      cancelled: 0,
      created_at: now,
      updated_at: now,
    };
    await this.outbox.putJob(job);
    this.start();
    return job;
  }

  private count(rev: Revocation): void {
    if (!rev.job_id) return;
    const job = this.outbox.jobs.get(rev.job_id);
    if (!job) return;
    const next = { ...job, updated_at: Date.now() };
    if (rev.status === 'done') next.done += 1;
    else if (rev.status === 'failed') next.failed += 1;
    else if (rev.status === 'cancelled') next.cancelled += 1;
    this.outbox.jobs.set(job.id, next); // persisted with the job's next step
  }

  start(): void {
    this.timer ??= setInterval(() => void this.advance(), JOB_TICK_MS);
  }

  /** Keeps every running job a few seconds of work ahead of the dispatcher, page by page. */
  async advance(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (const job of [...this.outbox.jobs.values()]) {
        if (job.status !== 'running') continue;
        const rate = this.config.revocation.targets[job.target]?.rate_limit_per_sec ?? 50;
        const ahead = Math.max(100, Math.ceil(rate * JOB_LOOKAHEAD_S));
        let current = job;
        while (!current.exhausted && this.outbox.pendingCount((r) => r.job_id === job.id) < ahead) {
          const rows = await liveTokensPage(
            this.warehouse,
            selectorOf(job),
            current.cursor,
            Math.min(JOB_PAGE, ahead),
            // A bulk job is background work: the long limit, not the request path's.
            { timeoutMs: this.config.warehouse.background_statement_timeout_ms },
          );
          const results = await this.requests.request(
            rows.map((r) => ({
              token_fingerprint: r.token_fingerprint,
              token_type: r.token_type,
              app_id: r.app_id,
              user_id: r.user_id,
              target: job.target,
              source: job.source,
              actor: job.actor,
              reason: job.reason,
              job_id: job.id,
              scope: job.scope,
            })),
          );
          if (this.outbox.jobs.get(job.id)!.status !== 'running') break;
          const joined = results.filter((r) => !r.created && r.revocation.status === 'done').length;
          const now = Date.now();
          current = await this.outbox.updateJob(job.id, (j) => ({
            ...j,
            cursor: rows.at(-1)?.token_fingerprint ?? j.cursor,
            exhausted: rows.length < Math.min(JOB_PAGE, ahead),
            enqueued: j.enqueued + results.length,
            done: j.done + joined,
            updated_at: now,
          }));
        }
        const latest = this.outbox.jobs.get(job.id)!;
        if (latest.status === 'running' && latest.exhausted && this.outbox.pendingCount((r) => r.job_id === job.id) === 0) {
          // Done means visible: the registry, the estimates and the feed show every token revoked.
          await this.audit.flush();
          if (this.outbox.jobs.get(job.id)!.status === 'running') {
            const now = Date.now();
            const finished = await this.outbox.updateJob(job.id, (j) => (j.status === 'running' ? { ...j, status: 'done', updated_at: now } : j));
            this.logger.info({ job: job.id, done: finished.done, failed: finished.failed }, 'bulk revocation job finished');
          }
        } else if (latest !== job) {
          // Counts reached since the last write (count), persisted.
          await this.outbox.updateJob(job.id, (j) => j);
        }
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'bulk revocation jobs could not advance; retrying');
    } finally {
      this.busy = false;
    }
  }

  progress(job: Job) {
    const remaining = Math.max(0, job.total - job.done - job.failed - job.cancelled);
    const rate = this.estimates.effectiveRate(job.target);
    return {
      ...job,
      created_at: new Date(job.created_at).toISOString(),
      updated_at: new Date(job.updated_at).toISOString(),
      progress: { total: job.total, done: job.done, failed: job.failed, cancelled: job.cancelled, remaining, enqueued: job.enqueued },
      eta_seconds: job.status === 'running' ? Math.ceil(remaining / rate.per_sec) : null,
    };
  }

  /** Cancels a job and its pending revocations. */
  async cancel(id: string): Promise<Job> {
    const job = this.outbox.jobs.get(id);
    if (!job) throw new NotFound('not_found', `no job ${id}`);
    if (job.status === 'done' || job.status === 'cancelled') throw new Conflict('already_finished', `job ${id} is ${job.status}`);
    const now = Date.now();
    const pending = [...this.outbox.revocations.values()].filter((r) => r.job_id === id && r.status === 'pending');
    const cancelled = pending.map((r) => ({ ...r, status: 'cancelled' as const, updated_at: now, sealed_token: undefined }));
    await this.outbox.put(...cancelled);
    for (const r of cancelled) this.audit.record(r);
    return await this.outbox.updateJob(id, (j) => ({ ...j, status: 'cancelled', cancelled: j.cancelled + cancelled.length, updated_at: now }));
  }

  async setStatus(id: string, status: 'paused' | 'running'): Promise<Job> {
    const job = this.outbox.jobs.get(id);
    if (!job) throw new NotFound('not_found', `no job ${id}`);
    if (job.status === 'done' || job.status === 'cancelled') throw new Conflict('already_finished', `job ${id} is ${job.status}`);
    const now = Date.now();
    return await this.outbox.updateJob(id, (j) => ({ ...j, status, updated_at: now }));
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

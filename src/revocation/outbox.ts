/**
 * The revocation outbox: every revocation and bulk job is written here (appended and
 * fsync'd) before anything is sent, so a restart resumes exactly where it stopped. The
 * log holds full snapshots; replay keeps the last one per id. Final revocations leave
 * memory once the audit has them in the warehouse; the log is rewritten when it has grown
 * well beyond the live state.
 */
import { closeSync, fdatasyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { GroupCommit } from '../durable/group-commit.js';
import type { Scope } from '../registry/index.js';

export const REVOCATION_SOURCES = ['detector', 'api_provider', 'app_owner', 'subscriber', 'governance', 'webhook'] as const;
export type RevocationSource = (typeof REVOCATION_SOURCES)[number];
export const REVOCATION_STATUSES = ['pending', 'done', 'failed', 'cancelled', 'dry_run'] as const;
export type RevocationStatus = (typeof REVOCATION_STATUSES)[number];
export type RevocationAction = 'revoke_token' | 'block_app' | 'notify';
/** A revocation's scope: what it selects, as the token read model's selectors do. */
export { SCOPES, type Scope } from '../registry/index.js';

export interface Revocation {
  id: string;
  action: RevocationAction;
  scope: Scope;
  token_fingerprint: string;
  token_type: string;
  app_id: string;
  user_id: string;
  account_id: string;
  target: string;
  source: RevocationSource;
  actor: string;
  reason: string;
  flag_id: string;
  job_id: string;
  status: RevocationStatus;
  attempts: number;
  next_attempt_at: number;
  last_http_status: number;
  last_error: string;
  alarm: boolean;
  requested_at: number;
  updated_at: number;
  /** The raw token when the request carried it, sealed by the vault; dropped once final. */
  sealed_token?: string;
  /** For notify: what to send. */
  payload?: Record<string, unknown>;
}

export type JobStatus = 'running' | 'paused' | 'cancelled' | 'done';

export interface Job {
  id: string;
  scope: Exclude<Scope, 'token'>;
  /** user_id, app_id or family id; empty for all. */
  selector: string;
  target: string;
  source: RevocationSource;
  actor: string;
  reason: string;
  status: JobStatus;
  /** The last fingerprint enqueued; the next page starts after it. */
  cursor: string;
  /** No live token left after the cursor: the job ends once its pending revocations do. */
  exhausted: boolean;
  total: number;
  enqueued: number;
  done: number;
  failed: number;
  cancelled: number;
  created_at: number;
  updated_at: number;
}

type Entry = { t: 'rev'; v: Revocation } | { t: 'job'; v: Job };

const FINAL: ReadonlySet<RevocationStatus> = new Set(['done', 'failed', 'cancelled', 'dry_run']);
export const isFinal = (status: RevocationStatus) => FINAL.has(status);

/** Rewrite the log when it holds this many times more entries than the live state. */
const COMPACT_FACTOR = 4;
const COMPACT_MIN_ENTRIES = 10_000;
/**
 * Done revocations remembered after they leave memory for the audit: a request whose
 * look-up in the audit ran while they moved there still finds them here.
 */
const RECENTLY_ARCHIVED = 10_000;

export class Outbox {
  readonly revocations = new Map<string, Revocation>();
  readonly jobs = new Map<string, Job>();
  /** Revocations not final yet, by token, target and action: a second request joins the first. */
  private readonly active = new Map<string, string>();
  /** Done revocations by token, target and action: those in memory, and the last ones archived. */
  private readonly done = new Map<string, Revocation>();
  private readonly archived = new Map<string, Revocation>();
  private handle: FileHandle | undefined;
  /** Group commit: lines appended while the previous sync ran go in one write and one sync. */
  private readonly writer = new GroupCommit<string>(async (lines) => {
    await this.handle!.write(lines.join(''));
    await this.handle!.datasync();
  });
  private entries = 0;

  private constructor(private readonly dir: string) {}

  static async open(dir: string): Promise<Outbox> {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const outbox = new Outbox(dir);
    outbox.replay();
    outbox.rewrite();
    outbox.handle = await open(outbox.path, 'a', 0o600);
    return outbox;
  }

  private get path(): string {
    return join(this.dir, 'outbox.ndjson');
  }

  private replay(): void {
    let text = '';
    try {
      text = readFileSync(this.path, 'utf8');
    } catch {
      return;
    }
    for (const line of text.split('\n')) {
      if (!line) continue;
      let entry: Entry;
      try {
        entry = JSON.parse(line) as Entry;
      } catch {
        continue; // a torn last line: never acknowledged
      }
      if (entry.t === 'rev') this.apply(entry.v);
      else this.jobs.set(entry.v.id, entry.v);
    }
  }

  /** Writes the live state as a fresh log (at start, and when the log has grown). */
  private rewrite(): void {
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      for (const job of this.jobs.values()) writeSync(fd, JSON.stringify({ t: 'job', v: job }) + '\n');
      for (const rev of this.revocations.values()) writeSync(fd, JSON.stringify({ t: 'rev', v: rev }) + '\n');
      fdatasyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
    this.entries = this.jobs.size + this.revocations.size;
  }

  static key(r: Pick<Revocation, 'token_fingerprint' | 'target' | 'action'>): string {
    return `${r.action}|${r.target}|${r.token_fingerprint}`;
  }

  private apply(rev: Revocation): void {
    this.revocations.set(rev.id, rev);
    const key = Outbox.key(rev);
    if (isFinal(rev.status)) {
      if (this.active.get(key) === rev.id) this.active.delete(key);
      if (rev.status === 'done') this.done.set(key, rev);
    } else {
      this.active.set(key, rev.id);
    }
  }

  /** The revocation not final yet for the same token, target and action, if any. */
  activeFor(r: Pick<Revocation, 'token_fingerprint' | 'target' | 'action'>): Revocation | undefined {
    const id = this.active.get(Outbox.key(r));
    return id ? this.revocations.get(id) : undefined;
  }

  /** The done revocation for the same token, target and action, if memory still has it. */
  doneFor(r: Pick<Revocation, 'token_fingerprint' | 'target' | 'action'>): Revocation | undefined {
    const key = Outbox.key(r);
    return this.done.get(key) ?? this.archived.get(key);
  }

  private append(entries: Entry[]): Promise<void> {
    return this.writer.add(entries.map((e) => JSON.stringify(e)).join('\n') + '\n');
  }

  /** Records revocations durably, then makes them visible. */
  async put(...revs: Revocation[]): Promise<void> {
    if (revs.length === 0) return;
    await this.append(revs.map((v) => ({ t: 'rev', v })));
    for (const rev of revs) this.apply(rev);
    this.entries += revs.length;
  }

  async putJob(job: Job): Promise<void> {
    await this.append([{ t: 'job', v: job }]);
    this.jobs.set(job.id, job);
    this.entries += 1;
  }

  /**
   * Records a change to a job. Revocations of the job keep finishing while the change is
   * written, and their counts go straight into memory (see BulkJobs.count in jobs.ts),
   * so the change is applied again to the job as memory has it then: writing a snapshot
   * taken before would lose them. The log may lag those counts until the job's next write.
   */
  async updateJob(id: string, change: (job: Job) => Job): Promise<Job> {
    const before = this.jobs.get(id);
    if (!before) throw new Error(`no job ${id}`);
    await this.append([{ t: 'job', v: change(before) }]);
    const next = change(this.jobs.get(id) ?? before);
    this.jobs.set(id, next);
    this.entries += 1;
    return next;
  }

  /** Forgets final revocations whose audit rows are in the warehouse. */
  archive(ids: string[]): void {
    for (const id of ids) {
      const rev = this.revocations.get(id);
      if (rev && isFinal(rev.status)) {
        this.revocations.delete(id);
        const key = Outbox.key(rev);
        if (this.done.get(key)?.id === id) {
          this.done.delete(key);
          this.archived.delete(key);
          this.archived.set(key, rev);
        }
      }
    }
    for (const key of this.archived.keys()) {
      if (this.archived.size <= RECENTLY_ARCHIVED) break;
      this.archived.delete(key);
    }
    const live = this.jobs.size + this.revocations.size;
    if (this.entries > COMPACT_MIN_ENTRIES && this.entries > COMPACT_FACTOR * live && this.writer.idle) {
      this.rewrite();
    }
  }

  /** Pending revocations due at `now`, oldest first. */
  due(now: number, target?: string): Revocation[] {
    const out: Revocation[] = [];
    for (const rev of this.revocations.values()) {
      if (rev.status === 'pending' && rev.next_attempt_at <= now && (target === undefined || rev.target === target)) out.push(rev);
    }
    return out.sort((a, b) => a.next_attempt_at - b.next_attempt_at || a.requested_at - b.requested_at);
  }

  pendingCount(filter: (r: Revocation) => boolean = () => true): number {
    let n = 0;
    for (const rev of this.revocations.values()) if (rev.status === 'pending' && filter(rev)) n += 1;
    return n;
  }

  async close(): Promise<void> {
    await this.writer.settled();
    await this.handle?.close();
    this.handle = undefined;
  }
}

/**
 * Revocation requests: recorded durably in the outbox before anything is sent, and
 * idempotent per token, target and action (a second request for the same gets the first
 * one's result, whether it is being created, in flight, done, or done before a restart).
 */
import { randomUUID } from 'node:crypto';
import { NotFound, Conflict } from '../errors.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { doneInAudit, revocationInAudit } from './audit-rows.js';
import type { Dispatcher } from './dispatcher.js';
import { isFinal, Outbox, type Revocation, type RevocationAction, type RevocationSource, type Scope } from './outbox.js';
import type { Vault } from './vault.js';

/** Fingerprints per idempotency query: a job's page is answered by one query. */
const PREVIOUS_BATCH = 1000;

export interface RevokeRequest {
  action?: RevocationAction;
  token_fingerprint: string;
  token?: string;
  token_type?: string;
  app_id?: string;
  user_id?: string;
  account_id?: string;
  target: string;
  source: RevocationSource;
  actor: string;
  reason: string;
  flag_id?: string;
  job_id?: string;
  scope?: Scope;
  dry_run?: boolean;
  payload?: Record<string, unknown>;
}

type Key = Pick<Revocation, 'token_fingerprint' | 'target' | 'action'>;

/** Where every new or changed revocation is recorded (audit.ts's AuditWriter). */
export interface AuditSink {
  record(rev: Revocation): void;
}

export class RevocationRequests {
  /** Revocations created but not in the outbox yet (its write is in flight): a concurrent request joins them. */
  private readonly claims = new Map<string, Revocation>();

  constructor(
    private readonly warehouse: Warehouse,
    private readonly outbox: Outbox,
    private readonly dispatcher: Dispatcher,
    private readonly vault: Vault,
    private readonly audit: AuditSink,
  ) {}

  /**
   * The earlier results for these tokens, targets and actions, where one exists
   * (idempotency): being created, not final yet or done, in memory; else done, in the audit, one
   * query per PREVIOUS_BATCH tokens (a bulk job's page is one query, not one per token).
   * The audit does not record the action: a done revocation there answers for any action
   * on the same token and target.
   */
  private async previous(keys: Key[]): Promise<Map<string, Revocation>> {
    const found = new Map<string, Revocation>();
    for (const k of keys) {
      const known = this.known(k);
      if (known) found.set(Outbox.key(k), known);
    }
    const rest = keys.filter((k) => !found.has(Outbox.key(k)));
    for (let i = 0; i < rest.length; i += PREVIOUS_BATCH) {
      const chunk = rest.slice(i, i + PREVIOUS_BATCH);
      const rows = await doneInAudit(this.warehouse, { fps: [...new Set(chunk.map((k) => k.token_fingerprint))], targets: [...new Set(chunk.map((k) => k.target))] });
      const done = new Map<string, Revocation>();
      for (const rev of rows) done.set(`${rev.target}|${rev.token_fingerprint}`, rev);
      for (const k of chunk) {
        const rev = done.get(`${k.target}|${k.token_fingerprint}`);
        if (rev) found.set(Outbox.key(k), rev);
      }
    }
    return found;
  }

  /** A revocation for this token, target and action that memory knows: being created, not final yet, or done. */
  private known(k: Key): Revocation | undefined {
    return this.claims.get(Outbox.key(k)) ?? this.outbox.activeFor(k) ?? this.outbox.doneFor(k);
  }

  /** Records revocations (durably, before anything is sent) and wakes the dispatcher. */
  async request(requests: RevokeRequest[]): Promise<{ revocation: Revocation; created: boolean }[]> {
    const keyed = requests.map((r) => ({ r, key: { token_fingerprint: r.token_fingerprint, target: r.target, action: r.action ?? ('revoke_token' as const) } }));
    const earlier = await this.previous(keyed.filter(({ r }) => !r.dry_run).map(({ key }) => key));
    // From here to the claims below nothing awaits: a concurrent request sees either the
    // earlier results found above or this request's claims, never neither.
    const now = Date.now();
    const out: { revocation: Revocation; created: boolean }[] = [];
    const fresh: Revocation[] = [];
    for (const { r, key } of keyed) {
      const k = Outbox.key(key);
      const existing = r.dry_run ? undefined : (this.known(key) ?? earlier.get(k));
      if (existing) {
        out.push({ revocation: existing, created: false });
        continue;
      }
      const rev: Revocation = {
        id: `rev_${randomUUID().replace(/-/g, '')}`,
        action: key.action,
        scope: r.scope ?? 'token',
        token_fingerprint: r.token_fingerprint,
        token_type: r.token_type ?? '',
        app_id: r.app_id ?? '',
        user_id: r.user_id ?? '',
        account_id: r.account_id ?? '',
        target: r.target,
        source: r.source,
        actor: r.actor,
        reason: r.reason,
        flag_id: r.flag_id ?? '',
        job_id: r.job_id ?? '',
        status: r.dry_run ? 'dry_run' : 'pending',
        attempts: 0,
        next_attempt_at: now,
        last_http_status: 0,
        last_error: '',
        alarm: false,
        requested_at: now,
        updated_at: now,
        sealed_token: r.token !== undefined && !r.dry_run ? this.vault.seal(r.token, r.token_fingerprint) : undefined,
        payload: r.payload,
      };
      // The same token twice in one request: the second joins the first.
      if (!r.dry_run) this.claims.set(k, rev);
      fresh.push(rev);
      out.push({ revocation: rev, created: true });
    }
    try {
      await this.outbox.put(...fresh);
    } finally {
      for (const rev of fresh) if (this.claims.get(Outbox.key(rev)) === rev) this.claims.delete(Outbox.key(rev));
    }
    for (const rev of fresh) this.audit.record(rev);
    if (fresh.some((r) => r.status === 'pending')) this.dispatcher.kick();
    return out;
  }

  /** Waits until a revocation is final, or the time is up; returns its latest state. */
  async settle(id: string, timeoutMs: number): Promise<Revocation | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rev = this.outbox.revocations.get(id);
      if (!rev || isFinal(rev.status) || Date.now() >= deadline) return rev ?? (await this.get(id));
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async get(id: string): Promise<Revocation | undefined> {
    const local = this.outbox.revocations.get(id);
    if (local) return local;
    const [row] = await revocationInAudit(this.warehouse, { id });
    return row;
  }

  /** Cancels a pending revocation. */
  async cancel(id: string): Promise<Revocation> {
    const rev = this.outbox.revocations.get(id) ?? (await this.get(id));
    if (!rev) throw new NotFound('not_found', `no revocation or job ${id}`);
    if (rev.status !== 'pending') throw new Conflict('already_finished', `revocation ${id} is ${rev.status}`);
    const next = { ...rev, status: 'cancelled' as const, updated_at: Date.now(), sealed_token: undefined };
    await this.outbox.put(next);
    this.audit.record(next);
    return next;
  }
}

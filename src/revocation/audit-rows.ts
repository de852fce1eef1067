/**
 * Revocations read back from the audit (the revocations table): the finished ones the
 * outbox no longer holds. Rows are checked against one schema and decoded into the
 * outbox's Revocation shape.
 */
import { z } from 'zod';
import { count64, defineQuery, TABLES } from '../warehouse/warehouse.js';
import { REVOCATION_SOURCES, REVOCATION_STATUSES, SCOPES, type Revocation } from './outbox.js';

/** The columns of a revocation in the audit, as auditRow reads them. */
const AUDIT_COLUMNS = `revocation_id, token_fingerprint, scope, target, source, actor, reason, flag_id, job_id, app_id, user_id, status, attempts,
  last_http_status, last_error, toUnixTimestamp64Milli(requested_at) AS requested_at, toUnixTimestamp64Milli(updated_at) AS updated_at`;

/** One audit row, decoded. The audit does not keep the action, the type or the account: a row there is a token revocation. */
const auditRow = z
  .object({
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
    attempts: count64,
    last_http_status: count64,
    last_error: z.string(),
    requested_at: count64,
    updated_at: count64,
  })
  .transform(({ revocation_id, ...r }): Revocation => ({
    ...r,
    id: revocation_id,
    action: 'revoke_token',
    token_type: '',
    account_id: '',
    next_attempt_at: 0,
    alarm: false,
  }));

/** Done revocations of these tokens at these targets (idempotency across restarts). */
export const doneInAudit = defineQuery({
  name: 'revocations_done',
  sql: `SELECT ${AUDIT_COLUMNS} FROM ${TABLES.revocations} FINAL
        WHERE token_fingerprint IN {fps:Array(String)} AND target IN {targets:Array(String)} AND status = 'done'`,
  params: z.object({ fps: z.array(z.string()), targets: z.array(z.string()) }),
  row: auditRow,
});

/** One revocation by id. */
export const revocationInAudit = defineQuery({
  name: 'revocation_by_id',
  sql: `SELECT ${AUDIT_COLUMNS} FROM ${TABLES.revocations} FINAL WHERE revocation_id = {id:String}`,
  params: z.object({ id: z.string() }),
  row: auditRow,
});

/**
 * Revocations read back from the audit (the revocations table): the finished ones the
 * outbox no longer holds. Rows are checked against one schema and decoded into the
 * outbox's Revocation shape.
 */
import { z } from 'zod';
import { count64, defineQuery, TABLES } from '../warehouse/warehouse.js';
import { revocationColumns } from './audit.js';
import type { Revocation } from './outbox.js';

/** The columns of a revocation in the audit, as auditRow reads them. */
const AUDIT_COLUMNS = `revocation_id, token_fingerprint, scope, target, source, actor, reason, flag_id, job_id, app_id, user_id, status, attempts,
  last_http_status, last_error, toUnixTimestamp64Milli(requested_at) AS requested_at, toUnixTimestamp64Milli(updated_at) AS updated_at`;

/** One audit row, decoded. The audit does not keep the action, the type or the account: a row there is a token revocation. */
const auditRow = revocationColumns
  .extend({ attempts: count64, last_http_status: count64, requested_at: count64, updated_at: count64 })
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

/** The lifecycle `revoked` events of these tokens, by id (after a restart: which ones the audit writer still owes). */
export const revokedEventsOf = defineQuery({
  name: 'revoked_events',
  sql: `SELECT event_id FROM ${TABLES.tokenEvents} WHERE token_fingerprint IN {fps:Array(String)} AND event = 'revoked'`,
  params: z.object({ fps: z.array(z.string()) }),
  row: z.object({ event_id: z.string() }),
});

const ISO = (column: string) => `formatDateTime(${column}, '%Y-%m-%dT%H:%i:%S.%fZ', 'UTC')`;
/** A filter that an empty value turns off, so the SQL stays one constant. */
const optional = (column: string, param: string) => `({${param}:String} = '' OR r.${column} = {${param}:String})`;

/** A page of the audit, newest first, as GET /v1/revocations lists it. */
export const auditPage = defineQuery({
  name: 'revocations_page',
  // Columns qualified by the table alias: the output names (formatted) shadow them otherwise.
  sql: `SELECT revocation_id AS id, token_fingerprint, scope, target, toString(source) AS source, actor, reason, flag_id, job_id, app_id, user_id,
               toString(status) AS status, attempts, last_http_status, last_error,
               ${ISO('requested_at')} AS requested_at, ${ISO('updated_at')} AS updated_at
        FROM ${TABLES.revocations} AS r FINAL
        WHERE r.requested_at >= {from:DateTime64(3)} AND r.requested_at < {to:DateTime64(3)}
          AND ${optional('status', 'status')} AND ${optional('target', 'target')} AND ${optional('source', 'source')}
          AND ${optional('token_fingerprint', 'token_fingerprint')} AND ${optional('flag_id', 'flag_id')} AND ${optional('job_id', 'job_id')}
        ORDER BY r.requested_at DESC, r.revocation_id LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
  params: z.object({
    from: z.date(),
    to: z.date(),
    status: z.string().default(''),
    target: z.string().default(''),
    source: z.string().default(''),
    token_fingerprint: z.string().default(''),
    flag_id: z.string().default(''),
    job_id: z.string().default(''),
    limit: z.number().int().positive(),
    offset: z.number().int().nonnegative(),
  }),
  row: z.object({
    id: z.string(),
    token_fingerprint: z.string(),
    scope: z.string(),
    target: z.string(),
    source: z.string(),
    actor: z.string(),
    reason: z.string(),
    flag_id: z.string(),
    job_id: z.string(),
    app_id: z.string(),
    user_id: z.string(),
    status: z.string(),
    attempts: count64,
    last_http_status: count64,
    last_error: z.string(),
    requested_at: z.string(),
    updated_at: z.string(),
  }),
});

/** A revocation's attempts against its target, in order. */
export const attemptsOf = defineQuery({
  name: 'revocation_attempts',
  sql: `SELECT attempt, ${ISO('ts')} AS ts, toString(target) AS target, http_status, latency_ms, toString(outcome) AS outcome, error
        FROM ${TABLES.revocationAttempts} WHERE revocation_id = {id:String} ORDER BY attempt`,
  params: z.object({ id: z.string() }),
  row: z.object({ attempt: count64, ts: z.string(), target: z.string(), http_status: count64, latency_ms: z.number(), outcome: z.string(), error: z.string() }),
});

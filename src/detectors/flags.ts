/**
 * Flags in the warehouse: deterministic ids, status history, review actions and
 * suppressions. `flags` is a ReplacingMergeTree on updated_at: a status change inserts
 * a newer version of the row, and reads use FINAL.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { SEVERITIES, type DetectorName } from '../config.js';
import { Conflict, NotFound } from '../errors.js';
import { clickHouseTime, defineInsert, defineQuery, TABLES, toClickHouseTime, type Warehouse } from '../warehouse/warehouse.js';
import { SEVERITY_ORDER, type Finding, type Severity } from './types.js';

export const FLAG_STATUSES = ['open', 'needs_review', 'confirmed', 'dismissed'] as const;
export type FlagStatus = (typeof FLAG_STATUSES)[number];

/** Same detector, subject and window: the same flag, however often detection reruns. */
export function flagId(detector: string, f: Pick<Finding, 'subject_type' | 'subject' | 'window_start' | 'window_end'>): string {
  return createHash('sha256')
    .update(`${detector}|${f.subject_type}|${f.subject}|${f.window_start.toISOString()}|${f.window_end.toISOString()}`)
    .digest('hex')
    .slice(0, 32);
}

const num = z.coerce.number();
export const flagRow = z.object({
  flag_id: z.string(),
  detector: z.string(),
  subject_type: z.string(),
  subject: z.string(),
  token_fingerprint: z.string(),
  app_id: z.string(),
  user_id: z.string(),
  window_start: z.string(),
  window_end: z.string(),
  severity: z.enum(SEVERITIES),
  score: num,
  explanation: z.string(),
  evidence: z.string(),
  status: z.enum(FLAG_STATUSES),
  created_at: z.string(),
  updated_at: z.string(),
});
export type FlagRow = z.infer<typeof flagRow>;

const iso = (ch: string) => `${ch.replace(' ', 'T')}Z`;

export function presentFlag(row: FlagRow) {
  let evidence: unknown = {};
  try {
    evidence = JSON.parse(row.evidence);
  } catch {
    evidence = { raw: row.evidence };
  }
  return {
    ...row,
    window_start: iso(row.window_start),
    window_end: iso(row.window_end),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    evidence,
  };
}
export type Flag = ReturnType<typeof presentFlag>;

/** One version of a flag's row (a review writes a newer one): the columns flagRow reads, with times as written. */
const insertFlags = defineInsert({
  table: TABLES.flags,
  row: flagRow.extend({
    window_start: clickHouseTime,
    window_end: clickHouseTime,
    score: z.number(),
    created_at: clickHouseTime,
    updated_at: clickHouseTime,
  }),
});

/** Each status a flag went through, with who and why. */
const insertHistory = defineInsert({
  table: TABLES.flagHistory,
  row: z.object({ flag_id: z.string(), ts: clickHouseTime, status: z.enum(FLAG_STATUSES), actor: z.string(), reason: z.string() }),
});

/** Same detector and subject stay quiet until `until`. */
const insertSuppression = defineInsert({
  table: TABLES.suppressions,
  row: z.object({
    detector: z.string(),
    subject_type: z.string(),
    subject: z.string(),
    until: clickHouseTime,
    flag_id: z.string(),
    actor: z.string(),
    reason: z.string(),
    created_at: clickHouseTime,
  }),
});

const FLAG_COLUMNS = `flag_id, detector, subject_type, subject, token_fingerprint, app_id, user_id,
  toString(window_start) AS window_start, toString(window_end) AS window_end, severity, score, explanation, evidence,
  status, toString(created_at) AS created_at, toString(updated_at) AS updated_at`;

const flagById = defineQuery({
  name: 'flag_by_id',
  sql: `SELECT ${FLAG_COLUMNS} FROM ${TABLES.flags} FINAL WHERE flag_id = {id:String}`,
  params: z.object({ id: z.string() }),
  row: flagRow,
});

const historyOf = defineQuery({
  name: 'flag_history',
  sql: `SELECT toString(ts) AS ts, status, actor, reason FROM ${TABLES.flagHistory} WHERE flag_id = {id:String} ORDER BY ts, status`,
  params: z.object({ id: z.string() }),
  row: z.object({ ts: z.string(), status: z.string(), actor: z.string(), reason: z.string() }),
});

/** A page of flags; each filter given adds its condition (constant fragments, values as parameters). */
const flagPage = defineQuery({
  name: 'flags_page',
  sql: (filter) => {
    const where: string[] = ['1'];
    if (filter.status) where.push('status IN {status:Array(String)}');
    if (filter.detector) where.push('detector IN {detector:Array(String)}');
    if (filter.severities) where.push('severity IN {severities:Array(String)}');
    if (filter.app_id) where.push('app_id = {app_id:String}');
    if (filter.user_id) where.push('user_id = {user_id:String}');
    if (filter.token_fingerprint) where.push('token_fingerprint = {token_fingerprint:String}');
    if (filter.subject) where.push('subject = {subject:String}');
    // Qualified: the SELECT aliases window_start/window_end to strings, and an alias shadows the column.
    if (filter.from) where.push(`${TABLES.flags}.window_end >= {from:DateTime64(3)}`);
    if (filter.to) where.push(`${TABLES.flags}.window_start < {to:DateTime64(3)}`);
    const order =
      filter.sort === 'severity'
        ? `multiIf(severity = 'critical', 4, severity = 'high', 3, severity = 'medium', 2, 1) DESC, created_at DESC`
        : filter.sort === 'score'
          ? 'score DESC, created_at DESC'
          : 'window_start DESC, created_at DESC';
    return `SELECT ${FLAG_COLUMNS} FROM ${TABLES.flags} FINAL WHERE ${where.join(' AND ')} ORDER BY ${order}, flag_id LIMIT {limit:UInt32} OFFSET {offset:UInt32}`;
  },
  params: z.object({
    status: z.array(z.string()).optional(),
    detector: z.array(z.string()).optional(),
    severities: z.array(z.enum(SEVERITIES)).optional(),
    app_id: z.string().optional(),
    user_id: z.string().optional(),
    token_fingerprint: z.string().optional(),
    subject: z.string().optional(),
    from: z.date().optional(),
    to: z.date().optional(),
    sort: z.enum(['time', 'severity', 'score']).optional(),
    limit: z.number().int().positive(),
    offset: z.number().int().nonnegative(),
  }),
  row: flagRow,
});

/**
 * The detector's flags whose windows reach into [since, until], whatever their status: a
 * finding's own flag (same id, same window) is among them, and so is any open or
 * confirmed flag of the same incident.
 */
const flagsAround = defineQuery({
  name: 'flags_around',
  sql: `SELECT flag_id, subject_type, subject, status FROM ${TABLES.flags} FINAL
        WHERE detector = {detector:String} AND window_end >= {since:DateTime64(3)} AND window_start <= {until:DateTime64(3)}`,
  params: z.object({ detector: z.string(), since: z.date(), until: z.date() }),
  row: z.object({ flag_id: z.string(), subject_type: z.string(), subject: z.string(), status: z.string() }),
});

const activeSuppressions = defineQuery({
  name: 'active_suppressions',
  sql: `SELECT detector, subject_type, subject FROM ${TABLES.suppressions} FINAL WHERE until > {at:DateTime64(3)}`,
  params: z.object({ at: z.date() }),
  row: z.object({ detector: z.string(), subject_type: z.string(), subject: z.string() }),
});

export interface NewFlag {
  id: string;
  detector: DetectorName;
  finding: Finding;
  status: FlagStatus;
}

/** A finding continues an incident already flagged within this long: no second flag. */
export const INCIDENT_GAP_MS = 60 * 60_000;

export class FlagStore {
  constructor(private readonly warehouse: Warehouse) {}

  /**
   * Keeps the findings that are new flags: not stored already (same id), not part of an
   * incident flagged in the last hour (same detector and subject), not suppressed.
   */
  async select(detector: DetectorName, findings: Finding[], now = new Date()): Promise<{ id: string; finding: Finding }[]> {
    if (findings.length === 0) return [];
    const withIds = findings.map((finding) => ({ id: flagId(detector, finding), finding }));
    const earliest = Math.min(...findings.map((f) => f.window_start.getTime()));
    const latest = Math.max(...findings.map((f) => f.window_end.getTime()));
    const key = (d: string, t: string, s: string) => `${d}|${t}|${s}`;
    const around = await flagsAround(this.warehouse, { detector, since: new Date(earliest - INCIDENT_GAP_MS), until: new Date(latest + INCIDENT_GAP_MS) });
    const stored = new Set(around.map((r) => r.flag_id));
    const ongoing = new Set(around.filter((r) => r.status !== 'dismissed').map((r) => key(detector, r.subject_type, r.subject)));
    const suppressed = new Set((await activeSuppressions(this.warehouse, { at: now })).map((r) => key(r.detector, r.subject_type, r.subject)));
    const chosen: { id: string; finding: Finding }[] = [];
    // Earliest window first: an incident is flagged once, at its start.
    for (const f of withIds.sort((a, b) => a.finding.window_start.getTime() - b.finding.window_start.getTime())) {
      const k = key(detector, f.finding.subject_type, f.finding.subject);
      if (stored.has(f.id) || ongoing.has(k) || suppressed.has(k)) continue;
      ongoing.add(k);
      chosen.push(f);
    }
    return chosen;
  }

  async insert(flags: NewFlag[], now = new Date()): Promise<void> {
    if (flags.length === 0) return;
    const at = toClickHouseTime(now);
    const rows = flags.map(({ id, detector, finding: f, status }) => ({
      flag_id: id,
      detector,
      subject_type: f.subject_type,
      subject: f.subject,
      token_fingerprint: f.token_fingerprint ?? (f.subject_type === 'token' ? f.subject : ''),
      app_id: f.app_id ?? '',
      user_id: f.user_id ?? '',
      window_start: toClickHouseTime(f.window_start),
      window_end: toClickHouseTime(f.window_end),
      severity: f.severity,
      score: Number.isFinite(f.score) ? f.score : 0,
      explanation: f.explanation,
      evidence: JSON.stringify(f.evidence),
      status,
      created_at: at,
      updated_at: at,
    }));
    await insertFlags(this.warehouse, rows);
    await insertHistory(this.warehouse, flags.map((f) => ({ flag_id: f.id, ts: at, status: f.status, actor: `detector:${f.detector}`, reason: 'raised' })));
  }

  async get(id: string): Promise<Flag | undefined> {
    const [row] = await flagById(this.warehouse, { id });
    return row ? presentFlag(row) : undefined;
  }

  async history(id: string) {
    return (await historyOf(this.warehouse, { id })).map((row) => ({ ...row, ts: iso(row.ts) }));
  }

  async list(filter: FlagFilter): Promise<Flag[]> {
    const severities = filter.severity
      ? (Object.keys(SEVERITY_ORDER) as Severity[]).filter((s) => SEVERITY_ORDER[s] >= SEVERITY_ORDER[filter.severity!])
      : undefined;
    return (await flagPage(this.warehouse, { ...filter, severities })).map(presentFlag);
  }

  /** Moves a flag to a new review status, recording who and why. */
  async review(id: string, status: FlagStatus, actor: string, reason: string, now = new Date()): Promise<Flag> {
    const flag = await this.get(id);
    if (!flag) throw new NotFound('not_found', `no flag ${id}`);
    if (flag.status === status) return flag;
    if (flag.status === 'confirmed' || flag.status === 'dismissed') {
      throw new Conflict('already_reviewed', `flag ${id} was already ${flag.status}`);
    }
    const at = toClickHouseTime(now);
    const row = { ...flag, window_start: toClickHouseTime(new Date(flag.window_start)), window_end: toClickHouseTime(new Date(flag.window_end)),
      created_at: toClickHouseTime(new Date(flag.created_at)), evidence: JSON.stringify(flag.evidence), status, updated_at: at };
    await insertFlags(this.warehouse, [row]);
    await insertHistory(this.warehouse, [{ flag_id: id, ts: at, status, actor, reason }]);
    return (await this.get(id))!;
  }

  async suppress(flag: Flag, hours: number, actor: string, reason: string, now = new Date()): Promise<void> {
    await insertSuppression(this.warehouse, [
      {
        detector: flag.detector,
        subject_type: flag.subject_type,
        subject: flag.subject,
        until: toClickHouseTime(new Date(now.getTime() + hours * 3_600_000)),
        flag_id: flag.flag_id,
        actor,
        reason,
        created_at: toClickHouseTime(now),
      },
    ]);
  }
}

export interface FlagFilter {
  status?: FlagStatus[];
  detector?: string[];
  severity?: Severity;
  app_id?: string;
  user_id?: string;
  token_fingerprint?: string;
  subject?: string;
  from?: Date;
  to?: Date;
  sort?: 'time' | 'severity' | 'score';
  limit: number;
  offset: number;
}

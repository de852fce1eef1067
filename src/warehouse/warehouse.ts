/**
 * The warehouse: one interface, two transports (embedded chDB and a ClickHouse server),
 * one SQL dialect. Values reach SQL only as `{name:Type}` parameters bound by the
 * engine; identifiers come from the TABLES map below, never from a request.
 */
import { z } from 'zod';

/** Every table and view the product reads or writes, by one name. */
export const TABLES = {
  migrations: 'schema_migrations',
  usageEvents: 'usage_events',
  tokenEvents: 'token_events',
  appEvents: 'app_events',
  usageToken1m: 'usage_token_1m_v1',
  usageToken1d: 'usage_token_1d_v1',
  usageApp1m: 'usage_app_1m_v1',
  usageUser1m: 'usage_user_1m_v1',
  usageDim1h: 'usage_dim_1h_v1',
  usageTokenPlace1h: 'usage_token_place_1h_v1',
  usagePrincipalPlace1h: 'usage_principal_place_1h_v1',
  usageTokenBreakdown1d: 'usage_token_breakdown_1d_v1',
  tokens: 'tokens_v2',
  tokenStats: 'v_token_stats',
  apps: 'v_apps',
  flags: 'flags',
  flagHistory: 'flag_history',
  suppressions: 'suppressions',
  detectorRuns: 'detector_runs',
  revocations: 'revocations',
  revocationAttempts: 'revocation_attempts',
  revocationHandles: 'revocation_handles',
  revocationFeed: 'revocation_feed',
} as const;
export type TableName = (typeof TABLES)[keyof typeof TABLES];

export type QueryParams = Record<string, unknown>;

export interface InsertOptions {
  /** Same token twice: the engine keeps the first block only (spool replays after a crash). */
  dedupToken?: string;
}

export interface StatementOptions {
  /**
   * The engine stops the statement after this long (max_execution_time) and the call
   * fails with a WarehouseError whose `timedOut` is true. Reads and INSERT … SELECT only:
   * DDL is never cut off halfway.
   */
  timeoutMs?: number;
}

export interface Warehouse {
  readonly kind: 'chdb' | 'server';
  /** Runs a SELECT and returns its rows (JSONEachRow; 64-bit integers as numbers on both transports). */
  query(sql: string, params?: QueryParams, options?: StatementOptions): Promise<unknown[]>;
  /** Runs a statement that returns no rows (DDL, ALTER, INSERT … SELECT). */
  command(sql: string, params?: QueryParams, options?: StatementOptions): Promise<void>;
  /** Inserts newline-delimited JSON rows whose keys are the table's column names. */
  insertJsonEachRow(table: TableName, rows: Buffer | string, options?: InsertOptions): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The warehouse failed (unreachable, or it refused the statement). */
export class WarehouseError extends Error {
  constructor(
    message: string,
    readonly clickhouseCode?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'WarehouseError';
  }

  /** The statement ran past its time limit (ClickHouse TIMEOUT_EXCEEDED), or the transport gave up waiting. */
  get timedOut(): boolean {
    return this.clickhouseCode === TIMEOUT_EXCEEDED || /\btimeout error\b/i.test(this.message);
  }
}

/** ClickHouse's error code for a statement past max_execution_time. */
export const TIMEOUT_EXCEEDED = 159;

/** Statements a time limit applies to: reads and INSERT … SELECT. DDL and mutations run to the end. */
export function isTimeLimited(sql: string): boolean {
  return /^\s*(?:SELECT|WITH|INSERT\s+INTO\s+[\w.`"]+\s*(?:\([^)]*\)\s*)?(?:SELECT|WITH))\b/i.test(sql);
}

/** max_execution_time is in seconds; fractions are honoured. */
export function maxExecutionTime(timeoutMs: number): number {
  return Math.max(0.001, timeoutMs / 1000);
}

/**
 * The same warehouse with a default time limit on every statement that does not name
 * its own: one for the request path (warehouse.statement_timeout_ms), one for detectors
 * and jobs (warehouse.background_statement_timeout_ms).
 */
export function withStatementTimeout(warehouse: Warehouse, timeoutMs: number): Warehouse {
  const limit = (options?: StatementOptions): StatementOptions => ({ timeoutMs, ...options });
  return {
    kind: warehouse.kind,
    query: (sql, params, options) => warehouse.query(sql, params, limit(options)),
    command: (sql, params, options) => warehouse.command(sql, params, limit(options)),
    insertJsonEachRow: (table, rows, options) => warehouse.insertJsonEachRow(table, rows, options),
    ping: () => warehouse.ping(),
    close: () => warehouse.close(),
  };
}

/** ClickHouse's text form of a DateTime64(3) in UTC, which both transports bind alike. */
export function toClickHouseTime(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

/** Dates become DateTime64(3) text so both transports bind them the same way. */
export function encodeParams(params: QueryParams | undefined): QueryParams {
  const out: QueryParams = {};
  for (const [name, value] of Object.entries(params ?? {})) {
    if (value === undefined) continue; // an optional filter that is not set
    out[name] = value instanceof Date ? toClickHouseTime(value) : value;
  }
  return out;
}

/**
 * A typed warehouse call: parameters validated by one schema, rows by another
 * (STYLE: typed warehouse calls). The SQL is a constant, or, where filters choose among
 * constant fragments (an optional filter, the narrowest rollup), a function of the
 * validated parameters that only picks fragments: values still go in as parameters.
 */
export function defineQuery<P extends z.ZodType<QueryParams>, R extends z.ZodType>(definition: {
  name: string;
  sql: string | ((params: z.output<P>) => string);
  params: P;
  row: R;
}): (warehouse: Warehouse, params: z.input<P>, options?: StatementOptions) => Promise<z.output<R>[]> {
  return async (warehouse, params, options) => {
    const bound = definition.params.parse(params);
    const sql = typeof definition.sql === 'string' ? definition.sql : definition.sql(bound);
    const rows = await warehouse.query(sql, bound, options);
    return rows.map((row) => {
      const parsed = definition.row.safeParse(row);
      if (!parsed.success) {
        throw new WarehouseError(`${definition.name}: unexpected row shape: ${parsed.error.message}`);
      }
      return parsed.data;
    });
  };
}

/** A typed statement that returns no rows (DELETE, INSERT … SELECT): parameters validated by one schema. */
export function defineCommand<P extends z.ZodType<QueryParams>>(definition: {
  name: string;
  sql: string;
  params: P;
}): (warehouse: Warehouse, params: z.input<P>, options?: StatementOptions) => Promise<void> {
  return async (warehouse, params, options) => {
    await warehouse.command(definition.sql, definition.params.parse(params), options);
  };
}

/**
 * A typed insert: every row checked by one schema (its keys are the table's columns)
 * before the batch is sent as JSONEachRow. A row that does not fit is a bug in the
 * caller: the whole batch is refused, naming the table, and nothing is written.
 */
export function defineInsert<R extends z.ZodType<Record<string, unknown>>>(definition: {
  table: TableName;
  row: R;
}): (warehouse: Warehouse, rows: readonly z.input<R>[], options?: InsertOptions) => Promise<void> {
  return async (warehouse, rows, options) => {
    if (rows.length === 0) return;
    let body = '';
    for (const [index, row] of rows.entries()) {
      const parsed = definition.row.safeParse(row);
      if (!parsed.success) throw new Error(`insert into ${definition.table}: row ${index} does not fit the table: ${parsed.error.message}`);
      body += `${JSON.stringify(parsed.data)}\n`;
    }
    await warehouse.insertJsonEachRow(definition.table, body, options);
  };
}

/** ClickHouse's DateTime64(3) text, as toClickHouseTime() writes it. */
export const clickHouseTime = z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,9})?$/, 'must be ClickHouse time text (toClickHouseTime)');

/** UInt64 and Int64 counts: numbers, or strings from a server configured to quote them. */
export const count64 = z.coerce.number();

/** Insert settings that make a replayed block (same token) a no-op, rollups included. */
export function dedupSettings(token: string) {
  return { insert_deduplication_token: token, deduplicate_blocks_in_dependent_materialized_views: 1 } as const;
}

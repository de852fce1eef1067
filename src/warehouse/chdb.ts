/** The embedded transport: the ClickHouse engine in-process through chDB. */
import { mkdirSync } from 'node:fs';
import { Session } from 'chdb';
import { dedupSettings, encodeParams, isTimeLimited, maxExecutionTime, WarehouseError, type InsertOptions, type QueryParams, type StatementOptions, type TableName, type Warehouse } from './warehouse.js';

/**
 * chDB takes settings only in the statement: a trailing SETTINGS clause (the engine
 * accepts a second one after the statement's own). A newline first, so a trailing
 * comment cannot swallow it. chDB's own `timeout` option is not used: it only stops
 * waiting while the statement keeps the engine busy.
 */
function limited(sql: string, options: StatementOptions | undefined): string {
  if (options?.timeoutMs === undefined || !isTimeLimited(sql)) return sql;
  return `${sql.replace(/[\s;]+$/, '')}\nSETTINGS max_execution_time = ${maxExecutionTime(options.timeoutMs)}`;
}

function wrap(error: unknown, what: string): WarehouseError {
  const e = error as { message?: string; clickhouseCode?: number };
  return new WarehouseError(`${what}: ${e.message ?? String(error)}`, e.clickhouseCode, { cause: error });
}

function parseRows(text: string): unknown[] {
  const rows: unknown[] = [];
  for (const line of text.split('\n')) if (line) rows.push(JSON.parse(line));
  return rows;
}

/**
 * Insert settings for the embedded engine. The materialized views on usage_events
 * (rollups, registry) run in parallel instead of one after another: they are most of an
 * insert's cost and the engine otherwise leaves a core idle during them.
 */
const INSERT_SETTINGS = { parallel_view_processing: 1 } as const;

/**
 * After an insert, hand the engine's freed memory back to the OS at most this often.
 * jemalloc keeps freed pages and the process's RSS creeps up insert after insert
 * (measured: ~940 MB after a dozen 16 MiB inserts, ~500 MB with a purge after each).
 * Not after every insert: the next insert faults the pages in again, which cost up to
 * 4x the insert rate on a VM with expensive page faults.
 */
const PURGE_INTERVAL_MS = 10_000;

export function openChdb(path: string): Warehouse {
  mkdirSync(path, { recursive: true });
  // 64-bit integers as JSON numbers on both transports (counts stay far below 2^53).
  const session = new Session(path, { connectionArgs: ['--output_format_json_quote_64bit_integers=0'] });
  let closed = false;
  let purgedAt = 0;

  return {
    kind: 'chdb',
    async query(sql: string, params?: QueryParams, options?: StatementOptions) {
      try {
        const result = await session.queryBindAsync(limited(sql, options), encodeParams(params), { format: 'JSONEachRow' });
        return parseRows(result.text());
      } catch (error) {
        throw wrap(error, 'query failed');
      }
    },
    async command(sql: string, params?: QueryParams, options?: StatementOptions) {
      try {
        await session.queryBindAsync(limited(sql, options), encodeParams(params), { format: 'TSV' });
      } catch (error) {
        throw wrap(error, 'statement failed');
      }
    },
    async insertJsonEachRow(table: TableName, rows: Buffer | string, options?: InsertOptions) {
      try {
        await session.insert({
          table,
          values: rows,
          format: 'JSONEachRow',
          settings: options?.dedupToken ? { ...INSERT_SETTINGS, ...dedupSettings(options.dedupToken) } : INSERT_SETTINGS,
        });
      } catch (error) {
        throw wrap(error, `insert into ${table} failed`);
      }
      if (Date.now() - purgedAt >= PURGE_INTERVAL_MS) {
        purgedAt = Date.now();
        // Only a memory hint: a failure changes nothing for the data.
        await session.queryAsync('SYSTEM JEMALLOC PURGE', { format: 'TSV' }).catch(() => undefined);
      }
    },
    async ping() {
      if (closed) throw new WarehouseError('the embedded warehouse is closed');
      await this.query('SELECT 1');
    },
    async close() {
      if (closed) return;
      closed = true;
      session.close();
    },
  };
}

/** The server transport: a ClickHouse server or cluster over HTTP with @clickhouse/client. */
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { createClient } from '@clickhouse/client';
import { clusterInsertSettings } from './cluster.js';
import { dedupSettings, encodeParams, isTimeLimited, maxExecutionTime, WarehouseError, type InsertOptions, type QueryParams, type StatementOptions, type TableName, type Warehouse } from './warehouse.js';

/** The server takes max_execution_time as a per-query setting. */
function limit(sql: string, options: StatementOptions | undefined) {
  return options?.timeoutMs !== undefined && isTimeLimited(sql) ? { max_execution_time: maxExecutionTime(options.timeoutMs) } : {};
}

export interface ServerOptions {
  url: string;
  user?: string;
  password?: string;
  database: string;
  /** With a cluster, inserts go through Distributed tables and return once on the shards. */
  cluster?: string;
  /** How long the client waits for any answer; above the longest statement time limit. */
  requestTimeoutMs?: number;
}

function wrap(error: unknown, what: string): WarehouseError {
  const e = error as { message?: string; code?: string };
  const code = e.code !== undefined && /^\d+$/.test(e.code) ? Number(e.code) : undefined;
  return new WarehouseError(`${what}: ${e.message ?? String(error)}`, code, { cause: error });
}

export function openClickHouseServer(options: ServerOptions): Warehouse {
  const client = createClient({
    url: options.url,
    username: options.user ?? 'default',
    password: options.password ?? '',
    database: options.database,
    request_timeout: options.requestTimeoutMs ?? 60_000,
    // 64-bit integers as JSON numbers, as on the embedded transport.
    clickhouse_settings: { date_time_input_format: 'best_effort', output_format_json_quote_64bit_integers: 0 },
  });

  return {
    kind: 'server',
    async query(sql: string, params?: QueryParams, statement?: StatementOptions) {
      try {
        const result = await client.query({ query: sql, query_params: encodeParams(params), format: 'JSONEachRow', clickhouse_settings: limit(sql, statement) });
        return await result.json();
      } catch (error) {
        throw wrap(error, 'query failed');
      }
    },
    async command(sql: string, params?: QueryParams, statement?: StatementOptions) {
      try {
        await client.command({ query: sql, query_params: encodeParams(params), clickhouse_settings: limit(sql, statement) });
      } catch (error) {
        throw wrap(error, 'statement failed');
      }
    },
    async insertJsonEachRow(table: TableName, rows: Buffer | string, insertOptions?: InsertOptions) {
      try {
        const result = await client.exec({
          query: `INSERT INTO ${table} FORMAT JSONEachRow`,
          values: Readable.from([typeof rows === 'string' ? Buffer.from(rows) : rows]),
          clickhouse_settings: {
            ...(options.cluster ? clusterInsertSettings() : {}),
            ...(insertOptions?.dedupToken ? dedupSettings(insertOptions.dedupToken) : {}),
          },
        });
        result.stream.resume();
        await finished(result.stream);
      } catch (error) {
        throw wrap(error, `insert into ${table} failed`);
      }
    },
    async ping() {
      const result = await client.ping();
      if (!result.success) throw wrap(result.error, 'ping failed');
    },
    async close() {
      await client.close();
    },
  };
}

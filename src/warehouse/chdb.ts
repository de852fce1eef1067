/** The embedded transport: the ClickHouse engine in-process through chDB. */
import { mkdirSync } from 'node:fs';
import { Session } from 'chdb';
import { dedupSettings, encodeParams, WarehouseError, type InsertOptions, type QueryParams, type TableName, type Warehouse } from './warehouse.js';

function wrap(error: unknown, what: string): WarehouseError {
  const e = error as { message?: string; clickhouseCode?: number };
  return new WarehouseError(`${what}: ${e.message ?? String(error)}`, e.clickhouseCode, { cause: error });
}

function parseRows(text: string): unknown[] {
  const rows: unknown[] = [];
  for (const line of text.split('\n')) if (line) rows.push(JSON.parse(line));
  return rows;
}

export function openChdb(path: string): Warehouse {
  mkdirSync(path, { recursive: true });
  // 64-bit integers as JSON numbers on both transports (counts stay far below 2^53).
  const session = new Session(path, { connectionArgs: ['--output_format_json_quote_64bit_integers=0'] });
  let closed = false;

  return {
    kind: 'chdb',
    async query(sql: string, params?: QueryParams) {
      try {
        const result = await session.queryBindAsync(sql, encodeParams(params), { format: 'JSONEachRow' });
        return parseRows(result.text());
      } catch (error) {
        throw wrap(error, 'query failed');
      }
    },
    async command(sql: string, params?: QueryParams) {
      try {
        await session.queryBindAsync(sql, encodeParams(params), { format: 'TSV' });
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
          settings: options?.dedupToken ? dedupSettings(options.dedupToken) : undefined,
        });
      } catch (error) {
        throw wrap(error, `insert into ${table} failed`);
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

/**
 * vitest setup file (runs in every test file's process before the file): with
 * CLICKHOUSE_URL set, the whole suite runs against that server, and each test file gets
 * a database of its own so files running side by side never see each other's rows. The
 * database name goes to CLICKHOUSE_DATABASE, which testConfig (test/helpers.ts) passes
 * on; the database is dropped when the file ends. Without CLICKHOUSE_URL this does nothing
 * and every test uses the embedded engine.
 */
import { randomBytes } from 'node:crypto';
import { afterAll } from 'vitest';
import { openClickHouseServer } from '../../src/warehouse/clickhouse-server.js';

const url = process.env.CLICKHOUSE_URL;
if (url) {
  const database = `tokenwatch_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = openClickHouseServer({ url, user: process.env.CLICKHOUSE_USER, password: process.env.CLICKHOUSE_PASSWORD, database: 'default' });
  await admin.command(`CREATE DATABASE ${database}`);
  process.env.CLICKHOUSE_DATABASE = database;
  afterAll(async () => {
    try {
      await admin.command(`DROP DATABASE IF EXISTS ${database} SYNC`);
    } finally {
      await admin.close();
    }
  });
}

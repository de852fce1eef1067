/**
 * The `tokenwatch` command: serve | migrate | keys create --role R.
 * A configuration error exits with code 2 and names the field.
 */
import { parseArgs } from 'node:util';
import { ConfigError, DETECTOR_NAMES, loadConfig, ROLES, type Config, type DetectorName, type Role } from './config.js';
import { timeParam } from './query/params.js';
import { openContext, openWarehouse } from './context.js';
import { createKey } from './keys/keyring.js';
import { createLogger } from './logger.js';
import { handleSignals, startServer } from './server.js';
import { SIMULATE_USAGE, simulateCommand, SimulateUsageError } from './simulate/index.js';
import { migrate, migrationVariables } from './warehouse/migrate.js';

const USAGE = `usage: tokenwatch <command> [options]

commands:
  serve                        API, scheduler and console (embedded ClickHouse unless CLICKHOUSE_URL is set)
  migrate                      apply the SQL migrations in sql/ and exit
  keys create --role ROLE      create an API key (ingest, idp, read or admin) and print it once
    [--name NAME]
  detect --from T [--to T]     run the detectors over a past range now and print the new flags
    [--detectors a,b] [--json]   (T: RFC 3339, epoch ms, or now-24h)
  simulate --url U --key K     post realistic gateway traffic with injected attacks to a running
    [--idp-key K]                tokenwatch (lifecycle events with the idp key), and write the labels
    [--seed 1] [--tokens 1000]   (--labels FILE)
    [--days 7] [--dry-run]

environment: TOKENWATCH_DATA_DIR, TOKENWATCH_HOST, TOKENWATCH_PORT, TOKENWATCH_CONFIG,
  TOKENWATCH_API_KEYS, TOKENWATCH_PEPPER, TOKENWATCH_VAULT_KEY, CLICKHOUSE_URL,
  CLICKHOUSE_USER, CLICKHOUSE_PASSWORD, CLICKHOUSE_DATABASE (see README.md)`;

class UsageError extends Error {}

async function serve(config: Config): Promise<void> {
  const server = await startServer(config);
  handleSignals(server);
  const { ctx } = server;
  const engine = config.clickhouse.url ? `ClickHouse server ${config.clickhouse.url}` : `embedded ClickHouse (chDB) in ${config.dataDir}/warehouse`;
  const lines = [`tokenwatch listening on ${server.url} — ${engine}`];
  if (ctx.initialKeysFile) lines.push(`API keys created (one per role: ingest, idp, read, admin): ${ctx.initialKeysFile}`);
  else lines.push(`API keys: ${ctx.keys.size} configured (create one with: npx tokenwatch keys create --role admin)`);
  for (const file of ctx.secrets.created) lines.push(`secret created: ${file}`);
  lines.push(`console: ${server.url}/   API docs: ${server.url}/docs   metrics: ${server.url}/metrics`);
  console.log(lines.join('\n'));
}

async function runMigrate(config: Config): Promise<void> {
  const warehouse = openWarehouse(config);
  try {
    const applied = await migrate(warehouse, migrationVariables(config));
    console.log(applied.length === 0 ? 'migrations: up to date' : applied.map((m) => `applied ${String(m.version).padStart(3, '0')}_${m.name}`).join('\n'));
  } finally {
    await warehouse.close();
  }
}

async function detect(config: Config, args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { from: { type: 'string' }, to: { type: 'string' }, detectors: { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  const from = values.from ? timeParam.safeParse(values.from) : undefined;
  const to = values.to ? timeParam.safeParse(values.to) : undefined;
  if (!from?.success) throw new UsageError('detect: --from is required: RFC 3339, epoch milliseconds or now-<n><s|m|h|d>');
  if (to && !to.success) throw new UsageError('detect: --to: RFC 3339, epoch milliseconds or now-<n><s|m|h|d>');
  const only = values.detectors?.split(',').map((d) => d.trim());
  const unknown = only?.filter((d) => !(DETECTOR_NAMES as readonly string[]).includes(d));
  if (unknown?.length) throw new UsageError(`detect: unknown detector ${unknown.join(', ')}; known: ${DETECTOR_NAMES.join(', ')}`);
  const ctx = await openContext(config, { logger: createLogger('warn') });
  try {
    await ctx.flusher.drained(120_000);
    const result = await ctx.runner.run({ from: from.data, to: to?.data ?? new Date() }, 'cli', only as DetectorName[] | undefined);
    const flags = await Promise.all(result.flags.map((f) => ctx.runner.store.get(f.id)));
    if (values.json) {
      for (const f of flags) console.log(JSON.stringify(f));
    } else {
      for (const f of flags) if (f) console.log(`${f.severity.padEnd(8)} ${f.detector.padEnd(17)} ${f.subject_type}:${f.subject.slice(0, 16)}  ${f.window_start}  ${f.explanation}`);
      const failed = result.detectors.filter((d) => d.outcome === 'failed');
      console.error(`${flags.length} new flags from ${result.detectors.length} detectors over ${result.from.toISOString()} .. ${result.to.toISOString()}` +
        (failed.length ? `; FAILED: ${failed.map((d) => `${d.detector} (${d.error})`).join(', ')}` : ''));
    }
  } finally {
    await ctx.close();
  }
}

function keys(config: Config, args: string[]): void {
  const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { role: { type: 'string' }, name: { type: 'string' } } });
  if (positionals[0] !== 'create') throw new UsageError('keys: expected "keys create --role ROLE"');
  const role = values.role;
  if (!role || !(ROLES as readonly string[]).includes(role)) throw new UsageError(`keys create: --role must be one of ${ROLES.join(', ')}`);
  const { key, id } = createKey(config.dataDir, role as Role, values.name);
  console.error(`created ${role} key ${id}; it is shown once, store it now:`);
  console.log(key);
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (!command || command === '--help' || command === '-h' || command === 'help') {
      console.log(USAGE);
      return command ? 0 : 2;
    }
    const config = loadConfig(process.env);
    switch (command) {
      case 'serve':
        await serve(config);
        return -1; // keep running
      case 'migrate':
        await runMigrate(config);
        return 0;
      case 'keys':
        keys(config, rest);
        return 0;
      case 'detect':
        await detect(config, rest);
        return 0;
      case 'simulate':
        await simulateCommand(rest);
        return 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`tokenwatch: configuration error\n${error.message}`);
      return 2;
    }
    if (error instanceof SimulateUsageError) {
      console.error(`tokenwatch simulate: ${error.message}\n\n${SIMULATE_USAGE}`);
      return 2;
    }
    if (error instanceof UsageError) {
      console.error(`tokenwatch: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    if ((error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      console.error(`tokenwatch: ${(error as Error).message}\n\n${USAGE}`);
      return 2;
    }
    createLogger('error').error({ err: error }, 'tokenwatch failed');
    return 1;
  }
}

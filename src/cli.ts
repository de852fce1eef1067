/**
 * The `tokenwatch` command: serve | migrate | keys create --role R.
 * A configuration error exits with code 2 and names the field.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, ROLES, type Config, type Role } from './config.js';
import { openWarehouse } from './context.js';
import { createKey } from './keys/keyring.js';
import { createLogger } from './logger.js';
import { handleSignals, startServer } from './server.js';
import { migrate, migrationVariables } from './warehouse/migrate.js';

const USAGE = `usage: tokenwatch <command> [options]

commands:
  serve                        API, scheduler and console (embedded ClickHouse unless CLICKHOUSE_URL is set)
  migrate                      apply the SQL migrations in sql/ and exit
  keys create --role ROLE      create an API key (ingest, read or admin) and print it once
    [--name NAME]

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
  if (ctx.initialKeysFile) lines.push(`API keys created (one per role: ingest, read, admin): ${ctx.initialKeysFile}`);
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
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`tokenwatch: configuration error\n${error.message}`);
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

/**
 * The `tokenwatch` command: serve | migrate | keys create | detect | simulate.
 * Every command and subcommand answers --help/-h with its usage (exit 0) before reading
 * the configuration or touching the data directory. Exit codes: 0 done, 1 failed (one
 * line, never a stack), 2 bad arguments or configuration (the message names the field).
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, DETECTOR_NAMES, loadConfig, ROLES, type Config, type DetectorName, type Role } from './config.js';
import { timeParam } from './http/params.js';
import { openContext, openWarehouse } from './context.js';
import { createKey, initialKey, initialKeysPath } from './keys/keyring.js';
import { createLogger } from './logger.js';
import { runningServer, warehouseHolder, type RunningServer } from './running-server.js';
import { handleSignals, PortInUseError, startServer } from './server.js';
import { SIMULATE_USAGE, simulateCommand, SimulateUsageError } from './simulate/index.js';
import { migrate, migrationVariables } from './warehouse/migrate.js';

const USAGE = `usage: tokenwatch <command> [options]   (tokenwatch <command> --help for its options)

commands:
  serve                        API, scheduler and console (embedded ClickHouse unless CLICKHOUSE_URL is set)
  migrate                      apply the SQL migrations in sql/ and exit (the server also applies them at start)
  keys create --role ROLE      create an API key (ingest, idp, read or admin) and print it once
    [--name NAME]
  detect --from T [--to T]     run the detectors over a past range now and print the new flags
    [--detectors a,b] [--json]   (T: RFC 3339, epoch ms, or now-24h)
  simulate --url U --key K     post realistic gateway traffic with injected attacks to a running
    [--idp-key K]                tokenwatch (lifecycle events with the idp key), then run the
    [--seed 1] [--tokens 1000]   retro-hunt over it
    [--days 7] [--dry-run]

exit codes: 0 done, 1 failed, 2 bad arguments or configuration

environment: TOKENWATCH_DATA_DIR, TOKENWATCH_HOST, TOKENWATCH_PORT, TOKENWATCH_CONFIG,
  TOKENWATCH_API_KEYS, TOKENWATCH_ADMIN_KEY, TOKENWATCH_PEPPER, TOKENWATCH_VAULT_KEY,
  CLICKHOUSE_URL, CLICKHOUSE_USER, CLICKHOUSE_PASSWORD, CLICKHOUSE_DATABASE (docs/cli.md, docs/configuration.md)`;

const SERVE_USAGE = `usage: tokenwatch serve

Starts the API, the detector scheduler and the console on TOKENWATCH_HOST:TOKENWATCH_PORT
(default 127.0.0.1:8080), with the data in TOKENWATCH_DATA_DIR (default ./data). At the
first start it creates the secrets and one API key per role in <data>/secrets/ and prints
where; it applies the SQL migrations itself. Stop it with Ctrl-C (SIGINT) or SIGTERM.

exit codes: 1 the port is in use or the start failed, 2 configuration error`;

const MIGRATE_USAGE = `usage: tokenwatch migrate

Applies the SQL migrations in sql/ to the warehouse and exits. The server applies them at
every start, so this is only needed to prepare a warehouse before the first start; while a
server serves the data directory, migrate says so and exits 1.`;

const KEYS_USAGE = `usage: tokenwatch keys create --role ROLE [--name NAME]

  --role ROLE   one of ${ROLES.join(', ')} (admin may do everything)
  --name NAME   a label kept with the key (optional)

Prints the new key once on stdout; only its hash is stored (<data>/secrets/api-keys.json).
A running server picks it up within a second.`;

const DETECT_USAGE = `usage: tokenwatch detect --from T [--to T] [--detectors a,b] [--json]

  --from T        start of the range: RFC 3339, epoch milliseconds or now-<n><s|m|h|d>
  --to T          end of the range (default now)
  --detectors a,b only these detectors (${DETECTOR_NAMES.join(', ')})
  --json          one flag per line as JSON

Runs the detectors over a past range now (a retro-hunt) and prints the new flags. When a
server serves the data directory, detect asks it (POST /v1/detections/run, at most 31 days)
with the admin key from TOKENWATCH_ADMIN_KEY, an admin key in the config file, or the
initial keys file; otherwise it opens the warehouse itself.`;

const HELP: Record<string, string> = { serve: SERVE_USAGE, migrate: MIGRATE_USAGE, keys: KEYS_USAGE, detect: DETECT_USAGE, simulate: SIMULATE_USAGE };

class UsageError extends Error {}
/** A failure the CLI reports in one line and exit code 1. */
class CommandError extends Error {}

function wantsHelp(args: string[]): boolean {
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

async function serve(config: Config): Promise<void> {
  const server = await startServer(config);
  handleSignals(server);
  const { ctx } = server;
  const engine = config.clickhouse.url ? `ClickHouse server ${config.clickhouse.url}` : `embedded ClickHouse (chDB) in ${config.dataDir}/warehouse`;
  const lines = [`tokenwatch listening on ${server.url} — ${engine}`];
  const keysFile = initialKeysPath(config.dataDir);
  if (ctx.initialKeysFile) lines.push(`API keys created (one per role: ${ROLES.join(', ')}): ${ctx.initialKeysFile}`);
  else if (existsSync(keysFile)) lines.push(`API keys: ${ctx.keys.size} configured; the initial keys are in ${keysFile} (delete it once they are stored elsewhere)`);
  else lines.push(`API keys: ${ctx.keys.size} configured (create one with: npx tokenwatch keys create --role admin)`);
  for (const file of ctx.secrets.created) lines.push(`secret created: ${file}`);
  lines.push(`console: ${server.url}/   API docs: ${server.url}/docs   metrics: ${server.url}/metrics`);
  console.log(lines.join('\n'));
}

function serverHolds(config: Config): RunningServer | undefined {
  return runningServer(config.dataDir);
}

/** Before opening the embedded warehouse: another live process holding it is one line, not the engine's lock error. */
function ensureWarehouseFree(config: Config): void {
  if (config.clickhouse.url) return;
  const pid = warehouseHolder(config.dataDir);
  if (pid !== undefined) throw new CommandError(`the warehouse in ${config.dataDir} is in use by process ${pid} (a running tokenwatch serve?)`);
}

async function runMigrate(config: Config): Promise<void> {
  const held = serverHolds(config);
  if (held) {
    throw new CommandError(`the server at ${held.url} (pid ${held.pid}) serves ${config.dataDir} and applied the migrations at its start; nothing to do`);
  }
  ensureWarehouseFree(config);
  const warehouse = openWarehouse(config);
  try {
    const applied = await migrate(warehouse, migrationVariables(config));
    console.log(applied.length === 0 ? 'migrations: up to date' : applied.map((m) => `applied ${String(m.version).padStart(3, '0')}_${m.name}`).join('\n'));
  } finally {
    await warehouse.close();
  }
}

interface PrintedFlag {
  severity: string;
  detector: string;
  subject_type: string;
  subject: string;
  window_start: string;
  explanation: string;
}

interface HuntResult {
  from: string;
  to: string;
  detectors: { detector: string; outcome: string; error?: string }[];
  flags: (PrintedFlag | null | undefined)[];
}

function printHunt(result: HuntResult, json: boolean): void {
  const flags = result.flags.filter((f): f is PrintedFlag => Boolean(f));
  for (const f of flags) {
    console.log(json ? JSON.stringify(f) : `${f.severity.padEnd(8)} ${f.detector.padEnd(17)} ${f.subject_type}:${f.subject.slice(0, 16)}  ${f.window_start}  ${f.explanation}`);
  }
  // The summary (and any failed detector) goes to stderr in both forms: stdout stays flags only.
  const failed = result.detectors.filter((d) => d.outcome === 'failed');
  console.error(
    `${flags.length} new flags from ${result.detectors.length} detectors over ${result.from} .. ${result.to}` +
      (failed.length ? `; FAILED: ${failed.map((d) => `${d.detector} (${d.error})`).join(', ')}` : ''),
  );
}

/** The admin key to ask a running server with: TOKENWATCH_ADMIN_KEY, an admin key in the config, or the initial keys file. */
function adminKeyFor(config: Config): string | undefined {
  return config.adminKey ?? config.api_keys.find((k) => k.role === 'admin' && k.key !== undefined)?.key ?? initialKey(config.dataDir, 'admin');
}

/** Asks a running server for a retro-hunt over its API (the embedded engine is locked by it). */
async function detectViaServer(config: Config, server: RunningServer, body: { from: string; to?: string; detectors?: string[] }): Promise<HuntResult> {
  const key = adminKeyFor(config);
  if (!key) {
    throw new CommandError(`the server at ${server.url} (pid ${server.pid}) serves ${config.dataDir}; set TOKENWATCH_ADMIN_KEY to an admin key so detect can ask it`);
  }
  console.error(`asking the server at ${server.url} (it serves ${config.dataDir})`);
  let response: Response;
  try {
    response = await fetch(`${server.url}/v1/detections/run`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  } catch (error) {
    throw new CommandError(`cannot reach the server at ${server.url} (pid ${server.pid}): ${(error as Error).message}`);
  }
  const answer = (await response.json().catch(() => ({}))) as HuntResult & { error?: { code: string; message: string } };
  if (!response.ok) {
    throw new CommandError(`the server at ${server.url} answered ${response.status}: ${answer.error?.message ?? response.statusText}`);
  }
  return answer;
}

async function detect(config: Config, args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { from: { type: 'string' }, to: { type: 'string' }, detectors: { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  const from = values.from ? timeParam.safeParse(values.from) : undefined;
  const to = values.to ? timeParam.safeParse(values.to) : undefined;
  const TIME_FORMS = 'RFC 3339, epoch milliseconds or now-<n><s|m|h|d>';
  if (!from) throw new UsageError(`detect: --from is required: ${TIME_FORMS}`);
  if (!from.success) throw new UsageError(`detect: --from: expected ${TIME_FORMS}, got ${JSON.stringify(values.from)}`);
  if (to && !to.success) throw new UsageError(`detect: --to: expected ${TIME_FORMS}, got ${JSON.stringify(values.to)}`);
  const only = values.detectors?.split(',').map((d) => d.trim());
  const unknown = only?.filter((d) => !(DETECTOR_NAMES as readonly string[]).includes(d));
  if (unknown?.length) throw new UsageError(`detect: unknown detector ${unknown.join(', ')}; known: ${DETECTOR_NAMES.join(', ')}`);

  const server = serverHolds(config);
  if (server) {
    printHunt(await detectViaServer(config, server, { from: values.from!, to: values.to, detectors: only }), values.json);
    return;
  }
  ensureWarehouseFree(config);
  const ctx = await openContext(config, { logger: createLogger('warn') });
  try {
    await ctx.flusher.drained(120_000);
    const result = await ctx.runner.run({ from: from.data, to: to?.data ?? new Date() }, 'cli', only as DetectorName[] | undefined);
    const flags = await Promise.all(result.flags.map((f) => ctx.runner.store.get(f.id)));
    printHunt({ from: result.from.toISOString(), to: result.to.toISOString(), detectors: result.detectors, flags: flags as (PrintedFlag | undefined)[] }, values.json);
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

/** One line for an error nobody anticipated: its message, never its stack. */
function oneLine(error: unknown, config: Config | undefined): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/cannot lock file|ChdbConnectionError/i.test(`${message} ${(error as Error)?.name ?? ''}`)) {
    return `the warehouse in ${config?.dataDir ?? 'the data directory'} is in use by another process (a running tokenwatch serve?)`;
  }
  return message.split('\n')[0]!;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  let config: Config | undefined;
  try {
    if (!command || command === '--help' || command === '-h' || command === 'help') {
      const topic = command === 'help' ? rest[0] : undefined;
      if (topic && HELP[topic]) {
        console.log(HELP[topic]);
        return 0;
      }
      if (topic) throw new UsageError(`help: unknown command "${topic}"`);
      if (command) console.log(USAGE);
      else console.error(USAGE);
      return command ? 0 : 2;
    }
    if (HELP[command] && wantsHelp(rest)) {
      console.log(HELP[command]);
      return 0;
    }
    if (!HELP[command]) throw new UsageError(`unknown command "${command}"`);
    config = loadConfig(process.env);
    switch (command) {
      case 'simulate':
        await simulateCommand(rest, undefined, { dataDir: config.dataDir, adminKey: adminKeyFor(config), idpKey: initialKey(config.dataDir, 'idp') });
        return 0;
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
        await detect(config, rest);
        return 0;
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`tokenwatch: configuration error\n${error.message}`);
      return 2;
    }
    if (error instanceof SimulateUsageError) {
      // Its message starts with "simulate:", like every usage error here ("tokenwatch: detect: …").
      console.error(`tokenwatch: ${error.message}\n\n${SIMULATE_USAGE}`);
      return 2;
    }
    if (error instanceof UsageError) {
      console.error(`tokenwatch: ${error.message}\n\n${HELP[command!] ?? USAGE}`);
      return 2;
    }
    if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS_')) {
      // The same form as every other usage error: "tokenwatch: keys: Unknown option '--bogus'…".
      console.error(`tokenwatch: ${command}: ${(error as Error).message}\n\n${HELP[command!] ?? USAGE}`);
      return 2;
    }
    if (error instanceof PortInUseError || error instanceof CommandError) {
      console.error(`tokenwatch ${command}: ${error.message}`);
      return 1;
    }
    console.error(`tokenwatch ${command}: ${oneLine(error, config)}`);
    return 1;
  }
}

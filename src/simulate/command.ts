/**
 * `tokenwatch simulate --url URL --key KEY [--idp-key KEY] [--seed N] [--tokens N] [--days N] [--labels FILE]
 *  [--attack-fraction F] [--batch-size N] [--concurrency N] [--admin-key KEY] [--no-retro-hunt] [--dry-run]`
 *
 * The scheduler looks at recent windows only, so after posting days of history the command
 * runs the retro-hunt over them (POST /v1/detections/run) and says what it found.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { generate, MAX_HISTORY_DAYS, MIN_TOKENS } from './generate.js';
import { post, writeLabels } from './post.js';

export const SIMULATE_USAGE = `usage: tokenwatch simulate --url URL --key INGEST_KEY --idp-key IDP_KEY [options]

  --url URL               the tokenwatch server, e.g. http://127.0.0.1:8080
  --key KEY               an API key with the ingest role (usage events)
  --idp-key KEY           an API key with the idp or admin role (lifecycle events:
                          refreshed and revoked need it; default: the data dir's
                          initial idp key, else the admin key, else --key)
  --seed N                PRNG seed (default 1): same seed, same traffic
  --tokens N              token holders (default 1000, at least ${MIN_TOKENS})
  --days N                days of traffic up to now (default 7, at most ${MAX_HISTORY_DAYS})
  --labels FILE           where to write the labels (default <data dir>/simulation-labels.json)
  --attack-fraction F     share of holders attacked (default 0.03)
  --batch-size N          events per request (default 5000)
  --concurrency N         requests in flight (default 4)
  --admin-key KEY         an admin key for the retro-hunt over the posted days
                          (default TOKENWATCH_ADMIN_KEY or the data dir's initial keys file)
  --no-retro-hunt         only post; the scheduler alone looks at the last minutes
  --dry-run               generate and write labels, send nothing

After posting, simulate runs the detectors over the simulated days (a retro-hunt through
POST /v1/detections/run) so the review queue holds what they find; without an admin key
it says how to run it.`;

/** Bad arguments: the caller prints the message and the usage, and exits with 2. */
export class SimulateUsageError extends Error {}

const number = (name: string) =>
  z
    .string()
    .regex(/^-?\d+(\.\d+)?$/, `--${name} must be a number`)
    .transform(Number);

const argsSchema = z
  .object({
    url: z.url({ message: '--url must be a URL such as http://127.0.0.1:8080' }).optional(),
    key: z.string().min(1).optional(),
    'idp-key': z.string().min(1).optional(),
    seed: number('seed').pipe(z.number().int('--seed must be an integer')).default(1),
    tokens: number('tokens').pipe(z.number().int().min(MIN_TOKENS, `--tokens must be at least ${MIN_TOKENS}`)).default(1000),
    days: number('days').pipe(z.number().positive().max(MAX_HISTORY_DAYS, `--days must be at most ${MAX_HISTORY_DAYS}`)).default(7),
    labels: z.string().min(1).optional(),
    'admin-key': z.string().min(1).optional(),
    'no-retro-hunt': z.boolean().default(false),
    'attack-fraction': number('attack-fraction').pipe(z.number().min(0).max(0.5)).optional(),
    'batch-size': number('batch-size').pipe(z.number().int().min(1).max(1_000_000)).default(5000),
    concurrency: number('concurrency').pipe(z.number().int().min(1).max(64)).default(4),
    'dry-run': z.boolean().default(false),
  })
  .refine((a) => a['dry-run'] || (a.url !== undefined && a.key !== undefined), { message: '--url and --key are required (or --dry-run)' });

export interface SimulateEnvironment {
  /** Where the labels go by default (the data directory). */
  dataDir: string;
  /** An admin key for the retro-hunt when --admin-key is not given. */
  adminKey?: string;
  /** An idp key for lifecycle events when --idp-key is not given (the initial keys file's). */
  idpKey?: string;
}

/** Runs the command; progress and the summary go to `log`. Throws SimulateUsageError on bad arguments. */
export async function simulateCommand(
  args: string[],
  log: (line: string) => void = (line) => console.error(line),
  env: SimulateEnvironment = { dataDir: '.' },
): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        url: { type: 'string' },
        key: { type: 'string' },
        'idp-key': { type: 'string' },
        seed: { type: 'string' },
        tokens: { type: 'string' },
        days: { type: 'string' },
        labels: { type: 'string' },
        'attack-fraction': { type: 'string' },
        'batch-size': { type: 'string' },
        concurrency: { type: 'string' },
        'admin-key': { type: 'string' },
        'no-retro-hunt': { type: 'boolean' },
        'dry-run': { type: 'boolean' },
      },
    }));
  } catch (error) {
    throw new SimulateUsageError(`simulate: ${(error as Error).message}`);
  }
  const parsed = argsSchema.safeParse(values);
  if (!parsed.success) throw new SimulateUsageError(`simulate: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  const a = parsed.data;

  const began = performance.now();
  const sim = generate({ seed: a.seed, tokens: a.tokens, days: a.days, attackFraction: a['attack-fraction'] });
  const seconds = ((performance.now() - began) / 1000).toFixed(1);
  log(
    `generated ${sim.events.length} usage events, ${sim.lifecycle.length} lifecycle events, ${sim.labels.length} labelled attacks ` +
      `(${sim.meta.start} .. ${sim.meta.end}, history from ${sim.meta.history_start}) in ${seconds} s`,
  );
  const labels = a.labels ?? join(env.dataDir, 'simulation-labels.json');
  await writeLabels(sim, labels);
  log(`labels written to ${labels}`);
  if (a['dry-run']) return;

  let lastReport = 0;
  const result = await post(
    sim,
    // admin implies idp: without an idp key the admin key carries the lifecycle events.
    { url: a.url!, key: a.key!, idpKey: a['idp-key'] ?? env.idpKey ?? a['admin-key'] ?? env.adminKey },
    {
      batchSize: a['batch-size'],
      concurrency: a.concurrency,
      onRetry: log,
      onProgress: (sent) => {
        if (sent - lastReport >= 100_000 || sent === sim.events.length) {
          lastReport = sent;
          log(`sent ${sent} / ${sim.events.length} usage events`);
        }
      },
    },
  );
  log(`accepted ${result.events} usage events and ${result.lifecycle} lifecycle events`);
  if (a['no-retro-hunt']) return;

  const adminKey = a['admin-key'] ?? env.adminKey;
  const hunt = `--from ${sim.meta.start}`;
  if (!adminKey) {
    log(`no admin key (--admin-key or TOKENWATCH_ADMIN_KEY): the retro-hunt did not run; the scheduler only looks at the last minutes, so run: tokenwatch detect ${hunt}`);
    return;
  }
  log(`running the retro-hunt over the simulated days (${sim.meta.start} .. now)…`);
  const response = await fetch(`${a.url!.replace(/\/+$/, '')}/v1/detections/run`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ from: sim.meta.start }),
  });
  const answer = (await response.json().catch(() => ({}))) as { flags?: unknown[]; error?: { message: string } };
  if (!response.ok) throw new Error(`the retro-hunt failed: ${response.status} ${answer.error?.message ?? response.statusText}`);
  log(`retro-hunt: ${answer.flags?.length ?? 0} new flags over the simulated days; review them in the console or GET /v1/flags`);
}

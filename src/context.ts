/**
 * Everything a running tokenwatch holds, opened in order at start and closed in reverse
 * at stop: secrets, warehouse (migrated), spool, flusher, ingestor, keys, metrics.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import { loadConfig, type Config } from './config.js';
import { validateDetectorConfig } from './detectors/registry.js';
import { DetectionRunner } from './detectors/runner.js';
import { Scheduler } from './detectors/scheduler.js';
import { Flusher } from './ingest/flusher.js';
import { openGeo, type GeoLookup } from './ingest/geo.js';
import { Ingestor } from './ingest/ingestor.js';
import { spooledEventIds, storedEventIds } from './ingest/known-ids.js';
import { createNormaliser } from './ingest/normalise.js';
import { Spool } from './ingest/spool.js';
import { ensureInitialKeys, KeyRing } from './keys/keyring.js';
import { loadSecrets, type Secrets } from './keys/secrets.js';
import { createLogger } from './logger.js';
import { createMetrics, type Metrics } from './metrics.js';
import { openRevocations, type Revocations } from './revocation/index.js';
import type { Adapter } from './revocation/adapters/types.js';
import { LifecycleIngestor } from './ingest/lifecycle.js';
import { openChdb } from './warehouse/chdb.js';
import { openClickHouseServer } from './warehouse/clickhouse-server.js';
import { migrate, migrationVariables } from './warehouse/migrate.js';
import { withStatementTimeout, type Warehouse } from './warehouse/warehouse.js';

export interface Context {
  config: Config;
  logger: Logger;
  secrets: Secrets;
  warehouse: Warehouse;
  metrics: Metrics;
  spool: Spool;
  flusher: Flusher;
  ingestor: Ingestor;
  keys: KeyRing;
  geo: GeoLookup | undefined;
  runner: DetectionRunner;
  scheduler: Scheduler;
  revocations: Revocations;
  /** Lifecycle events (POST /v1/tokens): raw tokens to the handle store, revocations to the feed. */
  lifecycle: LifecycleIngestor;
  /** The raw-keys file written at first start, if this start wrote it. */
  initialKeysFile: string | undefined;
  close(): Promise<void>;
}

export interface ContextOptions {
  logger?: Logger;
  /** A warehouse to use instead of the configured one (tests: a transport that fails). */
  warehouse?: Warehouse;
  /** Skip the MMDB/ASN tables (tests that do not need locations start faster). */
  geo?: boolean;
  /** Start the flusher (default true). */
  flush?: boolean;
  /** Send revocations from this process (default: when scheduler.enabled). */
  dispatch?: boolean;
  /** Adapters to use instead of the configured targets' (tests). */
  adapters?: Map<string, Adapter>;
}

export function openWarehouse(config: Config): Warehouse {
  if (config.clickhouse.url) {
    return openClickHouseServer({
      url: config.clickhouse.url,
      user: config.clickhouse.user,
      password: config.clickhouse.password,
      database: config.clickhouse.database,
      cluster: config.clickhouse.cluster,
      // The client waits longer than any statement may run, so the engine's limit answers first.
      requestTimeoutMs: Math.max(config.warehouse.statement_timeout_ms, config.warehouse.background_statement_timeout_ms) + 30_000,
    });
  }
  return openChdb(join(config.dataDir, 'warehouse'));
}

export async function openContext(config: Config, options: ContextOptions = {}): Promise<Context> {
  validateDetectorConfig(config);
  const logger = options.logger ?? createLogger(config.logLevel);
  const secrets = loadSecrets(config.dataDir, config.secrets);
  const initialKeysFile = ensureInitialKeys(config);
  const keys = new KeyRing(config);
  const metrics = createMetrics();
  const engine = options.warehouse ?? openWarehouse(config);
  try {
    await migrate(engine, migrationVariables(config));
  } catch (error) {
    await engine.close();
    throw error;
  }
  // Every statement has a time limit: the request path's short one, detectors' and jobs' long one.
  const warehouse = withStatementTimeout(engine, config.warehouse.statement_timeout_ms);
  const background = withStatementTimeout(engine, config.warehouse.background_statement_timeout_ms);
  const geo = options.geo === false ? undefined : await openGeo({ cityMmdb: config.geo.city_mmdb, cacheSize: config.geo.cache_size });
  const spool = await Spool.open({
    dir: join(config.dataDir, 'spool'),
    segmentBytes: config.spool.segment_bytes,
    maxBytes: config.spool.max_bytes,
  });
  const runner = new DetectionRunner(background, config, metrics, logger, warehouse);
  const revocations = await openRevocations({ config, warehouse, vaultKey: secrets.vaultKey, flags: runner.store, metrics, logger, adapters: options.adapters });
  // Detector findings → policies → revocation: wired here, so neither side imports the other.
  runner.onFlags(async (flags) => {
    const outcomes = await revocations.policy.apply(flags);
    if (outcomes.length > 0) logger.info({ outcomes }, 'policies applied to new flags');
  });
  const handles = revocations.handles;
  // Lifecycle events: raw tokens a target needs go to the handle store, and revocations
  // reported by identity providers to the feed's live stream.
  const lifecycle = new LifecycleIngestor(
    config,
    warehouse,
    secrets.pepper,
    (fp, token, type, exp) => type && handles.remember(fp, token, type, exp),
    (rows, receivedAt) => {
      for (const r of rows) {
        revocations.feed.publish({ token_fingerprint: r.token_fingerprint, revoked_at: `${r.ts.replace(' ', 'T')}Z`, source: r.source, reason: r.reason }, receivedAt);
      }
    },
  );
  const ingestor = new Ingestor({
    config,
    spool,
    normalise: createNormaliser(secrets.pepper, geo, handles.types.size > 0 ? (fp, token, type, exp) => type && handles.remember(fp, token, type, exp) : undefined),
    metrics,
    logger,
    admit: (n) => handles.hasRoom(n),
  });
  try {
    ingestor.remember(await storedEventIds(warehouse, config));
  } catch (error) {
    logger.warn({ err: error }, 'could not read recent event ids; retries across this restart may count twice');
  }
  ingestor.remember(spooledEventIds(spool));
  const flusher = new Flusher(spool, warehouse, metrics, logger, {
    intervalMs: config.ingest.flush_interval_ms,
    maxBytes: config.ingest.flush_max_bytes,
  });
  if (options.flush !== false) flusher.start();
  if (options.dispatch ?? config.scheduler.enabled) await revocations.start();
  const scheduler = new Scheduler(
    [
      {
        name: 'detectors',
        schedule: config.scheduler.cron,
        run: () => runner.run(runner.scheduledRange(), 'schedule'),
      },
    ],
    metrics,
    logger,
  );

  let closed = false;
  return {
    config,
    logger,
    secrets,
    warehouse,
    metrics,
    spool,
    flusher,
    ingestor,
    keys,
    geo,
    runner,
    scheduler,
    revocations,
    lifecycle,
    initialKeysFile,
    async close() {
      if (closed) return;
      closed = true;
      await scheduler.stop();
      await revocations.close();
      await flusher.stop(true);
      await spool.close();
      geo?.close();
      await warehouse.close();
    },
  };
}

export { loadConfig };

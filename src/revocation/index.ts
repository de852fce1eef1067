/**
 * The revocation side, assembled: vault and handles, outbox, audit, one adapter per
 * configured target, the dispatcher, requests, bulk jobs and estimates, the feed
 * and the policies that act on new flags (context.ts hands them the detectors' findings).
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Metrics } from '../metrics.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { createAdapter } from './adapters/index.js';
import type { Adapter } from './adapters/types.js';
import { AuditWriter } from './audit.js';
import { revokedEventsOf } from './audit-rows.js';
import { Dispatcher } from './dispatcher.js';
import { RevocationFeed } from './feed.js';
import { FeedStreams } from './feed-streams.js';
import { HandleStore } from './handles.js';
import { isFinal, Outbox, type Revocation } from './outbox.js';
import { revokeForFlag, type FlagOfToken, type FlagRevocation } from './for-flag.js';
import { PolicyEngine, type FlagReviews } from './policy.js';
import { Estimates } from './estimates.js';
import { BulkJobs } from './jobs.js';
import { RevocationRequests } from './requests.js';
import { RevocationTargets } from './targets.js';
import { Vault } from './vault.js';

/** Handles of tokens whose expiry is unknown are kept this long at most. */
const DEFAULT_HANDLE_TTL_DAYS = 30;
/** Fingerprints per query when recovering after a restart. */
const RECOVER_BATCH = 5000;

export interface Revocations {
  vault: Vault;
  handles: HandleStore;
  outbox: Outbox;
  audit: AuditWriter;
  dispatcher: Dispatcher;
  /** Which target a request goes to. */
  targets: RevocationTargets;
  /** Idempotent revocation requests, recorded before they are sent. */
  requests: RevocationRequests;
  /** Bulk jobs through the key space at the target's pace. */
  jobs: BulkJobs;
  /** What a bulk revocation would take. */
  estimates: Estimates;
  feed: RevocationFeed;
  /** Live SSE streams of the feed: one shared poller, capped (revocation.feed_streams). */
  feedStreams: FeedStreams;
  policy: PolicyEngine;
  /** Revokes a flag's token or refresh family, the way the policies do (for-flag.ts). */
  revokeForFlag(flag: FlagOfToken, scope: 'token' | 'family', how: FlagRevocation): Promise<{ held: boolean; revocations: Revocation[] }>;
  /** Starts sending (the process that schedules detectors also dispatches). */
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function openRevocations(deps: {
  config: Config;
  warehouse: Warehouse;
  vaultKey: Buffer;
  /** Where a held flag is set to needs_review (the detectors' flag store). */
  flags: FlagReviews;
  metrics: Metrics;
  logger: Logger;
  adapters?: Map<string, Adapter>;
}): Promise<Revocations> {
  const { config, warehouse, metrics, logger } = deps;
  const vault = new Vault(deps.vaultKey);
  const types = new Set(Object.values(config.revocation.targets).flatMap((t) => t.token_types));
  const handles = new HandleStore(warehouse, vault, types, DEFAULT_HANDLE_TTL_DAYS, logger, metrics);
  const outbox = await Outbox.open(join(config.dataDir, 'revocation'));
  const audit = new AuditWriter(warehouse, logger, (ids) => outbox.archive(ids));
  const adapters = deps.adapters ?? new Map(Object.entries(config.revocation.targets).map(([name, target]) => [name, createAdapter(name, target)]));
  const dispatcher = new Dispatcher(outbox, adapters, config, handles, vault, audit, metrics, logger);
  const targets = new RevocationTargets(config);
  const requests = new RevocationRequests(warehouse, outbox, dispatcher, vault, audit);
  const estimates = new Estimates(config, warehouse, dispatcher, targets);
  const jobs = new BulkJobs(config, warehouse, outbox, dispatcher, requests, estimates, audit, logger);
  const feed = new RevocationFeed(warehouse);
  const feedStreams = new FeedStreams(feed, config.revocation.feed_streams, metrics, logger);
  dispatcher.onFinal((rev) => {
    if (rev.status === 'done' && rev.action === 'revoke_token') {
      feed.publish({ token_fingerprint: rev.token_fingerprint, revoked_at: new Date(rev.updated_at).toISOString(), source: rev.source, reason: rev.reason }, rev.updated_at);
    }
  });
  const policy = new PolicyEngine(config, warehouse, { targets, requests }, deps.flags, metrics, logger);
  /**
   * After a restart, what the last run may not have finished: final revocations still in
   * the outbox may lack their audit rows (the revocations table keeps one version per
   * update, so writing them again is harmless) and, when done, the lifecycle event the
   * feed carries to gateways; and used handles may not be deleted yet.
   */
  async function recover(): Promise<void> {
    const final = [...outbox.revocations.values()].filter((r) => isFinal(r.status));
    const done = final.filter((r) => r.status === 'done' && r.action === 'revoke_token');
    for (let i = 0; i < done.length; i += RECOVER_BATCH) {
      const chunk = done.slice(i, i + RECOVER_BATCH);
      const rows = await revokedEventsOf(warehouse, { fps: chunk.map((r) => r.token_fingerprint) });
      const written = new Set(rows.map((r) => r.event_id));
      for (const rev of chunk) if (!written.has(`revocation-${rev.id}`)) audit.revoked(rev, rev.updated_at);
      handles.forget(chunk.map((r) => r.token_fingerprint));
    }
    for (const rev of final) audit.record(rev);
    const swept = await handles.sweep();
    if (final.length > 0 || swept > 0) logger.info({ final: final.length, handles_deleted: swept }, 'revocation state recovered after a restart');
  }
  let started = false;
  return {
    vault,
    handles,
    outbox,
    audit,
    dispatcher,
    targets,
    requests,
    jobs,
    estimates,
    feed,
    feedStreams,
    policy,
    revokeForFlag: (flag, scope, how) => revokeForFlag({ warehouse, targets, requests }, flag, scope, how),
    async start() {
      if (started) return;
      started = true;
      try {
        await policy.load();
      } catch (error) {
        logger.warn({ err: error }, 'could not count recent automatic revocations; the blast-radius count starts at zero');
      }
      try {
        await recover();
      } catch (error) {
        logger.warn({ err: error }, 'could not finish what the last run left (audit rows, used handles); the next start tries again');
      }
      dispatcher.start();
      jobs.start();
    },
    async close() {
      feedStreams.close();
      jobs.stop();
      await dispatcher.stop();
      await audit.close();
      await handles.close();
      await outbox.close();
    },
  };
}

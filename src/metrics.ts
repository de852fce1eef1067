/** Prometheus metrics, one registry per app so tests can build several apps. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'tokenwatch_' });
  return {
    registry,
    eventsAccepted: new Counter({ name: 'tokenwatch_events_accepted_total', help: 'Usage events acknowledged (durable)', registers: [registry] }),
    eventsRejected: new Counter({ name: 'tokenwatch_events_rejected_total', help: 'Usage events refused as invalid', registers: [registry] }),
    eventsDuplicate: new Counter({ name: 'tokenwatch_events_duplicate_total', help: 'Usage events dropped as retries of events already stored', registers: [registry] }),
    ingestRefused: new Counter({ name: 'tokenwatch_ingest_refused_total', help: 'Ingest requests refused with 503 (spool full, overload, or handles: the revocation-handle buffer is full)', labelNames: ['reason'], registers: [registry] }),
    ingestInflightBytes: new Gauge({ name: 'tokenwatch_ingest_inflight_bytes', help: 'Ingest body bytes reserved by requests being read or processed (server.max_inflight_bytes bounds it)', registers: [registry] }),
    feedStreams: new Gauge({ name: 'tokenwatch_feed_streams', help: 'Open SSE streams of the revocation feed', registers: [registry] }),
    feedStreamsRefused: new Counter({ name: 'tokenwatch_feed_streams_refused_total', help: 'Revocation-feed streams refused with 429 (reason: total or per_key cap)', labelNames: ['reason'], registers: [registry] }),
    feedStreamsDropped: new Counter({ name: 'tokenwatch_feed_streams_dropped_total', help: 'Revocation-feed streams dropped because their client did not read (buffer cap)', registers: [registry] }),
    feedPolls: new Counter({ name: 'tokenwatch_feed_polls_total', help: 'Polls of the warehouse by the shared revocation-feed poller (ok, failed, skipped_overlap)', labelNames: ['outcome'], registers: [registry] }),
    flushLatency: new Histogram({ name: 'tokenwatch_flush_seconds', help: 'Time to move one spool chunk into the warehouse', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [registry] }),
    flushedRows: new Counter({ name: 'tokenwatch_flushed_rows_total', help: 'Rows moved from the spool into the warehouse', registers: [registry] }),
    spoolBytes: new Gauge({ name: 'tokenwatch_spool_pending_bytes', help: 'Bytes accepted but not yet in the warehouse', registers: [registry] }),
    detectorSeconds: new Histogram({ name: 'tokenwatch_detector_seconds', help: 'Duration of one detector over one range', labelNames: ['detector'], buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [registry] }),
    detectorRuns: new Counter({ name: 'tokenwatch_detector_runs_total', help: 'Detector runs by outcome', labelNames: ['detector', 'outcome'], registers: [registry] }),
    flagsRaised: new Counter({ name: 'tokenwatch_flags_raised_total', help: 'New flags', labelNames: ['detector', 'severity'], registers: [registry] }),
    jobRuns: new Counter({ name: 'tokenwatch_job_runs_total', help: 'Scheduled job runs by outcome (ok, failed, skipped_overlap)', labelNames: ['job', 'outcome'], registers: [registry] }),
    jobSeconds: new Histogram({ name: 'tokenwatch_job_seconds', help: 'Duration of scheduled jobs', labelNames: ['job'], buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120], registers: [registry] }),
    revocationAttempts: new Counter({ name: 'tokenwatch_revocation_attempts_total', help: 'Attempts against revocation targets', labelNames: ['target', 'outcome'], registers: [registry] }),
    revocations: new Counter({ name: 'tokenwatch_revocations_total', help: 'Revocations reaching a final state', labelNames: ['target', 'status'], registers: [registry] }),
    alarms: new Counter({ name: 'tokenwatch_alarms_total', help: 'Conditions an operator must look at (blast radius reached, target refusing our credentials)', labelNames: ['kind'], registers: [registry] }),
    keyRevocationBudgetExhausted: new Counter({
      name: 'tokenwatch_key_revocation_budget_exhausted_total',
      help: 'Automatic revocations held for review because the key that reported their evidence used up its hourly budget (one gateway key steering revocations)',
      labelNames: ['key_id'],
      registers: [registry],
    }),
    warehouseErrors: new Counter({ name: 'tokenwatch_warehouse_errors_total', help: 'Failed warehouse calls', labelNames: ['operation'], registers: [registry] }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

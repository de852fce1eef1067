/** Health, readiness and Prometheus metrics: public, for orchestrators and scrapers. */
import type { App } from '../http/app-type.js';
import type { Config } from '../config.js';
import type { Flusher } from '../ingest/flusher.js';
import type { Spool } from '../ingest/spool.js';
import type { Metrics } from '../metrics.js';
import type { Warehouse } from '../warehouse/warehouse.js';

/** Not ready once the spool is this full: a load balancer should send traffic elsewhere. */
const SPOOL_NOT_READY_FRACTION = 0.9;

/** What the ops routes use of the running parts. */
export interface OpsRouteDeps {
  config: Config;
  warehouse: Warehouse;
  spool: Spool;
  flusher: Flusher;
  metrics: Metrics;
}

export async function opsRoutes(app: App, ctx: OpsRouteDeps): Promise<void> {
  const hide = { hide: true };

  app.get('/healthz', { schema: hide }, async () => ({ status: 'ok' }));

  // Public: it says what is wrong, never the warehouse's words (hosts, users, paths); those go to the log.
  app.get('/readyz', { schema: hide }, async (request, reply) => {
    const pending = ctx.spool.pendingBytes();
    let warehouse = 'ok';
    try {
      await ctx.warehouse.ping();
    } catch (error) {
      warehouse = 'unreachable';
      request.log.warn({ err: error }, 'readiness: the warehouse does not answer');
    }
    const spoolFull = pending >= ctx.config.spool.max_bytes * SPOOL_NOT_READY_FRACTION;
    const ready = warehouse === 'ok' && !spoolFull;
    return reply.code(ready ? 200 : 503).send({
      ready,
      warehouse,
      spool: { pending_bytes: pending, max_bytes: ctx.config.spool.max_bytes, flush_error: ctx.flusher.lastError ? 'the last flush failed; the reason is in the log' : null },
    });
  });

  app.get('/metrics', { schema: hide }, async (_request, reply) => {
    ctx.metrics.spoolBytes.set(ctx.spool.pendingBytes());
    reply.header('content-type', ctx.metrics.registry.contentType);
    return ctx.metrics.registry.metrics();
  });
}

/** Health, readiness and Prometheus metrics: public, for orchestrators and scrapers. */
import type { App } from '../app.js';
import type { Context } from '../context.js';

/** Not ready once the spool is this full: a load balancer should send traffic elsewhere. */
const SPOOL_NOT_READY_FRACTION = 0.9;

export async function opsRoutes(app: App, ctx: Context): Promise<void> {
  const hide = { hide: true };

  app.get('/healthz', { schema: hide }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: hide }, async (_request, reply) => {
    const pending = ctx.spool.pendingBytes();
    let warehouse = 'ok';
    try {
      await ctx.warehouse.ping();
    } catch (error) {
      warehouse = `unreachable: ${(error as Error).message}`;
    }
    const spoolFull = pending >= ctx.config.spool.max_bytes * SPOOL_NOT_READY_FRACTION;
    const ready = warehouse === 'ok' && !spoolFull;
    return reply.code(ready ? 200 : 503).send({
      ready,
      warehouse,
      spool: { pending_bytes: pending, max_bytes: ctx.config.spool.max_bytes, flush_error: ctx.flusher.lastError?.message ?? null },
    });
  });

  app.get('/metrics', { schema: hide }, async (_request, reply) => {
    ctx.metrics.spoolBytes.set(ctx.spool.pendingBytes());
    reply.header('content-type', ctx.metrics.registry.contentType);
    return ctx.metrics.registry.metrics();
  });
}

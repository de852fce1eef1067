/** POST /v1/events: a JSON array or NDJSON of usage events from a gateway; the native gateway routes beside it. */
import type { App } from '../http/app-type.js';
import { z } from 'zod';
import type { Config } from '../config.js';
import type { Metrics } from '../metrics.js';
import { batchBody, NDJSON_TYPES } from '../http/batch-body.js';
import { HttpError } from '../http/errors.js';
import { gatewayRoutes, type GatewayRouteDeps } from './gateways/routes.js';
import type { Ingestor } from './ingestor.js';
import { usageEventSchema } from './event-schema.js';

export const ingestResponse = z.object({
  accepted: z.number().int().describe('events now durable, retries of stored events included'),
  duplicates: z.number().int().describe('events whose event_id was already stored (gateway retries)'),
  rejected: z.array(z.object({ index: z.number().int(), error: z.string() })),
});

/** What the ingest routes use of the running parts (the native gateway routes' too). */
export interface IngestRouteDeps extends GatewayRouteDeps {
  config: Config;
  ingestor: Ingestor;
  metrics: Metrics;
}

export async function ingestRoutes(app: App, ctx: IngestRouteDeps): Promise<void> {
  const { config, ingestor, metrics } = ctx;
  const eventsBody = batchBody(
    usageEventSchema({
      maxStringLength: config.ingest.max_string_length,
      maxFutureSkewMs: config.ingest.max_future_skew_seconds * 1000,
      maxAgeMs: config.ingest.max_age_days * 86_400_000,
    }),
  );

  // Bodies stay bytes until the ingestor parses them: NDJSON lines are reported one by one.
  app.removeContentTypeParser(['application/json']);
  app.addContentTypeParser(['application/json', ...NDJSON_TYPES], { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  // Bounded memory: bodies being read or processed may not exceed max_inflight_bytes.
  // The reservation is returned when the response closes, whatever happened: fastify calls
  // no onResponse for a client that disconnects mid-upload, and each such upload used to
  // keep its bytes reserved for good (issue 11: 30 aborted uploads, then 503 for everyone).
  let inflight = 0;
  app.addHook('onRequest', async (request, reply) => {
    const declared = Number(request.headers['content-length'] ?? config.server.body_limit_bytes);
    const cost = Number.isFinite(declared) && declared >= 0 ? Math.min(declared, config.server.body_limit_bytes) : config.server.body_limit_bytes;
    if (inflight + cost > config.server.max_inflight_bytes) {
      metrics.ingestRefused.inc({ reason: 'overload' });
      throw new HttpError(503, 'overloaded', 'too many events in flight; retry later', [], { 'retry-after': '1' });
    }
    inflight += cost;
    metrics.ingestInflightBytes.set(inflight);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      inflight -= cost;
      metrics.ingestInflightBytes.set(inflight);
    };
    // 'close' fires after the response is sent and when the connection is cut first.
    reply.raw.once('close', release);
  });

  app.post(
    '/v1/events',
    {
      bodyLimit: config.server.body_limit_bytes,
      config: { roles: ['ingest'] },
      validatorCompiler: eventsBody.validatorCompiler,
      schema: {
        body: eventsBody.body,
        summary: 'Ingest usage events',
        description:
          'A JSON array of usage events (application/json) or one event per line (application/x-ndjson). ' +
          'Valid events are stored, invalid ones are reported by index; all invalid: 400.',
        tags: ['ingest'],
        response: { 202: ingestResponse },
      },
    },
    async (request, reply) => {
      const contentType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      const body = request.body as Buffer | undefined;
      if (!body || body.length === 0) throw new HttpError(400, 'empty_body', 'the body is empty: send a JSON array or NDJSON of events');
      const result = await ingestor.ingestBody(body, NDJSON_TYPES.includes(contentType), Date.now(), request.keyId);
      return reply.code(202).send(result);
    },
  );

  // In a child scope: same in-flight limit, its own body parsing.
  await app.register(async (scope) => gatewayRoutes(scope as App, ctx));
}

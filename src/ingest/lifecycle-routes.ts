/** POST /v1/tokens (token lifecycle) and POST /v1/apps (application lifecycle). */
import { z } from 'zod';
import type { App } from '../http/app-type.js';
import type { Config } from '../config.js';
import type { Metrics } from '../metrics.js';
import { batchBody, isNdjson, registerBatchBodies } from '../http/batch-body.js';
import { HttpError } from '../http/errors.js';
import { describeIssues } from './event-schema.js';
import { handlesBacklog, parseBatch } from './ingestor.js';
import { ingestResponse } from './routes.js';
import type { Rejection } from './ingestor.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { appEventSchema, INGEST_KEY_EVENTS, insertAppEvents, LIFECYCLE_EVENTS, type LifecycleIngestor, lifecycleEventSchema } from './lifecycle.js';

const KNOWN_EVENTS: ReadonlySet<unknown> = new Set(LIFECYCLE_EVENTS);

/**
 * What a gateway's ingest key may not send here: refreshed, revoked and expired events, any
 * event that names a token it replaces, and an expiry. A revocation makes every gateway
 * reject the token, a refresh changes its family, and an expiry (reported, or an
 * expires_at) takes a live token out of family and bulk revocations: only the identity
 * provider (role idp) or an admin may say so. One such event refuses the whole request (403), each named by index. An event
 * that is no lifecycle event at all is left to the schema (400, like any invalid event).
 */
export function ingestKeyViolations(items: unknown[]): Rejection[] {
  const out: Rejection[] = [];
  items.forEach((item, index) => {
    if (typeof item !== 'object' || item === null) return; // the schema words that error
    const e = item as Record<string, unknown>;
    if (!KNOWN_EVENTS.has(e.event)) return;
    if (!INGEST_KEY_EVENTS.has(e.event as string)) {
      out.push({ index, error: `event ${JSON.stringify(String(e.event).slice(0, 32))} needs a key with role idp or admin; an ingest key may send issued only` });
    } else if (e.rotated_from !== undefined || e.rotated_from_fingerprint !== undefined) {
      out.push({ index, error: 'rotated_from needs a key with role idp or admin: it changes a refresh family' });
    } else if (e.expires_at !== undefined) {
      out.push({ index, error: 'expires_at needs a key with role idp or admin: an expired token is left out of revocations' });
    }
  });
  return out;
}

function batchOf(body: unknown, contentType: string | undefined, maxItems: number) {
  if (!Buffer.isBuffer(body) || body.length === 0) throw new HttpError(400, 'empty_body', 'the body is empty: send a JSON array or NDJSON of events');
  return parseBatch(body, isNdjson(contentType), maxItems);
}

/** What the lifecycle routes use of the running parts: the lifecycle ingestor is wired in context.ts. */
export interface TokenRouteDeps {
  config: Config;
  warehouse: Warehouse;
  metrics: Metrics;
  lifecycle: LifecycleIngestor;
  /** Room for the revocation handles of a request's raw tokens (HandleStore.hasRoom). */
  revocations: { handles: { hasRoom(n: number): boolean } };
}

export async function tokenRoutes(app: App, ctx: TokenRouteDeps): Promise<void> {
  registerBatchBodies(app);
  const { lifecycle } = ctx;
  const handles = ctx.revocations.handles;
  const appSchema = appEventSchema(ctx.config);
  const tokensBody = batchBody(lifecycleEventSchema(ctx.config));
  const appsBody = batchBody(appSchema);

  app.post(
    '/v1/tokens',
    {
      config: { roles: ['idp', 'ingest'] },
      validatorCompiler: tokensBody.validatorCompiler,
      schema: {
        body: tokensBody.body,
        summary: 'Record token lifecycle events',
        description:
          'issued, refreshed (rotated_from: the refresh token it replaces), revoked (source, reason) or expired; ' +
          'a JSON array or NDJSON, validated like usage events. Role idp or admin; an ingest key may send only issued, without expires_at (else 403).',
        tags: ['tokens'],
        response: { 202: ingestResponse },
      },
    },
    async (request, reply) => {
      const { items, rejected } = batchOf(request.body, request.headers['content-type'], ctx.config.server.max_events_per_request);
      if (request.role === 'ingest') {
        const refused = ingestKeyViolations(items);
        if (refused.length > 0) {
          throw new HttpError(403, 'forbidden', `${refused.length} event(s) need a key with role idp or admin; nothing was stored`, refused);
        }
      }
      if (!handles.hasRoom(items.length)) {
        ctx.metrics.ingestRefused.inc({ reason: 'handles' });
        throw handlesBacklog();
      }
      return reply.code(202).send(await lifecycle.ingest(items, rejected, Date.now(), request.keyId, request.role === 'ingest'));
    },
  );

  app.post(
    '/v1/apps',
    {
      config: { roles: ['idp'] },
      validatorCompiler: appsBody.validatorCompiler,
      schema: {
        body: appsBody.body,
        summary: 'Record application lifecycle events',
        description: 'registered, blocked or unblocked, with app_id; a JSON array or NDJSON. Role idp or admin.',
        tags: ['tokens'],
        response: { 202: ingestResponse },
      },
    },
    async (request, reply) => {
      const { items, rejected: parseRejected } = batchOf(request.body, request.headers['content-type'], ctx.config.server.max_events_per_request);
      if (items.length > ctx.config.server.max_events_per_request) {
        throw new HttpError(413, 'too_many_events', `a request may carry at most ${ctx.config.server.max_events_per_request} events`);
      }
      const rejected = [...parseRejected];
      const skip = new Set(parseRejected.map((r) => r.index));
      const valid: z.output<typeof appSchema>[] = [];
      items.forEach((item, index) => {
        if (skip.has(index)) return;
        const parsed = appSchema.safeParse(item);
        if (parsed.success) valid.push(parsed.data);
        else rejected.push({ index, error: describeIssues(parsed.error) });
      });
      rejected.sort((a, b) => a.index - b.index);
      if (valid.length === 0) throw new HttpError(400, 'invalid_events', 'no valid event in the request', rejected);
      await insertAppEvents(ctx.warehouse, valid, Date.now(), request.keyId);
      return reply.code(202).send({ accepted: valid.length, duplicates: 0, rejected });
    },
  );
}

/** POST /v1/tokens (token lifecycle) and POST /v1/apps (application lifecycle). */
import { z } from 'zod';
import type { App } from '../app.js';
import type { Context } from '../context.js';
import { batchBody, isNdjson, registerBatchBodies } from '../http/batch-body.js';
import { HttpError } from '../http/errors.js';
import { describeIssues } from '../ingest/event-schema.js';
import { parseBatch } from '../ingest/ingestor.js';
import { ingestResponse } from '../ingest/routes.js';
import { appEventSchema, insertAppEvents, LifecycleIngestor, lifecycleEventSchema } from './lifecycle.js';

function batchOf(body: unknown, contentType: string | undefined) {
  if (!Buffer.isBuffer(body) || body.length === 0) throw new HttpError(400, 'empty_body', 'the body is empty: send a JSON array or NDJSON of events');
  return parseBatch(body, isNdjson(contentType));
}

export async function tokenRoutes(app: App, ctx: Context): Promise<void> {
  registerBatchBodies(app);
  const handles = ctx.revocations.handles;
  const lifecycle = new LifecycleIngestor(
    ctx.config,
    ctx.warehouse,
    ctx.secrets.pepper,
    (fp, token, type, exp) => type && handles.remember(fp, token, type, exp),
    (rows, receivedAt) => {
      for (const r of rows) {
        ctx.revocations.feed.publish({ token_fingerprint: r.token_fingerprint, revoked_at: `${r.ts.replace(' ', 'T')}Z`, source: r.source, reason: r.reason }, receivedAt);
      }
    },
  );
  const appSchema = appEventSchema(ctx.config);
  const tokensBody = batchBody(lifecycleEventSchema(ctx.config));
  const appsBody = batchBody(appSchema);

  app.post(
    '/v1/tokens',
    {
      config: { roles: ['ingest'] },
      validatorCompiler: tokensBody.validatorCompiler,
      schema: {
        body: tokensBody.body,
        summary: 'Record token lifecycle events',
        description:
          'issued, refreshed (rotated_from: the refresh token it replaces), revoked (source, reason) or expired; ' +
          'a JSON array or NDJSON, validated like usage events.',
        tags: ['tokens'],
        response: { 202: ingestResponse },
      },
    },
    async (request, reply) => {
      const { items, rejected } = batchOf(request.body, request.headers['content-type']);
      return reply.code(202).send(await lifecycle.ingest(items, rejected));
    },
  );

  app.post(
    '/v1/apps',
    {
      config: { roles: ['ingest', 'admin'] },
      validatorCompiler: appsBody.validatorCompiler,
      schema: {
        body: appsBody.body,
        summary: 'Record application lifecycle events',
        description: 'registered, blocked or unblocked, with app_id; a JSON array or NDJSON.',
        tags: ['tokens'],
        response: { 202: ingestResponse },
      },
    },
    async (request, reply) => {
      const { items, rejected: parseRejected } = batchOf(request.body, request.headers['content-type']);
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
      await insertAppEvents(ctx.warehouse, valid);
      return reply.code(202).send({ accepted: valid.length, duplicates: 0, rejected });
    },
  );
}

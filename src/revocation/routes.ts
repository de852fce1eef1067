/**
 * POST/GET /v1/revocations (+ cancel, pause, resume), GET /v1/estimates/revocation,
 * GET /v1/revocation-feed (JSON or SSE) and GET /v1/revocation-targets.
 */
import type { Logger } from 'pino';
import { z } from 'zod';
import type { App } from '../http/app-type.js';
import type { Secrets } from '../keys/secrets.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { actorField, actorOf } from '../http/actor.js';
import { HttpError } from '../http/errors.js';
import { fingerprint } from '../ingest/fingerprint.js';
import { fingerprintParam, resolveRange, timeParam } from '../http/params.js';
import type { Selector } from '../registry/index.js';
import { decodeCursor } from './feed.js';
import { attemptsOf, auditPage } from './audit-rows.js';
import { tokensToRevoke, revokeRequest } from './for-flag.js';
import { REVOCATION_SOURCES, type Job, type Revocation } from './outbox.js';
import type { Revocations } from './index.js';
import { presentRevocation } from './present.js';
import type { JobSelector } from './jobs.js';

/** How long POST /v1/revocations waits for a single revocation to finish before answering 202. */
const SETTLE_MS = 3000;
const CONFIRM_ALL = 'revoke all tokens';

const selectorFields = {
  token: z.string().min(1).max(16_384).optional().describe('the raw token (body only, never a URL); fingerprinted at once'),
  token_fingerprint: fingerprintParam.optional(),
  user_id: z.string().min(1).max(256).optional(),
  app_id: z.string().min(1).max(256).optional(),
};

function selectorOf(scope: Selector['scope'], q: { token_fingerprint?: string; user_id?: string; app_id?: string }, fpFromToken?: string): Selector {
  const need = (value: string | undefined, field: string) => {
    if (!value) throw new HttpError(400, 'invalid_request', `${field}: required for scope=${scope}`, [{ field, error: 'required' }]);
    return value;
  };
  switch (scope) {
    case 'token':
    case 'family':
      return { scope, value: need(fpFromToken ?? q.token_fingerprint, 'token_fingerprint') };
    case 'user':
      return { scope, value: need(q.user_id, 'user_id') };
    case 'app':
      return { scope, value: need(q.app_id, 'app_id') };
    case 'all':
      return { scope: 'all', value: '' };
  }
}

/** What the revocation routes use of the running parts. */
export interface RevocationRouteDeps {
  warehouse: Warehouse;
  secrets: Pick<Secrets, 'pepper'>;
  revocations: Revocations;
}

export async function revocationRoutes(app: App, ctx: RevocationRouteDeps): Promise<void> {
  const rev = ctx.revocations;
  const { targets, requests, jobs, estimates, feed } = rev;

  app.post(
    '/v1/revocations',
    {
      config: { roles: ['admin'] },
      schema: {
        summary: 'Revoke a token now, or start a bulk revocation job',
        description:
          'scope=token revokes at once (answers 200 when done within 3 s, else 202). family, user, app and all create a ' +
          'throttled, resumable job; dry_run defaults to true for them and answers the estimate. scope=all needs ' +
          `confirm: "${CONFIRM_ALL}". The target defaults to the one the policies use.`,
        tags: ['revocation'],
        body: z.object({
          scope: z.enum(['token', 'family', 'user', 'app', 'all']),
          ...selectorFields,
          reason: z.string().min(1).max(2000),
          target: z.string().min(1).max(100).optional(),
          dry_run: z.boolean().optional(),
          confirm: z.string().optional(),
          source: z
            .enum(REVOCATION_SOURCES)
            .refine((s) => s !== 'detector', 'source "detector" is reserved for tokenwatch\'s own policies')
            .default('governance'),
          actor: actorField.optional(),
        }),
      },
    },
    async (request, reply) => {
      const b = request.body;
      // A bulk dry run is the estimate, which needs no target (it assumes a default pace).
      const estimateOnly = b.scope !== 'token' && (b.dry_run ?? true);
      if (estimateOnly && targets.noTarget(b.target)) {
        if (b.scope === 'all' && b.confirm !== CONFIRM_ALL) {
          throw new HttpError(400, 'confirmation_required', `revoking every token needs confirm: "${CONFIRM_ALL}"`, [{ field: 'body.confirm', error: 'missing or wrong' }]);
        }
        const fp = b.token !== undefined ? fingerprint(ctx.secrets.pepper, b.token) : undefined;
        return reply.code(200).send({ dry_run: true, estimate: await estimates.estimate(selectorOf(b.scope, b, fp), undefined) });
      }
      const target = targets.resolve(b.target);
      const fpFromToken = b.token !== undefined ? fingerprint(ctx.secrets.pepper, b.token) : undefined;
      const selector = selectorOf(b.scope, b, fpFromToken);
      const actor = actorOf(request, b.actor);
      if (selector.scope === 'token') {
        const [token] = await tokensToRevoke(ctx.warehouse, selector.value, 'token');
        const [result] = await requests.request([{ ...revokeRequest(token!, {}, { target, source: b.source, actor, reason: b.reason, dry_run: b.dry_run ?? false }), token: b.token }]);
        const settled = (await requests.settle(result!.revocation.id, b.dry_run ? 0 : SETTLE_MS)) ?? result!.revocation;
        const final = settled.status !== 'pending';
        return reply.code(final ? 200 : 202).send({ ...presentRevocation(settled), created: result!.created });
      }
      if (selector.scope === 'all' && b.confirm !== CONFIRM_ALL) {
        throw new HttpError(400, 'confirmation_required', `revoking every token needs confirm: "${CONFIRM_ALL}"`, [{ field: 'body.confirm', error: 'missing or wrong' }]);
      }
      if (b.dry_run ?? true) {
        return reply.code(200).send({ dry_run: true, estimate: await estimates.estimate(selector, target) });
      }
      const job = await jobs.create(selector as JobSelector, target, b.source, actor, b.reason);
      return reply.code(202).send(jobs.progress(job));
    },
  );

  app.get(
    '/v1/revocations',
    {
      config: { roles: ['read'] },
      schema: {
        summary: 'The revocation audit, newest first',
        tags: ['revocation'],
        querystring: z.object({
          status: z.enum(['pending', 'done', 'failed', 'cancelled', 'dry_run']).optional(),
          target: z.string().max(100).optional(),
          source: z.enum(REVOCATION_SOURCES).optional(),
          token_fingerprint: fingerprintParam.optional(),
          flag_id: z.string().max(64).optional(),
          job_id: z.string().max(64).optional(),
          from: timeParam.optional(),
          to: timeParam.optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
          offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
        }),
      },
    },
    async (request) => {
      const q = request.query;
      const range = resolveRange(q.from, q.to, 30 * 86_400_000);
      await rev.audit.flush();
      const rows = await auditPage(ctx.warehouse, { ...q, ...range });
      const progress = [...rev.outbox.jobs.values()].sort((a, b) => b.created_at - a.created_at).map((j) => jobs.progress(j));
      return { revocations: rows, jobs: progress, limit: q.limit, offset: q.offset, next_offset: rows.length === q.limit ? q.offset + q.limit : null };
    },
  );

  app.get(
    '/v1/revocations/:id',
    {
      config: { roles: ['read'] },
      schema: { summary: 'One revocation with its attempts, or one bulk job with its progress', tags: ['revocation'], params: z.object({ id: z.string().regex(/^(rev|job)_[0-9a-f]{32}$/, 'must be a revocation or job id') }) },
    },
    async (request) => {
      const { id } = request.params;
      const job = rev.outbox.jobs.get(id);
      if (job) return jobs.progress(job);
      const found = await requests.get(id);
      if (!found) throw new HttpError(404, 'not_found', `no revocation ${id}`);
      await rev.audit.flush();
      const attempts = await attemptsOf(ctx.warehouse, { id });
      return { ...presentRevocation(found), attempts };
    },
  );

  const control = (path: string, summary: string, act: (id: string) => Promise<Revocation | Job>) =>
    app.post(
      `/v1/revocations/:id/${path}`,
      { config: { roles: ['admin'] }, schema: { summary, tags: ['revocation'], params: z.object({ id: z.string().regex(/^(rev|job)_[0-9a-f]{32}$/, 'must be a revocation or job id') }) } },
      async (request) => {
        const result = await act(request.params.id);
        return 'exhausted' in result ? jobs.progress(result) : presentRevocation(result);
      },
    );
  control('cancel', 'Cancel a pending revocation or a bulk job', (id) => (rev.outbox.jobs.has(id) ? jobs.cancel(id) : requests.cancel(id)));
  control('pause', 'Pause a bulk job', (id) => jobs.setStatus(id, 'paused'));
  control('resume', 'Resume a paused bulk job', (id) => jobs.setStatus(id, 'running'));

  app.get(
    '/v1/estimates/revocation',
    {
      config: { roles: ['read'] },
      schema: {
        summary: 'What revoking a token, a family, a user, an app or everything would take',
        description: 'Live tokens, users and apps, the traffic that would be cut, and the ETA from the target’s measured throughput and limits, with the assumptions in words.',
        tags: ['revocation'],
        querystring: z.object({
          scope: z.enum(['token', 'family', 'user', 'app', 'all']),
          token_fingerprint: fingerprintParam.optional(),
          user_id: z.string().min(1).max(256).optional(),
          app_id: z.string().min(1).max(256).optional(),
          target: z.string().min(1).max(100).optional(),
        }),
      },
    },
    async (request) => estimates.estimate(selectorOf(request.query.scope, request.query), request.query.target),
  );

  app.get(
    '/v1/revocation-targets',
    { config: { roles: ['read'] }, schema: { summary: 'Configured targets with their measured latency, success rate and breaker state', tags: ['revocation'] } },
    async () => ({ targets: rev.dispatcher.stats() }),
  );

  app.get(
    '/v1/revocation-feed',
    {
      config: { roles: ['ingest', 'read'] },
      schema: {
        summary: 'Revoked fingerprints since a cursor; Accept: text/event-stream streams them',
        tags: ['revocation'],
        querystring: z.object({
          since: z.string().max(200).optional().describe('the next_cursor (or last event id) you have'),
          limit: z.coerce.number().int().min(1).max(10_000).default(1000),
        }),
      },
    },
    async (request, reply) => {
      const raw = request.query.since ?? (request.headers['last-event-id'] as string | undefined);
      const since = raw ? decodeCursor(raw) : undefined;
      if (raw && !since) throw new HttpError(400, 'invalid_request', 'since: not a cursor from this feed', [{ field: 'querystring.since', error: 'invalid cursor' }]);
      if (!/\btext\/event-stream\b/.test(request.headers.accept ?? '')) {
        return feed.read(since, request.query.limit);
      }

      // Server-sent events: the backlog, then live entries from the shared poller (feed-streams.ts).
      // A refusal (429) is thrown before the response is taken over, so it has the usual shape.
      const streams = rev.feedStreams;
      const opened = streams.open(request.keyId ?? `role:${request.role}`, reply.raw, since, request.log as unknown as Pick<Logger, 'warn'>);
      reply.hijack();
      await opened;
    },
  );
}

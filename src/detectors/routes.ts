/** Flags and review (GET /v1/flags, GET /v1/flags/:id, confirm, dismiss) and retro-hunts (POST /v1/detections/run). */
import { z } from 'zod';
import type { App } from '../http/app-type.js';
import { DETECTOR_NAMES, SEVERITIES } from '../config.js';
import { actorField, actorOf } from '../http/actor.js';
import { HttpError } from '../http/errors.js';
import { fingerprintParam, resolveRange, timeParam } from '../http/params.js';
import { FLAG_STATUSES, type Flag } from './flags.js';
import type { DetectionRunner } from './runner.js';

const csv = <const V extends readonly [string, ...string[]]>(values: V) =>
  z
    .string()
    .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
    .pipe(z.array(z.enum(values)).min(1));

/** A retro-hunt may cover at most this much at once (the API call is synchronous). */
const MAX_HUNT_DAYS = 31;

/**
 * What the flag routes use. The token read model and revocation are features beside this
 * one, so app.ts hands over the two calls into them rather than the features themselves.
 */
export interface FlagRouteDeps {
  runner: DetectionRunner;
  /** Resolves once the events acknowledged so far are in the warehouse (the flusher's). */
  drained(timeoutMs: number): Promise<void>;
  /** The token's registry entry, or null when the registry has none. */
  tokenEntry(fingerprint: string): Promise<object | null>;
  /** Revokes a confirmed flag's token or refresh family; the revocations as the API shows them. */
  revokeForFlag(flag: Flag, scope: 'token' | 'family', how: { target: string | undefined; source: 'governance'; actor: string; reason: string }): Promise<object[]>;
}

export async function flagRoutes(app: App, ctx: FlagRouteDeps): Promise<void> {
  const runner = ctx.runner;
  const store = runner.store;

  app.get(
    '/v1/flags',
    {
      config: { roles: ['read'] },
      schema: {
        summary: 'Flags, newest or most severe first',
        tags: ['flags'],
        querystring: z.object({
          status: csv(FLAG_STATUSES).optional().describe('comma-separated: open,needs_review,confirmed,dismissed'),
          detector: csv(DETECTOR_NAMES).optional(),
          severity: z.enum(SEVERITIES).optional().describe('minimum severity'),
          app_id: z.string().max(256).optional(),
          user_id: z.string().max(256).optional(),
          token_fingerprint: fingerprintParam.optional(),
          subject: z.string().max(256).optional().describe('token fingerprint, app, user or IP'),
          from: timeParam.optional(),
          to: timeParam.optional(),
          sort: z.enum(['time', 'severity', 'score']).default('time'),
          limit: z.coerce.number().int().min(1).max(500).default(50),
          offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
        }),
      },
    },
    async (request) => {
      const q = request.query;
      const flags = await store.list(q);
      return { flags, limit: q.limit, offset: q.offset, next_offset: flags.length === q.limit ? q.offset + q.limit : null };
    },
  );

  app.get(
    '/v1/flags/:id',
    {
      config: { roles: ['read'] },
      schema: { summary: 'One flag with its evidence, history and token summary', tags: ['flags'], params: z.object({ id: z.string().regex(/^[0-9a-f]{32}$/, 'must be a flag id') }) },
    },
    async (request) => {
      const flag = await store.get(request.params.id);
      if (!flag) throw new HttpError(404, 'not_found', `no flag ${request.params.id}`);
      const [history, token] = await Promise.all([
        store.history(flag.flag_id),
        flag.token_fingerprint ? ctx.tokenEntry(flag.token_fingerprint) : Promise.resolve(null),
      ]);
      return { ...flag, history, token };
    },
  );

  const review = z.object({
    reason: z.string().min(1).max(2000),
    actor: actorField.optional(),
  });

  app.post(
    '/v1/flags/:id/confirm',
    {
      config: { roles: ['admin'] },
      schema: {
        summary: 'Confirm a flag (a real incident), optionally revoking its token or its refresh family',
        tags: ['flags'],
        params: z.object({ id: z.string() }),
        body: review.extend({
          revoke: z.enum(['none', 'token', 'family']).default('none'),
          target: z.string().min(1).max(100).optional().describe('default: the target the policies use'),
        }),
      },
    },
    async (request) => {
      const { reason, actor, revoke, target } = request.body;
      const who = actorOf(request, actor);
      const existing = await store.get(request.params.id);
      if (!existing) throw new HttpError(404, 'not_found', `no flag ${request.params.id}`);
      // Before anything is revoked: a flag already reviewed is not confirmed (again).
      if (existing.status !== 'open' && existing.status !== 'needs_review') {
        throw new HttpError(409, 'already_reviewed', `flag ${existing.flag_id} was already ${existing.status}; only an open or needs_review flag can be confirmed`);
      }
      if (revoke !== 'none' && !existing.token_fingerprint) {
        throw new HttpError(400, 'invalid_request', `revoke: flag ${existing.flag_id} is about ${existing.subject_type} ${existing.subject}, not a token`, [{ field: 'body.revoke', error: 'no token' }]);
      }
      // Confirming revokes the way the policies do (source: governance); no budget holds a human.
      const revocations = revoke === 'none' ? [] : await ctx.revokeForFlag(existing, revoke, { target, source: 'governance', actor: who, reason: `confirmed flag ${existing.flag_id}: ${reason}` });
      const flag = await store.review(request.params.id, 'confirmed', who, reason);
      return { ...flag, revocations };
    },
  );

  app.post(
    '/v1/flags/:id/dismiss',
    {
      config: { roles: ['admin'] },
      schema: {
        summary: 'Dismiss a flag (benign), optionally suppressing the same detector and subject for a while',
        tags: ['flags'],
        params: z.object({ id: z.string() }),
        body: review.extend({ suppress_hours: z.number().min(0).max(24 * 365).default(0) }),
      },
    },
    async (request) => {
      const { reason, actor, suppress_hours } = request.body;
      const who = actorOf(request, actor);
      const flag = await store.review(request.params.id, 'dismissed', who, reason);
      if (suppress_hours > 0) await store.suppress(flag, suppress_hours, who, reason);
      return { ...flag, suppressed_hours: suppress_hours };
    },
  );

  app.post(
    '/v1/detections/run',
    {
      config: { roles: ['admin'] },
      schema: {
        summary: 'Run detectors over a range now (backfill, retro-hunt) and return the new flags',
        tags: ['flags'],
        body: z.object({
          from: timeParam,
          to: timeParam.optional(),
          detectors: z.array(z.enum(DETECTOR_NAMES)).min(1).optional(),
        }),
      },
    },
    async (request) => {
      const range = resolveRange(request.body.from, request.body.to, 0);
      if (range.to.getTime() - range.from.getTime() > MAX_HUNT_DAYS * 86_400_000) {
        throw new HttpError(400, 'invalid_request', `from: a retro-hunt covers at most ${MAX_HUNT_DAYS} days per call`, [{ field: 'body.from', error: 'range too long' }]);
      }
      // A retro-hunt covers what was acknowledged: events still in the spool are flushed first.
      await ctx.drained(120_000);
      const result = await runner.run(range, 'api', request.body.detectors);
      return {
        run_id: result.run_id,
        from: result.from.toISOString(),
        to: result.to.toISOString(),
        detectors: result.detectors,
        flags: await Promise.all(result.flags.map((f) => store.get(f.id))),
      };
    },
  );
}

/** The read API: token detail and family, applications, usage time series and top lists. */
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import type { App } from '../http/app-type.js';
import type { Secrets } from '../keys/secrets.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { HttpError } from '../http/errors.js';
import { toCsv } from './csv.js';
import { filterParams, intervalParam, fingerprintParam, formatParam, resolveRange, timeParam, wantsCsv } from '../http/params.js';
import { fingerprint } from '../ingest/fingerprint.js';
import { appEntry, appTokenCounts, registryEntries } from '../registry/index.js';
import { DEFAULT_BREAKDOWN_DAYS, tokenDetail, tokenFamily } from './tokens.js';
import { chooseInterval, TOP_DIMENSIONS, TOP_METRICS, usageTimeseries, usageTop } from './usage.js';

const READ = { roles: ['read'] as const };
const DAY_MS = 86_400_000;

function sendCsv(reply: FastifyReply, name: string, columns: readonly string[], rows: readonly Record<string, unknown>[]) {
  return reply
    .header('content-type', 'text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${name}.csv"`)
    .send(toCsv(columns, rows));
}

/** What the query routes use of the running parts. */
export interface QueryRouteDeps {
  warehouse: Warehouse;
  secrets: Pick<Secrets, 'pepper'>;
}

export async function queryRoutes(app: App, ctx: QueryRouteDeps): Promise<void> {
  const { warehouse } = ctx;

  app.get(
    '/v1/tokens/:fingerprint',
    {
      config: READ,
      schema: {
        summary: 'Everything about one token',
        description:
          'Registry metadata and lifecycle state (with all-time requests, first and last use); request totals, distinct IPs, ' +
          'countries and ASNs, and the IPs, countries, cities, ASNs, paths and status mix of a window of whole UTC days ' +
          `(today and the \`days\` before it, default ${DEFAULT_BREAKDOWN_DAYS}; \`usage.window_from\` says where it starts); ` +
          'requests per hour for the last 24 h; flags and revocations. `token_kind` is `raw` when the fingerprint is of the token itself, ' +
          '`reference` when a gateway named the token only by its own id (`token_ref`, e.g. "kong:credential:<id>", "tyk:key:<hash>").',
        tags: ['tokens'],
        params: z.object({ fingerprint: fingerprintParam }),
        querystring: z.object({ days: z.coerce.number().int().min(1).max(3650).optional() }),
      },
    },
    async (request) => {
      const detail = await tokenDetail(warehouse, request.params.fingerprint, request.query.days);
      if (!detail) throw new HttpError(404, 'not_found', 'no token with this fingerprint has been seen');
      return detail;
    },
  );

  app.post(
    '/v1/tokens/lookup',
    {
      config: READ,
      schema: {
        summary: 'Find a token by its raw value',
        description:
          'The raw token travels in the body only (never in a URL, never logged) and is fingerprinted at once; ' +
          'the answer is its fingerprint and whether tokenwatch has seen it.',
        tags: ['tokens'],
        body: z.object({ token: z.string().min(1).max(16_384) }),
      },
    },
    async (request) => {
      const fp = fingerprint(ctx.secrets.pepper, request.body.token);
      const [entry] = await registryEntries(warehouse, { fps: [fp] });
      return { token_fingerprint: fp, known: entry !== undefined, state: entry?.state ?? null };
    },
  );

  app.get(
    '/v1/tokens/:fingerprint/family',
    {
      config: READ,
      schema: {
        summary: 'The refresh family of a token',
        description: 'Every token descended from the same grant, with its state: a reused rotated token compromises them all.',
        tags: ['tokens'],
        params: z.object({ fingerprint: fingerprintParam }),
      },
    },
    async (request) => {
      const family = await tokenFamily(warehouse, request.params.fingerprint);
      if (!family) throw new HttpError(404, 'not_found', 'no token with this fingerprint has been seen');
      return family;
    },
  );

  app.get(
    '/v1/apps/:app_id',
    {
      config: READ,
      schema: {
        summary: 'One application: lifecycle state and its tokens by state',
        tags: ['tokens'],
        params: z.object({ app_id: z.string().min(1).max(256) }),
      },
    },
    async (request) => {
      const [entry] = await appEntry(warehouse, { app_id: request.params.app_id });
      if (!entry) throw new HttpError(404, 'not_found', 'no application with this id has been seen');
      const counts = await appTokenCounts(warehouse, { app_id: request.params.app_id });
      return { ...entry, tokens_by_state: Object.fromEntries(counts.map((c) => [c.state, c.tokens])) };
    },
  );

  app.get(
    '/v1/usage/timeseries',
    {
      config: READ,
      schema: {
        summary: 'Requests per interval',
        description:
          'Counts per interval (requests, 4xx, 5xx, 401/403), filtered by app, user, token, country and status class. ' +
          'Default range: the last 24 h, widened to whole minutes (the range used is returned); ' +
          'default interval: the smallest that keeps the series under 500 points. ' +
          'format=csv or Accept: text/csv for CSV.',
        tags: ['usage'],
        querystring: z.object({
          from: timeParam.optional(),
          to: timeParam.optional(),
          interval: intervalParam.optional(),
          ...filterParams,
          format: formatParam,
        }),
      },
    },
    async (request, reply) => {
      const { from, to, interval, format, ...filters } = request.query;
      const range = resolveRange(from, to, DAY_MS);
      const intervalS = chooseInterval(range, interval);
      const { points, source, range: used } = await usageTimeseries(warehouse, range, intervalS, filters);
      if (wantsCsv(format, request.headers.accept)) {
        return sendCsv(reply, 'timeseries', ['t', 'requests', 'status_4xx', 'status_5xx', 'auth_failures'], points);
      }
      return { from: used.from.toISOString(), to: used.to.toISOString(), interval: intervalS, source, points };
    },
  );

  app.get(
    '/v1/usage/top',
    {
      config: READ,
      schema: {
        summary: 'Top tokens, apps, users, IPs, countries or ASNs',
        description:
          'Ranked by requests, errors (4xx + 5xx) or auth_failures (401/403) over the range (default: the last 24 h). ' +
          'Tokens are counted over whole minutes, other dimensions over whole hours (the range used is returned).',
        tags: ['usage'],
        querystring: z.object({
          by: z.enum(TOP_DIMENSIONS).default('tokens'),
          metric: z.enum(TOP_METRICS).default('requests'),
          from: timeParam.optional(),
          to: timeParam.optional(),
          app_id: filterParams.app_id,
          user_id: filterParams.user_id,
          limit: z.coerce.number().int().min(1).max(1000).default(20),
          offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
          format: formatParam,
        }),
      },
    },
    async (request, reply) => {
      const { from, to, format, ...q } = request.query;
      const { rows, range } = await usageTop(warehouse, resolveRange(from, to, DAY_MS), q);
      if (wantsCsv(format, request.headers.accept)) {
        return sendCsv(reply, `top-${q.by}`, ['key', 'label', 'app_id', 'user_id', 'requests', 'errors', 'auth_failures', 'tokens'], rows);
      }
      return {
        by: q.by,
        metric: q.metric,
        from: range.from.toISOString(),
        to: range.to.toISOString(),
        limit: q.limit,
        offset: q.offset,
        next_offset: rows.length === q.limit ? q.offset + q.limit : null,
        rows,
      };
    },
  );
}

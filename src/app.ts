/**
 * buildApp(): plugins, auth, the one error handler, routes. No listen() here, so tests
 * drive it with inject() and server.ts owns the socket.
 */
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type RouteOptions } from 'fastify';
import { hasZodFastifySchemaValidationErrors, jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { randomUUID } from 'node:crypto';
import type { Context } from './context.js';
import { consoleRoutes } from './console/routes.js';
import { flagRoutes, type FlagRouteDeps } from './detectors/routes.js';
import type { App, RoutePlugin } from './http/app-type.js';
import { registerAuth } from './http/auth.js';
import { NDJSON_TYPES } from './http/batch-body.js';
import { DomainError } from './errors.js';
import { errorBody, HttpError, httpErrorOf } from './http/errors.js';
import { hasPoisonKey, parseJson } from './json.js';
import './http/zod-messages.js';
import { tokenRoutes } from './ingest/lifecycle-routes.js';
import { ingestRoutes } from './ingest/routes.js';
import { opsRoutes } from './ops/routes.js';
import { queryRoutes } from './query/routes.js';
import { registryEntries } from './registry/index.js';
import { presentRevocation } from './revocation/present.js';
import { revocationRoutes } from './revocation/routes.js';
import { threescaleWebhookRoutes } from './revocation/threescale-webhook.js';
import { WarehouseError } from './warehouse/warehouse.js';

export const API_VERSION = '0.1.0';

/** The flag routes' calls into the token read model and revocation, features beside detectors. */
function flagRouteDeps(ctx: Context): FlagRouteDeps {
  return {
    runner: ctx.runner,
    drained: (timeoutMs) => ctx.flusher.drained(timeoutMs),
    tokenEntry: async (fingerprint) => (await registryEntries(ctx.warehouse, { fps: [fingerprint] }))[0] ?? null,
    revokeForFlag: async (flag, scope, how) => (await ctx.revocations.revokeForFlag(flag, scope, how)).revocations.map(presentRevocation),
  };
}

const SECRET_PARAM = /secret|token|key|password|signature/i;

function decodeOr(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/**
 * URLs as logged: webhook secrets (path or query), a /v1/tokens/ segment that is no
 * fingerprint, and any parameter whose name says secret, token, key or password are cut out. Names are compared decoded, as the router
 * reads them: `?%73ecret=` authenticates like `?secret=` and is redacted like it.
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const webhook = /^(\/v1\/webhooks\/[^/?]+\/)[^/?]+/i;
  const decodedPath = decodeOr(path);
  let safePath = webhook.test(decodedPath) ? decodedPath.replace(webhook, '$1[redacted]') : path;
  // Where a fingerprint belongs, anything else is likely the raw token pasted by mistake
  // (red-team pass, 2026-12-07): /v1/tokens/<token> reached the access log.
  safePath = safePath.replace(/^(\/v1\/tokens\/)(?![0-9a-f]{64}(?:\/|$))[^/]+/i, '$1[redacted]');
  if (q < 0) return safePath;
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      return SECRET_PARAM.test(decodeOr(name)) ? `${name}=[redacted]` : pair;
    })
    .join('&');
  return `${safePath}?${query}`;
}

/** fastify's own client errors, by code, in the API's words. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'empty_body',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_content_length',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
};

/** Body types some route accepts; a 415 lists those the requested route takes. */
const BODY_TYPES = ['application/json', ...NDJSON_TYPES, 'application/xml', 'text/xml', 'application/x-www-form-urlencoded'];

export interface BuildOptions {
  /** Called with every route as it is added, roles included (tests: the authorization matrix). */
  onRoute?: (route: RouteOptions) => void;
}

export async function buildApp(ctx: Context, options: BuildOptions = {}): Promise<App> {
  const app = Fastify({
    loggerInstance: ctx.logger as FastifyBaseLogger,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
    },
    bodyLimit: ctx.config.server.body_limit_bytes,
    trustProxy: false,
    // Requests are logged below with secrets cut out of the URL (webhook secrets ride in paths).
    logController: new LogController({ disableRequestLogging: true }),
    // Streams (the revocation feed) must not keep a closing server open.
    forceCloseConnections: true,
  }).withTypeProvider<ZodTypeProvider>();

  // JSON bodies: fastify's parser puts V8's message, which quotes the body, into the 400 and the log.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(new HttpError(400, 'empty_body', 'the body is empty: send a JSON object'), undefined);
    let value: unknown;
    try {
      value = parseJson(text);
    } catch (error) {
      return done(new HttpError(400, 'invalid_json', `the body is ${(error as Error).message}`), undefined);
    }
    if (hasPoisonKey(value, text)) return done(new HttpError(400, 'invalid_json', 'the body may not contain __proto__ or constructor.prototype keys'), undefined);
    done(null, value);
  });

  if (options.onRoute) {
    const onRoute = options.onRoute;
    app.addHook('onRoute', (route) => onRoute(route as RouteOptions));
  }

  // Only the types a route names are bodies; text/plain is not taken for JSON (415).
  app.removeContentTypeParser('text/plain');
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  app.setErrorHandler((thrown: FastifyError | DomainError, request, reply) => {
    // Domain errors become HTTP errors here and nowhere else.
    const error = thrown instanceof DomainError ? httpErrorOf(thrown) : thrown;
    if (error instanceof HttpError) {
      if (error.statusCode >= 500) request.log.error({ err: error }, error.message);
      else request.log.warn({ code: error.code }, error.message);
      return reply.code(error.statusCode).headers(error.headers).send(errorBody(error.code, error.message, error.details));
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const details = error.validation.map((v) => ({
        field: [error.validationContext, ...v.instancePath.split('/').filter(Boolean)].join('.'),
        error: v.message,
      }));
      request.log.warn({ details }, 'invalid request');
      const message = details.map((d) => `${d.field}: ${d.error}`).join('; ');
      return reply.code(400).send(errorBody('invalid_request', message, details));
    }
    if (error instanceof WarehouseError && error.timedOut) {
      request.log.error({ err: error }, 'warehouse statement past its time limit');
      return reply
        .code(503)
        .header('retry-after', '30')
        .send(errorBody('warehouse_timeout', 'the query took longer than the warehouse time limit (warehouse.statement_timeout_ms); narrow it or retry later'));
    }
    if (error instanceof WarehouseError) {
      request.log.error({ err: error }, 'warehouse unavailable');
      return reply.code(503).header('retry-after', '5').send(errorBody('warehouse_unavailable', 'the warehouse is unreachable or refused the query; retry later'));
    }
    const status = error.statusCode ?? 500;
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      const given = request.headers['content-type'];
      const accepted = BODY_TYPES.filter((t) => request.server.hasContentTypeParser(t));
      const message = `${given ? `Content-Type "${given}" is not accepted here` : 'the request has a body but no Content-Type'}; send one of: ${accepted.join(', ')}`;
      request.log.warn({ code: 'unsupported_media_type' }, message);
      return reply.code(415).send(errorBody('unsupported_media_type', message, [{ field: 'headers.content-type', error: 'unsupported', accepted }]));
    }
    if (status >= 400 && status < 500) {
      const code = FASTIFY_CODES[error.code] ?? error.code?.toLowerCase().replace(/^fst_err_/, '') ?? 'bad_request';
      // Say what the limit is: a gateway's operator sizes its batches by it.
      const limit = request.routeOptions.bodyLimit ?? ctx.config.server.body_limit_bytes;
      const message = code === 'payload_too_large' ? `the body is larger than this route accepts (${limit} bytes); send smaller batches` : error.message;
      request.log.warn({ code }, message);
      return reply.code(status).send(errorBody(code, message));
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.code(500).send(errorBody('internal', 'internal error; the request id is in the logs', [{ request_id: request.id }]));
  });

  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send(errorBody('not_found', `no route ${request.method} ${request.url.split('?')[0]}`));
  });

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      { method: request.method, url: redactUrl(request.url), status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10, role: request.role },
      'request',
    );
  });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'tokenwatch', version: API_VERSION, description: 'Token usage analytics, anomaly detection and revocation.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });

  registerAuth(app, ctx.keys);
  // Each routes module in its own encapsulated scope, given the parts it uses.
  const mount = <D>(routes: RoutePlugin<D>, deps: D) => app.register(async (scope) => routes(scope as App, deps));
  await mount(ingestRoutes, ctx);
  await mount(tokenRoutes, ctx);
  await mount(queryRoutes, ctx);
  await mount(flagRoutes, flagRouteDeps(ctx));
  await mount(revocationRoutes, ctx);
  await mount(threescaleWebhookRoutes, ctx);
  await mount(opsRoutes, ctx);
  await mount(consoleRoutes, ctx);
  return app;
}

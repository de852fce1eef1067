/**
 * `tokenwatch/gateway`: a fastify plugin that makes a Node service an enforcement point.
 *
 * - onRequest: the bearer token is fingerprinted at once (HMAC-SHA-256 under the shared
 *   pepper; the raw token goes no further) and refused with 401 if tokenwatch revoked it.
 *   A request without a bearer token is left to the application.
 * - The revoked set follows tokenwatch's revocation feed (paged sync, then SSE), so a
 *   revocation is enforced within the time one event takes to arrive.
 * - onResponse: one usage event per request with a bearer token goes into a bounded
 *   buffer (O(1), no network); a background flusher posts NDJSON batches to /v1/events.
 *
 * It does not create an encapsulation context (fastify-plugin semantics): its hooks guard
 * every route of the instance it is registered on, child plugins included, whether the
 * routes were added before or after it.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { fingerprint } from '../ingest/fingerprint.js';
import { RevocationFeed } from './feed.js';
import { UsageReporter, type UsageEvent } from './reporter.js';
import type { GatewayLogger } from './util.js';

export type { UsageEvent } from './reporter.js';

export type TokenType = 'access_token' | 'refresh_token' | 'api_key' | 'personal_access_token';
export type RequestExtractor = (request: FastifyRequest) => string | undefined;

export interface GatewayOptions {
  /** tokenwatch base URL, e.g. `https://tokenwatch.internal:8080`. */
  url: string;
  /** An ingest key (reads the revocation feed, writes events; nothing else). */
  key: string;
  /** The pepper tokenwatch fingerprints with (`TOKENWATCH_PEPPER`). */
  pepper: string;
  /** Name reported in the events' `gateway` field. Default 'node-middleware'. */
  gateway?: string;
  /** Optional extractors, called after the response (so after the app's own auth). */
  appId?: RequestExtractor;
  userId?: RequestExtractor;
  clientId?: RequestExtractor;
  /** Default 'access_token'. */
  tokenType?: TokenType;
  /** Events per POST. Default 500. */
  batchSize?: number;
  /** Flush period. Default 1000 ms (a full batch is sent sooner). */
  flushIntervalMs?: number;
  /** Buffered events at most; beyond, the oldest is dropped and counted. Default 10 000. */
  maxBuffer?: number;
  /** First reconnect delay of the feed, doubled per failed attempt. Default 500 ms. */
  reconnectMs?: number;
  /** Longest reconnect delay. Default 10 000 ms. */
  maxReconnectMs?: number;
  /** Longest retry delay of a failed batch when tokenwatch gives no Retry-After. Default 30 000 ms. */
  maxRetryMs?: number;
  /** A feed stream silent this long (no event, no heartbeat) is reconnected. Default 45 000 ms. */
  idleTimeoutMs?: number;
  /** Timeout of one HTTP request to tokenwatch (headers of the stream, a page, a batch). Default 10 000 ms. */
  requestTimeoutMs?: number;
  /** Startup waits this long for the first full sync of the revoked set, then serves anyway. Default 5000 ms. */
  syncTimeoutMs?: number;
  /** close() spends at most this long flushing the buffer. Default 2000 ms. */
  closeTimeoutMs?: number;
  /** Requests neither guarded nor reported (health checks). */
  skip?: (request: FastifyRequest) => boolean;
}

export interface GatewayStats {
  /** Revoked fingerprints known. */
  revoked: number;
  /** Usage events waiting to be sent (including the batch being posted). */
  buffered: number;
  /** Usage events tokenwatch acknowledged. */
  sent: number;
  /** Usage events lost: pushed out of a full buffer, or unsent at close. */
  dropped: number;
  /** Usage events tokenwatch refused (4xx batch, or listed in `rejected`). */
  rejected: number;
  /** The SSE stream is open. */
  feedConnected: boolean;
  /** The first full sync of the revoked set has completed. */
  feedSynced: boolean;
  /** Cursor of the last feed entry seen (the `since` of the next reconnect). */
  lastCursor: string | null;
}

export interface TokenwatchGateway {
  stats(): GatewayStats;
  /** Whether a raw token is in the revoked set (for transports the hooks do not see). */
  isRevoked(token: string): boolean;
  /** Stops the feed and flushes usage events, best effort. Also runs on the app's onClose. Idempotent. */
  close(): Promise<void>;
}

declare module 'fastify' {
  interface FastifyInstance {
    tokenwatch: TokenwatchGateway;
  }
}

const DEFAULT_GATEWAY = 'node-middleware';
/** tokenwatch refuses longer strings by default (`max_string_length`): clip, do not lose the event. */
const MAX_STRING = 2048;
const REVOKED_BODY = JSON.stringify({
  error: { code: 'token_revoked', message: 'this token has been revoked', details: [] },
});

const fn = <T>() => z.custom<T>((v) => typeof v === 'function', 'must be a function');
const ms = (fallback: number) => z.int().min(1).max(3_600_000).default(fallback);

const optionsSchema = z.object({
  url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
  key: z.string().min(1, 'is required'),
  pepper: z.string().min(1, 'is required'),
  gateway: z.string().min(1).max(MAX_STRING).default(DEFAULT_GATEWAY),
  appId: fn<RequestExtractor>().optional(),
  userId: fn<RequestExtractor>().optional(),
  clientId: fn<RequestExtractor>().optional(),
  tokenType: z.enum(['access_token', 'refresh_token', 'api_key', 'personal_access_token']).default('access_token'),
  batchSize: z.int().min(1).max(100_000).default(500),
  flushIntervalMs: ms(1000),
  maxBuffer: z.int().min(1).max(10_000_000).default(10_000),
  reconnectMs: ms(500),
  maxReconnectMs: ms(10_000),
  maxRetryMs: ms(30_000),
  idleTimeoutMs: ms(45_000),
  requestTimeoutMs: ms(10_000),
  syncTimeoutMs: z.int().min(0).max(3_600_000).default(5000),
  closeTimeoutMs: z.int().min(0).max(3_600_000).default(2000),
  skip: fn<(request: FastifyRequest) => boolean>().optional(),
});

/** The token of `Authorization: Bearer <token>` (scheme case-insensitive), or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined || header.length < 8) return undefined;
  if (header.slice(0, 7).toLowerCase() !== 'bearer ') return undefined;
  const token = header.slice(7).trim();
  return token.length > 0 ? token : undefined;
}

const clip = (s: string) => (s.length > MAX_STRING ? s.slice(0, MAX_STRING) : s);

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/** An extractor that throws or returns a non-string contributes nothing: never break the response path. */
function extract(extractor: RequestExtractor | undefined, request: FastifyRequest): string | undefined {
  if (!extractor) return undefined;
  try {
    const value = extractor(request);
    return typeof value === 'string' && value.length > 0 ? clip(value) : undefined;
  } catch {
    return undefined;
  }
}

const plugin: FastifyPluginAsync<GatewayOptions> = async (fastify, rawOptions) => {
  const parsed = optionsSchema.safeParse(rawOptions);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || 'options'}: ${i.message}`);
    throw new Error(`tokenwatch gateway: invalid options: ${issues.join('; ')}`);
  }
  const o = parsed.data;
  if (fastify.hasDecorator('tokenwatch')) throw new Error('tokenwatch gateway: already registered on this instance');
  const log: GatewayLogger = fastify.log.child({ component: 'tokenwatch-gateway' });

  const feed = new RevocationFeed({
    url: o.url,
    key: o.key,
    reconnectMs: o.reconnectMs,
    maxReconnectMs: Math.max(o.reconnectMs, o.maxReconnectMs),
    idleTimeoutMs: o.idleTimeoutMs,
    requestTimeoutMs: o.requestTimeoutMs,
    pageLimit: 1000,
    log,
  });
  const reporter = new UsageReporter({
    url: o.url,
    key: o.key,
    batchSize: o.batchSize,
    flushIntervalMs: o.flushIntervalMs,
    maxBuffer: o.maxBuffer,
    maxRetryMs: o.maxRetryMs,
    requestTimeoutMs: o.requestTimeoutMs,
    log,
  });

  let closing: Promise<void> | undefined;
  const handle: TokenwatchGateway = {
    stats: () => ({
      revoked: feed.revoked.size,
      buffered: reporter.buffered,
      sent: reporter.sent,
      dropped: reporter.dropped,
      rejected: reporter.rejected,
      feedConnected: feed.connected,
      feedSynced: feed.synced,
      lastCursor: feed.cursor ?? null,
    }),
    isRevoked: (token) => feed.has(fingerprint(o.pepper, token)),
    close: () => (closing ??= Promise.all([feed.close(), reporter.close(o.closeTimeoutMs)]).then(() => undefined)),
  };
  fastify.decorate('tokenwatch', handle);
  fastify.addHook('onClose', async () => handle.close());

  // Enforce what is revoked before the first request, within reason: a tokenwatch outage
  // must not keep the service from starting (the follower keeps trying meanwhile).
  let timer: NodeJS.Timeout | undefined;
  const synced = await Promise.race([
    feed.start(),
    new Promise<boolean>((resolve) => (timer = setTimeout(resolve, o.syncTimeoutMs, false))),
  ]);
  clearTimeout(timer);
  if (!synced) {
    log.warn({ revoked: feed.revoked.size }, 'tokenwatch revocation feed not synced at startup; serving and retrying in the background');
  }

  /** Fingerprints of the requests being served, for their usage event. */
  const fingerprints = new WeakMap<FastifyRequest, string>();

  fastify.addHook('onRequest', async (request, reply) => {
    const token = bearerToken(request.headers.authorization);
    if (token === undefined) return;
    if (o.skip?.(request)) return;
    const fp = fingerprint(o.pepper, token);
    fingerprints.set(request, fp);
    if (feed.has(fp)) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer error="invalid_token"')
        .type('application/json; charset=utf-8')
        .send(REVOKED_BODY);
    }
  });

  fastify.addHook('onResponse', (request, reply, done) => {
    const fp = fingerprints.get(request);
    if (fp !== undefined && request.ip) {
      const latency = reply.elapsedTime;
      const event: UsageEvent = {
        event_id: randomUUID(),
        ts: new Date(Date.now() - latency).toISOString(),
        token_fingerprint: fp,
        token_type: o.tokenType,
        ip: request.ip,
        method: request.method,
        host: clip(request.host),
        path: clip(pathOf(request.url)),
        status: reply.statusCode,
        latency_ms: Math.round(latency * 1000) / 1000,
        gateway: o.gateway,
      };
      const userAgent = request.headers['user-agent'];
      if (userAgent) event.user_agent = clip(userAgent);
      const length = Number(reply.getHeader('content-length'));
      if (Number.isSafeInteger(length) && length >= 0) event.bytes = length;
      const appId = extract(o.appId, request);
      if (appId !== undefined) event.app_id = appId;
      const clientId = extract(o.clientId, request);
      if (clientId !== undefined) event.client_id = clientId;
      const userId = extract(o.userId, request);
      if (userId !== undefined) event.user_id = userId;
      reporter.enqueue(event);
    }
    done();
  });
};

// fastify-plugin semantics without the dependency: the hooks and the decoration belong
// to the instance the plugin is registered on.
Object.assign(plugin, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'tokenwatch-gateway',
  [Symbol.for('plugin-meta')]: { name: 'tokenwatch-gateway', fastify: '5.x' },
});

export const tokenwatchGateway: FastifyPluginAsync<GatewayOptions> = plugin;
export default tokenwatchGateway;

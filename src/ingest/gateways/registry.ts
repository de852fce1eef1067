/**
 * The gateways tokenwatch reads natively, and the one path their records take: split the
 * body into records, map each to a usage event, name its token, and hand the batch to the
 * ingestor, so a gateway's event and a /v1/events event for the same key are one token.
 */
import { createHash } from 'node:crypto';
import { Invalid } from '../../errors.js';
import { fingerprint } from '../fingerprint.js';
import type { Ingestor, IngestResult, Rejection } from '../ingestor.js';
import type { UsageRow } from '../normalise.js';
import { mapApisix, splitApisix } from './apisix.js';
import type { MapOutcome, Split } from './common.js';
import { envoyKey, mapEnvoy, splitEnvoy } from './envoy.js';
import { mapKong, splitKong } from './kong.js';
import type { GatewayName, GatewaySettings } from '../../config.js';
import { mapTyk, splitTyk } from './tyk.js';

export interface Gateway {
  /** At most `max` records (server.max_events_per_request), else 413 before any is parsed further. */
  split(text: string, max?: number): Split;
  map(record: unknown): MapOutcome;
  /** Where in the gateway's record each event field came from, for rejections in the record's terms. */
  sources: Record<string, string>;
}

export function gateways(settings: GatewaySettings): Record<GatewayName, Gateway> {
  const envoy = (field: Parameters<typeof envoyKey>[1]) => envoyKey(settings.envoy, field);
  return {
    kong: {
      split: splitKong,
      map: (r) => mapKong(r, settings.kong),
      sources: {
        ts: 'started_at', ip: 'client_ip', method: 'request.method', path: 'request.uri', host: 'request.url',
        user_agent: 'request.headers.user-agent', status: 'response.status', latency_ms: 'latencies.request',
        bytes: 'response.size', user_id: 'consumer.username', app_id: 'consumer.custom_id',
      },
    },
    apisix: {
      split: splitApisix,
      map: (r) => mapApisix(r, settings.apisix),
      sources: {
        ts: 'start_time', ip: 'client_ip', method: 'request.method', path: 'request.uri', host: 'request.url',
        user_agent: 'request.headers.user-agent', status: 'response.status', latency_ms: 'latency',
        bytes: 'response.size', user_id: 'consumer.username', app_id: 'consumer.group_id',
      },
    },
    envoy: {
      split: splitEnvoy,
      map: (r) => mapEnvoy(r, settings.envoy),
      sources: {
        ts: envoy('start_time'), ip: `${envoy('x_forwarded_for')} or ${envoy('downstream_remote_address')}`, method: envoy('method'),
        path: envoy('path'), host: envoy('authority'), user_agent: envoy('user_agent'), status: envoy('status'),
        latency_ms: envoy('duration'), bytes: envoy('bytes_sent'), user_id: envoy('user_id'), app_id: envoy('app_id'),
      },
    },
    tyk: {
      split: splitTyk,
      map: (r) => mapTyk(r, settings.tyk),
      sources: {
        ts: 'timestamp', ip: 'ip_address', method: 'method', path: 'raw_path', host: 'host', user_agent: 'user_agent',
        status: 'response_code', latency_ms: 'request_time', bytes: 'network.bytes_out', user_id: 'alias',
        app_id: 'oauth_id', client_id: 'oauth_id', country: 'geo.country.iso_code',
      },
    },
  };
}

/**
 * A mapped record's rejection in the gateway's terms: "ts: is older than 90 days" becomes
 * "ts (the record's started_at): is older than 90 days", since the operator reading it
 * sees Kong's field names, not the event contract's.
 */
export function inRecordTerms(error: string, sources: Record<string, string>): string {
  return error
    .split('; ')
    .map((part) => {
      const m = /^([a-z_]+): /.exec(part);
      const source = m ? sources[m[1]!] : undefined;
      return source && source !== m![1] ? `${m![1]} (the record's ${source}): ${part.slice(m![0].length)}` : part;
    })
    .join('; ');
}

/**
 * A token reference's fingerprint: the HMAC of the reference in the gateway's namespace.
 * The NUL separators cannot occur in a header value, so a reference never collides with
 * a raw token, nor one gateway's reference with another's.
 */
export function referenceFingerprint(pepper: string, gateway: GatewayName, ref: string): string {
  return fingerprint(pepper, `\0gateway-ref\0${gateway}\0${ref}`);
}

const MAX_REQUEST_ID = 128;

/**
 * Maps a split batch and ingests it. Each event's id is the id the gateway made for the
 * request (Kong's request.id), else a hash of the mapped event with its token's
 * fingerprint and any X-Request-Id: a retried batch (Kong and APISIX resend whole
 * batches) is counted once, and a client that sets an X-Request-Id cannot make its
 * request pass for a retry of another. The hash covers the fingerprint, never the raw
 * token, so it needs no key. Raw tokens go on as `token`: the normaliser fingerprints
 * them (and reads JWT claims, keeps revocation handles) as for /v1/events.
 */
export async function ingestGatewayBatch(
  ingestor: Ingestor,
  pepper: string,
  name: GatewayName,
  gateway: Gateway,
  split: Split,
  keyId: string | undefined,
  receivedAt = Date.now(),
): Promise<IngestResult> {
  const { items, rejected } = split;
  const failed = new Set(rejected.map((r) => r.index));
  const events: unknown[] = new Array(items.length);
  const extras: (Partial<UsageRow> | undefined)[] = new Array(items.length);
  const rejections: Rejection[] = [...rejected];
  for (let index = 0; index < items.length; index++) {
    if (failed.has(index)) continue;
    const outcome = gateway.map(items[index]);
    if (!outcome.ok) {
      rejections.push({ index, error: outcome.error });
      continue;
    }
    const { event, token, requestId, requestHint } = outcome.value;
    if ('raw' in token) {
      if (token.type) event.token_type = token.type;
    } else {
      event.token_fingerprint = referenceFingerprint(pepper, name, token.ref);
      extras[index] = { token_kind: 'reference', token_ref: `${name}:${token.shown ?? token.ref}` };
    }
    if (requestId) {
      event.event_id = `${name}:${requestId.slice(0, MAX_REQUEST_ID)}`;
    } else {
      const hash = createHash('sha256').update(JSON.stringify(event));
      // The raw token enters the hash as its fingerprint: an unkeyed hash over it could be brute-forced.
      if ('raw' in token) hash.update(fingerprint(pepper, token.raw));
      event.event_id = `${name}:${hash.update(requestHint ?? '').digest('hex').slice(0, 40)}`;
    }
    if ('raw' in token) event.token = token.raw;
    events[index] = event;
  }
  // Split and map rejections already speak the record's language; validation ones speak the contract's.
  const mapped = new Set(events.flatMap((e, i) => (e === undefined ? [] : [i])));
  const translate = (list: Rejection[]) => list.map((r) => (mapped.has(r.index) ? { ...r, error: inRecordTerms(r.error, gateway.sources) } : r));
  try {
    const result = await ingestor.ingest(events, rejections, receivedAt, keyId, extras);
    return { ...result, rejected: translate(result.rejected) };
  } catch (error) {
    if (error instanceof Invalid && error.code === 'invalid_events') {
      throw new Invalid(error.code, error.message, translate(error.details as Rejection[]));
    }
    throw error;
  }
}

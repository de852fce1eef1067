/**
 * `gateways.<name>` in the config file: where each gateway's records carry the token.
 * Every source is tried in order; the first that yields a credential or reference wins.
 */
import { z } from 'zod';

export const GATEWAY_NAMES = ['kong', 'apisix', 'envoy', 'tyk'] as const;
export type GatewayName = (typeof GATEWAY_NAMES)[number];

/**
 * Token sources. Clear credentials (fingerprinted like a `token` on /v1/events, so the
 * same key seen both ways is one token):
 * - `bearer`: a bearer `Authorization` request header (Kong logs "REDACTED": skipped);
 * - `apikey_header`: an `apikey` or `x-api-key` request header;
 * - `apikey_query`: an `apikey` query argument;
 * - `authorization`: an Envoy record's `authorization` key (`%REQ(AUTHORIZATION)%`);
 * - `raw_request`: the Authorization or apikey header inside Tyk's base64 raw_request.
 * References (fingerprinted in the gateway's own namespace):
 * - `credential`: Kong's authenticated_entity id; `consumer`: Kong's or APISIX's consumer;
 * - `api_key`: Tyk's api_key (a key hash, or the key itself: see `api_key_is`).
 */
export const TOKEN_SOURCES = ['bearer', 'apikey_header', 'apikey_query', 'authorization', 'raw_request', 'credential', 'consumer', 'api_key'] as const;
export type TokenSource = (typeof TOKEN_SOURCES)[number];

const sources = (allowed: readonly TokenSource[], fallback: TokenSource[]) => z.array(z.enum(allowed as [TokenSource, ...TokenSource[]])).min(1).default(fallback);

/** Envoy custom formats: which record key holds each field (defaults cover Istio's JSON keys). */
const envoyKeys = z
  .strictObject({
    start_time: z.string().min(1).optional(),
    method: z.string().min(1).optional(),
    path: z.string().min(1).optional(),
    status: z.string().min(1).optional(),
    duration: z.string().min(1).optional(),
    bytes_sent: z.string().min(1).optional(),
    x_forwarded_for: z.string().min(1).optional(),
    downstream_remote_address: z.string().min(1).optional(),
    user_agent: z.string().min(1).optional(),
    request_id: z.string().min(1).optional(),
    authority: z.string().min(1).optional(),
    authorization: z.string().min(1).optional(),
    app_id: z.string().min(1).optional(),
    user_id: z.string().min(1).optional(),
  })
  .default({});

export const gatewaysSchema = z
  .strictObject({
    kong: z.strictObject({ token_sources: sources(['bearer', 'apikey_header', 'apikey_query', 'credential', 'consumer'], ['bearer', 'apikey_header', 'apikey_query', 'credential', 'consumer']) }).prefault({}),
    apisix: z.strictObject({ token_sources: sources(['bearer', 'apikey_header', 'apikey_query', 'consumer'], ['bearer', 'apikey_header', 'apikey_query', 'consumer']) }).prefault({}),
    envoy: z
      .strictObject({
        token_sources: sources(['authorization', 'bearer'], ['authorization']),
        /** Record keys of a custom JSON format, by the field they hold. */
        keys: envoyKeys,
        /** Use the first X-Forwarded-For address as the client (Envoy behind a load balancer); else downstream_remote_address. */
        trust_x_forwarded_for: z.boolean().default(true),
      })
      .prefault({}),
    tyk: z
      .strictObject({
        token_sources: sources(['raw_request', 'api_key'], ['raw_request', 'api_key']),
        /**
         * What api_key holds: `hash` (tyk.conf hash_keys, Tyk's default) is a reference;
         * `key` is the key itself, fingerprinted like a raw token; `auto` reads a 16, 32 or
         * 64-hex value as a hash and anything else as the key.
         */
        api_key_is: z.enum(['auto', 'hash', 'key']).default('auto'),
        /** The field of Tyk Pump's stdout pump (log_field_name) that holds the record. */
        record_field: z.string().min(1).default('tyk-analytics-record'),
      })
      .prefault({}),
  })
  .prefault({});

export type GatewaySettings = z.infer<typeof gatewaysSchema>;

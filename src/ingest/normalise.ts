/**
 * Turns a validated usage event into a `usage_events` row: fingerprint instead of the
 * raw token, JWT claims for the registry, location and ASN from the IP. Who reported the
 * event (the key id) is kept, and so are both places: the caller's (`reported_*`) and
 * the MMDB lookup's (`geo_*`). The place the detectors read (`country`, `city`, `lat`,
 * `lon`, `asn`) is the reported one only when ingest.place_trust trusts the key.
 */
import { randomUUID } from 'node:crypto';
import { toClickHouseTime } from '../warehouse/warehouse.js';
import { decodeJwtClaims, fingerprint } from './fingerprint.js';
import type { Config } from '../config.js';
import type { UsageEventInput } from './event-schema.js';
import type { GeoLookup } from './geo.js';

export interface UsageRow {
  event_id: string;
  ts: string;
  received_at: string;
  token_fingerprint: string;
  token_type: string;
  app_id: string;
  client_id: string;
  user_id: string;
  ip: string;
  country: string;
  city: string;
  lat: number | null;
  lon: number | null;
  asn: number;
  asn_org: string;
  user_agent: string;
  method: string;
  host: string;
  path: string;
  status: number;
  latency_ms: number | null;
  bytes: number | null;
  gateway: string;
  scopes: string[];
  jti: string;
  iss: string;
  token_expires_at: number | null;
  /** Id of the API key that sent the event ('' for rows from before migration 012). */
  reported_by: string;
  reported_country: string;
  reported_city: string;
  reported_lat: number | null;
  reported_lon: number | null;
  reported_asn: number;
  geo_country: string;
  geo_city: string;
  geo_lat: number | null;
  geo_lon: number | null;
  geo_asn: number;
  /** Absent: 'raw' (the column's default). 'reference': the fingerprint is of a gateway's reference (sql/013). */
  token_kind?: 'raw' | 'reference';
  /** The gateway's reference ("kong:credential:<id>"); absent for raw tokens. */
  token_ref?: string;
}

/** Who sent a batch, and whether its own places are believed over the IP's lookup. */
export interface Reporter {
  keyId: string;
  trustReported: boolean;
}

/** The reporter for a key under ingest.place_trust. */
export function reporterFor(config: Config, keyId: string | undefined): Reporter {
  const trust = config.ingest.place_trust;
  const id = keyId ?? '';
  return { keyId: id, trustReported: (trust.keys[id] ?? trust.default) === 'reported' };
}

/** An event the normaliser refuses, with the reason (reported by the event's index). */
export interface Refused {
  refused: string;
}

export interface Normaliser {
  (event: UsageEventInput, receivedAt: number, reporter?: Reporter): UsageRow | Refused;
}

/**
 * A path without its query or fragment: a middleware that sends the request URL as `path`
 * would otherwise store `?access_token=…` or `?apikey=…` (RFC 6750 §2.3), which the token
 * detail then shows to any read key (red-team pass, 2026-12-07). The gateway mappers cut it too.
 */
function pathOnly(path: string): string {
  const q = path.search(/[?#]/);
  return q < 0 ? path : path.slice(0, q);
}

export const FINGERPRINT_MISMATCH = 'token_fingerprint: is not the fingerprint of token (send one of them, or the token with its own fingerprint)';

const TRUST_REPORTED: Reporter = { keyId: '', trustReported: true };

/** Called with each raw token as it is fingerprinted (revocation handles); must not block. */
export type RawTokenHook = (fp: string, token: string, tokenType: string | undefined, expiresAtMs: number | undefined) => void;

export function createNormaliser(pepper: string, geo: GeoLookup | undefined, onRawToken?: RawTokenHook): Normaliser {
  // A request's events share one receipt time: format it once, not once per event.
  let receivedMs = Number.NaN;
  let receivedText = '';
  return (event, receivedAt, reporter = TRUST_REPORTED) => {
    if (receivedAt !== receivedMs) {
      receivedText = toClickHouseTime(new Date(receivedAt));
      receivedMs = receivedAt;
    }
    // A raw token names itself: a fingerprint beside it that is not its own would plant
    // a revocation handle (the raw token) under another token's fingerprint.
    const fp = event.token !== undefined ? fingerprint(pepper, event.token) : event.token_fingerprint!;
    if (event.token_fingerprint !== undefined && event.token_fingerprint !== fp) return { refused: FINGERPRINT_MISMATCH };
    const claims = event.token !== undefined ? decodeJwtClaims(event.token) : undefined;
    if (onRawToken && event.token !== undefined) onRawToken(fp, event.token, event.token_type, claims?.exp !== undefined ? claims.exp * 1000 : undefined);
    const hasPlace = event.country !== undefined || event.lat !== undefined || event.city !== undefined;
    const lookup = geo?.lookup(event.ip);
    // Trusted: the reported place as given (the lookup fills in only what it leaves out
    // entirely); otherwise the lookup's, whatever the caller said.
    const trusted = reporter.trustReported;
    const usePlace = trusted && hasPlace ? undefined : lookup;
    const asnGiven = trusted && event.asn !== undefined;

    return {
      event_id: event.event_id ?? randomUUID(),
      ts: event.ts === undefined ? receivedText : toClickHouseTime(new Date(event.ts)),
      received_at: receivedText,
      token_fingerprint: fp,
      token_type: event.token_type ?? '',
      app_id: event.app_id ?? '',
      client_id: event.client_id ?? claims?.client_id ?? '',
      user_id: event.user_id ?? claims?.sub ?? '',
      ip: event.ip,
      country: (trusted ? event.country : undefined) ?? usePlace?.country ?? '',
      city: (trusted ? event.city : undefined) ?? usePlace?.city ?? '',
      lat: (trusted ? event.lat : undefined) ?? usePlace?.lat ?? null,
      lon: (trusted ? event.lon : undefined) ?? usePlace?.lon ?? null,
      asn: asnGiven ? event.asn! : (lookup?.asn ?? 0),
      asn_org: asnGiven ? '' : (lookup?.asn_org ?? ''),
      user_agent: event.user_agent ?? '',
      method: event.method?.toUpperCase() ?? '',
      host: event.host ?? '',
      path: event.path === undefined ? '' : pathOnly(event.path),
      status: event.status ?? 0,
      latency_ms: event.latency_ms ?? null,
      bytes: event.bytes ?? null,
      gateway: event.gateway ?? '',
      scopes: event.scopes ?? claims?.scope ?? [],
      jti: claims?.jti ?? '',
      iss: claims?.iss ?? '',
      token_expires_at: claims?.exp ?? null,
      reported_by: reporter.keyId,
      reported_country: event.country ?? '',
      reported_city: event.city ?? '',
      reported_lat: event.lat ?? null,
      reported_lon: event.lon ?? null,
      reported_asn: event.asn ?? 0,
      geo_country: lookup?.country ?? '',
      geo_city: lookup?.city ?? '',
      geo_lat: lookup?.lat ?? null,
      geo_lon: lookup?.lon ?? null,
      geo_asn: lookup?.asn ?? 0,
    };
  };
}

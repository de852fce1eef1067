/**
 * Turns a validated usage event into a `usage_events` row: fingerprint instead of the
 * raw token, JWT claims for the registry, location and ASN from the IP when missing.
 */
import { randomUUID } from 'node:crypto';
import { toClickHouseTime } from '../warehouse/warehouse.js';
import { decodeJwtClaims, fingerprint } from './fingerprint.js';
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
  /** Absent: 'raw' (the column's default). 'reference': the fingerprint is of a gateway's reference (sql/013). */
  token_kind?: 'raw' | 'reference';
  /** The gateway's reference ("kong:credential:<id>"); absent for raw tokens. */
  token_ref?: string;
}

export interface Normaliser {
  (event: UsageEventInput, receivedAt: number): UsageRow;
}

/** Called with each raw token as it is fingerprinted (revocation handles); must not block. */
export type RawTokenHook = (fp: string, token: string, tokenType: string | undefined, expiresAtMs: number | undefined) => void;

export function createNormaliser(pepper: string, geo: GeoLookup | undefined, onRawToken?: RawTokenHook): Normaliser {
  // A request's events share one receipt time: format it once, not once per event.
  let receivedMs = Number.NaN;
  let receivedText = '';
  return (event, receivedAt) => {
    if (receivedAt !== receivedMs) {
      receivedText = toClickHouseTime(new Date(receivedAt));
      receivedMs = receivedAt;
    }
    const claims = event.token !== undefined ? decodeJwtClaims(event.token) : undefined;
    const fp = event.token_fingerprint ?? fingerprint(pepper, event.token!);
    if (onRawToken && event.token !== undefined) onRawToken(fp, event.token, event.token_type, claims?.exp !== undefined ? claims.exp * 1000 : undefined);
    const hasPlace = event.country !== undefined || event.lat !== undefined || event.city !== undefined;
    const place = !hasPlace || event.asn === undefined ? geo?.lookup(event.ip) : undefined;
    const usePlace = !hasPlace ? place : undefined;

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
      country: event.country ?? usePlace?.country ?? '',
      city: event.city ?? usePlace?.city ?? '',
      lat: event.lat ?? usePlace?.lat ?? null,
      lon: event.lon ?? usePlace?.lon ?? null,
      asn: event.asn ?? place?.asn ?? 0,
      asn_org: event.asn === undefined ? (place?.asn_org ?? '') : '',
      user_agent: event.user_agent ?? '',
      method: event.method?.toUpperCase() ?? '',
      host: event.host ?? '',
      path: event.path ?? '',
      status: event.status ?? 0,
      latency_ms: event.latency_ms ?? null,
      bytes: event.bytes ?? null,
      gateway: event.gateway ?? '',
      scopes: event.scopes ?? claims?.scope ?? [],
      jti: claims?.jti ?? '',
      iss: claims?.iss ?? '',
      token_expires_at: claims?.exp ?? null,
    };
  };
}

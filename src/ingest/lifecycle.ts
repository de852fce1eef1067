/**
 * Token lifecycle events (POST /v1/tokens): issued, refreshed, revoked, expired. They feed
 * `token_events`, and through materialized views the token registry and app lifecycle.
 * Lifecycle traffic is light, so a batch goes straight to the warehouse: acknowledged
 * once inserted, refused with 503 (nothing acknowledged) when the warehouse is down.
 */
import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { TOKEN_TYPES, type Config } from '../config.js';
import { Invalid, TooLarge } from '../errors.js';
import { familyIds } from '../registry/index.js';
import { describeIssues } from './event-schema.js';
import { FINGERPRINT, fingerprintField, scopesField, timestampField } from './fields.js';
import { FINGERPRINT_MISMATCH } from './normalise.js';
import { decodeJwtClaims, fingerprint } from './fingerprint.js';
import type { RawTokenHook } from './normalise.js';
import { dedupKey, type Rejection } from './ingestor.js';
import { RecentIds } from './recent-ids.js';
import { clickHouseTime, defineInsert, defineQuery, TABLES, toClickHouseTime, type Warehouse } from '../warehouse/warehouse.js';

export const LIFECYCLE_EVENTS = ['issued', 'refreshed', 'revoked', 'expired'] as const;
export const REVOCATION_SOURCES = ['detector', 'api_provider', 'app_owner', 'subscriber', 'governance', 'webhook'] as const;
export const APP_EVENTS = ['registered', 'blocked', 'unblocked'] as const;
/**
 * The lifecycle events a gateway's ingest key may send: `issued` (without expires_at) neither
 * makes a gateway reject a token, nor changes a family, nor takes a token out of
 * revocation's reach. `expired` did the last: an expired token is skipped by family and
 * bulk revocations, so a stolen key marked its stolen token expired (red-team pass, 2026-12-07).
 */
export const INGEST_KEY_EVENTS: ReadonlySet<string> = new Set(['issued']);

/**
 * Words identity providers use for who revoked, mapped onto the documented sources
 * (lower case, spaces and dashes read as underscores). Anything else is stored as
 * `other`, and the original string is always kept in `source_original`.
 */
const SOURCE_SYNONYMS: Record<string, string> = {
  api_provider: 'api_provider', provider: 'api_provider', admin: 'api_provider', administrator: 'api_provider', idp: 'api_provider',
  identity_provider: 'api_provider', system: 'api_provider', server: 'api_provider', authorization_server: 'api_provider', operator: 'api_provider',
  app_owner: 'app_owner', application_owner: 'app_owner', owner: 'app_owner', application: 'app_owner', client: 'app_owner', developer: 'app_owner',
  subscriber: 'subscriber', user: 'subscriber', end_user: 'subscriber', self: 'subscriber', logout: 'subscriber', resource_owner: 'subscriber',
  governance: 'governance', policy: 'governance', compliance: 'governance', security: 'governance', security_team: 'governance', soc: 'governance',
  webhook: 'webhook',
  // `detector` is reserved for tokenwatch's own revocations: a sender's detector is `other`.
};
export const OTHER_SOURCE = 'other';

/** The documented source a sender's word maps onto (`other` when unknown). */
export function mapSource(source: string): string {
  return SOURCE_SYNONYMS[source.trim().toLowerCase().replace(/[\s-]+/g, '_')] ?? OTHER_SOURCE;
}

export function lifecycleEventSchema(config: Config) {
  const max = config.ingest.max_string_length;
  const text = z.string().max(max, `longer than ${max} characters`);
  const ts = timestampField({ maxFutureSkewMs: config.ingest.max_future_skew_seconds * 1000, maxAgeMs: 3650 * 86_400_000 });
  return z
    .object({
      event: z.enum(LIFECYCLE_EVENTS),
      event_id: z.string().min(1).max(256).optional(),
      ts: ts.optional(),
      token: z.string().min(1).max(max * 4, 'is too long').optional(),
      token_fingerprint: fingerprintField.optional(),
      token_type: z.enum(TOKEN_TYPES).optional(),
      jti: text.optional(),
      client_id: text.optional(),
      app_id: text.optional(),
      user_id: text.optional(),
      scopes: scopesField(max).optional(),
      grant_type: text.optional(),
      issued_at: timestampField().optional(),
      /** null: a token that never expires (an API key). */
      expires_at: timestampField().nullable().optional(),
      mapped_from: text.optional(),
      rotated_from: z.string().min(1).max(max * 4, 'is too long').optional(),
      rotated_from_fingerprint: fingerprintField.optional(),
      source: text.optional(),
      reason: text.optional(),
    })
    .refine((e) => e.token !== undefined || e.token_fingerprint !== undefined, {
      message: 'one of token or token_fingerprint is required',
      path: ['token'],
    })
    .refine((e) => e.event !== 'refreshed' || e.rotated_from !== undefined || e.rotated_from_fingerprint !== undefined, {
      message: 'a refreshed event names the token it replaces (rotated_from or rotated_from_fingerprint)',
      path: ['rotated_from'],
    })
    // An event naming its token by fingerprint names the old one by fingerprint too.
    .refine((e) => e.token !== undefined || e.rotated_from === undefined || FINGERPRINT.test(e.rotated_from), {
      message: 'must be the old token\'s fingerprint (64 lowercase hex characters) when the event names its token by token_fingerprint',
      path: ['rotated_from'],
    });
}

export type LifecycleEventInput = z.output<ReturnType<typeof lifecycleEventSchema>>;

/** A token_events row as the lifecycle ingest writes it. */
const tokenEventColumns = z.object({
  event_id: z.string(),
  event: z.string(),
  ts: clickHouseTime,
  received_at: clickHouseTime,
  token_fingerprint: z.string(),
  token_type: z.string(),
  jti: z.string(),
  client_id: z.string(),
  app_id: z.string(),
  user_id: z.string(),
  scopes: z.array(z.string()),
  grant_type: z.string(),
  issued_at: clickHouseTime.nullable(),
  expires_at: clickHouseTime.nullable(),
  mapped_from: z.string(),
  rotated_from: z.string(),
  family_id: z.string(),
  source: z.string(),
  source_original: z.string(),
  reason: z.string(),
  iss: z.string(),
  reported_by: z.string(),
});
export type TokenEventRow = z.input<typeof tokenEventColumns>;
const insertTokenEvents = defineInsert({ table: TABLES.tokenEvents, row: tokenEventColumns });

/** An app_events row. */
const insertAppRows = defineInsert({
  table: TABLES.appEvents,
  row: z.object({
    event_id: z.string(),
    event: z.enum(APP_EVENTS),
    ts: clickHouseTime,
    received_at: clickHouseTime,
    app_id: z.string(),
    name: z.string(),
    owner: z.string(),
    source: z.string(),
    reason: z.string(),
    reported_by: z.string(),
  }),
});

const time = (ms: number | undefined) => (ms === undefined ? null : toClickHouseTime(new Date(ms)));

export class LifecycleIngestor {
  private readonly schema;
  private readonly recent: RecentIds;

  constructor(
    private readonly config: Config,
    private readonly warehouse: Warehouse,
    private readonly pepper: string,
    /** Raw tokens as they are fingerprinted (revocation handles). */
    private readonly onRawToken?: RawTokenHook,
    /** Revocations reported by identity providers, once stored (the live feed). */
    private readonly onRevoked?: (rows: TokenEventRow[], receivedAt: number) => void,
  ) {
    this.schema = lifecycleEventSchema(config);
    this.recent = new RecentIds(Math.min(config.ingest.dedup_max_ids, 200_000), config.ingest.dedup_window_seconds * 1000);
  }

  /** The stable id of an event: given, or derived from its content so a retry maps to the same id. */
  private eventId(e: LifecycleEventInput, fp: string, parent: string): string {
    if (e.event_id) return e.event_id;
    if (e.ts === undefined) return randomUUID();
    return createHash('sha256').update(`${e.event}|${fp}|${e.ts}|${parent}`).digest('hex').slice(0, 32);
  }

  /**
   * `keyId`: the key that sent the events (request.keyId), recorded as reported_by.
   * `fromGateway`: sent with an ingest key, whose `issued` starts no family: a family is the
   * identity provider's word, and a gateway's later `issued` for a refreshed token moved it
   * into a family of its own, out of its real family's revocation (red-team pass, 2026-12-07).
   */
  async ingest(
    items: unknown[],
    parseRejections: Rejection[],
    receivedAt = Date.now(),
    keyId = '',
    fromGateway = false,
  ): Promise<{ accepted: number; duplicates: number; rejected: Rejection[] }> {
    if (items.length > this.config.server.max_events_per_request) {
      throw new TooLarge('too_many_events', `a request may carry at most ${this.config.server.max_events_per_request} events; this one has ${items.length}`);
    }
    const rejected = [...parseRejections];
    const skip = new Set(parseRejections.map((r) => r.index));
    const valid: { e: LifecycleEventInput; fp: string; parent: string }[] = [];
    for (let index = 0; index < items.length; index++) {
      if (skip.has(index)) continue;
      const parsed = this.schema.safeParse(items[index]);
      if (!parsed.success) {
        rejected.push({ index, error: describeIssues(parsed.error) });
        continue;
      }
      const e = parsed.data;
      // A raw token names itself: a different fingerprint beside it would plant a handle.
      const fp = e.token !== undefined ? fingerprint(this.pepper, e.token) : e.token_fingerprint!;
      if (e.token_fingerprint !== undefined && e.token_fingerprint !== fp) {
        rejected.push({ index, error: FINGERPRINT_MISMATCH });
        continue;
      }
      // rotated_from is raw beside a raw token, a fingerprint beside a fingerprint.
      const fromRotated = e.rotated_from === undefined ? undefined : e.token !== undefined ? fingerprint(this.pepper, e.rotated_from) : e.rotated_from;
      if (fromRotated !== undefined && e.rotated_from_fingerprint !== undefined && fromRotated !== e.rotated_from_fingerprint) {
        rejected.push({ index, error: 'rotated_from_fingerprint: is not the fingerprint of rotated_from (send one of them)' });
        continue;
      }
      const parent = e.rotated_from_fingerprint ?? fromRotated ?? '';
      valid.push({ e, fp, parent });
    }
    rejected.sort((a, b) => a.index - b.index);
    if (valid.length === 0) throw new Invalid('invalid_events', 'no valid event in the request', rejected);

    // A refreshed token joins the family of the token it replaces (its root grant).
    const parents = [...new Set(valid.filter((v) => v.parent).map((v) => v.parent))];
    const families = new Map<string, string>();
    if (parents.length > 0) {
      for (const row of await familyIds(this.warehouse, { fps: parents })) families.set(row.token_fingerprint, row.family_id);
    }

    const rows: TokenEventRow[] = [];
    let duplicates = 0;
    for (const { e, fp, parent } of valid) {
      const eventId = this.eventId(e, fp, parent);
      // Per reporting key: another key sending the id first must not swallow this event.
      if (this.recent.has(dedupKey(keyId, eventId))) {
        duplicates += 1;
        continue;
      }
      const claims = e.token !== undefined ? decodeJwtClaims(e.token) : undefined;
      // expires_at: null says "never expires": the JWT's exp does not override it.
      const expiresAt = e.expires_at === null ? undefined : (e.expires_at ?? (claims?.exp !== undefined ? claims.exp * 1000 : undefined));
      if (e.token !== undefined && e.event !== 'revoked' && e.event !== 'expired') {
        this.onRawToken?.(fp, e.token, e.token_type, expiresAt);
      }
      let family = '';
      if (e.event === 'issued' && !fromGateway) family = fp;
      if (e.event === 'refreshed') family = families.get(parent) ?? parent;
      if (family) families.set(fp, family);
      rows.push({
        event_id: eventId,
        event: e.event,
        ts: toClickHouseTime(new Date(e.ts ?? receivedAt)),
        received_at: toClickHouseTime(new Date(receivedAt)),
        token_fingerprint: fp,
        token_type: e.token_type ?? '',
        jti: e.jti ?? claims?.jti ?? '',
        client_id: e.client_id ?? claims?.client_id ?? '',
        app_id: e.app_id ?? '',
        user_id: e.user_id ?? claims?.sub ?? '',
        scopes: e.scopes ?? claims?.scope ?? [],
        grant_type: e.grant_type ?? '',
        issued_at: time(e.issued_at),
        expires_at: time(expiresAt),
        mapped_from: e.mapped_from ?? '',
        rotated_from: parent,
        family_id: family,
        source: e.source !== undefined ? mapSource(e.source) : e.event === 'revoked' ? 'api_provider' : '',
        source_original: e.source ?? '',
        reason: e.reason ?? '',
        iss: claims?.iss ?? '',
        reported_by: keyId,
      });
    }
    if (rows.length > 0) {
      // The same rows again (a retry) make the same block, which the engine keeps once.
      const token = createHash('sha256').update(JSON.stringify(rows)).digest('hex');
      // A warehouse failure propagates as 503: nothing was acknowledged, the caller retries.
      await insertTokenEvents(this.warehouse, rows, { dedupToken: `token-events-${token}` });
      for (const r of rows) this.recent.add(dedupKey(keyId, r.event_id));
      const revoked = rows.filter((r) => r.event === 'revoked');
      if (revoked.length > 0) this.onRevoked?.(revoked, receivedAt);
    }
    return { accepted: rows.length + duplicates, duplicates, rejected };
  }
}

export function appEventSchema(config: Config) {
  const text = z.string().max(config.ingest.max_string_length, `longer than ${config.ingest.max_string_length} characters`);
  return z.object({
    event: z.enum(APP_EVENTS),
    app_id: z.string().min(1).max(config.ingest.max_string_length),
    event_id: z.string().min(1).max(256).optional(),
    ts: timestampField({ maxFutureSkewMs: config.ingest.max_future_skew_seconds * 1000, maxAgeMs: 3650 * 86_400_000 }).optional(),
    name: text.optional(),
    owner: text.optional(),
    source: z.enum(REVOCATION_SOURCES).optional(),
    reason: text.optional(),
  });
}

/** Records application lifecycle events (registered, blocked, unblocked) straight into the warehouse. */
export async function insertAppEvents(
  warehouse: Warehouse,
  events: z.output<ReturnType<typeof appEventSchema>>[],
  receivedAt = Date.now(),
  keyId = '',
): Promise<void> {
  await insertAppRows(
    warehouse,
    events.map((e) => ({
      event_id: e.event_id ?? randomUUID(),
      event: e.event,
      ts: toClickHouseTime(new Date(e.ts ?? receivedAt)),
      received_at: toClickHouseTime(new Date(receivedAt)),
      app_id: e.app_id,
      name: e.name ?? '',
      owner: e.owner ?? '',
      source: e.source ?? '',
      reason: e.reason ?? '',
      reported_by: keyId,
    })),
  );
}

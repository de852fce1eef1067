/** Where tokens were used: hourly place rows from the place rollup, and distances between them. */
import { z } from 'zod';
import { defineQuery, TABLES, type Warehouse } from '../warehouse/warehouse.js';
import { classifyNetwork, isFixedLine, MOVING_CLASSES, organisation, type NetworkClass } from './networks.js';
import { focusOf, focusParams, focusTokensSql, withFocus, type DetectionRange } from './types.js';

export interface Visit {
  token_fingerprint: string;
  country: string;
  city: string;
  asn: number;
  asn_org: string;
  lat: number | null;
  lon: number | null;
  ip: string;
  app_id: string;
  user_id: string;
  requests: number;
  first: Date;
  last: Date;
}

const visitRow = z.object({
  token_fingerprint: z.string(),
  country: z.string(),
  city: z.string(),
  asn: z.coerce.number(),
  asn_org: z.string(),
  lat: z.coerce.number().nullable(),
  lon: z.coerce.number().nullable(),
  ip: z.string(),
  app_id: z.string(),
  user_id: z.string(),
  requests: z.coerce.number(),
  first_seen: z.number(),
  last_seen: z.number(),
});

/**
 * A place counts only where the credential was accepted there at least once: requests the
 * gateway refused as unauthenticated (401) are not a use of it. A client presenting its
 * expired access token once before it refreshes (from whatever VPN exit it is on by then)
 * has not travelled, and an attacker's refused guesses must not make their address one of
 * the user's own places (sql/015). Over rows grouped by place, where `requests` is the
 * alias of sum(requests).
 */
export const ACCEPTED = 'requests > sum(refused)';

const PER_HOUR = `SELECT token_fingerprint, country, city, asn, anyLast(asn_org) AS asn_org, anyLast(lat) AS lat, anyLast(lon) AS lon,
            anyLast(ip) AS ip, anyLast(app_id) AS app_id, anyLast(user_id) AS user_id, sum(requests) AS requests,
            toUnixTimestamp64Milli(min(first_seen)) AS first_seen, toUnixTimestamp64Milli(max(last_seen)) AS last_seen
     FROM ${TABLES.usageTokenPlace1h}
     WHERE token_fingerprint IN {fps:Array(String)}
       AND hour >= toStartOfHour({from:DateTime64(3)}) AND hour < {to:DateTime64(3)}
     GROUP BY token_fingerprint, hour, country, city, asn
     HAVING ${ACCEPTED}`;

const visitRows = defineQuery({
  name: 'place_visits',
  sql: ({ latest_before }) =>
    latest_before
      ? `SELECT * FROM (${PER_HOUR}
           ORDER BY last_seen DESC
           LIMIT 1 BY token_fingerprint, country, city, asn, if(hour >= toStartOfHour({latest_before:DateTime64(3)}), hour, toDateTime(0)))
         ORDER BY token_fingerprint, first_seen`
      : `${PER_HOUR} ORDER BY token_fingerprint, first_seen`,
  params: z.object({ fps: z.array(z.string()), from: z.date(), to: z.date(), latest_before: z.date().optional() }),
  row: visitRow,
});

/**
 * Visits (one per token, hour and place) of the given tokens between from and to. With
 * `latestBefore`, a place's visits in the hours before that one are reduced to the latest
 * (for a use after them, the latest visit of a place is the closest in time).
 */
export async function visits(warehouse: Warehouse, fps: string[], from: Date, to: Date, latestBefore?: Date): Promise<Visit[]> {
  if (fps.length === 0) return [];
  const rows = await visitRows(warehouse, { fps, from, to, latest_before: latestBefore });
  return rows.map((v) => ({ ...v, first: new Date(v.first_seen), last: new Date(v.last_seen) }));
}

const activeTokenRows = defineQuery({
  name: 'active_tokens',
  sql: (params) => `SELECT DISTINCT token_fingerprint FROM ${TABLES.usageToken1m}
         WHERE minute >= toStartOfMinute({from:DateTime64(3)}) AND minute < {to:DateTime64(3)}${focusTokensSql(focusOf(params), 'minute')}`,
  params: withFocus({ from: z.date(), to: z.date() }),
  row: z.object({ token_fingerprint: z.string() }),
});

/** Tokens with usage in the range still to examine (from the minute rollup: cheap), once per range for all detectors. */
export function activeTokens(warehouse: Warehouse, range: DetectionRange): Promise<string[]> {
  let tokens = active.get(range);
  if (!tokens) {
    tokens = activeTokenRows(warehouse, { from: range.from, to: range.to, ...focusParams(range) }).then((rows) => rows.map((r) => r.token_fingerprint));
    tokens.catch(() => active.delete(range));
    active.set(range, tokens);
  }
  return tokens;
}
const active = new WeakMap<DetectionRange, Promise<string[]>>();

const EARTH_RADIUS_KM = 6371.0088;

export function distanceKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

export function placeKey(v: Pick<Visit, 'country' | 'city'>): string {
  return `${v.country}/${v.city}`;
}

export function placeLabel(v: Pick<Visit, 'country' | 'city'>): string {
  return v.city ? `${v.city}, ${v.country}` : v.country || 'unknown place';
}

export function groupByToken<T extends { token_fingerprint: string }>(rows: T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const list = out.get(r.token_fingerprint);
    if (list) list.push(r);
    else out.set(r.token_fingerprint, [r]);
  }
  return out;
}

/** Visits are hourly: a history must end at a whole hour, or it would include the hour in progress. */
export function startOfHour(d: Date): Date {
  return new Date(Math.floor(d.getTime() / 3_600_000) * 3_600_000);
}

export function hhmm(d: Date): string {
  return d.toISOString().slice(11, 16);
}

/**
 * Whose history a token's uses are compared with: its user's; else, for a token of an
 * OAuth client that is not a long-lived key, its client's; else its own. Access tokens
 * live minutes to hours and rotate; a fresh token's own history is empty, its user's or
 * its client's is not. An app's tokens are used all over the world, so an app is no owner
 * to compare a client with. The same expression as the principal places rollup
 * (sql/016), over a row's user_id, client_id, token_type and token_fingerprint (the
 * usage events, or the token places rollup). In a query that aliases one of those names
 * (`anyLast(user_id) AS user_id`), qualify them: principalSql('e.') over `usage_events AS e`.
 */
export const principalSql = (table = ''): string =>
  `multiIf(${table}user_id != '', concat('u:', ${table}user_id), ` +
  `${table}client_id != '' AND ${table}token_type NOT IN ('api_key', 'personal_access_token'), concat('c:', toString(${table}client_id)), ` +
  `concat('t:', ${table}token_fingerprint))`;
export const PRINCIPAL_SQL = principalSql();

/** A principal in words, for explanations: "user alice's", "client svc's", "its". */
export function whoseHistory(principal: string): string {
  if (principal.startsWith('u:')) return `user ${principal.slice(2)}'s`;
  if (principal.startsWith('c:')) return `client ${principal.slice(2)}'s`;
  return 'its';
}

/** A principal's places over a history: what is normal for it. */
export interface PrincipalHistory {
  countries: Set<string>;
  networks: Set<number>;
  /** The organisations running them (networks.ts, organisation). */
  organisations: Set<string>;
  /** Where each network (ASN) was seen: its countries, and the located places among them. */
  networkPlaces: Map<number, NetworkPlace[]>;
  /** country/city keys (placeKey). */
  places: Set<string>;
  /** The network classes it was seen from, with the countries of each. */
  classes: Map<NetworkClass, Set<string>>;
  requests: number;
  first: Date;
  /** When each network (ASN) was first seen in the history, ms. */
  networkSince: Map<number, number>;
}

/** A principal's place: a visit's place columns, by principal instead of token. */
const principalRow = visitRow
  .pick({ country: true, city: true, asn: true, asn_org: true, lat: true, lon: true, requests: true, first_seen: true })
  .extend({ principal: z.string() });

const principalPlaceRows = defineQuery({
  name: 'principal_places',
  sql: `SELECT principal, country, city, asn, anyLast(asn_org) AS asn_org, anyLast(lat) AS lat, anyLast(lon) AS lon,
            sum(requests) AS requests, toUnixTimestamp64Milli(min(first_seen)) AS first_seen
     FROM ${TABLES.usagePrincipalPlace1h}
     WHERE principal IN {principals:Array(String)} AND hour >= toStartOfHour({from:DateTime64(3)}) AND hour < {to:DateTime64(3)}
     GROUP BY principal, country, city, asn
     HAVING ${ACCEPTED}`,
  params: z.object({ principals: z.array(z.string()), from: z.date(), to: z.date() }),
  row: principalRow,
});

/** The places of the given principals between from and to (whole hours), one entry per principal seen. */
export async function principalHistories(warehouse: Warehouse, principals: string[], from: Date, to: Date): Promise<Map<string, PrincipalHistory>> {
  const out = new Map<string, PrincipalHistory>();
  if (principals.length === 0) return out;
  const rows = await principalPlaceRows(warehouse, { principals, from, to });
  for (const p of rows) {
    let h = out.get(p.principal);
    if (!h) {
      h = { countries: new Set(), networks: new Set(), organisations: new Set(), networkPlaces: new Map(), places: new Set(), classes: new Map(), requests: 0, first: new Date(p.first_seen), networkSince: new Map() };
      out.set(p.principal, h);
    }
    if (p.country) h.countries.add(p.country);
    if (p.asn) {
      h.networks.add(p.asn);
      h.organisations.add(organisation(p));
      const where = h.networkPlaces.get(p.asn) ?? [];
      where.push({ country: p.country, city: p.city, lat: p.lat, lon: p.lon });
      h.networkPlaces.set(p.asn, where);
      h.networkSince.set(p.asn, Math.min(p.first_seen, h.networkSince.get(p.asn) ?? Infinity));
    }
    h.places.add(placeKey(p));
    const kind = classifyNetwork(p.asn, p.asn_org);
    const seen = h.classes.get(kind) ?? new Set<string>();
    if (p.country) seen.add(p.country);
    h.classes.set(kind, seen);
    h.requests += p.requests;
    if (p.first_seen < h.first.getTime()) h.first = new Date(p.first_seen);
  }
  return out;
}

/** A place a network was seen at, in a principal's history. */
export interface NetworkPlace {
  country: string;
  city: string;
  lat: number | null;
  lon: number | null;
}

/**
 * How far from where a principal was seen on it a fixed line can still be the same line:
 * a metropolitan area and its geolocation error. A home broadband or office line does not
 * move; a national ISP's other customers are everywhere in the country.
 */
export const FIXED_LINE_KM = 300;

/**
 * A network the principal used that explains a use: one that moves without travel (cloud,
 * VPN, carrier) anywhere; a network of no known kind anywhere in a country it was seen in
 * (a national carrier that also runs mobile moves across the country with its phones); a
 * known fixed line (cable, fibre, DSL: isFixedLine) only near where it was seen, unless
 * the principal's own history already has it in places far apart, and then anywhere in the
 * countries it was seen in. A home ISP seen only in Germany does not explain a use "from
 * Sydney" on it, and a San José cable line does not explain the same cable company in New
 * York: that is a forged or wrong place, or another customer (a thief on the same national
 * ISP), not the principal.
 */
export function knownNetwork(history: PrincipalHistory, v: Pick<Visit, 'asn' | 'asn_org' | 'country' | 'city' | 'lat' | 'lon'>): boolean {
  if (v.asn === 0 || !history.networks.has(v.asn)) return false;
  if (MOVING_CLASSES.has(classifyNetwork(v.asn, v.asn_org)) || !v.country) return true;
  const seen = (history.networkPlaces.get(v.asn) ?? []).filter((p) => p.country === v.country);
  if (!isFixedLine(v.asn, v.asn_org)) return seen.length > 0;
  const located = (p: NetworkPlace | typeof v): p is NetworkPlace & { lat: number; lon: number } => Boolean(p.city) && p.lat !== null && p.lon !== null;
  // A country-level guess (no city) sits on the country's centroid: only the country says anything.
  if (!located(v) || seen.some((p) => !located(p))) return seen.length > 0;
  const points = seen.filter(located);
  const near = (a: { lat: number; lon: number }, b: { lat: number; lon: number }) => distanceKm(a, b) <= FIXED_LINE_KM;
  if (points.some((p) => near(p, v))) return true;
  return points.some((p, i) => points.slice(i + 1).some((q) => !near(p, q)));
}

/**
 * A place whose network moves without travel (cloud, VPN, carrier) and that the
 * principal's own spread already covers: it was seen from networks of that kind before
 * (VPN exits and cloud egress count as one kind: VPNs run on hosting networks), in
 * several countries or in this one. Carriers
 * move inside their country: a carrier abroad is covered only where the principal was on
 * carriers before (roaming is travel, judged as travel). A token seen from several cloud
 * regions is normal in another (machine clients go multi-cloud too: a batch job on Google
 * in Tokyo and Amazon in Ashburn); a home broadband user is not.
 */
export function withinSpread(history: PrincipalHistory, v: Pick<Visit, 'asn' | 'asn_org' | 'country'>, machine = false): boolean {
  const kind = classifyNetwork(v.asn, v.asn_org);
  if (!MOVING_CLASSES.has(kind)) return false;
  // A satellite link's address is a ground station's: it says nothing about where the
  // holder is, so it is no new place for anyone.
  if (kind === 'satellite') return true;
  // A secure web gateway's points of presence are its vendor's: covered where the principal
  // already goes through that vendor (any of its networks), and covering nothing else.
  if (kind === 'gateway') return history.organisations.has(organisation(v));
  if (kind === 'mobile') return Boolean(history.classes.get('mobile')?.has(v.country) || (!v.country && history.classes.has('mobile')));
  // People pick VPN exits; a machine credential (no user) on a commercial VPN exit has only
  // ever done so when its history says so: a cloud history is no VPN spread for a job.
  // A commercial VPN's exits are picked by its user, country by country: any server history
  // covers them. A machine credential (no user) has only done so when its history says so:
  // a cloud history is no VPN spread for a job.
  if (kind === 'vpn') return machine ? history.classes.has('vpn') : history.classes.has('hosting') || history.classes.has('vpn');
  // Cloud regions in several countries make a spread (a CI fleet, a VPN user's exits on
  // rented servers abroad): another is normal. Servers in one country are a place, not a
  // spread (a cloud desktop pool in Frankfurt, notebooks in two US regions): a cloud
  // server abroad is new.
  // The countries it was seen in on servers (cloud regions, VPN exits), from its classes.
  const countries = new Set([...(history.classes.get('hosting') ?? []), ...(history.classes.get('vpn') ?? [])]);
  return countries.size >= 2 || countries.has(v.country);
}

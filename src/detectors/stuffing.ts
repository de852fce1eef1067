/**
 * Credential stuffing and brute force, judged per place rather than per credential: one
 * address (or one /24 or /48 network) trying many tokens or user names, most of which
 * never worked anywhere, each failing once or twice; or one address failing again and
 * again with credentials that never worked and nothing accepted (guessing a password). Per credential there is nothing to
 * see; per place, over a sliding hour, the campaign is plain. The tokens and user names
 * tried are the evidence. Part of auth_failures.
 *
 * A slow campaign also spreads over addresses, each trying a credential or two in hours
 * (an sshd log's bots): then the credentials are what its addresses share. A credential
 * that never worked, refused from several addresses none of which got in with it, is being
 * sprayed, and each of those addresses is flagged as part of the campaign (campaigns()).
 */
import { z } from 'zod';
import { defineQuery, TABLES, type Warehouse } from '../warehouse/warehouse.js';
import { classifyNetwork, MOVING_CLASSES } from './networks.js';
import { fmt, windowStart, type DetectionRange, type Finding } from './types.js';

export interface StuffingThresholds {
  MIN_TOKENS_PER_IP: number;
  MIN_TRIES_PER_IP: number;
  MIN_FAILURE_RATIO: number;
  IP_WINDOW_MINUTES: number;
  MIN_NEVER_SUCCEEDED_SHARE: number;
  MIN_ADDRESSES_PER_NETWORK: number;
  CAMPAIGN_MIN_ADDRESSES: number;
  PROBE_MIN_CREDENTIALS: number;
  CAMPAIGN_HOURS: number;
  BASELINE_DAYS: number;
}

const IP_TEXT = "replaceRegexpOne(IPv6NumToString(ip), '^::ffff:', '')";

/** The /24 of an IPv4 address or the /48 of an IPv6 one, as CIDR text. */
export function networkOf(ip: string): string {
  if (ip.includes('.')) return `${ip.split('.').slice(0, 3).join('.')}.0/24`;
  const groups = expandV6(ip);
  return `${groups.slice(0, 3).join(':')}::/48`;
}

/**
 * The line an IPv6 address belongs to: its /56, the prefix ISPs delegate to one
 * subscriber (RFC 6177; some delegate a /48 or a /60). A line's devices rotate their
 * addresses inside it (RFC 8981 temporary addresses); another /56 is another line. IPv4
 * addresses have no such unit (NAT and CGNAT pools share them): undefined.
 */
export function subscriberLine(ip: string): string | undefined {
  if (ip.includes('.')) return undefined;
  const groups = expandV6(ip);
  return `${groups.slice(0, 3).join(':')}:${groups[3]!.padStart(4, '0').slice(0, 2)}00::/56`;
}

function expandV6(ip: string): string[] {
  const [head = '', tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  return [...h, ...Array<string>(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t].map((g) => g.replace(/^0+(?=.)/, ''));
}

const row = z.object({
  address: z.string(),
  minute: z.number(),
  credential: z.string(),
  token_fingerprint: z.string(),
  user_id: z.string(),
  failures: z.coerce.number(),
  total: z.coerce.number(),
  app_id: z.string(),
  asn: z.coerce.number(),
  asn_org: z.string(),
  statuses: z.array(z.coerce.number()),
});
type Row = z.infer<typeof row>;

const uint = z.number().int().nonnegative();
const fingerprints = z.object({ token_fingerprint: z.string() });

/**
 * Candidates from the hourly address rollup: addresses failing at least as often as the
 * credentials they need, mostly failing, in the hours the sliding hour can reach; and all
 * failing addresses of a /24 or /48 whose addresses together do.
 */
const candidateRows = defineQuery({
  name: 'stuffing_candidates',
  sql: `SELECT arrayJoin(ips) AS ip FROM (
           SELECT groupArray(value) AS ips, max(f) AS most, sum(f) AS all_failures, count() AS addresses FROM (
             SELECT value, sum(auth_failures) AS f, sum(requests) AS r,
                    if(position(value, '.') > 0, replaceRegexpOne(value, '[.][0-9]+$', ''),
                       IPv6NumToString(tupleElement(IPv6CIDRToRange(toIPv6(value), 48), 1))) AS net
             FROM ${TABLES.usageDim1h}
             WHERE dimension = 'ip' AND hour >= toStartOfHour({since:DateTime64(3)}) AND hour < {to:DateTime64(3)}
             GROUP BY value
             HAVING f > 0 AND f >= {ratio:Float64} * r)
           GROUP BY net
           HAVING most >= {min:UInt32} OR (addresses >= {min_addresses:UInt32} AND all_failures >= {net_min:UInt32}))`,
  params: z.object({ since: z.date(), to: z.date(), min: uint, net_min: uint, min_addresses: uint, ratio: z.number() }),
  row: z.object({ ip: z.string() }),
});

/**
 * The candidates' raw rows, per minute and credential (a token, or a user name tried with
 * it). The tokens used in the span first (minute rollup): a condition on the primary key.
 */
const candidateEvents = defineQuery({
  name: 'stuffing_events',
  sql: `SELECT ${IP_TEXT} AS address, toUnixTimestamp(toStartOfMinute(ts)) * 1000 AS minute,
              concat(token_fingerprint, '|', user_id) AS credential, token_fingerprint, user_id,
              countIf(status IN (401, 403)) AS failures, count() AS total, anyLast(toString(app_id)) AS app_id,
              anyLast(asn) AS asn, anyLast(toString(asn_org)) AS asn_org, groupUniqArrayIf(2)(status, status IN (401, 403)) AS statuses
       FROM ${TABLES.usageEvents}
       WHERE token_fingerprint IN (
               SELECT token_fingerprint FROM ${TABLES.usageToken1m} WHERE minute >= toStartOfMinute({since:DateTime64(3)}) AND minute < {to:DateTime64(3)})
         AND ts >= {since:DateTime64(3)} AND ts < {to:DateTime64(3)} AND ip IN {ips:Array(IPv6)}
       GROUP BY address, minute, token_fingerprint, user_id`,
  params: z.object({ since: z.date(), to: z.date(), ips: z.array(z.string()) }),
  row,
});

/** Of the tried tokens, those that got a response other than 401/403 over the baseline. */
const workedRows = defineQuery({
  name: 'stuffing_worked',
  sql: `SELECT token_fingerprint FROM ${TABLES.usageToken1d}
           WHERE token_fingerprint IN {fps:Array(String)} AND day >= toDate({bfrom:DateTime64(3)})
           GROUP BY token_fingerprint HAVING sum(requests) > sum(auth_failures)`,
  params: z.object({ fps: z.array(z.string()), bfrom: z.date() }),
  row: fingerprints,
});

export async function stuffing(warehouse: Warehouse, range: DetectionRange, t: StuffingThresholds): Promise<Finding[]> {
  const spanMs = t.IP_WINDOW_MINUTES * 60_000;
  const since = new Date(range.from.getTime() - spanMs);
  const candidates = (
    await candidateRows(warehouse, {
      since,
      to: range.to,
      min: t.MIN_TOKENS_PER_IP,
      net_min: 2 * t.MIN_TOKENS_PER_IP,
      min_addresses: t.MIN_ADDRESSES_PER_NETWORK,
      ratio: t.MIN_FAILURE_RATIO / 2,
    })
  ).map((r) => r.ip);
  if (candidates.length === 0) return campaigns(warehouse, range, t, new Set());
  const rows = await candidateEvents(warehouse, { since, to: range.to, ips: candidates });
  // In time order, so each group is too (a hit's last failing row is its latest).
  rows.sort((a, b) => a.minute - b.minute);
  const byIp = group(rows, (r) => r.address);
  const byNetwork = group(rows, (r) => networkOf(r.address));

  // Every window of the range, a tick's earlier ones too: an address's late events are
  // judged in their own window (no token list says which addresses had late events; the
  // flag store keeps a flagged incident from being raised twice).
  const first = windowStart(range.from.getTime(), range.windowMs);
  type Hit = { subject: string; type: 'ip' | 'network'; end: number; failing: Row[]; failures: number; total: number; addresses: Set<string> };
  const hits: Hit[] = [];
  const judge = (subject: string, type: Hit['type'], list: Row[]) => {
    for (let w = first; w < range.to.getTime(); w += range.windowMs) {
      const end = w + range.windowMs;
      const inWindow = list.filter((r) => r.minute >= w && r.minute < end && r.failures > 0);
      if (inWindow.length === 0) continue;
      const span = list.filter((r) => r.minute >= end - spanMs && r.minute < end);
      const failing = span.filter((r) => r.failures > 0);
      const failures = failing.reduce((s, r) => s + r.failures, 0);
      const total = span.reduce((s, r) => s + r.total, 0);
      const credentials = new Set(failing.map((r) => r.credential));
      const addresses = new Set(failing.map((r) => r.address));
      const needed = type === 'ip' ? t.MIN_TOKENS_PER_IP : 2 * t.MIN_TOKENS_PER_IP;
      // Many credentials (stuffing), or one address guessing one credential's secret again
      // and again (a password brute force); either way mostly failing.
      const guessing = type === 'ip' && failures >= t.MIN_TRIES_PER_IP && successes(span) === 0;
      if ((credentials.size < needed && !guessing) || failures < t.MIN_FAILURE_RATIO * total) continue;
      if (type === 'network' && addresses.size < t.MIN_ADDRESSES_PER_NETWORK) continue;
      hits.push({ subject, type, end, failing, failures, total, addresses });
      return;
    }
  };
  for (const [ip, list] of byIp) judge(ip, 'ip', list);
  // A /24 of a cloud, VPN or carrier network is shared egress: many unrelated customers
  // behind neighbouring addresses, not one actor. Networks are subjects on fixed lines
  // (botnets, residential proxies, one campaign's hosts); their addresses still are. An
  // IPv6 /48 is one site's allocation, and a rented server rotates through addresses by the
  // billion: on a cloud it is a subject too (a spray with a new address per try).
  for (const [net, list] of byNetwork) {
    const kind = classifyNetwork(list[0]!.asn, list[0]!.asn_org);
    if (!MOVING_CLASSES.has(kind) || (net.endsWith('/48') && kind === 'hosting')) judge(net, 'network', list);
  }
  if (hits.length === 0) return campaigns(warehouse, range, t, new Set());

  // "Mostly never seen": the share of tried tokens that never got a response other than
  // 401/403 in the history (a NAT's expired sessions worked yesterday).
  const tried = [...new Set(hits.flatMap((h) => h.failing.map((r) => r.token_fingerprint)))];
  const worked = new Set(
    (await workedRows(warehouse, { fps: tried, bfrom: new Date(range.from.getTime() - t.BASELINE_DAYS * 86_400_000) })).map((r) => r.token_fingerprint),
  );

  const findings: Finding[] = [];
  for (const h of hits) {
    const credentials = new Map<string, Row>();
    for (const r of h.failing) credentials.set(r.credential, r);
    const tokens = new Set(h.failing.map((r) => r.token_fingerprint));
    const users = new Set(h.failing.map((r) => r.user_id).filter(Boolean));
    const never = [...tokens].filter((fp) => !worked.has(fp)).length;
    const neverShare = never / tokens.size;
    if (neverShare < t.MIN_NEVER_SUCCEEDED_SHARE) continue;
    const start = new Date(h.end - range.windowMs);
    const last = h.failing.at(-1)!;
    const statuses = [...new Set(h.failing.flatMap((r) => r.statuses))].sort();
    const where = h.type === 'ip' ? h.subject : `${h.subject} (${h.addresses.size} addresses)`;
    const what =
      credentials.size === 1
        ? `one ${users.size === 1 ? `user name (${[...users][0]})` : 'token'} again and again`
        : users.size >= tokens.size
          ? `${fmt(users.size)} user names`
          : `${fmt(tokens.size)} different tokens`;
    findings.push({
      subject_type: h.type,
      subject: h.subject,
      token_fingerprint: tokens.size === 1 ? last.token_fingerprint : undefined,
      app_id: last.app_id,
      window_start: start,
      window_end: new Date(h.end),
      severity: credentials.size >= 4 * t.MIN_TOKENS_PER_IP && neverShare >= 0.8 ? 'high' : 'medium',
      score: credentials.size / t.MIN_TOKENS_PER_IP,
      explanation:
        `${fmt(h.failures)} of ${fmt(h.total)} requests from ${where} failed with ${statuses.join('/')} in ${fmt(t.IP_WINDOW_MINUTES)} min, ` +
        `trying ${what}, ${fmt(never)} of ${fmt(tokens.size)} tokens never accepted before`,
      evidence: {
        failures: h.failures,
        total: h.total,
        failure_ratio: h.failures / Math.max(1, h.total),
        credentials: credentials.size,
        tokens: tokens.size,
        never_accepted: never,
        sample_tokens: [...tokens].slice(0, 20),
        users: [...users].slice(0, 20),
        addresses: [...h.addresses].slice(0, 20),
        asn: last.asn,
        asn_org: last.asn_org,
        statuses,
        span_minutes: t.IP_WINDOW_MINUTES,
      },
    });
  }
  findings.push(...(await campaigns(warehouse, range, t, new Set(findings.map((f) => f.subject)))));
  return findings;
}

const campaignRow = z.object({
  address: z.string(),
  token_fingerprint: z.string(),
  user_id: z.string(),
  failures: z.coerce.number(),
  accepted: z.coerce.number(),
  first_failure: z.number(),
  last_failure: z.number(),
  app_id: z.string(),
  asn: z.coerce.number(),
  asn_org: z.string(),
});

/** Credentials refused in this range that never got anything but 401/403 over the baseline. */
const sprayedRows = defineQuery({
  name: 'stuffing_sprayed',
  sql: `SELECT token_fingerprint FROM ${TABLES.usageToken1d}
         WHERE day >= toDate({bfrom:DateTime64(3)}) AND token_fingerprint IN (
           SELECT token_fingerprint FROM ${TABLES.usageToken1m}
           WHERE minute >= toStartOfMinute({from:DateTime64(3)}) AND minute < {to:DateTime64(3)} AND auth_failures > 0)
         GROUP BY token_fingerprint HAVING sum(requests) = sum(auth_failures)`,
  params: z.object({ from: z.date(), to: z.date(), bfrom: z.date() }),
  row: fingerprints,
});

/** Per address and credential since the campaign span began: its refusals, what was accepted, when (`campaignRow`). */
const triesSql = (where: string) => `SELECT ${IP_TEXT} AS address, token_fingerprint, anyLast(user_id) AS user_id,
              countIf(status IN (401, 403)) AS failures, countIf(status NOT IN (401, 403)) AS accepted,
              toUnixTimestamp64Milli(minIf(ts, status IN (401, 403))) AS first_failure,
              toUnixTimestamp64Milli(maxIf(ts, status IN (401, 403))) AS last_failure,
              anyLast(toString(app_id)) AS app_id, anyLast(asn) AS asn, anyLast(toString(asn_org)) AS asn_org
       FROM ${TABLES.usageEvents}
       WHERE ${where} AND ts >= {since:DateTime64(3)} AND ts < {to:DateTime64(3)}
       GROUP BY address, token_fingerprint`;

/** Each address's tries with those credentials. */
const campaignEvents = defineQuery({
  name: 'stuffing_campaign_events',
  sql: triesSql('token_fingerprint IN {fps:Array(String)}'),
  params: z.object({ fps: z.array(z.string()), since: z.date(), to: z.date() }),
  row: campaignRow,
});

/** Everything the given addresses tried (the bloom filter on ip keeps this to the granules holding them). */
const addressEvents = defineQuery({
  name: 'stuffing_address_events',
  sql: triesSql('ip IN {ips:Array(IPv6)}'),
  params: z.object({ ips: z.array(z.string()), since: z.date(), to: z.date() }),
  row: campaignRow,
});

/**
 * Addresses that tried, in this range, credentials that never worked anywhere (over the
 * baseline, none of the addresses trying them got in), over the last CAMPAIGN_HOURS:
 * - sprayed: a credential refused from at least CAMPAIGN_MIN_ADDRESSES addresses: what the
 *   campaign's addresses share;
 * - probing: one address refused with PROBE_MIN_CREDENTIALS or more such credentials and
 *   nothing accepted from it at all: trying names or keys, however slowly (a person who
 *   mistyped a user name gets in with the right one from the same address).
 * `flagged`: subjects already raised by the per-place rules.
 */
async function campaigns(warehouse: Warehouse, range: DetectionRange, t: StuffingThresholds, flagged: Set<string>): Promise<Finding[]> {
  const since = new Date(range.to.getTime() - t.CAMPAIGN_HOURS * 3_600_000);
  const sprayed = (await sprayedRows(warehouse, { from: range.from, to: range.to, bfrom: new Date(range.from.getTime() - t.BASELINE_DAYS * 86_400_000) })).map(
    (r) => r.token_fingerprint,
  );
  if (sprayed.length === 0) return [];
  const rows = await campaignEvents(warehouse, { fps: sprayed, since, to: range.to });
  // A credential's campaign: the addresses refused with it, when none got in with it.
  const byCredential = group(rows, (r) => r.token_fingerprint);
  const never = new Set<string>();
  const members = new Map<string, (typeof rows)[number][]>();
  const shared = new Map<string, Set<string>>();
  for (const [credential, list] of byCredential) {
    if (list.some((r) => r.accepted > 0)) continue;
    never.add(credential);
    const addresses = new Set(list.filter((r) => r.failures > 0).map((r) => r.address));
    if (addresses.size < t.CAMPAIGN_MIN_ADDRESSES) continue;
    shared.set(credential, addresses);
    // Every address of the campaign, those refused before this range too: the credential they
    // share was refused again now, which is when they are seen to be one campaign.
    for (const r of list) if (r.failures > 0) members.set(r.address, [...(members.get(r.address) ?? []), r]);
  }
  // Probing: an address refused in this range with a never-working credential, that over
  // the span tried PROBE_MIN_CREDENTIALS or more credentials that never worked before, and
  // got nothing accepted with any credential (its earlier tries are in earlier ranges).
  const probes = [...new Set(rows.filter((r) => never.has(r.token_fingerprint) && r.failures > 0 && r.last_failure >= range.from.getTime()).map((r) => r.address))].filter(
    (a) => !members.has(a),
  );
  if (probes.length > 0) {
    const seen = await addressEvents(warehouse, { ips: probes, since, to: range.to });
    const refused = seen.filter((r) => r.failures > 0 && r.accepted === 0);
    const worked = new Set(
      (await workedRows(warehouse, { fps: [...new Set(refused.map((r) => r.token_fingerprint))], bfrom: new Date(range.from.getTime() - t.BASELINE_DAYS * 86_400_000) })).map(
        (r) => r.token_fingerprint,
      ),
    );
    for (const [address, list] of group(seen, (r) => r.address)) {
      if (list.some((r) => r.accepted > 0)) continue;
      const tried = list.filter((r) => r.failures > 0 && !worked.has(r.token_fingerprint));
      if (tried.length >= t.PROBE_MIN_CREDENTIALS) members.set(address, tried);
    }
  }

  const findings: Finding[] = [];
  for (const [address, tried] of members) {
    // Raised already, alone or as one of the addresses of a network flagged as a whole.
    if (flagged.has(address) || flagged.has(networkOf(address))) continue;
    const last = tried.reduce((a, b) => (b.last_failure > a.last_failure ? b : a));
    const start = windowStart(Math.max(last.last_failure, range.from.getTime()), range.windowMs);
    const peers = new Set(tried.flatMap((r) => [...(shared.get(r.token_fingerprint) ?? [])]));
    peers.delete(address);
    const users = [...new Set([...tried].sort((a, b) => a.first_failure - b.first_failure).map((r) => r.user_id).filter(Boolean))];
    const failures = tried.reduce((s, r) => s + r.failures, 0);
    const named = users.length > 0 ? `user name${users.length > 1 ? 's' : ''} ${users.slice(0, 3).join(', ')}` : `${fmt(tried.length)} token${tried.length > 1 ? 's' : ''}`;
    const how =
      peers.size > 0
        ? `which ${fmt(peers.size)} other address${peers.size > 1 ? 'es' : ''} also tried in ${fmt(t.CAMPAIGN_HOURS)} h: one spraying campaign`
        : `${fmt(tried.length)} credentials in ${fmt(t.CAMPAIGN_HOURS)} h and nothing accepted from it: probing`;
    findings.push({
      subject_type: 'ip',
      subject: address,
      token_fingerprint: tried.length === 1 ? last.token_fingerprint : undefined,
      app_id: last.app_id,
      window_start: new Date(start),
      window_end: new Date(start + range.windowMs),
      severity: 'medium',
      score: peers.size > 0 ? peers.size / t.CAMPAIGN_MIN_ADDRESSES : tried.length / t.PROBE_MIN_CREDENTIALS,
      explanation: `${address} was refused ${fmt(failures)} time${failures > 1 ? 's' : ''} with ${named}, never accepted anywhere, ${how}`,
      evidence: {
        campaign: peers.size > 0 ? 'sprayed' : 'probing',
        failures,
        credentials: tried.length,
        sample_tokens: tried.map((r) => r.token_fingerprint).slice(0, 20),
        users: users.slice(0, 20),
        other_addresses: [...peers].slice(0, 20),
        asn: last.asn,
        asn_org: last.asn_org,
        span_hours: t.CAMPAIGN_HOURS,
      },
    });
  }
  return findings;
}

/** Requests that were not refused (anything but 401/403). */
function successes(rows: Row[]): number {
  return rows.reduce((s, r) => s + r.total - r.failures, 0);
}

function group<T>(rows: T[], key: (r: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
}

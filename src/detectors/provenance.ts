/**
 * Who said so: before a flag is stored, its evidence names the API keys that reported the
 * usage events behind it (`reported_by`, key ids, most events first) and every place a
 * caller reported that its IP's MMDB lookup contradicts (`place_disputes`). A reviewer
 * sees that one gateway's word made the flag, and the revocation policy holds each key to
 * its own budget (src/revocation/policy.ts).
 *
 * The evidence events are the subject's usage events in the flag's window; for a finding
 * with an earlier first leg (impossible_travel's `from.last_seen`), from that leg on.
 */
import { z } from 'zod';
import { defineQuery, TABLES, type Warehouse } from '../warehouse/warehouse.js';
import type { Finding } from './types.js';

/** A reported place this far from its IP's lookup disagrees with it (a city guess is off by tens of km, a regional VPN by hundreds). */
export const DISPUTE_KM = 500;
/** At most this many disputes are kept in a flag's evidence (the busiest first). */
const MAX_DISPUTES = 5;

/** The usage_events condition selecting a finding's subject; bind {subject:String}. */
const SUBJECT_SQL: Record<Finding['subject_type'], string> = {
  token: 'token_fingerprint = {subject:String}',
  ip: 'ip = toIPv6({subject:String})',
  app: 'app_id = {subject:String}',
  user: 'user_id = {subject:String}',
  // A /24 or /48 in CIDR form; IPv4 addresses are stored IPv4-mapped, so unmap them first.
  network: "isIPAddressInRange(if(startsWith(toString(ip), '::ffff:'), substring(toString(ip), 8), toString(ip)), {subject:String})",
};

const DISPUTED_SQL = `(
    (reported_country != '' AND geo_country != '' AND reported_country != geo_country)
 OR (reported_lat IS NOT NULL AND reported_lon IS NOT NULL AND geo_lat IS NOT NULL AND geo_lon IS NOT NULL
     AND greatCircleDistance(assumeNotNull(reported_lon), assumeNotNull(reported_lat), assumeNotNull(geo_lon), assumeNotNull(geo_lat)) > ${DISPUTE_KM * 1000})
 OR (reported_asn != 0 AND geo_asn != 0 AND reported_asn != geo_asn))`;

const num = z.coerce.number();
const disputeRow = z.object({
  reported_by: z.string(),
  ip_text: z.string(),
  reported_country: z.string(),
  reported_city: z.string(),
  reported_lat: num.nullable(),
  reported_lon: num.nullable(),
  reported_asn: num,
  geo_country: z.string(),
  geo_city: z.string(),
  geo_lat: num.nullable(),
  geo_lon: num.nullable(),
  geo_asn: num,
  events: num,
});

export interface PlaceDispute {
  reported_by: string;
  ip: string;
  reported: { country: string; city: string; lat: number | null; lon: number | null; asn: number };
  lookup: { country: string; city: string; lat: number | null; lon: number | null; asn: number };
  events: number;
}

/** The span of a finding's evidence events. */
export function evidenceSpan(f: Finding): { from: Date; to: Date } {
  let from = f.window_start.getTime();
  const leg = (f.evidence.from as { last_seen?: unknown } | undefined)?.last_seen;
  if (typeof leg === 'string' && Number.isFinite(Date.parse(leg))) from = Math.min(from, Date.parse(leg));
  return { from: new Date(from), to: f.window_end };
}

/**
 * How a batch of one subject type finds its subject's events: the key each event is joined
 * on, and a filter on the primary key or an index to read only those subjects' events.
 * Network subjects (CIDR ranges) are few and are read one by one.
 */
const BATCH: Record<Exclude<Finding['subject_type'], 'network'>, { key: string; filter: string }> = {
  token: { key: 'token_fingerprint', filter: 'token_fingerprint IN {subjects:Array(String)}' },
  ip: { key: "replaceRegexpOne(IPv6NumToString(ip), '^::ffff:', '')", filter: 'ip IN (SELECT toIPv6(arrayJoin({subjects:Array(String)})))' },
  app: { key: 'toString(app_id)', filter: 'app_id IN {subjects:Array(String)}' },
  user: { key: 'user_id', filter: 'user_id IN {subjects:Array(String)}' },
};

const DISPUTE_COLUMNS = `replaceRegexpOne(IPv6NumToString(ip), '^::ffff:', '') AS ip_text,
  reported_country, reported_city, reported_lat, reported_lon, reported_asn,
  geo_country, geo_city, geo_lat, geo_lon, geo_asn`;
const DISPUTE_GROUP = `ip_text, reported_country, reported_city, reported_lat, reported_lon, reported_asn,
  geo_country, geo_city, geo_lat, geo_lon, geo_asn`;

const keyRow = z.object({ i: num, reported_by: z.string(), events: num });
const batchDisputeRow = disputeRow.extend({ i: num });

type BatchType = keyof typeof BATCH;
const BATCH_TYPES = Object.keys(BATCH) as BatchType[];
const byBatchType = <T>(make: (type: BatchType) => T) => Object.fromEntries(BATCH_TYPES.map((type) => [type, make(type)])) as Record<BatchType, T>;

const batchParams = z.object({
  subjects: z.array(z.string()),
  ids: z.array(z.number().int().nonnegative()),
  of: z.array(z.string()),
  froms: z.array(z.number().int()),
  tos: z.array(z.number().int()),
  from: z.date(),
  to: z.date(),
});

/** Each finding's span, joined to its subject's events, which are read once for all. */
const SPANS_SQL = `SELECT arrayJoin(arrayZip({ids:Array(UInt32)}, {of:Array(String)}, {froms:Array(Int64)}, {tos:Array(Int64)})) AS s,
                             s.1 AS i, s.2 AS subject, s.3 AS span_from, s.4 AS span_to`;

/** A subject type's events in the batch's span, with these columns (and an extra condition). */
function batchEventsSql(type: BatchType, columns: string, extra = ''): string {
  const { key, filter } = BATCH[type];
  return `SELECT ${key} AS subject, toUnixTimestamp64Milli(ts) AS at, ${columns}
       FROM ${TABLES.usageEvents}
       WHERE ${filter} AND ts >= {from:DateTime64(3)} AND ts <= {to:DateTime64(3)}${extra}`;
}

/** Per finding (i), the keys that reported its events, most events first. */
const batchKeys = byBatchType((type) =>
  defineQuery({
    name: `provenance_keys_${type}`,
    sql: `SELECT f.i AS i, e.reported_by AS reported_by, count() AS events
         FROM (${batchEventsSql(type, 'reported_by')}) AS e INNER JOIN (${SPANS_SQL}) AS f ON e.subject = f.subject
         WHERE e.at >= f.span_from AND e.at <= f.span_to
         GROUP BY i, reported_by ORDER BY i, events DESC, reported_by`,
    params: batchParams,
    row: keyRow,
  }),
);

/** Per finding (i), the reported places their IPs' lookups contradict, the busiest first. */
const batchDisputes = byBatchType((type) =>
  defineQuery({
    name: `provenance_disputes_${type}`,
    sql: `SELECT f.i AS i, e.reported_by AS reported_by, ${DISPUTE_GROUP.split(',').map((c) => `e.${c.trim()} AS ${c.trim()}`).join(', ')}, count() AS events
         FROM (${batchEventsSql(type, `reported_by, ${DISPUTE_COLUMNS}`, ` AND ${DISPUTED_SQL}`)}) AS e INNER JOIN (${SPANS_SQL}) AS f ON e.subject = f.subject
         WHERE e.at >= f.span_from AND e.at <= f.span_to
         GROUP BY i, reported_by, ${DISPUTE_GROUP}
         ORDER BY i, events DESC LIMIT ${MAX_DISPUTES} BY i`,
    params: batchParams,
    row: batchDisputeRow,
  }),
);

const SUBJECT_TYPES = Object.keys(SUBJECT_SQL) as Finding['subject_type'][];
const bySubjectType = <T>(make: (type: Finding['subject_type']) => T) =>
  Object.fromEntries(SUBJECT_TYPES.map((type) => [type, make(type)])) as Record<Finding['subject_type'], T>;
const oneParams = z.object({ subject: z.string(), from: z.date(), to: z.date() });
const oneWhere = (type: Finding['subject_type']) => `${SUBJECT_SQL[type]} AND ts >= {from:DateTime64(3)} AND ts <= {to:DateTime64(3)}`;

/** One subject's reporting keys, most events first. */
const oneKeys = bySubjectType((type) =>
  defineQuery({
    name: `provenance_keys_one_${type}`,
    sql: `SELECT reported_by, count() AS events FROM ${TABLES.usageEvents} WHERE ${oneWhere(type)} GROUP BY reported_by ORDER BY events DESC, reported_by`,
    params: oneParams,
    row: z.object({ reported_by: z.string(), events: num }),
  }),
);

/** One subject's disputed places, the busiest first. */
const oneDisputes = bySubjectType((type) =>
  defineQuery({
    name: `provenance_disputes_one_${type}`,
    sql: `SELECT reported_by, ${DISPUTE_COLUMNS}, count() AS events
       FROM ${TABLES.usageEvents}
       WHERE ${oneWhere(type)} AND ${DISPUTED_SQL}
       GROUP BY reported_by, ${DISPUTE_GROUP}
       ORDER BY events DESC LIMIT ${MAX_DISPUTES}`,
    params: oneParams,
    row: disputeRow,
  }),
);

/**
 * Adds `reported_by` and `place_disputes` to each finding's evidence (in place). Two
 * statements per subject type, whatever the number of findings: a tick with a thousand
 * findings read them one by one in two thousand statements (37 s at the detect benchmark).
 */
export async function attachProvenance(warehouse: Warehouse, findings: Finding[]): Promise<void> {
  const keys = new Map<number, { reported_by: string; events: number }[]>();
  const disputes = new Map<number, z.infer<typeof disputeRow>[]>();
  const byType = new Map<Finding['subject_type'], number[]>();
  findings.forEach((f, i) => byType.set(f.subject_type, [...(byType.get(f.subject_type) ?? []), i]));

  for (const [type, indices] of byType) {
    if (type === 'network') {
      for (const i of indices) {
        const one = await provenanceOf(warehouse, findings[i]!);
        keys.set(i, one.keys);
        disputes.set(i, one.disputes);
      }
      continue;
    }
    const spans = indices.map((i) => evidenceSpan(findings[i]!));
    const params = {
      subjects: [...new Set(indices.map((i) => findings[i]!.subject))],
      ids: indices,
      of: indices.map((i) => findings[i]!.subject),
      froms: spans.map((s) => s.from.getTime()),
      tos: spans.map((s) => s.to.getTime()),
      from: new Date(Math.min(...spans.map((s) => s.from.getTime()))),
      to: new Date(Math.max(...spans.map((s) => s.to.getTime()))),
    };
    for (const r of await batchKeys[type](warehouse, params)) {
      keys.set(r.i, [...(keys.get(r.i) ?? []), r]);
    }
    for (const r of await batchDisputes[type](warehouse, params)) {
      disputes.set(r.i, [...(disputes.get(r.i) ?? []), r]);
    }
  }

  findings.forEach((f, i) => {
    f.evidence.reported_by = (keys.get(i) ?? []).map((k) => k.reported_by).filter(Boolean);
    f.evidence.place_disputes = (disputes.get(i) ?? []).map(
      (d): PlaceDispute => ({
        reported_by: d.reported_by,
        ip: d.ip_text,
        reported: { country: d.reported_country, city: d.reported_city, lat: d.reported_lat, lon: d.reported_lon, asn: d.reported_asn },
        lookup: { country: d.geo_country, city: d.geo_city, lat: d.geo_lat, lon: d.geo_lon, asn: d.geo_asn },
        events: d.events,
      }),
    );
  });
}

/** One finding's reporters and disputes (network subjects). */
async function provenanceOf(warehouse: Warehouse, f: Finding) {
  const { from, to } = evidenceSpan(f);
  const params = { subject: f.subject, from, to };
  const keys = await oneKeys[f.subject_type](warehouse, params);
  const disputes = await oneDisputes[f.subject_type](warehouse, params);
  return { keys, disputes };
}

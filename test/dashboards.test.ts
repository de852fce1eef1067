/**
 * The Grafana dashboards in dashboards/ run against the real schema: every panel and
 * variable query is expanded the way the ClickHouse data source plugin expands it
 * (template variables and $__conditionalAll in the browser, then the backend macros)
 * and executed on the embedded engine over realistic sample data.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { openChdb } from '../src/warehouse/chdb.js';
import { migrate, migrationVariables } from '../src/warehouse/migrate.js';
import { toClickHouseTime, type TableName, type Warehouse } from '../src/warehouse/warehouse.js';
import { tempDir, testConfig } from './helpers.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DASHBOARDS = join(ROOT, 'dashboards');
const DATASOURCE = { type: 'grafana-clickhouse-datasource', uid: 'tokenwatch-clickhouse' } as const;

// ------------------------------------------------------------------ dashboard model

interface Target {
  refId: string;
  datasource?: unknown;
  rawSql?: string;
  format?: number;
  queryType?: string;
  editorType?: string;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  interval?: string;
  datasource?: unknown;
  targets?: Target[];
  panels?: Panel[];
  gridPos?: unknown;
}
interface Variable {
  type: string;
  name: string;
  query?: unknown;
  datasource?: unknown;
  multi?: boolean;
  includeAll?: boolean;
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Variable[] };
}

const files = readdirSync(DASHBOARDS)
  .filter((f) => f.endsWith('.json'))
  .sort();
const dashboards = files.map((file) => ({ file, json: JSON.parse(readFileSync(join(DASHBOARDS, file), 'utf8')) as Dashboard }));

function allPanels(panels: Panel[]): Panel[] {
  return panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
}

interface Query {
  dashboard: string;
  /** Panel title, or `$name` for a variable query. */
  title: string;
  sql: string;
  /** The panel's minimum interval in seconds (Grafana's panel "interval" option). */
  minIntervalS: number;
}

function durationS(text: string | undefined): number {
  if (!text) return 0;
  const m = /^(\d+)(s|m|h|d)$/.exec(text);
  if (!m) throw new Error(`unsupported panel interval "${text}"`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86_400 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

function queriesOf(d: Dashboard): Query[] {
  const out: Query[] = [];
  for (const p of allPanels(d.panels)) {
    for (const t of p.targets ?? []) {
      out.push({ dashboard: d.uid, title: p.title, sql: t.rawSql ?? '', minIntervalS: durationS(p.interval) });
    }
  }
  for (const v of d.templating.list) {
    if (v.type !== 'query') continue;
    const sql = typeof v.query === 'string' ? v.query : (v.query as { rawSql?: string } | undefined)?.rawSql;
    out.push({ dashboard: d.uid, title: `$${v.name}`, sql: sql ?? '', minIntervalS: 0 });
  }
  return out;
}

// ------------------------------------------------------------------ macro expansion
// Exactly the macros and variable forms these dashboards use; anything else fails:
//   $__conditionalAll(cond, $var)  frontend: cond, or 1=1 when the variable is All
//   ${var:sqlstring}               Grafana: 'a','b' with quotes doubled
//   $__timeFilter(col) $__timeInterval(col) $__fromTime $__toTime $__interval_s   backend

interface Selection {
  /** "All" selected: $__conditionalAll drops its condition, ${v:sqlstring} lists every value. */
  all: boolean;
  values: string[];
}
interface Scope {
  fromS: number;
  toS: number;
  intervalS: number;
  vars: Record<string, Selection>;
}

/** Arguments of a macro call whose "(" is at `open`: split at top-level commas. */
function macroArgs(sql: string, open: number): { args: string[]; end: number } {
  if (sql[open] !== '(') throw new Error(`expected "(" at ${open}: ${sql.slice(open, open + 40)}`);
  const args: string[] = [];
  let depth = 0;
  let start = open + 1;
  for (let i = open; i < sql.length; i++) {
    const c = sql[i];
    if (c === "'") {
      // skip a string literal ('' and \' escapes)
      for (i++; i < sql.length && sql[i] !== "'"; i++) if (sql[i] === '\\') i++;
      continue;
    }
    if (c === '(') depth++;
    else if (c === ')') {
      depth--;
      if (depth === 0) {
        args.push(sql.slice(start, i));
        return { args, end: i + 1 };
      }
    } else if (c === ',' && depth === 1) {
      args.push(sql.slice(start, i));
      start = i + 1;
    }
  }
  throw new Error(`unbalanced macro arguments: ${sql.slice(open, open + 60)}`);
}

function selection(scope: Scope, name: string): Selection {
  const s = scope.vars[name];
  if (!s) throw new Error(`query uses unknown template variable "${name}"`);
  return s;
}

/** Frontend, first: $__conditionalAll(condition, $var), innermost-last as the plugin does. */
function applyConditionalAll(sql: string, scope: Scope): string {
  const macro = '$__conditionalAll';
  for (let at = sql.lastIndexOf(macro); at !== -1; at = sql.lastIndexOf(macro)) {
    const { args, end } = macroArgs(sql, at + macro.length);
    if (args.length !== 2) throw new Error(`$__conditionalAll takes 2 arguments, got ${args.length}`);
    const m = /^\$\{(\w+)\}$|^\$(\w+)$/.exec(args[1]!.trim());
    if (!m) throw new Error(`$__conditionalAll: second argument must be a variable, got "${args[1]}"`);
    const s = selection(scope, (m[1] ?? m[2])!);
    const everything = s.all || s.values.length === 0 || (s.values.length === 1 && s.values[0] === '');
    sql = sql.slice(0, at) + (everything ? '1=1' : args[0]!) + sql.slice(end);
  }
  return sql;
}

const sqlstring = (values: string[]) => values.map((v) => `'${v.replaceAll("'", "''")}'`).join(',');

/** Frontend, second: Grafana's template variables. Only ${name:sqlstring} is supported. */
function applyTemplateVariables(sql: string, scope: Scope): string {
  return sql.replace(/\$\{(\w+)(?::(\w+))?\}|\$(\w+)/g, (whole, braced: string | undefined, format: string | undefined, bare: string | undefined) => {
    const name = (braced ?? bare)!;
    if (name.startsWith('__')) return whole; // a backend macro, expanded next
    const s = selection(scope, name);
    if (format !== 'sqlstring') {
      throw new Error(`variable "${whole}" must be written \${${name}:sqlstring} (the plugin does not quote other forms)`);
    }
    return sqlstring(s.values);
  });
}

/** Backend: the plugin's macros (pkg/macros/macros.go), for the subset used here. */
function applyMacros(sql: string, scope: Scope): string {
  const re = /\$__(\w+)/g;
  let out = '';
  let last = 0;
  for (let m = re.exec(sql); m; m = re.exec(sql)) {
    const name = m[1]!;
    const after = m.index + m[0].length;
    let text: string;
    let end = after;
    const withColumn = (f: (column: string) => string) => {
      const { args, end: e } = macroArgs(sql, after);
      if (args.length !== 1 || !args[0]!.trim()) throw new Error(`$__${name} takes one column`);
      end = e;
      return f(args[0]!.trim());
    };
    switch (name) {
      case 'timeFilter':
        text = withColumn((c) => `${c} >= toDateTime(${scope.fromS}) AND ${c} <= toDateTime(${scope.toS})`);
        break;
      case 'timeInterval':
        text = withColumn((c) => `toStartOfInterval(toDateTime(${c}), INTERVAL ${scope.intervalS} second)`);
        break;
      case 'fromTime':
        text = `toDateTime(${scope.fromS})`;
        break;
      case 'toTime':
        text = `toDateTime(${scope.toS})`;
        break;
      case 'interval_s':
        text = String(scope.intervalS);
        break;
      default:
        throw new Error(`query uses unknown macro $__${name}`);
    }
    out += sql.slice(last, m.index) + text;
    last = end;
    re.lastIndex = end;
  }
  return out + sql.slice(last);
}

function expand(sql: string, scope: Scope): string {
  const expanded = applyMacros(applyTemplateVariables(applyConditionalAll(sql, scope), scope), scope);
  const left = /\$[\w{]+/.exec(expanded);
  if (left) throw new Error(`unexpanded "${left[0]}" in: ${expanded}`);
  return expanded;
}

// ------------------------------------------------------------------ sample data

const HOUR = 3_600_000;
const NOW = Math.floor(Date.now() / 60_000) * 60_000 - 60_000; // last whole minute, safely in the past
const fp = (name: string) => createHash('sha256').update(`sample:${name}`).digest('hex');
const at = (msAgo: number) => toClickHouseTime(new Date(NOW - msAgo));

/** A deterministic pseudo-random sequence, so failures reproduce. */
function rng(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
  };
}

const APPS = ['app-payments', 'app-mobile', 'app-partner-api', 'app-internal'] as const;
const PLACES = [
  { ip: '203.0.113.7', country: 'US', city: 'Ashburn', lat: 39.04, lon: -77.49, asn: 16509, asn_org: 'AMAZON-02' },
  { ip: '198.51.100.23', country: 'US', city: 'Mountain View', lat: 37.39, lon: -122.08, asn: 15169, asn_org: 'GOOGLE' },
  { ip: '192.0.2.44', country: 'DE', city: 'Berlin', lat: 52.52, lon: 13.4, asn: 3320, asn_org: 'Deutsche Telekom AG' },
  { ip: '192.0.2.201', country: 'GB', city: 'London', lat: 51.5, lon: -0.12, asn: 2856, asn_org: 'British Telecommunications PLC' },
  { ip: '198.51.100.99', country: 'FR', city: 'Paris', lat: 48.86, lon: 2.35, asn: 12322, asn_org: 'Free SAS' },
  { ip: '203.0.113.150', country: 'BR', city: 'São Paulo', lat: -23.55, lon: -46.63, asn: 28573, asn_org: 'Claro NXT' },
  { ip: '2001:db8::17', country: 'JP', city: 'Tokyo', lat: 35.68, lon: 139.69, asn: 4713, asn_org: 'NTT Communications' },
  { ip: '100.64.3.9', country: '', city: '', lat: null, lon: null, asn: 0, asn_org: '' },
] as const;
const PATHS = [
  ['GET', '/v1/payments'],
  ['POST', '/v1/payments'],
  ['GET', '/v1/payments/{id}'],
  ['GET', '/v1/users/me'],
  ['GET', '/v1/orders'],
  ['DELETE', '/v1/orders/{id}'],
  ['GET', '/admin/export'],
] as const;
/** Mostly 2xx, as real traffic is; enough of each error for every panel to have data. */
const STATUSES = [...Array<number>(24).fill(200), 201, 201, 204, 400, 401, 401, 403, 404, 429, 500, 502, 503] as const;

interface SampleToken {
  name: string;
  fp: string;
  app: (typeof APPS)[number];
  user: string;
  type: string;
  places: number[];
  weight: number;
}
const TOKENS: SampleToken[] = [
  { name: 'busy', fp: fp('busy'), app: 'app-payments', user: 'user-alice', type: 'access_token', places: [0, 2, 6, 7], weight: 8 },
  { name: 'mobile-1', fp: fp('mobile-1'), app: 'app-mobile', user: 'user-bob', type: 'access_token', places: [3], weight: 3 },
  { name: 'mobile-2', fp: fp('mobile-2'), app: 'app-mobile', user: 'user-bob', type: 'refresh_token', places: [3, 4], weight: 1 },
  { name: 'mobile-3', fp: fp('mobile-3'), app: 'app-mobile', user: 'user-carol', type: 'access_token', places: [4], weight: 2 },
  { name: 'partner', fp: fp('partner'), app: 'app-partner-api', user: '', type: 'api_key', places: [1, 5], weight: 4 },
  { name: 'leaked', fp: fp('leaked'), app: 'app-partner-api', user: '', type: 'api_key', places: [1, 5, 6, 7, 2], weight: 2 },
  { name: 'internal', fp: fp('internal'), app: 'app-internal', user: 'user-dave', type: 'personal_access_token', places: [2], weight: 1 },
  { name: 'payments-2', fp: fp('payments-2'), app: 'app-payments', user: 'user-erin', type: 'access_token', places: [0, 1], weight: 2 },
];
const BUSY = TOKENS[0]!;
const EVENTS = 2400;

function usageEvents(): Record<string, unknown>[] {
  const r = rng(7);
  const weighted = TOKENS.flatMap((t) => Array<SampleToken>(t.weight).fill(t));
  return Array.from({ length: EVENTS }, (_, i) => {
    const t = r.pick(weighted);
    const place = PLACES[r.pick(t.places)]!;
    const [method, path] = r.pick(PATHS);
    const status = r.pick(STATUSES);
    const ms = 60_000 + r.int(5 * HOUR); // within the last five hours
    return {
      event_id: `ev-${i}`,
      ts: at(ms),
      received_at: at(ms - 200),
      token_fingerprint: t.fp,
      token_type: t.type,
      app_id: t.app,
      client_id: `${t.app}-client`,
      user_id: t.user,
      ip: place.ip,
      country: place.country,
      city: place.city,
      lat: place.lat,
      lon: place.lon,
      asn: place.asn,
      asn_org: place.asn_org,
      user_agent: r.pick(['okhttp/4.12', 'curl/8.5.0', 'Mozilla/5.0']),
      method,
      host: 'api.example.com',
      path,
      status,
      latency_ms: r.next() < 0.05 ? null : Math.round((5 + r.next() * r.next() * 1500) * 10) / 10,
      bytes: r.next() < 0.1 ? null : r.int(50_000),
      gateway: r.pick(['kong', 'envoy']),
      scopes: t.type === 'api_key' ? [] : ['payments:read', 'profile'],
      jti: t.type === 'access_token' ? `jti-${t.name}` : '',
      iss: 'https://idp.example.com',
      token_expires_at: t.type === 'access_token' ? toClickHouseTime(new Date(NOW + HOUR)).slice(0, 19) : null,
    };
  });
}

function tokenEvents(): Record<string, unknown>[] {
  const row = (t: SampleToken, event: string, msAgo: number, extra: Record<string, unknown> = {}) => ({
    event_id: `te-${t.name}-${event}`,
    event,
    ts: at(msAgo),
    received_at: at(msAgo),
    token_fingerprint: t.fp,
    token_type: t.type,
    jti: t.type === 'access_token' ? `jti-${t.name}` : '',
    client_id: `${t.app}-client`,
    app_id: t.app,
    user_id: t.user,
    scopes: ['payments:read', 'profile'],
    grant_type: t.type === 'api_key' ? '' : 'authorization_code',
    issued_at: at(msAgo),
    expires_at: t.type === 'api_key' ? null : at(msAgo - 12 * HOUR),
    mapped_from: '',
    rotated_from: '',
    family_id: t.user ? `family-${t.user}` : '',
    source: 'idp',
    reason: '',
    iss: 'https://idp.example.com',
    ...extra,
  });
  const byName = (name: string) => TOKENS.find((t) => t.name === name)!;
  return [
    ...TOKENS.map((t) => row(t, 'issued', 6 * HOUR)),
    row(byName('mobile-2'), 'refreshed', 2 * HOUR, { rotated_from: byName('mobile-1').fp }),
    row(byName('leaked'), 'revoked', 30 * 60_000, { source: 'tokenwatch', reason: 'ip_fanout: 5 countries in 10 minutes' }),
    row(byName('internal'), 'expired', 10 * 60_000),
  ];
}

function appEvents(): Record<string, unknown>[] {
  return APPS.map((app, i) => ({
    event_id: `ae-${app}`,
    event: 'registered',
    ts: at(24 * HOUR + i),
    received_at: at(24 * HOUR),
    app_id: app,
    name: app.replace('app-', '').replace('-', ' '),
    owner: 'platform-team',
    source: 'admin',
    reason: '',
  }));
}

const FLAG_IDS = { fanout: 'flag-ip-fanout-leaked', spike: 'flag-rate-spike-busy', auth: 'flag-auth-failures-partner' };

function flags(): Record<string, unknown>[] {
  const flag = (id: string, detector: string, t: SampleToken, severity: string, score: number, status: string, createdAgo: number, updatedAgo: number) => ({
    flag_id: id,
    detector,
    subject_type: 'token',
    subject: t.fp,
    token_fingerprint: t.fp,
    app_id: t.app,
    user_id: t.user,
    window_start: at(createdAgo + 10 * 60_000),
    window_end: at(createdAgo),
    severity,
    score,
    explanation: `${detector} on ${t.name}`,
    evidence: JSON.stringify({ countries: 5 }),
    status,
    created_at: at(createdAgo),
    updated_at: at(updatedAgo),
  });
  const leaked = TOKENS.find((t) => t.name === 'leaked')!;
  const partner = TOKENS.find((t) => t.name === 'partner')!;
  return [
    flag(FLAG_IDS.fanout, 'ip_fanout', leaked, 'critical', 0.97, 'open', 40 * 60_000, 40 * 60_000),
    // a later version of the same flag: FINAL keeps this one
    flag(FLAG_IDS.fanout, 'ip_fanout', leaked, 'critical', 0.97, 'actioned', 40 * 60_000, 30 * 60_000),
    flag(FLAG_IDS.spike, 'rate_spike', BUSY, 'medium', 0.61, 'dismissed', 3 * HOUR, 2 * HOUR),
    flag(FLAG_IDS.auth, 'auth_failures', partner, 'high', 0.83, 'open', 90 * 60_000, 90 * 60_000),
  ];
}

function flagHistory(): Record<string, unknown>[] {
  return [
    { flag_id: FLAG_IDS.fanout, ts: at(40 * 60_000), status: 'open', actor: 'detector:ip_fanout', reason: '' },
    { flag_id: FLAG_IDS.fanout, ts: at(30 * 60_000), status: 'actioned', actor: 'policy:revoke-leaks', reason: 'token revoked' },
    { flag_id: FLAG_IDS.spike, ts: at(3 * HOUR), status: 'open', actor: 'detector:rate_spike', reason: '' },
    { flag_id: FLAG_IDS.spike, ts: at(2 * HOUR), status: 'dismissed', actor: 'admin:erin', reason: 'batch job' },
    { flag_id: FLAG_IDS.auth, ts: at(90 * 60_000), status: 'open', actor: 'detector:auth_failures', reason: '' },
  ];
}

function revocations(): Record<string, unknown>[] {
  const leaked = TOKENS.find((t) => t.name === 'leaked')!;
  const mobile = TOKENS.find((t) => t.name === 'mobile-3')!;
  const rev = (id: string, t: SampleToken, target: string, source: string, status: string, attempts: number, http: number, error: string, requestedAgo: number, updatedAgo: number, flagId = '') => ({
    revocation_id: id,
    token_fingerprint: t.fp,
    scope: 'token',
    target,
    source,
    actor: source === 'policy' ? 'policy:revoke-leaks' : 'admin:erin',
    reason: source === 'policy' ? 'ip_fanout critical' : 'user reported lost phone',
    flag_id: flagId,
    job_id: `job-${id}`,
    app_id: t.app,
    user_id: t.user,
    status,
    attempts,
    last_http_status: http,
    last_error: error,
    requested_at: at(requestedAgo),
    updated_at: at(updatedAgo),
  });
  return [
    rev('rev-1', leaked, 'idp', 'policy', 'requested', 0, 0, '', 31 * 60_000, 31 * 60_000, FLAG_IDS.fanout),
    rev('rev-1', leaked, 'idp', 'policy', 'done', 2, 200, '', 31 * 60_000, 30 * 60_000, FLAG_IDS.fanout),
    rev('rev-2', mobile, 'gateway', 'admin', 'failed', 3, 503, 'upstream unavailable', 2 * HOUR, 100 * 60_000),
  ];
}

function revocationAttempts(): Record<string, unknown>[] {
  const attempt = (id: string, n: number, target: string, http: number, latency: number, outcome: string, error: string, msAgo: number) => ({
    revocation_id: id,
    attempt: n,
    ts: at(msAgo),
    target,
    http_status: http,
    latency_ms: latency,
    outcome,
    error,
  });
  return [
    attempt('rev-1', 1, 'idp', 0, 10_000, 'timeout', 'timed out after 10000 ms', 31 * 60_000),
    attempt('rev-1', 2, 'idp', 200, 184.5, 'success', '', 30 * 60_000),
    attempt('rev-2', 1, 'gateway', 503, 96.2, 'http_error', 'HTTP 503', 2 * HOUR),
    attempt('rev-2', 2, 'gateway', 503, 120.9, 'http_error', 'HTTP 503', 110 * 60_000),
    attempt('rev-2', 3, 'gateway', 503, 88.1, 'http_error', 'HTTP 503', 100 * 60_000),
  ];
}

// ------------------------------------------------------------------ the test

let warehouse: Warehouse;

async function insert(table: string, rows: Record<string, unknown>[]): Promise<void> {
  await warehouse.insertJsonEachRow(table as TableName, rows.map((r) => JSON.stringify(r)).join('\n'));
}

beforeAll(async () => {
  const config = testConfig(tempDir('tokenwatch-dashboards-'));
  warehouse = openChdb(join(config.dataDir, 'warehouse'));
  await migrate(warehouse, migrationVariables(config));
  await insert('app_events', appEvents());
  await insert('token_events', tokenEvents());
  await insert('usage_events', usageEvents());
  await insert('flags', flags());
  await insert('flag_history', flagHistory());
  await insert('revocations', revocations());
  await insert('revocation_attempts', revocationAttempts());
});

afterAll(async () => {
  await warehouse?.close();
});

const RANGE = { fromS: Math.floor((NOW - 6 * HOUR) / 1000), toS: Math.floor((NOW + 60_000) / 1000) };
/** What Grafana picks for a 6 h range on a ~1000 px panel, before the panel's own minimum. */
const AUTO_INTERVAL_S = 20;

const SCENARIOS: Record<string, Record<string, Selection>> = {
  'All selected': {
    app: { all: true, values: [...APPS] },
    fingerprint: { all: false, values: [BUSY.fp] },
    detector: { all: true, values: ['auth_failures', 'ip_fanout', 'rate_spike'] },
    severity: { all: true, values: ['low', 'medium', 'high', 'critical'] },
  },
  'values selected': {
    app: { all: false, values: ['app-payments', "o'brien-app"] },
    fingerprint: { all: false, values: [BUSY.fp] },
    detector: { all: false, values: ['ip_fanout', 'rate_spike'] },
    severity: { all: false, values: ['medium', 'critical'] },
  },
};

const scope = (q: Query, vars: Record<string, Selection>): Scope => ({ ...RANGE, intervalS: Math.max(AUTO_INTERVAL_S, q.minIntervalS), vars });

async function run(q: Query, vars: Record<string, Selection> = SCENARIOS['All selected']!): Promise<Record<string, unknown>[]> {
  const sql = expand(q.sql, scope(q, vars));
  try {
    return (await warehouse.query(sql)) as Record<string, unknown>[];
  } catch (error) {
    throw new Error(`${q.dashboard} / ${q.title}: ${(error as Error).message}\n--- SQL ---\n${sql}`, { cause: error });
  }
}

function find(uid: string, title: string): Query {
  const d = dashboards.find((x) => x.json.uid === uid);
  const q = d && queriesOf(d.json).find((x) => x.title === title);
  if (!q) throw new Error(`no query "${title}" in dashboard ${uid}`);
  return q;
}

describe('dashboard files', () => {
  it('has the four dashboards', () => {
    expect(dashboards.map((d) => d.json.uid).sort()).toEqual(['tokenwatch-flags', 'tokenwatch-geo', 'tokenwatch-overview', 'tokenwatch-token']);
  });

  it.each(dashboards.map((d) => [d.file, d.json] as const))('%s: uid, title, panels and only the ClickHouse data source', (_file, d) => {
    expect(d.uid).toMatch(/^[a-z0-9-]{1,40}$/);
    expect(d.title).toMatch(/\S/);
    const panels = allPanels(d.panels);
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    // every data source reference anywhere in the JSON is the provisioned ClickHouse one
    const refs: unknown[] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) {
          if (k === 'datasource') refs.push(x);
          else walk(x);
        }
      }
    };
    walk(d);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(ref).toEqual(DATASOURCE);
    for (const p of panels) {
      if (p.type === 'row') continue;
      expect(p.gridPos, p.title).toBeDefined();
      expect(p.datasource, p.title).toEqual(DATASOURCE);
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets ?? []) {
        expect(t.editorType, p.title).toBe('sql');
        expect(t.rawSql, p.title).toMatch(/\bSELECT\b/);
        // the plugin's format: 0 = time series (wide from long), 1 = table
        if (p.type === 'timeseries') {
          expect([t.format, t.queryType], p.title).toEqual([0, 'timeseries']);
          expect(t.rawSql, p.title).toMatch(/ AS time\b/);
        } else expect([t.format, t.queryType], p.title).toEqual([1, 'table']);
      }
    }
    for (const v of d.templating.list) {
      if (v.type === 'query') expect(v.datasource, v.name).toEqual(DATASOURCE);
    }
  });
});

describe('macro expansion', () => {
  const vars = SCENARIOS['values selected']!;
  const s: Scope = { fromS: 100, toS: 200, intervalS: 60, vars };
  it('expands the plugin macros and variables it supports', () => {
    expect(expand('SELECT 1 WHERE $__timeFilter(t.minute) AND x = $__interval_s', s)).toBe(
      'SELECT 1 WHERE t.minute >= toDateTime(100) AND t.minute <= toDateTime(200) AND x = 60',
    );
    expect(expand('SELECT $__timeInterval(ts) AS time WHERE h >= toStartOfHour($__fromTime) AND h <= $__toTime', s)).toBe(
      'SELECT toStartOfInterval(toDateTime(ts), INTERVAL 60 second) AS time WHERE h >= toStartOfHour(toDateTime(100)) AND h <= toDateTime(200)',
    );
    expect(expand('WHERE $__conditionalAll(app_id IN (${app:sqlstring}), $app)', s)).toBe("WHERE app_id IN ('app-payments','o''brien-app')");
    expect(expand('WHERE $__conditionalAll(app_id IN (${app:sqlstring}), $app)', { ...s, vars: SCENARIOS['All selected']! })).toBe('WHERE 1=1');
  });
  it('fails on a macro or variable it does not know', () => {
    expect(() => expand('SELECT $__timeFilter_ms(ts)', s)).toThrow(/unknown macro \$__timeFilter_ms/);
    expect(() => expand('SELECT $__unixEpochFilter(ts)', s)).toThrow(/unknown macro/);
    expect(() => expand("SELECT '${nope:sqlstring}'", s)).toThrow(/unknown template variable "nope"/);
    expect(() => expand('SELECT ${app}', s)).toThrow(/sqlstring/);
    expect(() => expand('SELECT $app', s)).toThrow(/sqlstring/);
    expect(() => expand('SELECT ${app:csv}', s)).toThrow(/sqlstring/);
    expect(() => expand('WHERE $__conditionalAll(a = 1, $nope)', s)).toThrow(/unknown template variable/);
    expect(() => expand('SELECT $__timeFilter', s)).toThrow(/expected "\("/);
  });
});

describe.each(dashboards.map((d) => [d.json.uid, d.json] as const))('%s queries run on the embedded engine', (_uid, d) => {
  const queries = queriesOf(d);
  it.each(Object.keys(SCENARIOS))('every panel and variable query (%s)', async (scenario) => {
    expect(queries.length).toBeGreaterThan(0);
    const failures: string[] = [];
    for (const q of queries) await run(q, SCENARIOS[scenario]).catch((error: Error) => failures.push(error.message));
    expect(failures).toEqual([]);
  });
});

describe('key panels return the sample data', () => {
  const num = (v: unknown) => Number(v);

  it('overview: totals, series and top lists', async () => {
    const [total] = await run(find('tokenwatch-overview', 'Requests'));
    expect(num(total!.requests)).toBe(EVENTS);
    const rpm = await run(find('tokenwatch-overview', 'Requests per minute by app'));
    expect(new Set(rpm.map((r) => r.app_id))).toEqual(new Set(APPS));
    // per-minute rates over 1-minute buckets add back up to the total
    expect(rpm.reduce((sum, r) => sum + num(r.requests_per_min), 0)).toBeCloseTo(EVENTS, 6);
    const top = await run(find('tokenwatch-overview', 'Top apps'));
    expect(top.map((r) => r.app_id)).toContain('app-payments');
    expect(top.find((r) => r.app_id === 'app-payments')).toMatchObject({ name: 'payments', state: 'active' });
    const [p95] = await run(find('tokenwatch-overview', 'Latency p95'));
    expect(num(p95!.p95)).toBeGreaterThan(0);
    const [tokens] = await run(find('tokenwatch-overview', 'Distinct tokens'));
    expect(num(tokens!.tokens)).toBe(TOKENS.length);
  });

  it('token drill-down: variable, registry, IPs, paths', async () => {
    const options = await run(find('tokenwatch-token', '$fingerprint'));
    expect(options[0]!.token_fingerprint).toBe(BUSY.fp);
    const registry = await run(find('tokenwatch-token', 'Registry (v_token_stats)'));
    expect(Object.fromEntries(registry.map((r) => [r.field, r.value]))).toMatchObject({ state: 'active', app: 'app-payments', user: 'user-alice' });
    const ips = await run(find('tokenwatch-token', 'IPs'));
    expect(new Set(ips.map((r) => r.client_ip))).toEqual(new Set(BUSY.places.map((i) => PLACES[i]!.ip)));
    const paths = await run(find('tokenwatch-token', 'Paths'));
    expect(paths.length).toBe(PATHS.length);
    const series = await run(find('tokenwatch-token', 'Requests per minute'));
    expect(series.length).toBeGreaterThan(10);
  });

  it('geography: countries for the map, ASNs, IPs', async () => {
    const map = await run(find('tokenwatch-geo', 'Requests by country'));
    expect(map.map((r) => r.country).sort()).toEqual(['BR', 'DE', 'FR', 'GB', 'JP', 'US']);
    const asns = await run(find('tokenwatch-geo', 'Top ASNs'));
    expect(asns.find((r) => num(r.asn) === 3320)).toMatchObject({ organisation: 'Deutsche Telekom AG' });
    const ips = await run(find('tokenwatch-geo', 'Top IPs'));
    expect(ips.map((r) => r.ip)).toContain('2001:db8::17');
    expect(ips.map((r) => r.ip)).toContain('203.0.113.7');
  });

  it('flags and revocations: FINAL versions, attempts', async () => {
    const latest = await run(find('tokenwatch-flags', 'Latest flags'));
    expect(latest).toHaveLength(3);
    expect(latest.find((r) => r.detector_name === 'ip_fanout')).toMatchObject({ flag_status: 'actioned' });
    const onlyIpFanout = await run(find('tokenwatch-flags', 'Latest flags'), {
      ...SCENARIOS['All selected']!,
      detector: { all: false, values: ['ip_fanout'] },
    });
    expect(onlyIpFanout).toHaveLength(1);
    const revs = await run(find('tokenwatch-flags', 'Latest revocations'));
    expect(revs.map((r) => r.revocation_status).sort()).toEqual(['done', 'failed']);
    const attempts = await run(find('tokenwatch-flags', 'Attempts by target and outcome'));
    expect(attempts.reduce((n, r) => n + num(r.attempts), 0)).toBe(5);
    const history = await run(find('tokenwatch-flags', 'Flag status changes'));
    expect(history.reduce((n, r) => n + num(r.changes), 0)).toBe(5);
  });
});

describe('provisioning and compose files', () => {
  const yaml = (path: string) => parseYaml(readFileSync(join(ROOT, path), 'utf8')) as Record<string, any>;

  it('provisions the ClickHouse data source the dashboards use', () => {
    const ds = yaml('dashboards/provisioning/datasources/clickhouse.yaml');
    expect(ds.apiVersion).toBe(1);
    expect(ds.datasources).toHaveLength(1);
    expect(ds.datasources[0]).toMatchObject({ uid: DATASOURCE.uid, type: DATASOURCE.type, jsonData: { defaultDatabase: 'tokenwatch' } });
    expect(ds.datasources[0].secureJsonData.password).toMatch(/^\$\{\w+\}$/);
  });

  it('provisions the dashboards folder as the compose file mounts it', () => {
    const provider = yaml('dashboards/provisioning/dashboards/tokenwatch.yaml');
    expect(provider.apiVersion).toBe(1);
    expect(provider.providers[0]).toMatchObject({ type: 'file' });
    const path = provider.providers[0].options.path as string;

    const compose = yaml('docker-compose.yml');
    expect(Object.keys(compose.services).sort()).toEqual(['clickhouse', 'grafana', 'tokenwatch']);
    const grafana = compose.services.grafana;
    const volumes = (grafana.volumes as string[]).map((v) => v.split(':'));
    expect(volumes).toContainEqual(['./dashboards', path, 'ro']);
    expect(volumes).toContainEqual(['./dashboards/provisioning/datasources', '/etc/grafana/provisioning/datasources', 'ro']);
    expect(volumes).toContainEqual(['./dashboards/provisioning/dashboards', '/etc/grafana/provisioning/dashboards', 'ro']);
    expect(grafana.environment.GF_INSTALL_PLUGINS).toContain('grafana-clickhouse-datasource');
    const app = compose.services.tokenwatch;
    expect(app.environment).toMatchObject({ TOKENWATCH_HOST: '0.0.0.0', CLICKHOUSE_URL: 'http://clickhouse:8123', CLICKHOUSE_DATABASE: 'tokenwatch' });
    expect(compose.services.clickhouse.environment.CLICKHOUSE_DB).toBe('tokenwatch');
  });
});

/**
 * A third independent traffic generator for the detectors' quality runs (issue 13),
 * written blind: its author read neither the detectors nor the first generator, and
 * measured the detectors once, after it was written (HOLDOUT-C.md). Same `Traffic`
 * shape as traffic.ts and traffic-b.ts, so the same harness and scorer run it:
 * `npx tsx bench/quality.ts --traffic c …`.
 *
 * Benign populations, each from a public description of a real system:
 * - call centres: a BPO floor in the Philippines working US hours and a US floor, each
 *   behind one NAT egress address; agents open yesterday's CRM tab at shift start (a
 *   burst of 401s from one address, then silent refreshes). Sources: NAT/PAT egress of
 *   office networks (RFC 3022, RFC 6888); Philippine BPO night shifts (IBPAP industry
 *   descriptions).
 * - GitHub-hosted Actions runners: every job a fresh Azure VM in one of several US
 *   regions (Virginia, Iowa, Texas, Washington), matrix jobs in parallel, pushes in work
 *   hours and a nightly schedule; half the repos keep a static API key in a secret, half
 *   mint a short-lived token per job through OIDC federation. Sources: docs.github.com
 *   "About GitHub-hosted runners" (Azure VMs, IP ranges from the meta API) and
 *   "About security hardening with OpenID Connect".
 * - split-tunnel corporate VPN: the auth host is routed through the company's egress
 *   (Zayo), API calls mostly leave from the home line, so one token shows two ASNs and
 *   two cities in the same minute; the VPN drops and reconnects. Source: vendor docs on
 *   split tunnelling (Cisco AnyConnect, Palo Alto GlobalProtect include/exclude lists).
 * - UK rail commuters: the app on the phone's carrier (CGNAT, geolocation jumping between
 *   cities), on the train's Wi-Fi (an onboard router bonding SIMs of several carriers, so
 *   the egress ASN flips between Vodafone, Three and O2), on the office Wi-Fi (Colt, City
 *   of London), at home on Sky or Virgin. Weekends: leisure use only. Sources: onboard
 *   Wi-Fi vendors' descriptions (Icomera multi-carrier aggregation); Ofcom mobile CGNAT.
 * - a kiosk fleet (parking/ticket machines) on one private mobile APN: each kiosk its own
 *   API key, all leaving through a small NAT pool of the carrier's IoT range (AT&T
 *   166.128.0.0/9), a heartbeat every 5 min, payments in the day, a firmware check at
 *   03:00 local. Source: carrier IoT/APN documentation (private APN with NAT pool).
 * - developers with a laptop and a cloud dev box at once (GitHub Codespaces in the Azure
 *   region nearest them: Singapore for Australians, London for the UK, Washington
 *   state for the west of the US): the same PAT from home broadband and from Azure, 300
 *   to 6,000 km apart, in the same minute; the codespace gets a new address when it
 *   restarts after idling. Source: docs.github.com "Setting your default region for
 *   GitHub Codespaces", "Codespaces lifecycle" (30 min idle timeout).
 * - a browser extension polling an inbox count every 1–5 minutes while the browser is
 *   open, moving with the laptop (home, office, café), stopping when the lid closes and
 *   firing a catch-up burst on wake. Source: Chrome extensions docs (chrome.alarms fire
 *   once on wake when missed).
 * - data-warehouse sync keys (Fivetran-like ELT): incremental syncs every 30–60 min from a
 *   few published static addresses in GCP us-east4, paging through cursors; one key runs a
 *   historical re-sync (a couple of hours at ten times the pace); an old rotated key left
 *   in a forgotten staging connector keeps failing with 401 every 15 min. Source:
 *   fivetran.com/docs "IP addresses" (static egress per region) and "Historical re-sync".
 * - dormant keys: used for a day three weeks ago; some wake benignly from their own place.
 *
 * Attack variants (4 per kind) are described where they are generated below; sources:
 * Microsoft Threat Intelligence on AitM phishing (Evilginx) and token replay (2022–2024),
 * Midnight Blizzard password spraying from residential proxies (Microsoft, Jan 2024),
 * infostealer logs sold with session cookies (Lumma/RedLine reporting), OWASP Credential
 * Stuffing Prevention Cheat Sheet (OpenBullet, rotating proxies), OWASP API Security Top
 * 10 API1 (BOLA enumeration), tj-actions/changed-files compromise (CVE-2025-30066, CI
 * secrets exfiltrated), GitGuardian "State of Secrets Sprawl" (leaked keys exploited within
 * minutes), RFC 6819 / OAuth 2.0 Security BCP (refresh token rotation and reuse
 * detection), gateways caching introspection results (revocation lag).
 *
 * Times are epoch milliseconds; tokens are raw strings (`sendAs: 'fp'` ones are named by
 * fingerprint on the wire).
 */
import { addressIn, network as networkAB, type Network } from './ippool.js';
import { Rng } from './rng.js';
import type { Attack, AttackKind, LifecycleEvent, TokenInfo, Traffic, UsageEvent } from './traffic.js';

const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/**
 * Networks only this generator uses, each checked against the bundled MMDB (country and
 * ASN, traffic-c.test.ts keeps checking): third octets listed where the rest of a /16 is
 * someone else's.
 */
export const NETWORKS_C: readonly Network[] = [
  // Azure regions GitHub-hosted runners and Codespaces run in
  { id: 'azure-eastus', kind: 'cloud', prefix: '40.71', country: 'US', asn: 8075, region: 'eastus' },
  { id: 'azure-eastus2', kind: 'cloud', prefix: '20.62', country: 'US', asn: 8075, region: 'eastus2' },
  { id: 'azure-centralus', kind: 'cloud', prefix: '52.165', country: 'US', asn: 8075, region: 'centralus' },
  { id: 'azure-southcentralus', kind: 'cloud', prefix: '13.84', country: 'US', asn: 8075, region: 'southcentralus' },
  { id: 'azure-westus2', kind: 'cloud', prefix: '52.183', country: 'US', asn: 8075, region: 'westus2', thirds: [[0, 127], [192, 255]] },
  { id: 'azure-uksouth', kind: 'cloud', prefix: '20.26', country: 'GB', asn: 8075, region: 'uksouth' },
  { id: 'azure-southeastasia', kind: 'cloud', prefix: '20.195', country: 'SG', asn: 8075, region: 'southeastasia', thirds: [[0, 71], [96, 127]] },
  // GCP us-east4, where an ELT vendor's static egress addresses sit
  { id: 'gcp-us-east4-elt', kind: 'cloud', prefix: '35.234', country: 'US', asn: 396982, region: 'us-east4', thirds: [[176, 191]] },
  // business lines: call-centre NAT, office, corporate VPN egress
  { id: 'lumen-us', kind: 'residential', prefix: '4.14', country: 'US', asn: 3356, thirds: [[0, 226]] },
  { id: 'globe-ph', kind: 'residential', prefix: '112.198.120', country: 'PH', asn: 4775 },
  { id: 'colt-gb', kind: 'residential', prefix: '213.86.33', country: 'GB', asn: 8220 },
  { id: 'zayo-us', kind: 'residential', prefix: '64.124', country: 'US', asn: 6461, thirds: [[14, 46]] },
  // UK homes and carriers
  { id: 'sky-gb', kind: 'residential', prefix: '5.64', country: 'GB', asn: 5607 },
  { id: 'sky-gb-2', kind: 'residential', prefix: '90.196', country: 'GB', asn: 5607 },
  { id: 'virgin-gb-2', kind: 'residential', prefix: '92.237', country: 'GB', asn: 5089 },
  { id: 'bt-gb-2', kind: 'residential', prefix: '86.128', country: 'GB', asn: 2856 },
  { id: 'vodafone-uk', kind: 'mobile', prefix: '85.255', country: 'GB', asn: 25135, thirds: [[232, 237]] },
  { id: 'three-uk-2', kind: 'mobile', prefix: '188.28', country: 'GB', asn: 206067 },
  { id: 'o2-uk', kind: 'mobile', prefix: '82.132', country: 'GB', asn: 35228, thirds: [[160, 187], [210, 249]] },
  // the kiosk fleet's IoT APN
  { id: 'att-iot', kind: 'mobile', prefix: '166.130', country: 'US', asn: 20057 },
  // more homes (extension users, developers)
  { id: 'rogers-ca', kind: 'residential', prefix: '99.224', country: 'CA', asn: 812 },
  { id: 'bell-ca', kind: 'residential', prefix: '70.48', country: 'CA', asn: 577 },
  { id: 'optus-au', kind: 'residential', prefix: '49.180', country: 'AU', asn: 4804 },
  { id: 'telstra-au-2', kind: 'residential', prefix: '1.128', country: 'AU', asn: 1221 },
  { id: 'swisscom-ch', kind: 'residential', prefix: '85.0', country: 'CH', asn: 3303 },
  { id: 'telia-se', kind: 'residential', prefix: '81.224', country: 'SE', asn: 3301 },
  { id: 'free-fr', kind: 'residential', prefix: '82.64', country: 'FR', asn: 12322 },
  // attackers' residential proxies and hosting
  { id: 'claro-br', kind: 'residential', prefix: '177.140', country: 'BR', asn: 28573 },
  { id: 'telkom-id', kind: 'residential', prefix: '36.68', country: 'ID', asn: 7713 },
  { id: 'linode-ca', kind: 'hosting', prefix: '172.105', country: 'CA', asn: 63949, thirds: [[0, 31], [96, 111]] },
  { id: 'contabo-fr', kind: 'hosting', prefix: '5.189', country: 'FR', asn: 51167, thirds: [[128, 191]] },
  { id: 'alibaba-jp', kind: 'hosting', prefix: '47.74', country: 'JP', asn: 45102, thirds: [[0, 63]] },
  { id: 'ovh-ca', kind: 'hosting', prefix: '144.217', country: 'CA', asn: 16276, thirds: [[0, 108], [116, 196]] },
];

const BY_ID = new Map(NETWORKS_C.map((n) => [n.id, n]));
function network(id: string): Network {
  return BY_ID.get(id) ?? networkAB(id);
}
const addr = (rng: Rng, id: string) => addressIn(rng, network(id));

const OFFSET: Record<string, number> = { US: -6, GB: 0, PH: 8, CA: -5, AU: 10, CH: 1, SE: 1, FR: 1, DE: 1, SG: 8 };

export interface TrafficSizeC {
  days: number;
  attackHours: number;
  agentsPh: number;
  agentsUs: number;
  ciRepos: number;
  splitVpn: number;
  commuters: number;
  kiosks: number;
  developers: number;
  extensionUsers: number;
  warehouseKeys: number;
  dormantKeys: number;
  /** One attack per variant, four variants per kind: at most 4 (each variant has its own prepared victim). */
  attacksPerKind: number;
}

export const SIZES_C: Record<'test' | 'medium', TrafficSizeC> = {
  test: {
    days: 2, attackHours: 5, agentsPh: 22, agentsUs: 14, ciRepos: 6, splitVpn: 16, commuters: 24, kiosks: 30, developers: 10,
    extensionUsers: 36, warehouseKeys: 3, dormantKeys: 8, attacksPerKind: 4,
  },
  medium: {
    days: 4, attackHours: 16, agentsPh: 60, agentsUs: 40, ciRepos: 14, splitVpn: 50, commuters: 70, kiosks: 80, developers: 30,
    extensionUsers: 100, warehouseKeys: 6, dormantKeys: 24, attacksPerKind: 4,
  },
};

const API = 'api.example.com';
const AUTH = 'auth.example.com';
const CRM_PATHS = ['/v1/customers/{id}', '/v1/tickets', '/v1/tickets/{id}', '/v1/calls', '/v1/customers?search={n}', '/v1/notes'];
const COMMUTER_PATHS = ['/v1/journeys', '/v1/tickets/mine', '/v1/timetable?from={n}', '/v1/me', '/v1/notifications'];
const EXT_PATHS = ['/v1/inbox/count', '/v1/inbox/count', '/v1/inbox/count', '/v1/notifications'];
const DEV_PATHS = ['/v1/repos/{id}', '/v1/builds', '/v1/packages', '/v1/me', '/v1/repos/{id}/hooks'];
const CI_PATHS = ['/v1/deployments', '/v1/artifacts', '/v1/releases', '/v1/builds/{id}', '/v1/packages'];
const ELT_PATHS = ['/v1/export/orders?cursor={n}', '/v1/export/customers?cursor={n}', '/v1/export/invoices?cursor={n}'];
const CRM_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36';
const EXT_UA = ['Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36 InboxPeek/2.4', 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0 InboxPeek/2.4'];
const COMMUTER_UA = ['RailGo/5.12 (iPhone14,5; iOS 18.1)', 'RailGo/5.12 (Android 14; SM-A546B) okhttp/4.12.0'];
const KIOSK_UA = 'kiosk-fw/3.8.2 (armv7l) libcurl/7.68.0';
const CI_UA = ['node-fetch/1.0 (+https://github.com/bitinn/node-fetch)', 'curl/8.5.0', 'python-httpx/0.27.0'];
const DEV_UA = ['devcli/1.9.0 (darwin arm64)', 'devcli/1.9.0 (linux x64)'];
const ELT_UA = 'Fivetran-like-sync/2.0';
const ATTACK_UA = ['python-requests/2.32.3', 'Go-http-client/2.0', 'curl/8.10.1'];

interface Chain { access: string; refresh: string; issued: number; exp: number }

/** One OAuth client instance of a user: the CRM tab, the app, the extension, a laptop. */
interface Client {
  user: string;
  appId: string;
  clientId: string;
  ua: string;
  sendAs: 'raw' | 'fp';
  population: string;
  rng: Rng;
  ttl: number;
  /** On expiry, first calls with the expired token (401), then refreshes (SPA, stale tab). */
  lazy: boolean;
  refresh?: string;
  access?: string;
  accessExp: number;
  issued: number;
  rotated: { old: string; at: number }[];
  family: string[];
  forced: Map<string, Chain>;
}

interface Sess {
  start: number;
  dur: number;
  gap: () => number;
  ip: (t: number, host: string) => string;
  path: () => string;
  forced?: string;
}

/** An address that changes after a random holding time (carrier-grade NAT). */
class Moving {
  private ip = '';
  private until = -Infinity;
  constructor(private readonly rng: Rng, private readonly draw: () => string, private readonly holdMin: [number, number]) {}
  at(t: number): string {
    if (t >= this.until || !this.ip) {
      this.ip = this.draw();
      this.until = t + this.rng.range(this.holdMin[0], this.holdMin[1]) * MIN;
    }
    return this.ip;
  }
}

class GenC {
  readonly usage: UsageEvent[] = [];
  readonly lifecycle: LifecycleEvent[] = [];
  readonly tokens = new Map<string, TokenInfo>();
  readonly attacks: Attack[] = [];
  readonly attackOnly = new Set<string>();
  private n = 0;
  readonly start: number;
  readonly warmEnd: number;
  readonly oldest: number;

  constructor(readonly seed: number, readonly size: TrafficSizeC, readonly end: number) {
    this.start = end - size.days * DAY;
    this.warmEnd = end - size.attackHours * HOUR;
    this.oldest = end - 27 * DAY;
  }

  token(rng: Rng, info: Omit<TokenInfo, 'raw'>, prefix: string): string {
    const raw = `${prefix}_${rng.text(40)}`;
    this.tokens.set(raw, { raw, ...info });
    return raw;
  }

  /** One request; false when it falls outside the traffic range. */
  use(token: string, ts: number, ip: string, o: { ua: string; rng: Rng; path?: string; method?: string; status?: number; host?: string; bytes?: number }): boolean {
    if (ts >= this.end || ts < this.oldest) return false;
    const info = this.tokens.get(token)!;
    const r = o.rng;
    const path = (o.path ?? '/v1/me').replace('{id}', String(r.int(1000, 999999))).replace('{n}', String(r.int(1, 5000)));
    this.usage.push({
      event_id: `c${this.seed}-${++this.n}`, ts: Math.round(ts), token, token_type: info.type,
      app_id: info.appId || undefined, client_id: info.clientId || undefined, user_id: info.userId,
      ip, user_agent: o.ua, method: o.method ?? 'GET', host: o.host ?? API, path, status: o.status ?? 200,
      latency_ms: Math.round(15 + r.exp(80)), bytes: o.bytes ?? Math.round(200 + r.exp(3000)), gateway: 'edge-c',
    });
    return true;
  }

  life(e: LifecycleEvent): void {
    if (e.ts >= this.end) return;
    this.lifecycle.push({ ...e, ts: Math.round(e.ts) });
  }

  client(rng: Rng, o: { user: string; appId: string; clientId: string; ua: string; population: string; ttl: number; lazy: boolean }): Client {
    return { ...o, rng, sendAs: rng.chance(0.5) ? 'raw' : 'fp', accessExp: 0, issued: 0, rotated: [], family: [], forced: new Map() };
  }

  private info(c: Client, type: 'access_token' | 'refresh_token', population = c.population): Omit<TokenInfo, 'raw'> {
    return { type, appId: c.appId, clientId: c.clientId, userId: c.user, population, sendAs: c.sendAs };
  }

  private newAccess(c: Client, t: number, grant: string): void {
    c.access = this.token(c.rng, this.info(c, 'access_token'), 'at');
    c.issued = t;
    c.accessExp = t + c.ttl;
    this.life({ event: 'issued', ts: t, token: c.access, token_type: 'access_token', client_id: c.clientId, app_id: c.appId, user_id: c.user, grant_type: grant, scopes: ['api'], issued_at: t, expires_at: t + c.ttl });
  }

  login(c: Client, t: number, ip: string): number {
    c.refresh = this.token(c.rng, this.info(c, 'refresh_token'), 'rt');
    c.family = [c.refresh];
    this.use(c.refresh, t, ip, { ua: c.ua, rng: c.rng, method: 'POST', host: AUTH, path: '/oauth/token', bytes: 1900 });
    this.life({ event: 'issued', ts: t + 20, token: c.refresh, token_type: 'refresh_token', client_id: c.clientId, app_id: c.appId, user_id: c.user, grant_type: 'authorization_code', scopes: ['openid', 'offline_access', 'api'], issued_at: t + 20, expires_at: t + 30 * DAY });
    this.newAccess(c, t + 30, 'authorization_code');
    return t + 2 * SEC;
  }

  refresh(c: Client, t: number, ip: string): number {
    const old = c.refresh!;
    this.use(old, t, ip, { ua: c.ua, rng: c.rng, method: 'POST', host: AUTH, path: '/oauth/token', bytes: 1900 });
    c.refresh = this.token(c.rng, this.info(c, 'refresh_token'), 'rt');
    c.family.push(c.refresh);
    this.life({ event: 'refreshed', ts: t + 30, token: c.refresh, token_type: 'refresh_token', client_id: c.clientId, app_id: c.appId, user_id: c.user, rotated_from: old, grant_type: 'refresh_token', issued_at: t + 30, expires_at: t + 30 * DAY });
    c.rotated.push({ old, at: t + 30 });
    this.newAccess(c, t + 40, 'refresh_token');
    return t + SEC;
  }

  /** A usable access token at `t`; returns the time after any round trip. */
  ensure(c: Client, t: number, ip: string, force = false): number {
    if (!c.refresh) return this.login(c, t, ip);
    if (!force && c.access && c.accessExp - t > 20 * SEC) return t;
    if (!force && c.lazy && c.access && c.accessExp <= t) {
      this.use(c.access, t, ip, { ua: c.ua, rng: c.rng, status: 401, bytes: 80 });
      t += c.rng.range(200, 900);
    }
    return this.refresh(c, t, ip);
  }

  signOut(c: Client, t: number, source: string, reason: string): void {
    if (c.access && c.accessExp > t) this.life({ event: 'revoked', ts: t, token: c.access, token_type: 'access_token', client_id: c.clientId, app_id: c.appId, user_id: c.user, source, reason });
    if (c.refresh) this.life({ event: 'revoked', ts: t + 5, token: c.refresh, token_type: 'refresh_token', client_id: c.clientId, app_id: c.appId, user_id: c.user, source, reason });
    c.refresh = undefined;
    c.access = undefined;
    c.accessExp = 0;
  }

  /** Runs a client's sessions in time order; a forced session (an attack's victim) drops the sessions it overlaps. */
  run(c: Client, sessions: Sess[], opts: { until?: number; signOutP?: number } = {}): void {
    const forced = sessions.filter((s) => s.forced);
    const list = sessions
      .filter((s) => s.forced || !forced.some((f) => s.start < f.start + f.dur && s.start + s.dur > f.start - 3 * MIN))
      .sort((a, b) => a.start - b.start);
    let busy = -Infinity;
    for (const s of list) {
      if (!s.forced && s.start < busy) continue;
      if (opts.until !== undefined && s.start >= opts.until) continue;
      if (s.start < this.start) continue;
      let t = Math.max(s.start, busy + SEC);
      const stop = Math.min(s.start + s.dur, opts.until ?? Infinity, this.end);
      if (s.forced) {
        t = this.ensure(c, t, s.ip(t, AUTH), !!c.refresh);
        c.forced.set(s.forced, { access: c.access!, refresh: c.refresh!, issued: c.issued, exp: c.accessExp });
      }
      while (t < stop) {
        t = this.ensure(c, t, s.ip(t, AUTH));
        this.use(c.access!, t, s.ip(t, API), { ua: c.ua, rng: c.rng, path: s.path(), method: c.rng.chance(0.12) ? 'POST' : 'GET' });
        t += s.gap();
      }
      busy = t;
      if (!s.forced && c.rng.chance(opts.signOutP ?? 0)) this.signOut(c, t + 3 * SEC, 'logout', 'user signed out');
    }
  }

  /** Session starts at local hours, per day; `weekend` scales the count on Saturdays and Sundays. */
  daily(rng: Rng, country: string, perDay: [number, number], hours: [number, number], weekend = 1): number[] {
    const off = OFFSET[country] ?? 0;
    const out: number[] = [];
    for (let day = this.start - (this.start % DAY) - DAY; day < this.end + DAY; day += DAY) {
      const dow = new Date(day + 12 * HOUR - off * HOUR).getUTCDay();
      const scale = dow === 0 || dow === 6 ? weekend : 1;
      const n = rng.int(perDay[0], perDay[1]);
      for (let i = 0; i < n; i++) {
        if (scale < 1 && !rng.chance(scale)) continue;
        const t = day + (rng.range(hours[0], hours[1]) - off) * HOUR;
        if (t >= this.start && t < this.end) out.push(t);
      }
    }
    return out;
  }

  isWeekend(t: number, country: string): boolean {
    const d = new Date(t + (OFFSET[country] ?? 0) * HOUR).getUTCDay();
    return d === 0 || d === 6;
  }

  attack(kind: AttackKind, i: number, variant: string, start: number, tokens: string[], users: string[], ips: string[]): void {
    if (!Number.isFinite(start)) return;
    this.attacks.push({ id: `${kind}-${i}`, kind, variant, start: Math.round(start), tokens: [...new Set(tokens)], users: [...new Set(users)], ips: [...new Set(ips)] });
  }
}

/** A time inside the attack period leaving `need` before the end. */
function attackTime(g: GenC, rng: Rng, need: number): number {
  const lo = g.warmEnd + 10 * MIN;
  const hi = Math.max(lo + MIN, g.end - need);
  return rng.range(lo, hi);
}

/** Records the first event an attack emitted. */
class First {
  t = Infinity;
  constructor(private readonly g: GenC) {}
  use(token: string, ts: number, ip: string, o: Parameters<GenC['use']>[3]): void {
    if (this.g.use(token, ts, ip, o)) this.t = Math.min(this.t, ts);
  }
}

export function generateTrafficC(seed: number, size: TrafficSizeC, end: number): Traffic {
  const root = new Rng(`c-${seed}`);
  const g = new GenC(seed, size, end);
  const K = Math.min(4, size.attacksPerKind);
  type Plan = { i: number; when: number; rng: Rng };
  const plans = (kind: AttackKind, need: number): Plan[] => Array.from({ length: K }, (_, i) => {
    const rng = root.fork(`${kind}-${i}`);
    return { i, when: attackTime(g, rng, need), rng };
  });
  const nl = plans('new_location', 70 * MIN);
  const it = plans('impossible_travel', 60 * MIN);
  const rs = plans('rate_spike', 3.2 * HOUR);
  const fo = plans('ip_fanout', 100 * MIN);
  const af = plans('auth_failures', 3.2 * HOUR);
  const ru = plans('revoked_use', 60 * MIN);
  const rr = plans('refresh_reuse', 90 * MIN);
  const dr = plans('dormant_reuse', 2.2 * HOUR);
  const v = (i: number) => i % 4;

  // Forced sessions per victim client key, and clients that stop (sign-out, deprovisioning).
  const forced = new Map<string, Sess[]>();
  const until = new Map<string, number>();
  const force = (key: string, s: Sess) => forced.set(key, [...(forced.get(key) ?? []), s]);

  // ======================= call centres =======================
  interface Agent { c: Client; nat: string; country: string }
  const agents: Agent[] = [];
  const phNat = [addr(root.fork('ph-nat'), 'globe-ph'), addr(root.fork('ph-nat2'), 'globe-ph')];
  const usNat = addr(root.fork('us-nat'), 'lumen-us');
  const agentCount = size.agentsPh + size.agentsUs;
  for (let a = 0; a < agentCount; a++) {
    const rng = root.fork(`agent-${a}`);
    const ph = a < size.agentsPh;
    const c = g.client(rng, { user: `agent-${ph ? 'ph' : 'us'}-${a}`, appId: 'crm-web', clientId: 'crm-spa', ua: CRM_UA, population: 'call-centre', ttl: HOUR, lazy: true });
    // The PH floor's two egress addresses: agents are pinned by the firewall's source hash.
    agents.push({ c, nat: ph ? phNat[a % 2]! : usNat, country: ph ? 'PH' : 'US' });
  }
  const agentVictims = { nl1: agents[size.agentsPh + 1]!, it2: agents[3]!, rs1: agents[size.agentsPh + 4]!, rr1: agents[6]! };

  // ======================= split-tunnel VPN employees (US) =======================
  interface Vpn { c: Client; home: string; homeNet: string; egress: string[] }
  const egressPool = Array.from({ length: 4 }, (_, i) => addr(root.fork(`egress-${i}`), 'zayo-us'));
  const vpns: Vpn[] = [];
  for (let u = 0; u < size.splitVpn; u++) {
    const rng = root.fork(`vpn-${u}`);
    const homeNet = rng.pick(['comcast-sj', 'comcast-atl', 'cox-us', 'charter-us', 'att-us', 'verizon-fios-ny', 'comcast-hou']);
    const c = g.client(rng, { user: `emp-${u}`, appId: 'corp-portal', clientId: 'corp-portal-web', ua: rng.pick(EXT_UA).replace(/ InboxPeek.*/, ''), population: 'split-vpn', ttl: HOUR, lazy: false });
    vpns.push({ c, home: addr(rng, homeNet), homeNet, egress: egressPool });
  }

  // ======================= UK commuters =======================
  interface Commuter { c: Client; home: string; homeNet: string; carrier: Moving; train: Moving; office: string }
  const officeIps = Array.from({ length: 2 }, (_, i) => addr(root.fork(`office-${i}`), 'colt-gb'));
  const commuters: Commuter[] = [];
  for (let u = 0; u < size.commuters; u++) {
    const rng = root.fork(`commuter-${u}`);
    const homeNet = rng.pick(['sky-gb', 'sky-gb-2', 'virgin-gb-2', 'bt-gb-2', 'virgin-gb']);
    const mob = rng.pick(['vodafone-uk', 'three-uk-2', 'o2-uk']);
    const c = g.client(rng, { user: `rider-${u}`, appId: 'railgo', clientId: 'railgo-app', ua: rng.pick(COMMUTER_UA), population: 'commuter', ttl: HOUR, lazy: true });
    commuters.push({
      c, homeNet, home: addr(rng, homeNet), office: rng.pick(officeIps),
      carrier: new Moving(rng, () => addr(rng, mob), [2, 15]),
      // The train's router bonds several carriers' SIMs: the egress flips between them.
      train: new Moving(rng, () => addr(rng, rng.pick(['vodafone-uk', 'three-uk-2', 'o2-uk'])), [1, 6]),
    });
  }

  // ======================= extension users =======================
  interface Ext { c: Client; country: string; home: string; homeNet: string; office: string; cafe: string }
  const EXT_HOMES: Record<string, { res: string[]; office: string[] }> = {
    CA: { res: ['rogers-ca', 'bell-ca'], office: ['rogers-ca', 'bell-ca'] },
    AU: { res: ['optus-au', 'telstra-au-2'], office: ['telstra-au-2', 'optus-au'] },
    CH: { res: ['swisscom-ch'], office: ['swisscom-ch'] },
    SE: { res: ['telia-se'], office: ['telia-se'] },
    FR: { res: ['free-fr', 'orange-fr'], office: ['orange-fr', 'free-fr'] },
  };
  const exts: Ext[] = [];
  for (let u = 0; u < size.extensionUsers; u++) {
    const rng = root.fork(`ext-${u}`);
    const country = rng.pick(Object.keys(EXT_HOMES));
    const h = EXT_HOMES[country]!;
    const homeNet = rng.pick(h.res);
    const c = g.client(rng, { user: `x-${country.toLowerCase()}-${u}`, appId: 'inbox-peek', clientId: 'inbox-peek-ext', ua: rng.pick(EXT_UA), population: 'extension', ttl: HOUR, lazy: true });
    exts.push({ c, country, homeNet, home: addr(rng, homeNet), office: addr(rng, rng.pick(h.office)), cafe: addr(rng, rng.pick([...h.res, ...h.office])) });
  }

  // ======================= developers: laptop + codespace =======================
  interface Dev { user: string; pat: string; country: string; home: string; region: string }
  const DEV_HOMES: [string, string[], string][] = [
    ['AU', ['optus-au', 'telstra-au-2'], 'azure-southeastasia'],
    ['GB', ['sky-gb', 'bt-gb-2'], 'azure-uksouth'],
    ['US', ['comcast-sj', 'cox-us'], 'azure-westus2'],
    ['CA', ['rogers-ca'], 'azure-eastus'],
    ['DE', ['telekom-de'], 'azure-westeurope'],
  ];

  // ----- victims chosen before the benign traffic is generated -----
  const extVictims = { nl0: exts[0]!, it1: exts.slice(5).find((x) => x.country === 'AU') ?? exts[5]!, fo0: exts[2]!, ru0: exts[3]!, rr0: exts[4]! };
  const comVictims = { nl2: commuters[0]!, it0: commuters[1]!, fo2: commuters[2]!, rr2: commuters[3]! };
  const vpnVictims = { nl3: vpns[0]!, it3: vpns[1]!, ru1: vpns[2]!, rr3: vpns[3]! };
  const sess = (start: number, dur: number, gap: [number, number], ip: (t: number, host: string) => string, paths: string[], rng: Rng, label: string): Sess => ({
    start, dur, gap: () => rng.range(gap[0], gap[1]) * SEC, ip, path: () => rng.pick(paths), forced: label,
  });
  // new_location: 0 extension (victim polling), 1 US agent (interleaved), 2 commuter (idle after), 3 VPN employee (idle)
  force(`ext-${extVictims.nl0.c.user}`, sess(nl[0]!.when - 5 * MIN, 70 * MIN, [60, 180], () => extVictims.nl0.home, EXT_PATHS, extVictims.nl0.c.rng, 'nl'));
  if (K > 1) force(agentVictims.nl1.c.user, sess(nl[1]!.when - 20 * MIN, 80 * MIN, [30, 120], () => agentVictims.nl1.nat, CRM_PATHS, agentVictims.nl1.c.rng, 'nl'));
  if (K > 2) force(comVictims.nl2.c.user, sess(nl[2]!.when - 6 * MIN, 4 * MIN, [8, 25], (t) => comVictims.nl2.carrier.at(t), COMMUTER_PATHS, comVictims.nl2.c.rng, 'nl'));
  if (K > 3) force(vpnVictims.nl3.c.user, sess(nl[3]!.when - 9 * MIN, 6 * MIN, [30, 90], () => vpnVictims.nl3.home, ['/v1/me', '/v1/docs/{id}', '/v1/tasks'], vpnVictims.nl3.c.rng, 'nl'));
  // impossible_travel: 0 commuter on the train (interleaved), 1 AU extension (interleaved), 2 PH agent (interleaved), 3 VPN employee (idle 10 min before)
  force(comVictims.it0.c.user, sess(it[0]!.when - 4 * MIN, 40 * MIN, [15, 60], (t) => comVictims.it0.train.at(t), COMMUTER_PATHS, comVictims.it0.c.rng, 'it'));
  if (K > 1) force(`ext-${extVictims.it1.c.user}`, sess(it[1]!.when - 5 * MIN, 50 * MIN, [60, 120], () => extVictims.it1.home, EXT_PATHS, extVictims.it1.c.rng, 'it'));
  if (K > 2) force(agentVictims.it2.c.user, sess(it[2]!.when - 10 * MIN, 60 * MIN, [30, 120], () => agentVictims.it2.nat, CRM_PATHS, agentVictims.it2.c.rng, 'it'));
  if (K > 3) force(vpnVictims.it3.c.user, sess(it[3]!.when - 14 * MIN, 4 * MIN, [20, 60], () => vpnVictims.it3.home, ['/v1/me', '/v1/docs/{id}', '/v1/tasks'], vpnVictims.it3.c.rng, 'it'));
  // rate_spike 1: AitM-stolen US agent session
  if (K > 1) force(agentVictims.rs1.c.user, sess(rs[1]!.when - 8 * MIN, 6 * MIN, [30, 120], () => agentVictims.rs1.nat, CRM_PATHS, agentVictims.rs1.c.rng, 'rs'));
  // ip_fanout 0: extension token from an infostealer log; 2: commuter session shared
  force(`ext-${extVictims.fo0.c.user}`, sess(fo[0]!.when - 4 * MIN, 30 * MIN, [60, 240], () => extVictims.fo0.home, EXT_PATHS, extVictims.fo0.c.rng, 'fo'));
  if (K > 2) force(comVictims.fo2.c.user, sess(fo[2]!.when - 3 * MIN, 3 * MIN, [8, 25], () => comVictims.fo2.home, COMMUTER_PATHS, comVictims.fo2.c.rng, 'fo'));
  // revoked_use 0: extension signs out while a copy is replayed; 1: VPN employee deprovisioned
  force(`ext-${extVictims.ru0.c.user}`, sess(ru[0]!.when - 15 * MIN, 11 * MIN, [60, 120], () => extVictims.ru0.home, EXT_PATHS, extVictims.ru0.c.rng, 'ru'));
  until.set(`ext-${extVictims.ru0.c.user}`, ru[0]!.when - 3 * MIN);
  if (K > 1) {
    force(vpnVictims.ru1.c.user, sess(ru[1]!.when - 25 * MIN, 21 * MIN, [30, 90], () => vpnVictims.ru1.home, ['/v1/me', '/v1/docs/{id}', '/v1/tasks'], vpnVictims.ru1.c.rng, 'ru'));
    until.set(vpnVictims.ru1.c.user, ru[1]!.when - 3 * MIN);
  }
  // refresh_reuse 1: the attacker redeems the agent's refresh token first; the agent's tab stops before
  // The phished login itself is a short session just before (fix after the first measurement: an agent off shift had no session to steal).
  if (K > 1) {
    force(agentVictims.rr1.c.user, sess(rr[1]!.when - 15 * MIN, 12 * MIN, [30, 120], () => agentVictims.rr1.nat, CRM_PATHS, agentVictims.rr1.c.rng, 'rr'));
    until.set(agentVictims.rr1.c.user, rr[1]!.when - 2 * MIN);
  }
  // refresh_reuse 3: a long working session a few hours before, so the employee has rotated a refresh token
  // more than an hour before the attack (fix after the first measurement: without it, a Monday run had none and the attack was dropped).
  if (K > 3) force(vpnVictims.rr3.c.user, sess(rr[3]!.when - 200 * MIN, 130 * MIN, [30, 90], () => vpnVictims.rr3.home, ['/v1/me', '/v1/docs/{id}', '/v1/tasks'], vpnVictims.rr3.c.rng, 'rr'));

  // ----- run the call centres -----
  for (const a of agents) {
    const rng = a.c.rng;
    // BPO night shift in Manila (US daytime), US floor 8–17 Central; fewer agents at weekends.
    const shiftLocal = a.country === 'PH' ? 21 : 8;
    const sessions: Sess[] = [];
    for (let day = g.start - (g.start % DAY) - DAY; day < g.end; day += DAY) {
      const s0 = day + (shiftLocal - OFFSET[a.country]!) * HOUR + rng.range(-10, 15) * MIN;
      if (g.isWeekend(s0 + 4 * HOUR, a.country === 'PH' ? 'US' : 'US') && rng.chance(0.6)) continue;
      // Two blocks around a lunch break; the tab stays open, the token expires over lunch.
      sessions.push({ start: s0, dur: rng.range(3.5, 4.2) * HOUR, gap: () => rng.range(20, 150) * SEC, ip: () => a.nat, path: () => rng.pick(CRM_PATHS) });
      sessions.push({ start: s0 + 4.75 * HOUR, dur: rng.range(3, 3.5) * HOUR, gap: () => rng.range(20, 150) * SEC, ip: () => a.nat, path: () => rng.pick(CRM_PATHS) });
    }
    sessions.push(...(forced.get(a.c.user) ?? []));
    g.run(a.c, sessions, { until: until.get(a.c.user), signOutP: 0.02 });
  }

  // ----- split-tunnel VPN employees -----
  for (const w of vpns) {
    const rng = w.c.rng;
    const sessions: Sess[] = g.daily(rng, 'US', [2, 3], [8, 18], 0.2).map((s) => {
      const vpnUp = rng.chance(0.8);
      const egress = rng.pick(w.egress);
      const drop = rng.chance(0.25) ? s + rng.range(10, 60) * MIN : Infinity; // the tunnel drops; reconnect lands on another egress
      const egress2 = rng.pick(w.egress);
      return {
        start: s, dur: rng.range(40, 200) * MIN, gap: () => rng.range(20, 120) * SEC, path: () => rng.pick(['/v1/me', '/v1/docs/{id}', '/v1/tasks', '/v1/tasks/{id}']),
        // The IdP is on the tunnel's include list; the API host mostly is not (a few routes are).
        ip: (t: number, host: string) => (!vpnUp ? w.home : host === AUTH || rng.chance(0.15) ? (t < drop ? egress : egress2) : w.home),
      };
    });
    sessions.push(...(forced.get(w.c.user) ?? []));
    g.run(w.c, sessions, { until: until.get(w.c.user), signOutP: 0.05 });
  }

  // ----- UK commuters -----
  for (const m of commuters) {
    const rng = m.c.rng;
    const sessions: Sess[] = [];
    const p = () => rng.pick(COMMUTER_PATHS);
    for (let day = g.start - (g.start % DAY); day < g.end; day += DAY) {
      if (g.isWeekend(day + 12 * HOUR, 'GB')) {
        for (let k = rng.int(1, 4); k > 0; k--) {
          const s = day + rng.range(9, 21) * HOUR;
          sessions.push({ start: s, dur: rng.range(1, 5) * MIN, gap: () => rng.range(6, 30) * SEC, ip: (t) => (rng.chance(0.5) ? m.home : m.carrier.at(t)), path: p });
        }
        continue;
      }
      const leave = day + rng.range(6.8, 8.2) * HOUR;
      // Walk to the station on the carrier, then the train's Wi-Fi (or the carrier when the Wi-Fi portal fails).
      sessions.push({ start: leave, dur: rng.range(3, 8) * MIN, gap: () => rng.range(10, 40) * SEC, ip: (t) => m.carrier.at(t), path: p });
      const onTrain = rng.chance(0.7) ? (t: number) => m.train.at(t) : (t: number) => m.carrier.at(t);
      sessions.push({ start: leave + 12 * MIN, dur: rng.range(20, 45) * MIN, gap: () => rng.range(20, 120) * SEC, ip: onTrain, path: p });
      for (let k = rng.int(0, 3); k > 0; k--) sessions.push({ start: day + rng.range(10, 16) * HOUR, dur: rng.range(1, 4) * MIN, gap: () => rng.range(8, 30) * SEC, ip: () => m.office, path: p });
      const back = day + rng.range(17, 18.8) * HOUR;
      sessions.push({ start: back, dur: rng.range(20, 45) * MIN, gap: () => rng.range(20, 120) * SEC, ip: (t) => (rng.chance(0.8) ? m.train.at(t) : m.carrier.at(t)), path: p });
      for (let k = rng.int(0, 2); k > 0; k--) sessions.push({ start: day + rng.range(19.5, 23) * HOUR, dur: rng.range(1, 6) * MIN, gap: () => rng.range(8, 30) * SEC, ip: () => m.home, path: p });
    }
    sessions.push(...(forced.get(m.c.user) ?? []));
    g.run(m.c, sessions, { until: until.get(m.c.user) });
  }

  // ----- extension users: polling while the browser is open, moving with the laptop -----
  for (const x of exts) {
    const rng = x.c.rng;
    const period = rng.pick([60, 120, 300]) * SEC;
    const sessions: Sess[] = [];
    const off = OFFSET[x.country]!;
    for (let day = g.start - (g.start % DAY) - DAY; day < g.end; day += DAY) {
      const weekend = g.isWeekend(day + (12 - off) * HOUR, x.country);
      // Morning at home, the day at the office (or a café), evening at home: lid closed between.
      const blocks: [number, number, string][] = weekend
        ? [[rng.range(9, 12), rng.range(1, 3), x.home], [rng.range(18, 21), rng.range(1, 2.5), x.home]]
        : [[rng.range(7, 8.5), rng.range(0.3, 1), x.home], [rng.range(9, 10), rng.range(6, 8), rng.chance(0.15) ? x.cafe : x.office], [rng.range(19, 21), rng.range(1, 3), x.home]];
      for (const [h, len, ip] of blocks) {
        const s = day + (h - off) * HOUR;
        // On wake the missed alarm fires at once, then the period resumes.
        sessions.push({ start: s, dur: len * HOUR, gap: () => period + rng.range(-3, 3) * SEC, ip: () => ip, path: () => rng.pick(EXT_PATHS) });
      }
    }
    sessions.push(...(forced.get(`ext-${x.c.user}`) ?? []));
    g.run(x.c, sessions, { until: until.get(`ext-${x.c.user}`) });
  }

  // ======================= developers: one PAT, a laptop and a codespace =======================
  const devs: Dev[] = [];
  for (let u = 0; u < size.developers; u++) {
    const rng = root.fork(`dev-${u}`);
    const [country, homes, regionId] = DEV_HOMES[u % DEV_HOMES.length]!;
    const user = `dev-${country.toLowerCase()}-${u}`;
    const pat = g.token(rng, { type: 'personal_access_token', appId: 'developer-portal', clientId: 'developer-portal', userId: user, population: 'dev-codespace', sendAs: rng.chance(0.5) ? 'raw' : 'fp' }, 'pat');
    g.life({ event: 'issued', ts: g.start - rng.range(10, 200) * DAY, token: pat, token_type: 'personal_access_token', client_id: 'developer-portal', app_id: 'developer-portal', user_id: user, expires_at: g.end + rng.range(10, 80) * DAY });
    const home = addr(rng, rng.pick(homes));
    devs.push({ user, pat, country, home, region: regionId });
    const laptopUa = DEV_UA[0]!;
    const boxUa = DEV_UA[1]!;
    for (const s of g.daily(rng, country, [1, 2], [8.5, 17], 0.3)) {
      const dur = rng.range(1.5, 4) * HOUR;
      // The codespace restarts after 30 min idle: a new address per start.
      let boxIp = addr(rng, regionId);
      let lastBox = s;
      for (let t = s; t < s + dur; ) {
        if (rng.chance(0.35)) {
          g.use(pat, t, home, { ua: laptopUa, rng, path: rng.pick(DEV_PATHS) });
        } else {
          if (t - lastBox > 30 * MIN) boxIp = addr(rng, regionId);
          lastBox = t;
          g.use(pat, t, boxIp, { ua: boxUa, rng, path: rng.pick(DEV_PATHS), method: rng.chance(0.2) ? 'POST' : 'GET' });
        }
        t += rng.chance(0.1) ? rng.range(15, 50) * MIN : rng.range(10, 180) * SEC;
      }
    }
  }

  // ======================= GitHub-hosted runners =======================
  interface Repo { id: string; key?: string; oldKey?: string; rotateAt?: number; country: string }
  const RUNNER_REGIONS = ['azure-eastus', 'azure-eastus2', 'azure-centralus', 'azure-southcentralus', 'azure-westus2'];
  const repos: Repo[] = [];
  // revoked_use 2: repo 2's static key is rotated after a supply-chain alert; the new key takes over.
  for (let r = 0; r < size.ciRepos; r++) {
    const rng = root.fork(`repo-${r}`);
    const id = `repo-${r}`;
    const staticKey = r < 4 || rng.chance(0.3);
    const country = rng.pick(['US', 'GB', 'DE']);
    const repo: Repo = { id, country };
    const sendAs = rng.chance(0.5) ? 'raw' : 'fp';
    if (staticKey) {
      repo.key = g.token(rng, { type: 'api_key', appId: `ci-${id}`, clientId: `ci-${id}`, population: 'ci-actions', sendAs }, 'key');
      g.life({ event: 'issued', ts: g.start - rng.range(30, 400) * DAY, token: repo.key, token_type: 'api_key', client_id: `ci-${id}`, app_id: `ci-${id}`, expires_at: null });
      if (r === 2 && K > 2) {
        repo.oldKey = repo.key;
        repo.rotateAt = ru[2]!.when - rng.range(20, 40) * MIN;
        repo.key = g.token(rng, { type: 'api_key', appId: `ci-${id}`, clientId: `ci-${id}`, population: 'ci-actions', sendAs }, 'key');
        g.life({ event: 'issued', ts: repo.rotateAt - 2 * MIN, token: repo.key, token_type: 'api_key', client_id: `ci-${id}`, app_id: `ci-${id}`, expires_at: null });
      }
    }
    repos.push(repo);
    const starts = [...g.daily(rng, country, [12, 30], [9, 19], 0.15), ...g.daily(rng, 'GB', [1, 1], [3, 3.2])];
    for (const s of starts) {
      const jobs = rng.weighted([[1, 3], [2, 2], [4, 2], [6, 1]] as const);
      for (let j = 0; j < jobs; j++) {
        const ip = addr(rng, rng.pick(RUNNER_REGIONS));
        let tok = repo.key;
        if (tok && repo.rotateAt !== undefined && s < repo.rotateAt) tok = repo.oldKey!;
        if (!tok) {
          tok = g.token(rng, { type: 'access_token', appId: `ci-${id}`, clientId: `gha-oidc-${id}`, population: 'ci-actions', sendAs }, 'oidc');
          g.life({ event: 'issued', ts: s + 20 * SEC, token: tok, token_type: 'access_token', client_id: `gha-oidc-${id}`, app_id: `ci-${id}`, grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', issued_at: s + 20 * SEC, expires_at: s + 20 * SEC + HOUR });
        }
        const ua = rng.pick(CI_UA);
        let t = s + rng.range(25, 90) * SEC; // runner boot
        for (let k = rng.int(8, 40); k > 0; k--) {
          // A job that started with the old key stops when it is revoked (the next run reads the new secret).
          if (tok === repo.oldKey && t > repo.rotateAt! - 5 * SEC) break;
          g.use(tok, t, ip, { ua, rng, path: rng.pick(CI_PATHS), method: rng.chance(0.3) ? 'POST' : 'GET', bytes: Math.round(rng.exp(60_000)) });
          t += rng.range(1, 25) * SEC;
        }
      }
    }
  }
  if (repos[2]?.rotateAt !== undefined) g.life({ event: 'revoked', ts: repos[2].rotateAt, token: repos[2].oldKey!, token_type: 'api_key', client_id: 'ci-repo-2', app_id: 'ci-repo-2', source: 'secret_rotation', reason: 'rotated after a compromised third-party action' });

  // ======================= kiosk fleet on one IoT APN =======================
  interface Kiosk { key: string; id: string }
  const apnPool = Array.from({ length: 5 }, (_, i) => addr(root.fork(`apn-${i}`), 'att-iot'));
  const kiosks: Kiosk[] = [];
  for (let k = 0; k < size.kiosks; k++) {
    const rng = root.fork(`kiosk-${k}`);
    const id = `kiosk-${k}`;
    const key = g.token(rng, { type: 'api_key', appId: 'kiosk-fleet', clientId: id, population: 'kiosk', sendAs: 'fp' }, 'key');
    g.life({ event: 'issued', ts: g.start - rng.range(60, 700) * DAY, token: key, token_type: 'api_key', client_id: id, app_id: 'kiosk-fleet', expires_at: null });
    kiosks.push({ key, id });
    // revoked_use 3: kiosk 2 is decommissioned (key revoked) before the attack; it goes quiet.
    const stop = k === 2 && K > 3 ? ru[3]!.when - 6 * MIN : g.end;
    // The APN's NAT maps each PDP session to a pool address; sessions re-attach every few hours.
    const nat = new Moving(rng, () => rng.pick(apnPool), [60, 300]);
    const hb = rng.range(4.5, 5.5) * MIN;
    for (let t = g.start + rng.range(0, hb); t < stop; t += hb + rng.range(-10, 10) * SEC) {
      g.use(key, t, nat.at(t), { ua: KIOSK_UA, rng, method: 'POST', path: '/v1/heartbeat', bytes: 64 });
    }
    // Payments in the day (Central time), a firmware check at 03:00 local.
    for (const s of g.daily(rng, 'US', [25, 70], [7, 21], 0.7)) {
      if (s >= stop) continue;
      g.use(key, s, nat.at(s), { ua: KIOSK_UA, rng, method: 'POST', path: '/v1/payments', bytes: 400 });
      if (rng.chance(0.3)) g.use(key, s + rng.range(1, 4) * SEC, nat.at(s), { ua: KIOSK_UA, rng, path: '/v1/tariffs' });
    }
    for (let day = g.start - (g.start % DAY); day < stop; day += DAY) {
      const t = day + (3 - OFFSET.US!) * HOUR + rng.range(0, 90) * SEC;
      if (t >= g.start && t < stop) g.use(key, t, nat.at(t), { ua: KIOSK_UA, rng, path: '/v1/firmware', bytes: 900 });
    }
  }
  if (K > 3) g.life({ event: 'revoked', ts: ru[3]!.when - 5 * MIN, token: kiosks[2]!.key, token_type: 'api_key', client_id: kiosks[2]!.id, app_id: 'kiosk-fleet', source: 'fleet_manager', reason: 'kiosk decommissioned' });

  // ======================= data-warehouse sync keys =======================
  const eltIps = Array.from({ length: 4 }, (_, i) => addr(root.fork(`elt-${i}`), 'gcp-us-east4-elt'));
  const eltKeys: string[] = [];
  for (let w = 0; w < size.warehouseKeys; w++) {
    const rng = root.fork(`elt-key-${w}`);
    const appId = `warehouse-${w}`;
    const sendAs = rng.chance(0.5) ? 'raw' : 'fp';
    const key = g.token(rng, { type: 'api_key', appId, clientId: 'elt-connector', population: 'warehouse', sendAs }, 'key');
    g.life({ event: 'issued', ts: g.start - rng.range(20, 300) * DAY, token: key, token_type: 'api_key', client_id: 'elt-connector', app_id: appId, expires_at: null });
    eltKeys.push(key);
    const every = rng.pick([30, 60]) * MIN;
    // Key 1 runs one historical re-sync (a schema change): ~2 h paging at ten times the pace, in the warm-up.
    const resync = w === 1 ? g.start + rng.range(4, size.days * 24 - size.attackHours - 4) * HOUR : -Infinity;
    for (let t = g.start + rng.range(0, every); t < g.end; t += every + rng.range(-20, 20) * SEC) {
      const ip = rng.pick(eltIps);
      let x = t;
      for (let p = rng.int(4, 20); p > 0; p--) {
        g.use(key, x, ip, { ua: ELT_UA, rng, path: rng.pick(ELT_PATHS), bytes: Math.round(20_000 + rng.exp(200_000)) });
        x += rng.range(0.8, 4) * SEC;
      }
    }
    if (resync > 0) {
      const ip = rng.pick(eltIps);
      for (let t = resync; t < resync + rng.range(1.5, 2.5) * HOUR; t += rng.range(1, 5) * SEC) {
        g.use(key, t, ip, { ua: ELT_UA, rng, path: rng.pick(ELT_PATHS), bytes: Math.round(50_000 + rng.exp(400_000)) });
      }
    }
    if (w === 0) {
      // The key it replaced, revoked ten days ago, still set in a forgotten staging connector: 401 every 15 min.
      const old = g.token(rng, { type: 'api_key', appId, clientId: 'elt-connector', population: 'warehouse', sendAs }, 'key');
      g.life({ event: 'issued', ts: g.start - 200 * DAY, token: old, token_type: 'api_key', client_id: 'elt-connector', app_id: appId, expires_at: null });
      g.life({ event: 'revoked', ts: g.start - 10 * DAY, token: old, token_type: 'api_key', client_id: 'elt-connector', app_id: appId, source: 'application_owner', reason: 'rotated' });
      const ip = eltIps[3]!;
      for (let t = g.start + rng.range(0, 15) * MIN; t < g.end; t += 15 * MIN + rng.range(-5, 5) * SEC) g.use(old, t, ip, { ua: ELT_UA, rng, path: ELT_PATHS[0]!, status: 401, bytes: 80 });
    }
  }

  // ======================= dormant keys =======================
  interface Dormant { key: string; owner: string; country: string; homeNet: string; ip: string; pat: boolean }
  const dormant: Dormant[] = [];
  for (let k = 0; k < size.dormantKeys; k++) {
    const rng = root.fork(`dormant-${k}`);
    const pat = k % 2 === 1;
    const country = rng.pick(['US', 'GB', 'CA']);
    const homeNet = pat ? rng.pick(country === 'US' ? ['comcast-sj', 'att-us'] : country === 'GB' ? ['sky-gb', 'virgin-gb-2'] : ['rogers-ca', 'bell-ca']) : rng.pick(['gcp-us-east4-elt', 'gcp-us-central1']);
    const ip = addr(rng, homeNet);
    const owner = `contractor-${k}`;
    const appId = pat ? 'developer-portal' : `reporting-${k}`;
    const key = g.token(rng, { type: pat ? 'personal_access_token' : 'api_key', appId, clientId: appId, userId: pat ? owner : undefined, population: 'dormant', sendAs: rng.chance(0.5) ? 'raw' : 'fp' }, pat ? 'pat' : 'key');
    g.life({ event: 'issued', ts: g.oldest - rng.range(10, 200) * DAY, token: key, token_type: pat ? 'personal_access_token' : 'api_key', client_id: appId, app_id: appId, user_id: pat ? owner : undefined, expires_at: null });
    const d0 = g.oldest + rng.range(0.5, 3) * DAY;
    for (let t = d0, last = d0 + rng.range(3, 9) * HOUR; t < last; t += rng.exp(5 * MIN)) g.use(key, t, ip, { ua: pat ? 'devcli/1.7.2 (linux x64)' : 'python-requests/2.28.1', rng, path: rng.pick(['/v1/reports/daily', '/v1/orders', '/v1/me']) });
    dormant.push({ key, owner: pat ? owner : '', country, homeNet, ip, pat });
  }
  // Half the dormant keys not attacked wake benignly: a quarterly job from the same address or block.
  for (const k of dormant.slice(K).filter((_, i) => i % 2 === 0)) {
    const rng = root.fork(`wake-${k.key.slice(0, 14)}`);
    const t0 = attackTime(g, rng, HOUR);
    const ip = rng.chance(0.5) ? k.ip : addr(rng, k.homeNet);
    for (let t = t0, last = t0 + rng.range(10, 45) * MIN; t < last; t += rng.exp(40 * SEC)) g.use(k.key, t, ip, { ua: k.pat ? 'devcli/1.7.2 (linux x64)' : 'python-requests/2.28.1', rng, path: '/v1/reports/daily' });
  }

  // ======================= attacks =======================
  const reg = (rng: Rng, info: Omit<TokenInfo, 'raw'>, prefix: string) => {
    const t = g.token(rng, info, prefix);
    g.attackOnly.add(t);
    return t;
  };
  const attackerUa = (r: Rng) => r.pick(ATTACK_UA);

  // ----- new_location -----
  nl.forEach((pl) => {
    const r = pl.rng;
    const f = new First(g);
    const variant = v(pl.i);
    if (variant === 0 || variant === 1 || variant === 2 || variant === 3) {
      const victim = variant === 0 ? extVictims.nl0.c : variant === 1 ? agentVictims.nl1.c : variant === 2 ? comVictims.nl2.c : vpnVictims.nl3.c;
      const chain = victim.forced.get('nl');
      if (!chain) return;
      let ip: string;
      let name: string;
      let gap: [number, number];
      let ua = victim.ua;
      if (variant === 0) {
        // Infostealer log: the extension's stored token replayed through a residential proxy abroad, slowly, while the victim keeps polling.
        ip = addr(r, r.pick(['telkom-id', 'claro-br']));
        name = 'infostealer-stolen extension token replayed slowly via a foreign residential proxy, victim still polling';
        gap = [60, 180];
      } else if (variant === 1) {
        // AitM phishing kit (Evilginx-like) proxying the login: the cookie replayed minutes later from a VPS in the victim's country.
        ip = addr(r, r.pick(['do-nj', 'vultr-us']));
        name = 'AitM-phished CRM session replayed from a US VPS, interleaved with the agent';
        gap = [20, 90];
        ua = attackerUa(r);
      } else if (variant === 2) {
        ip = addr(r, r.pick(['sky-gb', 'virgin-gb-2', 'bt-gb-2'].filter((n) => n !== comVictims.nl2.homeNet)));
        name = 'stolen app token replayed through a residential proxy in the victim\'s own country (new ASN), victim idle';
        gap = [15, 60];
      } else {
        ip = addr(r, r.pick(['m247-nl', 'mullvad-se', 'proton-ch']));
        name = 'token replayed through a commercial VPN exit abroad while the employee is idle';
        gap = [40, 150];
        ua = attackerUa(r);
      }
      const start = Math.max(chain.issued + r.range(2, 6) * MIN, pl.when);
      const stop = Math.min(chain.exp - MIN, start + r.range(20, 45) * MIN);
      for (let t = start; t < stop; t += r.range(gap[0], gap[1]) * SEC) f.use(chain.access, t, ip, { ua, rng: r, path: r.pick(['/v1/me', '/v1/customers/{id}', '/v1/payment-methods', '/v1/export/customers?cursor={n}', '/v1/notifications']) });
      g.attack('new_location', pl.i, name, f.t, [chain.access], [victim.user], [ip]);
    }
  });

  // ----- impossible_travel -----
  it.forEach((pl) => {
    const r = pl.rng;
    const f = new First(g);
    const variant = v(pl.i);
    const victim = variant === 0 ? comVictims.it0.c : variant === 1 ? extVictims.it1.c : variant === 2 ? agentVictims.it2.c : vpnVictims.it3.c;
    const chain = victim.forced.get('it');
    if (!chain) return;
    let ip: string;
    let name: string;
    if (variant === 0) {
      ip = addr(r, 'claro-br');
      name = 'commuter\'s app token used from Brazilian broadband while the victim is on the train';
    } else if (variant === 1) {
      ip = addr(r, 'contabo-fr');
      name = 'Australian extension user, token used from a European VPS a minute later, alternating';
    } else if (variant === 2) {
      ip = addr(r, r.pick(['comcast-sj', 'charter-us']));
      name = 'Manila agent\'s session used from US broadband (a residential proxy near the customer base), interleaved';
    } else {
      ip = addr(r, 'alibaba-jp');
      name = 'US employee idle 10 minutes, then the token appears in Tokyo hosting';
    }
    const start = Math.max(chain.issued + r.range(3, 8) * MIN, pl.when);
    const stop = Math.min(chain.exp - MIN, start + r.range(12, 30) * MIN);
    for (let t = start; t < stop; t += r.range(40, 200) * SEC) f.use(chain.access, t, ip, { ua: variant === 3 ? attackerUa(r) : victim.ua, rng: r, path: r.pick(['/v1/me', '/v1/customers/{id}', '/v1/tickets/mine', '/v1/inbox/count', '/v1/docs/{id}']) });
    g.attack('impossible_travel', pl.i, name, f.t, [chain.access], [victim.user], [ip]);
  });

  // ----- rate_spike -----
  rs.forEach((pl) => {
    const r = pl.rng;
    const f = new First(g);
    const variant = v(pl.i);
    if (variant === 0) {
      // Low and slow: a steady 3–5 req/min for 3 hours, from a cloud the key never used.
      const key = eltKeys[2 % eltKeys.length]!;
      const ip = addr(r, r.pick(['aws-us-east-1', 'aws-us-west-2']));
      const rate = r.range(3, 5);
      for (let t = pl.when, last = pl.when + 3 * HOUR; t < last; t += r.exp(MIN / rate)) f.use(key, t, ip, { ua: 'python-requests/2.32.3', rng: r, path: r.pick(ELT_PATHS), bytes: Math.round(50_000 + r.exp(300_000)) });
      g.attack('rate_spike', pl.i, 'warehouse sync key exfiltrating low and slow (3–5 req/min for 3 h) from AWS', f.t, [key], [], [ip]);
    } else if (variant === 1) {
      const victim = agentVictims.rs1.c;
      const chain = victim.forced.get('rs');
      if (!chain) return;
      const ip = addr(r, r.pick(['vultr-us', 'linode-ca']));
      const start = Math.max(chain.issued + r.range(2, 5) * MIN, pl.when);
      const stop = Math.min(chain.exp - MIN, start + r.range(8, 15) * MIN);
      const rate = r.range(150, 300);
      for (let t = start; t < stop; t += r.exp(MIN / rate)) f.use(chain.access, t, ip, { ua: attackerUa(r), rng: r, path: '/v1/customers/{id}' });
      g.attack('rate_spike', pl.i, 'AitM-stolen CRM session scraping customer records at 150–300 req/min from hosting', f.t, [chain.access], [victim.user], [ip]);
    } else if (variant === 2) {
      // The exfiltrated CI key driven from the attacker's own Actions runners: same ASN as the repo's jobs.
      const key = repos[0]!.key!;
      const ips = Array.from({ length: 2 }, () => addr(r, r.pick(RUNNER_REGIONS)));
      for (let t = pl.when, last = pl.when + r.range(20, 30) * MIN; t < last; t += r.exp(MIN / r.range(50, 80))) f.use(key, t, r.pick(ips), { ua: 'curl/8.5.0', rng: r, path: r.pick(['/v1/packages', '/v1/releases', '/v1/artifacts']), bytes: Math.round(r.exp(200_000)) });
      g.attack('rate_spike', pl.i, 'CI key exfiltrated through a compromised action, driven at ~60 req/min from the attacker\'s own GitHub-hosted runners (same ASN)', f.t, [key], [], ips);
    } else {
      // A kiosk opened and its key scripted through another SIM on the same APN: 30 req/min.
      const key = kiosks[0]!.key;
      for (let t = pl.when, last = pl.when + r.range(25, 40) * MIN; t < last; t += r.exp(MIN / 30)) f.use(key, t, r.pick(apnPool), { ua: KIOSK_UA, rng: r, method: 'POST', path: '/v1/payments/refund', bytes: 300 });
      // No addresses in the truth: the APN's NAT pool carries every kiosk.
      g.attack('rate_spike', pl.i, 'kiosk key extracted and scripted at 30 req/min from the same IoT APN', f.t, [key], [], []);
    }
  });

  // ----- ip_fanout -----
  fo.forEach((pl) => {
    const r = pl.rng;
    const f = new First(g);
    const variant = v(pl.i);
    const ips: string[] = [];
    if (variant === 0) {
      const chain = extVictims.fo0.c.forced.get('fo');
      if (!chain) return;
      const nets = ['telkom-id', 'claro-br', 'comcast-sj', 'rogers-ca', 'sky-gb', 'free-fr', 'vnpt-vn', 'jio-in', 'tim-br', 'telekom-de'];
      const n = r.int(25, 40);
      const s0 = Math.max(pl.when, chain.issued + MIN);
      for (let a = 0; a < n; a++) {
        const ip = addr(r, r.pick(nets));
        ips.push(ip);
        const t0 = s0 + r.range(0, Math.min(55 * MIN, chain.exp - s0 - 3 * MIN));
        for (let k = r.int(1, 3); k > 0; k--) f.use(chain.access, t0 + k * r.range(3, 30) * SEC, ip, { ua: extVictims.fo0.c.ua, rng: r, path: r.pick(EXT_PATHS) });
      }
      g.attack('ip_fanout', pl.i, 'extension token from an infostealer log used by buyers behind 25–40 residential proxies', f.t, [chain.access], [extVictims.fo0.c.user], ips);
    } else if (variant === 1) {
      // A CI key pasted into a public build log: opportunistic scanners from hosting, slowly, over 90 min.
      const key = repos[1]!.key!;
      const nets = ['do-fra', 'do-nj', 'ovh-fr', 'hetzner-fi', 'linode-ca', 'contabo-fr', 'alibaba-jp', 'ovh-ca', 'vultr-us'];
      const n = r.int(8, 14);
      for (let a = 0; a < n; a++) {
        const ip = addr(r, r.pick(nets));
        ips.push(ip);
        const t0 = pl.when + (a === 0 ? 0 : r.range(0, 90 * MIN));
        for (let k = r.int(2, 6); k > 0; k--) f.use(key, t0 + k * r.range(2, 60) * SEC, ip, { ua: attackerUa(r), rng: r, path: r.pick(['/v1/me', '/v1/releases', '/v1/packages']) });
      }
      g.attack('ip_fanout', pl.i, 'CI key leaked in a public build log, tried by 8–14 scanners on hosting over 90 min', f.t, [key], [], ips);
    } else if (variant === 2) {
      const chain = comVictims.fo2.c.forced.get('fo');
      if (!chain) return;
      const nets = ['sky-gb', 'virgin-gb-2', 'bt-gb-2', 'three-uk-2', 'jio-in', 'airtel-in'];
      const n = r.int(6, 10);
      const s0 = Math.max(pl.when, chain.issued + MIN);
      for (let a = 0; a < n; a++) {
        const ip = addr(r, r.pick(nets));
        ips.push(ip);
        const t0 = s0 + r.range(0, Math.min(50 * MIN, chain.exp - s0 - 5 * MIN));
        for (let k = r.int(2, 6); k > 0; k--) f.use(chain.access, t0 + k * r.range(5, 40) * SEC, ip, { ua: comVictims.fo2.c.ua, rng: r, path: r.pick(COMMUTER_PATHS) });
      }
      g.attack('ip_fanout', pl.i, 'rail-app session shared through a cookie-sharing group: 6–10 homes and phones in GB and India', f.t, [chain.access], [comVictims.fo2.c.user], ips);
    } else {
      // A kiosk key pulled from firmware and used by an IoT/proxy botnet: many mobile addresses in 15 min.
      const key = kiosks[1]!.key;
      const nets = ['tmobile-us', 'verizon-wireless-us', 'jio-in', 'airtel-in', 'tim-br', 'vodafone-de', 'three-gb', 'softbank-jp', 'telkom-id'];
      const n = r.int(60, 100);
      for (let a = 0; a < n; a++) {
        const ip = addr(r, r.pick(nets));
        ips.push(ip);
        const t0 = pl.when + (a === 0 ? 0 : r.range(0, 15 * MIN));
        for (let k = r.int(1, 2); k > 0; k--) f.use(key, t0 + (k - 1) * r.range(1, 10) * SEC, ip, { ua: KIOSK_UA, rng: r, path: r.pick(['/v1/tariffs', '/v1/payments/refund']), method: 'POST' });
      }
      g.attack('ip_fanout', pl.i, 'kiosk key from dumped firmware used by a mobile proxy botnet (60–100 addresses in 15 min)', f.t, [key], [], ips);
    }
  });

  // ----- auth_failures -----
  const victimsPool = [...agents.map((a) => a.c.user), ...commuters.map((m) => m.c.user), ...exts.map((x) => x.c.user), ...vpns.map((w) => w.c.user)];
  af.forEach((pl) => {
    const r = pl.rng;
    const f = new First(g);
    const variant = v(pl.i);
    const ips: string[] = [];
    const tried: string[] = [];
    const users: string[] = [];
    const guess = (t: number, ip: string, user: string | undefined, o: { host: string; path: string; ua: string; type: 'access_token' | 'api_key' }) => {
      const tok = reg(r, { type: o.type, appId: '', clientId: '', userId: user, population: 'attacker', sendAs: 'raw' }, 'guess');
      tried.push(tok);
      if (user) users.push(user);
      f.use(tok, t, ip, { ua: o.ua, rng: r, method: 'POST', host: o.host, path: o.path, status: 401, bytes: 80 });
    };
    const someone = () => (r.chance(0.4) ? r.pick(victimsPool) : `${r.pick(['alex', 'sam', 'chris', 'pat', 'jo', 'lee', 'kim'])}.${r.pick(['ng', 'smith', 'garcia', 'cruz', 'reyes'])}${r.int(1, 999)}@mail.example`);
    if (variant === 0) {
      // OpenBullet-style stuffing through rotating 4G mobile proxies: each address 1–2 tries, bursty.
      const nets = ['tmobile-us', 'verizon-wireless-us', 'three-uk-2', 'vodafone-uk', 'o2-uk'];
      const n = r.int(180, 320);
      const dur = r.range(15, 30) * MIN;
      for (let a = 0; a < n; a++) {
        const ip = addr(r, r.pick(nets));
        ips.push(ip);
        const t0 = pl.when + (a / n) * dur + r.range(0, 10) * SEC;
        for (let k = r.int(1, 2); k > 0; k--) guess(t0 + k * r.range(0.5, 4) * SEC, ip, someone(), { host: AUTH, path: '/oauth/token', ua: r.pick(COMMUTER_UA), type: 'access_token' });
      }
      g.attack('auth_failures', pl.i, 'credential stuffing through rotating 4G mobile proxies (1–2 tries per address, 15–30 min)', f.t, tried, users, ips);
    } else if (variant === 1) {
      // Low-and-slow spraying (Midnight Blizzard style): one try per account, a try every ~2 min, from residential proxies reused a few times.
      const senders = Array.from({ length: r.int(30, 45) }, () => addr(r, r.pick(['comcast-sj', 'cox-us', 'charter-us', 'rogers-ca', 'bell-ca', 'sky-gb', 'telia-se'])));
      const targets = r.shuffle([...new Set(victimsPool)]).slice(0, r.int(70, 100));
      const dur = Math.min(3 * HOUR, g.end - pl.when - MIN);
      targets.forEach((u, k) => {
        const ip = k === 0 ? senders[0]! : r.pick(senders);
        const t = pl.when + (k / targets.length) * dur + r.range(0, 60) * SEC;
        // Only the proxies that really sent a try are in the truth (fix after the first measurement: unused ones were listed).
        if (t < g.end) ips.push(ip);
        guess(t, ip, u, { host: AUTH, path: '/oauth/token', ua: CRM_UA, type: 'access_token' });
      });
      g.attack('auth_failures', pl.i, 'password spraying low and slow: one try per account every ~2 min for 3 h, via residential proxies', f.t, tried, users, ips);
    } else if (variant === 2) {
      // BOLA / scope probing with a developer's stolen PAT: 403 on other tenants' objects and admin routes while the dev keeps working.
      const dev = devs[0]!;
      const ip = addr(r, 'ovh-ca');
      for (let t = pl.when, last = pl.when + r.range(12, 20) * MIN; t < last; t += r.exp(MIN / 20)) {
        f.use(dev.pat, t, ip, { ua: attackerUa(r), rng: r, path: r.pick(['/v1/repos/{id}', '/v1/admin/users', '/v1/orgs/{id}/secrets', '/v1/repos/{id}/hooks']), status: r.chance(0.85) ? 403 : 404, bytes: 90 });
      }
      g.attack('auth_failures', pl.i, 'scope and object probing with a stolen developer PAT: ~20 req/min of 403/404 from hosting', f.t, [dev.pat], [dev.user], [ip]);
    } else {
      // One VPS guessing API keys fast: ~5 per second for 8 minutes.
      const ip = addr(r, 'alibaba-jp');
      ips.push(ip);
      for (let t = pl.when, last = pl.when + r.range(6, 10) * MIN; t < last; t += r.exp(200)) guess(t, ip, undefined, { host: API, path: '/v1/me', ua: 'Go-http-client/1.1', type: 'api_key' });
      g.attack('auth_failures', pl.i, 'API key brute force from a single VPS (~5 guesses/s for 8 min)', f.t, tried, [], ips);
    }
  });

  // ----- revoked_use -----
  ru.forEach((pl) => {
    const r = pl.rng;
    const variant = v(pl.i);
    if (variant === 0) {
      const x = extVictims.ru0;
      const chain = x.c.forced.get('ru');
      if (!chain) return;
      const revokedAt = pl.when - 2 * MIN;
      g.signOut(x.c, revokedAt, 'logout', 'user signed out of the extension');
      const ip = addr(r, r.pick(['telia-se', 'swisscom-ch', 'free-fr'].filter((n) => n !== x.homeNet)));
      const f = new First(g);
      for (let t = pl.when; t < Math.min(chain.exp - 30 * SEC, pl.when + 30 * MIN); t += r.range(30, 120) * SEC) f.use(chain.access, t, ip, { ua: x.c.ua, rng: r, path: r.pick(EXT_PATHS) });
      g.attack('revoked_use', pl.i, 'extension token replayed after the user signed out; the gateway caches introspection and answers 200', f.t, [chain.access], [x.c.user], [ip]);
    } else if (variant === 1) {
      const w = vpnVictims.ru1;
      const chain = w.c.forced.get('ru');
      if (!chain) return;
      const revokedAt = pl.when - 2 * MIN;
      g.life({ event: 'revoked', ts: revokedAt, token: chain.access, token_type: 'access_token', client_id: w.c.clientId, app_id: w.c.appId, user_id: w.c.user, source: 'scim', reason: 'user deprovisioned' });
      g.life({ event: 'revoked', ts: revokedAt + 5, token: chain.refresh, token_type: 'refresh_token', client_id: w.c.clientId, app_id: w.c.appId, user_id: w.c.user, source: 'scim', reason: 'user deprovisioned' });
      const f = new First(g);
      for (let t = pl.when; t < Math.min(chain.exp - 30 * SEC, pl.when + 25 * MIN); t += r.range(20, 90) * SEC) f.use(chain.access, t, w.home, { ua: w.c.ua, rng: r, path: r.pick(['/v1/docs/{id}', '/v1/export/customers?cursor={n}', '/v1/tasks']) });
      g.attack('revoked_use', pl.i, 'deprovisioned employee keeps using the session from the same home address; still 200', f.t, [chain.access], [w.c.user], [w.home]);
    } else if (variant === 2) {
      const repo = repos[2];
      if (!repo?.oldKey) return;
      const ip = addr(r, r.pick(RUNNER_REGIONS));
      const f = new First(g);
      // Some gateway nodes picked the revocation up, some serve a stale key cache: ~70 % still 200.
      for (let t = pl.when, last = pl.when + r.range(15, 30) * MIN; t < last; t += r.range(10, 60) * SEC) {
        const ok = r.chance(0.7);
        if (f.t === Infinity && !ok) continue;
        f.use(repo.oldKey, t, ip, { ua: 'curl/8.5.0', rng: r, path: r.pick(['/v1/packages', '/v1/releases']), status: ok ? 200 : 401, bytes: ok ? undefined : 80 });
      }
      g.attack('revoked_use', pl.i, 'CI key rotated after a supply-chain alert, replayed from an Actions runner; stale gateway nodes answer 200 to ~70 %', f.t, [repo.oldKey], [], [ip]);
    } else {
      const k = kiosks[2];
      if (!k) return;
      const f = new First(g);
      for (let t = pl.when, last = pl.when + r.range(20, 40) * MIN; t < last; t += r.range(30, 150) * SEC) f.use(k.key, t, r.pick(apnPool), { ua: KIOSK_UA, rng: r, method: 'POST', path: r.pick(['/v1/payments', '/v1/payments/refund']) });
      g.attack('revoked_use', pl.i, 'decommissioned kiosk (key revoked) stolen and used on the same APN; still 200', f.t, [k.key], [], []);
    }
  });

  // ----- refresh_reuse -----
  rr.forEach((pl) => {
    const r = pl.rng;
    const variant = v(pl.i);
    const f = new First(g);
    const tokenReq = (tok: string, t: number, ip: string, ua: string, ok: boolean) => f.use(tok, t, ip, { ua, rng: r, method: 'POST', host: AUTH, path: '/oauth/token', status: ok ? 200 : 400, bytes: ok ? 1900 : 120 });
    const mint = (c: Client, stale: string, t: number): { rt: string; at: string } => {
      const rt = reg(r, { type: 'refresh_token', appId: c.appId, clientId: c.clientId, userId: c.user, population: 'attacker', sendAs: c.sendAs }, 'rt');
      const at = reg(r, { type: 'access_token', appId: c.appId, clientId: c.clientId, userId: c.user, population: 'attacker', sendAs: c.sendAs }, 'at');
      g.life({ event: 'refreshed', ts: t + 30, token: rt, token_type: 'refresh_token', client_id: c.clientId, app_id: c.appId, user_id: c.user, rotated_from: stale, grant_type: 'refresh_token', issued_at: t + 30, expires_at: t + 30 * DAY });
      g.life({ event: 'issued', ts: t + 40, token: at, token_type: 'access_token', client_id: c.clientId, app_id: c.appId, user_id: c.user, grant_type: 'refresh_token', issued_at: t + 40, expires_at: t + 40 + HOUR });
      return { rt, at };
    };
    if (variant === 0) {
      const c = extVictims.rr0.c;
      const old = c.rotated.filter((x) => x.at < pl.when - 30 * MIN);
      if (!old.length) return;
      const stale = old[old.length - 1]!.old;
      const ip = addr(r, r.pick(['hetzner-de', 'ovh-fr', 'contabo-fr']));
      tokenReq(stale, pl.when, ip, 'python-requests/2.32.3', false);
      g.attack('refresh_reuse', pl.i, 'infostealer-stolen refresh token redeemed from hosting after the extension had rotated it: refused (400)', f.t, [...c.family, ...old.map((x) => x.old)], [c.user], [ip]);
    } else if (variant === 1) {
      const a = agentVictims.rr1;
      const c = a.c;
      if (!c.refresh) return;
      const stolen = c.refresh;
      const ip = addr(r, 'tmobile-us');
      tokenReq(stolen, pl.when, ip, CRM_UA, true);
      const { rt, at } = mint(c, stolen, pl.when);
      for (let t = pl.when + 30 * SEC, last = pl.when + r.range(15, 30) * MIN; t < last; t += r.range(20, 90) * SEC) f.use(at, t, ip, { ua: CRM_UA, rng: r, path: r.pick(CRM_PATHS) });
      // The agent's tab then refreshes with the token the attacker already redeemed.
      const back = pl.when + r.range(5, 25) * MIN;
      if (c.access) g.use(c.access, back, a.nat, { ua: c.ua, rng: r, status: c.accessExp > back ? 200 : 401 });
      g.use(stolen, back + 700, a.nat, { ua: c.ua, rng: r, method: 'POST', host: AUTH, path: '/oauth/token', status: 400, bytes: 120 });
      g.attack('refresh_reuse', pl.i, 'AitM attacker redeems the agent\'s refresh token first (mobile IP, same country); the agent\'s tab then presents the rotated one', f.t, [...c.family, rt, at], [c.user], [ip]);
    } else if (variant === 2) {
      const m = comVictims.rr2;
      const c = m.c;
      const old = c.rotated.filter((x) => x.at < pl.when - 20 * HOUR);
      const pool = old.length ? old : c.rotated.filter((x) => x.at < pl.when - HOUR);
      if (!pool.length) return;
      const stale = pool[0]!.old;
      const ip = addr(r, r.pick(['virgin-gb-2', 'sky-gb-2', 'bt-gb-2'].filter((n) => n !== m.homeNet)));
      tokenReq(stale, pl.when, ip, c.ua, true);
      const { rt, at } = mint(c, stale, pl.when);
      for (let t = pl.when + MIN, last = pl.when + r.range(30, 60) * MIN; t < last; t += r.range(60, 240) * SEC) f.use(at, t, ip, { ua: c.ua, rng: r, path: r.pick(COMMUTER_PATHS) });
      g.attack('refresh_reuse', pl.i, 'refresh token from a phone backup, rotated a day ago, accepted by a lenient IdP and used slowly from GB broadband', f.t, [...c.family, ...pool.map((x) => x.old), rt, at], [c.user], [ip]);
    } else {
      const w = vpnVictims.rr3;
      const c = w.c;
      const old = c.rotated.filter((x) => x.at < pl.when - HOUR);
      if (!old.length) return;
      const stale = old[old.length - 1]!.old;
      const ip = addr(r, r.pick(['do-nj', 'vultr-us']));
      for (let t = pl.when, last = pl.when + r.range(60, 85) * MIN; t < last; t += r.range(8, 12) * MIN) tokenReq(stale, t, ip, 'python-requests/2.32.3', false);
      g.attack('refresh_reuse', pl.i, 'rotated refresh token retried every ~10 min from a US VPS, always refused', f.t, [...c.family, ...old.map((x) => x.old)], [c.user], [ip]);
    }
  });

  // ----- dormant_reuse -----
  dr.forEach((pl) => {
    const k = dormant[pl.i];
    if (!k) return;
    const r = pl.rng;
    const variant = v(pl.i);
    const f = new First(g);
    let ips: string[];
    let name: string;
    if (variant === 0) {
      // Leaked in a public repo: scanner bots try it within minutes, a burst, then a few follow-ups.
      ips = Array.from({ length: r.int(2, 4) }, () => addr(r, r.pick(['do-fra', 'hetzner-fi', 'hetzner-de', 'ovh-fr'])));
      for (let t = pl.when, last = pl.when + 4 * MIN; t < last; t += r.exp(6 * SEC)) f.use(k.key, t, t === pl.when ? ips[0]! : r.pick(ips), { ua: attackerUa(r), rng: r, path: r.pick(['/v1/me', '/v1/orders', '/v1/export/customers?cursor={n}', '/v1/reports/daily']) });
      for (let t = pl.when + 20 * MIN; t < pl.when + 60 * MIN; t += r.range(5, 15) * MIN) f.use(k.key, t, r.pick(ips), { ua: attackerUa(r), rng: r, path: '/v1/me' });
      name = 'key leaked in a public repository, hit by scanner bots on European hosting within minutes';
    } else if (variant === 1) {
      const nets = k.country === 'US' ? ['cox-us', 'charter-us', 'verizon-fios-ny'] : k.country === 'GB' ? ['bt-gb-2', 'sky-gb-2'] : ['bell-ca', 'rogers-ca'];
      ips = [addr(r, r.pick(nets.filter((n) => network(n).asn !== network(k.homeNet).asn)))];
      for (let t = pl.when, last = pl.when + r.range(20, 50) * MIN; t < last; t += r.range(30, 180) * SEC) f.use(k.key, t, ips[0]!, { ua: 'devcli/1.9.0 (linux x64)', rng: r, path: r.pick(['/v1/me', '/v1/repos/{id}', '/v1/orders']) });
      name = 'former contractor\'s PAT, idle for weeks, used from a home line in the same country (new ASN)';
    } else if (variant === 2) {
      ips = [addr(r, r.pick(['aws-us-east-1', 'aws-eu-west-1', 'aws-us-west-2']))];
      for (let t = pl.when, last = pl.when + r.range(15, 40) * MIN; t < last; t += r.exp(20 * SEC)) f.use(k.key, t, ips[0]!, { ua: 'python-requests/2.32.3', rng: r, path: r.pick(['/v1/reports/daily', '/v1/export/orders?cursor={n}', '/v1/orders']) });
      name = 'service key from an old container image, used from AWS (it only ever ran on GCP)';
    } else {
      const mob = new Moving(r, () => addr(r, r.pick(['tmobile-us', 'verizon-wireless-us'])), [10, 40]);
      ips = [];
      for (let t = pl.when, last = pl.when + 2 * HOUR; t < last; t += r.range(5, 10) * MIN) {
        const ip = mob.at(t);
        ips.push(ip);
        f.use(k.key, t, ip, { ua: 'okhttp/4.12.0', rng: r, path: r.pick(['/v1/me', '/v1/orders']) });
      }
      name = 'dormant key revived low and slow over a US mobile carrier (one request every 5–10 min for 2 h)';
    }
    g.attack('dormant_reuse', pl.i, name, f.t, [k.key], k.owner ? [k.owner] : [], ips);
  });

  g.usage.sort((a, b) => a.ts - b.ts);
  g.lifecycle.sort((a, b) => a.ts - b.ts);
  // revoked_use starts at the first 2xx after the revocation (the alarm's definition).
  for (const a of g.attacks) {
    if (a.kind !== 'revoked_use') continue;
    const rev = g.lifecycle.find((e) => e.event === 'revoked' && a.tokens.includes(e.token));
    if (!rev) continue;
    const first = g.usage.find((e) => e.ts > rev.ts + SEC && e.status < 400 && a.tokens.includes(e.token));
    if (first) a.start = first.ts;
  }
  g.attacks.sort((a, b) => a.start - b.start);
  const oldest = Math.min(g.usage[0]?.ts ?? g.start, g.oldest);
  return {
    seed, oldest, start: g.start, warmEnd: g.warmEnd, end, usage: g.usage, lifecycle: g.lifecycle,
    tokens: g.tokens, attacks: g.attacks, attackOnly: g.attackOnly,
  };
}

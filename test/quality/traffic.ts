/**
 * An independent traffic generator for the detectors' quality runs (issue 13), written
 * from the product contract and from descriptions of how real API traffic looks, never
 * from the detectors. Benign populations with their own habits, and attack variants for
 * every detector kind, with ground truth: which tokens, users and addresses are the
 * attack's, and when each attack starts.
 *
 * Times are epoch milliseconds. Tokens are raw strings here; `sendAs: 'fp'` marks the
 * ones a pepper-sharing gateway/IdP names by fingerprint (the harness hashes them).
 */
import { addressIn, HOME_COUNTRIES, neighbour, network, networksOf, slash24, UTC_OFFSET, type Network } from './ippool.js';
import { Rng } from './rng.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

export type TokenType = 'access_token' | 'refresh_token' | 'api_key' | 'personal_access_token';

export const ATTACK_KINDS = [
  'new_location', 'rate_spike', 'auth_failures', 'revoked_use',
  'impossible_travel', 'ip_fanout', 'refresh_reuse', 'dormant_reuse',
] as const;
export type AttackKind = (typeof ATTACK_KINDS)[number];

export interface TokenInfo {
  raw: string;
  type: TokenType;
  appId: string;
  clientId: string;
  userId?: string;
  population: string;
  sendAs: 'raw' | 'fp';
}

export interface UsageEvent {
  event_id: string;
  ts: number;
  token: string;
  token_type: TokenType;
  app_id?: string;
  client_id?: string;
  user_id?: string;
  ip: string;
  user_agent: string;
  method: string;
  host: string;
  path: string;
  status: number;
  latency_ms: number;
  bytes: number;
  gateway: string;
}

export interface LifecycleEvent {
  event: 'issued' | 'refreshed' | 'revoked' | 'expired';
  ts: number;
  token: string;
  token_type: TokenType;
  client_id: string;
  app_id: string;
  user_id?: string;
  scopes?: string[];
  grant_type?: string;
  issued_at?: number;
  expires_at?: number | null;
  rotated_from?: string;
  source?: string;
  reason?: string;
}

export interface Attack {
  id: string;
  kind: AttackKind;
  variant: string;
  /** The first malicious event's time. */
  start: number;
  /** Raw tokens that are the attack's (stolen, leaked, tried). */
  tokens: string[];
  users: string[];
  ips: string[];
}

export interface Traffic {
  seed: number;
  /** Oldest event (dormant keys' history). */
  oldest: number;
  start: number;
  /** Attacks happen only after this: the streaming run replays up to here at once. */
  warmEnd: number;
  end: number;
  usage: UsageEvent[];
  lifecycle: LifecycleEvent[];
  tokens: Map<string, TokenInfo>;
  attacks: Attack[];
  /** Raw tokens of attack-only credentials (stuffing guesses, attacker-minted). */
  attackOnly: Set<string>;
}

export interface TrafficSize {
  days: number;
  attackHours: number;
  webUsers: number;
  mobileUsers: number;
  officeUsers: number;
  ciOrgs: number;
  batchJobs: number;
  partners: number;
  developers: number;
  dormantKeys: number;
  attacksPerKind: number;
}

const API_HOST = 'api.example.com';
const AUTH_HOST = 'auth.example.com';
const READ_PATHS = ['/v1/me', '/v1/orders', '/v1/orders/{id}', '/v1/invoices', '/v1/catalog', '/v1/notifications', '/v1/search'];
const WRITE_PATHS = ['/v1/orders', '/v1/cart', '/v1/profile'];
const BATCH_PATHS = ['/v1/export/orders', '/v1/export/customers', '/v1/reports/daily'];
const ADMIN_PATHS = ['/v1/admin/users', '/v1/admin/keys', '/v1/admin/billing', '/v1/admin/audit', '/v1/admin/settings', '/v1/admin/roles'];
const BROWSER_UA = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0',
];
const MOBILE_UA = ['ExampleApp/5.12.0 (iPhone; iOS 17.5)', 'ExampleApp/5.11.2 (Android 14; Pixel 8)', 'okhttp/4.12.0'];
/** Revocation sources as real IdPs spell them (Okta event types, Keycloak events, admin tools). */
const LOGOUT_SOURCES = ['subscriber', 'subscriber', 'user', 'logout', 'okta.user.session.end', 'keycloak:LOGOUT', 'SelfService', 'end_session_endpoint'];
/** Half documented (api_provider, app_owner, governance), half as IdPs and admin tools really spell them. */
const ADMIN_SOURCES_DOCUMENTED = ['api_provider', 'app_owner', 'governance'];
const ADMIN_SOURCES_OTHER = ['admin', 'application_owner', 'okta.admin.revoke', 'security_team', 'keycloak-admin-console', 'scim_deprovision'];

export function generateTraffic(seed: number, size: TrafficSize, end: number): Traffic {
  const g = new Generator(seed, size, end);
  g.run();
  return g.result();
}

interface Session {
  userId: string;
  /** The current access token and its expiry; the current refresh token. */
  access?: { raw: string; exp: number };
  refresh: string;
  family: TokenInfo;
  appId: string;
  clientId: string;
  ua: string;
  sendAs: 'raw' | 'fp';
}

interface WebUser {
  id: string;
  country: string;
  home: Network;
  homeIp: string;
  mobileNet?: Network;
  officeIp?: string;
  corporateVpn?: Network;
  commercialVpn: boolean;
  gapMean: number;
  web: Session;
  phone?: Session;
  traveller: boolean;
}

class Generator {
  private readonly rng: Rng;
  private readonly usage: UsageEvent[] = [];
  private readonly lifecycle: LifecycleEvent[] = [];
  private readonly tokens = new Map<string, TokenInfo>();
  private readonly attacks: Attack[] = [];
  private readonly attackOnly = new Set<string>();
  private readonly start: number;
  private readonly warmEnd: number;
  private readonly oldest: number;
  private eventSeq = 0;
  private readonly webUsers: WebUser[] = [];
  private readonly partnerKeys: { key: TokenInfo; ips: string[]; rate: number }[] = [];
  /** Users reserved as victims: [from, to) ranges in which benign generation leaves them alone. */
  private readonly reserved = new Map<string, [number, number][]>();
  /** Attacks on users, run in time order inside the victim's own traffic so refresh chains stay chronological. */
  private readonly plans = new Map<string, { at: number; run: () => void }[]>();

  constructor(readonly seed: number, readonly size: TrafficSize, readonly end: number) {
    this.rng = new Rng(seed);
    this.start = end - size.days * DAY;
    this.warmEnd = end - size.attackHours * HOUR;
    this.oldest = end - 26 * DAY;
  }

  result(): Traffic {
    this.usage.sort((a, b) => a.ts - b.ts);
    this.lifecycle.sort((a, b) => a.ts - b.ts);
    return {
      seed: this.seed, oldest: this.oldest, start: this.start, warmEnd: this.warmEnd, end: this.end,
      usage: this.usage, lifecycle: this.lifecycle, tokens: this.tokens, attacks: this.attacks, attackOnly: this.attackOnly,
    };
  }

  // ---------------------------------------------------------------- primitives

  private token(rng: Rng, prefix: string, info: Omit<TokenInfo, 'raw'>): TokenInfo {
    const t: TokenInfo = { raw: `${prefix}_${rng.text(32)}`, ...info };
    this.tokens.set(t.raw, t);
    return t;
  }

  private use(t: TokenInfo, ts: number, ip: string, rng: Rng, o: Partial<UsageEvent> = {}): void {
    if (ts < this.oldest || ts >= this.end) return;
    const write = rng.chance(0.15);
    this.usage.push({
      event_id: `q${this.seed}-${this.eventSeq++}`,
      ts: Math.round(ts),
      token: t.raw,
      token_type: t.type,
      ...(t.appId ? { app_id: t.appId, client_id: t.clientId } : {}),
      ...(t.userId ? { user_id: t.userId } : {}),
      ip,
      user_agent: BROWSER_UA[0]!,
      method: write ? 'POST' : 'GET',
      host: API_HOST,
      path: write ? rng.pick(WRITE_PATHS) : rng.pick(READ_PATHS),
      status: rng.chance(0.01) ? 404 : 200,
      latency_ms: Math.round(rng.exp(80) + 5),
      bytes: Math.round(rng.exp(3000) + 200),
      gateway: t.sendAs === 'fp' ? 'edge-envoy' : 'kong-eu',
      ...o,
    });
  }

  /** Lifecycle events of any age are kept: an IdP backfilling its registry sends keys issued long ago. */
  private life(e: LifecycleEvent): void {
    if (e.ts >= this.end) return;
    this.lifecycle.push({ ...e, ts: Math.round(e.ts) });
  }

  private isReserved(userId: string, from: number, to: number): boolean {
    return (this.reserved.get(userId) ?? []).some(([a, b]) => from < b && to > a);
  }

  private reserve(userId: string, from: number, to: number): void {
    const list = this.reserved.get(userId) ?? [];
    list.push([from, to]);
    this.reserved.set(userId, list);
  }

  /** Local hour of day (0–24) in a country. */
  private localHour(country: string, ts: number): number {
    const h = (ts / HOUR + (UTC_OFFSET[country] ?? 0)) % 24;
    return h < 0 ? h + 24 : h;
  }

  private isWeekday(country: string, ts: number): boolean {
    const d = new Date(ts + (UTC_OFFSET[country] ?? 0) * HOUR).getUTCDay();
    return d >= 1 && d <= 5;
  }

  // ---------------------------------------------------------------- OAuth sessions

  /** A login: a new refresh family (authorization_code grant). */
  private login(rng: Rng, userId: string, appId: string, clientId: string, ts: number, ua: string, sendAs: 'raw' | 'fp'): Session {
    const family = this.token(rng, 'rt', { type: 'refresh_token', appId, clientId, userId, population: appId, sendAs });
    this.life({
      event: 'issued', ts, token: family.raw, token_type: 'refresh_token', client_id: clientId, app_id: appId, user_id: userId,
      grant_type: 'authorization_code', scopes: ['openid', 'orders:read', 'orders:write'], issued_at: ts, expires_at: ts + 30 * DAY,
    });
    return { userId, refresh: family.raw, family, appId, clientId, ua, sendAs };
  }

  /**
   * The client refreshes: the gateway sees the refresh token at the token endpoint, the IdP
   * reports `refreshed` (new refresh token, rotated_from the old one) and `issued` (access).
   * A fraction of clients first present the expired access token once and get 401, as real
   * clients that refresh lazily do.
   */
  private refresh(rng: Rng, s: Session, ts: number, ip: string, o: { doubleSubmit?: boolean } = {}): TokenInfo {
    const old = this.tokens.get(s.refresh)!;
    if (s.access && s.access.exp < ts && rng.chance(0.2)) {
      this.use(this.tokens.get(s.access.raw)!, ts - 400, ip, rng, { status: 401, user_agent: s.ua, path: '/v1/me' });
    }
    this.use(old, ts, ip, rng, { method: 'POST', host: AUTH_HOST, path: '/oauth2/token', user_agent: s.ua, status: 200 });
    if (o.doubleSubmit) {
      // A retried refresh within the IdP's grace window (network hiccup): same token, same address, seconds later.
      this.use(old, ts + rng.int(800, 3000), ip, rng, { method: 'POST', host: AUTH_HOST, path: '/oauth2/token', user_agent: s.ua, status: 200 });
    }
    const next = this.token(rng, 'rt', { type: 'refresh_token', appId: s.appId, clientId: s.clientId, userId: s.userId, population: s.appId, sendAs: s.sendAs });
    this.life({
      event: 'refreshed', ts: ts + 50, token: next.raw, token_type: 'refresh_token', client_id: s.clientId, app_id: s.appId,
      user_id: s.userId, rotated_from: old.raw, grant_type: 'refresh_token', issued_at: ts + 50, expires_at: ts + 30 * DAY,
    });
    const access = this.token(rng, 'at', { type: 'access_token', appId: s.appId, clientId: s.clientId, userId: s.userId, population: s.appId, sendAs: s.sendAs });
    this.life({
      event: 'issued', ts: ts + 60, token: access.raw, token_type: 'access_token', client_id: s.clientId, app_id: s.appId,
      user_id: s.userId, grant_type: 'refresh_token', scopes: ['orders:read', 'orders:write'], issued_at: ts + 60, expires_at: ts + 60 + HOUR,
    });
    s.refresh = next.raw;
    s.access = { raw: access.raw, exp: ts + 60 + HOUR };
    return access;
  }

  /** A refresh now, whatever the state: the access token the victim and the attacker share is fresh. */
  private freshAccess(rng: Rng, s: Session, ts: number, ip: string): string {
    s.access = undefined;
    return this.refresh(rng, s, ts, ip).raw;
  }

  /** Requests of one interactive session from `ipAt(t)`; refreshes when the access token runs out. */
  private session(rng: Rng, s: Session, from: number, to: number, gapMean: number, ipAt: (t: number) => string, o: { doubleSubmit?: boolean } = {}): void {
    let t = from;
    while (t < to) {
      if (!s.access || s.access.exp - 2 * MIN < t) this.refresh(rng, s, t, ipAt(t), { doubleSubmit: o.doubleSubmit && rng.chance(0.5) });
      this.use(this.tokens.get(s.access!.raw)!, t + 100, ipAt(t), rng, { user_agent: s.ua });
      t += rng.exp(gapMean) + 500;
    }
  }

  // ---------------------------------------------------------------- benign populations

  run(): void {
    this.makeWebUsers(this.rng.fork('web'));
    this.makeMobileUsers(this.rng.fork('mobile'));
    this.makePartners(this.rng.fork('partner'));
    // Attacks reserve victims' time before the benign sessions are laid down.
    this.makeAttacks(this.rng.fork('attacks'));
    this.webTraffic(this.rng.fork('web-traffic'));
    for (const list of this.plans.values()) for (const p of list) p.run();
    this.plans.clear();
    this.ciRunners(this.rng.fork('ci'));
    this.batchJobs(this.rng.fork('batch'));
    this.partnerTraffic(this.rng.fork('partner-traffic'));
    this.developers(this.rng.fork('dev'));
    this.dormantKeys(this.rng.fork('dormant'));
  }

  private makeWebUsers(rng: Rng): void {
    const offices = new Map<string, string>();
    for (let i = 0; i < this.size.webUsers + this.size.officeUsers; i++) {
      const country = rng.pick(HOME_COUNTRIES);
      const home = rng.pick(networksOf('residential', country));
      const mobiles = networksOf('mobile', country);
      const office = i >= this.size.webUsers;
      if (office && !offices.has(country)) offices.set(country, addressIn(rng, home));
      const id = `${office ? 'staff' : 'user'}-${i}@${country.toLowerCase()}`;
      const roll = rng.next();
      const corporateVpn = roll < 0.1 ? rng.pick(networksOf('vpn')) : undefined;
      const ua = rng.pick(BROWSER_UA);
      const sendAs = rng.chance(0.3) ? 'fp' : 'raw';
      const u: WebUser = {
        id, country, home, homeIp: addressIn(rng, home),
        mobileNet: mobiles.length > 0 && rng.chance(0.4) ? rng.pick(mobiles) : undefined,
        officeIp: office ? offices.get(country) : undefined,
        corporateVpn,
        commercialVpn: roll >= 0.1 && roll < 0.16,
        gapMean: rng.range(15, 90) * 1000,
        web: this.login(rng, id, 'web-portal', 'portal-spa', this.start - rng.range(1, 10) * DAY, ua, sendAs),
        traveller: rng.chance(0.04),
      };
      if (u.mobileNet) u.phone = this.login(rng, id, 'mobile-app', 'ios-android-app', this.start - rng.range(1, 20) * DAY, rng.pick(MOBILE_UA), 'raw');
      this.webUsers.push(u);
    }
  }

  private webTraffic(rng: Rng): void {
    for (const u of this.webUsers) {
      const r = rng.fork(u.id);
      // A traveller flies once: a quiet gap of flight length, then phone traffic through home-routed
      // roaming (home-carrier addresses) and laptop through the corporate VPN, or nothing.
      const flight = u.traveller ? this.start + r.range(0.3, 0.8) * (this.end - this.start) : undefined;
      let homeIp = u.homeIp;
      let lastEnd = 0;
      for (let day = this.start - (this.start % DAY); day < this.end; day += DAY) {
        if (r.chance(0.05)) homeIp = addressIn(r, u.home); // a new DHCP lease
        const starts = Array.from({ length: r.int(1, 3) }, () => {
          const localStart = r.weighted<[number, number]>([[[7, 9], 2], [[9, 17], u.officeIp ? 6 : 2], [[18, 23], 4]]);
          return day + (r.range(localStart[0], localStart[1]) - (UTC_OFFSET[u.country] ?? 0)) * HOUR;
        }).sort((a, b) => a - b);
        for (const from of starts) {
          this.runPlans(u, from);
          const length = r.range(8, 75) * MIN;
          const to = from + length;
          if (from < lastEnd || from < this.start || this.isReserved(u.id, from - HOUR, to + HOUR)) continue;
          lastEnd = to + 2000;
          if (flight !== undefined && from > flight && from < flight + 12 * HOUR) continue;
          const viaVpn = u.commercialVpn && r.chance(0.6) ? rng.pick(networksOf('vpn')) : undefined;
          const atOffice = u.officeIp && this.isWeekday(u.country, from) && this.localHour(u.country, from) < 17.5;
          const useCorpVpn = u.corporateVpn && r.chance(0.5);
          let ip: string;
          if (viaVpn) ip = addressIn(r, viaVpn);
          else if (atOffice) ip = u.officeIp!;
          else if (useCorpVpn) ip = addressIn(r, u.corporateVpn!);
          else ip = homeIp;
          if (flight !== undefined && from > flight) {
            if (!u.corporateVpn && !u.phone) continue;
            ip = u.corporateVpn ? addressIn(r, u.corporateVpn) : addressIn(r, u.mobileNet!);
          }
          const onPhone = u.phone && r.chance(0.35);
          if (onPhone) {
            let cg = addressIn(r, u.mobileNet!);
            let next = from + r.range(5, 40) * MIN;
            this.session(r, u.phone!, from, to, u.gapMean, (t) => {
              if (t > next) { cg = addressIn(r, u.mobileNet!); next = t + r.range(5, 40) * MIN; }
              return cg;
            }, { doubleSubmit: r.chance(0.1) });
          } else {
            this.session(r, u.web, from, to, u.gapMean, () => ip, { doubleSubmit: r.chance(0.1) });
          }
          // Sign-outs: the IdP reports `revoked`; the gateway enforces, so a late request gets 401.
          if (r.chance(0.05)) this.logout(r, onPhone ? u.phone! : u.web, to + 1000, ip, u);
        }
      }
    }
  }

  /** After a revocation the user signs in again: a new family. */
  private relogin(rng: Rng, s: Session, ts: number): void {
    const fresh = this.login(rng, s.userId, s.appId, s.clientId, ts, s.ua, s.sendAs);
    s.refresh = fresh.refresh;
    s.family = fresh.family;
    s.access = undefined;
  }

  private logout(rng: Rng, s: Session, ts: number, ip: string, u: WebUser): void {
    if (!s.access) return;
    const source = rng.pick(LOGOUT_SOURCES);
    for (const raw of [s.access.raw, s.refresh]) {
      const t = this.tokens.get(raw)!;
      this.life({ event: 'revoked', ts, token: raw, token_type: t.type, client_id: s.clientId, app_id: s.appId, user_id: s.userId, source, reason: 'user signed out' });
    }
    // A request already in flight at the gateway when the revocation lands (feed latency < 1 s).
    if (rng.chance(0.2)) this.use(this.tokens.get(s.access.raw)!, ts + rng.int(100, 900), ip, rng, { user_agent: s.ua });
    if (rng.chance(0.5)) this.use(this.tokens.get(s.access.raw)!, ts + rng.int(5, 60) * 1000, ip, rng, { status: 401, user_agent: s.ua });
    // Next session logs in again.
    const fresh = this.login(rng, u.id, s.appId, s.clientId, ts + 2 * MIN, s.ua, s.sendAs);
    s.refresh = fresh.refresh;
    s.family = fresh.family;
    s.access = undefined;
  }

  private makeMobileUsers(rng: Rng): void {
    for (let i = 0; i < this.size.mobileUsers; i++) {
      const carrier = rng.pick(networksOf('mobile'));
      const id = `mobile-${i}@${carrier.country.toLowerCase()}`;
      const u: WebUser = {
        id, country: carrier.country, home: carrier, homeIp: addressIn(rng, carrier), mobileNet: carrier,
        commercialVpn: false, gapMean: rng.range(10, 60) * 1000, traveller: false,
        web: this.login(rng, id, 'mobile-app', 'ios-android-app', this.start - rng.range(1, 20) * DAY, rng.pick(MOBILE_UA), 'raw'),
      };
      u.phone = u.web;
      this.webUsers.push(u);
    }
  }

  /** CI: GitHub-hosted/self-hosted runners whose egress is whichever cloud region runs the job. */
  private ciRunners(rng: Rng): void {
    const clouds = networksOf('cloud');
    for (let i = 0; i < this.size.ciOrgs; i++) {
      const r = rng.fork(`ci-${i}`);
      const regions = r.shuffle([...clouds]).slice(0, r.int(2, 5));
      const clientCredentials = r.chance(0.5);
      const appId = `ci-org-${i}`;
      const key = this.token(r, 'ak', { type: 'api_key', appId, clientId: `deploy-${i}`, population: 'ci', sendAs: r.chance(0.5) ? 'fp' : 'raw' });
      if (!clientCredentials) {
        this.life({ event: 'issued', ts: this.start - 40 * DAY, token: key.raw, token_type: 'api_key', client_id: key.clientId, app_id: appId, expires_at: null, issued_at: this.start - 40 * DAY });
      }
      const jobsPerDay = r.int(4, 24);
      for (let t = this.start + r.exp(DAY / jobsPerDay); t < this.end; t += r.exp(DAY / jobsPerDay)) {
        const region = r.pick(regions);
        const ip = addressIn(r, region);
        let tok = key;
        if (clientCredentials) {
          tok = this.token(r, 'at', { type: 'access_token', appId, clientId: `deploy-${i}`, population: 'ci', sendAs: key.sendAs });
          this.life({ event: 'issued', ts: t - 500, token: tok.raw, token_type: 'access_token', client_id: tok.clientId, app_id: appId, grant_type: 'client_credentials', issued_at: t - 500, expires_at: t - 500 + HOUR });
        }
        const n = r.int(10, 150);
        const dur = r.range(1, 8) * MIN;
        for (let k = 0; k < n; k++) {
          this.use(tok, t + (k / n) * dur, ip, r, { user_agent: 'GitHub-Actions-Runner/2.317.0 node/20', path: r.pick(['/v1/deployments', '/v1/artifacts', '/v1/releases', '/v1/status']), method: r.chance(0.4) ? 'POST' : 'GET' });
        }
      }
    }
  }

  /** Nightly ETL: a long-lived key, a large export at a fixed hour, sometimes from the failover region. */
  private batchJobs(rng: Rng): void {
    for (let i = 0; i < this.size.batchJobs; i++) {
      const r = rng.fork(`batch-${i}`);
      const [primary, failover] = r.shuffle([...networksOf('cloud')]);
      const key = this.token(r, 'ak', { type: 'api_key', appId: `etl-${i}`, clientId: `etl-${i}`, population: 'batch', sendAs: 'raw' });
      this.life({ event: 'issued', ts: this.start - 90 * DAY, token: key.raw, token_type: 'api_key', client_id: key.clientId, app_id: key.appId, expires_at: null });
      const hour = r.int(0, 5);
      for (let day = this.start - (this.start % DAY); day < this.end; day += DAY) {
        const t0 = day + hour * HOUR + r.range(0, 10) * MIN;
        const net = r.chance(0.2) ? failover! : primary!;
        const ip = addressIn(r, net);
        const n = r.int(800, 3000);
        const dur = r.range(15, 40) * MIN;
        for (let k = 0; k < n; k++) this.use(key, t0 + (k / n) * dur, ip, r, { user_agent: 'python-requests/2.32', path: r.pick(BATCH_PATHS) });
        // An hourly health check from the scheduler host.
        for (let h = 0; h < 24; h++) this.use(key, day + h * HOUR + 30_000, addressIn(r, primary!), r, { user_agent: 'python-requests/2.32', path: '/v1/status' });
      }
    }
  }

  private makePartners(rng: Rng): void {
    for (let i = 0; i < this.size.partners; i++) {
      const net = rng.pick([...networksOf('cloud'), ...networksOf('hosting')]);
      const base = addressIn(rng, net);
      const ips = Array.from({ length: rng.int(1, 6) }, () => neighbour(rng, base));
      const key = this.token(rng, 'ak', { type: 'api_key', appId: `partner-${i}`, clientId: `partner-${i}`, population: 'partner', sendAs: rng.chance(0.5) ? 'fp' : 'raw' });
      this.life({ event: 'issued', ts: this.start - 200 * DAY, token: key.raw, token_type: 'api_key', client_id: key.clientId, app_id: key.appId, expires_at: null });
      this.partnerKeys.push({ key, ips, rate: rng.range(0.3, 3) });
    }
  }

  private partnerTraffic(rng: Rng): void {
    for (const p of this.partnerKeys) {
      const r = rng.fork(p.key.appId);
      const stopAt = (p as { stopAt?: number }).stopAt ?? this.end;
      for (let t = this.start; t < stopAt; ) {
        const hour = new Date(t).getUTCHours();
        const diurnal = 0.4 + 0.6 * Math.max(0, Math.sin(((hour - 6) / 24) * 2 * Math.PI));
        t += r.exp(MIN / (p.rate * diurnal));
        if (t >= stopAt) break; // a revoked partner stops at its revocation; the leak that goes on is the attack's
        this.use(p.key, t, r.pick(p.ips), r, { user_agent: 'partner-sync/3.2 (+https://partner.example)', path: r.pick(READ_PATHS) });
      }
    }
  }

  /** Developers with personal access tokens: home during the day, the odd CI use. */
  private developers(rng: Rng): void {
    for (let i = 0; i < this.size.developers; i++) {
      const r = rng.fork(`dev-${i}`);
      const country = r.pick(HOME_COUNTRIES);
      const home = r.pick(networksOf('residential', country));
      const ip = addressIn(r, home);
      const pat = this.token(r, 'pat', { type: 'personal_access_token', appId: 'dev-portal', clientId: 'cli', userId: `dev-${i}`, population: 'pat', sendAs: 'raw' });
      this.life({ event: 'issued', ts: this.start - 60 * DAY, token: pat.raw, token_type: 'personal_access_token', client_id: 'cli', app_id: 'dev-portal', user_id: pat.userId, expires_at: r.chance(0.5) ? null : this.end + 30 * DAY });
      for (let day = this.start - (this.start % DAY); day < this.end; day += DAY) {
        const from = day + (r.range(9, 18) - (UTC_OFFSET[country] ?? 0)) * HOUR;
        const bursts = r.int(0, 4);
        for (let b = 0; b < bursts; b++) {
          const t0 = from + r.range(0, 5) * HOUR;
          for (let k = 0; k < r.int(3, 30); k++) this.use(pat, t0 + k * r.range(1, 20) * 1000, ip, r, { user_agent: 'curl/8.5.0' });
        }
        if (r.chance(0.3)) {
          const cip = addressIn(r, network('azure-westeurope'));
          for (let k = 0; k < 20; k++) this.use(pat, from + 2 * HOUR + k * 3000, cip, r, { user_agent: 'GitHub-Actions-Runner/2.317.0 node/20' });
        }
      }
    }
  }

  /** Keys used weeks ago and idle since; half wake up in the attack period from their usual network. */
  private dormantKeys(rng: Rng): void {
    for (let i = 0; i < this.size.dormantKeys; i++) {
      const r = rng.fork(`dormant-${i}`);
      const net = r.pick([...networksOf('cloud'), ...networksOf('residential')]);
      const ip = addressIn(r, net);
      const key = this.token(r, 'ak', { type: 'api_key', appId: `quarterly-${i}`, clientId: `quarterly-${i}`, population: 'dormant', sendAs: 'raw' });
      const t0 = this.oldest + r.range(1, 3) * DAY;
      this.life({ event: 'issued', ts: t0 - HOUR, token: key.raw, token_type: 'api_key', client_id: key.clientId, app_id: key.appId, expires_at: null });
      for (let k = 0; k < r.int(30, 200); k++) this.use(key, t0 + k * r.range(5, 60) * 1000, ip, r, { user_agent: 'report-runner/1.0' });
      if (r.chance(0.5)) {
        const t1 = this.warmEnd + r.range(0.1, 0.8) * (this.end - this.warmEnd);
        for (let k = 0; k < r.int(30, 200); k++) this.use(key, t1 + k * r.range(5, 60) * 1000, neighbour(r, ip), r, { user_agent: 'report-runner/1.0' });
      }
    }
  }

  // ---------------------------------------------------------------- attacks

  private attackTime(rng: Rng): number {
    return this.warmEnd + 30 * MIN + rng.next() * (this.end - this.warmEnd - 3 * HOUR);
  }

  /** Each partner key is the victim of one attack at most, so ground truths do not overlap. */
  private partnersTaken = 0;
  private takePartner(): { key: TokenInfo; ips: string[]; rate: number } {
    return this.partnerKeys[this.partnersTaken++]!;
  }

  private victim(rng: Rng, from: number, to: number, want: (u: WebUser) => boolean = () => true): WebUser {
    for (let i = 0; i < 500; i++) {
      const u = rng.pick(this.webUsers);
      if (!u.traveller && !u.id.startsWith('mobile-') && want(u) && !this.reserved.has(u.id)) {
        this.reserve(u.id, from, to);
        return u;
      }
    }
    throw new Error('no victim left');
  }

  private plan(u: WebUser, at: number, run: () => void): void {
    const list = this.plans.get(u.id) ?? [];
    list.push({ at, run });
    list.sort((a, b) => a.at - b.at);
    this.plans.set(u.id, list);
  }

  /** Runs the victim's planned attacks that start before `t`. */
  private runPlans(u: WebUser, t: number): void {
    const list = this.plans.get(u.id);
    while (list && list.length > 0 && list[0]!.at <= t) list.shift()!.run();
  }

  private addAttack(a: Omit<Attack, 'id'>): Attack {
    const full = { id: `${a.kind}-${this.attacks.length}`, ...a, start: Math.floor(a.start), tokens: [...new Set(a.tokens)], users: [...new Set(a.users)], ips: [...new Set(a.ips)] };
    this.attacks.push(full);
    return full;
  }

  private foreignNet(rng: Rng, u: WebUser, kinds: ('residential' | 'hosting' | 'mobile' | 'tor')[]): Network {
    const avoid = new Set([u.country, u.corporateVpn?.country]);
    const options = kinds.flatMap((k) => networksOf(k)).filter((n) => !avoid.has(n.country));
    return rng.pick(options);
  }

  private makeAttacks(rng: Rng): void {
    const n = this.size.attacksPerKind;
    for (let i = 0; i < n; i++) {
      this.newLocation(rng.fork(`nl-${i}`), i);
      this.rateSpike(rng.fork(`rs-${i}`), i);
      this.authFailures(rng.fork(`af-${i}`), i);
      this.revokedUse(rng.fork(`ru-${i}`), i);
      this.impossibleTravel(rng.fork(`it-${i}`), i);
      this.ipFanout(rng.fork(`if-${i}`), i);
      this.refreshReuse(rng.fork(`rr-${i}`), i);
      this.dormantReuse(rng.fork(`dr-${i}`), i);
    }
  }

  /** Stolen session cookie/token (infostealer) replayed from a new country and network. */
  private newLocation(rng: Rng, i: number): void {
    const variant = i % 2 === 0 ? 'home-quiet' : 'home-active';
    const t = this.attackTime(rng);
    const u = this.victim(rng, t - 2 * HOUR, t + 2 * HOUR);
    this.plan(u, t - 2 * HOUR, () => {
      const own = rng.range(4, 8) * MIN;
      // The victim's own short session (home-quiet) or a long one going on during the attack.
      const shared = this.freshAccess(rng, u.web, t, u.homeIp);
      this.session(rng, u.web, t, t + (variant === 'home-quiet' ? own : 55 * MIN), u.gapMean, () => u.homeIp);
      const stolen = shared;
      const net = this.foreignNet(rng, u, ['residential', 'hosting']);
      const ip = addressIn(rng, net);
      const from = t + own + rng.range(2, 10) * MIN;
      const count = rng.int(40, 150);
      const dur = rng.range(15, 40) * MIN;
      for (let k = 0; k < count; k++) {
        this.use(this.tokens.get(stolen)!, from + (k / count) * dur, ip, rng, { user_agent: rng.pick(BROWSER_UA), path: rng.pick([...READ_PATHS, '/v1/export/orders', '/v1/payment-methods']) });
      }
      this.addAttack({ kind: 'new_location', variant: `${variant}/${net.kind}`, start: from, tokens: [stolen], users: [u.id], ips: [ip] });
    });
  }

  /** A burst on a fresh access token of an established user (malware on the device, or a scraper). */
  private rateSpike(rng: Rng, i: number): void {
    const t = this.attackTime(rng);
    if (i % 3 === 2 && this.partnersTaken < this.partnerKeys.length) {
      const p = this.takePartner();
      const rate = Math.max(60, p.rate * 40);
      const dur = rng.range(10, 25) * MIN;
      for (let k = 0; k < rate * (dur / MIN); k++) this.use(p.key, t + (k / rate) * MIN, rng.pick(p.ips), rng, { user_agent: 'partner-sync/3.2 (+https://partner.example)', path: '/v1/search' });
      this.addAttack({ kind: 'rate_spike', variant: 'api-key-40x', start: t, tokens: [p.key.raw], users: [], ips: p.ips });
      return;
    }
    const u = this.victim(rng, t - 2 * HOUR, t + 2 * HOUR);
    this.plan(u, t - 2 * HOUR, () => {
      const sameIp = i % 3 === 0;
      const shared = this.freshAccess(rng, u.web, t, u.homeIp);
      this.session(rng, u.web, t, t + 60 * MIN, u.gapMean, () => u.homeIp);
      const fresh = shared; // issued at t: minutes old
      const ip = sameIp ? u.homeIp : addressIn(rng, rng.pick(networksOf('residential', u.country)));
      const from = t + rng.range(5, 15) * MIN;
      const perMin = rng.int(150, 400);
      const dur = rng.range(5, 15) * MIN;
      for (let k = 0; k < perMin * (dur / MIN); k++) this.use(this.tokens.get(fresh)!, from + (k / perMin) * MIN, ip, rng, { user_agent: u.web.ua, path: '/v1/orders/{id}' });
      this.addAttack({ kind: 'rate_spike', variant: sameIp ? 'fresh-token-same-device' : 'fresh-token-proxy', start: from, tokens: [fresh], users: [u.id], ips: [ip] });
    });
  }

  /** Credential stuffing and probing: many never-seen credentials from one address or one /24. */
  private authFailures(rng: Rng, i: number): void {
    const variant = ['one-ip', 'slash24', 'basic-auth-usernames', 'scope-probe'][i % 4]!;
    const t = this.attackTime(rng);
    const net = rng.pick([...networksOf('hosting'), ...networksOf('vpn')]);
    const base = addressIn(rng, net);
    const ips: string[] = [];
    const tokens: string[] = [];
    const guess = (ip: string, ts: number, userId?: string) => {
      const raw = userId ? `basic:${userId}:${rng.text(10)}` : `at_${rng.text(32)}`;
      // An unknown credential maps to no consumer at the gateway: no app or client on the event.
      const tok = this.token(rng, 'x', { type: userId ? 'api_key' : 'access_token', appId: '', clientId: '', userId, population: 'attack', sendAs: 'raw' });
      this.tokens.delete(tok.raw);
      tok.raw = raw;
      this.tokens.set(raw, tok);
      this.attackOnly.add(raw);
      tokens.push(raw);
      const tries = rng.int(1, 2);
      for (let k = 0; k < tries; k++) this.use(tok, ts + k * rng.range(1, 5) * 1000, ip, rng, { status: 401, user_agent: 'python-httpx/0.27', path: userId ? '/v1/login' : '/v1/me' });
    };
    if (variant === 'one-ip') {
      ips.push(base);
      const n = rng.int(150, 500);
      for (let k = 0; k < n; k++) guess(base, t + k * rng.range(1, 4) * 1000);
    } else if (variant === 'slash24') {
      const hosts = rng.int(20, 50);
      for (let h = 0; h < hosts; h++) {
        const ip = neighbour(rng, base);
        ips.push(ip);
        for (let k = 0; k < rng.int(4, 12); k++) guess(ip, t + rng.range(0, 30) * MIN);
      }
    } else if (variant === 'basic-auth-usernames') {
      ips.push(base);
      const names = ['admin', 'root', 'test', 'user', 'oracle', 'support', 'info', 'guest', 'postgres', 'ubuntu', 'dev', 'api'];
      for (let k = 0; k < rng.int(80, 250); k++) guess(base, t + k * rng.range(2, 6) * 1000, `${rng.pick(names)}${rng.chance(0.5) ? rng.int(1, 99) : ''}`);
    } else {
      const u = this.victim(rng, t - 2 * HOUR, t + 2 * HOUR);
      this.plan(u, t - 2 * HOUR, () => {
        const shared = this.freshAccess(rng, u.web, t, u.homeIp);
        this.session(rng, u.web, t, t + 10 * MIN, u.gapMean, () => u.homeIp);
        const stolen = this.tokens.get(shared)!;
        ips.push(base);
        tokens.push(stolen.raw);
        const from = t + 12 * MIN;
        for (let k = 0; k < rng.int(40, 120); k++) {
          this.use(stolen, from + k * rng.range(2, 6) * 1000, base, rng, { status: 403, path: rng.pick(ADMIN_PATHS), method: rng.pick(['GET', 'DELETE', 'PUT']), user_agent: 'python-httpx/0.27' });
        }
        this.addAttack({ kind: 'auth_failures', variant, start: from, tokens, users: [u.id], ips });
      });
      return;
    }
    this.addAttack({ kind: 'auth_failures', variant, start: t, tokens, users: [], ips: [...ips, slash24(base)] });
  }

  /** A revoked credential still gets 2xx: the gateway does not enforce the revocation. */
  private revokedUse(rng: Rng, i: number): void {
    const t = this.attackTime(rng);
    if (i % 2 === 1 && this.partnersTaken < this.partnerKeys.length) {
      const p = this.takePartner();
      (p as { stopAt?: number }).stopAt = t; // benign traffic generator stops at revocation... then the leak keeps going
      const source = rng.pick(i % 4 < 2 ? ADMIN_SOURCES_DOCUMENTED : ADMIN_SOURCES_OTHER);
      this.life({ event: 'revoked', ts: t, token: p.key.raw, token_type: 'api_key', client_id: p.key.clientId, app_id: p.key.appId, source, reason: 'key rotation after partner offboarding' });
      const from = t + rng.range(2, 20) * MIN;
      for (let k = 0; k < rng.int(30, 120); k++) this.use(p.key, from + k * rng.range(10, 40) * 1000, rng.pick(p.ips), rng, { user_agent: 'partner-sync/3.2 (+https://partner.example)' });
      this.addAttack({ kind: 'revoked_use', variant: `api-key/${source}`, start: from, tokens: [p.key.raw], users: [], ips: p.ips });
      return;
    }
    const u = this.victim(rng, t - 2 * HOUR, t + 3 * HOUR);
    this.plan(u, t - 2 * HOUR, () => {
      const shared = this.freshAccess(rng, u.web, t, u.homeIp);
      this.session(rng, u.web, t, t + 10 * MIN, u.gapMean, () => u.homeIp);
      const access = shared;
      const source = rng.pick(i % 4 < 2 ? ADMIN_SOURCES_DOCUMENTED : ADMIN_SOURCES_OTHER);
      const revokedAt = t + 12 * MIN;
      for (const raw of [access, u.web.refresh]) {
        const tok = this.tokens.get(raw)!;
        this.life({ event: 'revoked', ts: revokedAt, token: raw, token_type: tok.type, client_id: tok.clientId, app_id: tok.appId, user_id: u.id, source, reason: 'suspicious sign-in reported by user' });
      }
        this.relogin(rng, u.web, revokedAt + 3 * HOUR);
      const ip = rng.chance(0.5) ? u.homeIp : addressIn(rng, this.foreignNet(rng, u, ['hosting']));
      const from = revokedAt + rng.range(1, 10) * MIN;
      for (let k = 0; k < rng.int(10, 30); k++) this.use(this.tokens.get(access)!, from + k * rng.range(10, 50) * 1000, ip, rng, { user_agent: u.web.ua });
      this.addAttack({ kind: 'revoked_use', variant: `session/${source}`, start: from, tokens: [access], users: [u.id], ips: [ip] });
    });
  }

  /** The same token from two places too far apart for the time between them. */
  private impossibleTravel(rng: Rng, i: number): void {
    const t = this.attackTime(rng);
    const variant = i % 2 === 0 ? 'same-country-far' : 'cross-continent';
    const u = this.victim(rng, t - 2 * HOUR, t + 2 * HOUR, (v) => variant === 'cross-continent' || v.country === 'US');
    this.plan(u, t - 2 * HOUR, () => {
      const shared = this.freshAccess(rng, u.web, t, u.homeIp);
      this.session(rng, u.web, t, t + 50 * MIN, u.gapMean, () => u.homeIp);
      const stolen = shared;
      let net: Network;
      if (variant === 'same-country-far') {
        // Coast to coast on home broadband: San Jose and New York are 4,100 km apart.
        net = u.home.id === 'comcast-sj' ? network('verizon-fios-ny') : network('comcast-sj');
      } else {
        net = this.foreignNet(rng, u, ['residential', 'mobile']);
      }
      const ip = addressIn(rng, net);
      const from = t + rng.range(5, 25) * MIN;
      for (let k = 0; k < rng.int(10, 40); k++) this.use(this.tokens.get(stolen)!, from + k * rng.range(10, 40) * 1000, ip, rng, { user_agent: rng.pick(BROWSER_UA) });
      this.addAttack({ kind: 'impossible_travel', variant: `${variant}/${net.id}`, start: from, tokens: [stolen], users: [u.id], ips: [ip] });
    });
  }

  /** A leaked key used by many addresses at once (posted publicly; a shared/sold session). */
  private ipFanout(rng: Rng, i: number): void {
    const t = this.attackTime(rng);
    if (i % 2 === 0 && this.partnersTaken < this.partnerKeys.length) {
      const p = this.takePartner();
      const nets = [...networksOf('hosting'), ...networksOf('tor'), ...networksOf('residential')];
      const ips = Array.from({ length: rng.int(25, 70) }, () => addressIn(rng, rng.pick(nets)));
      for (const ip of ips) for (let k = 0; k < rng.int(1, 5); k++) this.use(p.key, t + rng.range(0, 60) * MIN, ip, rng, { user_agent: rng.pick(['curl/8.5.0', 'python-requests/2.31', 'Go-http-client/1.1']) });
      this.addAttack({ kind: 'ip_fanout', variant: 'leaked-api-key', start: t, tokens: [p.key.raw], users: [], ips });
      return;
    }
    const u = this.victim(rng, t - 2 * HOUR, t + 2 * HOUR);
    this.plan(u, t - 2 * HOUR, () => {
      const shared = this.freshAccess(rng, u.web, t, u.homeIp);
      this.session(rng, u.web, t, t + 10 * MIN, u.gapMean, () => u.homeIp);
      const stolen = shared;
      const net = rng.pick(networksOf('residential').filter((n) => n.country !== u.country));
      const ips = Array.from({ length: rng.int(15, 30) }, () => addressIn(rng, net));
      const from = t + 12 * MIN;
      for (const ip of ips) for (let k = 0; k < rng.int(2, 8); k++) this.use(this.tokens.get(stolen)!, from + rng.range(0, 40) * MIN, ip, rng, { user_agent: rng.pick(BROWSER_UA) });
      this.addAttack({ kind: 'ip_fanout', variant: 'shared-session-botnet', start: from, tokens: [stolen], users: [u.id], ips });
    });
  }

  /** A rotated refresh token presented again: the family is compromised. */
  private refreshReuse(rng: Rng, i: number): void {
    const variant = ['attacker-replays-accepted', 'attacker-replays-denied', 'attacker-first-user-second'][i % 3]!;
    const t = this.attackTime(rng);
    const u = this.victim(rng, t - 3 * HOUR, t + 2 * HOUR);
    this.plan(u, t - 3 * HOUR, () => {
      const s = u.web;
      const attackerIp = addressIn(rng, this.foreignNet(rng, u, ['hosting', 'residential']));
      // The victim's session: two refreshes, so an old refresh token exists.
      this.freshAccess(rng, s, t - 2 * HOUR, u.homeIp);
      this.session(rng, s, t - 2 * HOUR, t - 2 * HOUR + 10 * MIN, u.gapMean, () => u.homeIp);
      const stolenOld = s.refresh; // stolen now, before the next rotation
      this.freshAccess(rng, s, t - 30 * MIN, u.homeIp);
      this.session(rng, s, t - 30 * MIN, t - 20 * MIN, u.gapMean, () => u.homeIp);
      const family = [stolenOld, s.refresh];
      if (variant === 'attacker-first-user-second') {
        // The attacker redeems the current refresh token first; the victim's client then presents the rotated one.
        const current = this.tokens.get(s.refresh)!;
        const attacker: Session = { ...s, access: undefined };
        const minted = this.refresh(rng, attacker, t, attackerIp);
        this.attackOnly.add(minted.raw);
        this.attackOnly.add(attacker.refresh);
        for (let k = 0; k < rng.int(10, 40); k++) this.use(minted, t + 60_000 + k * 20_000, attackerIp, rng);
        const reuseAt = t + rng.range(5, 30) * MIN;
        this.use(current, reuseAt, u.homeIp, rng, { method: 'POST', host: AUTH_HOST, path: '/oauth2/token', status: 400, user_agent: s.ua });
        this.relogin(rng, s, reuseAt + MIN);
        this.addAttack({ kind: 'refresh_reuse', variant, start: reuseAt, tokens: [current.raw, minted.raw, attacker.refresh, ...family], users: [u.id], ips: [attackerIp, u.homeIp] });
        return;
      }
      const old = this.tokens.get(stolenOld)!;
      if (variant === 'attacker-replays-accepted') {
        const attacker: Session = { ...s, refresh: stolenOld, access: undefined };
        const minted = this.refresh(rng, attacker, t, attackerIp);
        this.attackOnly.add(minted.raw);
        this.attackOnly.add(attacker.refresh);
        for (let k = 0; k < rng.int(10, 40); k++) this.use(minted, t + 60_000 + k * 20_000, attackerIp, rng);
        this.addAttack({ kind: 'refresh_reuse', variant, start: t, tokens: [stolenOld, minted.raw, attacker.refresh, ...family], users: [u.id], ips: [attackerIp] });
      } else {
        this.use(old, t, attackerIp, rng, { method: 'POST', host: AUTH_HOST, path: '/oauth2/token', status: 400, user_agent: 'python-httpx/0.27' });
        this.addAttack({ kind: 'refresh_reuse', variant, start: t, tokens: family, users: [u.id], ips: [attackerIp] });
      }
    });
  }

  /** A key idle for weeks, suddenly active from a place it never used. */
  private dormantReuse(rng: Rng, i: number): void {
    const pat = i % 2 === 1;
    const net = rng.pick([...networksOf('cloud'), ...networksOf('residential')]);
    const ip = addressIn(rng, net);
    const userId = pat ? `former-dev-${i}` : undefined;
    const key = this.token(rng, pat ? 'pat' : 'ak', { type: pat ? 'personal_access_token' : 'api_key', appId: pat ? 'dev-portal' : `legacy-${i}`, clientId: pat ? 'cli' : `legacy-${i}`, userId, population: 'dormant', sendAs: 'raw' });
    const t0 = this.oldest + rng.range(0.5, 4) * DAY;
    this.life({ event: 'issued', ts: t0 - HOUR, token: key.raw, token_type: key.type, client_id: key.clientId, app_id: key.appId, user_id: userId, expires_at: null });
    for (let k = 0; k < rng.int(40, 200); k++) this.use(key, t0 + k * rng.range(5, 60) * 1000, ip, rng, { user_agent: pat ? 'curl/8.5.0' : 'legacy-sync/0.9' });
    const t = this.attackTime(rng);
    const attacker = rng.pick([...networksOf('hosting'), ...networksOf('vpn'), ...networksOf('tor')].filter((n) => n.country !== net.country));
    const aip = addressIn(rng, attacker);
    for (let k = 0; k < rng.int(10, 60); k++) this.use(key, t + k * rng.range(5, 30) * 1000, aip, rng, { user_agent: 'python-requests/2.31', path: rng.pick([...READ_PATHS, '/v1/export/customers']) });
    this.addAttack({ kind: 'dormant_reuse', variant: `${pat ? 'pat' : 'api-key'}/${attacker.kind}`, start: t, tokens: [key.raw], users: userId ? [userId] : [], ips: [aip] });
  }
}

export const TRAFFIC_MS = { MIN, HOUR, DAY };

/**
 * A second independent traffic generator for the detectors' quality runs (issue 13): a
 * held-out set, written by someone who has read neither the detectors nor the first
 * generator's populations, from descriptions of how real clients and real attackers
 * behave (sources in HOLDOUT.md). Same `Traffic` shape as traffic.ts, so the same harness
 * and scorer run it: `npx tsx bench/quality.ts --traffic b …`.
 *
 * Benign habits it has that a tuned detector may not expect: carrier-grade NAT moving a
 * phone's address every few minutes, dual-stack homes whose IPv4 and IPv6 have different
 * ASNs, IPv6 privacy addresses rotating in a /64, trips by plane (hours of silence, then
 * a new country), commercial VPN exits switching country mid-session, a corporate proxy
 * (Zscaler) in another country and failing over to a third, serverless functions with a
 * fresh address per container in several regions at once, nightly 50× batch bursts,
 * integration platforms polling from a pool of cloud addresses, SDKs that retry a 401
 * before refreshing, browsers backing off exponentially through an API outage.
 *
 * Times are epoch milliseconds; tokens are raw strings (`sendAs: 'fp'` ones are named by
 * fingerprint on the wire).
 */
import { addressIn, network, slash64In, UTC_OFFSET, type Network } from './ippool.js';
import { Rng } from './rng.js';
import type { Attack, AttackKind, LifecycleEvent, TokenInfo, TokenType, Traffic, UsageEvent } from './traffic.js';

const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

export interface TrafficSizeB {
  days: number;
  attackHours: number;
  mobileUsers: number;
  multiDeviceUsers: number;
  travellers: number;
  vpnWorkers: number;
  proxyWorkers: number;
  serverless: number;
  cronJobs: number;
  integrations: number;
  dormantKeys: number;
  attacksPerKind: number;
}

export const SIZES_B: Record<'test' | 'medium', TrafficSizeB> = {
  test: {
    days: 2, attackHours: 5, mobileUsers: 34, multiDeviceUsers: 45, travellers: 8, vpnWorkers: 12, proxyWorkers: 20,
    serverless: 6, cronJobs: 3, integrations: 9, dormantKeys: 8, attacksPerKind: 4,
  },
  medium: {
    days: 4, attackHours: 16, mobileUsers: 140, multiDeviceUsers: 180, travellers: 30, vpnWorkers: 45, proxyWorkers: 80,
    serverless: 12, cronJobs: 6, integrations: 20, dormantKeys: 24, attacksPerKind: 10,
  },
};

const API = 'api.example.com';
const AUTH = 'auth.example.com';
const APP_PATHS = ['/v1/me', '/v1/orders', '/v1/orders/{id}', '/v1/invoices', '/v1/catalog', '/v1/notifications', '/v1/search', '/v1/cart'];
const EXPORT_PATHS = ['/v1/export/orders', '/v1/export/customers', '/v1/reports/daily', '/v1/invoices?page={n}'];
const BROWSER_UA = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0',
];
const APP_UA = ['Shop/7.3.1 (iPhone15,2; iOS 18.1) CFNetwork/1568', 'Shop/7.3.0 (Android 15; SM-S921B) okhttp/4.12.0', 'Shop/7.2.9 (Android 14; Pixel 7a) okhttp/4.12.0'];
const SERVER_UA = ['aws-lambda-nodejs/20 undici', 'python-requests/2.32.3', 'Go-http-client/2.0', 'Zapier', 'curl/8.5.0'];
const LOGOUT_SOURCES = ['user', 'logout', 'end_session', 'auth0.slo', 'user_initiated', 'subscriber'];

/** Where interactive users live: home broadband (IPv4 or IPv6) and their carrier. */
const HOMES: Record<string, { res: string[]; mob: string[]; proxy: string[]; vpn: string[] }> = {
  US: { res: ['comcast-sj', 'comcast-v6', 'cox-us', 'charter-us', 'att-us', 'verizon-fios-ny', 'comcast-atl'], mob: ['tmobile-us', 'tmobile-us-v6', 'verizon-wireless-us'], proxy: ['zscaler-chi', 'zscaler-nyc'], vpn: ['datacamp-us', 'm247-us-la', 'm247-ca'] },
  DE: { res: ['telekom-de', 'telekom-de-v6', 'vodafone-cable-de-v6'], mob: ['vodafone-de'], proxy: ['zscaler-fra', 'zscaler-ams'], vpn: ['m247-de', 'm247-nl', 'm247-ch', 'mullvad-se', 'm247-dk'] },
  GB: { res: ['bt-gb', 'virgin-gb', 'talktalk-gb'], mob: ['three-gb'], proxy: ['zscaler-lon', 'zscaler-ams'], vpn: ['m247-nl', 'm247-fr', 'mullvad-nl-2', 'm247-dk'] },
  FR: { res: ['orange-fr', 'orange-fr-v6'], mob: ['free-mobile-fr'], proxy: ['zscaler-fra', 'zscaler-lon'], vpn: ['m247-fr', 'm247-ch', 'm247-de', 'proton-ch'] },
  NL: { res: ['kpn-nl'], mob: ['vodafone-nl'], proxy: ['zscaler-ams', 'zscaler-fra'], vpn: ['mullvad-nl-2', 'm247-nl', 'm247-de', 'mullvad-se-malmo'] },
  PL: { res: ['orange-pl'], mob: ['orange-pl-mobile'], proxy: ['zscaler-fra', 'zscaler-ams'], vpn: ['m247-de', 'mullvad-se', 'm247-dk'] },
  AT: { res: ['a1-at'], mob: ['tmobile-at'], proxy: ['zscaler-fra', 'zscaler-ams'], vpn: ['m247-ch', 'm247-de', 'mullvad-se-malmo'] },
};
const COUNTRIES = Object.keys(HOMES);
const EU = ['DE', 'FR', 'NL', 'PL', 'AT', 'GB'];
/** Neighbours reachable by land or a short hop (impossible travel at minutes apart). */
const NEIGHBOUR: Record<string, string[]> = { DE: ['PL', 'NL', 'AT', 'FR'], FR: ['DE', 'GB'], NL: ['DE'], PL: ['DE'], AT: ['DE'], GB: ['FR', 'NL'] };
/** Trips with a plausible door-to-door silence (flight plus airports), hours. */
const TRIPS: [string, string, number][] = [
  ['US', 'GB', 10], ['GB', 'US', 11], ['DE', 'ES', 5], ['FR', 'US', 12], ['NL', 'US', 12], ['PL', 'GB', 5], ['US', 'JP', 15], ['AT', 'GB', 5], ['GB', 'ES', 5],
];
/** Where a traveller sleeps: the destination's broadband (hotel Wi-Fi) and carrier (local breakout). */
const DEST: Record<string, { res: string[]; mob: string[] }> = {
  GB: { res: ['bt-gb', 'virgin-gb'], mob: ['three-gb'] },
  US: { res: ['verizon-fios-ny', 'charter-us'], mob: ['tmobile-us'] },
  ES: { res: ['movistar-es'], mob: ['vodafone-es'] },
  JP: { res: ['ntt-jp'], mob: ['softbank-jp'] },
};
const HOSTING = ['do-fra', 'do-nj', 'ovh-fr', 'hetzner-fi', 'hetzner-de', 'vultr-us', 'edgecenter-ru', 'clouvider-nl'];
const REGIONS = ['aws-us-east-1', 'aws-us-east-1-iad', 'aws-us-west-2', 'aws-eu-west-1', 'aws-eu-central-1', 'aws-ap-southeast-1', 'aws-sa-east-1', 'gcp-us-central1', 'gcp-europe-west4', 'gcp-asia-northeast1', 'gcp-us-west'];
const FAR_RESIDENTIAL = ['vnpt-vn', 'chinatelecom-cn', 'tim-br', 'jio-in', 'airtel-in', 'softbank-jp'];

interface Chain { access: string; issued: number; exp: number; refresh: string }

/** One client of an interactive user: a browser on a laptop or the mobile app. */
interface Device {
  kind: 'laptop' | 'phone';
  user: string;
  appId: string;
  clientId: string;
  ua: string;
  sendAs: 'raw' | 'fp';
  population: string;
  rng: Rng;
  refresh?: string;
  access?: string;
  accessExp: number;
  /** Refresh tokens this device rotated away, with when. */
  rotated: { old: string; at: number }[];
  /** Access tokens issued by a forced refresh (a victim's session), by label. */
  forced: Map<string, Chain>;
  /** Every refresh token of the device's current family (ground truth of refresh reuse). */
  family: string[];
}

interface Session {
  start: number;
  dur: number;
  gap: number;
  ip: (t: number) => string;
  forced?: string;
}

/** An address that changes after a random holding time: carrier-grade NAT, IPv6 privacy addresses. */
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

/** A home line: fixed IPv4 (DHCP lease for days) or a fixed /64 with rotating temporary addresses. */
function homeLine(rng: Rng, netId: string): (t: number) => string {
  const net = network(netId);
  if (net.prefix.includes(':')) {
    const p64 = slash64In(rng, net);
    const m = new Moving(rng, () => `${p64}:${rng.hex(4)}:${rng.hex(4)}:${rng.hex(4)}:${rng.hex(3)}1`, [60, 24 * 60]);
    return (t) => m.at(t);
  }
  const ip = addressIn(rng, net);
  return () => ip;
}

function carrier(rng: Rng, netId: string): (t: number) => string {
  const net = network(netId);
  const m = net.prefix.includes(':') ? new Moving(rng, () => addressIn(rng, net), [20, 120]) : new Moving(rng, () => addressIn(rng, net), [2, 12]);
  return (t) => m.at(t);
}

class GenB {
  readonly usage: UsageEvent[] = [];
  readonly lifecycle: LifecycleEvent[] = [];
  readonly tokens = new Map<string, TokenInfo>();
  readonly attacks: Attack[] = [];
  readonly attackOnly = new Set<string>();
  readonly outages: [number, number][] = [];
  private n = 0;
  readonly start: number;
  readonly warmEnd: number;
  readonly oldest: number;

  constructor(readonly seed: number, readonly size: TrafficSizeB, readonly end: number, readonly rng: Rng) {
    this.start = end - size.days * DAY;
    this.warmEnd = end - size.attackHours * HOUR;
    this.oldest = end - 26 * DAY;
    // One short API outage a day (a bad deploy): 503s, clients back off and retry.
    const o = rng.fork('outages');
    for (let d = 0; d < size.days; d++) {
      const at = this.start + d * DAY + o.range(1, 22) * HOUR;
      this.outages.push([at, at + o.range(3, 9) * MIN]);
    }
  }

  token(rng: Rng, info: Omit<TokenInfo, 'raw'>, prefix: string): string {
    const raw = `${prefix}_${rng.text(36)}`;
    this.tokens.set(raw, { raw, ...info });
    return raw;
  }

  use(token: string, ts: number, ip: string, o: { ua: string; path?: string; method?: string; status?: number; host?: string; bytes?: number; rng?: Rng }): void {
    if (ts >= this.end || ts < this.oldest) return;
    const info = this.tokens.get(token)!;
    const r = o.rng ?? this.rng;
    const path = (o.path ?? r.pick(APP_PATHS)).replace('{id}', String(r.int(1000, 99999))).replace('{n}', String(r.int(1, 400)));
    this.usage.push({
      event_id: `b${this.seed}-${++this.n}`, ts: Math.round(ts), token, token_type: info.type,
      app_id: info.appId || undefined, client_id: info.clientId || undefined, user_id: info.userId,
      ip, user_agent: o.ua, method: o.method ?? 'GET', host: o.host ?? API, path, status: o.status ?? 200,
      latency_ms: Math.round(20 + r.exp(60)), bytes: o.bytes ?? Math.round(300 + r.exp(4000)), gateway: 'edge-b',
    });
  }

  /** One API call that may meet an outage: 503, then retries after 1, 2, 4, 8, 16 s (exponential backoff). */
  call(token: string, ts: number, ip: string, o: { ua: string; path?: string; method?: string; rng: Rng }): number {
    let t = ts;
    for (let attempt = 0; attempt < 6; attempt++) {
      const down = this.outages.some(([a, b]) => t >= a && t < b) && o.rng.chance(0.8);
      if (!down || attempt === 5) {
        this.use(token, t, ip, { ...o, status: down ? 503 : 200 });
        return t;
      }
      this.use(token, t, ip, { ...o, status: 503, bytes: 120 });
      t += (2 ** attempt) * SEC + o.rng.range(0, 400);
    }
    return t;
  }

  life(e: LifecycleEvent): void {
    if (e.ts >= this.end) return;
    this.lifecycle.push({ ...e, ts: Math.round(e.ts) });
  }

  device(rng: Rng, kind: Device['kind'], user: string, population: string): Device {
    return {
      kind, user, population, rng, appId: kind === 'laptop' ? 'shop-web' : 'shop-mobile', clientId: kind === 'laptop' ? 'shop-web-spa' : 'shop-ios-android',
      ua: rng.pick(kind === 'laptop' ? BROWSER_UA : APP_UA), sendAs: rng.chance(0.6) ? 'raw' : 'fp',
      accessExp: 0, rotated: [], forced: new Map(), family: [],
    };
  }

  private newAccess(d: Device, t: number, grant: string): void {
    d.access = this.token(d.rng, { type: 'access_token', appId: d.appId, clientId: d.clientId, userId: d.user, population: d.population, sendAs: d.sendAs }, 'at');
    d.accessExp = t + HOUR;
    this.life({ event: 'issued', ts: t, token: d.access, token_type: 'access_token', client_id: d.clientId, app_id: d.appId, user_id: d.user, grant_type: grant, scopes: ['orders:read', 'orders:write'], issued_at: t, expires_at: t + HOUR });
  }

  login(d: Device, t: number): void {
    d.refresh = this.token(d.rng, { type: 'refresh_token', appId: d.appId, clientId: d.clientId, userId: d.user, population: d.population, sendAs: d.sendAs }, 'rt');
    d.family = [d.refresh];
    this.life({ event: 'issued', ts: t, token: d.refresh, token_type: 'refresh_token', client_id: d.clientId, app_id: d.appId, user_id: d.user, grant_type: 'authorization_code', scopes: ['openid', 'offline_access', 'orders:read', 'orders:write'], issued_at: t, expires_at: t + 60 * DAY });
    this.newAccess(d, t + 30, 'authorization_code');
  }

  /** Rotating refresh: the gateway in front of the IdP sees the redemption; the IdP reports the rotation. */
  refresh(d: Device, t: number, ip: string): void {
    const old = d.refresh!;
    this.use(old, t, ip, { ua: d.ua, method: 'POST', host: AUTH, path: '/oauth/token', rng: d.rng, bytes: 1800 });
    d.refresh = this.token(d.rng, { type: 'refresh_token', appId: d.appId, clientId: d.clientId, userId: d.user, population: d.population, sendAs: d.sendAs }, 'rt');
    d.family.push(d.refresh);
    this.life({ event: 'refreshed', ts: t + 40, token: d.refresh, token_type: 'refresh_token', client_id: d.clientId, app_id: d.appId, user_id: d.user, rotated_from: old, grant_type: 'refresh_token', issued_at: t + 40, expires_at: t + 60 * DAY });
    d.rotated.push({ old, at: t + 40 });
    this.newAccess(d, t + 50, 'refresh_token');
    // Two requests racing to refresh (a known mobile/SPA habit): the IdP's grace period answers the second.
    if (d.rng.chance(0.03)) this.use(old, t + d.rng.range(150, 1500), ip, { ua: d.ua, method: 'POST', host: AUTH, path: '/oauth/token', rng: d.rng, bytes: 1800 });
  }

  /** A usable access token at `t`; returns the time after any refresh round trip. */
  ensureAccess(d: Device, t: number, ip: string, force = false): number {
    if (!d.refresh) {
      this.login(d, t);
      return t + 2 * SEC;
    }
    if (!force && d.access && d.accessExp - t > 30 * SEC) return t;
    if (!force && d.kind === 'phone' && d.access && d.accessExp <= t) {
      // The SDK retries the call on 401 once or twice before it refreshes.
      const tries = d.rng.int(1, 3);
      for (let i = 0; i < tries; i++) {
        this.use(d.access, t, ip, { ua: d.ua, status: 401, bytes: 90, rng: d.rng });
        t += 400 * 2 ** i;
      }
    }
    this.refresh(d, t, ip);
    return t + SEC;
  }

  signOut(d: Device, t: number): void {
    const source = d.rng.pick(LOGOUT_SOURCES);
    if (d.access && d.accessExp > t) this.life({ event: 'revoked', ts: t, token: d.access, token_type: 'access_token', client_id: d.clientId, app_id: d.appId, user_id: d.user, source, reason: 'sign-out' });
    this.life({ event: 'revoked', ts: t + 10, token: d.refresh!, token_type: 'refresh_token', client_id: d.clientId, app_id: d.appId, user_id: d.user, source, reason: 'sign-out' });
    d.refresh = undefined;
    d.access = undefined;
    d.accessExp = 0;
  }

  /** Runs a device's sessions in time order (refresh chains stay chronological). */
  run(d: Device, sessions: Session[], opts: { until?: number; silent?: [number, number]; signOutP?: number } = {}): void {
    sessions.sort((a, b) => a.start - b.start);
    const forcedStarts = sessions.filter((s) => s.forced).map((s) => s.start);
    let busyUntil = -Infinity;
    for (const s of sessions) {
      if (s.start < busyUntil && !s.forced) continue;
      if (opts.until !== undefined && s.start >= opts.until) continue;
      if (opts.silent && s.start + s.dur > opts.silent[0] && s.start < opts.silent[1]) continue;
      let t = Math.max(s.start, busyUntil + SEC);
      // A victim's planned session (the attack's moment) cuts short whatever runs into it.
      const nextForced = s.forced ? Infinity : Math.min(Infinity, ...forcedStarts.filter((f) => f > s.start));
      const stop = Math.min(s.start + s.dur, opts.until ?? Infinity, this.end, nextForced - SEC);
      if (s.forced) {
        t = this.ensureAccess(d, t, s.ip(t), !!d.refresh);
        d.forced.set(s.forced, { access: d.access!, issued: t, exp: d.accessExp, refresh: d.refresh! });
      }
      while (t < stop) {
        const ip = s.ip(t);
        t = this.ensureAccess(d, t, ip);
        t = this.call(d.access!, t, ip, { ua: d.ua, rng: d.rng, method: d.rng.chance(0.15) ? 'POST' : 'GET' });
        t += SEC + d.rng.exp(s.gap);
      }
      busyUntil = t;
      if (d.kind === 'laptop' && !s.forced && d.rng.chance(opts.signOutP ?? 0.03)) this.signOut(d, t + 5 * SEC);
    }
  }

  /** Session starts in local waking hours, per day. */
  sessionTimes(rng: Rng, country: string, perDay: [number, number]): number[] {
    const off = UTC_OFFSET[country] ?? 0;
    const out: number[] = [];
    for (let day = this.start - (this.start % DAY); day < this.end; day += DAY) {
      const n = rng.int(perDay[0], perDay[1]);
      for (let i = 0; i < n; i++) {
        const localH = rng.chance(0.7) ? rng.range(7, 19) : rng.range(19, 24);
        const t = day + (localH - off) * HOUR;
        if (t >= this.start && t < this.end) out.push(t);
      }
    }
    return out;
  }

  attack(kind: AttackKind, i: number, variant: string, start: number, tokens: string[], users: string[], ips: string[]): void {
    this.attacks.push({ id: `${kind}-${i}`, kind, variant, start: Math.round(start), tokens: [...new Set(tokens)], users: [...new Set(users)], ips: [...new Set(ips)] });
  }
}

/** A time inside the attack period leaving `need` before the end. */
function attackTime(g: GenB, rng: Rng, need: number): number {
  const lo = g.warmEnd + 10 * MIN;
  const hi = Math.max(lo + MIN, g.end - need);
  return rng.range(lo, hi);
}

export function generateTrafficB(seed: number, size: TrafficSizeB, end: number): Traffic {
  const root = new Rng(`b-${seed}`);
  const g = new GenB(seed, size, end, root.fork('gen'));
  const K = size.attacksPerKind;
  const vr = root.fork('victims');
  const at = (kind: AttackKind, i: number) => root.fork(`${kind}-${i}`);

  // Victim plans: which population member each attack uses, fixed before benign generation.
  type Plan = { kind: AttackKind; i: number; when: number; rng: Rng };
  const plans = (kind: AttackKind, need: number): Plan[] => Array.from({ length: K }, (_, i) => {
    const rng = at(kind, i);
    return { kind, i, when: attackTime(g, rng, need), rng };
  });

  // ---------------- mobile-only users (CGNAT) ----------------
  const mobiles: { d: Device; country: string; net: string; cgnat: (t: number) => string }[] = [];
  for (let u = 0; u < size.mobileUsers; u++) {
    const rng = root.fork(`mobile-${u}`);
    const country = rng.pick(COUNTRIES);
    const netId = rng.pick(HOMES[country]!.mob);
    const d = g.device(rng, 'phone', `m-${country.toLowerCase()}-${u}`, 'mobile');
    const cg = carrier(rng, netId);
    mobiles.push({ d, country, net: netId, cgnat: cg });
  }

  // ---------------- multi-device users: laptop at home + phone on the carrier, same city ----------------
  interface Person { user: string; country: string; laptop: Device; phone: Device; home: (t: number) => string; homeNet: string; homeAlt?: (t: number) => string; mobile: (t: number) => string; mobNet: string }
  const people: Person[] = [];
  for (let u = 0; u < size.multiDeviceUsers; u++) {
    const rng = root.fork(`person-${u}`);
    const country = rng.pick(COUNTRIES);
    const user = `u-${country.toLowerCase()}-${u}`;
    const homeNet = rng.pick(HOMES[country]!.res);
    const mobNet = rng.pick(HOMES[country]!.mob);
    const p: Person = {
      user, country, homeNet, mobNet, laptop: g.device(rng.fork('laptop'), 'laptop', user, 'multi-device'), phone: g.device(rng.fork('phone'), 'phone', user, 'multi-device'),
      home: homeLine(rng, homeNet), mobile: carrier(rng, mobNet),
    };
    // Dual-stack Orange FR homes: happy eyeballs picks IPv4 (AS3215) or IPv6 (AS5511) per connection.
    if (country === 'FR') p.homeAlt = homeLine(rng, homeNet === 'orange-fr' ? 'orange-fr-v6' : 'orange-fr');
    people.push(p);
  }

  // ---------------- attack plans on interactive users ----------------
  const nlPlans = plans('new_location', 70 * MIN);
  const rsPlans = plans('rate_spike', 3 * HOUR);
  const afPlans = plans('auth_failures', 4 * HOUR);
  const ruPlans = plans('revoked_use', 70 * MIN);
  const itPlans = plans('impossible_travel', 70 * MIN);
  const ifPlans = plans('ip_fanout', 70 * MIN);
  const rrPlans = plans('refresh_reuse', 90 * MIN);
  const drPlans = plans('dormant_reuse', 70 * MIN);

  const used = new Set<string>();
  const pickPerson = (pred: (p: Person) => boolean): Person => {
    const pool = people.filter((p) => !used.has(p.user) && pred(p));
    const p = pool.length ? vr.pick(pool) : vr.pick(people.filter((q) => !used.has(q.user)));
    used.add(p.user);
    return p;
  };
  const pickMobile = (pred: (m: (typeof mobiles)[number]) => boolean) => {
    const pool = mobiles.filter((m) => !used.has(m.d.user) && pred(m));
    const m = pool.length ? vr.pick(pool) : vr.pick(mobiles.filter((q) => !used.has(q.d.user)));
    used.add(m.d.user);
    return m;
  };
  const isV4 = (netId: string) => !network(netId).prefix.includes(':');

  // Forced sessions (the victim's fresh access token at the attack time), by user.
  const forcedLaptop = new Map<string, Session[]>();
  const forcedPhone = new Map<string, Session[]>();
  const untilOf = new Map<string, number>();
  const force = (m: Map<string, Session[]>, user: string, s: Session) => m.set(user, [...(m.get(user) ?? []), s]);

  // new_location victims
  const nlVictims = nlPlans.map((pl) => {
    const v = pl.i % 4;
    if (v === 2) {
      const m = pickMobile((x) => x.country !== 'AT');
      force(forcedPhone, m.d.user, { start: pl.when - 4 * MIN, dur: 6 * MIN, gap: 15 * SEC, ip: m.cgnat, forced: 'nl' });
      return { pl, phone: m.d, country: m.country };
    }
    const p = pickPerson((x) => (v === 0 ? x.country === 'US' : v === 1 ? EU.includes(x.country) && !!NEIGHBOUR[x.country] : true));
    const dur = pl.rng.chance(0.5) ? pl.rng.range(4, 8) * MIN : 70 * MIN; // home quiet or still active
    force(forcedLaptop, p.user, { start: pl.when - 5 * MIN, dur, gap: 40 * SEC, ip: p.home, forced: 'nl' });
    return { pl, person: p };
  });
  // rate_spike victims: 0 same-city scraping (laptop), 3 mobile same carrier; 1 and 2 use keys (below)
  const rsVictims = rsPlans.map((pl) => {
    const v = pl.i % 4;
    if (v === 0) {
      const p = pickPerson((x) => isV4(x.homeNet));
      force(forcedLaptop, p.user, { start: pl.when - 3 * MIN, dur: 8 * MIN, gap: 30 * SEC, ip: p.home, forced: 'rs' });
      return { pl, person: p };
    }
    if (v === 3) {
      const m = pickMobile(() => true);
      force(forcedPhone, m.d.user, { start: pl.when - 2 * MIN, dur: 4 * MIN, gap: 10 * SEC, ip: m.cgnat, forced: 'rs' });
      return { pl, mobile: m };
    }
    return { pl };
  });
  // auth_failures 3: object enumeration with a stolen token
  const afVictims = afPlans.map((pl) => {
    if (pl.i % 4 !== 3) return { pl };
    const p = pickPerson(() => true);
    force(forcedLaptop, p.user, { start: pl.when - 6 * MIN, dur: 10 * MIN, gap: 30 * SEC, ip: p.home, forced: 'af' });
    return { pl, person: p };
  });
  // revoked_use 1: SCIM deprovisioning of a laptop session; 3: sign-out on the phone while a copy is replayed
  const ruVictims = ruPlans.map((pl) => {
    const v = pl.i % 4;
    if (v === 1) {
      const p = pickPerson(() => true);
      force(forcedLaptop, p.user, { start: pl.when - 12 * MIN, dur: 70 * MIN, gap: 30 * SEC, ip: p.home, forced: 'ru' });
      untilOf.set(p.laptop.user + '/laptop', pl.when + 75 * MIN);
      return { pl, person: p };
    }
    if (v === 3) {
      const m = pickMobile(() => true);
      force(forcedPhone, m.d.user, { start: pl.when - 10 * MIN, dur: 6 * MIN, gap: 12 * SEC, ip: m.cgnat, forced: 'ru' });
      untilOf.set(m.d.user + '/phone', pl.when - 3 * MIN);
      return { pl, mobile: m };
    }
    return { pl };
  });
  // impossible_travel: 0 EU neighbour, 1 US west vs east, 2 IPv6 DE home vs FR/ES, 3 mobile vs another continent
  const itVictims = itPlans.map((pl) => {
    const v = pl.i % 4;
    if (v === 3) {
      const m = pickMobile(() => true);
      force(forcedPhone, m.d.user, { start: pl.when - 5 * MIN, dur: 45 * MIN, gap: 20 * SEC, ip: m.cgnat, forced: 'it' });
      return { pl, phone: m.d, mobile: m };
    }
    const p = pickPerson((x) => v === 0 ? !!NEIGHBOUR[x.country] && isV4(x.homeNet) : v === 1 ? ['comcast-sj', 'comcast-v6', 'cox-us'].includes(x.homeNet) : ['telekom-de-v6', 'vodafone-cable-de-v6'].includes(x.homeNet));
    force(forcedLaptop, p.user, { start: pl.when - 5 * MIN, dur: 60 * MIN, gap: 30 * SEC, ip: p.home, forced: 'it' });
    return { pl, person: p };
  });
  // ip_fanout 1: a session sold to buyers; 3: a mobile token through residential proxies
  const ifVictims = ifPlans.map((pl) => {
    const v = pl.i % 4;
    if (v === 1) {
      const p = pickPerson(() => true);
      force(forcedLaptop, p.user, { start: pl.when - 3 * MIN, dur: 5 * MIN, gap: 40 * SEC, ip: p.home, forced: 'if' });
      return { pl, person: p };
    }
    if (v === 3) {
      const m = pickMobile((x) => ['US', 'DE', 'GB', 'FR'].includes(x.country));
      force(forcedPhone, m.d.user, { start: pl.when - 3 * MIN, dur: 4 * MIN, gap: 10 * SEC, ip: m.cgnat, forced: 'if' });
      return { pl, mobile: m };
    }
    return { pl };
  });
  // refresh_reuse: all on people; 2 stops the victim's phone before the attack (the thief rotates first)
  const rrVictims = rrPlans.map((pl) => {
    const p = pickPerson(() => true);
    if (pl.i % 4 === 2) untilOf.set(p.phone.user + '/phone', pl.when - 2 * MIN);
    return { pl, person: p };
  });

  // ---------------- travellers: a trip by plane, silence, then a new country ----------------
  const travellers: Person[] = [];
  for (let u = 0; u < size.travellers; u++) {
    const rng = root.fork(`traveller-${u}`);
    const [from, to, hours] = rng.pick(TRIPS);
    const user = `t-${from.toLowerCase()}-${u}`;
    const homeNet = rng.pick(HOMES[from]!.res);
    const mobNet = rng.pick(HOMES[from]!.mob);
    const p: Person = { user, country: from, homeNet, mobNet, laptop: g.device(rng.fork('laptop'), 'laptop', user, 'traveller'), phone: g.device(rng.fork('phone'), 'phone', user, 'traveller'), home: homeLine(rng, homeNet), mobile: carrier(rng, mobNet) };
    travellers.push(p);
    const depart = g.start + rng.range(4, size.days * 24 - hours - 3) * HOUR;
    const arrive = depart + hours * HOUR;
    const hotel = addressIn(rng, network(rng.pick(DEST[to]!.res)));
    const localBreakout = rng.chance(0.4); // else home-routed roaming: the home carrier's addresses
    const roam = localBreakout ? carrier(rng, rng.pick(DEST[to]!.mob)) : p.mobile;
    const laptopIp = (t: number) => (t < depart ? p.home(t) : hotel);
    const phoneIp = (t: number) => (t < depart ? p.mobile(t) : roam(t));
    const lt = g.sessionTimes(rng, from, [1, 3]).map((s) => ({ start: s, dur: rng.range(20, 120) * MIN, gap: 45 * SEC, ip: laptopIp }));
    const ph = g.sessionTimes(rng, from, [5, 12]).map((s) => ({ start: s, dur: rng.range(1, 4) * MIN, gap: 12 * SEC, ip: phoneIp }));
    // At the airport just before boarding, and on landing.
    ph.push({ start: depart - 50 * MIN, dur: 3 * MIN, gap: 10 * SEC, ip: phoneIp }, { start: arrive + 10 * MIN, dur: 4 * MIN, gap: 10 * SEC, ip: phoneIp });
    g.run(p.laptop, lt, { silent: [depart - 2 * HOUR, arrive + 30 * MIN] });
    g.run(p.phone, ph, { silent: [depart - 40 * MIN, arrive + 5 * MIN] });
  }

  // ---------------- run people and mobiles ----------------
  for (const p of people) {
    const rng = p.laptop.rng;
    const laptopIp = p.homeAlt ? (t: number) => (rng.chance(0.5) ? p.home(t) : p.homeAlt!(t)) : p.home;
    const lt: Session[] = g.sessionTimes(rng, p.country, [1, 3]).map((s) => ({ start: s, dur: rng.range(15, 120) * MIN, gap: rng.range(30, 100) * SEC, ip: laptopIp }));
    lt.push(...(forcedLaptop.get(p.user) ?? []));
    g.run(p.laptop, lt, { until: untilOf.get(p.user + '/laptop') });
    const pr = p.phone.rng;
    // The phone: on the carrier, or on the home Wi-Fi (the laptop's address) a third of the time.
    const ph: Session[] = g.sessionTimes(pr, p.country, [4, 10]).map((s) => ({ start: s, dur: pr.range(1, 5) * MIN, gap: pr.range(6, 20) * SEC, ip: pr.chance(0.33) ? p.home : p.mobile }));
    ph.push(...(forcedPhone.get(p.user) ?? []));
    g.run(p.phone, ph, { until: untilOf.get(p.user + '/phone') });
  }
  for (const m of mobiles) {
    const rng = m.d.rng;
    const ph: Session[] = g.sessionTimes(rng, m.country, [6, 16]).map((s) => ({ start: s, dur: rng.range(1, 4) * MIN, gap: rng.range(5, 20) * SEC, ip: m.cgnat }));
    ph.push(...(forcedPhone.get(m.d.user) ?? []));
    g.run(m.d, ph, { until: untilOf.get(m.d.user + '/phone') });
  }

  // ---------------- remote workers on a commercial VPN ----------------
  for (let u = 0; u < size.vpnWorkers; u++) {
    const rng = root.fork(`vpn-${u}`);
    const country = rng.pick(COUNTRIES);
    const user = `v-${country.toLowerCase()}-${u}`;
    const d = g.device(rng, 'laptop', user, 'vpn-commercial');
    const home = homeLine(rng, rng.pick(HOMES[country]!.res));
    const exits = HOMES[country]!.vpn;
    const sessions: Session[] = g.sessionTimes(rng, country, [2, 4]).map((s) => {
      const dur = rng.range(30, 180) * MIN;
      if (rng.chance(0.15)) return { start: s, dur, gap: 40 * SEC, ip: home }; // forgot to connect
      const first = network(rng.pick(exits));
      const second = network(rng.pick(exits));
      const switchAt = rng.chance(0.2) ? s + rng.range(0.2, 0.8) * dur : Infinity; // reconnect to another country mid-session
      const a = addressIn(rng, first);
      const b = addressIn(rng, second);
      return { start: s, dur, gap: rng.range(30, 90) * SEC, ip: (t: number) => (t < switchAt ? a : b) };
    });
    g.run(d, sessions);
  }

  // ---------------- employees behind a corporate cloud proxy (Zscaler-like) ----------------
  for (let u = 0; u < size.proxyWorkers; u++) {
    const rng = root.fork(`proxy-${u}`);
    const country = rng.pick(COUNTRIES);
    const user = `z-${country.toLowerCase()}-${u}`;
    const [primary, secondary] = HOMES[country]!.proxy.map(network) as [Network, Network];
    const d = g.device(rng, 'laptop', user, 'proxy');
    // Each request leaves from any address of the node; 10 % of sessions fail over to the secondary node mid-way.
    const sessions: Session[] = g.sessionTimes(rng, country, [1, 3]).map((s) => {
      const dur = rng.range(60, 240) * MIN;
      const fail = rng.chance(0.1) ? s + rng.range(0.2, 0.8) * dur : Infinity;
      return { start: s, dur, gap: rng.range(40, 110) * SEC, ip: (t: number) => addressIn(rng, t < fail ? primary : secondary) };
    });
    g.run(d, sessions);
    if (rng.chance(0.5)) {
      const phone = g.device(rng.fork('phone'), 'phone', user, 'proxy');
      const cg = carrier(rng, rng.pick(HOMES[country]!.mob));
      g.run(phone, g.sessionTimes(rng, country, [3, 8]).map((s) => ({ start: s, dur: rng.range(1, 3) * MIN, gap: 12 * SEC, ip: cg })));
    }
  }

  // ---------------- serverless functions (Lambda / Cloud Run) in several regions ----------------
  const serverlessKeys: { key: string; ua: string }[] = [];
  for (let s = 0; s < size.serverless; s++) {
    const rng = root.fork(`serverless-${s}`);
    const appId = `svc-${s}`;
    const regions = rng.shuffle([...REGIONS]).slice(0, rng.int(2, 5)).map(network);
    const sharedKey = rng.chance(0.5) || s === 0; // one key in every region, else a client_credentials token per container
    const sendAs = rng.chance(0.5) ? 'raw' : 'fp';
    const ua = rng.pick(SERVER_UA.slice(0, 3));
    let key = '';
    if (sharedKey) {
      key = g.token(rng, { type: 'api_key', appId, clientId: `${appId}-fn`, population: 'serverless', sendAs }, 'key');
      g.life({ event: 'issued', ts: g.start - rng.range(30, 300) * DAY, token: key, token_type: 'api_key', client_id: `${appId}-fn`, app_id: appId, expires_at: null });
      serverlessKeys.push({ key, ua });
    }
    for (let t = g.start; t < g.end; t += HOUR) {
      for (const region of regions) {
        const bursts = rng.chance(0.5) ? 1 : 0;
        for (let b = 0; b < bursts; b++) {
          const b0 = t + rng.range(0, HOUR);
          const containers = rng.int(1, 3); // a burst scales out: each container a fresh address
          for (let c = 0; c < containers; c++) {
            const ip = addressIn(rng, region);
            let tok = key;
            if (!sharedKey) {
              tok = g.token(rng, { type: 'access_token', appId, clientId: `${appId}-fn`, population: 'serverless', sendAs }, 'cc');
              g.life({ event: 'issued', ts: b0 - 300, token: tok, token_type: 'access_token', client_id: `${appId}-fn`, app_id: appId, grant_type: 'client_credentials', issued_at: b0 - 300, expires_at: b0 - 300 + HOUR });
            }
            let x = b0 + rng.range(0, 20) * SEC;
            const n = rng.int(3, 12);
            for (let k = 0; k < n; k++) {
              x = g.call(tok, x, ip, { ua, rng, method: rng.chance(0.3) ? 'POST' : 'GET' }) + rng.exp(4 * SEC);
            }
          }
        }
      }
    }
  }

  // ---------------- cron / batch jobs: a trickle all day, a 50× burst at night ----------------
  const cronKeys: { key: string; ip: string; ua: string }[] = [];
  for (let j = 0; j < size.cronJobs; j++) {
    const rng = root.fork(`cron-${j}`);
    const appId = `batch-${j}`;
    const region = network(rng.pick(REGIONS));
    const ip = addressIn(rng, region);
    const spare = addressIn(rng, region);
    const key = g.token(rng, { type: 'api_key', appId, clientId: `${appId}-worker`, population: 'cron', sendAs: rng.chance(0.5) ? 'raw' : 'fp' }, 'key');
    g.life({ event: 'issued', ts: g.start - rng.range(60, 400) * DAY, token: key, token_type: 'api_key', client_id: `${appId}-worker`, app_id: appId, expires_at: null });
    const ua = rng.pick(SERVER_UA);
    cronKeys.push({ key, ip, ua });
    for (let t = g.start + rng.exp(5 * MIN); t < g.end; t += SEC + rng.exp(5 * MIN)) g.call(key, t, ip, { ua, rng });
    const hourUtc = rng.int(0, 4);
    for (let day = g.start - (g.start % DAY); day < g.end; day += DAY) {
      const b0 = day + hourUtc * HOUR + rng.range(0, 10) * MIN;
      const from = rng.chance(0.2) ? spare : ip;
      const stop = b0 + rng.range(25, 40) * MIN;
      for (let t = b0; t < stop; t += rng.exp(6 * SEC)) g.call(key, t, from, { ua, rng, path: rng.pick(EXPORT_PATHS) });
    }
  }

  // ---------------- integration platform (Zapier-like): many customers' keys, one pool of cloud addresses ----------------
  const platformPool = Array.from({ length: 40 }, (_, i) => addressIn(root.fork(`platform-${i}`), network(i % 2 ? 'aws-us-east-1' : 'aws-us-east-1-iad')));
  const integrationKeys: { key: string; every: number }[] = [];
  for (let k = 0; k < size.integrations; k++) {
    const rng = root.fork(`integration-${k}`);
    const appId = `zaps-${k}`;
    const key = g.token(rng, { type: 'api_key', appId, clientId: 'integration-platform', population: 'integration', sendAs: rng.chance(0.5) ? 'raw' : 'fp' }, 'key');
    g.life({ event: 'issued', ts: g.start - rng.range(20, 500) * DAY, token: key, token_type: 'api_key', client_id: 'integration-platform', app_id: appId, expires_at: null });
    const zaps = rng.int(1, 3);
    let every = Infinity;
    for (let z = 0; z < zaps; z++) {
      const period = rng.weighted([[2, 1], [5, 3], [15, 3]] as const) * MIN;
      every = Math.min(every, period);
      for (let t = g.start + rng.range(0, period); t < g.end; t += period + rng.range(-5, 5) * SEC) {
        g.call(key, t, rng.pick(platformPool), { ua: 'Zapier', rng, path: '/v1/orders?since=' });
        if (rng.chance(0.05)) for (let w = 0, last = rng.int(2, 8); w < last; w++) g.call(key, t + (w + 1) * 700, rng.pick(platformPool), { ua: 'Zapier', rng, method: 'POST', path: '/v1/orders' });
      }
    }
    integrationKeys.push({ key, every });
  }

  // ---------------- dormant keys: used for a day three weeks ago, then idle ----------------
  const dormant: { key: string; home: Network; ip: string; owner: string; country: string }[] = [];
  for (let k = 0; k < size.dormantKeys; k++) {
    const rng = root.fork(`dormant-${k}`);
    const pat = k % 2 === 0;
    const country = rng.pick(['US', 'DE', 'GB', 'NL']);
    const home = network(pat ? rng.pick(HOMES[country]!.res.filter(isV4)) : rng.pick(REGIONS));
    const ip = addressIn(rng, home);
    const owner = `dev-${k}`;
    const appId = pat ? 'developer-portal' : `report-${k}`;
    const key = g.token(rng, { type: pat ? 'personal_access_token' : 'api_key', appId, clientId: appId, userId: pat ? owner : undefined, population: 'dormant', sendAs: rng.chance(0.5) ? 'raw' : 'fp' }, pat ? 'pat' : 'key');
    g.life({ event: 'issued', ts: g.oldest - rng.range(5, 100) * DAY, token: key, token_type: pat ? 'personal_access_token' : 'api_key', client_id: appId, app_id: appId, user_id: pat ? owner : undefined, expires_at: pat && rng.chance(0.5) ? g.end + 30 * DAY : null });
    const d0 = g.oldest + rng.range(1, 3) * DAY;
    for (let t = d0, last = d0 + rng.range(2, 8) * HOUR; t < last; t += rng.exp(4 * MIN)) g.call(key, t, ip, { ua: pat ? 'curl/8.5.0' : 'python-requests/2.32.3', rng });
    dormant.push({ key, home, ip, owner: pat ? owner : '', country });
  }
  // Half the dormant keys not attacked wake up benignly, from their own /24 (a quarterly script).
  const attackedDormant = dormant.slice(0, Math.min(K, dormant.length));
  for (const k of dormant.slice(K).filter((_, i) => i % 2 === 0)) {
    const rng = root.fork(`wake-${k.key.slice(0, 12)}`);
    const t0 = attackTime(g, rng, HOUR);
    const ip = rng.chance(0.5) ? k.ip : addressIn(rng, k.home);
    for (let t = t0, last = t0 + rng.range(10, 40) * MIN; t < last; t += rng.exp(30 * SEC)) g.call(k.key, t, ip, { ua: 'python-requests/2.32.3', rng });
  }

  // ======================= attacks =======================
  const addr = (rng: Rng, id: string) => addressIn(rng, network(id));
  const hostingIn = (rng: Rng, notCountry?: string) => addr(rng, rng.pick(HOSTING.filter((h) => network(h).country !== notCountry)));
  const otherUsers = [...people.map((p) => p.user), ...mobiles.map((m) => m.d.user)];
  const reg = (rng: Rng, info: Omit<TokenInfo, 'raw'>, prefix: string) => {
    const t = g.token(rng, info, prefix);
    g.attackOnly.add(t);
    return t;
  };

  // new_location
  for (const v of nlVictims) {
    const { pl } = v;
    const r = pl.rng;
    const variant = pl.i % 4;
    const dev = v.person ? v.person.laptop : v.phone!;
    const chain = dev.forced.get('nl');
    if (!chain) continue;
    let ip: string;
    let name: string;
    if (variant === 0) {
      const victimAsn = network(v.person!.homeNet).asn;
      ip = addr(r, r.pick(['cox-us', 'charter-us', 'att-us', 'verizon-fios-ny'].filter((n) => network(n).asn !== victimAsn)));
      name = 'session replay through a residential proxy in the victim\'s own country (new ASN)';
    } else if (variant === 1) {
      const c = r.pick(NEIGHBOUR[v.person!.country] ?? ['PL']);
      ip = addr(r, r.pick(HOMES[c]!.res.filter(isV4)));
      name = 'stolen session replayed from broadband in a neighbouring country';
    } else if (variant === 2) {
      ip = addr(r, r.pick(FAR_RESIDENTIAL.filter((n) => network(n).kind === 'mobile')));
      name = 'mobile app token replayed from a foreign mobile network';
    } else {
      ip = hostingIn(r, v.person!.country);
      name = 'session replayed from a hosting provider abroad';
    }
    const start = Math.max(chain.issued + r.range(2, 10) * MIN, pl.when);
    const stop = Math.min(chain.exp - MIN, start + r.range(10, 40) * MIN);
    let t = start;
    for (let k = 0; t < stop; k++) {
      g.use(chain.access, t, ip, { ua: dev.ua, rng: r, path: k % 3 ? r.pick(APP_PATHS) : r.pick(['/v1/me', '/v1/invoices', '/v1/profile', '/v1/payment-methods']) });
      t += r.range(15, 90) * SEC;
    }
    g.attack('new_location', pl.i, name, start, [chain.access], [dev.user], [ip]);
  }

  // rate_spike
  for (const v of rsVictims) {
    const { pl } = v;
    const r = pl.rng;
    const variant = pl.i % 4;
    if (variant === 0 || variant === 3) {
      const dev = variant === 0 ? v.person!.laptop : v.mobile!.d;
      const chain = dev.forced.get('rs');
      if (!chain) continue;
      const ip = variant === 0 ? addr(r, v.person!.homeNet) : v.mobile!.cgnat(chain.issued + 5 * MIN);
      const start = Math.max(chain.issued + r.range(2, 5) * MIN, pl.when);
      const rate = variant === 0 ? r.range(80, 200) : r.range(60, 120);
      const stop = Math.min(chain.exp - MIN, start + r.range(10, 25) * MIN);
      for (let t = start; t < stop; t += r.exp(MIN / rate)) g.use(chain.access, t, ip, { ua: dev.ua, rng: r, path: r.pick(['/v1/catalog?page={n}', '/v1/orders/{id}', '/v1/search']) });
      g.attack('rate_spike', pl.i, variant === 0 ? 'scraping with a stolen session from the same city and ISP' : 'mobile token scripted through the same carrier', start, [chain.access], [dev.user], [ip]);
    } else if (variant === 1) {
      const c = cronKeys[pl.i % cronKeys.length]!;
      const ip = hostingIn(r);
      const start = pl.when;
      const stop = Math.min(g.end - MIN, start + r.range(2, 3) * HOUR);
      for (let t = start; t < stop; t += r.exp(20 * SEC)) g.use(c.key, t, ip, { ua: 'python-requests/2.31.0', rng: r, path: r.pick(EXPORT_PATHS) });
      g.attack('rate_spike', pl.i, 'low-and-slow exfiltration with a batch key from a new ASN (3/min: 15× its daytime trickle, a third of its nightly burst)', start, [c.key], [], [ip]);
    } else {
      const z = integrationKeys[pl.i % integrationKeys.length]!;
      const ips = Array.from({ length: 3 }, () => addr(r, 'aws-us-east-1-iad'));
      const start = pl.when;
      const stop = start + r.range(15, 30) * MIN;
      for (let t = start; t < stop; t += r.exp(MIN / 40)) g.use(z.key, t, r.pick(ips), { ua: 'python-requests/2.32.3', rng: r, path: r.pick(['/v1/orders/{id}', '/v1/customers/{id}']) });
      g.attack('rate_spike', pl.i, 'integration key driven at 40 req/min from the platform\'s own cloud region', start, [z.key], [], ips);
    }
  }

  // auth_failures
  for (const v of afVictims) {
    const { pl } = v;
    const r = pl.rng;
    const variant = pl.i % 4;
    if (variant === 3) {
      const chain = v.person!.laptop.forced.get('af');
      if (!chain) continue;
      const ip = hostingIn(r);
      const start = Math.max(chain.issued + 2 * MIN, pl.when);
      const stop = Math.min(chain.exp - MIN, start + r.range(5, 12) * MIN);
      for (let t = start; t < stop; t += r.exp(MIN / 40)) g.use(chain.access, t, ip, { ua: 'python-requests/2.32.3', rng: r, path: '/v1/orders/{id}', status: r.chance(0.8) ? 403 : 404 });
      g.attack('auth_failures', pl.i, 'object enumeration with a stolen session (403/404 on other users\' orders)', start, [chain.access], [v.person!.user], [ip]);
      continue;
    }
    const ips: string[] = [];
    const tried: string[] = [];
    const users: string[] = [];
    const start = pl.when;
    const guess = (t: number, ip: string, user: string, path: string, host: string) => {
      const tok = reg(r, { type: 'access_token', appId: '', clientId: '', userId: user, population: 'attacker', sendAs: 'raw' }, 'guess');
      tried.push(tok);
      users.push(user);
      g.use(tok, t, ip, { ua: r.pick(BROWSER_UA), rng: r, method: 'POST', host, path, status: 401, bytes: 90 });
    };
    const someUser = () => (r.chance(0.5) ? r.pick(otherUsers) : `${r.pick(['anna', 'j.smith', 'mike', 'sara', 'admin', 'info', 'tom'])}${r.int(1, 9999)}@mail.example`);
    if (variant === 0) {
      // Rotating residential proxies: every address tries 1–3 credentials, then the pool hands out another.
      const nets = ['comcast-sj', 'comcast-atl', 'cox-us', 'charter-us', 'att-us', 'telekom-de', 'bt-gb', 'virgin-gb', 'orange-fr', 'kpn-nl', 'tmobile-us', 'vodafone-de'];
      const n = r.int(150, 300);
      const dur = r.range(20, 45) * MIN;
      for (let a = 0; a < n; a++) {
        const ip = addr(r, r.pick(nets));
        ips.push(ip);
        const t0 = start + (a / n) * dur;
        for (let k = r.int(1, 3); k > 0; k--) guess(t0 + r.range(0, 20) * SEC, ip, someUser(), '/oauth/token', AUTH);
      }
      g.attack('auth_failures', pl.i, 'credential stuffing through rotating residential proxies (1–3 tries per address)', start, tried, users, ips);
    } else if (variant === 1) {
      // Password spraying: one password against many users, slowly, from a handful of VPS.
      const senders = Array.from({ length: r.int(5, 10) }, () => hostingIn(r));
      ips.push(...senders);
      const targets = r.shuffle([...otherUsers]).slice(0, r.int(80, 160));
      const dur = Math.min(r.range(2, 3.5) * HOUR, g.end - start - MIN);
      targets.forEach((u, k) => guess(start + (k / targets.length) * dur + r.range(0, 30) * SEC, r.pick(senders), u, '/oauth/token', AUTH));
      g.attack('auth_failures', pl.i, 'password spraying: one password, many users, one try each, over hours', start, tried, users, ips);
    } else {
      // API key guessing from a cloud botnet: each instance tries a few keys.
      const n = r.int(30, 60);
      for (let a = 0; a < n; a++) {
        const ip = addr(r, r.pick(REGIONS));
        ips.push(ip);
        const t0 = start + r.range(0, 30) * MIN;
        for (let k = r.int(4, 10); k > 0; k--) {
          const tok = reg(r, { type: 'api_key', appId: '', clientId: '', population: 'attacker', sendAs: 'raw' }, 'guess');
          tried.push(tok);
          g.use(tok, t0 + k * r.range(1, 5) * SEC, ip, { ua: 'Go-http-client/1.1', rng: r, path: '/v1/orders', status: 401, bytes: 90 });
        }
      }
      g.attack('auth_failures', pl.i, 'API key guessing from instances in many cloud regions (4–10 keys each)', start, tried, [], ips);
    }
  }

  // revoked_use
  for (const v of ruVictims) {
    const { pl } = v;
    const r = pl.rng;
    const variant = pl.i % 4;
    if (variant === 0) {
      // A personal access token revoked a day ago (secret-scanning alert), replayed: the gateway still caches it as valid.
      const owner = `dev-leak-${pl.i}`;
      const home = addr(r, r.pick(['comcast-sj', 'telekom-de', 'bt-gb']));
      const pat = g.token(r, { type: 'personal_access_token', appId: 'developer-portal', clientId: 'developer-portal', userId: owner, population: 'developer', sendAs: 'raw' }, 'pat');
      g.life({ event: 'issued', ts: g.start - r.range(20, 80) * DAY, token: pat, token_type: 'personal_access_token', client_id: 'developer-portal', app_id: 'developer-portal', user_id: owner, expires_at: null });
      const revokedAt = g.start + r.range(2, 10) * HOUR;
      for (let t = g.start; t < revokedAt - MIN; t += r.exp(20 * MIN)) g.call(pat, t, home, { ua: 'curl/8.5.0', rng: r });
      g.life({ event: 'revoked', ts: revokedAt, token: pat, token_type: 'personal_access_token', client_id: 'developer-portal', app_id: 'developer-portal', user_id: owner, source: 'github_secret_scanning', reason: 'token found in a public repository' });
      const ip = hostingIn(r);
      const start = pl.when;
      for (let t = start, last = start + r.range(10, 30) * MIN; t < last; t += r.exp(40 * SEC)) g.use(pat, t, ip, { ua: 'python-requests/2.32.3', rng: r, path: r.pick(EXPORT_PATHS) });
      g.attack('revoked_use', pl.i, 'PAT revoked after a secret-scanning alert a day earlier, replayed and still accepted', start, [pat], [owner], [ip]);
    } else if (variant === 1) {
      const p = v.person!;
      const chain = p.laptop.forced.get('ru');
      if (!chain) continue;
      const revokedAt = Math.max(pl.when - r.range(2, 5) * MIN, chain.issued + MIN);
      g.life({ event: 'revoked', ts: revokedAt, token: chain.access, token_type: 'access_token', client_id: p.laptop.clientId, app_id: p.laptop.appId, user_id: p.user, source: 'okta.user.lifecycle.deactivate', reason: 'user deprovisioned' });
      // The benign client's requests after the revocation got 200s too (already generated): the gateway does not enforce.
      const after = g.usage.filter((e) => e.token === chain.access && e.ts > revokedAt + SEC && e.status < 400);
      let first = after.length ? Math.min(...after.map((e) => e.ts)) : Infinity;
      if (first === Infinity) {
        const ip = p.home(revokedAt);
        for (let t = revokedAt + 30 * SEC; t < Math.min(chain.exp, revokedAt + 20 * MIN); t += r.exp(40 * SEC)) g.use(chain.access, t, ip, { ua: p.laptop.ua, rng: r });
        first = revokedAt + 30 * SEC;
      }
      g.attack('revoked_use', pl.i, 'session of a deprovisioned employee (SCIM) still answered 200', first, [chain.access], [p.user], [p.home(revokedAt)]);
    } else if (variant === 2) {
      // Integration key revoked at contract end; the platform keeps polling and is still served.
      const z = integrationKeys[(pl.i + 1) % integrationKeys.length]!;
      const revokedAt = pl.when - r.range(1, 3) * MIN;
      g.life({ event: 'revoked', ts: revokedAt, token: z.key, token_type: 'api_key', client_id: 'integration-platform', app_id: g.tokens.get(z.key)!.appId, source: 'billing', reason: 'subscription cancelled' });
      // Benign polls after the revocation would be 200 as well: make them part of the attack's evidence.
      const after = g.usage.filter((e) => e.token === z.key && e.ts > revokedAt + SEC && e.status < 400);
      const first = after.length ? Math.min(...after.map((e) => e.ts)) : pl.when;
      if (!after.length) g.use(z.key, pl.when, platformPool[0]!, { ua: 'Zapier', rng: r });
      // No addresses in the truth: the platform's pool serves every customer's key.
      g.attack('revoked_use', pl.i, 'integration key revoked at contract end, still polled and served', first, [z.key], [], []);
    } else {
      const m = v.mobile!;
      const chain = m.d.forced.get('ru');
      if (!chain) continue;
      const revokedAt = pl.when - 2 * MIN;
      g.life({ event: 'revoked', ts: revokedAt, token: chain.access, token_type: 'access_token', client_id: m.d.clientId, app_id: m.d.appId, user_id: m.d.user, source: 'user', reason: 'signed out in the app' });
      g.life({ event: 'revoked', ts: revokedAt + 10, token: m.d.refresh!, token_type: 'refresh_token', client_id: m.d.clientId, app_id: m.d.appId, user_id: m.d.user, source: 'user', reason: 'signed out in the app' });
      const ip = addr(r, r.pick(HOMES[m.country]!.res.filter(isV4)));
      const start = pl.when;
      for (let t = start; t < Math.min(chain.exp - MIN, start + 30 * MIN); t += r.exp(45 * SEC)) g.use(chain.access, t, ip, { ua: m.d.ua, rng: r });
      g.attack('revoked_use', pl.i, 'copy of a signed-out mobile token replayed from a residential proxy, still 200', start, [chain.access], [m.d.user], [ip]);
    }
  }

  // impossible_travel
  for (const v of itVictims) {
    const { pl } = v;
    const r = pl.rng;
    const variant = pl.i % 4;
    const dev = v.person ? v.person.laptop : v.phone!;
    const chain = dev.forced.get('it');
    if (!chain) continue;
    let ip: string;
    let name: string;
    if (variant === 0) {
      const c = r.pick(NEIGHBOUR[v.person!.country] ?? ['PL']);
      ip = addr(r, r.pick(HOMES[c]!.res.filter(isV4)));
      name = 'attacker in a neighbouring country, interleaved with the victim';
    } else if (variant === 1) {
      ip = addr(r, r.pick(['verizon-fios-ny', 'comcast-atl']));
      name = 'west-coast victim, attacker on east-coast broadband minutes apart';
    } else if (variant === 2) {
      ip = addr(r, r.pick(['orange-fr', 'vodafone-es', 'bt-gb']));
      name = 'IPv6 home user, attacker on IPv4 in another European country';
    } else {
      ip = addr(r, r.pick(FAR_RESIDENTIAL));
      name = 'mobile user on CGNAT, attacker on another continent';
    }
    const start = Math.max(chain.issued + r.range(4, 12) * MIN, pl.when);
    const stop = Math.min(chain.exp - MIN, start + r.range(15, 35) * MIN);
    for (let t = start; t < stop; t += r.range(30, 150) * SEC) g.use(chain.access, t, ip, { ua: dev.ua, rng: r });
    g.attack('impossible_travel', pl.i, name, start, [chain.access], [dev.user], [ip]);
  }

  // ip_fanout
  for (const v of ifVictims) {
    const { pl } = v;
    const r = pl.rng;
    const variant = pl.i % 4;
    const start = pl.when;
    const ips: string[] = [];
    if (variant === 0 || variant === 2) {
      const key = variant === 0 ? serverlessKeys[pl.i % Math.max(1, serverlessKeys.length)]?.key : integrationKeys[(pl.i + 2) % integrationKeys.length]!.key;
      if (!key) continue;
      const nets = variant === 0
        ? ['comcast-sj', 'comcast-hou', 'telekom-de', 'bt-gb', 'vnpt-vn', 'chinatelecom-cn', 'tim-br', 'jio-in', 'airtel-in', 'vimpelcom-ru', 'orange-pl', 'kpn-nl']
        : HOSTING.concat(['tor-exit-de']);
      const n = variant === 0 ? r.int(40, 90) : r.int(20, 40);
      for (let a = 0; a < n; a++) {
        const ip = addr(r, r.pick(nets));
        ips.push(ip);
        const t0 = start + r.range(0, 30) * MIN;
        for (let k = r.int(1, 4); k > 0; k--) g.use(key, t0 + k * r.range(1, 20) * SEC, ip, { ua: r.pick(SERVER_UA), rng: r });
      }
      g.attack('ip_fanout', pl.i, variant === 0 ? 'serverless API key used by a residential botnet (40–90 addresses, 30 min)' : 'integration key leaked in a public repo, exercised from hosting and Tor', start, [key], [], ips);
    } else {
      const dev = variant === 1 ? v.person!.laptop : v.mobile!.d;
      const chain = dev.forced.get('if');
      if (!chain) continue;
      const country = variant === 1 ? v.person!.country : v.mobile!.country;
      const nets = variant === 1 ? ['comcast-sj', 'telekom-de', 'bt-gb', 'orange-fr', 'kpn-nl', 'vnpt-vn', 'tim-br', 'm247-nl', 'datacamp-us'] : [...HOMES[country]!.res.filter(isV4), ...HOMES[country]!.mob.filter(isV4)];
      const n = variant === 1 ? r.int(8, 15) : r.int(20, 35);
      const s0 = Math.max(start, chain.issued + MIN);
      for (let a = 0; a < n; a++) {
        const ip = addr(r, r.pick(nets));
        ips.push(ip);
        const t0 = s0 + r.range(0, Math.min(40 * MIN, chain.exp - s0 - 5 * MIN));
        for (let k = r.int(1, 5); k > 0; k--) g.use(chain.access, t0 + k * r.range(5, 40) * SEC, ip, { ua: dev.ua, rng: r });
      }
      g.attack('ip_fanout', pl.i, variant === 1 ? 'session cookie sold to 8–15 buyers in several countries' : 'mobile token fanned out through residential proxies in the victim\'s country', s0, [chain.access], [dev.user], ips);
    }
  }

  // refresh_reuse
  for (const v of rrVictims) {
    const { pl } = v;
    const r = pl.rng;
    const variant = pl.i % 4;
    const p = v.person;
    const start = pl.when;
    const dev = variant === 2 || !p.laptop.rotated.some((x) => x.at < start - HOUR) ? p.phone : p.laptop;
    if (variant === 2) {
      // The thief redeems the phone's current refresh token first; the phone then presents the rotated one.
      if (!dev.refresh) continue;
      const stolen = dev.refresh;
      const ip = hostingIn(r, p.country);
      g.use(stolen, start, ip, { ua: 'python-requests/2.32.3', rng: r, method: 'POST', host: AUTH, path: '/oauth/token', bytes: 1800 });
      const rt = reg(r, { type: 'refresh_token', appId: dev.appId, clientId: dev.clientId, userId: dev.user, population: 'attacker', sendAs: dev.sendAs }, 'rt');
      const acc = reg(r, { type: 'access_token', appId: dev.appId, clientId: dev.clientId, userId: dev.user, population: 'attacker', sendAs: dev.sendAs }, 'at');
      g.life({ event: 'refreshed', ts: start + 40, token: rt, token_type: 'refresh_token', client_id: dev.clientId, app_id: dev.appId, user_id: dev.user, rotated_from: stolen, grant_type: 'refresh_token', issued_at: start + 40, expires_at: start + 60 * DAY });
      g.life({ event: 'issued', ts: start + 50, token: acc, token_type: 'access_token', client_id: dev.clientId, app_id: dev.appId, user_id: dev.user, grant_type: 'refresh_token', issued_at: start + 50, expires_at: start + 50 + HOUR });
      for (let t = start + MIN, last = start + r.range(15, 40) * MIN; t < last; t += r.exp(30 * SEC)) g.use(acc, t, ip, { ua: 'python-requests/2.32.3', rng: r });
      const back = start + r.range(10, 40) * MIN;
      const vip = p.mobile(back);
      if (dev.access) g.use(dev.access, back, vip, { ua: dev.ua, rng: r, status: dev.accessExp > back ? 200 : 401 });
      g.use(stolen, back + 800, vip, { ua: dev.ua, rng: r, method: 'POST', host: AUTH, path: '/oauth/token', status: 400, bytes: 120 });
      g.attack('refresh_reuse', pl.i, 'thief redeems the current refresh token first; the victim\'s app then presents the rotated one', start, [...dev.family, rt, acc], [dev.user], [ip, vip]);
      continue;
    }
    const old = dev.rotated.filter((x) => x.at < start - (variant === 3 ? 20 * HOUR : HOUR)).map((x) => x.old);
    const pool = old.length ? old : dev.rotated.filter((x) => x.at < start).map((x) => x.old);
    if (!pool.length) continue;
    const stale = variant === 3 ? pool[0]! : pool[pool.length - 1]!;
    const ip = variant === 0 ? addr(r, r.pick(FAR_RESIDENTIAL)) : hostingIn(r, p.country);
    const accepted = variant !== 0;
    g.use(stale, start, ip, { ua: 'python-requests/2.32.3', rng: r, method: 'POST', host: AUTH, path: '/oauth/token', status: accepted ? 200 : 400, bytes: accepted ? 1800 : 120 });
    const tokens = [...dev.family, stale];
    if (accepted) {
      const rt = reg(r, { type: 'refresh_token', appId: dev.appId, clientId: dev.clientId, userId: dev.user, population: 'attacker', sendAs: dev.sendAs }, 'rt');
      const acc = reg(r, { type: 'access_token', appId: dev.appId, clientId: dev.clientId, userId: dev.user, population: 'attacker', sendAs: dev.sendAs }, 'at');
      g.life({ event: 'refreshed', ts: start + 40, token: rt, token_type: 'refresh_token', client_id: dev.clientId, app_id: dev.appId, user_id: dev.user, rotated_from: stale, grant_type: 'refresh_token', issued_at: start + 40, expires_at: start + 60 * DAY });
      g.life({ event: 'issued', ts: start + 50, token: acc, token_type: 'access_token', client_id: dev.clientId, app_id: dev.appId, user_id: dev.user, grant_type: 'refresh_token', issued_at: start + 50, expires_at: start + 50 + HOUR });
      for (let t = start + 30 * SEC, last = start + r.range(10, 40) * MIN; t < last; t += r.exp(40 * SEC)) g.use(acc, t, ip, { ua: 'python-requests/2.32.3', rng: r });
      tokens.push(rt, acc);
    }
    const names = ['rotated refresh token replayed from abroad, refused (400 at the token endpoint)', 'rotated refresh token accepted by a lenient IdP, minted token in use', '', 'refresh token rotated a day earlier (device backup) redeemed from a hosting ASN and accepted'];
    g.attack('refresh_reuse', pl.i, names[variant]!, start, tokens, [dev.user], [ip]);
  }

  // dormant_reuse
  drPlans.forEach((pl, idx) => {
    const k = attackedDormant[idx];
    if (!k) return;
    const r = pl.rng;
    const variant = pl.i % 4;
    let ip: string;
    let name: string;
    if (variant === 0) {
      ip = hostingIn(r, k.country);
      name = 'dormant key revived from a hosting ASN abroad';
    } else if (variant === 1) {
      ip = addr(r, r.pick(HOMES[k.country]!.vpn.filter((n) => network(n).country === k.country).concat(HOMES[k.country]!.vpn).slice(0, 1)));
      name = 'dormant key revived through a commercial VPN exit';
    } else if (variant === 2) {
      ip = addr(r, r.pick(REGIONS.filter((n) => network(n).asn !== k.home.asn && network(n).country !== k.home.country)));
      name = 'dormant key revived from a cloud region it never used';
    } else {
      ip = addr(r, 'tor-exit-de');
      name = 'dormant key revived from a Tor exit';
    }
    const start = pl.when;
    for (let t = start, last = start + r.range(15, 50) * MIN; t < last; t += r.exp(45 * SEC)) g.use(k.key, t, ip, { ua: 'python-requests/2.32.3', rng: r, path: r.pick([...APP_PATHS, ...EXPORT_PATHS]) });
    g.attack('dormant_reuse', pl.i, name, start, [k.key], k.owner ? [k.owner] : [], [ip]);
  });

  g.usage.sort((a, b) => a.ts - b.ts);
  g.lifecycle.sort((a, b) => a.ts - b.ts);
  // An attack starts at its first malicious event (the plan's time plus any jitter): the first
  // event from the attacker's addresses. revoked_use keeps its own definition (the first 2xx after revocation).
  for (const a of g.attacks) {
    if (a.kind === 'revoked_use' || a.ips.length === 0) continue;
    const ips = new Set(a.ips);
    const first = g.usage.find((e) => e.ts >= a.start - SEC && ips.has(e.ip) && (a.tokens.includes(e.token) || g.attackOnly.has(e.token)));
    if (first) a.start = first.ts;
  }
  g.attacks.sort((a, b) => a.start - b.start);
  const oldest = Math.min(g.usage[0]?.ts ?? g.start, g.oldest);
  return {
    seed, oldest, start: g.start, warmEnd: g.warmEnd, end, usage: g.usage, lifecycle: g.lifecycle,
    tokens: g.tokens, attacks: g.attacks, attackOnly: g.attackOnly,
  };
}


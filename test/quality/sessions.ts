/**
 * Shared by the held-out generators traffic-d.ts and traffic-e.ts: OAuth clients on devices,
 * their sessions and refresh-token rotation, addresses that move, and the ground truth of
 * attacks. Nothing here knows a population or an attack.
 */
import { Rng } from './rng.js';
import type { Attack, AttackKind, LifecycleEvent, TokenInfo, Traffic, UsageEvent } from './traffic.js';

export const SEC = 1000;
export const MIN = 60 * SEC;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;
export const API = 'api.example.com';
export const AUTH = 'auth.example.com';

export interface Chain { access: string; refresh: string; issued: number; exp: number }

/** One OAuth client instance (an app on a device) of a user, with refresh-token rotation. */
export interface Client {
  user: string;
  appId: string;
  clientId: string;
  ua: string;
  sendAs: 'raw' | 'fp';
  population: string;
  rng: Rng;
  ttl: number;
  refresh?: string;
  access?: string;
  accessExp: number;
  issued: number;
  rotated: { old: string; at: number }[];
  family: string[];
  /** Chains held at labelled moments (a victim's session just before an attack). */
  marks: Map<string, Chain>;
}

export interface Sess {
  start: number;
  dur: number;
  gap: () => number;
  ip: (t: number) => string;
  path: () => string;
  /** Refresh at the start and remember the chain under this label (an attack's victim). */
  mark?: string;
}

/** An address that changes after a random holding time (CGNAT, a Tor circuit, a PoP switch). */
export class Moving {
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

/**
 * The generators' common bookkeeping: tokens, usage and lifecycle events, OAuth clients with
 * refresh-token rotation, sessions, sign-outs and ground truth. Written for traffic-d and
 * reused by traffic-e (the same code, now in one place; each keeps its own populations and
 * attacks). `prefix` names the event ids, `gateway` the reporting gateway, `offsets` each
 * country's UTC offset for local hours.
 */
export class SessionGen {
  readonly usage: UsageEvent[] = [];
  readonly lifecycle: LifecycleEvent[] = [];
  readonly tokens = new Map<string, TokenInfo>();
  readonly attacks: Attack[] = [];
  readonly attackOnly = new Set<string>();
  private n = 0;
  readonly start: number;
  readonly warmEnd: number;
  readonly oldest: number;

  constructor(
    readonly seed: number,
    readonly size: { days: number; attackHours: number },
    readonly end: number,
    private readonly style: { prefix: string; gateway: string; offsets: Record<string, number> },
  ) {
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
  use(token: string, ts: number, ip: string, o: { ua: string; rng: Rng; path?: string; method?: string; status?: number; host?: string; bytes?: number; gateway?: string }): boolean {
    if (ts >= this.end || ts < this.oldest) return false;
    const info = this.tokens.get(token)!;
    const r = o.rng;
    const path = (o.path ?? '/v1/me').replace('{id}', String(r.int(1000, 999999))).replace('{n}', String(r.int(1, 5000)));
    this.usage.push({
      event_id: `${this.style.prefix}${this.seed}-${++this.n}`, ts: Math.round(ts), token, token_type: info.type,
      app_id: info.appId || undefined, client_id: info.clientId || undefined, user_id: info.userId,
      ip, user_agent: o.ua, method: o.method ?? 'GET', host: o.host ?? API, path, status: o.status ?? 200,
      latency_ms: Math.round(20 + r.exp(90)), bytes: o.bytes ?? Math.round(300 + r.exp(4000)), gateway: o.gateway ?? this.style.gateway,
    });
    return true;
  }

  life(e: LifecycleEvent): void {
    if (e.ts >= this.end) return;
    this.lifecycle.push({ ...e, ts: Math.round(e.ts) });
  }

  client(rng: Rng, o: { user: string; appId: string; clientId: string; ua: string; population: string; ttl?: number }): Client {
    return { ttl: HOUR, ...o, rng, sendAs: rng.chance(0.5) ? 'raw' : 'fp', accessExp: 0, issued: 0, rotated: [], family: [], marks: new Map() };
  }

  private info(c: Client, type: 'access_token' | 'refresh_token'): Omit<TokenInfo, 'raw'> {
    return { type, appId: c.appId, clientId: c.clientId, userId: c.user, population: c.population, sendAs: c.sendAs };
  }

  private newAccess(c: Client, t: number, grant: string): void {
    c.access = this.token(c.rng, this.info(c, 'access_token'), 'at');
    c.issued = t;
    c.accessExp = t + c.ttl;
    this.life({ event: 'issued', ts: t, token: c.access, token_type: 'access_token', client_id: c.clientId, app_id: c.appId, user_id: c.user, grant_type: grant, scopes: ['api'], issued_at: t, expires_at: t + c.ttl });
  }

  private login(c: Client, t: number, ip: string): number {
    c.refresh = this.token(c.rng, this.info(c, 'refresh_token'), 'rt');
    c.family = [c.refresh];
    this.use(c.refresh, t, ip, { ua: c.ua, rng: c.rng, method: 'POST', host: AUTH, path: '/oauth/token', bytes: 1800 });
    this.life({ event: 'issued', ts: t + 20, token: c.refresh, token_type: 'refresh_token', client_id: c.clientId, app_id: c.appId, user_id: c.user, grant_type: 'authorization_code', scopes: ['openid', 'offline_access', 'api'], issued_at: t + 20, expires_at: t + 60 * DAY });
    this.newAccess(c, t + 30, 'authorization_code');
    return t + 2 * SEC;
  }

  private refresh(c: Client, t: number, ip: string): number {
    const old = c.refresh!;
    this.use(old, t, ip, { ua: c.ua, rng: c.rng, method: 'POST', host: AUTH, path: '/oauth/token', bytes: 1800 });
    c.refresh = this.token(c.rng, this.info(c, 'refresh_token'), 'rt');
    c.family.push(c.refresh);
    this.life({ event: 'refreshed', ts: t + 30, token: c.refresh, token_type: 'refresh_token', client_id: c.clientId, app_id: c.appId, user_id: c.user, rotated_from: old, grant_type: 'refresh_token', issued_at: t + 30, expires_at: t + 60 * DAY });
    c.rotated.push({ old, at: t + 30 });
    this.newAccess(c, t + 40, 'refresh_token');
    return t + SEC;
  }

  /** A usable access token at `t`; returns the time after any round trip. */
  ensure(c: Client, t: number, ip: string, force = false): number {
    if (!c.refresh) return this.login(c, t, ip);
    if (!force && c.access && c.accessExp - t > 30 * SEC) return t;
    return this.refresh(c, t, ip);
  }

  signOut(c: Client, t: number, source: string, reason: string): void {
    if (c.access && c.accessExp > t) this.life({ event: 'revoked', ts: t, token: c.access, token_type: 'access_token', client_id: c.clientId, app_id: c.appId, user_id: c.user, source, reason });
    if (c.refresh) this.life({ event: 'revoked', ts: t + 5, token: c.refresh, token_type: 'refresh_token', client_id: c.clientId, app_id: c.appId, user_id: c.user, source, reason });
    c.refresh = undefined;
    c.access = undefined;
    c.accessExp = 0;
  }

  /**
   * Runs a client's sessions in time order (a session starting inside the previous one
   * continues after it); `cut` times end whatever session spans them and sign the client out
   * there (a revocation), after which the client logs in afresh.
   */
  run(c: Client, sessions: Sess[], cuts: { at: number; source: string; reason: string }[] = []): void {
    // A marked session (an attack's victim) drops the ordinary sessions around it, so it starts on time.
    const marked = sessions.filter((s) => s.mark);
    const list = sessions
      .filter((s) => s.mark || !marked.some((m) => s.start < m.start + m.dur + 5 * MIN && s.start + s.dur > m.start - 20 * MIN))
      .sort((a, b) => a.start - b.start);
    const pending = [...cuts].sort((a, b) => a.at - b.at);
    let busy = -Infinity;
    for (const s of list) {
      if (s.start + s.dur < this.start) continue;
      let t = Math.max(s.start, busy + SEC, this.start);
      while (pending.length && pending[0]!.at <= t) {
        const cut = pending.shift()!;
        this.signOut(c, cut.at, cut.source, cut.reason);
      }
      let stop = Math.min(s.start + s.dur, this.end);
      if (pending.length && pending[0]!.at < stop) stop = pending[0]!.at - 2 * SEC;
      if (t >= stop) continue;
      if (s.mark) {
        t = this.ensure(c, t, s.ip(t), !!c.refresh);
        c.marks.set(s.mark, { access: c.access!, refresh: c.refresh!, issued: c.issued, exp: c.accessExp });
      }
      while (t < stop) {
        t = this.ensure(c, t, s.ip(t));
        this.use(c.access!, t, s.ip(t), { ua: c.ua, rng: c.rng, path: s.path(), method: c.rng.chance(0.15) ? 'POST' : 'GET' });
        t += s.gap();
      }
      busy = t;
    }
    for (const cut of pending) if (cut.at < this.end) this.signOut(c, cut.at, cut.source, cut.reason);
  }

  /** Session starts at local hours on every day of the range (and the day before it). */
  daily(rng: Rng, country: string, perDay: [number, number], hours: [number, number], from = this.start): number[] {
    const off = this.style.offsets[country] ?? 0;
    const out: number[] = [];
    for (let day = from - (from % DAY) - DAY; day < this.end + DAY; day += DAY) {
      for (let i = rng.int(perDay[0], perDay[1]); i > 0; i--) {
        const t = day + (rng.range(hours[0], hours[1]) - off) * HOUR;
        if (t >= from && t < this.end) out.push(t);
      }
    }
    return out.sort((a, b) => a - b);
  }

  /**
   * The traffic, in time order. A revoked_use attack starts at the first 2xx after the
   * revocation (the alarm's definition), not when its plan began.
   */
  finish(): Traffic {
    const usage = this.usage;
    usage.sort((a, b) => a.ts - b.ts);
    this.lifecycle.sort((a, b) => a.ts - b.ts);
    for (const a of this.attacks) {
      if (a.kind !== 'revoked_use') continue;
      const rev = this.lifecycle.find((e) => e.event === 'revoked' && a.tokens.includes(e.token));
      if (!rev) continue;
      const first = usage.find((e) => e.ts > rev.ts + SEC && e.status < 400 && a.tokens.includes(e.token));
      if (first) a.start = first.ts;
    }
    this.attacks.sort((a, b) => a.start - b.start);
    const oldest = Math.min(usage[0]?.ts ?? this.start, this.oldest);
    return {
      seed: this.seed, oldest, start: this.start, warmEnd: this.warmEnd, end: this.end, usage, lifecycle: this.lifecycle,
      tokens: this.tokens, attacks: this.attacks, attackOnly: this.attackOnly,
    };
  }

  attack(kind: AttackKind, i: number, variant: string, start: number, tokens: string[], users: string[], ips: string[]): void {
    if (!Number.isFinite(start)) return;
    this.attacks.push({ id: `${kind}-${i}`, kind, variant, start: Math.round(start), tokens: [...new Set(tokens)], users: [...new Set(users)], ips: [...new Set(ips)] });
  }
}

/** A time inside the attack period leaving `need` before the end. */
export function attackTime(g: SessionGen, rng: Rng, need: number): number {
  const lo = g.warmEnd + 10 * MIN;
  const hi = Math.max(lo + MIN, g.end - need);
  return rng.range(lo, hi);
}

/** One attack of a kind, planned: its index, its start, and its own random stream. */
export interface Plan {
  i: number;
  when: number;
  rng: Rng;
}

/** The `count` attacks of a kind, each leaving `need` of traffic time before the end. */
export function attackPlans(g: SessionGen, root: Rng, count: number, kind: AttackKind, need: number): Plan[] {
  return Array.from({ length: count }, (_, i) => {
    const rng = root.fork(`${kind}-${i}`);
    return { i, when: attackTime(g, rng, need), rng };
  });
}

/** A session from `start` for `dur`, a request every `gap` seconds (a range), on one of `paths`. */
export function session(start: number, dur: number, gap: [number, number], ip: (t: number) => string, paths: string[], rng: Rng, mark?: string): Sess {
  return { start, dur, gap: () => rng.range(gap[0], gap[1]) * SEC, ip, path: () => rng.pick(paths), mark };
}

/** Records the first event an attack emitted, and the addresses it used. */
export class First {
  t = Infinity;
  readonly ips: string[] = [];
  constructor(private readonly g: SessionGen) {}
  use(token: string, ts: number, ip: string, o: Parameters<SessionGen['use']>[3]): boolean {
    if (!this.g.use(token, ts, ip, o)) return false;
    this.t = Math.min(this.t, ts);
    this.ips.push(ip);
    return true;
  }
}

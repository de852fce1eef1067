/**
 * Injected attacks, one kind per detector, each labelled with the detector that should catch
 * it, the subject (raw token or IP) and the time range of its first to last event. Attacks run
 * after the benign traffic, so they can read the victim's history (peak rate, countries seen).
 */
import { distanceKm, type City } from './cities.js';
import { HOUR, MINUTE, SECOND, burst } from './clock.js';
import type { Endpoint, Network, NetworkKind } from './networks.js';
import type { Rng } from './prng.js';
import { APPS, AUTH_HOST, iso, makeApiKey, makeJwt, makeOpaqueAccess, makeRefresh, normalRequest, PROBE_PATHS, TOKEN_PATH, type Credential } from './traffic.js';
import type { Label } from './types.js';
import type { AttackKind, Holder, World } from './world.js';

export interface AttackOutput {
  labels: Label[];
  /** Tokens only an attacker ever used (stuffing guesses, tokens minted from a reused refresh token). */
  attackerTokens: string[];
}

type Use = { ms: number; at: Endpoint; status: number };

/** The cap on one attack's requests: enough to be unmistakable, bounded for the event budget. */
const MAX_ATTACK_REQUESTS = 25_000;

function mostCommon(uses: Use[]): Endpoint | undefined {
  const counts = new Map<string, { at: Endpoint; n: number }>();
  for (const u of uses) {
    const c = counts.get(u.at.ip);
    if (c) c.n += 1;
    else counts.set(u.at.ip, { at: u.at, n: 1 });
  }
  let best: { at: Endpoint; n: number } | undefined;
  for (const c of counts.values()) if (!best || c.n > best.n) best = c;
  return best?.at;
}

/** An attacker's network, by kind preference, filtered by where it may be. */
function attackerNetwork(w: World, rng: Rng, kinds: NetworkKind[], where: (city: City, network: Network) => boolean): Network {
  for (const kind of rng.shuffle([...kinds])) {
    const list = w.net.all.filter((n) => n.kind === kind && n.v4.length > 0 && where(n.site, n));
    if (list.length > 0) return rng.pick(list);
  }
  const list = w.net.all.filter((n) => n.v4.length > 0 && where(n.site, n));
  if (list.length === 0) throw new Error('simulate: no attacker network matches');
  return rng.pick(list);
}

function stolen(h: Holder, userAgent?: string): Credential {
  return { ...h.cred!, located: true, userAgent: userAgent ?? h.cred!.userAgent };
}

function label(labels: Label[], detector: string, subjectType: Label['subject_type'], subject: string, times: number[], note: string): void {
  if (times.length === 0) throw new Error(`simulate: attack ${detector} produced no event`);
  labels.push({ detector, subject_type: subjectType, subject, from: iso(Math.min(...times)), to: iso(Math.max(...times)), note });
}

/** The owner's own requests at a given time, from their usual place (concurrent use). */
function ownerBurst(w: World, h: Holder, rng: Rng, start: number, at: Endpoint): number[] {
  const times = burst(rng, start, rng.int(3, 10), 6 * SECOND).filter((t) => t < w.end);
  for (const t of times) w.rec.request(h.cred!, t, at, normalRequest(rng, h.cred!.app));
  return times;
}

const SCRIPT_AGENTS = ['python-requests/2.31.0', 'curl/8.5.0', 'Go-http-client/1.1', 'Mozilla/5.0 (compatible; scraper/1.0)'];

// ---------------------------------------------------------------------------------------------

/** A stolen token hammered at 10–60× the owner's own per-minute peak for 5–25 minutes. */
function rateSpike(w: World, h: Holder, rng: Rng, out: AttackOutput): void {
  const at = h.attackAt!;
  const history = w.rec.uses(h.cred!.token).filter((u) => u.ms < at);
  const perMinute = new Map<number, number>();
  for (const u of history) perMinute.set(Math.floor(u.ms / MINUTE), (perMinute.get(Math.floor(u.ms / MINUTE)) ?? 0) + 1);
  const peak = Math.max(1, ...perMinute.values());
  let minutes = rng.float(5, 25);
  let rate = Math.ceil(peak * rng.float(10, 60));
  if (rate * minutes > MAX_ATTACK_REQUESTS) minutes = Math.max(3, MAX_ATTACK_REQUESTS / rate);
  if (rate * minutes > MAX_ATTACK_REQUESTS) rate = Math.max(peak * 10, Math.floor(MAX_ATTACK_REQUESTS / minutes));
  const own = rng.chance(0.5);
  const home = h.home!;
  const from = own ? (mostCommon(history) ?? h.homeAt!) : w.net.endpoint(rng, attackerNetwork(w, rng, ['hosting'], (c) => c.country === home.country));
  const cred = stolen(h, own ? undefined : rng.pick(SCRIPT_AGENTS));
  const times: number[] = [];
  const stop = Math.min(at + minutes * MINUTE, w.end - MINUTE);
  for (let minute = at; minute < stop; minute += MINUTE) {
    const n = rng.poisson(rate);
    for (let i = 0; i < n; i++) times.push(minute + Math.floor(rng.next() * MINUTE));
  }
  for (const t of times) {
    const req = normalRequest(rng, cred.app);
    w.rec.request(cred, t, from, { ...req, method: 'GET', status: req.status === 201 ? 200 : req.status });
  }
  label(
    out.labels,
    'rate_spike',
    'token',
    cred.token,
    times,
    `${times.length} requests in ${Math.round(minutes)} min (~${rate}/min) vs the token's own peak of ${peak}/min, from ${own ? "the owner's usual address" : `a hosting address in ${from.country}`}`,
  );
}

/** One token from dozens of addresses across many ASNs and countries within minutes (a leaked key in a botnet). */
function ipFanout(w: World, h: Holder, rng: Rng, out: AttackOutput): void {
  const start = h.attackAt!;
  const window = rng.float(3, 15) * MINUTE;
  const ipCount = rng.int(25, 80);
  const pool = rng.shuffle(w.net.all.filter((n) => n.v4.length > 0 && n.kind !== 'business'));
  const networks: Network[] = [];
  const asns = new Set<number>();
  const wanted = rng.int(12, 30);
  for (const n of pool) {
    if (asns.has(n.asn)) continue;
    asns.add(n.asn);
    networks.push(n);
    if (networks.length >= wanted) break;
  }
  const cred = stolen(h, rng.chance(0.5) ? undefined : rng.pick(SCRIPT_AGENTS));
  const times: number[] = [];
  const countries = new Set<string>();
  for (let i = 0; i < ipCount; i++) {
    const from = w.net.endpoint(rng, networks[i % networks.length]!);
    countries.add(from.country);
    for (let k = rng.int(1, 5); k > 0; k--) {
      const t = start + Math.floor(rng.next() * window);
      times.push(t);
      w.rec.request(cred, t, from, normalRequest(rng, cred.app));
    }
  }
  label(out.labels, 'ip_fanout', 'token', cred.token, times, `${ipCount} IPs in ${networks.length} ASNs and ${countries.size} countries within ${Math.round(window / MINUTE)} min`);
}

/** Used at home, then minutes later from another continent, then at home again. */
function impossibleTravel(w: World, h: Holder, rng: Rng, out: AttackOutput): void {
  const history = w.rec.uses(h.cred!.token);
  const home = mostCommon(history.filter((u) => u.ms < h.attackAt!)) ?? h.homeAt!;
  // Anchor on a real use of the owner; if none is near, the owner makes one. The anchor
  // leaves an hour before the end for the replay and the owner's return: an attack after
  // the simulation's end is one nobody could detect (and whether it fell there depended on
  // the minute the simulation ended at).
  const anchor = history.find((u) => u.ms >= h.attackAt! && u.ms < Math.min(h.attackAt! + 12 * HOUR, w.end - HOUR) && u.at.site.key === home.site.key);
  const t0 = anchor?.ms ?? ownerBurst(w, h, rng, h.attackAt!, home).at(-1)!;
  const ownerAt = anchor?.at ?? home;
  const network = attackerNetwork(w, rng, ['residential', 'hosting', 'vpn'], (c) => c.continent !== ownerAt.site.continent && distanceKm(c.lat, c.lon, ownerAt.lat, ownerAt.lon) > 4000);
  const from = w.net.endpoint(rng, network);
  const cred = stolen(h, rng.chance(0.6) ? undefined : rng.pick(SCRIPT_AGENTS));
  const begin = t0 + rng.float(2, 20) * MINUTE;
  const times = burst(rng, begin, rng.int(3, 25), 15 * SECOND);
  for (const t of times) w.rec.request(cred, t, from, normalRequest(rng, cred.app));
  // The owner carries on at home.
  ownerBurst(w, h, rng, Math.max(...times) + rng.float(1, 15) * MINUTE, ownerAt);
  const km = Math.round(distanceKm(ownerAt.lat, ownerAt.lon, from.lat, from.lon));
  const gap = (Math.min(...times) - t0) / MINUTE;
  label(out.labels, 'impossible_travel', 'token', cred.token, times, `${ownerAt.city} (${ownerAt.country}) then ${from.city} (${from.country}), ${km} km in ${gap.toFixed(1)} min; the owner continues in ${ownerAt.city}`);
}

/** A long-baselined token suddenly used from a country and ASN never seen for it, while the owner keeps using it at home. */
function newLocation(w: World, h: Holder, rng: Rng, out: AttackOutput): void {
  const history = w.rec.uses(h.cred!.token);
  const countries = new Set(history.map((u) => u.at.country));
  const asnsSeen = new Set(history.map((u) => u.at.asn));
  const home = mostCommon(history.filter((u) => u.ms < h.attackAt!)) ?? h.homeAt!;
  const near = rng.chance(0.5);
  const network = attackerNetwork(
    w,
    rng,
    ['residential', 'hosting', 'mobile'],
    (c, n) => !countries.has(c.country) && !asnsSeen.has(n.asn) && (near ? c.continent === home.site.continent : true),
  );
  const addresses = Array.from({ length: rng.int(1, 2) }, () => w.net.endpoint(rng, network));
  const start = h.attackAt!;
  const hours = Math.min(rng.float(1, 5), (w.end - start) / HOUR - 0.2);
  const cred = stolen(h);
  const times: number[] = [];
  const sessions = rng.int(3, 6);
  for (let i = 0; i < sessions; i++) {
    const s = start + ((i + rng.next() * 0.5) / sessions) * hours * HOUR;
    const from = rng.pick(addresses);
    for (const t of burst(rng, s, rng.int(5, 30), 8 * SECOND)) {
      times.push(t);
      w.rec.request(cred, t, from, normalRequest(rng, cred.app));
    }
  }
  // Concurrent use by the owner, from home: just before the attack and throughout it.
  ownerBurst(w, h, rng, start - rng.float(5, 30) * MINUTE, home);
  const owned = rng.int(2, 4);
  for (let i = 0; i < owned; i++) ownerBurst(w, h, rng, start + ((i + rng.next()) / owned) * hours * HOUR, home);
  const first = addresses[0]!;
  label(
    out.labels,
    'new_location',
    'token',
    cred.token,
    times,
    `first use ever from ${first.country} (${first.city}, AS${first.asn}) after ${Math.round((start - (history[0]?.ms ?? start)) / HOUR / 24)} days of history in ${[...countries].join(', ')}; the owner keeps using it from ${home.city}`,
  );
}

/** Scope probing with a stolen token: a burst of 403s (and some 401s) on admin paths. */
function authFailuresToken(w: World, h: Holder, rng: Rng, out: AttackOutput): void {
  const home = h.home!;
  const abroad = rng.chance(0.7);
  const network = attackerNetwork(w, rng, ['hosting', 'vpn', 'residential'], (c) => (c.country !== home.country) === abroad);
  const from = w.net.endpoint(rng, network);
  const cred = stolen(h, rng.pick(SCRIPT_AGENTS));
  const n = rng.int(40, 250);
  const window = rng.float(4, 15) * MINUTE;
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = h.attackAt! + Math.floor((i / n) * window + rng.next() * (window / n));
    const x = rng.next();
    const status = x < 0.82 ? 403 : x < 0.94 ? 401 : x < 0.98 ? 404 : 200;
    const path = rng.pick(PROBE_PATHS).replace('{id}', String(rng.int(1, 5000)));
    times.push(t);
    w.rec.request(cred, t, from, { method: rng.pick(['GET', 'GET', 'POST', 'DELETE']), path, status });
  }
  label(out.labels, 'auth_failures', 'token', cred.token, times, `${n} requests to admin paths in ${Math.round(window / MINUTE)} min, ~94% 401/403, from ${from.ip} (${from.country})`);
}

/** Credential stuffing: one address tries hundreds of guessed tokens, each rejected with 401. */
function authFailuresIp(w: World, rng: Rng, at: number, out: AttackOutput): void {
  const network = attackerNetwork(w, rng, ['hosting', 'vpn', 'residential'], () => true);
  const from = w.net.endpoint(rng, network);
  const n = rng.int(150, 900);
  const window = rng.float(5, 25) * MINUTE;
  const userAgent = rng.pick(SCRIPT_AGENTS);
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const api = rng.chance(0.6);
    const token = api ? makeApiKey(rng) : makeOpaqueAccess(rng);
    out.attackerTokens.push(token);
    const cred: Credential = { token, tokenType: api ? 'api_key' : 'access_token', app: APPS.partner, userAgent, located: true };
    const t = at + Math.floor(rng.next() * window);
    times.push(t);
    w.rec.request(cred, t, from, { method: 'GET', path: rng.pick(['/v1/me', '/v1/account', '/v1/orders']), status: 401 });
  }
  label(out.labels, 'auth_failures', 'ip', from.ip, times, `${n} distinct unknown tokens rejected with 401 from ${from.ip} (${from.country}, AS${from.asn}) in ${Math.round(window / MINUTE)} min`);
}

/** A revoked token that keeps getting 2xx: the gateway does not enforce the revocation. */
function revokedUse(w: World, h: Holder, rng: Rng, out: AttackOutput): void {
  const history = w.rec.uses(h.cred!.token);
  const next = history.find((u) => u.ms >= h.attackAt!);
  const revokedAt = (next?.ms ?? h.attackAt!) - rng.float(1, 20) * MINUTE;
  const cred = h.cred!;
  w.rec.lifecycle(revokedAt, {
    event: 'revoked',
    token: cred.token,
    token_type: cred.tokenType,
    client_id: cred.clientId,
    app_id: cred.appId,
    user_id: cred.userId,
    source: rng.pick(['app_owner', 'subscriber', 'governance', 'api_provider'] as const),
    reason: rng.pick(['reported lost device', 'employee offboarded', 'key found in a public repository']),
  });
  const home = mostCommon(history) ?? h.homeAt!;
  // Explicit traffic soon after the revocation, besides the owner's own, which also keeps passing.
  const start = revokedAt + rng.float(2, 30) * MINUTE;
  const times = burst(rng, start, rng.int(10, 60), 20 * SECOND).filter((t) => t < w.end);
  for (const t of times) w.rec.request(cred, t, home, normalRequest(rng, cred.app));
  const passed = [...times, ...history.filter((u) => u.ms > revokedAt && u.status < 300).map((u) => u.ms)];
  const after = passed.filter((t) => t > revokedAt);
  label(out.labels, 'revoked_use', 'token', cred.token, [revokedAt, ...after], `revoked at ${iso(revokedAt)}, then ${after.length} requests answered 2xx`);
}

/** A rotated refresh token presented again, from another place; sometimes the IdP honours it and a second family branch appears. */
function refreshReuse(w: World, h: Holder, rng: Rng, out: AttackOutput): void {
  const eligible = h.rotations.filter((r) => r.ms >= h.from + 2.5 * 24 * HOUR && r.ms < w.end - 2 * HOUR);
  const rotation = eligible.length > 0 ? rng.pick(eligible) : h.rotations.at(-1);
  if (!rotation) throw new Error('simulate: refresh_reuse victim has no rotation');
  const cred = h.cred!;
  const home = h.home!;
  const abroad = rng.chance(0.7);
  const network = attackerNetwork(w, rng, ['residential', 'hosting', 'vpn'], (c) => (c.country !== home.country) === abroad);
  const from = w.net.endpoint(rng, network);
  const reuseAt = rotation.ms + rng.float(5 * MINUTE, Math.max(6 * MINUTE, Math.min(12 * HOUR, w.end - rotation.ms - 90 * MINUTE)));
  const refresh: Credential = { ...cred, token: rotation.old, tokenType: 'refresh_token', located: true, userAgent: rng.pick(SCRIPT_AGENTS) };
  const times: number[] = [];
  const honoured = rng.chance(0.5);
  const attempts = honoured ? 1 : rng.int(1, 3);
  for (let i = 0; i < attempts; i++) {
    const t = reuseAt + i * rng.float(2, 30) * SECOND;
    times.push(t);
    w.rec.request(refresh, t, from, { method: 'POST', path: TOKEN_PATH, host: AUTH_HOST, status: honoured ? 200 : 400 });
  }
  let note = `refresh token rotated at ${iso(rotation.ms)} presented again from ${from.ip} (${from.country})`;
  if (honoured) {
    const issued = reuseAt + rng.float(50, 300);
    const branch = makeRefresh(rng);
    const lifetime = HOUR;
    const access = makeJwt(rng, { sub: cred.userId ?? 'unknown', client_id: cred.clientId ?? 'unknown', scope: (cred.scopes ?? []).join(' '), iat: issued, exp: issued + lifetime });
    out.attackerTokens.push(branch, access.token);
    const base = { client_id: cred.clientId, app_id: cred.appId, user_id: cred.userId, scopes: cred.scopes, grant_type: 'refresh_token', issued_at: iso(issued) };
    w.rec.lifecycle(issued, { event: 'refreshed', token: branch, token_type: 'refresh_token', rotated_from: rotation.old, ...base });
    w.rec.lifecycle(issued, { event: 'issued', token: access.token, token_type: 'access_token', jti: access.jti, ...base, expires_at: iso(issued + lifetime) });
    const stolenAccess: Credential = { ...refresh, token: access.token, tokenType: 'access_token' };
    for (const t of burst(rng, issued + rng.float(1, 20) * SECOND, rng.int(5, 40), 10 * SECOND)) {
      if (t >= w.end) break;
      times.push(t);
      w.rec.request(stolenAccess, t, from, normalRequest(rng, cred.app));
    }
    note += '; the IdP honoured it: a second refreshed event with the same rotated_from, and the new access token in use';
  } else {
    note += '; the IdP answered 400 invalid_grant';
  }
  label(out.labels, 'refresh_reuse', 'token', rotation.old, times, note);
}

/** A token idle for three weeks or more, suddenly active from a country and ASN it never used. */
function dormantReuse(w: World, h: Holder, rng: Rng, out: AttackOutput): void {
  const history = w.rec.uses(h.cred!.token);
  const last = history.at(-1)?.ms ?? h.from;
  const countries = new Set(history.map((u) => u.at.country));
  const asns = new Set(history.map((u) => u.at.asn));
  const network = attackerNetwork(w, rng, ['hosting', 'vpn', 'residential'], (c, n) => !countries.has(c.country) && !asns.has(n.asn));
  const from = w.net.endpoint(rng, network);
  const cred = stolen(h, rng.pick(SCRIPT_AGENTS));
  const start = h.returnAt!;
  const n = rng.int(20, 250);
  const window = Math.min(rng.float(10, 120) * MINUTE, w.end - start - MINUTE);
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = start + Math.floor(rng.next() * window);
    times.push(t);
    w.rec.request(cred, t, from, { method: 'GET', path: `/v1/transactions?page=${i + 1}`, status: 200 });
  }
  label(out.labels, 'dormant_reuse', 'token', cred.token, times, `idle ${((start - last) / (24 * HOUR)).toFixed(1)} days, then ${n} requests from ${from.country} (AS${from.asn}); history only in ${[...countries].join(', ')}`);
}

export function runAttack(w: World, kind: AttackKind, h: Holder | undefined, rng: Rng, at: number, out: AttackOutput): void {
  if (kind === 'auth_failures_ip') return authFailuresIp(w, rng, at, out);
  if (!h) throw new Error(`simulate: attack ${kind} needs a victim`);
  const run = {
    rate_spike: rateSpike,
    ip_fanout: ipFanout,
    impossible_travel: impossibleTravel,
    new_location: newLocation,
    auth_failures_token: authFailuresToken,
    revoked_use: revokedUse,
    refresh_reuse: refreshReuse,
    dormant_reuse: dormantReuse,
  }[kind];
  run(w, h, rng, out);
}

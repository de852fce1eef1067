/**
 * Benign behaviours. Each looks alarming to a naive rule and is normal for the holder:
 * volume (heavy machines, nightly batches), many IPs (mobile carriers, serverless egress,
 * corporate NAT), far jumps (VPN exits, travellers, mobile GeoIP), 401s (lazy refresh,
 * revoked keys still tried), token churn (OAuth rotation), long silences (dormant_return).
 */
import { distanceKm, type City } from './cities.js';
import { BUSINESS, burst, CONSUMER, DAY, EVENING, HOUR, MINUTE, OFFICE, SECOND, sessionStarts, steady, type DayProfile } from './clock.js';
import type { Endpoint, Network, NetworkKind } from './networks.js';
import type { Rng } from './prng.js';
import {
  APPS,
  AUTH_HOST,
  makeApiKey,
  makeJwt,
  makeOpaqueAccess,
  makePat,
  makeRefresh,
  normalRequest,
  TOKEN_PATH,
  type AppName,
  type Credential,
} from './traffic.js';
import type { Behaviour, Holder, World } from './world.js';

const COMPANIES = [
  'acme', 'globex', 'initech', 'umbrella', 'hooli', 'stark', 'wayne', 'tyrell', 'cyberdyne', 'soylent',
  'wonka', 'oscorp', 'massive', 'vandelay', 'dunder', 'pied-piper', 'aperture', 'blackmesa', 'monarch', 'gringotts',
] as const;

/** Where machines run: the big cloud regions. */
const CLOUD_REGIONS = ['iad', 'fra', 'dub', 'sin', 'tyo', 'lon', 'ams', 'syd', 'gru', 'bom', 'sfo', 'par', 'sto'];

// ---------------------------------------------------------------------------------------------
// Shared helpers

function networksOr(w: World, city: City, kinds: NetworkKind[]): Network[] {
  for (const kind of kinds) {
    const list = w.net.at(city, kind);
    if (list.length > 0) return list;
  }
  return [];
}

function pickCity(w: World, rng: Rng, ...kinds: NetworkKind[]): City {
  return rng.pick(w.net.citiesWith(...kinds));
}

function cloudCity(w: World, rng: Rng): City {
  const cities = w.net.citiesWith('hosting').filter((c) => CLOUD_REGIONS.includes(c.key));
  return rng.pick(cities.length > 0 ? cities : w.net.citiesWith('hosting'));
}

function userId(rng: Rng): string {
  return `u_${rng.base62(10)}`;
}

function company(h: Holder): string {
  return `${COMPANIES[h.index % COMPANIES.length]}-${h.index}`;
}

/** A machine credential (API key or personal access token) of a company's application. */
function machineCred(h: Holder, app: AppName, type: 'api_key' | 'personal_access_token'): Credential {
  const name = company(h);
  const token = type === 'api_key' ? makeApiKey(h.rng) : makePat(h.rng);
  h.tokens.push(token);
  return {
    token,
    tokenType: type,
    app: APPS[app],
    appId: `app-${name}`,
    clientId: `${name}-${APPS[app].name}`,
    userAgent: h.rng.pick(APPS[app].userAgents),
    scopes: [...APPS[app].scopes],
    located: h.attack !== undefined,
  };
}

/** A person's session token in one of the consumer apps. */
function personCred(w: World, h: Holder, app: AppName, uid = userId(h.rng)): Credential {
  const token = makeOpaqueAccess(h.rng);
  h.tokens.push(token);
  const cred: Credential = {
    token,
    tokenType: 'access_token',
    app: APPS[app],
    appId: `app-${APPS[app].name}`,
    clientId: `${APPS[app].name}-client`,
    userId: uid,
    userAgent: h.rng.pick(APPS[app].userAgents),
    scopes: [...APPS[app].scopes],
    located: h.attack !== undefined,
  };
  // Some sessions began inside the simulated range: the IdP reports the issue.
  if (h.rng.chance(0.4)) {
    w.rec.lifecycle(h.from, {
      event: 'issued',
      token,
      token_type: 'access_token',
      client_id: cred.clientId,
      app_id: cred.appId,
      user_id: uid,
      scopes: cred.scopes,
      grant_type: 'authorization_code',
      issued_at: new Date(h.from).toISOString(),
    });
  }
  return cred;
}

/** A person's use: sessions by the local day profile, each a burst of requests from one place. */
function personSessions(
  w: World,
  h: Holder,
  opts: { from: number; to: number; tz: string; perDay: number; profile: DayProfile; weekend: number; requests: number; gapMs: number },
  where: (session: number) => Endpoint | undefined,
  send: (t: number, at: Endpoint) => void,
): void {
  for (const s of sessionStarts(h.rng, w.clock, opts)) {
    const at = where(s);
    if (!at) continue;
    for (const t of burst(h.rng, s, opts.requests, opts.gapMs)) if (t < opts.to) send(t, at);
  }
}

/** A home broadband line whose address changes every few days (DHCP lease, router restart). */
function homeLine(w: World, h: Holder, city: City): (t: number) => Endpoint {
  const network = h.rng.pick(networksOr(w, city, ['residential', 'mobile']));
  const v6 = h.rng.chance(0.25);
  let at = w.net.endpoint(h.rng, network, v6);
  let renew = h.from + h.rng.around(4 * DAY, 1.6);
  h.homeAt = at;
  return (t: number) => {
    if (t > renew) {
      at = w.net.endpoint(h.rng, network, v6);
      renew = t + h.rng.around(4 * DAY, 1.6);
    }
    return at;
  };
}

const send = (w: World, cred: Credential, rng: Rng) => (t: number, at: Endpoint) => w.rec.request(cred, t, at, normalRequest(rng, cred.app));

// ---------------------------------------------------------------------------------------------
// Machines

/** Thousands of requests an hour, around the clock, from a few static cloud addresses. */
function heavyMachine(w: World, h: Holder): void {
  const city = cloudCity(w, h.rng);
  const network = h.rng.pick(w.net.at(city, 'hosting'));
  const gateways = Array.from({ length: h.rng.int(2, 4) }, () => w.net.endpoint(h.rng, network));
  const cred = (h.cred = machineCred(h, 'partner', 'api_key'));
  h.home = city;
  h.homeAt = gateways[0];
  const perHour = h.rng.float(1000, 1600);
  for (const t of steady(h.rng, w.clock, h.from, h.to, perHour, city.tz, BUSINESS, 0.25)) {
    w.rec.request(cred, t, h.rng.pick(gateways), normalRequest(h.rng, cred.app));
  }
}

/** A low steady rate, and every night at the same local time a burst of 50× that rate. */
function batchJob(w: World, h: Holder): void {
  const city = h.rng.chance(0.7) ? cloudCity(w, h.rng) : pickCity(w, h.rng, 'business');
  const network = h.rng.pick(networksOr(w, city, ['hosting', 'business']));
  const hosts = Array.from({ length: h.rng.int(1, 2) }, () => w.net.endpoint(h.rng, network));
  const cred = (h.cred = machineCred(h, 'batch', h.rng.chance(0.7) ? 'api_key' : 'personal_access_token'));
  h.home = city;
  h.homeAt = hosts[0];
  const perHour = h.rng.float(5, 20);
  const hour = h.rng.int(1, 4);
  const minute = h.rng.pick([0, 0, 15, 30]);
  const length = h.rng.float(15, 35) * MINUTE;
  const request = (t: number) => w.rec.request(cred, t, h.rng.pick(hosts), normalRequest(h.rng, cred.app));
  for (const t of steady(h.rng, w.clock, h.from, h.to, perHour, city.tz, BUSINESS, 0.5)) request(t);
  for (let day = h.from - DAY; day < h.to + DAY; day += DAY) {
    const start = w.clock.at(city.tz, day, hour, minute) + h.rng.float(-2, 3) * MINUTE;
    const stop = start + length * h.rng.float(0.9, 1.1);
    for (const t of steady(h.rng, w.clock, Math.max(start, h.from), Math.min(stop, h.to), perHour * 50, city.tz, BUSINESS, 0)) request(t);
  }
}

/** Serverless functions: every request may leave from another address of the cloud region's pool. */
function serverlessFanout(w: World, h: Holder): void {
  const city = cloudCity(w, h.rng);
  const networks = w.net.at(city, 'hosting');
  const network = networks.find((n) => n.asn === 16509 || n.asn === 14618) ?? h.rng.pick(networks);
  const pool = Array.from({ length: h.rng.int(40, 120) }, () => w.net.endpoint(h.rng, network));
  const cred = (h.cred = machineCred(h, 'partner', 'api_key'));
  cred.userAgent = 'aws-lambda-nodejs20.x undici/6.13.0';
  h.home = city;
  h.homeAt = pool[0];
  const perHour = h.rng.float(40, 120);
  let warm: Endpoint[] = [];
  let rewarm = 0;
  for (const t of steady(h.rng, w.clock, h.from, h.to, perHour, city.tz, BUSINESS, 0.4)) {
    if (t >= rewarm) {
      warm = Array.from({ length: h.rng.int(6, 20) }, () => h.rng.pick(pool));
      rewarm = t + h.rng.float(5, 15) * MINUTE;
    }
    w.rec.request(cred, t, h.rng.pick(warm), normalRequest(h.rng, cred.app));
  }
}

/** A partner's integration: business hours, tens of requests an hour, one static address. */
function integration(w: World, h: Holder): void {
  const city = h.rng.chance(0.6) ? pickCity(w, h.rng, 'business') : cloudCity(w, h.rng);
  const network = h.rng.pick(networksOr(w, city, ['business', 'hosting']));
  const at = w.net.endpoint(h.rng, network);
  const cred = (h.cred = machineCred(h, 'partner', h.rng.chance(0.7) ? 'api_key' : 'personal_access_token'));
  h.home = city;
  h.homeAt = at;
  const perHour = h.rng.around(8, 2);
  for (const t of steady(h.rng, w.clock, h.from, h.to, perHour, city.tz, BUSINESS, 0.9)) w.rec.request(cred, t, at, normalRequest(h.rng, cred.app));
}

// ---------------------------------------------------------------------------------------------
// People

/** At home in the evening and at weekends, sometimes at the office, sometimes on the phone. */
function interactive(w: World, h: Holder): void {
  const city = pickCity(w, h.rng, 'residential');
  h.home = city;
  const home = homeLine(w, h, city);
  const offices = w.net.at(city, 'business');
  const office = offices.length > 0 && h.rng.chance(0.35) ? w.net.endpoint(h.rng, h.rng.pick(offices)) : undefined;
  const phones = w.net.at(city, 'mobile');
  const phone = phones.length > 0 && h.rng.chance(0.25) ? h.rng.pick(phones) : undefined;
  const cred = (h.cred = personCred(w, h, h.rng.chance(0.6) ? 'web' : 'mobile'));
  const plan = { from: h.from, to: h.to, tz: city.tz, perDay: h.rng.around(4, 1.6), profile: CONSUMER, weekend: 0.8, requests: h.rng.around(12, 1.5), gapMs: 7 * SECOND };
  personSessions(
    w,
    h,
    plan,
    (s) => {
      const hour = w.clock.hour(city.tz, s);
      if (office && !w.clock.weekend(city.tz, s) && hour >= 9 && hour < 17 && h.rng.chance(0.7)) return office;
      if (phone && h.rng.chance(0.1)) return w.net.endpoint(h.rng, phone);
      return home(s);
    },
    send(w, cred, h.rng),
  );
}

/**
 * A phone on a carrier: a new address almost every session (carrier-grade NAT), sometimes
 * mid-session, from blocks that geolocate to different cities of the country; home Wi-Fi
 * in the evening.
 */
function mobile(w: World, h: Holder): void {
  const carrier = h.rng.pick(w.net.multiCityCarriers);
  const footprint = w.net.sameAsnInCountry(carrier);
  const city = carrier.site;
  h.home = city;
  const wifiNets = w.net.at(city, 'residential');
  const wifi = wifiNets.length > 0 && h.rng.chance(0.6) ? w.net.endpoint(h.rng, h.rng.pick(wifiNets)) : undefined;
  const v6 = h.rng.chance(0.3);
  const cell = () => w.net.endpoint(h.rng, h.rng.chance(0.65) ? carrier : h.rng.pick(footprint), v6);
  h.homeAt = cell();
  const cred = (h.cred = personCred(w, h, 'mobile'));
  const plan = { from: h.from, to: h.to, tz: city.tz, perDay: h.rng.around(6, 1.5), profile: CONSUMER, weekend: 1, requests: h.rng.around(8, 1.6), gapMs: 5 * SECOND };
  for (const s of sessionStarts(h.rng, w.clock, plan)) {
    const hour = w.clock.hour(city.tz, s);
    let at = wifi && (hour >= 19 || hour < 7) && h.rng.chance(0.5) ? wifi : cell();
    const times = burst(h.rng, s, plan.requests, plan.gapMs);
    const handover = at !== wifi && h.rng.chance(0.15) ? h.rng.int(1, times.length) : -1;
    times.forEach((t, i) => {
      if (i === handover) at = cell();
      w.rec.request(cred, t, at, normalRequest(h.rng, cred.app));
    });
  }
}

/** An employee behind the office NAT (hundreds share its one address); some also work from home in the evening. */
function corporateNat(w: World, h: Holder): void {
  const office = h.office!;
  const city = office.city;
  h.home = city;
  h.homeAt = office.nat;
  const cred = (h.cred = personCred(w, h, 'intranet'));
  const base = { from: h.from, to: h.to, tz: city.tz, requests: h.rng.around(12, 1.5), gapMs: 8 * SECOND };
  const sender = send(w, cred, h.rng);
  personSessions(w, h, { ...base, perDay: h.rng.around(5, 1.4), profile: OFFICE, weekend: 0.03 }, () => office.nat, sender);
  if (h.rng.chance(0.5)) {
    const home = homeLine(w, h, city);
    h.homeAt = office.nat;
    personSessions(w, h, { ...base, perDay: h.rng.around(1.2, 1.5), profile: EVENING, weekend: 1.5 }, home, sender);
  }
}

/**
 * Home broadband and a VPN exit (a few addresses of one VPN or cloud network) in another city
 * or country, alternating several times a day from the first session on (which begins on the
 * VPN and ends at home): the exit is part of the token's normal. A fifth of sessions switch
 * mid-session (the VPN connects or drops).
 */
function vpnEgress(w: World, h: Holder): void {
  const city = pickCity(w, h.rng, 'residential');
  h.home = city;
  const home = homeLine(w, h, city);
  const exitCities = w.net.citiesWith('vpn').filter((c) => c.key !== city.key);
  const abroad = h.rng.chance(0.5);
  const choices = exitCities.filter((c) => (abroad ? c.country !== city.country : c.country === city.country));
  const exitCity = h.rng.pick(choices.length > 0 ? choices : exitCities);
  const exitNetwork = h.rng.pick(networksOr(w, exitCity, h.rng.chance(0.8) ? ['vpn', 'hosting'] : ['hosting', 'vpn']));
  const exits = Array.from({ length: 3 }, () => w.net.endpoint(h.rng, exitNetwork));
  const cred = (h.cred = personCred(w, h, h.rng.chance(0.7) ? 'web' : 'mobile'));
  const vpnShare = h.rng.float(0.3, 0.6);
  const plan = { from: h.from, to: h.to, tz: city.tz, perDay: h.rng.around(5, 1.5), profile: CONSUMER, weekend: 1, requests: h.rng.around(12, 1.5), gapMs: 7 * SECOND };
  // The first session starts on the VPN and ends at home: both are normal from the first hour.
  let first = true;
  const exitAt = () => h.rng.pick(exits);
  const onVpn = (at: Endpoint) => at.kind === 'vpn' || at.kind === 'hosting';
  for (const s of sessionStarts(h.rng, w.clock, plan)) {
    let at = first || h.rng.chance(vpnShare) ? exitAt() : home(s);
    const times = burst(h.rng, s, plan.requests, plan.gapMs);
    if (first && times.length < 2) times.push(times[0]! + h.rng.float(5, 60) * SECOND);
    const toggle = first ? Math.ceil(times.length / 2) : h.rng.chance(0.2) ? h.rng.int(1, times.length) : -1;
    first = false;
    times.forEach((t, i) => {
      if (i === toggle) at = onVpn(at) ? home(t) : exitAt();
      w.rec.request(cred, t, at, normalRequest(h.rng, cred.app));
    });
  }
}

/** Cruising speed plus taxi and climb: an airliner covers about 800 km in an hour of block time. */
const FLIGHT_KMH = 800;
const FLIGHT_OVERHEAD_H = 0.5;
/** Last use before take-off (to the airport) and first after landing (out of it). */
const TO_AIRPORT = 2 * HOUR;
const FROM_AIRPORT = 1 * HOUR;

/**
 * Home, a flight of realistic duration with no use during it, a stay at the destination
 * (hotel Wi-Fi, local daytime), the flight back, home again.
 */
function traveller(w: World, h: Holder): void {
  const city = pickCity(w, h.rng, 'residential');
  h.home = city;
  const home = homeLine(w, h, city);
  const cred = (h.cred = personCred(w, h, h.rng.chance(0.5) ? 'web' : 'mobile'));
  const sender = send(w, cred, h.rng);
  /** Where the person is, when; `hotel` is unset at home. */
  const stays: { from: number; to: number; city: City; hotel?: Endpoint }[] = [];
  const destinations = w.net.citiesWith('residential').filter((c) => c.country !== city.country);
  const far = destinations.filter((c) => c.continent !== city.continent);
  let t = h.from;
  let departure = h.from + h.rng.float(1.2, 2.5) * DAY;
  while (departure < h.to - 6 * HOUR) {
    const dest = h.rng.pick(h.rng.chance(0.7) && far.length > 0 ? far : destinations);
    const flight = (distanceKm(city.lat, city.lon, dest.lat, dest.lon) / FLIGHT_KMH + FLIGHT_OVERHEAD_H) * HOUR;
    stays.push({ from: t, to: departure - TO_AIRPORT, city });
    const arrival = departure + flight;
    const back = arrival + h.rng.float(1, 3) * DAY;
    const hotel = w.net.endpoint(h.rng, h.rng.pick(networksOr(w, dest, ['business', 'residential'])));
    stays.push({ from: arrival + FROM_AIRPORT + h.rng.float(0, 2) * HOUR, to: back - TO_AIRPORT, city: dest, hotel });
    t = back + flight + FROM_AIRPORT + h.rng.float(0, 2) * HOUR;
    departure = t + h.rng.float(2, 6) * DAY;
  }
  stays.push({ from: t, to: h.to, city });
  const perDay = h.rng.around(4, 1.5);
  const requests = h.rng.around(12, 1.5);
  for (const stay of stays) {
    const to = Math.min(stay.to, h.to);
    if (to <= stay.from) continue;
    const plan = { from: stay.from, to, tz: stay.city.tz, perDay, profile: CONSUMER, weekend: 1, requests, gapMs: 7 * SECOND };
    const hotel = stay.hotel;
    personSessions(w, h, plan, hotel ? () => hotel : home, sender);
  }
}

// ---------------------------------------------------------------------------------------------
// OAuth families

interface Family {
  refresh: Credential;
  access: Credential & { exp: number };
}

/**
 * A user of an OAuth client with rotating refresh tokens. `eager` clients refresh before the
 * access token expires; lazy ones (session_expiry) present it, get a 401, then refresh.
 * Each rotation: the old refresh token presented once at the token endpoint, a `refreshed`
 * lifecycle event naming it in `rotated_from`, an `issued` event for the new access token.
 * The IdP's clock is not the gateway's: the refreshed event lands 50–300 ms after the
 * request, or (one in ten) up to 1.5 s before it.
 */
function oauthFamily(w: World, h: Holder, eager: boolean): void {
  const city = pickCity(w, h.rng, 'residential');
  h.home = city;
  const home = homeLine(w, h, city);
  const phones = w.net.at(city, 'mobile');
  const phone = phones.length > 0 && h.rng.chance(0.3) ? h.rng.pick(phones) : undefined;
  const appName: AppName = h.rng.chance(0.5) ? 'web' : 'mobile';
  const app = APPS[appName];
  const uid = userId(h.rng);
  const lifetime = h.rng.pick(eager ? [1, 2, 4, 8, 24] : [1, 4, 8]) * HOUR;
  const base = {
    app,
    appId: `app-${app.name}`,
    clientId: `${app.name}-oauth-client`,
    userId: uid,
    userAgent: h.rng.pick(app.userAgents),
    scopes: [...app.scopes, 'offline_access'],
    located: h.attack !== undefined,
  };
  const scope = base.scopes.join(' ');
  const newAccess = (t: number, grant: string) => {
    const { token, jti } = makeJwt(h.rng, { sub: uid, client_id: base.clientId, scope, iat: t, exp: t + lifetime });
    h.tokens.push(token);
    w.rec.lifecycle(t, {
      event: 'issued',
      token,
      token_type: 'access_token',
      jti,
      client_id: base.clientId,
      app_id: base.appId,
      user_id: uid,
      scopes: base.scopes,
      grant_type: grant,
      issued_at: new Date(t).toISOString(),
      expires_at: new Date(t + lifetime).toISOString(),
    });
    return { ...base, token, tokenType: 'access_token' as const, exp: t + lifetime };
  };
  const newRefresh = () => {
    const token = makeRefresh(h.rng);
    h.tokens.push(token);
    return { ...base, token, tokenType: 'refresh_token' as const };
  };

  let family: Family | undefined;
  const rotate = (t: number, at: Endpoint): number => {
    const old = family!.refresh;
    w.rec.request(old, t, at, { method: 'POST', path: TOKEN_PATH, status: 200, host: AUTH_HOST });
    const issued = h.rng.chance(0.1) ? t - h.rng.float(0, 1500) : t + h.rng.float(50, 300);
    const refresh = newRefresh();
    w.rec.lifecycle(issued, {
      event: 'refreshed',
      token: refresh.token,
      token_type: 'refresh_token',
      rotated_from: old.token,
      client_id: base.clientId,
      app_id: base.appId,
      user_id: uid,
      scopes: base.scopes,
      grant_type: 'refresh_token',
      issued_at: new Date(issued).toISOString(),
    });
    family = { refresh, access: newAccess(issued, 'refresh_token') };
    h.rotations.push({ old: old.token, next: refresh.token, ms: t });
    return t + h.rng.float(200, 800);
  };

  const plan = { from: h.from, to: h.to, tz: city.tz, perDay: h.rng.around(4, 1.5), profile: CONSUMER, weekend: 1, requests: h.rng.around(12, 1.5), gapMs: 7 * SECOND };
  for (const s of sessionStarts(h.rng, w.clock, plan)) {
    const at = phone && h.rng.chance(0.2) ? w.net.endpoint(h.rng, phone) : home(s);
    if (!family) {
      const refresh = newRefresh();
      w.rec.lifecycle(s - 2 * SECOND, {
        event: 'issued',
        token: refresh.token,
        token_type: 'refresh_token',
        client_id: base.clientId,
        app_id: base.appId,
        user_id: uid,
        scopes: base.scopes,
        grant_type: 'authorization_code',
        issued_at: new Date(s - 2 * SECOND).toISOString(),
      });
      family = { refresh, access: newAccess(s - 2 * SECOND, 'authorization_code') };
      h.cred = family.access;
    }
    for (let t of burst(h.rng, s, plan.requests, plan.gapMs)) {
      if (t >= h.to) break;
      if (eager && t >= family.access.exp - 30 * SECOND) t = rotate(t, at);
      if (!eager && t >= family.access.exp) {
        const expired = family.access;
        w.rec.lifecycle(expired.exp, { event: 'expired', token: expired.token, token_type: 'access_token', client_id: base.clientId, app_id: base.appId, user_id: uid });
        w.rec.request(expired, t, at, { ...normalRequest(h.rng, app), status: 401 });
        if (h.rng.chance(0.4)) w.rec.request(expired, t + h.rng.float(20, 400), at, { ...normalRequest(h.rng, app), status: 401 });
        t = rotate(t + h.rng.float(300, 1500), at);
      }
      w.rec.request(family.access, t, at, normalRequest(h.rng, app));
    }
  }
  h.cred ??= newAccess(h.from, 'authorization_code');
}

// ---------------------------------------------------------------------------------------------
// Long silences and revocations

/**
 * A personal access token used for a few days about a month ago (a month-end script), idle
 * for three weeks or more, then back: from the same line (dormant_return), or — for the
 * dormant_reuse victim — the attack takes the comeback.
 */
function dormant(w: World, h: Holder): void {
  const city = pickCity(w, h.rng, 'business', 'residential');
  h.home = city;
  const network = h.rng.pick(networksOr(w, city, h.rng.chance(0.5) ? ['business', 'residential'] : ['residential', 'business']));
  const at = w.net.endpoint(h.rng, network);
  h.homeAt = at;
  const cred = (h.cred = machineCred(h, 'batch', 'personal_access_token'));
  cred.userId = userId(h.rng);
  // Come back inside the window, after at least 2.5 days of history and 20.5 idle days.
  const earliest = Math.max(w.start, w.floor + 23.6 * DAY);
  const back = h.rng.float(earliest, Math.max(earliest, w.end - 3 * HOUR));
  const historyEnd = Math.max(w.floor + 2.6 * DAY, Math.min(back - 20.5 * DAY, w.floor + 7 * DAY));
  const historyStart = Math.max(w.floor + 0.1 * DAY, historyEnd - h.rng.float(2.5, 4) * DAY);
  h.from = historyStart;
  h.returnAt = back;
  const perHour = h.rng.float(3, 15);
  for (const t of steady(h.rng, w.clock, historyStart, historyEnd, perHour, city.tz, BUSINESS, 0.8)) w.rec.request(cred, t, at, normalRequest(h.rng, cred.app));
  if (h.behaviour === 'dormant_return') {
    const again = h.rng.chance(0.6) ? at : w.net.endpoint(h.rng, network);
    const until = Math.min(w.end, back + h.rng.float(2 * HOUR, DAY));
    for (const t of steady(h.rng, w.clock, back, until, perHour, city.tz, BUSINESS, 0.3)) w.rec.request(cred, t, again, normalRequest(h.rng, cred.app));
  }
}

/** How long a gateway may keep accepting a token after its revocation (feed polling). */
const PROPAGATION = 25 * SECOND;

/**
 * Key rotation done right: a replacement key is issued, the main worker switches to it, the
 * old key is revoked, and a forgotten cron job keeps trying the old key. The gateway
 * enforces: at most one request within ~25 s of the revocation still passes (propagation),
 * every later one gets 401, until someone disables the cron.
 */
function revokedEnforced(w: World, h: Holder): void {
  const city = h.rng.chance(0.6) ? pickCity(w, h.rng, 'business') : cloudCity(w, h.rng);
  const network = h.rng.pick(networksOr(w, city, ['business', 'hosting']));
  const at = w.net.endpoint(h.rng, network);
  h.home = city;
  h.homeAt = at;
  const old = (h.cred = machineCred(h, 'partner', 'api_key'));
  const replacement = machineCred(h, 'partner', 'api_key');
  replacement.userAgent = old.userAgent;
  const revokedAt = h.from + h.rng.float(0.4, 0.85) * (h.to - h.from);
  const issuedAt = revokedAt - h.rng.float(10 * MINUTE, 3 * HOUR);
  const switchAt = issuedAt + h.rng.float(1, 10) * MINUTE;
  const lifecycleBase = { token_type: 'api_key' as const, client_id: old.clientId, app_id: old.appId, scopes: old.scopes };
  w.rec.lifecycle(issuedAt, { event: 'issued', token: replacement.token, ...lifecycleBase, grant_type: 'client_credentials', issued_at: new Date(issuedAt).toISOString() });
  w.rec.lifecycle(revokedAt, { event: 'revoked', token: old.token, ...lifecycleBase, source: h.rng.pick(['app_owner', 'subscriber'] as const), reason: 'key rotation' });
  const perHour = h.rng.around(12, 2);
  for (const t of steady(h.rng, w.clock, h.from, h.to, perHour, city.tz, BUSINESS, 0.9)) {
    w.rec.request(t < switchAt ? old : replacement, t, at, normalRequest(h.rng, old.app));
  }
  // The forgotten cron: every ~15 minutes, with the old key; refused once the gateway knows.
  const cronStop = revokedAt + h.rng.float(2, 12) * HOUR;
  for (let t = switchAt + h.rng.float(1, 15) * MINUTE; t < Math.min(cronStop, h.to); t += h.rng.float(14, 16) * MINUTE) {
    const status = t >= revokedAt ? 401 : normalRequest(h.rng, old.app).status;
    w.rec.request(old, t, at, { method: 'GET', path: '/v1/orders', status });
  }
  // Half the time a worker retries right after the revocation and, inside the propagation delay, still passes.
  if (h.rng.chance(0.5)) w.rec.request(old, revokedAt + h.rng.float(SECOND, PROPAGATION), at, { method: 'GET', path: '/v1/orders', status: 200 });
}

export const RUN: Record<Behaviour, (w: World, h: Holder) => void> = {
  heavy_machine: heavyMachine,
  batch_job: batchJob,
  serverless_fanout: serverlessFanout,
  integration,
  interactive,
  mobile,
  corporate_nat: corporateNat,
  vpn_egress: vpnEgress,
  traveller,
  oauth_rotation: (w, h) => oauthFamily(w, h, true),
  session_expiry: (w, h) => oauthFamily(w, h, false),
  dormant_return: dormant,
  dormant,
  revoked_enforced: revokedEnforced,
};

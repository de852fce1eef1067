/**
 * Realistic traffic for the console tests, posted over HTTP to a listening server like a
 * gateway would: a few days of habits, then one attack per detector in the last hour
 * (an impossible-travel attack among them), then a retro-hunt that raises the flags.
 */
import { randomBytes } from 'node:crypto';
import { KEYS } from '../helpers.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

export const PLACES = {
  frankfurt: { country: 'DE', city: 'Frankfurt am Main', lat: 50.11, lon: 8.68, asn: 3320 },
  berlin: { country: 'DE', city: 'Berlin', lat: 52.52, lon: 13.4, asn: 3320 },
  saopaulo: { country: 'BR', city: 'São Paulo', lat: -23.55, lon: -46.63, asn: 28573 },
  seoul: { country: 'KR', city: 'Seoul', lat: 37.57, lon: 126.98, asn: 4766 },
  moscow: { country: 'RU', city: 'Moscow', lat: 55.75, lon: 37.62, asn: 12389 },
} as const;

/** Raw tokens as a gateway would see them: opaque, high-entropy, each unique to this run. */
const rawToken = (prefix: string) => `${prefix}_${randomBytes(24).toString('base64url')}`;

export interface Seeded {
  /** Detection ran over [now - 1 h, now). */
  now: number;
  tokens: { traveller: string; spiky: string; leaked: string; shared: string; zombie: string; refreshOld: string; refreshNew: string; sleeper: string };
  flags: { flag_id: string; detector: string; subject: string }[];
}

async function post(base: string, path: string, body: unknown, key: string = KEYS.ingest): Promise<Response> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
  return res;
}

export async function seed(base: string, drained: () => Promise<void>): Promise<Seeded> {
  const now = Math.floor(Date.now() / (5 * MIN)) * 5 * MIN - 5 * MIN;
  const tokens = {
    traveller: rawToken('tw_at'),
    spiky: rawToken('tw_at'),
    leaked: rawToken('tw_key'),
    shared: rawToken('tw_at'),
    zombie: rawToken('tw_pat'),
    refreshOld: rawToken('tw_rt'),
    refreshNew: rawToken('tw_rt'),
    sleeper: rawToken('tw_key'),
  };
  const events: Record<string, unknown>[] = [];
  const lifecycle: Record<string, unknown>[] = [];
  let seq = 0;
  const use = (token: string, at: number, count: number, spanMs: number, fields: Record<string, unknown> = {}) => {
    for (let i = 0; i < count; i++) {
      events.push({
        event_id: `console-${seq++}`,
        token,
        ts: new Date(at + Math.floor((i * spanMs) / count)).toISOString(),
        ip: '198.51.100.10',
        app_id: 'shop',
        user_id: 'u-1042',
        status: 200,
        path: '/api/orders',
        method: 'GET',
        gateway: 'kong',
        ...PLACES.frankfurt,
        ...fields,
      });
    }
  };
  const habit = (token: string, days: number, minutes: number, perMin: number, fields: Record<string, unknown> = {}) => {
    for (let d = days; d >= 1; d--) use(token, now - d * DAY, minutes * perMin, minutes * MIN, fields);
  };

  // impossible_travel: a customer in Frankfurt; 13 minutes later the same token in São Paulo.
  habit(tokens.traveller, 3, 30, 2);
  use(tokens.traveller, now - 25 * MIN, 10, 5 * MIN);
  use(tokens.traveller, now - 12 * MIN, 10, 5 * MIN, { ...PLACES.saopaulo, ip: '200.1.2.3' });

  // rate_spike: a billing integration at 10/min, then 300/min.
  const billing = { app_id: 'billing', user_id: 'svc-invoicer', path: '/api/invoices' };
  habit(tokens.spiky, 3, 60, 10, billing);
  use(tokens.spiky, now - 20 * MIN, 900, 3 * MIN, billing);

  // ip_fanout: a partner key from 30 addresses in 10 networks.
  const partner = { app_id: 'partner-api', user_id: 'acme-corp', path: '/api/catalog' };
  habit(tokens.leaked, 3, 30, 2, partner);
  for (let i = 0; i < 30; i++) use(tokens.leaked, now - 40 * MIN + i * 5000, 2, 4000, { ...partner, ip: `203.0.${i}.9`, asn: 64500 + (i % 10), country: ['US', 'NL', 'SG'][i % 3], city: '', lat: undefined, lon: undefined });

  // new_location: Seoul alongside the owner in Berlin.
  const mobile = { app_id: 'mobile', user_id: 'u-3377' };
  habit(tokens.shared, 5, 30, 2, { ...PLACES.berlin, ...mobile });
  use(tokens.shared, now - 50 * MIN, 40, 45 * MIN, { ...PLACES.berlin, ...mobile });
  use(tokens.shared, now - 30 * MIN, 10, 10 * MIN, { ...PLACES.seoul, ...mobile, ip: '211.1.2.3' });

  // auth_failures: one address trying 12 tokens against the login.
  for (let i = 0; i < 12; i++) use(rawToken('guess'), now - 15 * MIN, 5, 3 * MIN, { ip: '45.9.8.7', status: 401, path: '/login', user_id: '' });

  // revoked_use: revoked, still served.
  lifecycle.push({ event: 'revoked', token: tokens.zombie, ts: new Date(now - 30 * MIN).toISOString(), source: 'subscriber', reason: 'lost phone', app_id: 'shop', user_id: 'u-5120' });
  use(tokens.zombie, now - 10 * MIN, 5, MIN, { user_id: 'u-5120' });

  // refresh_reuse: a rotated refresh token used again.
  lifecycle.push({ event: 'issued', token: tokens.refreshOld, token_type: 'refresh_token', ts: new Date(now - 2 * DAY).toISOString(), app_id: 'shop', user_id: 'u-1042', client_id: 'shop-web', grant_type: 'authorization_code' });
  lifecycle.push({ event: 'refreshed', token: tokens.refreshNew, token_type: 'refresh_token', rotated_from: tokens.refreshOld, ts: new Date(now - 40 * MIN).toISOString(), app_id: 'shop', user_id: 'u-1042' });
  use(tokens.refreshOld, now - 8 * MIN, 1, MIN, { path: '/oauth/token', method: 'POST', token_type: 'refresh_token', ip: '185.220.101.4' });

  // dormant_reuse: silent for 25 days, then Moscow.
  use(tokens.sleeper, now - 26 * DAY, 30, HOUR, { ...PLACES.berlin, app_id: 'reports', user_id: 'u-0007' });
  use(tokens.sleeper, now - 15 * MIN, 10, 5 * MIN, { ...PLACES.moscow, ip: '95.1.2.3', app_id: 'reports', user_id: 'u-0007' });

  await post(base, '/v1/tokens', lifecycle, KEYS.idp);
  for (let i = 0; i < events.length; i += 5000) await post(base, '/v1/events', events.slice(i, i + 5000));
  await drained();
  const run = await post(base, '/v1/detections/run', { from: new Date(now - HOUR).toISOString(), to: new Date(now).toISOString() }, KEYS.admin);
  const { flags } = (await run.json()) as Seeded;
  return { now, tokens, flags };
}

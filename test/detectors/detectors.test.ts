/**
 * Each detector against the attack it exists for and the benign behaviour that looks
 * like it, end to end: events in over the API, a retro-hunt, flags out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/ingest/fingerprint.js';
import { configKeyId, sha256 } from '../../src/keys/keyring.js';
import { auth, KEYS, openTestApp, tempDir, testConfig, type TestApp } from '../helpers.js';

let t: TestApp;
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** Detection runs over [NOW - 1 h, NOW); the attacks happen inside, history before. */
const NOW = Math.floor((process.env.TW_TEST_NOW ? Date.parse(process.env.TW_TEST_NOW) : Date.now()) / (5 * MIN)) * 5 * MIN - 5 * MIN;

const PLACES = {
  frankfurt: { country: 'DE', city: 'Frankfurt am Main', lat: 50.11, lon: 8.68, asn: 3320 },
  berlin: { country: 'DE', city: 'Berlin', lat: 52.52, lon: 13.4, asn: 3320 },
  saopaulo: { country: 'BR', city: 'São Paulo', lat: -23.55, lon: -46.63, asn: 28573 },
  newyork: { country: 'US', city: 'New York', lat: 40.71, lon: -74.0, asn: 7922 },
  sanjose: { country: 'US', city: 'San Jose', lat: 37.34, lon: -121.89, asn: 7922 },
  seoul: { country: 'KR', city: 'Seoul', lat: 37.57, lon: 126.98, asn: 4766 },
  tokyo: { country: 'JP', city: 'Tokyo', lat: 35.68, lon: 139.69, asn: 2516 },
  moscow: { country: 'RU', city: 'Moscow', lat: 55.75, lon: 37.62, asn: 12389 },
  nuremberg: { country: 'DE', city: 'Nuremberg', lat: 49.45, lon: 11.08, asn: 24940, ip: '91.99.1.1' },
  london: { country: 'GB', city: 'London', lat: 51.51, lon: -0.13, asn: 2856, ip: '86.1.2.3' },
  nairobi: { country: 'KE', city: 'Nairobi', lat: -1.29, lon: 36.82, asn: 36866, ip: '41.90.1.2' },
} as const;

const events: Record<string, unknown>[] = [];
const lifecycle: Record<string, unknown>[] = [];
let seq = 0;

/** `count` uses of a token spread evenly over [at, at + spanMs). */
function use(token: string, at: number, count: number, spanMs: number, fields: Record<string, unknown> = {}) {
  for (let i = 0; i < count; i++) {
    events.push({
      event_id: `e-${seq++}`,
      token,
      ts: new Date(at + Math.floor((i * spanMs) / count)).toISOString(),
      ip: '198.51.100.10',
      app_id: 'shop',
      status: 200,
      path: '/api/orders',
      method: 'GET',
      ...PLACES.frankfurt,
      ...fields,
    });
  }
}

/** A daily habit over the previous `days` days: `perMin` requests a minute for `minutes` minutes at the same hour. */
function habit(token: string, days: number, minutes: number, perMin: number, fields: Record<string, unknown> = {}, hourOffset = 0) {
  for (let d = days; d >= 1; d--) use(token, NOW - d * DAY + hourOffset * HOUR, minutes * perMin, minutes * MIN, fields);
}

function scenario() {
  // rate_spike: 10/min habit, then 300/min. Benign: a nightly batch at 500/min, again tonight.
  habit('spiky', 3, 60, 10);
  use('spiky', NOW - 20 * MIN, 900, 3 * MIN);
  habit('batch', 3, 10, 500, {}, -0.5);
  use('batch', NOW - 30 * MIN, 5000, 10 * MIN);

  // rate_spike on a fresh access token: its user's history is the baseline. Benign: another
  // user's new token at the user's usual rate.
  habit('alice-old', 3, 60, 10, { user_id: 'alice' });
  use('alice-new', NOW - 20 * MIN, 900, 3 * MIN, { user_id: 'alice' });
  habit('bob-old', 3, 60, 40, { user_id: 'bob' });
  use('bob-new', NOW - 20 * MIN, 135, 3 * MIN, { user_id: 'bob' });

  // The same for a user first seen 8 hours ago (its tokens together are a baseline sooner
  // than one token); a user first seen 2 hours ago has none yet.
  use('carol-old', NOW - 8 * HOUR, 300, 30 * MIN, { user_id: 'carol' });
  use('carol-new', NOW - 20 * MIN, 900, 3 * MIN, { user_id: 'carol' });
  use('erin-old', NOW - 2 * HOUR, 300, 30 * MIN, { user_id: 'erin' });
  use('erin-new', NOW - 20 * MIN, 900, 3 * MIN, { user_id: 'erin' });

  // rate_spike over the last hour, for keys with a trickle of one request every 5 minutes
  // all day: a low-and-slow reader at 3/min from a cloud network the key never used (never
  // a busy minute). Benign: the key's nightly export at 10/min, at the same hour as every
  // night. Then the same reader during that export (no more than the key's busiest hour at
  // this time): still two hands, its own network and a new one at once. Benign: a key that
  // moved to a new network at its usual rate (its old network quiet).
  const trickle = (token: string) => use(token, NOW - 3 * DAY, 3 * 24 * 12, 3 * DAY);
  const reader = { ip: '164.90.1.2', asn: 14061 };
  trickle('slow-reader');
  use('slow-reader', NOW - 55 * MIN, 165, 55 * MIN, reader);
  trickle('nightly-export');
  for (let d = 3; d >= 0; d--) use('nightly-export', NOW - d * DAY - 40 * MIN, 300, 30 * MIN);
  trickle('second-hand');
  for (let d = 3; d >= 0; d--) use('second-hand', NOW - d * DAY - 40 * MIN, 300, 30 * MIN);
  use('second-hand', NOW - 55 * MIN, 165, 55 * MIN, reader);
  use('migrated', NOW - 2 * DAY, 2 * 24 * 60 * 3 - 180, 2 * DAY - HOUR);
  use('migrated', NOW - 55 * MIN, 165, 55 * MIN, reader);

  // rate_spike over the last hour for a person: a checkout bot on the user's own account
  // and network, 25 requests a minute for 45 minutes (never a busy minute), against a user
  // whose busiest hour was 60 requests. Benign: a user who syncs 600 requests in an hour
  // every day, now 700.
  habit('kim-old', 3, 30, 2, { user_id: 'kim' });
  use('kim-bot', NOW - 50 * MIN, 45 * 25, 45 * MIN, { user_id: 'kim' });
  habit('lee-old', 3, 50, 12, { user_id: 'lee' });
  use('lee-new', NOW - 50 * MIN, 700, 45 * MIN, { user_id: 'lee' });

  // ip_fanout: one token from 30 addresses in 10 networks. Benign: a phone hopping addresses in one carrier.
  habit('leaked', 3, 30, 2);
  for (let i = 0; i < 30; i++) use('leaked', NOW - 40 * MIN + i * 5000, 2, 4000, { ip: `203.0.${i}.9`, asn: 64500 + (i % 10), country: ['US', 'NL', 'SG'][i % 3], city: '' });
  habit('phone', 3, 30, 2, { asn: 26615, country: 'BR', city: 'Rio de Janeiro', lat: -22.9, lon: -43.2 });
  for (let i = 0; i < 6; i++) use('phone', NOW - 40 * MIN + i * 20_000, 3, 15_000, { ip: `177.1.${i}.2`, asn: 26615, country: 'BR', city: 'Rio de Janeiro', lat: -22.9, lon: -43.2 });

  // ip_fanout over the last hour: a fresh token of a home user sold on, 18 residential
  // addresses of three networks in the user's own country over 40 minutes (2–3 per window:
  // under the per-window thresholds). Benign: a fresh token of a phone user whose phone
  // rotates 20 addresses of its carrier an hour every day.
  habit('gina-old', 3, 60, 2, { user_id: 'gina' });
  for (let i = 0; i < 18; i++) use('gina-new', NOW - 45 * MIN + i * 130_000, 2, 60_000, { user_id: 'gina', ip: `81.10.${i}.7`, asn: [3320, 6805, 8881][i % 3] });
  for (let d = 3; d >= 1; d--) for (let i = 0; i < 20; i++) use('hank-old', NOW - d * DAY + i * 3 * MIN, 2, MIN, { user_id: 'hank', ip: `81.20.${i}.9` });
  for (let i = 0; i < 20; i++) use('hank-new', NOW - 45 * MIN + i * 2 * MIN, 2, MIN, { user_id: 'hank', ip: `81.30.${i}.9` });

  // The same over IPv6 inside the user's own ISP: a fresh token of a user at home on Sky,
  // now from 18 Sky subscriber lines (/56s) in 40 minutes (a rotating residential IPv6
  // proxy). Benign: a laptop on its one line rotating 20 temporary addresses (RFC 8981).
  const sky = { country: 'GB', city: 'London', lat: 51.51, lon: -0.13, asn: 5607, asn_org: 'Sky UK Limited' };
  habit('ivy-old', 3, 60, 2, { ...sky, ip: '2a02:c7c:1234:5600::1', user_id: 'ivy' });
  for (let i = 0; i < 18; i++) use('ivy-new', NOW - 45 * MIN + i * 130_000, 2, 60_000, { ...sky, ip: `2a02:c7c:${(0x2000 + i * 7).toString(16)}:${(i * 3).toString(16)}00::${i + 5}`, user_id: 'ivy' });
  habit('jack-old', 3, 60, 2, { ...sky, ip: '2a02:c7c:4321:6500::1', user_id: 'jack' });
  for (let i = 0; i < 20; i++) use('jack-new', NOW - 50 * MIN + i * 2 * MIN, 2, MIN, { ...sky, ip: `2a02:c7c:4321:6500:${(0x1000 + i * 17).toString(16)}::${i + 9}`, user_id: 'jack' });

  // A cloud's addresses in many /24s: an agent platform's key that runs from one AWS NAT
  // address a run, now replayed from AWS Lambda (a fresh address per invocation, 30 of them
  // in 15 /24s over 40 minutes). Benign: a serverless client that has always done that.
  const aws = (ip: string) => ({ country: 'US', city: 'Ashburn', lat: 39.04, lon: -77.49, asn: 14618, asn_org: 'Amazon.com, Inc.', ip });
  for (let d = 3; d >= 1; d--) use('agent-key', NOW - d * DAY, 60, 30 * MIN, aws('3.80.10.10'));
  for (let i = 0; i < 30; i++) use('agent-key', NOW - 45 * MIN + i * 80_000, 2, 60_000, aws(`3.${80 + (i % 15)}.${i}.7`));
  // (60 addresses over 80 minutes a day: whatever the time of day, one clock hour of it holds 30.)
  for (let d = 3; d >= 1; d--) for (let i = 0; i < 60; i++) use('lambda-client', NOW - d * DAY + i * 80_000, 2, 60_000, aws(`3.${80 + (i % 15)}.${i + 100}.7`));
  for (let i = 0; i < 30; i++) use('lambda-client', NOW - 45 * MIN + i * 80_000, 2, 60_000, aws(`3.${80 + (i % 15)}.${i + 50}.7`));
  // And a serverless key first seen 20 hours ago, 8 addresses an hour since, 20 this hour:
  // its first day is its own spread, not yet a baseline for this rule.
  for (let h = 20; h >= 2; h--) for (let i = 0; i < 8; i++) use('young-lambda', NOW - h * HOUR + i * 5 * MIN, 1, MIN, aws(`3.${100 + ((h + i) % 15)}.${h * 8 + i}.9`));
  for (let i = 0; i < 20; i++) use('young-lambda', NOW - 50 * MIN + i * 2 * MIN, 1, MIN, aws(`3.${100 + (i % 15)}.${200 + i}.9`));

  // Benign too: a commuter's phone on a train whose Wi-Fi bonds three carriers (EE, Vodafone
  // UK, Three UK), 18 addresses over the hour; the user's history is on one of them.
  habit('rider-old', 3, 60, 2, { user_id: 'rider', ip: '31.94.1.1', asn: 12576, country: 'GB', city: 'London', lat: 51.5, lon: -0.12 });
  for (let i = 0; i < 18; i++) {
    use('rider-new', NOW - 50 * MIN + i * 150_000, 2, 60_000, { user_id: 'rider', ip: `31.${94 + (i % 3)}.${i}.9`, asn: [12576, 25135, 206067][i % 3], country: 'GB', city: 'London', lat: 51.5, lon: -0.12 });
  }

  // A new key with no history of its own, used from 12 addresses in 4 networks and 6
  // countries in one window (a synthetic monitor's probes, or a leak): flagged, for review.
  for (let i = 0; i < 12; i++) use('probe-fleet', NOW - 20 * MIN + i * 10_000, 1, 5000, { ip: `198.51.${i}.7`, asn: 64600 + (i % 4), country: ['US', 'DE', 'JP', 'BR', 'AU', 'IN'][i % 6], city: '' });

  // impossible_travel: Frankfurt, then São Paulo 10 minutes later. Benign: a flight to New York.
  habit('traveller-thief', 3, 30, 2);
  use('traveller-thief', NOW - 25 * MIN, 10, 5 * MIN);
  use('traveller-thief', NOW - 12 * MIN, 10, 5 * MIN, { ...PLACES.saopaulo, ip: '200.1.2.3' });
  habit('flyer', 3, 30, 2);
  use('flyer', NOW - 10 * HOUR, 10, 10 * MIN);
  use('flyer', NOW - 30 * MIN, 10, 10 * MIN, { ...PLACES.newyork, ip: '24.1.2.3' });

  // impossible_travel on one national ISP: a New York cable line, then the same ISP in San
  // José 10 minutes later (a fixed line does not move; its other customers are everywhere).
  // Benign: a token that expired at home presented once from far away, refused (401): the
  // credential was not used there.
  habit('cable-thief', 3, 30, 2, PLACES.newyork);
  use('cable-thief', NOW - 25 * MIN, 10, 5 * MIN, PLACES.newyork);
  use('cable-thief', NOW - 12 * MIN, 10, 5 * MIN, { ...PLACES.sanjose, ip: '73.1.2.3' });
  habit('expired-abroad', 3, 30, 2);
  use('expired-abroad', NOW - 25 * MIN, 10, 5 * MIN);
  use('expired-abroad', NOW - 12 * MIN, 1, MIN, { ...PLACES.saopaulo, ip: '200.1.2.4', status: 401 });

  // impossible_travel and servers: a VPN exit or cloud region the user already uses places
  // a server, not the user. Benign: a user always on a VPN exit in Nuremberg whose VPN drops
  // at home in Moscow (first use of the home line). Attack: a user at home in Moscow who
  // also uses that VPN, and the token in São Paulo minutes after the home line.
  habit('vpn-always', 3, 30, 2, PLACES.nuremberg);
  habit('vpn-always', 3, 5, 2, { country: 'RU', city: '', lat: 61.52, lon: 105.32, asn: 31133, ip: '188.170.1.1' }, 3);
  use('vpn-always', NOW - 30 * MIN, 10, 10 * MIN, PLACES.nuremberg);
  use('vpn-always', NOW - 15 * MIN, 10, 10 * MIN, { ...PLACES.moscow, ip: '95.1.2.9' });
  habit('vpn-victim', 3, 30, 2, { ...PLACES.moscow, ip: '95.1.2.10' });
  habit('vpn-victim', 3, 30, 2, PLACES.nuremberg, 2);
  use('vpn-victim', NOW - 40 * MIN, 10, 10 * MIN, { ...PLACES.moscow, ip: '95.1.2.10' });
  use('vpn-victim', NOW - 28 * MIN, 5, 5 * MIN, PLACES.nuremberg);
  use('vpn-victim', NOW - 12 * MIN, 10, 5 * MIN, { ...PLACES.saopaulo, ip: '200.1.2.5' });
  // impossible_travel inside one country on one national network that is not a known fixed
  // line (Bharti Airtel runs broadband and mobile on one ASN, geolocated anywhere in India):
  // a user so far seen only from notebooks in a cloud, now in Haridwar, then in Chennai 30
  // minutes later, is not travelling. (A known cable line does not move: cable-thief.)
  const airtel = { country: 'IN', asn: 24560, asn_org: 'Bharti Airtel Limited' };
  habit('national-isp', 3, 30, 2, { country: 'US', city: 'Las Vegas', lat: 36.17, lon: -115.14, asn: 396982, ip: '34.125.1.1' });
  use('national-isp', NOW - 45 * MIN, 10, 5 * MIN, { ...airtel, city: 'Haridwar', lat: 29.95, lon: 78.16, ip: '106.200.1.9' });
  use('national-isp', NOW - 10 * MIN, 10, 5 * MIN, { ...airtel, city: 'Chennai', lat: 13.08, lon: 80.27, ip: '106.200.2.9' });

  // impossible_travel and shared keys: one key used in London and Tokyo in the same hour
  // every day (a newsroom's key) is not stolen when it is used in Nairobi too.
  for (let d = 3; d >= 1; d--) {
    use('newsroom', NOW - d * DAY, 10, 30 * MIN, PLACES.london);
    use('newsroom', NOW - d * DAY + 10 * MIN, 10, 30 * MIN, { ...PLACES.tokyo, ip: '126.1.2.9' });
  }
  // The same for a desk's key handed over across a clock hour: Tokyo until hh:50, London
  // from hh+1:06, every day.
  for (let d = 3; d >= 1; d--) {
    const hh = Math.floor((NOW - d * DAY) / HOUR) * HOUR - 2 * HOUR;
    use('handover', hh + 35 * MIN, 10, 15 * MIN, { ...PLACES.tokyo, ip: '126.1.2.19' });
    use('handover', hh + HOUR + 6 * MIN, 10, 15 * MIN, PLACES.london);
  }
  use('handover', NOW - 25 * MIN, 10, 5 * MIN, PLACES.london);
  use('handover', NOW - 12 * MIN, 10, 5 * MIN, PLACES.nairobi);
  use('newsroom', NOW - 25 * MIN, 10, 5 * MIN, PLACES.london);
  use('newsroom', NOW - 12 * MIN, 10, 5 * MIN, PLACES.nairobi);

  // Secure web gateways: a managed laptop's traffic leaves through its vendor's point of
  // presence, London or Frankfurt as the vendor picks. Benign: the laptop on Netskope in
  // Frankfurt while its other tab is still on Netskope in London. Attack: another user of
  // the fleet, its token replayed from a cloud server in Singapore while the user works
  // (a gateway's points of presence are no spread over clouds).
  const netskope = (country: string, city: string, lat: number, lon: number, ip: string) => ({ country, city, lat, lon, asn: 55256, asn_org: 'Netskope Inc', ip });
  const nsLondon = netskope('GB', 'London', 51.51, -0.13, '163.116.186.9');
  for (const user of ['nl-emp', 'nl-emp2']) {
    habit(`${user}-old`, 5, 30, 2, { ...nsLondon, user_id: user });
    use(`${user}-now`, NOW - 50 * MIN, 40, 45 * MIN, { ...nsLondon, user_id: user });
  }
  use('sase-laptop', NOW - 30 * MIN, 10, 10 * MIN, { ...netskope('DE', 'Frankfurt am Main', 50.11, 8.68, '163.116.160.9'), user_id: 'nl-emp' });
  use('sase-phished', NOW - 30 * MIN, 10, 10 * MIN, { country: 'SG', city: 'Singapore', lat: 1.29, lon: 103.85, asn: 14061, asn_org: 'DigitalOcean, LLC', ip: '128.199.1.9', user_id: 'nl-emp2' });

  // In-flight Wi-Fi: a passenger's traffic comes down at the satellite operator's teleport,
  // Britain then Canada minutes apart over the Atlantic (the address is the teleport's).
  // Benign: a user at home in London until the flight, now on Intelsat in GB, then in CA.
  const intelsat = (country: string, lat: number, lon: number, ip: string) => ({ country, city: '', lat, lon, asn: 22351, asn_org: 'INTELSAT GLOBAL SERVICE CORPORATION', ip, user_id: 'passenger' });
  habit('passenger-home', 5, 30, 2, { ...PLACES.london, user_id: 'passenger' }, -3);
  use('passenger-home', NOW - 3 * HOUR, 20, 20 * MIN, { ...PLACES.london, user_id: 'passenger' });
  use('passenger', NOW - 40 * MIN, 10, 10 * MIN, intelsat('GB', 54.0, -2.0, '82.206.130.9'));
  use('passenger', NOW - 25 * MIN, 10, 10 * MIN, intelsat('CA', 56.13, -106.35, '64.88.224.9'));
  use('passenger', NOW - 12 * MIN, 10, 10 * MIN, intelsat('GB', 54.0, -2.0, '82.206.131.9'));

  // Travellers' phones: a travel eSIM's data leaves through a partner's hub in the region
  // (Singapore for Thailand). Benign: a user at home in New York until yesterday, now on
  // hotel Wi-Fi in Bangkok and on the eSIM a minute later; and a traveller first seen 5
  // hours ago on the eSIM (too new to have shown its networks), the same. Attack: a user
  // first seen 6 hours ago at home in New York, its token in São Paulo minutes later.
  const singtel = (user: string) => ({ country: 'SG', city: 'Singapore', lat: 1.29, lon: 103.85, asn: 9506, asn_org: 'Singapore Telecommunications Ltd, Magix Services', ip: '42.60.1.9', user_id: user });
  const hotelWifi = (user: string) => ({ country: 'TH', city: 'Bangkok', lat: 13.75, lon: 100.5, asn: 17552, asn_org: 'TRUE INTERNET CORPORATION CO. LTD.', ip: '58.8.1.9', user_id: user });
  habit('tourist-home', 5, 30, 2, { ...PLACES.newyork, ip: '24.1.2.30', user_id: 'globetrotter' }, -8);
  use('tourist-esim', NOW - 30 * MIN, 10, 10 * MIN, hotelWifi('globetrotter'));
  use('tourist-esim', NOW - 19 * MIN, 10, 10 * MIN, singtel('globetrotter'));
  use('young-traveller-0', NOW - 5 * HOUR, 20, 20 * MIN, singtel('tripper'));
  use('young-traveller', NOW - 30 * MIN, 10, 10 * MIN, hotelWifi('tripper'));
  use('young-traveller', NOW - 19 * MIN, 10, 10 * MIN, singtel('tripper'));
  use('young-victim-0', NOW - 6 * HOUR, 20, 20 * MIN, { ...PLACES.newyork, ip: '24.1.2.31', user_id: 'newbie' });
  use('young-victim', NOW - 30 * MIN, 10, 10 * MIN, { ...PLACES.newyork, ip: '24.1.2.31', user_id: 'newbie' });
  use('young-victim', NOW - 15 * MIN, 10, 5 * MIN, { ...PLACES.saopaulo, ip: '200.1.2.31', user_id: 'newbie' });
  // A nurse first seen yesterday at home, today on her hospital's line (a backbone
  // carrier, Cogent, never used before) while her session is used from Lagos: two places.
  use('nurse-home', NOW - 20 * HOUR, 10, 10 * MIN, { ...PLACES.newyork, ip: '24.1.2.40', user_id: 'rn' });
  use('nurse', NOW - 40 * MIN, 20, 35 * MIN, { country: 'US', city: 'Dallas', lat: 32.78, lon: -96.8, asn: 174, asn_org: 'Cogent Communications', ip: '38.104.37.29', user_id: 'rn' });
  use('nurse', NOW - 30 * MIN, 10, 20 * MIN, { country: 'NG', city: 'Lagos', lat: 6.45, lon: 3.39, asn: 36873, asn_org: 'Airtel Networks Limited', ip: '105.112.63.182', user_id: 'rn' });
  // And a user first seen 6 hours ago at home in Moscow, now also on a VPN exit in
  // Nuremberg at once: too new to tell whether it uses one (a server places no one).
  use('young-vpn-0', NOW - 6 * HOUR, 20, 20 * MIN, { ...PLACES.moscow, ip: '95.1.2.31', user_id: 'newcomer' });
  use('young-vpn', NOW - 30 * MIN, 10, 20 * MIN, { ...PLACES.moscow, ip: '95.1.2.31', user_id: 'newcomer' });
  use('young-vpn', NOW - 25 * MIN, 10, 10 * MIN, { ...PLACES.nuremberg, user_id: 'newcomer' });

  // new_location: Seoul alongside the owner in Berlin. Benign: owner flew to Tokyo, home is quiet.
  habit('shared', 5, 30, 2, PLACES.berlin);
  use('shared', NOW - 50 * MIN, 40, 45 * MIN, PLACES.berlin);
  use('shared', NOW - 30 * MIN, 10, 10 * MIN, { ...PLACES.seoul, ip: '211.1.2.3' });
  habit('tourist', 5, 30, 2, PLACES.berlin);
  use('tourist', NOW - 30 * MIN, 10, 10 * MIN, { ...PLACES.tokyo, ip: '126.1.2.3' });

  // new_location in the owner's own country: one session taking turns between the owner's
  // cable line and another ISP's line in the same city (a residential proxy). Benign: a
  // laptop taken from home to a café on another ISP and back (two switches).
  const cable = { ...PLACES.newyork, ip: '24.10.1.1' };
  const otherLine = { ...PLACES.newyork, ip: '24.20.2.2', asn: 20115 };
  habit('proxied', 5, 30, 2, cable);
  for (let i = 0; i < 20; i++) {
    use('proxied', NOW - 45 * MIN + i * 2 * MIN, 1, MIN, cable);
    use('proxied', NOW - 44 * MIN + i * 2 * MIN, 1, MIN, otherLine);
  }
  habit('cafe', 5, 30, 2, cable);
  use('cafe', NOW - 50 * MIN, 10, 10 * MIN, cable);
  use('cafe', NOW - 38 * MIN, 20, 20 * MIN, otherLine);
  use('cafe', NOW - 15 * MIN, 10, 10 * MIN, cable);

  // The same replay begun three hours ago and still going: a network first used in the last
  // hours is still new (the previous hour's replay is not the owner's history by now).
  habit('proxied-long', 5, 30, 2, cable);
  for (let i = 0; i < 85; i++) {
    use('proxied-long', NOW - 3 * HOUR + i * 2 * MIN, 1, MIN, cable);
    use('proxied-long', NOW - 3 * HOUR + MIN + i * 2 * MIN, 1, MIN, otherLine);
  }

  // Benign: a split tunnel, the same session taking turns between the home cable line and
  // the employer's VPN concentrator on a backbone carrier (Cogent) in the same city; and
  // one whose concentrator is across the country (Zayo in Santa Clara): not travel either.
  habit('split-tunnel', 5, 30, 2, cable);
  for (let i = 0; i < 20; i++) {
    use('split-tunnel', NOW - 45 * MIN + i * 2 * MIN, 1, MIN, cable);
    use('split-tunnel', NOW - 44 * MIN + i * 2 * MIN, 1, MIN, { ...PLACES.newyork, ip: '38.100.1.1', asn: 174, asn_org: 'Cogent Communications' });
  }
  habit('split-far', 5, 30, 2, cable);
  for (let i = 0; i < 20; i++) {
    use('split-far', NOW - 45 * MIN + i * 2 * MIN, 1, MIN, cable);
    use('split-far', NOW - 44 * MIN + i * 2 * MIN, 1, MIN, { ...PLACES.sanjose, ip: '64.124.26.9', asn: 6461, asn_org: 'Zayo Bandwidth' });
  }

  // new_location: a carrier abroad is not the spread of a user whose carriers were all at
  // home: a US phone user's token replayed from a Nigerian carrier while the user's phone
  // is in use. Benign: a key on AWS in Sydney and Ashburn, then in Dublin (cloud regions
  // are a machine's spread).
  const tmobile = { country: 'US', city: 'Dallas', lat: 32.78, lon: -96.8, asn: 21928, ip: '172.56.1.1' };
  habit('carrier-user', 5, 30, 2, { ...tmobile, user_id: 'carol-m' });
  use('carrier-user', NOW - 50 * MIN, 40, 45 * MIN, { ...tmobile, user_id: 'carol-m' });
  use('carrier-user', NOW - 30 * MIN, 10, 10 * MIN, { country: 'NG', city: 'Lagos', lat: 6.45, lon: 3.39, asn: 29465, ip: '102.89.1.1', user_id: 'carol-m' });
  const sydney = { country: 'AU', city: 'Sydney', lat: -33.87, lon: 151.2, asn: 16509, ip: '13.54.1.1' };
  habit('multi-region', 5, 30, 2, sydney);
  habit('multi-region', 5, 30, 2, { country: 'US', city: 'Ashburn', lat: 39.04, lon: -77.49, asn: 16509, ip: '3.80.1.1' }, -3);
  use('multi-region', NOW - 50 * MIN, 40, 45 * MIN, sydney);
  use('multi-region', NOW - 30 * MIN, 10, 10 * MIN, { country: 'IE', city: 'Dublin', lat: 53.35, lon: -6.26, asn: 16509, ip: '34.240.1.1' });

  // One cloud region is a place, not a spread: a user working on a cloud desktop in
  // Azure's Frankfurt region, its token replayed from the attacker's own Azure subscription
  // in Sweden (the same network, a new country) while the desktop is in use.
  const azureFra = { country: 'DE', city: 'Frankfurt am Main', lat: 50.11, lon: 8.68, asn: 8075, asn_org: 'Microsoft Corporation', ip: '20.79.1.9', user_id: 'vdi-user' };
  habit('vdi-old', 5, 30, 2, azureFra);
  use('vdi-now', NOW - 50 * MIN, 40, 45 * MIN, azureFra);
  use('vdi-stolen', NOW - 30 * MIN, 10, 10 * MIN, { country: 'SE', city: 'Gävle', lat: 60.67, lon: 17.14, asn: 8075, asn_org: 'Microsoft Corporation', ip: '51.12.1.9', user_id: 'vdi-user' });

  // Benign: a user whose VPN exit was in Britain picks one in Canada while its home line is
  // in use (people pick exits country by country).
  habit('exit-picker-old', 5, 30, 2, { ...PLACES.berlin, user_id: 'exit-picker' });
  habit('exit-picker-old', 5, 10, 2, { country: 'GB', city: 'London', lat: 51.51, lon: -0.13, asn: 9009, asn_org: 'M247 Europe SRL', ip: '185.195.232.9', user_id: 'exit-picker' }, 2);
  use('exit-picker-now', NOW - 50 * MIN, 40, 45 * MIN, { ...PLACES.berlin, user_id: 'exit-picker' });
  use('exit-picker', NOW - 30 * MIN, 10, 10 * MIN, { country: 'CA', city: 'Montreal', lat: 45.5, lon: -73.57, asn: 9009, asn_org: 'M247 Europe SRL', ip: '38.132.118.9', user_id: 'exit-picker' });

  // new_location for a client's fresh tokens (client credentials, a new access token each
  // hour, no user): the history is the client's. A token of it used from a VPN exit in
  // Sweden while the client's jobs keep running in Ashburn; benign: a token of another
  // client that runs on Google in the US, now in Google's Belgian region (cloud regions
  // are a machine's spread).
  const gcpUs = { country: 'US', city: 'Ashburn', lat: 39.04, lon: -77.49, asn: 396982, asn_org: 'Google LLC', ip: '35.199.1.1' };
  for (const client of ['svc-etl', 'svc-multi']) {
    for (let h = 3 * 24; h >= 2; h--) use(`${client}-${h}`, NOW - h * HOUR, 10, 10 * MIN, { ...gcpUs, client_id: client, token_type: 'access_token' });
  }
  use('svc-etl-now', NOW - 50 * MIN, 40, 45 * MIN, { ...gcpUs, client_id: 'svc-etl', token_type: 'access_token' });
  use('svc-etl-stolen', NOW - 30 * MIN, 10, 10 * MIN, { country: 'SE', city: 'Stockholm', lat: 59.33, lon: 18.07, asn: 9009, asn_org: 'M247 Europe SRL', ip: '185.65.135.9', client_id: 'svc-etl', token_type: 'access_token' });
  use('svc-multi-now', NOW - 30 * MIN, 10, 10 * MIN, { country: 'BE', city: 'Saint-Ghislain', lat: 50.45, lon: 3.82, asn: 396982, asn_org: 'Google LLC', ip: '34.76.1.1', client_id: 'svc-multi', token_type: 'access_token' });

  // auth_failures: one address trying 12 tokens. Benign: an office NAT with some expired sessions.
  for (let i = 0; i < 12; i++) use(`stuffed-${i}`, NOW - 15 * MIN, 5, 3 * MIN, { ip: '45.9.8.7', status: 401, path: '/login' });
  // Brute force in the sshd style (user names as credentials, one try each): slowly from one
  // address over most of an hour, and spread over four addresses of one /24 (three each).
  const names = ['root', 'admin', 'oracle', 'test', 'ubuntu', 'postgres', 'git', 'pi'];
  names.forEach((name, i) => use(`ssh:${name}`, NOW - 55 * MIN + i * 6 * MIN, 1, MIN, { ip: '198.18.7.7', user_id: name, status: 401, path: '/ssh' }));
  use('ssh:root', NOW - 40 * MIN, 8, 20 * MIN, { ip: '198.18.9.9', user_id: 'root', status: 401, path: '/ssh' });
  for (let a = 0; a < 4; a++) {
    for (let k = 0; k < 3; k++) use(`ssh-net:${a}:${k}`, NOW - 30 * MIN + (a * 3 + k) * MIN, 1, MIN, { ip: `203.0.113.${10 + a}`, user_id: `user${a}${k}`, status: 401, path: '/ssh' });
  }
  // A slow spray from one rented server's IPv6 /48 on a cloud, a new address and a new
  // guessed token per try, against real users (each tried once or twice).
  for (let i = 0; i < 14; i++) use(`spray6-${i}`, NOW - 50 * MIN + i * 3 * MIN, 1, MIN, { ip: `2a01:4f8:c0de:${(i * 37).toString(16)}::${i + 1}`, asn: 24940, user_id: `staff-${i % 7}`, status: 401, path: '/oauth/token' });
  // Probing, slower still: one address, two user names that never worked, 40 minutes apart.
  // Benign: two mistyped user names, then the right one from the same address.
  use('ssh:chen', NOW - 50 * MIN, 1, MIN, { ip: '198.18.20.20', user_id: 'chen', status: 401, path: '/ssh' });
  use('ssh:cheng', NOW - 10 * MIN, 1, MIN, { ip: '198.18.20.20', user_id: 'cheng', status: 401, path: '/ssh' });
  use('ssh:frnak', NOW - 30 * MIN, 1, MIN, { ip: '198.18.30.30', user_id: 'frnak', status: 401, path: '/ssh' });
  use('ssh:frank1', NOW - 29 * MIN, 1, MIN, { ip: '198.18.30.30', user_id: 'frank1', status: 401, path: '/ssh' });
  use('ssh:frank', NOW - 28 * MIN, 1, MIN, { ip: '198.18.30.30', user_id: 'frank', path: '/ssh' });
  for (let i = 0; i < 40; i++) {
    use(`office-${i}`, NOW - 50 * MIN, 20, 40 * MIN, { ip: '81.2.3.4' });
    use(`office-${i}`, NOW - 20 * MIN, 1, MIN, { ip: '81.2.3.4', status: 401 });
  }

  // revoked_use: revoked, then still served. Benign: revoked and rejected.
  lifecycle.push({ event: 'revoked', token: 'zombie', ts: new Date(NOW - 30 * MIN).toISOString(), source: 'subscriber', reason: 'lost phone' });
  use('zombie', NOW - 10 * MIN, 5, MIN);
  lifecycle.push({ event: 'revoked', token: 'enforced', ts: new Date(NOW - 30 * MIN).toISOString(), source: 'subscriber' });
  use('enforced', NOW - 10 * MIN, 5, MIN, { status: 401 });

  // refresh_reuse: a rotated refresh token used again. Benign: rotation, then only the new one.
  lifecycle.push({ event: 'issued', token: 'rt-1', token_type: 'refresh_token', ts: new Date(NOW - 2 * DAY).toISOString(), app_id: 'shop' });
  lifecycle.push({ event: 'refreshed', token: 'rt-2', token_type: 'refresh_token', rotated_from: 'rt-1', ts: new Date(NOW - 40 * MIN).toISOString() });
  use('rt-1', NOW - 8 * MIN, 1, MIN, { path: '/oauth/token', method: 'POST', token_type: 'refresh_token' });
  lifecycle.push({ event: 'issued', token: 'rt-ok-1', token_type: 'refresh_token', ts: new Date(NOW - 2 * DAY).toISOString() });
  lifecycle.push({ event: 'refreshed', token: 'rt-ok-2', token_type: 'refresh_token', rotated_from: 'rt-ok-1', ts: new Date(NOW - 40 * MIN).toISOString() });
  use('rt-ok-2', NOW - 8 * MIN, 1, MIN, { path: '/oauth/token', method: 'POST', token_type: 'refresh_token' });
  // Benign too: an identity provider that does not rotate refresh tokens mints access tokens from the same one.
  lifecycle.push({ event: 'issued', token: 'rt-keep', token_type: 'refresh_token', ts: new Date(NOW - 2 * DAY).toISOString() });
  lifecycle.push({ event: 'refreshed', token: 'at-keep-1', token_type: 'access_token', rotated_from: 'rt-keep', ts: new Date(NOW - 50 * MIN).toISOString() });
  lifecycle.push({ event: 'refreshed', token: 'at-keep-2', token_type: 'access_token', rotated_from: 'rt-keep', ts: new Date(NOW - 20 * MIN).toISOString() });
  use('rt-keep', NOW - 20 * MIN, 1, MIN, { path: '/oauth/token', method: 'POST', token_type: 'refresh_token' });

  // dormant_reuse: silent for 25 days, then Moscow. Benign: silent, then back home.
  use('sleeper', NOW - 26 * DAY, 30, HOUR, PLACES.berlin);
  use('sleeper', NOW - 15 * MIN, 10, 5 * MIN, { ...PLACES.moscow, ip: '95.1.2.3' });
  use('holiday', NOW - 26 * DAY, 30, HOUR, PLACES.berlin);
  use('holiday', NOW - 15 * MIN, 10, 5 * MIN, PLACES.berlin);
}

const fp = (token: string) => fingerprint(t.ctx.secrets.pepper, token);

async function post(url: string, body: unknown[], contentType = 'application/json') {
  const res = await t.app.inject({ method: 'POST', url, headers: { 'content-type': contentType, ...auth(url === '/v1/tokens' ? 'idp' : 'ingest') }, payload: JSON.stringify(body) });
  expect(res.statusCode, res.body).toBe(202);
}

let flags: { detector: string; subject: string; subject_type: string; severity: string; explanation: string; flag_id: string }[] = [];

beforeAll(async () => {
  t = await openTestApp(testConfig(tempDir()));
  scenario();
  await post('/v1/tokens', lifecycle);
  for (let i = 0; i < events.length; i += 5000) await post('/v1/events', events.slice(i, i + 5000));
  await t.ctx.flusher.drained();
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/detections/run',
    headers: auth('admin'),
    payload: { from: new Date(NOW - HOUR).toISOString(), to: new Date(NOW).toISOString() },
  });
  expect(res.statusCode, res.body).toBe(200);
  flags = res.json().flags;
  const failed = res.json().detectors.filter((d: { outcome: string }) => d.outcome !== "ok");
  expect(failed, JSON.stringify(failed)).toEqual([]);
}, 240_000);
afterAll(async () => t?.close());

const flagged = (detector: string, subject: string) => flags.filter((f) => f.detector === detector && f.subject === subject);

describe('detectors catch the attack and spare the look-alike', () => {
  it.each([
    ['rate_spike', 'spiky', 'batch', /^300 requests\/min against a baseline median of 10 \(MAD 0\) over 7 days; its previous peak was 10\/min$/],
    ['rate_spike', 'alice-new', 'bob-new', /^300 requests\/min against a baseline median of 10 \(MAD 0\) over 7 days of user alice \(all tokens; this token is new\); the user’s previous peak was 10\/min$/],
    ['rate_spike', 'carol-new', 'erin-new', /^300 requests\/min against a baseline median of 10 \(MAD 0\) over 7 days of user carol \(all tokens; this token is new\)/],
    ['rate_spike', 'slow-reader', 'nightly-export', /^132 requests in the last 60 min, in 44 of its minutes; the most it made in an hour at this time of day over 7 days was 12, a typical active hour 12; 120 of them from AS14061, never used by this credential, while its own networks made \d+ alongside$/],
    ['rate_spike', 'second-hand', 'migrated', /^382 requests in the last 60 min, in 44 of its minutes; the most it made in an hour at this time of day over 7 days was \d+, a typical active hour 12; 120 of them from AS14061, never used by this credential, while its own networks made \d+ alongside$/],
    ['rate_spike', 'kim-bot', 'lee-new', /^[\d,]+ requests in the last 60 min, in \d+ of its minutes; the busiest hour of user kim \(all tokens\) over 7 days was \d+$/],
    ['ip_fanout', 'leaked', 'phone', /^30 IPs in 10 networks \(3 countries\)/],
    ['ip_fanout', 'gina-new', 'rider-new', /^18 IPs in 3 networks/],
    ['ip_fanout', 'ivy-new', 'jack-new', /^18 IPs in 1 networks \(1 countries\) over the last 60 min; the most its user ivy \(all tokens\) had in an hour before was 1$/],
    ['ip_fanout', 'agent-key', 'lambda-client', /^30 IPs in 1 networks \(1 countries\) over the last 60 min; the most this token had in an hour before was 1$/],
    ['ip_fanout', 'gina-new', 'hank-new', /^18 IPs in 3 networks \(1 countries\) over the last 60 min; 2 of the networks new to its user; the most its user gina \(all tokens\) had in an hour before was 1$/],
    ['impossible_travel', 'traveller-thief', 'flyer', /^Frankfurt am Main, DE \d\d:\d\d then São Paulo, BR \d\d:\d\d: 9,[0-9]00 km in \d+ min = [\d,]+ km\/h$/],
    ['impossible_travel', 'cable-thief', 'expired-abroad', /^New York, US \d\d:\d\d then San Jose, US \d\d:\d\d: 4,[0-9]00 km in \d+ min = [\d,]+ km\/h$/],
    ['impossible_travel', 'vpn-victim', 'vpn-always', /^Moscow, RU \d\d:\d\d then São Paulo, BR \d\d:\d\d: 11,[0-9]00 km in \d+ min = [\d,]+ km\/h$/],
    ['new_location', 'shared', 'tourist', /^first use from Seoul, KR \(new network AS4766\).*while still in use from Berlin, DE$/],
    ['new_location', 'proxied', 'cafe', /^first use from New York, US \(new network AS20115\) in 30 days of its history, back and forth with its own line in New York, US \(AS7922\): 39 switches on one token since \d\d:\d\d$/],
    ['new_location', 'proxied', 'split-tunnel', /^first use from New York, US \(new network AS20115\)/],
    ['new_location', 'proxied-long', 'cafe', /^first use from New York, US \(new network AS20115\) in 30 days of its history, back and forth with its own line in New York, US \(AS7922\): \d+ switches on one token since \d\d:\d\d$/],
    ['new_location', 'svc-etl-stolen', 'svc-multi-now', /^first use from Stockholm, SE \(new network AS9009[^)]*\) in 30 days of client svc-etl's history \(US\), while still in use from Ashburn, US$/],
    ['new_location', 'sase-phished', 'sase-laptop', /^first use from Singapore, SG \(new network AS14061[^)]*\) in 30 days of user nl-emp2's history \(GB\), while still in use from London, GB$/],
    ['new_location', 'vdi-stolen', 'multi-region', /^first use from Gävle, SE in 30 days of user vdi-user's history \(DE\), while still in use from Frankfurt am Main, DE$/],
    ['new_location', 'carrier-user', 'multi-region', /^first use from Lagos, NG \(new network AS29465\) in 30 days of user carol-m's history \(US\), while still in use from Dallas, US$/],
    ['revoked_use', 'zombie', 'enforced', /the gateway is not enforcing$/],
    ['refresh_reuse', 'rt-1', 'rt-ok-1', /used again .* its whole family is compromised$/],
    ['dormant_reuse', 'sleeper', 'holiday', /^idle for 2\d(\.\d+)? days .* then used from Moscow, RU AS12389, a country it never used before/],
  ])('%s flags %s, not %s', (detector, attacked, benign, explanation) => {
    const hits = flagged(detector, fp(attacked));
    expect(hits, JSON.stringify(flags.map((f) => [f.detector, f.explanation]), null, 1)).toHaveLength(1);
    expect(hits[0]!.explanation).toMatch(explanation);
    expect(flags.filter((f) => f.subject === fp(benign))).toEqual([]);
  });

  it('a split tunnel to a concentrator across the country is no travel and no second line', () => {
    expect(flags.filter((f) => f.subject === fp('split-far')).map((f) => `${f.detector}: ${f.explanation}`)).toEqual([]);
  });

  it('impossible_travel spares one national network that is not a known fixed line, inside its country', () => {
    expect(flags.filter((f) => f.subject === fp('national-isp'))).toEqual([]);
  });

  it('impossible_travel allows a traveller\'s phone its region (a travel eSIM out in Singapore), a principal seen for less than a day its servers, and a passenger a satellite\'s teleports', () => {
    for (const token of ['tourist-esim', 'young-traveller', 'young-vpn', 'passenger', 'exit-picker']) expect(flags.filter((f) => f.subject === fp(token)), token).toEqual([]);
    expect(flagged('impossible_travel', fp('young-victim')).map((f) => f.explanation)).toEqual([expect.stringMatching(/^New York, US \d\d:\d\d then São Paulo, BR/)]);
    expect(flagged('impossible_travel', fp('nurse')).map((f) => f.explanation)).toEqual([expect.stringMatching(/^used from (Dallas, US and Lagos, NG|Lagos, NG and Dallas, US) at once/)]);
  });

  it('impossible_travel spares a key whose own history is in two places at once every day (new_location still asks about the new country)', () => {
    expect(flagged('impossible_travel', fp('newsroom'))).toEqual([]);
    expect(flagged('impossible_travel', fp('handover'))).toEqual([]);
    expect(flagged('new_location', fp('newsroom')).map((f) => f.explanation)).toEqual([expect.stringMatching(/^first use from Nairobi, KE/)]);
  });

  it('rate_spike judges the last hour in a tick where nothing makes a busy minute (a low-and-slow reader reads in quiet ticks)', async () => {
    // The last 5 minutes hold only trickles: no token anywhere reaches a busy minute.
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/detections/run',
      headers: auth('admin'),
      payload: { from: new Date(NOW - 5 * MIN).toISOString(), to: new Date(NOW).toISOString() },
    });
    expect(res.statusCode, res.body).toBe(200);
    // The readers' hours (two keys and a person's bot) were flagged by the run over the
    // whole hour already: the same findings again, no new flag.
    expect(res.json().detectors.find((d: { detector: string }) => d.detector === 'rate_spike')).toMatchObject({ outcome: 'ok', findings: 3 });
  });

  it('ip_fanout flags a crowd of the credential\'s own cloud for review (medium), and not in its first day', () => {
    expect(flagged('ip_fanout', fp('agent-key')).map((f) => f.severity)).toEqual(['medium']);
    expect(flags.filter((f) => f.subject === fp('young-lambda'))).toEqual([]);
  });

  it('ip_fanout flags a crowd on a token with no history of its own for review (medium), not for revocation', () => {
    const hits = flagged('ip_fanout', fp('probe-fleet'));
    expect(hits.map((f) => [f.severity, f.explanation])).toEqual([['medium', expect.stringMatching(/^12 IPs in 4 networks \(6 countries\) in 5 min; this token's previous maximum per window was 0 IPs/)]]);
    expect(flagged('ip_fanout', fp('leaked'))[0]!.severity).toBe('high');
  });

  it('auth_failures flags the stuffing address, not the office NAT', () => {
    const hits = flagged('auth_failures', '45.9.8.7');
    expect(hits).toHaveLength(1);
    expect(hits[0]!.explanation).toMatch(/^60 of 60 requests from 45\.9\.8\.7 failed with 401 in 60 min, trying 12 different tokens, 12 of 12 tokens never accepted before$/);
    expect(flags.filter((f) => f.subject === '81.2.3.4')).toEqual([]);
  });

  it('every flag names the key that reported its evidence, whatever its subject (token or address)', () => {
    const gateway = configKeyId(sha256(KEYS.ingest));
    const named = flags.map((f) => [f.detector, f.subject_type, (f as unknown as { evidence: { reported_by: string[] } }).evidence.reported_by]);
    expect(named.length).toBeGreaterThanOrEqual(8);
    for (const [detector, subjectType, keys] of named) expect(keys, `${detector} (${subjectType})`).toEqual([gateway]);
    expect(named.some(([, subjectType]) => subjectType === 'ip')).toBe(true);
  });

  it('auth_failures flags a slow brute force of user names, and a network whose addresses each try a few', () => {
    const slow = flagged('auth_failures', '198.18.7.7');
    expect(slow, JSON.stringify(flags.map((f) => [f.detector, f.subject, f.explanation]), null, 1)).toHaveLength(1);
    expect(slow[0]!.explanation).toMatch(/^[5-8] of [5-8] requests from 198\.18\.7\.7 failed with 401 in 60 min, trying [5-8] user names/);
    expect(slow[0]!.subject_type).toBe('ip');
    const guess = flagged('auth_failures', '198.18.9.9');
    expect(guess).toHaveLength(1);
    expect(guess[0]!.explanation).toMatch(/^[5-8] of [5-8] requests from 198\.18\.9\.9 failed with 401 in 60 min, trying one user name \(root\) again and again/);
    const net = flagged('auth_failures', '203.0.113.0/24');
    expect(net).toHaveLength(1);
    expect(net[0]!.subject_type).toBe('network');
    expect(net[0]!.explanation).toMatch(/^1[0-2] of 1[0-2] requests from 203\.0\.113\.0\/24 \([34] addresses\) failed with 401 in 60 min, trying 1[0-2] user names/);
    expect(flags.filter((f) => f.subject.startsWith('203.0.113.1'))).toEqual([]);
  });

  it('auth_failures flags a cloud IPv6 /48 spraying with a new address per try', () => {
    expect(flagged('auth_failures', '2a01:4f8:c0de::/48').map((f) => f.subject_type)).toEqual(['network']);
  });

  it('auth_failures flags an address probing user names that never worked, not one that got in after typos', () => {
    const probe = flags.filter((f) => f.subject === '198.18.20.20');
    expect(probe.map((f) => f.explanation)).toEqual([
      '198.18.20.20 was refused 2 times with user names chen, cheng, never accepted anywhere, 2 credentials in 24 h and nothing accepted from it: probing',
    ]);
    expect(flags.filter((f) => f.subject === '198.18.30.30')).toEqual([]);
  });

  it('raises nothing else', () => {
    const expected = ['spiky', 'kim-bot', 'slow-reader', 'second-hand', 'alice-new', 'carol-new', 'leaked', 'gina-new', 'ivy-new', 'agent-key', 'traveller-thief', 'cable-thief', 'vpn-victim', 'young-victim', 'nurse', 'newsroom', 'handover', 'shared', 'proxied', 'proxied-long', 'svc-etl-stolen', 'carrier-user', 'vdi-stolen', 'sase-phished', 'probe-fleet', 'zombie', 'rt-1', 'sleeper'].map(fp).concat('45.9.8.7', '198.18.7.7', '198.18.9.9', '198.18.20.20', '203.0.113.0/24', '2a01:4f8:c0de::/48');
    expect(flags.filter((f) => !expected.includes(f.subject)).map((f) => `${f.detector}: ${f.explanation}`)).toEqual([]);
  });
});

describe('flags', () => {
  const get = (url: string) => t.app.inject({ method: 'GET', url, headers: auth('read') });

  it('are not raised twice when detection runs again over the same range', async () => {
    const again = await t.app.inject({
      method: 'POST',
      url: '/v1/detections/run',
      headers: auth('admin'),
      payload: { from: new Date(NOW - HOUR).toISOString(), to: new Date(NOW).toISOString() },
    });
    expect(again.json().flags).toEqual([]);
    expect((await get('/v1/flags?limit=500')).json().flags).toHaveLength(flags.length);
  });

  it('list with filters and sorting', async () => {
    const byDetector = (await get('/v1/flags?detector=impossible_travel,rate_spike')).json().flags;
    expect(byDetector.map((f: { detector: string }) => f.detector).sort()).toEqual(['impossible_travel', 'impossible_travel', 'impossible_travel', 'impossible_travel', 'impossible_travel', 'impossible_travel', 'impossible_travel', 'rate_spike', 'rate_spike', 'rate_spike', 'rate_spike', 'rate_spike', 'rate_spike']);
    const critical = (await get('/v1/flags?severity=critical')).json().flags;
    expect(critical.length).toBeGreaterThan(0);
    expect(critical.every((f: { severity: string }) => f.severity === 'critical')).toBe(true);
    const sorted = (await get('/v1/flags?sort=severity')).json().flags;
    expect(sorted[0].severity).toBe('critical');
    expect((await get(`/v1/flags?token_fingerprint=${fp('spiky')}`)).json().flags).toHaveLength(1);
    expect((await get('/v1/flags?status=nope')).statusCode).toBe(400);
  });

  it('read with evidence, history and a token summary; token detail lists them', async () => {
    const id = flagged('impossible_travel', fp('traveller-thief'))[0]!.flag_id;
    const flag = (await get(`/v1/flags/${id}`)).json();
    expect(flag.evidence.from.place).toBe('Frankfurt am Main, DE');
    expect(flag.evidence.to.place).toBe('São Paulo, BR');
    expect(flag.evidence.speed_kmh).toBeGreaterThan(1000);
    expect(flag.history).toMatchObject([{ status: 'open', actor: 'detector:impossible_travel' }]);
    expect(flag.token).toMatchObject({ token_fingerprint: fp('traveller-thief'), app_id: 'shop' });
    const detail = (await get(`/v1/tokens/${fp('traveller-thief')}`)).json();
    expect(detail.flags.map((f: { flag_id: string }) => f.flag_id)).toContain(id);
    expect((await get(`/v1/flags/${'0'.repeat(32)}`)).statusCode).toBe(404);
  });

  it('are confirmed and dismissed by admins only, with actor and reason recorded', async () => {
    const id = flagged('rate_spike', fp('spiky'))[0]!.flag_id;
    const asRead = await t.app.inject({ method: 'POST', url: `/v1/flags/${id}/confirm`, headers: auth('read'), payload: { reason: 'x' } });
    expect(asRead.statusCode).toBe(403);
    const noReason = await t.app.inject({ method: 'POST', url: `/v1/flags/${id}/confirm`, headers: auth('admin'), payload: {} });
    expect(noReason.statusCode).toBe(400);
    const ok = await t.app.inject({ method: 'POST', url: `/v1/flags/${id}/confirm`, headers: auth('admin'), payload: { reason: 'bot traffic', actor: 'ana' } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().status).toBe('confirmed');
    const history = (await get(`/v1/flags/${id}`)).json().history;
    expect(history.map((h: { status: string; actor: string; reason: string }) => [h.status, h.actor, h.reason])).toEqual([
      ['open', 'detector:rate_spike', 'raised'],
      // The acting key is recorded beside the named actor (trust-bounds: the audit cannot lie).
      ['confirmed', `ana via key:${configKeyId(sha256(KEYS.admin))}`, 'bot traffic'],
    ]);
    const twice = await t.app.inject({ method: 'POST', url: `/v1/flags/${id}/dismiss`, headers: auth('admin'), payload: { reason: 'changed my mind' } });
    expect(twice.statusCode).toBe(409);
  });

  it('dismissed with suppression are not raised again for the same detector and subject', async () => {
    const id = flagged('ip_fanout', fp('leaked'))[0]!.flag_id;
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/flags/${id}/dismiss`,
      headers: auth('admin'),
      payload: { reason: 'our own load test', suppress_hours: 24 },
    });
    expect(res.json()).toMatchObject({ status: 'dismissed', suppressed_hours: 24 });
    // More fan-out from the same token, in a later window: suppressed.
    const later: Record<string, unknown>[] = [];
    for (let i = 0; i < 30; i++) later.push({ token: 'leaked', ts: new Date(NOW + 2 * MIN + i * 1000).toISOString(), ip: `203.1.${i}.9`, asn: 64600 + (i % 10), country: 'US', status: 200 });
    await post('/v1/events', later);
    await t.ctx.flusher.drained();
    const run = await t.app.inject({ method: 'POST', url: '/v1/detections/run', headers: auth('admin'), payload: { from: new Date(NOW).toISOString(), to: new Date(NOW + 5 * MIN).toISOString(), detectors: ['ip_fanout'] } });
    expect(run.json().flags).toEqual([]);
  });

  it('retro-hunt checks its input', async () => {
    const bad = await t.app.inject({ method: 'POST', url: '/v1/detections/run', headers: auth('admin'), payload: { from: 'now-90d' } });
    expect(bad.statusCode).toBe(400);
    const unknown = await t.app.inject({ method: 'POST', url: '/v1/detections/run', headers: auth('admin'), payload: { from: 'now-1h', detectors: ['psychic'] } });
    expect(unknown.statusCode).toBe(400);
  });
});

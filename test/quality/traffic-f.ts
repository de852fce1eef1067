/**
 * A sixth independent traffic generator for the detectors' quality runs (issue 13), written
 * blind: its author read neither the detectors, nor their documentation or tests, nor the
 * first generator's populations, nor any earlier result, and measured the detectors only
 * after this file and its tests were committed (HOLDOUT-F.md). Same `Traffic` shape as the
 * other generators, so the same harness and scorer run it: `npx tsx bench/quality.ts
 * --traffic f …`. The client/refresh-rotation bookkeeping is sessions.ts (shared with d and
 * e); the populations, networks and attacks are new.
 *
 * Every population is active on every day of the week (drivers, support queues, edge
 * functions, agents, aggregators, TVs and travellers never stop), so a run's figures do
 * not hinge on the weekday.
 *
 * Benign populations, each from a public description of a real system:
 * - travel eSIM users (Airalo/Holafly-style data plans): Americans, Germans and Britons on a
 *   trip in Thailand. Hotel Wi-Fi is Thai broadband (True Online), but the eSIM's data is
 *   routed through the reseller's partner operator, so mobile data leaves from Singtel in
 *   Singapore, 1,400 km away; phones switch between the two many times a day. Sources:
 *   Airalo help centre "Why does my IP address show a different country?"; GSMA IR.88
 *   home-routed vs local breakout.
 * - ride-hailing/delivery drivers in Houston: the driver app polls for offers and reports
 *   position every 30–90 s during 5–10 h shifts at any hour, on T-Mobile or Verizon
 *   CGNAT (the public address and its geolocation change every few minutes, nationwide
 *   pools) and on hub/restaurant Wi-Fi (Comcast) at pickups. Sources: Uber/Lyft driver
 *   app docs (location updates while online); carrier CGNAT descriptions.
 * - a follow-the-sun support desk: a shared queue integration token (a PAT of the
 *   `queue@` service account) used around the clock by the Manila (PLDT), Dublin (eir)
 *   and Austin (AT&T) offices in shifts that overlap at handover, so the same token is
 *   used from two continents within minutes; each agent also has a personal console
 *   session, some from home lines. Sources: Zendesk/Freshdesk follow-the-sun staffing
 *   guides; Zendesk API tokens are account-wide and shared by integrations.
 * - edge functions (Cloudflare Workers): three sites call the API from a Worker on cache
 *   misses, so one API key is used concurrently from Cloudflare egress addresses at many
 *   PoPs (Singapore, Tokyo, Mumbai, Sydney, Frankfurt, London, Ashburn, São Paulo), the mix
 *   following the sun, a new address per subrequest. Sources: Cloudflare docs "How Workers
 *   works" (runs in the data centre nearest the visitor) and published egress behaviour.
 * - LLM agent workloads: customers of an agent platform run tool-calling agents with an API
 *   key; each run is a burst of 20–150 calls in a few minutes from whichever cloud the
 *   platform scheduled it on (AWS us-east-1, GCP us-central1, Azure West Europe, AWS
 *   Frankfurt), runs triggered by events at any hour. Sources: OpenAI/Anthropic tool-use
 *   agent loops; LangGraph Platform / Modal deployment docs (multi-cloud workers).
 * - open-banking aggregation (Plaid-like): a US aggregator holds an OAuth grant per linked
 *   user and refreshes it, pulling accounts, balances and transactions four times a day from
 *   its AWS us-east-1 NAT pool (us-west-2 on failover): many users' tokens from a few
 *   addresses. The same users use the bank's own app on home broadband and mobile, and the
 *   app's background refresh wakes it every 1–4 h day and night. Sources: Plaid docs
 *   "Transactions: updates up to four times a day"; FDX/CFPB 1033 on aggregator access;
 *   Apple "Background App Refresh".
 * - smart-TV streaming apps (Japan, France, Brazil, US): device-code login long ago, the app
 *   plays evenings for hours with a playback heartbeat every 30–90 s from the home line;
 *   the ISP's DHCP lease changes the address now and then. Sources: RFC 8628 (device
 *   authorization grant); Netflix/Disney+ heartbeat descriptions.
 * - dormant keys: used for a few hours three to four weeks ago; some wake benignly.
 *
 * Attack variants (4 per kind) are described where they are generated below. Sources:
 * infostealer session-cookie theft and replay through residential proxies in the victim's
 * city (Lumma/RedLine reports, 2024; Okta HAR-file incident Oct 2023), OAuth consent
 * phishing (Microsoft "Consent phishing" guidance; Proofpoint on malicious OAuth apps
 * 2024), BADBOX 2.0 infected Android TV boxes (FBI PSA June 2025), Amazon Flex block-grabbing
 * bots, gig-economy account renting (FTC/press 2023–24), 911 S5 residential proxy botnet
 * (DoJ May 2024), Midnight Blizzard password spray (Jan 2024), GitHub secret scanning
 * partner revocation, JWT access tokens valid until expiry after a grant is revoked (RFC
 * 9068 / RFC 7009 caveats), OAuth 2.0 Security BCP (refresh-token rotation and reuse),
 * malicious npm tarballs with embedded secrets, and the Snowflake-customer intrusions
 * (Mandiant UNC5537, June 2024: old credentials revived).
 *
 * Times are epoch milliseconds; tokens are raw strings (`sendAs: 'fp'` ones are named by
 * fingerprint on the wire).
 */
import { addressIn, network as networkAB, type Network } from './ippool.js';
import { Rng } from './rng.js';
import { attackPlans, attackTime, AUTH, DAY, First, HOUR, MIN, Moving, SEC, session, SessionGen, type Chain, type Client, type Plan, type Sess } from './sessions.js';
import type { AttackKind, TokenInfo, Traffic } from './traffic.js';

/**
 * Networks only this generator uses, each checked against the bundled MMDB (country and
 * ASN; traffic-f.test.ts keeps checking; /24s that place elsewhere are left out through
 * `thirds`, found by scanning every /24 of each prefix). Cloudflare egress geolocates per /24 to the PoP,
 * so the Cloudflare entries list the /24s (third octets) that place at that PoP's country.
 */
export const NETWORKS_F: readonly Network[] = [
  // Thailand: hotel Wi-Fi (True Online) and AIS (mobile/fibre)
  { id: 'true-th', kind: 'residential', prefix: '58.8', country: 'TH', asn: 17552 },
  { id: 'ais-th', kind: 'mobile', prefix: '49.228', country: 'TH', asn: 133481 },
  // the travel eSIM's partner operator: Singtel, Singapore
  { id: 'singtel-sg', kind: 'mobile', prefix: '42.60', country: 'SG', asn: 9506, thirds: [[0, 137], [140, 201], [204, 227], [230, 247]] },
  { id: 'singtel-sg-2', kind: 'mobile', prefix: '118.200', country: 'SG', asn: 9506, thirds: [[0, 41], [43, 136], [144, 179], [184, 216], [228, 255]] },
  // support offices and agents' homes
  { id: 'pldt-ph', kind: 'residential', prefix: '49.145', country: 'PH', asn: 9299 },
  { id: 'globe-ph-bb', kind: 'residential', prefix: '112.198', country: 'PH', asn: 4775, thirds: [[7, 29], [31, 79]] },
  { id: 'eir-ie', kind: 'residential', prefix: '86.40', country: 'IE', asn: 5466 },
  { id: 'virgin-ie', kind: 'residential', prefix: '89.101', country: 'IE', asn: 6830 },
  // Cloudflare Workers egress, per PoP
  { id: 'cf-sin', kind: 'cloud', prefix: '172.70', country: 'SG', asn: 13335, thirds: [[141, 143], [145, 147]], region: 'SIN' },
  { id: 'cf-nrt', kind: 'cloud', prefix: '172.70', country: 'JP', asn: 13335, thirds: [[121, 123], [221, 223], [232, 234]], region: 'NRT' },
  { id: 'cf-bom', kind: 'cloud', prefix: '172.70', country: 'IN', asn: 13335, thirds: [[217, 219]], region: 'BOM' },
  { id: 'cf-syd', kind: 'cloud', prefix: '162.158', country: 'AU', asn: 13335, thirds: [[0, 3]], region: 'SYD' },
  { id: 'cf-fra', kind: 'cloud', prefix: '172.70', country: 'DE', asn: 13335, thirds: [[240, 251]], region: 'FRA' },
  { id: 'cf-lhr', kind: 'cloud', prefix: '172.70', country: 'GB', asn: 13335, thirds: [[84, 86], [88, 91], [160, 163]], region: 'LHR' },
  { id: 'cf-iad', kind: 'cloud', prefix: '172.70', country: 'US', asn: 13335, thirds: [[33, 35], [37, 39], [41, 43], [133, 135], [173, 175]], region: 'IAD' },
  { id: 'cf-gru', kind: 'cloud', prefix: '172.71', country: 'BR', asn: 13335, thirds: [[5, 7], [9, 11], [233, 235], [237, 239]], region: 'GRU' },
  // TV homes in Brazil (Claro/NET Rio)
  { id: 'claro-br-rio', kind: 'residential', prefix: '201.17', country: 'BR', asn: 28573, thirds: [[0, 127]] },
];

const BY_ID = new Map(NETWORKS_F.map((n) => [n.id, n]));
function network(id: string): Network {
  return BY_ID.get(id) ?? networkAB(id);
}
const addr = (rng: Rng, id: string) => addressIn(rng, network(id));

/** An address in OVH's 2001:41d0::/32 (France), all inside one /64 (a VPS). */
function in64(rng: Rng, base64: string): string {
  return `${base64}:${rng.hex(4)}:${rng.hex(4)}:${rng.hex(4)}:${rng.hex(3)}1`;
}

/** UTC offsets for daily habits (standard time, December). */
const OFFSET: Record<string, number> = { US: -6, DE: 1, GB: 0, TH: 7, PH: 8, IE: 0, JP: 9, FR: 1, BR: -3, SG: 8 };

export interface TrafficSizeF {
  days: number;
  attackHours: number;
  travellers: number;
  drivers: number;
  /** Agents per support office (three offices). */
  agentsPerSite: number;
  workerApps: number;
  agentCustomers: number;
  bankUsers: number;
  tvs: number;
  dormantKeys: number;
  /** One attack per variant, four variants per kind: at most 4. */
  attacksPerKind: number;
}

export const SIZES_F: Record<'test' | 'medium', TrafficSizeF> = {
  test: {
    days: 2, attackHours: 5, travellers: 24, drivers: 26, agentsPerSite: 4, workerApps: 3, agentCustomers: 8, bankUsers: 40, tvs: 30,
    dormantKeys: 8, attacksPerKind: 4,
  },
  medium: {
    days: 4, attackHours: 16, travellers: 60, drivers: 80, agentsPerSite: 10, workerApps: 6, agentCustomers: 20, bankUsers: 120, tvs: 90,
    dormantKeys: 24, attacksPerKind: 4,
  },
};

const TRIP_PATHS = ['/v1/bookings', '/v1/bookings/{id}', '/v1/wallet', '/v1/maps/places?q={n}', '/v1/me'];
const DRIVER_PATHS = ['/v1/offers', '/v1/offers', '/v1/driver/location', '/v1/driver/location', '/v1/deliveries/{id}', '/v1/earnings'];
const SUPPORT_PATHS = ['/v1/tickets?queue={n}', '/v1/tickets/{id}', '/v1/tickets/{id}/comments', '/v1/customers/{id}', '/v1/macros'];
const WORKER_PATHS = ['/v1/catalog/{id}', '/v1/catalog?page={n}', '/v1/prices/{id}', '/v1/inventory/{id}'];
const AGENT_PATHS = ['/v1/search?q={n}', '/v1/documents/{id}', '/v1/tickets/{id}', '/v1/tickets', '/v1/customers/{id}'];
const AGG_PATHS = ['/v1/accounts', '/v1/accounts/{id}/transactions?page={n}', '/v1/accounts/{id}/balances', '/v1/identity'];
const BANK_PATHS = ['/v1/accounts', '/v1/accounts/{id}/balances', '/v1/accounts/{id}/transactions?page={n}', '/v1/payments', '/v1/cards/{id}'];
const TV_PATHS = ['/v1/playback/heartbeat', '/v1/playback/heartbeat', '/v1/playback/heartbeat', '/v1/catalog/rows', '/v1/titles/{id}', '/v1/profiles'];
const TRIP_UA = ['TripWallet/8.2 (iPhone; iOS 18.1)', 'TripWallet/8.2 (Android 14; Pixel 8)'];
const DRIVER_UA = ['DriverPartner/4.311 (Android 13; SM-A536U)', 'DriverPartner/4.311 (iPhone; iOS 17.6)'];
const CONSOLE_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';
const QUEUE_UA = 'helpdesk-queue-sync/2.4';
const WORKER_UA = 'Cloudflare-Workers';
const AGENT_UA = 'agent-runtime/1.9 (python-httpx/0.27)';
const AGG_UA = 'finlink-connector/7.3 (java 21)';
const BANK_UA = ['MyBank/12.4 (iPhone; iOS 18.1)', 'MyBank/12.4 (Android 14; SM-S921U)'];
const TV_UA = ['StreamTV/6.1 (Tizen 7.0; Samsung QN90)', 'StreamTV/6.1 (webOS 23; LG OLED)', 'StreamTV/6.1 (Android TV 12; Sony Bravia)'];
const ATTACK_UA = ['python-requests/2.32.3', 'Go-http-client/2.0', 'curl/8.11.0', 'axios/1.7.7'];

export function generateTrafficF(seed: number, size: TrafficSizeF, end: number): Traffic {
  const root = new Rng(`f-${seed}`);
  const g = new SessionGen(seed, size, end, { prefix: 'f', gateway: 'gw-f', offsets: OFFSET });
  const K = Math.min(4, size.attacksPerKind);
  const plans = (kind: AttackKind, need: number): Plan[] => attackPlans(g, root, K, kind, need);
  const nl = plans('new_location', 90 * MIN);
  const it = plans('impossible_travel', 50 * MIN);
  const rs = plans('rate_spike', 50 * MIN);
  const fo = plans('ip_fanout', 60 * MIN);
  const af = plans('auth_failures', 4.6 * HOUR);
  const ru = plans('revoked_use', 60 * MIN);
  const rr = plans('refresh_reuse', 70 * MIN);
  const dr = plans('dormant_reuse', 100 * MIN);
  const has = (i: number) => i < K;
  const sess = session;
  const localHour = (t: number, country: string) => ((((t / HOUR) + (OFFSET[country] ?? 0)) % 24) + 24) % 24;

  // ======================= travel eSIM users in Thailand =======================
  interface Traveller { c: Client; hotel: (t: number) => string; esim: Moving; sessions: Sess[] }
  const travellers: Traveller[] = [];
  for (let u = 0; u < size.travellers; u++) {
    const rng = root.fork(`traveller-${u}`);
    const from = ['us', 'de', 'gb'][u % 3]!;
    const c = g.client(rng, { user: `${from}-traveller-${u}`, appId: 'tripwallet', clientId: 'tripwallet-mobile', ua: rng.pick(TRIP_UA), population: 'esim-traveller' });
    // A new hotel every 2–4 days (Bangkok, Chiang Mai, the islands): one True Online address each.
    const hotels: { until: number; ip: string }[] = [];
    for (let t = g.oldest - rng.range(0, 3) * DAY; t < g.end + DAY; t += rng.range(2, 4) * DAY) hotels.push({ until: t + 4 * DAY, ip: addr(rng, 'true-th') });
    const hotel = (t: number) => (hotels.find((h) => h.until > t) ?? hotels.at(-1)!).ip;
    const esim = new Moving(rng, () => addr(rng, rng.pick(['singtel-sg', 'singtel-sg-2'])), [10, 60]);
    const x: Traveller = { c, hotel, esim, sessions: [] };
    for (const s of g.daily(rng, 'TH', [4, 8], [7, 24])) {
      // Out and about on the eSIM; at the hotel on its Wi-Fi; walking out mid-session switches.
      const onWifi = rng.chance(0.45);
      const switchAt = rng.chance(0.3) ? s + rng.range(2, 10) * MIN : Infinity;
      x.sessions.push({ start: s, dur: rng.range(3, 20) * MIN, gap: () => rng.range(15, 60) * SEC, path: () => rng.pick(TRIP_PATHS), ip: (t) => ((onWifi && t < switchAt) || (!onWifi && t >= switchAt) ? hotel(t) : esim.at(t)) });
    }
    travellers.push(x);
  }

  // ======================= drivers in Houston =======================
  interface Driver { c: Client; carrier: Moving; carrierId: string; hub: string; sessions: Sess[] }
  const drivers: Driver[] = [];
  for (let u = 0; u < size.drivers; u++) {
    const rng = root.fork(`driver-${u}`);
    const c = g.client(rng, { user: `driver-${u}`, appId: 'driver-partner', clientId: 'driver-partner-app', ua: rng.pick(DRIVER_UA), population: 'gig-driver' });
    const carrierId = u % 2 === 0 ? 'tmobile-us' : 'verizon-wireless-us';
    const carrier = new Moving(rng, () => addr(rng, carrierId), [4, 30]);
    const hub = addr(rng, 'comcast-hou');
    const d: Driver = { c, carrier, carrierId, hub, sessions: [] };
    // Each driver has a usual shift start (morning, lunch, evening or night) and works most days.
    const usual = rng.pick([6, 10, 16, 21]);
    for (let day = g.start - (g.start % DAY) - DAY; day < g.end + DAY; day += DAY) {
      if (!rng.chance(0.85)) continue;
      const s = day + (usual + rng.range(-1.5, 1.5) - OFFSET.US!) * HOUR;
      const dur = rng.range(5, 10) * HOUR;
      // Pickups at hubs and restaurants: 10–25 min on Wi-Fi every hour or two.
      const stops: [number, number][] = [];
      for (let t = s + rng.range(20, 90) * MIN; t < s + dur; t += rng.range(60, 150) * MIN) stops.push([t, t + rng.range(10, 25) * MIN]);
      d.sessions.push({ start: s, dur, gap: () => rng.range(30, 90) * SEC, path: () => rng.pick(DRIVER_PATHS), ip: (t) => (stops.some(([a, b]) => a <= t && t < b) ? hub : carrier.at(t)) });
    }
    drivers.push(d);
  }

  // ======================= follow-the-sun support desk =======================
  const SITES = [
    { country: 'PH', office: 'pldt-ph', home: 'globe-ph-bb', shift: [23, 32.5] as [number, number] },
    { country: 'IE', office: 'eir-ie', home: 'virgin-ie', shift: [7.5, 16.5] as [number, number] },
    { country: 'US', office: 'att-us', home: 'charter-us', shift: [15.5, 24.5] as [number, number] },
  ];
  interface Agent { c: Client; site: number; office: string; home: string; sessions: Sess[] }
  const agents: Agent[] = [];
  const officeIps = SITES.map((s, i) => { const r = root.fork(`office-${i}`); return [addr(r, s.office), addr(r, s.office)]; });
  for (const [si, site] of SITES.entries()) {
    for (let a = 0; a < size.agentsPerSite; a++) {
      const rng = root.fork(`agent-${si}-${a}`);
      const c = g.client(rng, { user: `agent-${site.country.toLowerCase()}-${a}`, appId: 'helpdesk', clientId: 'helpdesk-console', ua: CONSOLE_UA, population: 'support-desk' });
      const office = rng.pick(officeIps[si]!);
      const home = addr(rng, site.home);
      const ag: Agent = { c, site: si, office, home, sessions: [] };
      // Shifts in UTC hours (Manila's runs past midnight UTC); one in four days from home; five or six days a week, any weekday.
      for (let day = g.start - (g.start % DAY) - DAY; day < g.end + DAY; day += DAY) {
        if (!rng.chance(0.8)) continue;
        const remote = rng.chance(0.25);
        const ip = remote ? home : office;
        for (let t = day + (site.shift[0] + rng.range(-0.3, 0.3)) * HOUR, stop = day + site.shift[1] * HOUR; t < stop; t += rng.range(40, 120) * MIN) {
          ag.sessions.push(sess(t, rng.range(20, 70) * MIN, [20, 90], () => ip, SUPPORT_PATHS, rng));
        }
      }
      agents.push(ag);
    }
  }
  // The shared queue token: one PAT of the queue@ service account, used by whichever office is on shift.
  const queueRng = root.fork('queue');
  const queuePat = g.token(queueRng, { type: 'personal_access_token', appId: 'helpdesk', clientId: 'helpdesk-queue', userId: 'queue@support', population: 'support-shared-token', sendAs: 'raw' }, 'hdpat');
  g.life({ event: 'issued', ts: g.oldest - 200 * DAY, token: queuePat, token_type: 'personal_access_token', client_id: 'helpdesk-queue', app_id: 'helpdesk', user_id: 'queue@support', expires_at: null });
  for (let t = g.start; t < g.end; t += queueRng.range(20, 70) * SEC) {
    const h = ((t / HOUR) % 24 + 24) % 24;
    const on = SITES.map((s, i) => [i, s.shift] as const).filter(([, [a, b]]) => (h >= a && h < b) || (h + 24 >= a && h + 24 < b)).map(([i]) => i);
    if (!on.length) continue;
    const site = queueRng.pick(on);
    g.use(queuePat, t, queueRng.pick(officeIps[site]!), { ua: QUEUE_UA, rng: queueRng, path: queueRng.pick(SUPPORT_PATHS), method: queueRng.chance(0.25) ? 'POST' : 'GET' });
  }

  // ======================= open banking: users' bank app and the aggregator =======================
  const HOME_NETS = ['comcast-hou', 'cox-us', 'att-us', 'charter-us'];
  interface BankUser { c: Client; agg: Client; homeNet: string; home: string; mobile: Moving; sessions: Sess[]; pulls: Sess[] }
  const bank: BankUser[] = [];
  const aggNat = Array.from({ length: 8 }, (_, i) => addr(root.fork(`agg-nat-${i}`), 'aws-us-east-1-iad'));
  const aggFailover = Array.from({ length: 4 }, (_, i) => addr(root.fork(`agg-nat-west-${i}`), 'aws-us-west-2'));
  const aggIp = (rng: Rng, t: number) => {
    // A failover to us-west-2 for an hour now and then (the same for every user).
    const hour = Math.floor(t / HOUR);
    return new Rng(`agg-fail-${seed}-${hour}`).chance(0.06) ? rng.pick(aggFailover) : rng.pick(aggNat);
  };
  for (let u = 0; u < size.bankUsers; u++) {
    const rng = root.fork(`bank-${u}`);
    const user = `bank-user-${u}`;
    const c = g.client(rng, { user, appId: 'mybank', clientId: 'mybank-mobile', ua: rng.pick(BANK_UA), population: 'bank-app' });
    const agg = g.client(rng.fork('agg'), { user, appId: 'finlink', clientId: 'finlink-aggregator', ua: AGG_UA, population: 'open-banking-aggregator', ttl: 30 * MIN });
    const homeNet = rng.pick(HOME_NETS);
    const home = addr(rng, homeNet);
    const mobile = new Moving(rng, () => addr(rng, u % 2 ? 'tmobile-us' : 'verizon-wireless-us'), [5, 40]);
    const b: BankUser = { c, agg, homeNet, home, mobile, sessions: [], pulls: [] };
    for (const s of g.daily(rng, 'US', [1, 3], [7, 23])) {
      const atHome = rng.chance(0.5);
      b.sessions.push(sess(s, rng.range(1, 6) * MIN, [8, 40], (t) => (atHome ? home : mobile.at(t)), BANK_PATHS, rng));
    }
    // Background refresh: one or two quick calls every 1–4 h, day and night; at night on home Wi-Fi.
    for (let t = g.start + rng.range(0, 3) * HOUR; t < g.end; t += rng.range(1, 4) * HOUR) {
      const night = localHour(t, 'US') < 7;
      b.sessions.push(sess(t, rng.range(2, 15) * SEC, [3, 8], (x) => (night || rng.chance(0.5) ? home : mobile.at(x)), ['/v1/accounts/{id}/balances', '/v1/notifications'], rng));
    }
    // The aggregator's scheduled pulls: four a day, spread over the hour the queue takes to drain.
    for (let day = g.start - (g.start % DAY) - DAY; day < g.end + DAY; day += DAY) {
      for (const h of [2, 8, 14, 20]) {
        const t = day + h * HOUR + rng.range(0, 60) * MIN;
        b.pulls.push(sess(t, rng.range(5, 40) * SEC, [1, 6], (x) => aggIp(rng, x), AGG_PATHS, rng));
      }
    }
    bank.push(b);
  }

  // ======================= smart TVs =======================
  const TV_HOMES: [string, string][] = [['JP', 'ntt-jp'], ['FR', 'orange-fr'], ['BR', 'claro-br-rio'], ['US', 'comcast-sj']];
  interface Tv { c: Client; country: string; home: (t: number) => string; sessions: Sess[] }
  const tvs: Tv[] = [];
  for (let u = 0; u < size.tvs; u++) {
    const rng = root.fork(`tv-${u}`);
    const [country, net] = TV_HOMES[u % TV_HOMES.length]!;
    const c = g.client(rng, { user: `viewer-${country.toLowerCase()}-${u}`, appId: 'streamtv', clientId: 'streamtv-tv', ua: rng.pick(TV_UA), population: 'smart-tv' });
    // A DHCP lease that changes every few days, inside the same ISP.
    const leases: { until: number; ip: string }[] = [];
    for (let t = g.oldest; t < g.end + DAY; t += rng.range(1.5, 6) * DAY) leases.push({ until: t, ip: addr(rng, net) });
    const home = (t: number) => (leases.find((l) => l.until > t) ?? leases.at(-1)!).ip;
    const x: Tv = { c, country, home, sessions: [] };
    for (const s of g.daily(rng, country, [1, 2], [17, 23.5])) x.sessions.push(sess(s, rng.range(40, 180) * MIN, [30, 90], home, TV_PATHS, rng));
    // Daytime viewing now and then (children, weekends, night shifts: any day).
    for (const s of g.daily(rng, country, [0, 1], [9, 16])) x.sessions.push(sess(s, rng.range(20, 90) * MIN, [30, 90], home, TV_PATHS, rng));
    tvs.push(x);
  }

  // ----- victims' sessions just before their attacks -----
  const V = {
    nl0: bank[0]!, it0: bank[1]!, fo3: bank[2]!, rs1: bank[3]!, ru1: bank[4]!, rr1: bank[5]!,
    nl1: agents[0]!, it1: agents[1]!, ru0: agents[size.agentsPerSite]!, rr3: agents[2]!,
    nl2: drivers[0]!, rs3: drivers[1]!, ru2: drivers[2]!, it2: drivers[3]!, fo2: drivers[4]!,
    rs2: tvs[0]!, fo0: tvs[1]!, rr0: tvs[2]!,
    it3: travellers[0]!, rr2: travellers[1]!,
  };
  const mark = (x: { c: Client; sessions: Sess[] }, at: number, dur: number, ip: (t: number) => string, paths: string[], label: string, gap: [number, number] = [30, 120]) => x.sessions.push(sess(at, dur, gap, ip, paths, x.c.rng, label));
  const shiftIp = (a: Agent) => () => a.office;
  if (has(0)) { const b = V.nl0; mark(b, nl[0]!.when - 20 * MIN, 8 * MIN, () => b.home, BANK_PATHS, 'nl'); }
  if (has(0)) { const b = V.it0; mark(b, it[0]!.when - 5 * MIN, 45 * MIN, () => b.home, BANK_PATHS, 'it'); }
  if (has(3)) { const b = V.fo3; mark(b, fo[3]!.when - 5 * MIN, 10 * MIN, () => b.home, BANK_PATHS, 'fo'); }
  if (has(1)) V.rs1.pulls.push(sess(rs[1]!.when - 3 * MIN, 40 * SEC, [1, 6], () => aggNat[0]!, AGG_PATHS, V.rs1.agg.rng, 'rs'));
  if (has(1)) V.ru1.pulls.push(sess(ru[1]!.when - 12 * MIN, 40 * SEC, [1, 6], () => aggNat[1]!, AGG_PATHS, V.ru1.agg.rng, 'ru'));
  if (has(1)) V.rr1.pulls.push(sess(rr[1]!.when - 3 * HOUR, 50 * MIN, [60, 240], () => aggNat[2]!, AGG_PATHS, V.rr1.agg.rng, 'rr'));
  if (has(1)) { const a = V.it1; mark(a, it[1]!.when - 5 * MIN, 45 * MIN, shiftIp(a), SUPPORT_PATHS, 'it'); }
  if (has(0)) { const a = V.ru0; mark(a, ru[0]!.when - 15 * MIN, 6 * MIN, () => a.home, SUPPORT_PATHS, 'ru'); }
  if (has(3)) { const a = V.rr3; mark(a, rr[3]!.when - 3 * HOUR, 100 * MIN, shiftIp(a), SUPPORT_PATHS, 'rr'); }
  if (has(3)) { const d = V.rs3; mark(d, rs[3]!.when - 5 * MIN, 45 * MIN, (t) => d.carrier.at(t), DRIVER_PATHS, 'rs'); }
  if (has(2)) { const d = V.ru2; mark(d, ru[2]!.when - 20 * MIN, 15 * MIN, (t) => d.carrier.at(t), DRIVER_PATHS, 'ru'); }
  if (has(2)) { const d = V.it2; mark(d, it[2]!.when - 5 * MIN, 45 * MIN, (t) => d.carrier.at(t), DRIVER_PATHS, 'it'); }
  if (has(2)) { const d = V.fo2; mark(d, fo[2]!.when - 5 * MIN, 10 * MIN, (t) => d.carrier.at(t), DRIVER_PATHS, 'fo'); }
  if (has(2)) { const x = V.rs2; mark(x, rs[2]!.when - 5 * MIN, 50 * MIN, x.home, TV_PATHS, 'rs'); }
  if (has(0)) { const x = V.fo0; mark(x, fo[0]!.when - 5 * MIN, 15 * MIN, x.home, TV_PATHS, 'fo'); }
  if (has(0)) { const x = V.rr0; mark(x, rr[0]!.when - 3 * HOUR, 100 * MIN, x.home, TV_PATHS, 'rr'); }
  if (has(3)) { const x = V.it3; mark(x, it[3]!.when - 5 * MIN, 45 * MIN, x.hotel, TRIP_PATHS, 'it'); }
  if (has(2)) { const x = V.rr2; mark(x, rr[2]!.when - 3 * HOUR, 100 * MIN, x.hotel, TRIP_PATHS, 'rr'); }
  // Revocations: the offboarded agent, the aggregator grant the user withdraws, the deactivated driver.
  const ru0Cut = has(0) ? ru[0]!.when - 4 * MIN : Infinity;
  const ru1Cut = has(1) ? ru[1]!.when - 5 * MIN : Infinity;
  const ru2Cut = has(2) ? ru[2]!.when - 3 * MIN : Infinity;
  const before = (list: Sess[], cut: number) => list.filter((s) => s.mark || s.start < cut);

  // ----- run the people -----
  for (const x of travellers) g.run(x.c, x.sessions);
  for (const x of drivers) g.run(x.c, x === V.ru2 ? before(x.sessions, ru2Cut) : x.sessions, x === V.ru2 && ru2Cut < Infinity ? [{ at: ru2Cut, source: 'trust_and_safety', reason: 'account deactivated: suspected account renting' }] : []);
  for (const x of agents) g.run(x.c, x === V.ru0 ? before(x.sessions, ru0Cut) : x.sessions, x === V.ru0 && ru0Cut < Infinity ? [{ at: ru0Cut, source: 'hr_offboarding', reason: 'employment ended' }] : []);
  for (const x of bank) {
    g.run(x.c, x.sessions);
    g.run(x.agg, x === V.ru1 ? before(x.pulls, ru1Cut) : x.pulls, x === V.ru1 && ru1Cut < Infinity ? [{ at: ru1Cut, source: 'end_user', reason: 'consent withdrawn in the bank app' }] : []);
  }
  for (const x of tvs) g.run(x.c, x.sessions);

  // ======================= edge functions (Cloudflare Workers) =======================
  const POPS: { id: string; zone: 'asia' | 'europe' | 'americas' }[] = [
    { id: 'cf-sin', zone: 'asia' }, { id: 'cf-nrt', zone: 'asia' }, { id: 'cf-bom', zone: 'asia' }, { id: 'cf-syd', zone: 'asia' },
    { id: 'cf-fra', zone: 'europe' }, { id: 'cf-lhr', zone: 'europe' }, { id: 'cf-iad', zone: 'americas' }, { id: 'cf-gru', zone: 'americas' },
  ];
  const zoneWeight = (zone: string, h: number) => {
    const peak = zone === 'asia' ? 5 : zone === 'europe' ? 13 : 20;
    const d = Math.min(Math.abs(h - peak), 24 - Math.abs(h - peak));
    return 0.15 + Math.max(0, 1 - d / 8);
  };
  const workers: { key: string; appId: string }[] = [];
  for (let w = 0; w < size.workerApps; w++) {
    const rng = root.fork(`worker-${w}`);
    const appId = `storefront-${w}`;
    const key = g.token(rng, { type: 'api_key', appId, clientId: `${appId}-worker`, population: 'edge-worker', sendAs: rng.chance(0.5) ? 'raw' : 'fp' }, 'cfk');
    g.life({ event: 'issued', ts: g.oldest - rng.range(30, 400) * DAY, token: key, token_type: 'api_key', client_id: `${appId}-worker`, app_id: appId, expires_at: null });
    workers.push({ key, appId });
    const mean = rng.range(25, 45) * SEC;
    for (let t = g.start + rng.range(0, 60) * SEC; t < g.end; t += rng.exp(mean)) {
      const h = ((t / HOUR) % 24 + 24) % 24;
      const pop = rng.weighted(POPS.map((p) => [p, zoneWeight(p.zone, h)] as const));
      g.use(key, t, addr(rng, pop.id), { ua: WORKER_UA, rng, path: rng.pick(WORKER_PATHS), bytes: Math.round(500 + rng.exp(6000)) });
    }
  }

  // ======================= LLM agent workloads =======================
  const AGENT_CLOUDS = ['aws-us-east-1', 'gcp-us-central1', 'azure-westeurope', 'aws-eu-central-1'];
  interface AgentCustomer { key: string; customer: string; clouds: string[]; rng: Rng; replacedAt: number; next?: string }
  const agentCustomers: AgentCustomer[] = [];
  // revoked_use 3: the customer's key is found on GitHub by secret scanning and revoked; the customer moves to a new key.
  const ru3Revoked = has(3) ? ru[3]!.when - root.fork('ru3-rev').range(8, 20) * MIN : Infinity;
  for (let a = 0; a < size.agentCustomers; a++) {
    const rng = root.fork(`agent-customer-${a}`);
    const customer = `agent-co-${a}`;
    const mk = () => {
      const key = g.token(rng, { type: 'api_key', appId: 'agent-platform', clientId: customer, population: 'llm-agent', sendAs: rng.chance(0.5) ? 'raw' : 'fp' }, 'agk');
      return key;
    };
    const key = mk();
    g.life({ event: 'issued', ts: g.oldest - rng.range(20, 200) * DAY, token: key, token_type: 'api_key', client_id: customer, app_id: 'agent-platform', expires_at: null });
    const clouds = rng.shuffle([...AGENT_CLOUDS]).slice(0, rng.int(2, 3));
    const x: AgentCustomer = { key, customer, clouds, rng, replacedAt: Infinity };
    if (a === 2 && ru3Revoked < Infinity) {
      x.replacedAt = ru3Revoked;
      x.next = mk();
      g.life({ event: 'revoked', ts: ru3Revoked, token: key, token_type: 'api_key', client_id: customer, app_id: 'agent-platform', source: 'github_secret_scanning', reason: 'key found in a public repository' });
      g.life({ event: 'issued', ts: ru3Revoked + 4 * MIN, token: x.next, token_type: 'api_key', client_id: customer, app_id: 'agent-platform', expires_at: null });
    }
    agentCustomers.push(x);
    // Runs triggered by events at any hour: each a burst of tool calls from one worker's NAT address.
    for (let t = g.start + rng.range(0, 2) * HOUR; t < g.end; t += rng.exp(rng.range(90, 180) * MIN)) {
      if (t >= x.replacedAt && t < x.replacedAt + 6 * MIN) continue;
      const k = t >= x.replacedAt ? x.next! : key;
      const ip = addr(rng, rng.pick(clouds));
      const n = rng.int(20, 120);
      let s = t;
      // A run in flight when the key is revoked ends there (its next call would be refused; the platform restarts it with the new key).
      for (let j = 0; j < n && !(k === key && s >= x.replacedAt); j++, s += rng.range(0.5, 4) * SEC) g.use(k, s, ip, { ua: AGENT_UA, rng, path: rng.pick(AGENT_PATHS), method: rng.chance(0.3) ? 'POST' : 'GET', status: rng.chance(0.02) ? 404 : 200 });
    }
  }

  // ======================= dormant keys =======================
  const DORMANT_HOME = ['aws-eu-central-1', 'aws-us-east-1', 'bt-gb', 'cf-iad'];
  interface Dormant { key: string; owner: string; homeNet: string; ip: string; pat: boolean }
  const dormant: Dormant[] = [];
  for (let k = 0; k < size.dormantKeys; k++) {
    const rng = root.fork(`dormant-${k}`);
    const pat = k === 2 || (k >= 4 && k % 2 === 1);
    const homeNet = DORMANT_HOME[k] ?? (pat ? rng.pick(['bt-gb', 'eir-ie']) : rng.pick(['aws-us-east-1', 'gcp-us-central1']));
    const ip = addr(rng, homeNet);
    const owner = pat ? `contractor-${k}` : '';
    const appId = pat ? 'partner-portal' : `integration-${k}`;
    const key = g.token(rng, { type: pat ? 'personal_access_token' : 'api_key', appId, clientId: appId, userId: pat ? owner : undefined, population: 'dormant', sendAs: rng.chance(0.5) ? 'raw' : 'fp' }, pat ? 'ppat' : 'ik');
    g.life({ event: 'issued', ts: g.oldest - rng.range(10, 300) * DAY, token: key, token_type: pat ? 'personal_access_token' : 'api_key', client_id: appId, app_id: appId, user_id: pat ? owner : undefined, expires_at: null });
    const d0 = g.oldest + rng.range(0.5, 4) * DAY;
    const ua = pat ? 'PartnerSync/1.2 (Windows)' : homeNet.startsWith('cf-') ? WORKER_UA : 'aws-sdk-java/2.25';
    for (let t = d0, last = d0 + rng.range(2, 6) * HOUR; t < last; t += rng.exp(4 * MIN)) g.use(key, t, homeNet.startsWith('cf-') ? addr(rng, homeNet) : ip, { ua, rng, path: rng.pick(['/v1/orders?since={n}', '/v1/customers/{id}', '/v1/exports']) });
    dormant.push({ key, owner, homeNet, ip, pat });
  }
  for (const k of dormant.slice(K).filter((_, i) => i % 2 === 0)) {
    const rng = root.fork(`wake-${k.key.slice(0, 12)}`);
    const t0 = attackTime(g, rng, HOUR);
    const ip = rng.chance(0.5) ? k.ip : addr(rng, k.homeNet);
    for (let t = t0, last = t0 + rng.range(10, 40) * MIN; t < last; t += rng.exp(45 * SEC)) g.use(k.key, t, ip, { ua: k.pat ? 'PartnerSync/1.2 (Windows)' : 'aws-sdk-java/2.25', rng, path: '/v1/orders?since={n}' });
  }

  // ======================= attacks =======================
  const reg = (rng: Rng, info: Omit<TokenInfo, 'raw'>, prefix: string) => {
    const t = g.token(rng, info, prefix);
    g.attackOnly.add(t);
    return t;
  };
  const ua = (r: Rng) => r.pick(ATTACK_UA);
  /** Replays a victim's marked access token from `ip`, within its lifetime. */
  const replay = (f: First, c: Client, label: string, when: number, ip: (t: number) => string, gap: [number, number], o: { ua: string; paths: string[]; minutes: [number, number]; r: Rng; status?: (t: number) => number; gateway?: string }): Chain | undefined => {
    const chain = c.marks.get(label);
    if (!chain) return undefined;
    const r = o.r;
    const start = Math.max(chain.issued + r.range(1, 3) * MIN, when);
    const stop = Math.min(chain.exp - MIN, start + r.range(o.minutes[0], o.minutes[1]) * MIN);
    for (let t = start; t < stop; t += r.range(gap[0], gap[1]) * SEC) f.use(chain.access, t, ip(t), { ua: o.ua, rng: r, path: r.pick(o.paths), status: o.status?.(t), gateway: o.gateway });
    return chain;
  };
  const acc = (c: Client, label: string) => [c.marks.get(label)?.access ?? ''].filter(Boolean);
  /** An attacker's own token family for a victim user (a fresh sign-in or a consent grant). */
  const family = (r: Rng, c: { user: string; appId: string }, clientId: string, at: number, grant: string) => {
    const rt = reg(r, { type: 'refresh_token', appId: c.appId, clientId, userId: c.user, population: 'attacker', sendAs: 'raw' }, 'rt');
    const tok = reg(r, { type: 'access_token', appId: c.appId, clientId, userId: c.user, population: 'attacker', sendAs: 'raw' }, 'at');
    g.life({ event: 'issued', ts: at - 20, token: rt, token_type: 'refresh_token', client_id: clientId, app_id: c.appId, user_id: c.user, grant_type: grant, scopes: ['offline_access', 'api'], issued_at: at - 20, expires_at: at + 90 * DAY });
    g.life({ event: 'issued', ts: at - 10, token: tok, token_type: 'access_token', client_id: clientId, app_id: c.appId, user_id: c.user, grant_type: grant, scopes: ['api'], issued_at: at - 10, expires_at: at + HOUR });
    return { rt, at: tok };
  };

  // ----- new_location -----
  nl.forEach((pl) => {
    const r = pl.rng;
    const f = new First(g);
    if (pl.i === 0) {
      // Infostealer: the bank app's session copied off the victim's PC/phone backup, replayed through a residential proxy exit in the same metro on another ISP.
      const b = V.nl0;
      const ip = addr(r, HOME_NETS.find((n) => n !== b.homeNet)!);
      const chain = replay(f, b.c, 'nl', pl.when, () => ip, [20, 90], { ua: b.c.ua, paths: BANK_PATHS, minutes: [20, 35], r });
      if (chain) g.attack('new_location', pl.i, 'infostealer session replay through a residential proxy exit in the victim\'s country on another ISP (same user agent), after the victim closed the app', f.t, [chain.access], [b.c.user], f.ips);
    } else if (pl.i === 1) {
      // OAuth consent phishing: a malicious "PDF signer" app gets a refresh token for a support agent and uses it from Lambda in Singapore, rotating addresses.
      const a = V.nl1;
      const { rt, at } = family(r, a.c, 'pdf-signer-pro', pl.when, 'authorization_code');
      const lambda = new Moving(r, () => addr(r, 'aws-ap-southeast-1'), [2, 6]);
      let tok = at;
      for (let t = pl.when, last = pl.when + r.range(60, 80) * MIN, refreshed = false; t < last; t += r.range(20, 80) * SEC) {
        if (!refreshed && t > pl.when + 50 * MIN) {
          refreshed = true;
          f.use(rt, t, lambda.at(t), { ua: 'python-httpx/0.27', rng: r, method: 'POST', host: AUTH, path: '/oauth/token', bytes: 1800 });
          const nrt = reg(r, { type: 'refresh_token', appId: a.c.appId, clientId: 'pdf-signer-pro', userId: a.c.user, population: 'attacker', sendAs: 'raw' }, 'rt');
          tok = reg(r, { type: 'access_token', appId: a.c.appId, clientId: 'pdf-signer-pro', userId: a.c.user, population: 'attacker', sendAs: 'raw' }, 'at');
          g.life({ event: 'refreshed', ts: t + 30, token: nrt, token_type: 'refresh_token', client_id: 'pdf-signer-pro', app_id: a.c.appId, user_id: a.c.user, rotated_from: rt, grant_type: 'refresh_token', issued_at: t + 30, expires_at: t + 90 * DAY });
          g.life({ event: 'issued', ts: t + 40, token: tok, token_type: 'access_token', client_id: 'pdf-signer-pro', app_id: a.c.appId, user_id: a.c.user, grant_type: 'refresh_token', issued_at: t + 40, expires_at: t + 40 + HOUR });
          t += MIN;
        }
        f.use(tok, t, lambda.at(t), { ua: 'python-httpx/0.27', rng: r, path: r.pick(['/v1/customers/{id}', '/v1/tickets?queue={n}', '/v1/tickets/{id}/attachments']) });
      }
      g.attack('new_location', pl.i, 'OAuth consent phishing: a malicious "PDF signer" client gets a support agent\'s grant and calls the API from AWS Lambda in Singapore, a new address every few minutes', f.t, [...g.tokens.keys()].filter((k) => g.attackOnly.has(k) && g.tokens.get(k)!.clientId === 'pdf-signer-pro'), [a.c.user], f.ips);
    } else if (pl.i === 2) {
      // Account renting: the driver's login sold to someone on another carrier in Houston, on a phone of his own (a new sign-in).
      const d = V.nl2;
      const other = d.carrierId === 'tmobile-us' ? 'verizon-wireless-us' : 'tmobile-us';
      const { rt, at } = family(r, d.c, d.c.clientId, pl.when, 'password');
      const mv = new Moving(r, () => addr(r, other), [5, 25]);
      // The sign-in response carries the new family; its first use is a token call that registers the phone for push.
      f.use(rt, pl.when, mv.at(pl.when), { ua: 'DriverPartner/4.298 (Android 11; moto g power)', rng: r, method: 'POST', host: AUTH, path: '/oauth/token', bytes: 1800 });
      for (let t = pl.when + 2 * SEC, last = pl.when + r.range(45, 55) * MIN; t < last; t += r.range(30, 90) * SEC) f.use(at, t, mv.at(t), { ua: 'DriverPartner/4.298 (Android 11; moto g power)', rng: r, path: r.pick(DRIVER_PATHS) });
      g.attack('new_location', pl.i, 'driver account rented out: a new sign-in from another phone on the other national carrier in the same city', f.t, [rt, at], [d.c.user], f.ips);
    } else {
      // The support desk's shared queue token pasted into a public paste site; used from Russian broadband.
      const ip = addr(r, 'vimpelcom-ru');
      for (let t = pl.when, last = pl.when + r.range(30, 50) * MIN; t < last; t += r.range(20, 90) * SEC) f.use(queuePat, t, ip, { ua: ua(r), rng: r, path: r.pick(['/v1/customers/{id}', '/v1/tickets/{id}', '/v1/customers?page={n}']) });
      g.attack('new_location', pl.i, 'follow-the-sun desk\'s shared queue token leaked in a paste, used from Russian residential broadband (a fourth country beside PH/IE/US)', f.t, [queuePat], ['queue@support'], f.ips);
    }
  });

  // ----- impossible_travel -----
  it.forEach((pl) => {
    const r = pl.rng;
    const f = new First(g);
    if (pl.i === 0) {
      const b = V.it0;
      const ip = addr(r, 'telekom-de');
      const chain = replay(f, b.c, 'it', pl.when, () => ip, [30, 120], { ua: b.c.ua, paths: BANK_PATHS, minutes: [15, 30], r });
      if (chain) g.attack('impossible_travel', pl.i, 'infostealer: a US bank-app session replayed from a German residential proxy while the victim is still using it at home', f.t, [chain.access], [b.c.user], f.ips);
    } else if (pl.i === 1) {
      const a = V.it1;
      const ip = addr(r, 'edgecenter-ru');
      const chain = replay(f, a.c, 'it', pl.when, () => ip, [30, 120], { ua: a.c.ua, paths: SUPPORT_PATHS, minutes: [15, 30], r });
      if (chain) g.attack('impossible_travel', pl.i, 'support agent\'s console session (AiTM-phished) used from Russian hosting while the agent works from the office', f.t, [chain.access], [a.c.user], f.ips);
    } else if (pl.i === 2) {
      const d = V.it2;
      const ip = addr(r, 'vnpt-vn');
      const chain = replay(f, d.c, 'it', pl.when, () => ip, [20, 60], { ua: d.c.ua, paths: DRIVER_PATHS, minutes: [15, 30], r });
      if (chain) g.attack('impossible_travel', pl.i, 'driver\'s session token copied to a remote phone farm in Vietnam (GPS spoofing), used while the driver is on shift in Houston', f.t, [chain.access], [d.c.user], f.ips);
    } else {
      const x = V.it3;
      const ip = addr(r, 'claro-br-rio');
      const chain = replay(f, x.c, 'it', pl.when, () => ip, [30, 120], { ua: x.c.ua, paths: TRIP_PATHS, minutes: [15, 30], r });
      if (chain) g.attack('impossible_travel', pl.i, 'traveller in Thailand (hotel Wi-Fi): the travel app\'s session, stolen from a phished login page, used from Brazilian broadband minutes later', f.t, [chain.access], [x.c.user], f.ips);
    }
  });

  // ----- rate_spike -----
  rs.forEach((pl) => {
    const r = pl.rng;
    const f = new First(g);
    if (pl.i === 0) {
      // The agent customer's key stolen and used for a bulk export from AWS in another region.
      const x = agentCustomers[0]!;
      const ip = addr(r, 'aws-eu-west-1');
      for (let t = pl.when, last = pl.when + r.range(15, 25) * MIN; t < last; t += r.exp(SEC / r.range(3, 5))) f.use(x.key, t, ip, { ua: AGENT_UA, rng: r, path: r.pick(['/v1/customers?page={n}', '/v1/documents/{id}', '/v1/tickets?page={n}']) });
      g.attack('rate_spike', pl.i, 'agent platform customer\'s key stolen and driven at 3–5 req/s for 15–25 min for a bulk export, from AWS in another region (same provider as its agents)', f.t, [x.key], [], f.ips);
    } else if (pl.i === 1) {
      // An insider at the aggregator pulls one user's full history with the aggregator's own token and addresses.
      const b = V.rs1;
      const chain = b.agg.marks.get('rs');
      if (!chain) return;
      for (let t = Math.max(pl.when, chain.issued + MIN), last = Math.min(chain.exp - MIN, t + r.range(12, 20) * MIN); t < last; t += r.range(0.8, 2.5) * SEC) f.use(chain.access, t, r.pick(aggNat), { ua: AGG_UA, rng: r, path: '/v1/accounts/{id}/transactions?page={n}' });
      g.attack('rate_spike', pl.i, 'insider at the aggregator pulls one user\'s entire transaction history (~40 req/min vs a handful four times a day) with the aggregator\'s own token, from its own NAT pool', f.t, [chain.access], [b.c.user], f.ips);
    } else if (pl.i === 2) {
      // BADBOX 2.0-like infected TV box: the streaming app's token is driven by the box's ad-fraud/proxy module from the home line.
      const x = V.rs2;
      const chain = replay(f, x.c, 'rs', pl.when, x.home, [0.3, 1.2], { ua: x.c.ua, paths: ['/v1/catalog/rows', '/v1/titles/{id}', '/v1/search?q={n}'], minutes: [25, 35], r });
      if (chain) g.attack('rate_spike', pl.i, 'BADBOX 2.0-like infected Android TV box drives the streaming app\'s token at ~80 req/min from the same home line', f.t, [chain.access], [x.c.user], f.ips);
    } else {
      // A block-grabbing bot on the driver's own phone polls for offers several times a second.
      const d = V.rs3;
      const chain = replay(f, d.c, 'rs', pl.when, (t) => d.carrier.at(t), [0.2, 0.4], { ua: d.c.ua, paths: ['/v1/offers', '/v1/offers', '/v1/offers/{id}/accept'], minutes: [25, 35], r });
      if (chain) g.attack('rate_spike', pl.i, 'offer-grabbing bot on the driver\'s own phone polls /v1/offers 3–5 times a second (same carrier, same app token)', f.t, [chain.access], [d.c.user], f.ips);
    }
  });

  // ----- ip_fanout -----
  fo.forEach((pl) => {
    const r = pl.rng;
    const f = new First(g);
    if (pl.i === 0) {
      // A streaming account resold: the TV's token used by 15 buyers' homes in three countries.
      const x = V.fo0;
      const ips = Array.from({ length: 15 }, () => addr(r, r.pick(['comcast-sj', 'bt-gb', 'telekom-de', 'orange-fr', 'charter-us'])));
      const chain = replay(f, x.c, 'fo', pl.when, () => r.pick(ips), [5, 20], { ua: 'StreamTV/6.1 (Android 13; phone)', paths: TV_PATHS, minutes: [40, 50], r });
      if (chain) g.attack('ip_fanout', pl.i, 'streaming account resold on a marketplace: the TV\'s token used by 15 households in four countries within the hour', f.t, [chain.access], [x.c.user], f.ips);
    } else if (pl.i === 1) {
      // The agent customer's key replayed from serverless functions: a fresh Lambda address per invocation.
      const x = agentCustomers[3]!;
      for (let t = pl.when, last = pl.when + r.range(25, 40) * MIN; t < last; t += r.range(20, 60) * SEC) {
        const ip = addr(r, r.pick(['aws-us-west-2', 'aws-us-east-1-iad']));
        for (let k = r.int(1, 3), s = t; k > 0; k--, s += r.range(0.5, 2) * SEC) f.use(x.key, s, ip, { ua: 'aws-lambda-nodejs/20 undici', rng: r, path: r.pick(AGENT_PATHS) });
      }
      g.attack('ip_fanout', pl.i, 'agent customer\'s key replayed from AWS Lambda, a fresh address per invocation (~60 addresses in half an hour, two US regions)', f.t, [x.key], [], f.ips);
    } else if (pl.i === 2) {
      // The driver's token run through a residential proxy botnet (911 S5-like): a new home address every request or two.
      const d = V.fo2;
      const chain = replay(f, d.c, 'fo', pl.when, () => addr(r, r.pick(HOME_NETS)), [20, 60], { ua: d.c.ua, paths: DRIVER_PATHS, minutes: [30, 45], r });
      if (chain) g.attack('ip_fanout', pl.i, 'driver\'s token used through a residential proxy botnet (911 S5-like): a new US home address per request', f.t, [chain.access], [d.c.user], f.ips);
    } else {
      // The bank-app token leaked in a log shipped to a third party and scraped by a crawler fleet on hosting.
      const b = V.fo3;
      const ips = Array.from({ length: 12 }, () => addr(r, r.pick(['do-nj', 'hetzner-fi', 'ovh-fr', 'vultr-us', 'do-fra'])));
      const chain = replay(f, b.c, 'fo', pl.when, () => r.pick(ips), [10, 40], { ua: ua(r), paths: BANK_PATHS, minutes: [30, 45], r });
      if (chain) g.attack('ip_fanout', pl.i, 'bank-app token leaked in a third-party log pipeline, tried by a crawler fleet from 12 hosting addresses', f.t, [chain.access], [b.c.user], f.ips);
    }
  });

  // ----- auth_failures -----
  const victimUsers = new Set<string>(Object.values(V).map((v) => v.c.user));
  const sprayTargets = [...bank.map((b) => b.c.user), ...agents.map((a) => a.c.user), ...tvs.map((t) => t.c.user), ...travellers.map((t) => t.c.user)].filter((u) => !victimUsers.has(u));
  af.forEach((pl) => {
    const r = pl.rng;
    const f = new First(g);
    const tried: string[] = [];
    const users: string[] = [];
    const guess = (t: number, ip: string, user: string | undefined, o: { path: string; ua: string; appId?: string; clientId?: string; type?: 'access_token' | 'api_key' }) => {
      const tok = reg(r, { type: o.type ?? 'access_token', appId: o.appId ?? '', clientId: o.clientId ?? '', userId: user, population: 'attacker', sendAs: 'raw' }, 'guess');
      if (f.use(tok, t, ip, { ua: o.ua, rng: r, method: 'POST', host: AUTH, path: o.path, status: 401, bytes: 90 })) {
        tried.push(tok);
        if (user) users.push(user);
      }
    };
    if (pl.i === 0) {
      // Low-and-slow spray across the tenants' users (bank, helpdesk, streaming, travel): one try per 45–120 s for 4.5 h from six VPS addresses.
      const ips = Array.from({ length: 6 }, () => addr(r, 'vultr-us'));
      const pool = r.shuffle([...sprayTargets]);
      let n = 0;
      for (let t = pl.when, last = pl.when + 4.5 * HOUR; t < last; t += r.range(45, 120) * SEC, n++) {
        const u = n < pool.length ? pool[n]! : `user${r.int(1000, 99999)}@mail.example`;
        guess(t, r.pick(ips), u, { path: '/oauth/token', ua: CONSOLE_UA });
      }
      g.attack('auth_failures', pl.i, 'low-and-slow password spray across four tenants\' users for 4.5 h, one try per 45–120 s, each user once, from six US VPS addresses', f.t, tried, users, f.ips);
    } else if (pl.i === 1) {
      // Credential stuffing against driver accounts through a datacenter proxy pool: ~15 tries a minute for 40 min.
      const ips = Array.from({ length: 15 }, () => addr(r, 'do-nj'));
      const real = drivers.map((d) => d.c.user).filter((u) => !victimUsers.has(u));
      for (let t = pl.when, last = pl.when + r.range(35, 45) * MIN; t < last; t += r.range(2, 6) * SEC) {
        const u = r.chance(0.2) ? r.pick(real) : `driver${r.int(10000, 999999)}@mail.example`;
        guess(t, r.pick(ips), u, { path: '/oauth/token', ua: 'DriverPartner/4.311 (Android 13; SM-A536U)', appId: 'driver-partner', clientId: 'driver-partner-app' });
      }
      g.attack('auth_failures', pl.i, 'credential stuffing against driver accounts from a DigitalOcean proxy pool (15 addresses), ~15 tries a minute for 40 min, combo-list usernames', f.t, tried, users, f.ips);
    } else if (pl.i === 2) {
      // Scope probing with a stolen agent key: admin and billing endpoints, 403 after 403, a few allowed calls between.
      const x = agentCustomers[1]!;
      const ip = addr(r, 'do-fra');
      for (let t = pl.when, last = pl.when + r.range(12, 20) * MIN; t < last; t += r.range(5, 15) * SEC) {
        const ok = r.chance(0.12);
        f.use(x.key, t, ip, { ua: ua(r), rng: r, path: ok ? '/v1/me' : r.pick(['/v1/admin/users', '/v1/admin/keys', '/v1/billing/invoices', '/v1/orgs/{n}/members', '/v1/admin/audit-log', '/v1/exports/all']), method: r.chance(0.3) ? 'POST' : 'GET', status: ok ? 200 : 403, bytes: ok ? 600 : 110 });
      }
      g.attack('auth_failures', pl.i, 'stolen agent-platform key probing admin, billing and export endpoints from DigitalOcean Frankfurt: 403 after 403', f.t, [x.key], [], f.ips);
    } else {
      // Client-secret brute force against a storefront Worker's OAuth client, from one OVH IPv6 /64.
      const w = workers[0]!;
      const base = `2001:41d0:${r.int(0x100, 0x3ff).toString(16)}:${r.hex(4)}`;
      for (let t = pl.when, last = pl.when + r.range(15, 25) * MIN; t < last; t += r.range(0.6, 1.6) * SEC) guess(t, in64(r, base), undefined, { path: '/oauth/token', ua: 'Go-http-client/2.0', appId: w.appId, clientId: `${w.appId}-worker`, type: 'api_key' });
      g.attack('auth_failures', pl.i, 'client_credentials secret brute force against a storefront Worker\'s client id, ~1/s from one OVH IPv6 /64, a new source address per try', f.t, tried, [], f.ips);
    }
  });

  // ----- revoked_use -----
  ru.forEach((pl) => {
    const r = pl.rng;
    const f = new First(g);
    if (pl.i === 0) {
      // The offboarded agent keeps using the console from home; the EU gateway's token cache still says valid.
      const a = V.ru0;
      const chain = replay(f, a.c, 'ru', pl.when, () => a.home, [30, 120], { ua: a.c.ua, paths: ['/v1/customers/{id}', '/v1/customers?page={n}', '/v1/tickets/{id}'], minutes: [25, 40], r, gateway: 'gw-f-eu-west' });
      if (chain) g.attack('revoked_use', pl.i, 'offboarded support agent\'s revoked session still accepted from home by a gateway with a stale token cache', f.t, [chain.access], [a.c.user], f.ips);
    } else if (pl.i === 1) {
      // The user withdrew the aggregator's consent; the aggregator's worker still uses the JWT access token, which the gateway validates locally until it expires.
      const b = V.ru1;
      const chain = replay(f, b.agg, 'ru', pl.when, () => aggNat[1]!, [3, 15], { ua: AGG_UA, paths: AGG_PATHS, minutes: [10, 20], r });
      if (chain) g.attack('revoked_use', pl.i, 'open-banking consent withdrawn (grant revoked), but the aggregator\'s JWT access token is still accepted (validated locally until expiry)', f.t, [chain.access], [b.c.user], f.ips);
    } else if (pl.i === 2) {
      // The driver account is deactivated; the renter keeps working and one regional gateway accepts for ~20 minutes, then 401.
      const d = V.ru2;
      const other = new Moving(r, () => addr(r, d.carrierId), [5, 20]);
      const chain = replay(f, d.c, 'ru', pl.when, (t) => other.at(t), [30, 90], { ua: d.c.ua, paths: DRIVER_PATHS, minutes: [30, 35], r, gateway: 'gw-f-us-south', status: (t) => (t < pl.when + 20 * MIN ? 200 : 401) });
      if (chain) g.attack('revoked_use', pl.i, 'deactivated driver\'s revoked session accepted by the US-south gateway for ~20 min (revocation feed lagging), then 401', f.t, [chain.access], [d.c.user], f.ips);
    } else {
      // The key found by secret scanning is revoked; the attacker's copy is accepted for the gateway's one-hour key cache, from Lambda.
      const x = agentCustomers[2]!;
      if (x.replacedAt === Infinity) return;
      for (let t = pl.when, last = pl.when + r.range(25, 40) * MIN; t < last; t += r.range(20, 80) * SEC) f.use(x.key, t, addr(r, 'aws-us-west-2'), { ua: 'aws-lambda-python/3.12 requests', rng: r, path: r.pick(AGENT_PATHS) });
      g.attack('revoked_use', pl.i, 'agent key revoked after GitHub secret scanning found it; the attacker\'s copy still accepted (one-hour key cache) from Lambda, a new address per call', f.t, [x.key], [], f.ips);
    }
  });

  // ----- refresh_reuse -----
  rr.forEach((pl) => {
    const r = pl.rng;
    const f = new First(g);
    const tokenReq = (tok: string, t: number, ip: string, u: string, ok: boolean) => f.use(tok, t, ip, { ua: u, rng: r, method: 'POST', host: AUTH, path: '/oauth/token', status: ok ? 200 : 400, bytes: ok ? 1800 : 120 });
    const mint = (c: Client, stale: string, t: number): { rt: string; at: string } => {
      const rt = reg(r, { type: 'refresh_token', appId: c.appId, clientId: c.clientId, userId: c.user, population: 'attacker', sendAs: c.sendAs }, 'rt');
      const at = reg(r, { type: 'access_token', appId: c.appId, clientId: c.clientId, userId: c.user, population: 'attacker', sendAs: c.sendAs }, 'at');
      g.life({ event: 'refreshed', ts: t + 30, token: rt, token_type: 'refresh_token', client_id: c.clientId, app_id: c.appId, user_id: c.user, rotated_from: stale, grant_type: 'refresh_token', issued_at: t + 30, expires_at: t + 60 * DAY });
      g.life({ event: 'issued', ts: t + 40, token: at, token_type: 'access_token', client_id: c.clientId, app_id: c.appId, user_id: c.user, grant_type: 'refresh_token', issued_at: t + 40, expires_at: t + 40 + HOUR });
      return { rt, at };
    };
    const rotated = (c: Client, label: string, t: number): string | undefined => {
      const m = c.marks.get(label);
      return m && c.rotated.some((x) => x.old === m.refresh && x.at < t) ? m.refresh : undefined;
    };
    if (pl.i === 0) {
      // A cloned TV box (the image copied with its stored refresh token) at a neighbour's on the same ISP; refused, retried every ~10 min.
      const x = V.rr0;
      const stale = rotated(x.c, 'rr', pl.when - 5 * MIN);
      if (!stale) return;
      const ip = addr(r, TV_HOMES.find(([c]) => c === x.country)![1]);
      for (let t = pl.when, last = pl.when + r.range(40, 60) * MIN; t < last; t += r.range(8, 12) * MIN) tokenReq(stale, t, ip, x.c.ua, false);
      g.attack('refresh_reuse', pl.i, 'cloned TV box (firmware image with the stored refresh token) redeems the rotated refresh token from a neighbour\'s line on the same ISP, refused, retried every ~10 min', f.t, [...x.c.family, stale], [x.c.user], f.ips);
    } else if (pl.i === 1) {
      // Aggregator breach: refresh tokens copied from its database, redeemed after the aggregator rotated them; the IdP accepts within a grace window.
      const b = V.rr1;
      const stale = rotated(b.agg, 'rr', pl.when - 5 * MIN);
      if (!stale) return;
      const ip = addr(r, 'hetzner-de');
      tokenReq(stale, pl.when, ip, AGG_UA, true);
      const { rt, at } = mint(b.agg, stale, pl.when);
      for (let t = pl.when + MIN, last = pl.when + r.range(20, 35) * MIN; t < last; t += r.range(20, 90) * SEC) f.use(at, t, ip, { ua: AGG_UA, rng: r, path: r.pick(AGG_PATHS) });
      g.attack('refresh_reuse', pl.i, 'aggregator database breach: a linked user\'s rotated refresh token redeemed from Hetzner and accepted (lenient IdP), minted token used for 20–35 min', f.t, [...b.agg.family, stale, rt, at], [b.c.user], f.ips);
    } else if (pl.i === 2) {
      // A stolen phone backup restored on another handset: the app resumes with the rotated refresh token on a Thai SIM, refused three times.
      const x = V.rr2;
      const stale = rotated(x.c, 'rr', pl.when - 5 * MIN);
      if (!stale) return;
      const ip = addr(r, 'ais-th');
      for (let k = 0, t = pl.when; k < 3; k++, t += r.range(20, 90) * SEC) tokenReq(stale, t, ip, x.c.ua, false);
      g.attack('refresh_reuse', pl.i, 'stolen phone backup restored on another handset: the travel app resumes with the already-rotated refresh token on a Thai SIM, refused three times', f.t, [...x.c.family, stale], [x.c.user], f.ips);
    } else {
      // Malware on an agent's PC exfiltrated the console's refresh token; redeemed after rotation from DigitalOcean, accepted, minted token used.
      const a = V.rr3;
      const stale = rotated(a.c, 'rr', pl.when - 5 * MIN);
      if (!stale) return;
      const ip = addr(r, 'do-fra');
      tokenReq(stale, pl.when, ip, CONSOLE_UA, true);
      const { rt, at } = mint(a.c, stale, pl.when);
      for (let t = pl.when + MIN, last = pl.when + r.range(25, 40) * MIN; t < last; t += r.range(30, 120) * SEC) f.use(at, t, ip, { ua: CONSOLE_UA, rng: r, path: r.pick(['/v1/customers/{id}', '/v1/customers?page={n}']) });
      g.attack('refresh_reuse', pl.i, 'malware on a support agent\'s PC exfiltrates the console refresh token; redeemed after rotation from DigitalOcean Frankfurt, accepted, minted token used', f.t, [...a.c.family, stale, rt, at], [a.c.user], f.ips);
    }
  });

  // ----- dormant_reuse -----
  dr.forEach((pl) => {
    const k = dormant[pl.i];
    if (!k) return;
    const r = pl.rng;
    const f = new First(g);
    let name: string;
    if (pl.i === 0) {
      const ip = addr(r, 'hetzner-de');
      for (let t = pl.when, last = pl.when + r.range(20, 40) * MIN; t < last; t += r.exp(30 * SEC)) f.use(k.key, t, ip, { ua: 'curl/8.11.0', rng: r, path: r.pick(['/v1/customers?page={n}', '/v1/exports', '/v1/orders?since={n}']) });
      name = 'dormant integration key (old credential, UNC5537-like) revived by an attacker from Hetzner with curl';
    } else if (pl.i === 1) {
      const ip = addr(r, 'aws-ap-southeast-1');
      for (let t = pl.when, last = pl.when + r.range(40, 70) * MIN; t < last; t += r.range(1, 4) * MIN) f.use(k.key, t, ip, { ua: 'aws-sdk-java/2.25', rng: r, path: r.pick(['/v1/orders?since={n}', '/v1/customers/{id}']) });
      name = 'dormant service key stolen from a config bucket, revived slowly from the owner\'s own cloud (AWS) in another region (Singapore), same SDK user agent';
    } else if (pl.i === 2) {
      const ip = addr(r, 'vnpt-vn');
      for (let t = pl.when, last = pl.when + r.range(30, 60) * MIN; t < last; t += r.range(40, 150) * SEC) f.use(k.key, t, ip, { ua: 'PartnerSync/1.2 (Windows)', rng: r, path: r.pick(['/v1/customers/{id}', '/v1/exports']) });
      name = 'former contractor\'s personal access token (dormant for weeks) used from Vietnamese broadband with the contractor\'s tool';
    } else {
      const ip = () => addr(r, 'cf-sin');
      for (let t = pl.when, last = pl.when + r.range(15, 30) * MIN; t < last; t += r.range(10, 60) * SEC) f.use(k.key, t, ip(), { ua: WORKER_UA, rng: r, path: r.pick(['/v1/customers?page={n}', '/v1/exports']) });
      name = 'old Worker deploy key left in a published npm tarball, revived from the attacker\'s own Cloudflare Worker (same ASN, another country: Singapore)';
    }
    g.attack('dormant_reuse', pl.i, name, f.t, [k.key], k.owner ? [k.owner] : [], f.ips);
  });

  return g.finish();
}

/**
 * A fifth independent traffic generator for the detectors' quality runs (issue 13),
 * written blind: its author read neither the detectors, nor their documentation, nor the
 * first generator, nor any earlier result, and measured the detectors after it was
 * written (HOLDOUT-E.md). Same `Traffic` shape as the other generators, so the same harness
 * and scorer run it: `npx tsx bench/quality.ts --traffic e …`. The session/refresh machinery
 * (clients with refresh-token rotation, marked victim sessions) follows traffic-d.ts; the
 * populations, networks and attacks are new.
 *
 * Every population is active on every day of the week (airlines, games, offshore shifts,
 * newsrooms, probes and IoT never stop), so a run's figures do not hinge on the weekday.
 *
 * Benign populations, each from a public description of a real system:
 * - long-haul cabin crew (London base): a rostering app on the phone at home, at the
 *   airport, then 7–14 hours of silence in the air, then a layover in Singapore, Dubai,
 *   New York or Tokyo: hotel Wi-Fi there (local ISP) and the UK SIM roaming home-routed
 *   (UK carrier addresses while in Asia). Sources: GSMA "Roaming" (home-routed data),
 *   CAA/EASA flight-time limitations (long-haul rest at layovers).
 * - a mobile game: players in Indonesia, the Philippines, Brazil and India on CGNAT, short
 *   matches with a state sync every few seconds, and an SDK that retries aggressively: a
 *   timed-out call is repeated 2–4 times within seconds, and a call that meets an expired
 *   session ticket is retried with it (401) before the client logs in again. Session tickets
 *   live 24 h. Sources: PlayFab docs "Login basics" (SessionTicket valid 24 h) and
 *   "Retry with exponential backoff"; Unity Gaming Services retry guidance.
 * - offshore field technicians (Norwegian North Sea): a rugged tablet work-order app on
 *   Telia Norge 4G ashore and near platforms, and on the vessel's VSAT (Inmarsat, whose
 *   egress geolocates in the US) offshore, switching within a day; when the link comes back
 *   the offline-first app uploads its queue (a burst of POSTs). Sources: Inmarsat Fleet
 *   Xpress description; Microsoft Dynamics 365 Field Service mobile offline sync.
 * - a newsroom's shared CMS key: one API key in the desk's publishing tool used by editors
 *   in London and correspondents in Kyiv, Nairobi, Tokyo, Madrid, New York and Dubai at the
 *   same time; filing bursts around deadlines; correspondents also have personal tokens.
 *   Sources: WordPress "Application Passwords" (one credential per integration, often
 *   shared by a desk); news agencies' correspondent networks.
 * - iCloud Private Relay users (Safari): every connection leaves from an Akamai (AS36183)
 *   or Fastly (AS54113) egress address mapped to the user's region, changing between
 *   sessions; sometimes the relay is off and the home line shows. Sources: Apple "About
 *   iCloud Private Relay" and its published egress list (mask-api.icloud.com egress-ip-ranges.csv).
 * - synthetic monitoring: an API test every 2 minutes from 3 probe locations, one every
 *   2 minutes from 2, and another every 5 minutes from 12 locations on AWS, GCP and Azure in
 *   five continents, each location a
 *   couple of fixed addresses, all locations firing within seconds of each other, with one
 *   API key per monitor. Sources: Datadog Synthetics "Managed locations" and published IP
 *   ranges; Pingdom probe server list.
 * - an MDM-managed laptop fleet (a Dutch company) behind Netskope SASE: all traffic leaves
 *   from Netskope data planes in Frankfurt or London, chosen by latency, with failover; the
 *   agent checks in every 15 minutes with a per-device client_credentials token (1 h); when
 *   the client fails open the home line shows. Sources: Netskope NewEdge data-plane
 *   descriptions and "Steering configuration" (fail open); Jamf Pro inventory check-in.
 * - data scientists with a personal access token in Google Colab: the notebook runtime is a
 *   fresh VM in a US Google region each time (a new address), while the person sits in
 *   India, Brazil or Germany and also calls the API from the laptop; dataset loads page
 *   through hundreds of records in minutes. Sources: Colab FAQ (runtimes are temporary
 *   VMs, idle disconnects, 12 h maximum).
 * - IoT telematics in the Maastricht–Aachen–Liège border region: e-bike trackers with
 *   multi-network IoT SIMs (local breakout) reconnecting every few minutes to KPN or
 *   Vodafone NL, Proximus BE or Telekom DE, so one key changes country and ASN every few
 *   minutes within 30 km. Sources: 1NCE / Telenor Connexion multi-network IoT SIM docs;
 *   BEREC on inadvertent roaming in border regions.
 * - webhook consumers (Shopify-like apps on Heroku, AWS us-east-1): a few polls an hour,
 *   then a flash sale or a webhook retry backlog after downtime turns into hundreds of
 *   order fetches in minutes. Source: Shopify dev docs "Webhooks: best practices"
 *   (deliveries retried 8 times over 4 h, bursts after an outage).
 * - dormant keys: used for a few hours three to four weeks ago; some wake benignly.
 *
 * Attack variants (4 per kind) are described where they are generated below. Sources:
 * Microsoft Threat Intelligence on Storm-2372 device-code phishing (Feb 2025), malicious
 * Chrome extensions exfiltrating session tokens (Cyberhaven Dec 2024, Trust Wallet-like
 * campaigns), Ultralytics GitHub Actions cache poisoning (Dec 2024), CloudSEK on secrets in
 * public Postman workspaces (Dec 2024), Oasis Security "AuthQuake" MFA brute force (Dec
 * 2024), Doctor Web on the SpinOK spyware SDK (May 2023), Midnight Blizzard password spray
 * (Jan 2024, low rate, rotating addresses), OAuth 2.0 Security BCP (refresh token
 * rotation), game account boosting and "mod menu" session-ticket theft (publishers'
 * anti-cheat notices), RFC 7009 / gateway revocation caches, Sentry-style crash reports
 * capturing Authorization headers.
 *
 * Times are epoch milliseconds; tokens are raw strings (`sendAs: 'fp'` ones are named by
 * fingerprint on the wire).
 */
import { addressIn, network as networkAB, type Network } from './ippool.js';
import { Rng } from './rng.js';
import { API, attackPlans, attackTime, AUTH, DAY, First, HOUR, MIN, Moving, SEC, session, SessionGen, type Chain, type Client, type Plan, type Sess } from './sessions.js';
import type { AttackKind, TokenInfo, Traffic } from './traffic.js';


/**
 * Networks only this generator uses, each checked against the bundled MMDB (country and
 * ASN; traffic-e.test.ts keeps checking). Private Relay, Netskope and Fastly blocks are
 * single /24s (or runs of them) whose every address geolocates alike: elsewhere in those
 * ranges the geolocation differs /24 by /24, even address by address.
 */
export const NETWORKS_E: readonly Network[] = [
  // iCloud Private Relay egress (Akamai, Fastly) in Great Britain and Germany
  { id: 'relay-akamai-gb', kind: 'proxy', prefix: '172.224.60', country: 'GB', asn: 36183 },
  { id: 'relay-akamai-gb-2', kind: 'proxy', prefix: '172.224.141', country: 'GB', asn: 36183 },
  { id: 'relay-fastly-gb', kind: 'proxy', prefix: '146.75', country: 'GB', asn: 54113, thirds: [[72, 75]] },
  { id: 'relay-akamai-de', kind: 'proxy', prefix: '172.224.46', country: 'DE', asn: 36183 },
  { id: 'relay-akamai-de-2', kind: 'proxy', prefix: '172.224', country: 'DE', asn: 36183, thirds: [[134, 137]] },
  { id: 'relay-fastly-de', kind: 'proxy', prefix: '146.75', country: 'DE', asn: 54113, thirds: [[116, 123]] },
  // Netskope NewEdge data planes
  { id: 'netskope-fra', kind: 'proxy', prefix: '163.116.160', country: 'DE', asn: 55256 },
  { id: 'netskope-fra-2', kind: 'proxy', prefix: '163.116.187', country: 'DE', asn: 55256 },
  { id: 'netskope-lon', kind: 'proxy', prefix: '163.116.186', country: 'GB', asn: 55256 },
  // Google Cloud US (Colab runtimes)
  { id: 'gcp-us-colab', kind: 'cloud', prefix: '34.125', country: 'US', asn: 396982 },
  { id: 'gcp-us-colab-2', kind: 'cloud', prefix: '35.196', country: 'US', asn: 396982 },
  // border region carriers (the Dutch ones are in ippool: kpn-nl, vodafone-nl)
  { id: 'proximus-be', kind: 'mobile', prefix: '81.240', country: 'BE', asn: 5432 },
  { id: 'telekom-de-mobile', kind: 'mobile', prefix: '80.187', country: 'DE', asn: 3320, thirds: [[0, 150], [159, 255]] },
  // crew layovers: hotels
  { id: 'du-ae', kind: 'residential', prefix: '94.200', country: 'AE', asn: 15802 },
  { id: 'm1-sg', kind: 'residential', prefix: '175.156', country: 'SG', asn: 4773 },
  // game players' carriers
  { id: 'telkomsel-id', kind: 'mobile', prefix: '114.125', country: 'ID', asn: 23693 },
  { id: 'globe-ph-mobile', kind: 'mobile', prefix: '110.54', country: 'PH', asn: 4775, thirds: [[128, 135], [140, 143], [148, 159], [165, 175], [181, 191], [197, 207], [221, 231], [248, 255]] },
  { id: 'vivo-br', kind: 'mobile', prefix: '187.10', country: 'BR', asn: 27699 },
  // offshore: Telia Norge 4G and Inmarsat VSAT
  { id: 'telia-no', kind: 'mobile', prefix: '84.208', country: 'NO', asn: 25400 },
  { id: 'telia-no-2', kind: 'mobile', prefix: '84.210', country: 'NO', asn: 25400 },
  { id: 'inmarsat', kind: 'residential', prefix: '161.30', country: 'US', asn: 31515 },
  // correspondents
  { id: 'vodafone-ua', kind: 'mobile', prefix: '46.133', country: 'UA', asn: 21497 },
  { id: 'safaricom-ke', kind: 'residential', prefix: '197.248', country: 'KE', asn: 37061 },
  // attackers' hosting
  { id: 'do-sgp', kind: 'hosting', prefix: '128.199', country: 'SG', asn: 14061, thirds: [[64, 255]] },
  { id: 'alibaba-hk', kind: 'hosting', prefix: '47.242', country: 'HK', asn: 45102 },
  { id: 'hetzner-v6', kind: 'hosting', prefix: '2a01:4f8', country: 'DE', asn: 24940 },
];

const BY_ID = new Map(NETWORKS_E.map((n) => [n.id, n]));
function network(id: string): Network {
  return BY_ID.get(id) ?? networkAB(id);
}
const addr = (rng: Rng, id: string) => addressIn(rng, network(id));

/** A fresh address inside one IPv6 /48 of a hosting network (an attacker rotating per request). */
function in48(rng: Rng, base48: string): string {
  return `${base48}:${rng.hex(4)}:${rng.hex(4)}:${rng.hex(4)}:${rng.hex(4)}:${rng.hex(3)}1`;
}

/** UTC offsets used for daily habits (standard time, December). */
const OFFSET: Record<string, number> = { GB: 0, SG: 8, AE: 4, US: -5, JP: 9, ID: 7, PH: 8, BR: -3, IN: 5.5, NO: 1, UA: 2, KE: 3, ES: 1, DE: 1, NL: 1 };

export interface TrafficSizeE {
  days: number;
  attackHours: number;
  crew: number;
  players: number;
  technicians: number;
  correspondents: number;
  relayUsers: number;
  laptops: number;
  colab: number;
  trackers: number;
  webhookApps: number;
  dormantKeys: number;
  /** One attack per variant, four variants per kind: at most 4 (each variant has its own prepared victim). */
  attacksPerKind: number;
}

export const SIZES_E: Record<'test' | 'medium', TrafficSizeE> = {
  test: {
    days: 2, attackHours: 5, crew: 12, players: 45, technicians: 10, correspondents: 10, relayUsers: 30, laptops: 20, colab: 10,
    trackers: 14, webhookApps: 4, dormantKeys: 8, attacksPerKind: 4,
  },
  medium: {
    days: 4, attackHours: 16, crew: 30, players: 200, technicians: 30, correspondents: 20, relayUsers: 80, laptops: 60, colab: 30,
    trackers: 30, webhookApps: 8, dormantKeys: 24, attacksPerKind: 4,
  },
};

const CREW_PATHS = ['/v1/roster', '/v1/roster/changes', '/v1/messages', '/v1/trips/{id}', '/v1/me'];
const GAME_PATHS = ['/v1/match/state', '/v1/match/state', '/v1/match/state', '/v1/inventory', '/v1/leaderboard', '/v1/store/offers'];
const FIELD_PATHS = ['/v1/workorders', '/v1/workorders/{id}', '/v1/assets/{id}', '/v1/checklists/{id}', '/v1/me'];
const CMS_PATHS = ['/v1/stories', '/v1/stories/{id}', '/v1/media/{id}', '/v1/wires?since={n}'];
const WEB_PATHS = ['/v1/me', '/v1/documents/{id}', '/v1/messages', '/v1/search?q={n}', '/v1/calendar'];
const DATA_PATHS = ['/v1/datasets', '/v1/datasets/{id}', '/v1/datasets/{id}/rows?page={n}'];
const CREW_UA = ['CrewHub/5.8 (iPhone; iOS 18.1)', 'CrewHub/5.8 (Android 14; SM-S918B)'];
const GAME_UA = ['UnityPlayer/2022.3.41f1 (Android 13; SM-A145F)', 'UnityPlayer/2022.3.41f1 (Android 12; Redmi Note 11)', 'UnityPlayer/2022.3.41f1 (iPhone; iOS 17.6)'];
const FIELD_UA = 'FieldOps/3.4 (Android 13; Zebra ET45)';
const CMS_UA = 'DeskPublisher/2.1 (WordPress REST)';
const SAFARI_UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15';
const EDGE_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36 Edg/131.0';
const MDM_UA = 'JamfAgent/11.10 (macOS 15.1)';
const PROBE_UA = 'Datadog/Synthetics';
const COLAB_UA = 'python-requests/2.32.3 (colab)';
const TRACKER_UA = 'bike-tracker/2.0.7 (nRF9160)';
const WEBHOOK_UA = 'shop-sync/4.2 (heroku) node-fetch/3.3';
const ATTACK_UA = ['python-requests/2.32.3', 'Go-http-client/2.0', 'curl/8.11.0', 'axios/1.7.7'];

export function generateTrafficE(seed: number, size: TrafficSizeE, end: number): Traffic {
  const root = new Rng(`e-${seed}`);
  const g = new SessionGen(seed, size, end, { prefix: 'e', gateway: 'edge-e', offsets: OFFSET });
  const K = Math.min(4, size.attacksPerKind);
  const plans = (kind: AttackKind, need: number): Plan[] => attackPlans(g, root, K, kind, need);
  const nl = plans('new_location', 100 * MIN);
  const it = plans('impossible_travel', 50 * MIN);
  const rs = plans('rate_spike', 2.5 * HOUR);
  const fo = plans('ip_fanout', 2.5 * HOUR);
  const af = plans('auth_failures', 4.6 * HOUR);
  const ru = plans('revoked_use', 50 * MIN);
  const rr = plans('refresh_reuse', 4.2 * HOUR);
  const dr = plans('dormant_reuse', 100 * MIN);
  const has = (i: number) => i < K;
  const sess = session;

  // ======================= long-haul cabin crew =======================
  const DEST: Record<string, { net: string; hours: number }> = { SG: { net: 'm1-sg', hours: 13 }, AE: { net: 'du-ae', hours: 7 }, US: { net: 'verizon-fios-ny', hours: 8 }, JP: { net: 'ntt-jp', hours: 14 } };
  interface Stay { from: number; to: number; country: string; hotel: string }
  interface Crew { c: Client; home: string; roam: Moving; stays: Stay[]; sessions: Sess[] }
  const crew: Crew[] = [];
  for (let u = 0; u < size.crew; u++) {
    const rng = root.fork(`crew-${u}`);
    const c = g.client(rng, { user: `crew-${u}`, appId: 'crew-roster', clientId: 'crewhub-app', ua: rng.pick(CREW_UA), population: 'cabin-crew' });
    const home = addr(rng, rng.pick(['bt-gb', 'virgin-gb', 'talktalk-gb']));
    // The UK SIM roams home-routed: a UK carrier address wherever the phone is.
    const roam = new Moving(rng, () => addr(rng, 'three-gb'), [5, 40]);
    const stays: Stay[] = [];
    // Home for 1.5–3.5 days, the flight out, a 26–50 h layover, the flight back; repeated.
    for (let t = g.oldest - rng.range(0, 6) * DAY; t < g.end + DAY; ) {
      const dest = rng.pick(Object.keys(DEST));
      const homeDays = rng.range(1.5, 3.5) * DAY;
      const f = DEST[dest]!.hours * HOUR + rng.range(-30, 30) * MIN;
      const lay = rng.range(26, 50) * HOUR;
      stays.push({ from: t, to: t + homeDays, country: 'GB', hotel: home });
      stays.push({ from: t + homeDays + f, to: t + homeDays + f + lay, country: dest, hotel: addr(rng, DEST[dest]!.net) });
      t += homeDays + f + lay + f;
    }
    stays.sort((a, b) => a.from - b.from);
    const cr: Crew = { c, home, roam, stays, sessions: [] };
    for (const st of stays) {
      if (st.to < g.start - DAY) continue;
      const off = OFFSET[st.country] ?? 0;
      for (let day = st.from - (st.from % DAY) - DAY; day < st.to + DAY; day += DAY) {
        for (let k = rng.int(2, 5); k > 0; k--) {
          const s = day + (rng.range(7, 23.5) - off) * HOUR;
          if (s < st.from || s > st.to - 20 * MIN) continue;
          const onHotel = rng.chance(0.6);
          cr.sessions.push({ start: s, dur: rng.range(2, 15) * MIN, gap: () => rng.range(15, 90) * SEC, ip: (x) => (onHotel ? st.hotel : roam.at(x)), path: () => rng.pick(CREW_PATHS) });
        }
      }
      // Checking the roster at the gate before the flight out, on the roaming SIM.
      cr.sessions.push({ start: st.to - rng.range(40, 90) * MIN, dur: rng.range(3, 10) * MIN, gap: () => rng.range(15, 60) * SEC, ip: (x) => roam.at(x), path: () => rng.pick(CREW_PATHS) });
    }
    crew.push(cr);
  }
  const stayAt = (cr: Crew, t: number) => cr.stays.find((s) => s.from <= t && t < s.to);

  // ======================= iCloud Private Relay users =======================
  interface Relay { c: Client; country: string; home: string; sessions: Sess[]; draw: () => string }
  const relays: Relay[] = [];
  for (let u = 0; u < size.relayUsers; u++) {
    const rng = root.fork(`relay-${u}`);
    const country = u % 3 === 2 ? 'DE' : 'GB';
    const c = g.client(rng, { user: `${country.toLowerCase()}-mac-${u}`, appId: 'docs-web', clientId: 'docs-spa', ua: SAFARI_UA, population: 'private-relay' });
    const nets = country === 'GB' ? ['relay-akamai-gb', 'relay-akamai-gb-2', 'relay-fastly-gb'] : ['relay-akamai-de', 'relay-akamai-de-2', 'relay-fastly-de'];
    const home = addr(rng, country === 'GB' ? rng.pick(['bt-gb', 'virgin-gb']) : 'telekom-de');
    const draw = () => addr(rng, rng.pick(nets));
    const x: Relay = { c, country, home, sessions: [], draw };
    for (const s of g.daily(rng, country, [3, 6], [7, 24])) {
      const off = rng.chance(0.1);
      let ip = draw();
      // A fresh egress per session; now and then a new connection mid-session picks another.
      x.sessions.push({ start: s, dur: rng.range(5, 45) * MIN, gap: () => rng.range(20, 120) * SEC, path: () => rng.pick(WEB_PATHS), ip: () => {
        if (off) return home;
        if (rng.chance(0.05)) ip = draw();
        return ip;
      } });
    }
    relays.push(x);
  }

  // ======================= MDM-managed laptops behind Netskope =======================
  interface Laptop { c: Client; device: string; home: string; egress: Moving; sessions: Sess[] }
  const laptops: Laptop[] = [];
  for (let u = 0; u < size.laptops; u++) {
    const rng = root.fork(`laptop-${u}`);
    const c = g.client(rng, { user: `nl-emp-${u}`, appId: 'intranet', clientId: 'intranet-web', ua: EDGE_UA, population: 'sase-fleet' });
    const home = addr(rng, 'kpn-nl');
    let plane = rng.pick(['netskope-fra', 'netskope-fra-2', 'netskope-lon']);
    // The client picks the nearest data plane; it fails over now and then, and fails open (the home line) rarely.
    const egress = new Moving(rng, () => {
      if (rng.chance(0.3)) plane = rng.pick(['netskope-fra', 'netskope-fra-2', 'netskope-lon']);
      return rng.chance(0.04) ? home : addr(rng, plane);
    }, [60, 480]);
    const l: Laptop = { c, device: `mdm-device-${u}`, home, egress, sessions: [] };
    for (const s of g.daily(rng, 'NL', [2, 5], [8, 22])) l.sessions.push({ start: s, dur: rng.range(10, 60) * MIN, gap: () => rng.range(20, 150) * SEC, ip: (t) => egress.at(t), path: () => rng.pick(WEB_PATHS) });
    laptops.push(l);
  }

  // ======================= newsroom: correspondents' personal tokens =======================
  const BUREAUS: [string, string, number][] = [['UA', 'vodafone-ua', 20], ['KE', 'safaricom-ke', 0], ['JP', 'ntt-jp', 0], ['ES', 'movistar-es', 0], ['US', 'verizon-fios-ny', 0], ['AE', 'du-ae', 0], ['UA', 'inmarsat', 30]];
  interface Correspondent { c: Client; country: string; ip: (t: number) => string; sessions: Sess[] }
  const correspondents: Correspondent[] = [];
  for (let u = 0; u < size.correspondents; u++) {
    const rng = root.fork(`correspondent-${u}`);
    const [country, net, hold] = BUREAUS[u % BUREAUS.length]!;
    const c = g.client(rng, { user: `reporter-${u}`, appId: 'newsroom', clientId: 'newsroom-web', ua: EDGE_UA, population: 'newsroom' });
    const fixed = addr(rng, net);
    const mv = new Moving(rng, () => addr(rng, net), [hold || 60, (hold || 60) * 3]);
    const co: Correspondent = { c, country, ip: (t) => (hold ? mv.at(t) : fixed), sessions: [] };
    for (const s of g.daily(rng, country, [2, 4], [8, 23.5])) co.sessions.push({ start: s, dur: rng.range(5, 40) * MIN, gap: () => rng.range(20, 120) * SEC, ip: co.ip, path: () => rng.pick(CMS_PATHS) });
    correspondents.push(co);
  }

  // ======================= Colab users: personal tokens =======================
  interface Colab { pat: string; user: string; home: string; homeCountry: string }
  const colabs: Colab[] = [];
  for (let u = 0; u < size.colab; u++) {
    const rng = root.fork(`colab-${u}`);
    const [homeCountry, net] = rng.pick([['IN', 'airtel-in'], ['BR', 'vivo-br'], ['DE', 'telekom-de']] as const);
    const user = `ds-${u}`;
    const pat = g.token(rng, { type: 'personal_access_token', appId: 'data-api', clientId: 'data-api', userId: user, population: 'colab', sendAs: rng.chance(0.5) ? 'raw' : 'fp' }, 'dpat');
    g.life({ event: 'issued', ts: g.oldest - rng.range(10, 200) * DAY, token: pat, token_type: 'personal_access_token', client_id: 'data-api', app_id: 'data-api', user_id: user, expires_at: null });
    colabs.push({ pat, user, home: addr(rng, net), homeCountry });
  }

  // ======================= offshore technicians =======================
  interface Tech { c: Client; sessions: Sess[]; onshore: Moving }
  const techs: Tech[] = [];
  for (let u = 0; u < size.technicians; u++) {
    const rng = root.fork(`tech-${u}`);
    const c = g.client(rng, { user: `tech-${u}`, appId: 'field-ops', clientId: 'fieldops-tablet', ua: FIELD_UA, population: 'offshore-tech' });
    const onshore = new Moving(rng, () => addr(rng, rng.pick(['telia-no', 'telia-no-2'])), [20, 120]);
    const x: Tech = { c, sessions: [], onshore };
    const offshoreDays = rng.chance(0.6);
    for (const s of g.daily(rng, 'NO', [3, 6], [6, 19])) {
      // Offshore: the vessel's VSAT (a new Inmarsat NAT address per link-up) or 4G near the platform.
      const sat = offshoreDays && rng.chance(0.6);
      const satIp = addr(rng, 'inmarsat');
      let burst = rng.chance(0.4) ? rng.int(30, 120) : 0;
      x.sessions.push({ start: s, dur: rng.range(5, 30) * MIN, ip: (t) => (sat ? satIp : onshore.at(t)), path: () => (burst > 0 ? '/v1/workorders/{id}/sync' : rng.pick(FIELD_PATHS)),
        // The offline queue uploads first when the link comes back.
        gap: () => (burst-- > 0 ? rng.range(0.4, 2) * SEC : rng.range(20, 120) * SEC) });
    }
    techs.push(x);
  }

  // ----- victims' sessions just before their attacks -----
  const V = {
    it0: relays[0]!, fo1: relays[1]!, rr0: relays[2]!,
    it3: correspondents[0]!, ru0: correspondents[1]!,
    fo3: techs[0]!, rr2: techs[1]!,
    nl0: laptops[0]!, af1: laptops[1]!,
  };
  const mark = (x: { c: Client; sessions: Sess[] }, at: number, dur: number, ip: (t: number) => string, paths: string[], label: string) => x.sessions.push(sess(at, dur, [30, 120], ip, paths, x.c.rng, label));
  const it0Ip = addr(root.fork('it0-ip'), V.it0.country === 'GB' ? 'relay-akamai-gb' : 'relay-akamai-de');
  const fo1Ip = addr(root.fork('fo1-ip'), V.fo1.country === 'GB' ? 'relay-fastly-gb' : 'relay-fastly-de');
  if (has(0)) mark(V.it0, it[0]!.when - 5 * MIN, 45 * MIN, () => it0Ip, WEB_PATHS, 'it');
  if (has(1)) mark(V.fo1, fo[1]!.when - 6 * MIN, 4 * MIN, () => fo1Ip, WEB_PATHS, 'fo');
  if (has(3)) mark(V.it3, it[3]!.when - 5 * MIN, 45 * MIN, V.it3.ip, CMS_PATHS, 'it');
  if (has(0)) mark(V.ru0, ru[0]!.when - 15 * MIN, 6 * MIN, V.ru0.ip, CMS_PATHS, 'ru');
  const ru0Cut = has(0) ? ru[0]!.when - 4 * MIN : undefined;
  if (has(3)) mark(V.fo3, fo[3]!.when - 5 * MIN, 3 * MIN, (t) => V.fo3.onshore.at(t), FIELD_PATHS, 'fo');
  if (has(2)) mark(V.rr2, rr[2]!.when - 5 * HOUR, 150 * MIN, (t) => V.rr2.onshore.at(t), FIELD_PATHS, 'rr');
  if (has(0)) mark(V.nl0, nl[0]!.when - 3 * HOUR, 20 * MIN, (t) => V.nl0.egress.at(t), WEB_PATHS, 'nl');
  // refresh_reuse 0: the victim works through the whole attack (the extension reads each new refresh token).
  if (has(0)) {
    const r0 = V.rr0;
    const fixed = addr(r0.c.rng.fork('rr0'), r0.country === 'GB' ? 'relay-akamai-gb' : 'relay-akamai-de');
    for (let k = 0; k < 5; k++) r0.sessions.push(sess(rr[0]!.when - 30 * MIN + k * HOUR, 40 * MIN, [40, 120], () => fixed, WEB_PATHS, r0.c.rng, `rr${k}`));
  }
  // Crew victims: impossible_travel 1 takes whoever is on the ground (preferably abroad) then; refresh_reuse 3 another.
  const ground = (t: number) => crew.filter((cr) => { const s = stayAt(cr, t); return s && s.from < t - 2 * HOUR && s.to > t + HOUR; });
  const it1Crew = has(1) ? (ground(it[1]!.when).sort((a, b) => Number(stayAt(b, it[1]!.when)!.country !== 'GB') - Number(stayAt(a, it[1]!.when)!.country !== 'GB'))[0]) : undefined;
  if (it1Crew) { const st = stayAt(it1Crew, it[1]!.when)!; mark(it1Crew, it[1]!.when - 5 * MIN, 40 * MIN, () => st.hotel, CREW_PATHS, 'it'); }
  const rr3Crew = has(3) ? crew.find((cr) => cr !== it1Crew && (() => { const s = stayAt(cr, rr[3]!.when - 3 * HOUR); return s && s.to > rr[3]!.when - HOUR; })()) : undefined;
  if (rr3Crew) { const st = stayAt(rr3Crew, rr[3]!.when - 3 * HOUR)!; mark(rr3Crew, rr[3]!.when - 3 * HOUR, 100 * MIN, () => st.hotel, CREW_PATHS, 'rr'); }

  // ----- run the people -----
  for (const x of crew) g.run(x.c, x.sessions);
  for (const x of relays) g.run(x.c, x.sessions);
  for (const x of laptops) g.run(x.c, x.sessions);
  for (const x of correspondents) g.run(x.c, x.sessions, x === V.ru0 && ru0Cut !== undefined ? [{ at: ru0Cut, source: 'admin', reason: 'laptop stolen from hotel room' }] : []);
  for (const x of techs) g.run(x.c, x.sessions);

  // ======================= mobile game players (custom loop: retries and stale tickets) =======================
  interface Player { c: Client; country: string; carrier: Moving; marks: number[]; cuts: { at: number; source: string; reason: string }[]; bannedAt?: number }
  const GAME_NETS: Record<string, string[]> = { ID: ['telkomsel-id'], PH: ['globe-ph-mobile'], BR: ['vivo-br', 'tim-br'], IN: ['jio-in', 'airtel-in'] };
  const players: Player[] = [];
  for (let u = 0; u < size.players; u++) {
    const rng = root.fork(`player-${u}`);
    const country = ['ID', 'PH', 'BR', 'IN'][u % 4]!;
    const c = g.client(rng, { user: `player-${rng.hex(8)}`, appId: 'galaxy-clash', clientId: 'galaxy-clash-mobile', ua: rng.pick(GAME_UA), population: 'mobile-game', ttl: DAY });
    const nets = GAME_NETS[country]!;
    players.push({ c, country, carrier: new Moving(rng, () => addr(rng, rng.pick(nets)), [5, 30]), marks: [], cuts: [] });
  }
  // Victims: nl2 boosted account; rs0 20 tickets stolen by a mod menu; fo2 shared ticket; af3 15 tickets revoked by anti-cheat;
  // ru2 banned cheater; rr1 SpinOK-like SDK.
  const P = { nl2: players[0]!, fo2: players[1]!, ru2: players[2]!, rr1: players[3]!, rs0: players.slice(4, 24), af3: players.slice(24, 39) };
  if (has(2)) P.nl2.marks.push(nl[2]!.when - root.fork('nl2m').range(20, 60) * MIN);
  if (has(2)) P.fo2.marks.push(fo[2]!.when - 20 * MIN);
  if (has(2)) { P.ru2.marks.push(ru[2]!.when - 30 * MIN); P.ru2.bannedAt = ru[2]!.when - 2 * MIN; P.ru2.cuts.push({ at: P.ru2.bannedAt, source: 'anti_cheat', reason: 'banned: speed hack' }); }
  if (has(1)) P.rr1.marks.push(rr[1]!.when - 4 * HOUR, rr[1]!.when - 2.5 * HOUR);
  if (has(0)) for (const p of P.rs0) p.marks.push(rs[0]!.when - p.c.rng.range(30, 150) * MIN);
  if (has(3)) for (const p of P.af3) { p.marks.push(af[3]!.when - p.c.rng.range(60, 180) * MIN); p.cuts.push({ at: af[3]!.when - 5 * MIN, source: 'anti_cheat', reason: 'mod menu detected: sessions invalidated' }); }
  for (const p of players) {
    const c = p.c;
    const rng = c.rng;
    const starts = g.daily(rng, p.country, [2, 4], [10, 25.5]);
    const marked = p.marks.map((m) => ({ at: m, label: `m${p.marks.indexOf(m)}` }));
    const list = [...starts.filter((s) => !p.marks.some((m) => Math.abs(s - m) < 30 * MIN)).map((s) => ({ at: s, label: '' })), ...marked].sort((a, b) => a.at - b.at);
    const cuts = [...p.cuts];
    let busy = -Infinity;
    for (const s of list) {
      let t = Math.max(s.at, busy + SEC, g.start);
      if (p.bannedAt !== undefined && t >= p.bannedAt) break;
      const stop = Math.min(s.at + rng.range(3, 12) * MIN, g.end, p.bannedAt ?? Infinity);
      if (t >= stop) continue;
      // The app resumes with the cached ticket: expired, it is refused, retried, then the app logs in again.
      if (c.access && c.accessExp < t) {
        for (let k = rng.int(1, 3); k > 0; k--, t += rng.range(0.3, 1.5) * SEC) g.use(c.access, t, p.carrier.at(t), { ua: c.ua, rng, path: '/v1/match/state', status: 401, bytes: 90 });
      }
      if (s.label) {
        t = g.ensure(c, t, p.carrier.at(t), !!c.refresh);
        c.marks.set(s.label, { access: c.access!, refresh: c.refresh!, issued: c.issued, exp: c.accessExp });
      }
      while (t < stop) {
        while (cuts.length && cuts[0]!.at <= t) { const cut = cuts.shift()!; g.signOut(c, cut.at, cut.source, cut.reason); }
        t = g.ensure(c, t, p.carrier.at(t));
        const path = rng.pick(GAME_PATHS);
        if (rng.chance(0.04)) {
          // A timeout: the SDK fires the same call again 2–4 times within seconds.
          for (let k = rng.int(2, 4); k > 0; k--, t += rng.range(0.5, 2.5) * SEC) g.use(c.access!, t, p.carrier.at(t), { ua: c.ua, rng, path, method: 'POST', status: k > 1 ? 504 : 200 });
        } else g.use(c.access!, t, p.carrier.at(t), { ua: c.ua, rng, path, method: rng.chance(0.6) ? 'POST' : 'GET' });
        t += rng.range(6, 18) * SEC;
      }
      busy = t;
    }
    for (const cut of cuts) if (cut.at < g.end) g.signOut(c, cut.at, cut.source, cut.reason);
  }

  // ======================= newsroom shared CMS key =======================
  const cmsKey = g.token(root.fork('cms'), { type: 'api_key', appId: 'newsroom-cms', clientId: 'desk-publisher', population: 'newsroom-shared', sendAs: 'raw' }, 'wpap');
  g.life({ event: 'issued', ts: g.oldest - 400 * DAY, token: cmsKey, token_type: 'api_key', client_id: 'desk-publisher', app_id: 'newsroom-cms', expires_at: null });
  {
    const rng = root.fork('cms-desk');
    const office = addr(rng, 'bt-gb');
    // London desk: all day, every few minutes.
    for (let t = g.start; t < g.end; t += rng.exp(6 * MIN)) {
      const h = ((t / HOUR) % 24 + 24) % 24;
      if (h >= 6 && h < 23) g.use(cmsKey, t, office, { ua: CMS_UA, rng, path: rng.pick(CMS_PATHS), method: rng.chance(0.3) ? 'POST' : 'GET' });
    }
    // Correspondents file through the same key: bursts of uploads, from wherever they are.
    for (const co of correspondents) {
      const r = co.c.rng.fork('filing');
      for (const s of g.daily(r, co.country, [1, 3], [9, 23])) {
        for (let t = s, n = r.int(8, 40); n > 0; n--, t += r.range(3, 20) * SEC) g.use(cmsKey, t, co.ip(t), { ua: CMS_UA, rng: r, method: 'POST', path: r.pick(['/v1/media', '/v1/stories/{id}', '/v1/stories']), bytes: Math.round(2000 + r.exp(400_000)) });
      }
    }
  }

  // ======================= synthetic monitoring =======================
  const ALL_LOC = ['aws-us-east-1', 'aws-us-west-2', 'aws-eu-west-1', 'aws-eu-west-2', 'aws-eu-west-3', 'aws-eu-central-1', 'aws-ap-southeast-1', 'aws-ap-southeast-2', 'aws-sa-east-1', 'gcp-asia-northeast1', 'azure-southindia', 'gcp-europe-west4'];
  const monitors: { key: string; locs: string[][] }[] = [];
  for (const [m, every, locs] of [[0, 2, ['aws-us-east-1', 'aws-eu-central-1', 'aws-ap-southeast-1']], [1, 5, ALL_LOC], [2, 2, ['aws-us-west-2', 'aws-eu-west-1']]] as const) {
    const rng = root.fork(`monitor-${m}`);
    const key = g.token(rng, { type: 'api_key', appId: 'synthetics', clientId: `monitor-${m}`, population: 'synthetics', sendAs: rng.chance(0.5) ? 'raw' : 'fp' }, 'ddsk');
    g.life({ event: 'issued', ts: g.oldest - rng.range(30, 300) * DAY, token: key, token_type: 'api_key', client_id: `monitor-${m}`, app_id: 'synthetics', expires_at: null });
    const ips = locs.map((l) => [addr(rng, l), addr(rng, l)]);
    monitors.push({ key, locs: ips });
    for (let tick = g.start - (g.start % (every * MIN)); tick < g.end; tick += every * MIN) {
      for (const pair of ips) {
        const t = tick + rng.range(0, 8) * SEC;
        if (t >= g.start) g.use(key, t, rng.pick(pair), { ua: PROBE_UA, rng, path: m === 1 ? '/v1/health' : '/v1/me', bytes: 400 });
      }
    }
  }

  // ======================= border-region e-bike trackers =======================
  const trackers: { key: string; conn: Moving }[] = [];
  for (let d = 0; d < size.trackers; d++) {
    const rng = root.fork(`tracker-${d}`);
    const key = g.token(rng, { type: 'api_key', appId: 'bike-fleet', clientId: `tracker-${d}`, population: 'border-iot', sendAs: 'fp' }, 'iot');
    g.life({ event: 'issued', ts: g.oldest - rng.range(30, 300) * DAY, token: key, token_type: 'api_key', client_id: `tracker-${d}`, app_id: 'bike-fleet', expires_at: null });
    // Multi-network SIM, local breakout: each reconnect may land on another country's network.
    const conn = new Moving(rng, () => addr(rng, rng.weighted([['kpn-nl', 3], ['vodafone-nl', 3], ['proximus-be', 3], ['telekom-de-mobile', 3]] as const)), [2, 10]);
    trackers.push({ key, conn });
    for (let t = g.start + rng.range(0, 3) * MIN; t < g.end; ) {
      const h = ((t / HOUR + 1) % 24 + 24) % 24;
      const riding = h >= 7 && h < 22 && rng.chance(0.7);
      g.use(key, t, conn.at(t), { ua: TRACKER_UA, rng, method: 'POST', path: riding ? '/v1/telemetry/position' : '/v1/telemetry/heartbeat', bytes: 200 });
      t += riding ? rng.range(2, 4) * MIN : rng.range(12, 18) * MIN;
    }
  }

  // ======================= webhook consumers on Heroku =======================
  const webhookApps: { key: string; ips: string[] }[] = [];
  for (let w = 0; w < size.webhookApps; w++) {
    const rng = root.fork(`webhook-${w}`);
    const key = g.token(rng, { type: 'api_key', appId: `shop-app-${w}`, clientId: `shop-app-${w}`, population: 'webhook-consumer', sendAs: rng.chance(0.5) ? 'raw' : 'fp' }, 'shpat');
    g.life({ event: 'issued', ts: g.oldest - rng.range(30, 300) * DAY, token: key, token_type: 'api_key', client_id: `shop-app-${w}`, app_id: `shop-app-${w}`, expires_at: null });
    // Dynos restart daily and egress from any AWS us-east-1 address.
    const ips = Array.from({ length: 4 }, () => addr(rng, 'aws-us-east-1-iad'));
    webhookApps.push({ key, ips });
    for (let t = g.start + rng.range(0, 20) * MIN; t < g.end; t += rng.range(10, 30) * MIN) g.use(key, t, rng.pick(ips), { ua: WEBHOOK_UA, rng, path: '/v1/orders?updated_since={n}' });
    // Flash sales or a retry backlog after downtime: hundreds of order fetches in minutes, at any hour.
    for (const s of g.daily(rng, 'US', [0, 2], [0, 24])) {
      const n = rng.int(150, 700);
      const span = rng.range(5, 15) * MIN;
      for (let k = 0; k < n; k++) {
        const t = s + (k / n) * span + rng.range(0, 3) * SEC;
        g.use(key, t, rng.pick(ips), { ua: WEBHOOK_UA, rng, path: rng.pick(['/v1/orders/{id}', '/v1/orders/{id}', '/v1/orders/{id}/fulfillments']), method: rng.chance(0.3) ? 'POST' : 'GET' });
      }
    }
  }

  // ======================= Colab runtimes and laptops =======================
  // revoked_use 3: colab user 2 revokes the PAT before the attack and stops using it.
  const ru3Revoked = has(3) ? ru[3]!.when - root.fork('ru3-rev').range(5, 15) * MIN : Infinity;
  for (const [u, x] of colabs.entries()) {
    const rng = root.fork(`colab-run-${u}`);
    const stopAt = u === 2 ? ru3Revoked : Infinity;
    const use = (t: number, ip: string, o: Parameters<SessionGen['use']>[3]) => t < stopAt && g.use(x.pat, t, ip, o);
    for (const s of g.daily(rng, x.homeCountry, [1, 3], [9, 23])) {
      for (let t = s, last = s + rng.range(2, 10) * MIN; t < last; t += rng.range(20, 90) * SEC) use(t, x.home, { ua: 'curl/8.5.0', rng, path: rng.pick(DATA_PATHS) });
    }
    for (const s of g.daily(rng, x.homeCountry, [1, 2], [9, 22])) {
      // A fresh runtime: a new Google address; a dataset load (paging) and sparse calls until it is recycled.
      const ip = addr(rng, rng.pick(['gcp-us-colab', 'gcp-us-colab-2']));
      const life = rng.range(1, 5) * HOUR;
      for (let t = s, n = rng.int(80, 300); n > 0; n--, t += rng.range(0.4, 1.5) * SEC) use(t, ip, { ua: COLAB_UA, rng, path: '/v1/datasets/{id}/rows?page={n}', bytes: 60_000 });
      for (let t = s + 10 * MIN; t < s + life; t += rng.exp(12 * MIN)) use(t, ip, { ua: COLAB_UA, rng, path: rng.pick(DATA_PATHS) });
    }
  }

  // ======================= MDM device tokens (client_credentials, hourly) =======================
  const deviceTokens = new Map<string, { token: string; from: number; exp: number }[]>();
  const ru1At = has(1) ? ru[1]!.when - 2 * MIN : undefined;
  for (const [u, l] of laptops.entries()) {
    const rng = root.fork(`device-${u}`);
    const list: { token: string; from: number; exp: number }[] = [];
    deviceTokens.set(l.device, list);
    let tok = '';
    let exp = -Infinity;
    const stop = u === 3 && ru1At !== undefined ? ru1At : g.end;
    const forceAt = u === 3 && ru1At !== undefined ? ru1At - 20 * MIN : Infinity;
    let forced = false;
    for (let t = g.start + rng.range(0, 15) * MIN; t < stop; t += rng.range(14, 16) * MIN) {
      const h = ((t / HOUR + 1) % 24 + 24) % 24;
      if ((h < 7 || h >= 23) && rng.chance(0.7) && !(t >= forceAt - 30 * MIN)) continue; // asleep (not while its user works before the retirement)
      if (t > exp - 5 * MIN || (!forced && t >= forceAt)) {
        if (t >= forceAt) forced = true;
        tok = g.token(rng, { type: 'access_token', appId: 'mdm', clientId: l.device, population: 'sase-fleet-device', sendAs: 'raw' }, 'mdm');
        g.life({ event: 'issued', ts: t, token: tok, token_type: 'access_token', client_id: l.device, app_id: 'mdm', grant_type: 'client_credentials', scopes: ['device'], issued_at: t, expires_at: t + HOUR });
        exp = t + HOUR;
        list.push({ token: tok, from: t, exp });
      }
      g.use(tok, t, l.egress.at(t), { ua: MDM_UA, rng, method: 'POST', path: '/v1/devices/checkin', bytes: 900 });
    }
  }

  // ======================= dormant keys =======================
  const DORMANT_HOME = ['aws-us-east-1', 'aws-eu-west-1', 'aws-eu-central-1', 'gcp-us-colab'];
  interface Dormant { key: string; owner: string; homeNet: string; ip: string; pat: boolean }
  const dormant: Dormant[] = [];
  for (let k = 0; k < size.dormantKeys; k++) {
    const rng = root.fork(`dormant-${k}`);
    const pat = k === 3 || (k >= 4 && k % 2 === 1);
    const homeNet = DORMANT_HOME[k] ?? (pat ? rng.pick(['bt-gb', 'kpn-nl']) : rng.pick(['aws-eu-west-1', 'gcp-europe-west4']));
    const ip = addr(rng, homeNet);
    const owner = pat ? `former-${k}` : '';
    const appId = pat ? 'data-api' : `service-${k}`;
    const key = g.token(rng, { type: pat ? 'personal_access_token' : 'api_key', appId, clientId: appId, userId: pat ? owner : undefined, population: 'dormant', sendAs: rng.chance(0.5) ? 'raw' : 'fp' }, pat ? 'dpat' : 'svc');
    g.life({ event: 'issued', ts: g.oldest - rng.range(10, 300) * DAY, token: key, token_type: pat ? 'personal_access_token' : 'api_key', client_id: appId, app_id: appId, user_id: pat ? owner : undefined, expires_at: null });
    const d0 = g.oldest + rng.range(0.5, 4) * DAY;
    for (let t = d0, last = d0 + rng.range(2, 6) * HOUR; t < last; t += rng.exp(4 * MIN)) g.use(key, t, ip, { ua: pat ? COLAB_UA : 'aws-sdk-go-v2/1.30', rng, path: rng.pick(DATA_PATHS) });
    dormant.push({ key, owner, homeNet, ip, pat });
  }
  for (const k of dormant.slice(K).filter((_, i) => i % 2 === 0)) {
    const rng = root.fork(`wake-${k.key.slice(0, 12)}`);
    const t0 = attackTime(g, rng, HOUR);
    const ip = rng.chance(0.5) ? k.ip : addr(rng, k.homeNet);
    for (let t = t0, last = t0 + rng.range(10, 40) * MIN; t < last; t += rng.exp(45 * SEC)) g.use(k.key, t, ip, { ua: k.pat ? COLAB_UA : 'aws-sdk-go-v2/1.30', rng, path: '/v1/datasets' });
  }

  // ======================= attacks =======================
  const reg = (rng: Rng, info: Omit<TokenInfo, 'raw'>, prefix: string) => {
    const t = g.token(rng, info, prefix);
    g.attackOnly.add(t);
    return t;
  };
  const ua = (r: Rng) => r.pick(ATTACK_UA);
  /** Replays a victim's marked access token from `ip`, within its lifetime. */
  const replay = (f: First, c: Client, label: string, when: number, ip: (t: number) => string, gap: [number, number], o: { ua: string; paths: string[]; minutes: [number, number]; r: Rng; status?: () => number; gateway?: string }): Chain | undefined => {
    const chain = c.marks.get(label);
    if (!chain) return undefined;
    const r = o.r;
    const start = Math.max(chain.issued + r.range(1, 4) * MIN, when);
    const stop = Math.min(chain.exp - MIN, start + r.range(o.minutes[0], o.minutes[1]) * MIN);
    for (let t = start; t < stop; t += r.range(gap[0], gap[1]) * SEC) f.use(chain.access, t, ip(t), { ua: o.ua, rng: r, path: r.pick(o.paths), status: o.status?.(), gateway: o.gateway });
    return chain;
  };
  const acc = (c: Client, label: string) => [c.marks.get(label)?.access ?? ''].filter(Boolean);

  // ----- new_location -----
  nl.forEach((pl) => {
    const r = pl.rng;
    const f = new First(g);
    if (pl.i === 0) {
      // Storm-2372 device-code phishing: the victim enters the attacker's code; the attacker's device gets its own token family.
      const l = V.nl0;
      const ip = addr(r, 'alibaba-hk');
      const rt = reg(r, { type: 'refresh_token', appId: l.c.appId, clientId: 'office-desktop', userId: l.c.user, population: 'attacker', sendAs: 'raw' }, 'rt');
      const at = reg(r, { type: 'access_token', appId: l.c.appId, clientId: 'office-desktop', userId: l.c.user, population: 'attacker', sendAs: 'raw' }, 'at');
      g.life({ event: 'issued', ts: pl.when - 20, token: rt, token_type: 'refresh_token', client_id: 'office-desktop', app_id: l.c.appId, user_id: l.c.user, grant_type: 'urn:ietf:params:oauth:grant-type:device_code', issued_at: pl.when - 20, expires_at: pl.when + 90 * DAY });
      g.life({ event: 'issued', ts: pl.when - 10, token: at, token_type: 'access_token', client_id: 'office-desktop', app_id: l.c.appId, user_id: l.c.user, grant_type: 'urn:ietf:params:oauth:grant-type:device_code', issued_at: pl.when - 10, expires_at: pl.when + HOUR });
      for (let t = pl.when, last = pl.when + r.range(30, 50) * MIN; t < last; t += r.range(20, 90) * SEC) f.use(at, t, ip, { ua: 'Microsoft Authentication Library/4.61 python', rng: r, path: r.pick(['/v1/messages', '/v1/documents/{id}', '/v1/search?q={n}']) });
      g.attack('new_location', pl.i, 'device-code phishing (Storm-2372-like): the attacker\'s device gets a fresh token family for the employee, used from Hong Kong hosting', f.t, [rt, at], [l.c.user], f.ips);
    } else if (pl.i === 1) {
      // A malicious shared notebook reads the PAT from the Colab environment and posts it out; used from a Singapore VPS.
      const x = colabs[0]!;
      const ip = addr(r, 'do-sgp');
      for (let t = pl.when, last = pl.when + r.range(30, 60) * MIN; t < last; t += r.range(30, 150) * SEC) f.use(x.pat, t, ip, { ua: ua(r), rng: r, path: r.pick(DATA_PATHS) });
      g.attack('new_location', pl.i, 'Colab PAT exfiltrated by a malicious shared notebook, used from a DigitalOcean Singapore VPS', f.t, [x.pat], [x.user], f.ips);
    } else if (pl.i === 2) {
      // Account boosting: the player hands the account to a paid booster, who plays from Vietnamese broadband.
      const p = P.nl2;
      const ip = addr(r, 'vnpt-vn');
      replay(f, p.c, 'm0', pl.when, () => ip, [5, 15], { ua: p.c.ua, paths: GAME_PATHS, minutes: [40, 80], r });
      g.attack('new_location', pl.i, 'game account handed to a boosting service, played from Vietnamese broadband with the player\'s session ticket', f.t, acc(p.c, 'm0'), [p.c.user], f.ips);
    } else {
      // A device token lifted from a laptop, used from the attacker's phone in the same country, outside the SASE.
      const l = laptops[2]!;
      const b = deviceTokens.get(l.device)!.filter((x) => x.from <= pl.when && x.exp > pl.when + 10 * MIN).at(-1) ?? deviceTokens.get(l.device)!.find((x) => x.from >= pl.when);
      if (!b) return;
      const ip = addr(r, 'vodafone-nl');
      for (let t = Math.max(pl.when, b.from + MIN), last = Math.min(b.exp - MIN, t + r.range(15, 30) * MIN); t < last; t += r.range(30, 120) * SEC) f.use(b.token, t, ip, { ua: MDM_UA, rng: r, path: r.pick(['/v1/devices/checkin', '/v1/devices/{id}/profiles', '/v1/devices/{id}/certificates']), method: 'GET' });
      g.attack('new_location', pl.i, 'MDM device token copied off a laptop, used from a Dutch mobile network outside the SASE (same country, new ASN)', f.t, [b.token], [], f.ips);
    }
  });

  // ----- impossible_travel -----
  it.forEach((pl) => {
    const r = pl.rng;
    const f = new First(g);
    if (pl.i === 0) {
      // A malicious extension sends the bearer token to its server in Singapore, which replays it within seconds.
      const c = V.it0.c;
      const chain = c.marks.get('it');
      if (!chain) return;
      const ip = addr(r, 'do-sgp');
      const victimUses = g.usage.filter((e) => e.token === chain.access && e.ts >= pl.when - 5 * MIN);
      for (const e of victimUses) if (e.ts + 3 * SEC >= pl.when) f.use(chain.access, e.ts + r.range(2, 9) * SEC, ip, { ua: c.ua, rng: r, path: r.pick(WEB_PATHS) });
      g.attack('impossible_travel', pl.i, 'malicious browser extension exfiltrates a Private Relay user\'s token; its Singapore server replays each one seconds later', f.t, [chain.access], [c.user], f.ips);
    } else if (pl.i === 1) {
      if (!it1Crew) return;
      const ip = addr(r, 'vivo-br');
      const chain = replay(f, it1Crew.c, 'it', pl.when, () => ip, [40, 150], { ua: it1Crew.c.ua, paths: CREW_PATHS, minutes: [15, 30], r });
      if (chain) g.attack('impossible_travel', pl.i, 'crew member on a layover (hotel Wi-Fi); her phished roster-app session used from São Paulo minutes later', f.t, [chain.access], [it1Crew.c.user], f.ips);
    } else if (pl.i === 2) {
      // An e-bike tracker's key copied into the attacker's modem: used from Indonesia while the tracker keeps reporting.
      const tr = trackers[0]!;
      const ip = addr(r, 'telkomsel-id');
      for (let t = pl.when, last = pl.when + r.range(20, 40) * MIN; t < last; t += r.range(60, 180) * SEC) f.use(tr.key, t, ip, { ua: TRACKER_UA, rng: r, method: 'POST', path: '/v1/telemetry/position', bytes: 200 });
      g.attack('impossible_travel', pl.i, 'border-region tracker key cloned into a modem in Indonesia, reporting alongside the real tracker near Aachen', f.t, [tr.key], [], f.ips);
    } else {
      const co = V.it3;
      const ip = addr(r, 'vultr-us');
      const chain = replay(f, co.c, 'it', pl.when, () => ip, [40, 150], { ua: ua(r), paths: CMS_PATHS, minutes: [15, 30], r });
      if (chain) g.attack('impossible_travel', pl.i, 'Kyiv correspondent\'s session token leaked in a Referer to a third-party script, replayed from US hosting minutes later', f.t, [chain.access], [co.c.user], f.ips);
    }
  });

  // ----- rate_spike -----
  rs.forEach((pl) => {
    const r = pl.rng;
    const f = new First(g);
    if (pl.i === 0) {
      // A market bot runs 20 session tickets stolen by a mod menu in parallel, each just under the per-token rate limit.
      const ip0 = addr(r, 'ovh-fr');
      const toks: string[] = [];
      const users: string[] = [];
      for (const p of P.rs0) {
        const chain = p.c.marks.get('m0');
        if (!chain) continue;
        toks.push(chain.access);
        users.push(p.c.user);
        const ip = `${ip0.split('.').slice(0, 3).join('.')}.${r.int(1, 254)}`;
        for (let t = pl.when + r.range(0, 60) * SEC, last = Math.min(chain.exp - MIN, pl.when + r.range(30, 40) * MIN); t < last; t += r.range(3, 4) * SEC) f.use(chain.access, t, ip, { ua: p.c.ua, rng: r, path: r.pick(['/v1/store/offers', '/v1/market/listings?page={n}']), method: 'GET' });
      }
      g.attack('rate_spike', pl.i, '20 session tickets stolen by a mod menu run in parallel by a market-scraping bot, each at 15–20 req/min for 30–40 min (under the per-token limit), from one French hosting /24', f.t, toks, users, f.ips);
    } else if (pl.i === 1) {
      // A monitor's key from a public status-page repo, driven at ~300 req/min from the monitor's own AWS region.
      const m = monitors[2]!;
      const ip = addr(r, 'aws-us-west-2');
      for (let t = pl.when, last = pl.when + r.range(30, 40) * MIN; t < last; t += r.exp(MIN / 100)) f.use(m.key, t, ip, { ua: ua(r), rng: r, path: r.pick(['/v1/customers?page={n}', '/v1/orders/{id}']) });
      g.attack('rate_spike', pl.i, 'synthetic monitor\'s key leaked from a status-page repo, driven at ~100 req/min for 30–40 min from the same AWS region as its probes', f.t, [m.key], [], f.ips);
    } else if (pl.i === 2) {
      // A typosquatted package in the notebook pulls every dataset with the PAT, from the Colab runtime itself.
      const x = colabs[1]!;
      const ip = addr(r, 'gcp-us-colab');
      for (let t = pl.when, last = pl.when + r.range(20, 35) * MIN; t < last; t += r.exp(MIN / r.range(100, 200))) f.use(x.pat, t, ip, { ua: COLAB_UA, rng: r, path: '/v1/datasets/{id}/rows?page={n}', bytes: 60_000 });
      g.attack('rate_spike', pl.i, 'typosquatted package in a Colab notebook bulk-pulls every dataset with the PAT at 100–200 req/min for 20–35 min from the runtime (Google ASN, like the owner)', f.t, [x.pat], [x.user], f.ips);
    } else {
      // A Shopify-like app's key used by an attacker who mass-exports orders from the same Heroku range.
      const w = webhookApps[0]!;
      const ip = addr(r, 'aws-us-east-1-iad');
      for (let t = pl.when, last = pl.when + r.range(40, 60) * MIN; t < last; t += r.exp(MIN / r.range(60, 100))) f.use(w.key, t, ip, { ua: WEBHOOK_UA, rng: r, path: '/v1/orders?page={n}', bytes: 50_000 });
      g.attack('rate_spike', pl.i, 'webhook app\'s key mass-exporting orders at 60–100 req/min for 40–60 min from the same AWS range (longer than any flash sale)', f.t, [w.key], [], f.ips);
    }
  });

  // ----- ip_fanout -----
  fo.forEach((pl) => {
    const r = pl.rng;
    const f = new First(g);
    if (pl.i === 0) {
      // A monitor's key in a public Postman workspace: 15–25 unrelated parties try it over 2 h.
      const m = monitors[0]!;
      const nets = ['do-nj', 'hetzner-fi', 'aws-eu-west-2', 'comcast-sj', 'airtel-in', 'vnpt-vn', 'telekom-de', 'vivo-br', 'ovh-fr', 'm1-sg'];
      for (let a = 0, n = r.int(15, 25); a < n; a++) {
        const ip = addr(r, r.pick(nets));
        for (let k = r.int(1, 12), t = pl.when + (a === 0 ? 0 : r.range(0, 2 * HOUR)); k > 0; k--, t += r.range(5, 60) * SEC) f.use(m.key, t, ip, { ua: r.pick(['PostmanRuntime/7.43.0', ...ATTACK_UA]), rng: r, path: r.pick(['/v1/me', '/v1/customers?page={n}', '/v1/orders']) });
      }
      g.attack('ip_fanout', pl.i, 'monitor key exposed in a public Postman workspace (CloudSEK 2024-like), tried by 15–25 parties over 2 h', f.t, [m.key], [], f.ips);
    } else if (pl.i === 1) {
      // The attacker also rides iCloud Private Relay: a new egress per connection in the victim's country, same ASNs.
      const c = V.fo1.c;
      const nets = V.fo1.country === 'GB' ? ['relay-akamai-gb', 'relay-akamai-gb-2', 'relay-fastly-gb'] : ['relay-akamai-de', 'relay-akamai-de-2', 'relay-fastly-de'];
      const chain = replay(f, c, 'fo', pl.when, () => addr(r, r.pick(nets)), [10, 40], { ua: SAFARI_UA, paths: WEB_PATHS, minutes: [30, 50], r });
      if (chain) g.attack('ip_fanout', pl.i, 'stolen session replayed through iCloud Private Relay with a new egress per connection (the victim\'s own relay ASNs and country)', f.t, [chain.access], [c.user], f.ips);
    } else if (pl.i === 2) {
      // A "free account" giveaway in a cheat forum: 10–20 players use the same ticket from their phones within an hour.
      const p = P.fo2;
      const chain = p.c.marks.get('m0');
      if (!chain) return;
      const nets = ['telkomsel-id', 'globe-ph-mobile', 'vivo-br', 'tim-br', 'jio-in', 'vnpt-vn'];
      for (let a = 0, n = r.int(10, 20); a < n; a++) {
        const ip = addr(r, r.pick(nets));
        for (let k = r.int(3, 20), t = pl.when + (a === 0 ? 0 : r.range(0, 60 * MIN)); k > 0 && t < chain.exp; k--, t += r.range(5, 15) * SEC) f.use(chain.access, t, ip, { ua: r.pick(GAME_UA), rng: r, path: r.pick(GAME_PATHS), method: 'POST' });
      }
      g.attack('ip_fanout', pl.i, 'game session ticket given away in a cheat forum, used by 10–20 players on mobile networks in four countries within an hour', f.t, [chain.access], [p.c.user], f.ips);
    } else {
      // A technician's token replayed from one IPv6 /48 at Hetzner, a new address per request (evading per-address limits).
      const c = V.fo3.c;
      const base = `2a01:4f8:${r.int(0x1000, 0xfff0).toString(16)}`;
      const chain = replay(f, c, 'fo', pl.when, () => in48(r, base), [5, 20], { ua: ua(r), paths: FIELD_PATHS, minutes: [30, 50], r });
      if (chain) g.attack('ip_fanout', pl.i, 'field technician\'s token replayed from one IPv6 /48 at Hetzner, a new address for every request', f.t, [chain.access], [c.user], f.ips);
    }
  });

  // ----- auth_failures -----
  const victimUsers = new Set([...Object.values(V).map((v) => v.c.user), ...[P.nl2, P.fo2, P.ru2, P.rr1, ...P.rs0, ...P.af3].map((p) => p.c.user), it1Crew?.c.user, rr3Crew?.c.user, colabs[0]?.user, colabs[1]?.user, colabs[2]?.user]);
  const people = [...laptops.map((l) => l.c.user), ...relays.map((x) => x.c.user), ...players.map((p) => p.c.user)].filter((u) => !victimUsers.has(u));
  af.forEach((pl) => {
    const r = pl.rng;
    const f = new First(g);
    const tried: string[] = [];
    const users: string[] = [];
    const guess = (t: number, ip: string, user: string | undefined, o: { path: string; ua: string }) => {
      const tok = reg(r, { type: 'access_token', appId: '', clientId: '', userId: user, population: 'attacker', sendAs: 'raw' }, 'guess');
      if (f.use(tok, t, ip, { ua: o.ua, rng: r, method: 'POST', host: AUTH, path: o.path, status: 401, bytes: 90 })) {
        tried.push(tok);
        if (user) users.push(user);
      }
    };
    if (pl.i === 0) {
      // Slow spray (Midnight Blizzard-like): one try every 40–90 s for ~4.5 h, each from a new address in one IPv6 /48.
      const base = `2a01:4f8:${r.int(0x1000, 0xfff0).toString(16)}`;
      for (let t = pl.when, last = pl.when + 4.5 * HOUR; t < last; t += r.range(40, 90) * SEC) guess(t, in48(r, base), r.pick(people), { path: '/oauth/token', ua: EDGE_UA });
      g.attack('auth_failures', pl.i, 'low-and-slow password spray for 4.5 h, one try per 40–90 s, each from a new address in one IPv6 /48', f.t, tried, users, f.ips);
    } else if (pl.i === 1) {
      // AuthQuake-like MFA brute force: many parallel sign-in sessions guessing the OTP for one user.
      const u = V.af1.c.user;
      const ips = [addr(r, 'alibaba-hk'), addr(r, 'alibaba-hk')];
      for (let t = pl.when, last = pl.when + r.range(25, 40) * MIN; t < last; t += r.range(0.6, 1.4) * SEC) guess(t, r.pick(ips), u, { path: '/oauth/mfa/otp', ua: ua(r) });
      g.attack('auth_failures', pl.i, 'MFA code brute force (AuthQuake-like): parallel sessions guess one employee\'s OTP at ~60/min for 25–40 min from Hong Kong hosting', f.t, tried, [u], f.ips);
    } else if (pl.i === 2) {
      // Device-code user_code guessing from three Singapore VPS addresses, ~2/s.
      const ips = [addr(r, 'do-sgp'), addr(r, 'do-sgp'), addr(r, 'do-sgp')];
      for (let t = pl.when, last = pl.when + r.range(10, 20) * MIN; t < last; t += r.range(0.3, 0.7) * SEC) guess(t, r.pick(ips), undefined, { path: '/oauth/device/verify', ua: ua(r) });
      g.attack('auth_failures', pl.i, 'device-code user_code guessing from three Singapore VPS addresses at ~2/s', f.t, tried, [], f.ips);
    } else {
      // After anti-cheat invalidated 15 tickets, the bot farm keeps retrying them (401) from one VPS.
      const ip = addr(r, 'ovh-fr');
      const toks: string[] = [];
      const users: string[] = [];
      for (const p of P.af3) {
        const chain = p.c.marks.get('m0');
        if (!chain) continue;
        toks.push(chain.access);
        users.push(p.c.user);
      }
      if (!toks.length) return;
      for (let t = pl.when, last = pl.when + r.range(20, 40) * MIN; t < last; t += r.range(1, 4) * SEC) {
        const tok = r.pick(toks);
        f.use(tok, t, ip, { ua: GAME_UA[0]!, rng: r, path: '/v1/match/state', method: 'POST', status: 401, bytes: 90 });
      }
      g.attack('auth_failures', pl.i, 'bot farm retrying 15 session tickets invalidated by anti-cheat: 401s across many tokens from one VPS', f.t, toks, users, f.ips);
    }
  });

  // ----- revoked_use -----
  ru.forEach((pl) => {
    const r = pl.rng;
    const f = new First(g);
    if (pl.i === 0) {
      // The correspondent's laptop stolen from a Nairobi hotel; sessions revoked; one regional gateway never got it.
      const c = V.ru0.c;
      const chain = c.marks.get('ru');
      if (!chain) return;
      const ip = addr(r, 'safaricom-ke');
      for (let t = pl.when, last = Math.min(chain.exp - 30 * SEC, pl.when + 35 * MIN); t < last; t += r.range(30, 120) * SEC) f.use(chain.access, t, ip, { ua: c.ua, rng: r, path: r.pick(CMS_PATHS), gateway: 'edge-af-south' });
      g.attack('revoked_use', pl.i, 'correspondent\'s laptop stolen from a hotel; sessions revoked, but the Africa regional gateway never got the revocation (200)', f.t, [chain.access], [c.user], f.ips);
    } else if (pl.i === 1) {
      // The laptop is retired in MDM (its device token revoked); a cloned disk image keeps checking in through Netskope.
      const l = laptops[3]!;
      const b = deviceTokens.get(l.device)!.filter((x) => ru1At !== undefined && x.from <= ru1At).at(-1);
      if (!b || ru1At === undefined) return;
      g.life({ event: 'revoked', ts: ru1At, token: b.token, token_type: 'access_token', client_id: l.device, app_id: 'mdm', source: 'mdm', reason: 'device retired' });
      for (let t = pl.when, last = Math.min(b.exp - 30 * SEC, pl.when + 30 * MIN); t < last; t += r.range(60, 240) * SEC) f.use(b.token, t, l.egress.at(t), { ua: MDM_UA, rng: r, method: 'POST', path: '/v1/devices/checkin', bytes: 900 });
      g.attack('revoked_use', pl.i, 'retired laptop\'s device token revoked in MDM; a cloned disk image keeps checking in through the same SASE, gateway cache answers 200', f.t, [b.token], [], f.ips);
    } else if (pl.i === 2) {
      // The banned cheater keeps playing: the matchmaking region has not replicated the ban for ~20 min.
      const p = P.ru2;
      const chain = p.c.marks.get('m0');
      if (!chain) return;
      for (let t = pl.when, last = pl.when + r.range(20, 40) * MIN; t < last; t += r.range(5, 15) * SEC) {
        const ok = t < pl.when + 20 * MIN;
        f.use(chain.access, t, p.carrier.at(t), { ua: p.c.ua, rng: r, path: r.pick(GAME_PATHS), method: 'POST', status: ok ? 200 : 401, gateway: 'edge-sa-east' });
      }
      g.attack('revoked_use', pl.i, 'banned cheater\'s revoked ticket accepted by one matchmaking region for ~20 min (then 401), from his own carrier', f.t, [chain.access], [p.c.user], f.ips);
    } else {
      // The data scientist revokes the PAT after a suspicious e-mail; the attacker's copy is still accepted (per-key cache of an hour).
      const x = colabs[2]!;
      const revokedAt = ru3Revoked;
      g.life({ event: 'revoked', ts: revokedAt, token: x.pat, token_type: 'personal_access_token', client_id: 'data-api', app_id: 'data-api', user_id: x.user, source: 'user', reason: 'suspicious e-mail' });
      const ip = addr(r, 'alibaba-hk');
      for (let t = pl.when, last = pl.when + r.range(20, 40) * MIN; t < last; t += r.range(30, 90) * SEC) f.use(x.pat, t, ip, { ua: ua(r), rng: r, path: r.pick(DATA_PATHS) });
      g.attack('revoked_use', pl.i, 'PAT revoked by its owner; the attacker\'s copy still accepted from Hong Kong hosting (gateway caches key validity for an hour)', f.t, [x.pat], [x.user], f.ips);
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
    /** The refresh token marked under `label`, once the client has rotated it before `t`. */
    const rotated = (c: Client, label: string, t: number): string | undefined => {
      const m = c.marks.get(label);
      return m && c.rotated.some((x) => x.old === m.refresh && x.at < t) ? m.refresh : undefined;
    };
    if (pl.i === 0) {
      // Two parties alternately for hours: an extension reads each new refresh token; the attacker redeems it after the victim has rotated it.
      const c = V.rr0.c;
      const ip = addr(r, 'hetzner-de');
      const minted: string[] = [];
      for (let k = 0; k < 5; k++) {
        const t = pl.when + k * HOUR + r.range(35, 50) * MIN;
        const stale = rotated(c, `rr${k}`, t - MIN);
        if (!stale) continue;
        tokenReq(stale, t, ip, SAFARI_UA, true);
        const { rt, at } = mint(c, stale, t);
        minted.push(stale, rt, at);
        for (let x = t + MIN, last = t + r.range(8, 15) * MIN; x < last; x += r.range(40, 120) * SEC) f.use(at, x, ip, { ua: SAFARI_UA, rng: r, path: r.pick(WEB_PATHS) });
      }
      if (minted.length) g.attack('refresh_reuse', pl.i, 'refresh token shared by victim and attacker for hours: an extension reads each new one, the attacker redeems it after the victim rotated it (lenient IdP accepts)', f.t, [...c.family, ...minted], [c.user], f.ips);
    } else if (pl.i === 1) {
      // SpinOK-like spyware SDK in the game exfiltrated the refresh token; replayed after rotation from Hong Kong, refused.
      const c = P.rr1.c;
      const stale = rotated(c, 'm0', pl.when - 10 * MIN);
      if (!stale) return;
      const ip = addr(r, 'alibaba-hk');
      for (let t = pl.when, last = pl.when + r.range(40, 70) * MIN; t < last; t += r.range(4, 6) * MIN) tokenReq(stale, t, ip, 'okhttp/4.9.3', false);
      g.attack('refresh_reuse', pl.i, 'refresh token exfiltrated by a spyware SDK in the game (SpinOK-like), replayed after rotation from Hong Kong every ~5 min, refused', f.t, [...c.family, stale], [c.user], f.ips);
    } else if (pl.i === 2) {
      // The tablet went to a repair shop; its refresh token was copied and redeemed hours later from the shop's line (same carrier).
      const c = V.rr2.c;
      const stale = rotated(c, 'rr', pl.when - 10 * MIN);
      if (!stale) return;
      const ip = addr(r, 'telia-no-2');
      tokenReq(stale, pl.when, ip, FIELD_UA, true);
      const { rt, at } = mint(c, stale, pl.when);
      for (let t = pl.when + MIN, last = pl.when + r.range(30, 50) * MIN; t < last; t += r.range(60, 240) * SEC) f.use(at, t, ip, { ua: FIELD_UA, rng: r, path: r.pick(FIELD_PATHS) });
      g.attack('refresh_reuse', pl.i, 'technician\'s tablet at a repair shop: refresh token copied, redeemed hours after rotation from the shop\'s Telia line, accepted', f.t, [...c.family, stale, rt, at], [c.user], f.ips);
    } else {
      // A crash report captured the Authorization header; someone at the crash-analytics vendor replays the refresh token from AWS.
      if (!rr3Crew) return;
      const c = rr3Crew.c;
      const stale = rotated(c, 'rr', pl.when - 10 * MIN);
      if (!stale) return;
      const ip = addr(r, 'aws-eu-west-1');
      for (let k = r.int(2, 4), t = pl.when; k > 0; k--, t += r.range(2, 8) * MIN) tokenReq(stale, t, ip, 'python-requests/2.32.3', false);
      g.attack('refresh_reuse', pl.i, 'crew app refresh token captured in a crash report, replayed from AWS Ireland by someone at the crash-analytics vendor, refused', f.t, [...c.family, stale], [c.user], f.ips);
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
      const ip = addr(r, 'azure-westeurope');
      for (let t = pl.when, last = pl.when + r.range(15, 30) * MIN; t < last; t += r.exp(20 * SEC)) f.use(k.key, t, ip, { ua: 'node/20 undici', rng: r, path: r.pick(DATA_PATHS) });
      name = 'deploy key left in a poisoned CI cache (Ultralytics-like), replayed weeks later from an Azure runner';
    } else if (pl.i === 1) {
      const ip = addr(r, 'aws-eu-west-1');
      for (let t = pl.when, last = pl.when + r.range(60, 90) * MIN; t < last; t += r.range(3, 8) * MIN) f.use(k.key, t, ip, { ua: 'aws-sdk-go-v2/1.30', rng: r, path: r.pick(DATA_PATHS) });
      name = 'service key leaked, revived slowly from the owner\'s own cloud provider and region (AWS eu-west-1), same user agent';
    } else if (pl.i === 2) {
      const ip = addr(r, 'vivo-br');
      for (let t = pl.when, last = pl.when + r.range(30, 60) * MIN; t < last; t += r.range(60, 200) * SEC) f.use(k.key, t, ip, { ua: ua(r), rng: r, path: r.pick(['/v1/me', '/v1/customers?page={n}']) });
      name = 'retired monitoring location\'s key revived from a Brazilian mobile network';
    } else {
      const ip = addr(r, 'gcp-us-colab-2');
      for (let t = pl.when, last = pl.when + r.range(10, 25) * MIN; t < last; t += r.range(10, 60) * SEC) f.use(k.key, t, ip, { ua: 'trufflehog/3.82', rng: r, path: r.pick(['/v1/me', '/v1/datasets']) });
      name = 'old Colab notebook on GitHub with the PAT in an output cell; a secret-scanning bot tries it from Google Cloud (the same ASN it used to come from)';
    }
    g.attack('dormant_reuse', pl.i, name, f.t, [k.key], k.owner ? [k.owner] : [], f.ips);
  });

  return g.finish();
}

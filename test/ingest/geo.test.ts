import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPublicIp, openGeo, type GeoLookup } from '../../src/ingest/geo.js';

const NON_PUBLIC = [
  '0.0.0.0',
  '10.0.0.1',
  '172.16.5.4',
  '172.31.255.255',
  '192.168.1.1',
  '127.0.0.1',
  '169.254.10.20',
  '100.64.0.1',
  '100.127.255.255',
  '224.0.0.251',
  '255.255.255.255',
  '192.0.2.1',
  '198.51.100.7',
  '203.0.113.9',
  '198.18.0.1',
  '::',
  '::1',
  'fc00::1',
  'fd12:3456:789a::1',
  'fe80::1',
  'fe80::1%eth0',
  'ff02::1',
  '2001:db8::1',
  '::ffff:10.0.0.1',
  '::ffff:127.0.0.1',
  '::ffff:6440:1', // 100.64.0.1 in hex form
];

const INVALID = [
  '',
  'localhost',
  '8.8.8',
  '8.8.8.8.8',
  '256.1.1.1',
  '08.8.8.8',
  ' 8.8.8.8',
  '8.8.8.8/32',
  '2001:4860::8888::1',
  'gggg::1',
  '1.2.3.4%eth0',
  'x'.repeat(10_000),
];

describe('openGeo with the bundled ip-location-db data', () => {
  let geo: GeoLookup;

  beforeAll(async () => {
    geo = await openGeo(); // about a second: reads ~75 MB of MMDB and CSV data
  });

  afterAll(() => geo.close());

  it('locates 8.8.8.8 in the US on Google', () => {
    expect(geo.lookup('8.8.8.8')).toMatchObject({ country: 'US', asn: 15169, asn_org: 'Google LLC' });
  });

  it('reads a quoted organisation containing a comma (1.1.1.1)', () => {
    expect(geo.lookup('1.1.1.1')).toMatchObject({ asn: 13335, asn_org: 'Cloudflare, Inc.' });
  });

  it('looks up IPv6 addresses', () => {
    expect(geo.lookup('2001:4860:4860::8888')).toMatchObject({ country: 'US', asn: 15169, asn_org: 'Google LLC' });
    expect(geo.lookup('2001:470:485::1')).toMatchObject({ asn: 212980, asn_org: 'UAB "Atlantis Capital"' });
  });

  it('gives a European city with plausible coordinates', () => {
    const info = geo.lookup('81.2.69.142');
    expect(info).toMatchObject({ country: 'GB', asn: 20712, asn_org: 'Andrews & Arnold Ltd' });
    expect(info?.city).toEqual(expect.any(String));
    expect(info?.city).not.toBe('');
    // Within Great Britain.
    expect(info?.lat).toBeGreaterThan(49.9);
    expect(info?.lat).toBeLessThan(60.9);
    expect(info?.lon).toBeGreaterThan(-8.2);
    expect(info?.lon).toBeLessThan(1.8);

    const frankfurt = geo.lookup('2a00:1450:4001:800::200e');
    expect(frankfurt).toMatchObject({ country: 'DE', city: expect.any(String) });
    expect(frankfurt?.lat).toBeCloseTo(50.1, 0);
    expect(frankfurt?.lon).toBeCloseTo(8.7, 0);
  });

  it('rounds away the float32 noise of the source coordinates', () => {
    const { lat, lon } = geo.lookup('8.8.8.8') ?? {};
    expect(lat).toBe(37.751);
    expect(lon).toBe(-97.822);
  });

  it('unescapes doubled quotes and decodes UTF-8 organisation names', () => {
    expect(geo.lookup('2.26.200.1')).toMatchObject({ asn: 201907, asn_org: 'LLC "SPUTNIK"' });
    expect(geo.lookup('102.135.184.1')?.asn_org).toMatch(/^Réseau Ivoirien de Télécommunication/);
    expect(geo.lookup('2001:43f8:1190::1')?.asn_org).toMatch(/^Agence Nationale de Sécurité/);
  });

  it('keeps 32-bit AS numbers', () => {
    expect(geo.lookup('103.138.210.1')?.asn).toBe(4294967294);
  });

  it('treats IPv4-mapped IPv6 as the IPv4 address', () => {
    const ipv4 = geo.lookup('8.8.8.8');
    expect(geo.lookup('::ffff:8.8.8.8')).toEqual(ipv4);
    expect(geo.lookup('::FFFF:8.8.8.8')).toEqual(ipv4);
    expect(geo.lookup('::ffff:808:808')).toEqual(ipv4);
  });

  it.each(NON_PUBLIC)('gives no location for non-public %s', (ip) => {
    expect(geo.lookup(ip)).toBeUndefined();
  });

  it.each(INVALID.map((ip) => [ip.slice(0, 30), ip]))('returns undefined for invalid input "%s"', (_, ip) => {
    expect(geo.lookup(ip)).toBeUndefined();
  });

  it('returns undefined rather than throwing for non-string input', () => {
    expect(geo.lookup(null as unknown as string)).toBeUndefined();
    expect(geo.lookup(12345 as unknown as string)).toBeUndefined();
  });

  it('serves repeated lookups from the cache with identical, frozen answers', () => {
    const first = geo.lookup('9.9.9.9');
    expect(first).toBeDefined();
    expect(geo.lookup('9.9.9.9')).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(geo.lookup('10.0.0.1')).toBeUndefined();
    expect(geo.lookup('10.0.0.1')).toBeUndefined();
  });
});

describe('isPublicIp', () => {
  it.each(NON_PUBLIC)('is false for %s', (ip) => {
    expect(isPublicIp(ip)).toBe(false);
  });

  it.each(INVALID.map((ip) => [ip.slice(0, 30), ip]))('is false for invalid "%s"', (_, ip) => {
    expect(isPublicIp(ip)).toBe(false);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '100.63.255.255', // just below CGNAT
    '100.128.0.0', // just above CGNAT
    '172.32.0.1', // just above 172.16/12
    '223.255.255.255', // just below multicast
    '::ffff:8.8.8.8',
    '2001:4860:4860::8888',
    '2a00:1450:4001:800::200e',
  ])('is true for %s', (ip) => {
    expect(isPublicIp(ip)).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// Custom sources: a MaxMind-schema City MMDB and hand-written ASN CSV files.

/** Encodes a value in the MMDB data format (maps, strings, uint32, doubles, arrays). */
function encodeMmdb(value: unknown): Buffer {
  if (typeof value === 'string') {
    const bytes = Buffer.from(value);
    const head = bytes.length < 29 ? [0x40 | bytes.length] : [0x40 | 29, bytes.length - 29];
    return Buffer.concat([Buffer.from(head), bytes]);
  }
  if (typeof value === 'number' && Number.isInteger(value)) {
    const bytes = Buffer.alloc(4);
    bytes.writeUInt32BE(value);
    return Buffer.concat([Buffer.from([0xc0 | 4]), bytes]);
  }
  if (typeof value === 'number') {
    const bytes = Buffer.alloc(8);
    bytes.writeDoubleBE(value);
    return Buffer.concat([Buffer.from([0x60 | 8]), bytes]);
  }
  if (Array.isArray(value)) {
    return Buffer.concat([Buffer.from([value.length, 11 - 7]), ...value.map(encodeMmdb)]);
  }
  const entries = Object.entries(value as Record<string, unknown>);
  const fields = entries.flatMap(([key, field]) => [encodeMmdb(key), encodeMmdb(field)]);
  return Buffer.concat([Buffer.from([0xe0 | entries.length]), ...fields]);
}

/** The 16 bytes of a fixture address: IPv4 as ::a.b.c.d, IPv6 only in the form "x:y::". */
function addressBytes(address: string): number[] {
  if (!address.includes(':')) return [...new Array<number>(12).fill(0), ...address.split('.').map(Number)];
  const groups = address.replace(/::$/, '').split(':').map((group) => parseInt(group, 16));
  return [...groups, ...new Array<number>(8 - groups.length).fill(0)].flatMap((group) => [group >> 8, group & 0xff]);
}

/** The path of a network in a 128-bit tree: the first bits of its address. */
function prefixBits(cidr: string): number[] {
  const [address = '', length = ''] = cidr.split('/');
  const bits = addressBytes(address).flatMap((byte) => [7, 6, 5, 4, 3, 2, 1, 0].map((shift) => (byte >> shift) & 1));
  return bits.slice(0, (address.includes(':') ? 0 : 96) + Number(length));
}

interface TreeNode {
  children: [TreeNode | number | undefined, TreeNode | number | undefined];
}

/** Builds an IPv6 MMDB (record size 24) mapping each network to its record. */
function buildMmdb(networks: Record<string, unknown>): Buffer {
  const root: TreeNode = { children: [undefined, undefined] };
  const records = Object.values(networks);
  Object.keys(networks).forEach((cidr, recordIndex) => {
    const bits = prefixBits(cidr);
    let node = root;
    bits.slice(0, -1).forEach((bit) => {
      const child = node.children[bit as 0 | 1];
      node = typeof child === 'object' ? child : (node.children[bit as 0 | 1] = { children: [undefined, undefined] });
    });
    node.children[bits.at(-1) as 0 | 1] = recordIndex;
  });
  const nodes: TreeNode[] = [root];
  for (let i = 0; i < nodes.length; i++) {
    for (const child of nodes[i]!.children) if (typeof child === 'object') nodes.push(child);
  }
  const data = records.map(encodeMmdb);
  const dataOffsets = data.map((_, i) => data.slice(0, i).reduce((sum, chunk) => sum + chunk.length, 0));
  const nodeCount = nodes.length;
  const recordValue = (child: TreeNode | number | undefined): number =>
    child === undefined
      ? nodeCount // "no data"
      : typeof child === 'number'
        ? nodeCount + 16 + dataOffsets[child]! // data pointer, past the 16-byte separator
        : nodes.indexOf(child);
  const tree = Buffer.alloc(nodeCount * 6);
  nodes.forEach((node, i) => {
    tree.writeUIntBE(recordValue(node.children[0]), i * 6, 3);
    tree.writeUIntBE(recordValue(node.children[1]), i * 6 + 3, 3);
  });
  const metadata = encodeMmdb({
    binary_format_major_version: 2,
    binary_format_minor_version: 0,
    build_epoch: 1_700_000_000,
    database_type: 'GeoLite2-City',
    description: { en: 'tokenwatch test fixture' },
    ip_version: 6,
    languages: ['en'],
    node_count: nodeCount,
    record_size: 24,
  });
  return Buffer.concat([tree, Buffer.alloc(16), ...data, Buffer.from('\xab\xcd\xefMaxMind.com', 'latin1'), metadata]);
}

const CITY_FIXTURE = buildMmdb({
  '81.2.69.0/24': {
    city: { geoname_id: 2643743, names: { en: 'London', de: 'London' } },
    continent: { code: 'EU', geoname_id: 6255148, names: { en: 'Europe' } },
    country: { geoname_id: 2635167, iso_code: 'GB', names: { en: 'United Kingdom' } },
    location: { accuracy_radius: 10, latitude: 51.5142, longitude: -0.0931, time_zone: 'Europe/London' },
  },
  '2a02:2e0::/32': {
    country: { geoname_id: 2921044, iso_code: 'DE', names: { en: 'Germany' } },
    location: { accuracy_radius: 100, latitude: 51.2993, longitude: 9.491 },
  },
});

const ASN_IPV4_FIXTURE = [
  '16909056,16909311,64500,"Example, ""Quoted"" Org"', // 1.2.3.0/24
  '1359103232,1359103487,64501,"Multi', // 81.2.69.0/24, name spans two lines
  'line Org"',
  '1359103488,1359103743,64502,Zürich Net', // 81.2.70.0/24
  '',
].join('\n');

const ASN_IPV6_FIXTURE = '2a02:2e0::,2a02:2e0:ffff:ffff:ffff:ffff:ffff:ffff,64503,"Deutsche ""Test"" AG"\n';

describe('openGeo with custom sources', () => {
  let dir: string;

  const writeFixtures = async (name: string, ipv4Csv: string): Promise<{ cityMmdb: string; asnCsvDir: string }> => {
    const asnCsvDir = path.join(dir, name);
    await mkdir(asnCsvDir);
    await writeFile(path.join(asnCsvDir, 'asn-ipv4-num.csv'), ipv4Csv);
    await writeFile(path.join(asnCsvDir, 'asn-ipv6.csv'), ASN_IPV6_FIXTURE);
    return { cityMmdb: path.join(dir, 'city.mmdb'), asnCsvDir };
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tokenwatch-geo-'));
    await writeFile(path.join(dir, 'city.mmdb'), CITY_FIXTURE);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('maps MaxMind-schema records and parses quoted, multi-line and UTF-8 CSV fields', async () => {
    const geo = await openGeo(await writeFixtures('good', ASN_IPV4_FIXTURE));
    const london = {
      country: 'GB',
      city: 'London',
      lat: 51.5142,
      lon: -0.0931,
      asn: 64501,
      asn_org: 'Multi\nline Org',
    };
    expect(geo.lookup('81.2.69.142')).toEqual(london);
    expect(geo.lookup('::ffff:81.2.69.142')).toEqual(london);
    expect(geo.lookup('2a02:2e0::1')).toEqual({
      country: 'DE',
      lat: 51.2993,
      lon: 9.491,
      asn: 64503,
      asn_org: 'Deutsche "Test" AG',
    });
    expect(geo.lookup('1.2.3.4')).toEqual({ asn: 64500, asn_org: 'Example, "Quoted" Org' });
    expect(geo.lookup('81.2.70.1')).toEqual({ asn: 64502, asn_org: 'Zürich Net' });
    expect(geo.lookup('5.6.7.8')).toBeUndefined(); // public, but in neither source
    geo.close();
  });

  it('evicts the oldest cache entry and still answers correctly', async () => {
    const geo = await openGeo({ ...(await writeFixtures('cache', ASN_IPV4_FIXTURE)), cacheSize: 2 });
    const first = geo.lookup('81.2.69.142');
    expect(geo.lookup('81.2.69.142')).toBe(first);
    geo.lookup('1.2.3.4');
    geo.lookup('81.2.70.1'); // third entry: evicts 81.2.69.142
    const again = geo.lookup('81.2.69.142');
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
    geo.close();
    expect(geo.lookup('81.2.69.142')).toBeUndefined();
  });

  it('works with the cache disabled', async () => {
    const geo = await openGeo({ ...(await writeFixtures('nocache', ASN_IPV4_FIXTURE)), cacheSize: 0 });
    expect(geo.lookup('1.2.3.4')).toEqual(geo.lookup('1.2.3.4'));
    geo.close();
  });

  it('rejects unsorted ASN ranges, naming the file and row', async () => {
    const unsorted = '1359103488,1359103743,64502,B\n16909056,16909311,64500,A\n';
    await expect(openGeo(await writeFixtures('unsorted', unsorted))).rejects.toThrow(
      /asn-ipv4-num\.csv, row 2: ranges are not sorted by start/,
    );
  });

  it('rejects malformed ASN rows', async () => {
    await expect(openGeo(await writeFixtures('short', '16909056,16909311\n'))).rejects.toThrow(/row 1: expected 4 fields/);
    await expect(openGeo(await writeFixtures('badasn', '16909056,16909311,AS1,A\n'))).rejects.toThrow(/row 1: bad ASN/);
  });

  it('rejects a negative or fractional cache size', async () => {
    await expect(openGeo({ cacheSize: -1 })).rejects.toThrow(RangeError);
    await expect(openGeo({ cacheSize: 1.5 })).rejects.toThrow(RangeError);
  });
});

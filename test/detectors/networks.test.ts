/**
 * Network classes from the real ASN data: the organisation names in ip-location-db's asn
 * package, for the networks the simulator knows the kind of (labelled by hand from what
 * each operator is), and a few that neither list mentions.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyNetwork, isFixedLine, organisation } from '../../src/detectors/networks.js';
import { knownNetwork, type PrincipalHistory } from '../../src/detectors/places.js';
import { switches } from '../../src/detectors/new-location.js';
import { ASN_INFO } from '../../src/simulate/network-table.js';

const require = createRequire(import.meta.url);
const dir = path.dirname(require.resolve('@ip-location-db/asn/package.json'));
const orgs = new Map<number, string>();
for (const line of readFileSync(path.join(dir, 'asn-ipv4-num.csv'), 'utf8').split('\n')) {
  const [, , asn, ...org] = line.split(',');
  const n = Number(asn);
  if (!orgs.has(n)) orgs.set(n, org.join(',').replace(/^"|"$/g, '').replace(/""/g, '"'));
}

describe('classifyNetwork', () => {
  it('names clouds, VPN exits and carriers as the simulator labels them, and homes and offices as fixed', () => {
    const wrong: string[] = [];
    for (const [asn, info] of Object.entries(ASN_INFO)) {
      const org = orgs.get(Number(asn)) ?? '';
      const expected = info.kind === 'residential' || info.kind === 'business' ? 'fixed' : info.kind;
      const got = classifyNetwork(Number(asn), org);
      if (got !== expected) wrong.push(`AS${asn} ${org}: ${got}, labelled ${info.kind}`);
    }
    // A few fixed-line incumbents also run their carrier under the same ASN: allow 5 %.
    expect(wrong.length, wrong.join('\n')).toBeLessThanOrEqual(Math.ceil(Object.keys(ASN_INFO).length * 0.05));
  });

  it('reads the organisation of networks no list names', () => {
    expect(classifyNetwork(64500, 'Example Cloud Hosting Ltd')).toBe('hosting');
    expect(classifyNetwork(64501, 'Example Secure VPN AB')).toBe('vpn');
    expect(classifyNetwork(64502, 'Example Mobile Telecom')).toBe('mobile');
    expect(classifyNetwork(64503, 'Example Cable Communications, LLC')).toBe('fixed');
    expect(classifyNetwork(7922, orgs.get(7922) ?? '')).toBe('fixed');
  });

  it('counts secure web gateways (SASE) as gateways, by number and by name in the ASN data', () => {
    for (const asn of [22616, 55256]) expect(classifyNetwork(asn, orgs.get(asn) ?? ''), `AS${asn} ${orgs.get(asn)}`).toBe('gateway');
    expect(classifyNetwork(64506, 'Zscaler Switzerland GmbH')).toBe('gateway');
    expect(classifyNetwork(64507, 'Cisco OpenDNS, LLC')).toBe('gateway');
  });

  it('counts geostationary satellite operators (in-flight and maritime Wi-Fi) as satellite, and Vodafone Idea as a carrier', () => {
    for (const asn of [22351, 7155, 31515]) expect(classifyNetwork(asn, orgs.get(asn) ?? ''), `AS${asn} ${orgs.get(asn)}`).toBe('satellite');
    expect(classifyNetwork(64508, 'Panasonic Avionics Corporation')).toBe('satellite');
    for (const asn of [55410, 45271, 38266]) expect(classifyNetwork(asn, orgs.get(asn) ?? ''), `AS${asn} ${orgs.get(asn)}`).toBe('mobile');
  });

  it('counts Tor exit operators as exits (VPN-like), by number and by name in the ASN data', () => {
    // The largest Tor exit operators; their addresses are wherever a circuit ends.
    for (const asn of [205100, 60729, 208323, 198093, 215125, 210731, 396507]) expect(classifyNetwork(asn, orgs.get(asn) ?? ''), `AS${asn} ${orgs.get(asn)}`).toBe('vpn');
    expect(classifyNetwork(64504, 'Emerald Onion')).toBe('vpn');
    expect(classifyNetwork(64505, 'Foundation for Applied Privacy')).toBe('vpn');
  });

});

describe('isFixedLine and knownNetwork', () => {
  it('holds only networks known to be fixed lines to "does not move"', () => {
    expect(isFixedLine(7922, orgs.get(7922) ?? '')).toBe(true);
    expect(isFixedLine(7922, '')).toBe(true); // by number, when a gateway reported no organisation
    expect(isFixedLine(64503, 'Example Cable Communications, LLC')).toBe(true);
    expect(isFixedLine(24560, orgs.get(24560) ?? 'Bharti Airtel Limited')).toBe(false); // a national carrier's mobile runs on it too
    expect(isFixedLine(3320, orgs.get(3320) ?? 'Deutsche Telekom AG')).toBe(false);
    expect(isFixedLine(21928, '')).toBe(false); // T-Mobile US: mobile
  });

  const history = (asn: number, places: { country: string; city: string; lat: number; lon: number }[]): PrincipalHistory => ({
    countries: new Set(places.map((p) => p.country)),
    networks: new Set([asn]),
    organisations: new Set([`as${asn}`]),
    networkPlaces: new Map([[asn, places]]),
    places: new Set(places.map((p) => `${p.country}/${p.city}`)),
    classes: new Map([['fixed', new Set(places.map((p) => p.country))]]),
    requests: 100,
    first: new Date(0),
    networkSince: new Map([[asn, 0]]),
  });
  const sanJose = { country: 'US', city: 'San Jose', lat: 37.34, lon: -121.89 };

  it('a cable line explains a use near where it was seen, not across the country, unless the history already spans it', () => {
    const comcast = { asn: 7922, asn_org: 'Comcast Cable Communications, LLC' };
    const h = history(7922, [sanJose]);
    expect(knownNetwork(h, { ...comcast, country: 'US', city: 'Santa Clara', lat: 37.35, lon: -121.95 })).toBe(true);
    expect(knownNetwork(h, { ...comcast, country: 'US', city: 'New York', lat: 40.71, lon: -74.0 })).toBe(false);
    expect(knownNetwork(h, { ...comcast, country: 'US', city: '', lat: 37.75, lon: -97.82 })).toBe(true); // a country-level guess
    const spread = history(7922, [sanJose, { country: 'US', city: 'Denver', lat: 39.74, lon: -104.99 }]);
    expect(knownNetwork(spread, { ...comcast, country: 'US', city: 'New York', lat: 40.71, lon: -74.0 })).toBe(true);
    expect(knownNetwork(spread, { ...comcast, country: 'AU', city: 'Sydney', lat: -33.87, lon: 151.21 })).toBe(false);
  });

  it('a network of no known kind explains a use anywhere in a country it was seen in, and nowhere else', () => {
    const airtel = { asn: 24560, asn_org: 'Bharti Airtel Limited' };
    const h = history(24560, [{ country: 'IN', city: 'Haridwar', lat: 29.95, lon: 78.16 }]);
    expect(knownNetwork(h, { ...airtel, country: 'IN', city: 'Chennai', lat: 13.08, lon: 80.27 })).toBe(true);
    expect(knownNetwork(h, { ...airtel, country: 'AU', city: 'Sydney', lat: -33.87, lon: 151.21 })).toBe(false);
  });
});

describe('new_location: one session on two lines', () => {
  it('counts the switches between the two networks only', () => {
    expect(switches([1, 2, 1, 2, 1], 1, 2)).toBe(4);
    expect(switches([1, 1, 3, 2, 2, 3, 1], 1, 2)).toBe(2);
    expect(switches([3, 3], 1, 2)).toBe(0);
  });
  it('takes two ASNs of one organisation (a dual-stack line) as one, and unnamed networks by number', () => {
    expect(organisation({ asn: 3215, asn_org: 'Orange' })).toBe(organisation({ asn: 5511, asn_org: 'Orange S.A.' }));
    expect(organisation({ asn: 7922, asn_org: '' })).not.toBe(organisation({ asn: 20115, asn_org: '' }));
    expect(organisation({ asn: 16509, asn_org: 'AMAZON-02' })).toBe(organisation({ asn: 14618, asn_org: 'AMAZON-AES' }));
    expect(organisation({ asn: 16509, asn_org: '' })).toBe(organisation({ asn: 14618, asn_org: 'Amazon.com, Inc.' }));
  });
});

/**
 * Where simulated requests come from: real ASNs with real address blocks per city
 * (network-table.ts), and the endpoints (IP plus what a gateway's GeoIP would say about it)
 * drawn from them.
 */
import { CITIES, CITY_BY_KEY, type City } from './cities.js';
import { ASN_INFO, NETWORKS } from './network-table.js';
import type { Rng } from './prng.js';

/** residential broadband, mobile carrier, business line (offices), cloud/hosting, VPN exit. */
export type NetworkKind = 'residential' | 'mobile' | 'business' | 'hosting' | 'vpn';

export interface Block {
  prefix: string;
  v6: boolean;
  /** What the MMDB says about the block; the gateway sends the same. */
  city: string;
  lat: number;
  lon: number;
}

export interface Network {
  asn: number;
  name: string;
  kind: NetworkKind;
  /** The table city the blocks are in (or near). */
  site: City;
  v4: Block[];
  v6: Block[];
}

/** One place a request comes from: an address and its location, as the gateway reports it. */
export interface Endpoint {
  ip: string;
  asn: number;
  kind: NetworkKind;
  country: string;
  city: string;
  lat: number;
  lon: number;
  site: City;
}

function expandV6Prefix(prefix: string): string[] {
  const [head = '', tail = ''] = prefix.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  return [...h, ...Array<string>(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t];
}

export class NetworkIndex {
  readonly all: Network[];
  /** Mobile networks whose ASN has blocks in more than one city of the country. */
  readonly multiCityCarriers: Network[];
  private readonly bySite = new Map<string, Network[]>();

  constructor() {
    this.all = NETWORKS.map(([cityKey, asn, blocks]) => {
      const site = CITY_BY_KEY.get(cityKey);
      const info = ASN_INFO[asn];
      if (!site || !info) throw new Error(`network table: unknown city ${cityKey} or ASN ${asn}`);
      const parsed = blocks.map(([prefix, city, lat, lon]) => ({ prefix, v6: prefix.includes(':'), city, lat, lon }));
      return { asn, name: info.name, kind: info.kind, site, v4: parsed.filter((b) => !b.v6), v6: parsed.filter((b) => b.v6) };
    });
    for (const n of this.all) {
      const key = `${n.site.key}|${n.kind}`;
      const list = this.bySite.get(key) ?? [];
      list.push(n);
      this.bySite.set(key, list);
    }
    this.multiCityCarriers = this.all.filter((n) => n.kind === 'mobile' && n.v4.length > 0 && this.sameAsnInCountry(n).length >= 2);
  }

  /** Networks of a kind in a city (IPv4 blocks present). */
  at(city: City, kind: NetworkKind): Network[] {
    return (this.bySite.get(`${city.key}|${kind}`) ?? []).filter((n) => n.v4.length > 0);
  }

  /** Cities that have networks of every listed kind. */
  citiesWith(...kinds: NetworkKind[]): City[] {
    return CITIES.filter((city) => kinds.every((kind) => this.at(city, kind).length > 0));
  }

  /** The same ASN's networks in other cities of the same country (a mobile carrier's footprint). */
  sameAsnInCountry(network: Network): Network[] {
    return this.all.filter((n) => n.asn === network.asn && n.site.country === network.site.country && n.v4.length > 0);
  }

  /** A random address in one of the network's blocks; IPv6 when asked and available. */
  endpoint(rng: Rng, network: Network, preferV6 = false): Endpoint {
    const block = preferV6 && network.v6.length > 0 ? rng.pick(network.v6) : rng.pick(network.v4);
    return this.endpointIn(rng, network, block);
  }

  endpointIn(rng: Rng, network: Network, block: Block): Endpoint {
    let ip: string;
    if (block.v6) {
      // A /64 of the block's first /56 (the part the table builder checked), a random interface id.
      const groups = expandV6Prefix(block.prefix).slice(0, 3);
      groups.push(rng.int(0, 0xff).toString(16));
      for (let i = 0; i < 4; i++) groups.push(rng.int(1, 0xffff).toString(16));
      ip = groups.join(':');
    } else {
      ip = block.prefix.replace(/\.0$/, `.${rng.int(2, 254)}`);
    }
    return { ip, asn: network.asn, kind: network.kind, country: network.site.country, city: block.city, lat: block.lat, lon: block.lon, site: network.site };
  }
}

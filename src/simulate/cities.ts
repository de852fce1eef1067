/**
 * The places simulated traffic comes from: real cities with their country, coordinates and
 * IANA time zone, grouped by continent so attacks can pick "another continent" on purpose.
 */

export type Continent = 'NA' | 'SA' | 'EU' | 'AS' | 'AF' | 'OC';

export interface City {
  /** Short stable key, used by the network table. */
  key: string;
  name: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
  continent: Continent;
  lat: number;
  lon: number;
  tz: string;
}

const c = (key: string, name: string, country: string, continent: Continent, lat: number, lon: number, tz: string): City => ({
  key,
  name,
  country,
  continent,
  lat,
  lon,
  tz,
});

export const CITIES: readonly City[] = [
  c('nyc', 'New York', 'US', 'NA', 40.7128, -74.006, 'America/New_York'),
  c('lax', 'Los Angeles', 'US', 'NA', 34.0522, -118.2437, 'America/Los_Angeles'),
  c('chi', 'Chicago', 'US', 'NA', 41.8781, -87.6298, 'America/Chicago'),
  c('sfo', 'San Francisco', 'US', 'NA', 37.7749, -122.4194, 'America/Los_Angeles'),
  c('sea', 'Seattle', 'US', 'NA', 47.6062, -122.3321, 'America/Los_Angeles'),
  c('dfw', 'Dallas', 'US', 'NA', 32.7767, -96.797, 'America/Chicago'),
  c('mia', 'Miami', 'US', 'NA', 25.7617, -80.1918, 'America/New_York'),
  c('bos', 'Boston', 'US', 'NA', 42.3601, -71.0589, 'America/New_York'),
  c('den', 'Denver', 'US', 'NA', 39.7392, -104.9903, 'America/Denver'),
  c('atl', 'Atlanta', 'US', 'NA', 33.749, -84.388, 'America/New_York'),
  c('iad', 'Ashburn', 'US', 'NA', 39.0438, -77.4874, 'America/New_York'),
  c('yyz', 'Toronto', 'CA', 'NA', 43.6532, -79.3832, 'America/Toronto'),
  c('yvr', 'Vancouver', 'CA', 'NA', 49.2827, -123.1207, 'America/Vancouver'),
  c('yul', 'Montreal', 'CA', 'NA', 45.5017, -73.5673, 'America/Toronto'),
  c('mex', 'Mexico City', 'MX', 'NA', 19.4326, -99.1332, 'America/Mexico_City'),
  c('gru', 'Sao Paulo', 'BR', 'SA', -23.5505, -46.6333, 'America/Sao_Paulo'),
  c('gig', 'Rio de Janeiro', 'BR', 'SA', -22.9068, -43.1729, 'America/Sao_Paulo'),
  c('eze', 'Buenos Aires', 'AR', 'SA', -34.6037, -58.3816, 'America/Argentina/Buenos_Aires'),
  c('scl', 'Santiago', 'CL', 'SA', -33.4489, -70.6693, 'America/Santiago'),
  c('bog', 'Bogota', 'CO', 'SA', 4.711, -74.0721, 'America/Bogota'),
  c('lon', 'London', 'GB', 'EU', 51.5074, -0.1278, 'Europe/London'),
  c('man', 'Manchester', 'GB', 'EU', 53.4808, -2.2426, 'Europe/London'),
  c('dub', 'Dublin', 'IE', 'EU', 53.3498, -6.2603, 'Europe/Dublin'),
  c('par', 'Paris', 'FR', 'EU', 48.8566, 2.3522, 'Europe/Paris'),
  c('lys', 'Lyon', 'FR', 'EU', 45.764, 4.8357, 'Europe/Paris'),
  c('ber', 'Berlin', 'DE', 'EU', 52.52, 13.405, 'Europe/Berlin'),
  c('muc', 'Munich', 'DE', 'EU', 48.1351, 11.582, 'Europe/Berlin'),
  c('fra', 'Frankfurt', 'DE', 'EU', 50.1109, 8.6821, 'Europe/Berlin'),
  c('ham', 'Hamburg', 'DE', 'EU', 53.5511, 9.9937, 'Europe/Berlin'),
  c('ams', 'Amsterdam', 'NL', 'EU', 52.3676, 4.9041, 'Europe/Amsterdam'),
  c('mad', 'Madrid', 'ES', 'EU', 40.4168, -3.7038, 'Europe/Madrid'),
  c('bcn', 'Barcelona', 'ES', 'EU', 41.3874, 2.1686, 'Europe/Madrid'),
  c('mil', 'Milan', 'IT', 'EU', 45.4642, 9.19, 'Europe/Rome'),
  c('rom', 'Rome', 'IT', 'EU', 41.9028, 12.4964, 'Europe/Rome'),
  c('zrh', 'Zurich', 'CH', 'EU', 47.3769, 8.5417, 'Europe/Zurich'),
  c('sto', 'Stockholm', 'SE', 'EU', 59.3293, 18.0686, 'Europe/Stockholm'),
  c('waw', 'Warsaw', 'PL', 'EU', 52.2297, 21.0122, 'Europe/Warsaw'),
  c('kbp', 'Kyiv', 'UA', 'EU', 50.4501, 30.5234, 'Europe/Kyiv'),
  c('mow', 'Moscow', 'RU', 'EU', 55.7558, 37.6173, 'Europe/Moscow'),
  c('ist', 'Istanbul', 'TR', 'EU', 41.0082, 28.9784, 'Europe/Istanbul'),
  c('dxb', 'Dubai', 'AE', 'AS', 25.2048, 55.2708, 'Asia/Dubai'),
  c('bom', 'Mumbai', 'IN', 'AS', 19.076, 72.8777, 'Asia/Kolkata'),
  c('blr', 'Bangalore', 'IN', 'AS', 12.9716, 77.5946, 'Asia/Kolkata'),
  c('del', 'Delhi', 'IN', 'AS', 28.7041, 77.1025, 'Asia/Kolkata'),
  c('sin', 'Singapore', 'SG', 'AS', 1.3521, 103.8198, 'Asia/Singapore'),
  c('hkg', 'Hong Kong', 'HK', 'AS', 22.3193, 114.1694, 'Asia/Hong_Kong'),
  c('tyo', 'Tokyo', 'JP', 'AS', 35.6762, 139.6503, 'Asia/Tokyo'),
  c('osa', 'Osaka', 'JP', 'AS', 34.6937, 135.5023, 'Asia/Tokyo'),
  c('sel', 'Seoul', 'KR', 'AS', 37.5665, 126.978, 'Asia/Seoul'),
  c('sgn', 'Ho Chi Minh City', 'VN', 'AS', 10.8231, 106.6297, 'Asia/Ho_Chi_Minh'),
  c('jkt', 'Jakarta', 'ID', 'AS', -6.2088, 106.8456, 'Asia/Jakarta'),
  c('syd', 'Sydney', 'AU', 'OC', -33.8688, 151.2093, 'Australia/Sydney'),
  c('mel', 'Melbourne', 'AU', 'OC', -37.8136, 144.9631, 'Australia/Melbourne'),
  c('akl', 'Auckland', 'NZ', 'OC', -36.8485, 174.7633, 'Pacific/Auckland'),
  c('jnb', 'Johannesburg', 'ZA', 'AF', -26.2041, 28.0473, 'Africa/Johannesburg'),
  c('cpt', 'Cape Town', 'ZA', 'AF', -33.9249, 18.4241, 'Africa/Johannesburg'),
  c('los', 'Lagos', 'NG', 'AF', 6.5244, 3.3792, 'Africa/Lagos'),
  c('cai', 'Cairo', 'EG', 'AF', 30.0444, 31.2357, 'Africa/Cairo'),
  c('nbo', 'Nairobi', 'KE', 'AF', -1.2921, 36.8219, 'Africa/Nairobi'),
];

export const CITY_BY_KEY: ReadonlyMap<string, City> = new Map(CITIES.map((city) => [city.key, city]));

const EARTH_RADIUS_KM = 6371;

/** Great-circle distance in kilometres. */
export function distanceKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(a)));
}

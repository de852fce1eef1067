/**
 * The ingest fast path (fastParseEvent) is only a shortcut for the zod schema: for every
 * input it accepts, the schema accepts it too and returns the same value; whatever it
 * declines, the schema decides. Checked on valid events and on many mutations of them
 * at and around every limit.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createEventParser, describeIssues, fastParseEvent, usageEventSchema, type EventLimits } from '../../src/ingest/event-schema.js';
import { Rng } from '../../src/simulate/prng.js';

const limits: EventLimits = { maxStringLength: 64, maxFutureSkewMs: 300_000, maxAgeMs: 30 * 86_400_000 };
const NOW = Date.UTC(2026, 5, 15, 12, 0, 0);
const schema = usageEventSchema(limits);

beforeAll(() => {
  vi.useFakeTimers();
  vi.setSystemTime(NOW);
});
afterAll(() => vi.useRealTimers());

const base = (): Record<string, unknown> => ({
  event_id: 'e-1',
  ts: new Date(NOW - 60_000).toISOString(),
  token: 'tok-abc',
  token_type: 'access_token',
  app_id: 'app',
  client_id: 'c',
  user_id: 'u',
  ip: '198.51.100.7',
  country: 'de',
  city: 'Berlin',
  lat: 52.5,
  lon: 13.4,
  asn: 'AS3320',
  user_agent: 'curl/8',
  method: 'get',
  host: 'api.example',
  path: '/v1/x',
  status: 200,
  latency_ms: 12.5,
  bytes: 512,
  gateway: 'kong',
  scopes: 'read write',
});

const long = (n: number) => 'x'.repeat(n);
const hex64 = 'ab'.repeat(32);
/** Values around every limit and of every wrong type, per field. */
const VARIANTS: Record<string, unknown[]> = {
  event_id: [undefined, null, '', 'a', long(256), long(257), 5, ['x'], 'é\u0000"\\', '\ud800'],
  ts: [
    undefined, null, true, '', 'yesterday', NOW, NOW + 0.7, NOW - 0.7, NOW + 300_000, NOW + 300_001, NOW - 30 * 86_400_000, NOW - 30 * 86_400_000 - 1,
    String(NOW), String(NOW).slice(0, 10), '1' + String(NOW), '12345678901234567', Number.NaN, Number.POSITIVE_INFINITY, -Number.MAX_VALUE,
    new Date(NOW).toISOString(), '2026-06-15T12:00:00', '2026-06-15 11:59:00', '2026-06-15T11:59:00.123456789Z', '2026-06-15T13:59:00+02:00',
    '2026-06-15T13:59:00+0200', '2026-06-15t11:59:00z', '2026-06-15T11:59', '2026-13-15T11:59:00Z', '2026-06-15T11:59:00.Z', '2026-06-15',
    { $date: NOW }, [NOW],
  ],
  token: [undefined, null, '', 't', long(256), long(257), 1, ['t']],
  token_fingerprint: [undefined, null, hex64, hex64.toUpperCase(), hex64.slice(1), hex64 + 'a', 'g'.repeat(64), 42],
  token_type: [undefined, null, 'access_token', 'refresh_token', 'api_key', 'personal_access_token', 'cookie', 'ACCESS_TOKEN', 1],
  app_id: [undefined, null, '', long(64), long(65), 1, {}, '\ud83d\ude00'.repeat(32), '\ud83d\ude00'.repeat(33)],
  client_id: [undefined, null, long(64), long(65), 2],
  user_id: [undefined, null, long(64), long(65), false],
  ip: [undefined, null, '', '1.2.3.4', '999.1.1.1', '::1', '2001:db8::1', '::ffff:1.2.3.4', 'fe80::1%eth0', '01.2.3.4', ' 1.2.3.4', 1234, ['1.2.3.4']],
  country: [undefined, null, 'de', 'DE', 'dE', 'Germany', 'D', 'DEU', '1a', '', 12],
  city: [undefined, null, '', long(64), long(65), 7],
  lat: [undefined, null, 0, -0, 90, -90, 90.0000001, -90.1, 45.123456789, '45', Number.NaN, Number.POSITIVE_INFINITY],
  lon: [undefined, null, 180, -180, 180.5, -181, 0.5, '0', Number.NEGATIVE_INFINITY],
  asn: [
    undefined, null, 0, 1, 3320, 4_294_967_295, 4_294_967_296, -1, 1.5, 'AS3320', 'as3320', 'aS1', '3320', 'AS', 'ASX', 'AS4294967295',
    'AS4294967296', 'AS12345678901', '9999999999', ' AS1', Number.NaN, Number.POSITIVE_INFINITY, true,
  ],
  user_agent: [undefined, null, long(64), long(65), 1],
  method: [undefined, null, '', 'get', 'POST', long(16), long(17), 1],
  host: [undefined, null, long(64), long(65), 1],
  path: [undefined, null, '', long(64), long(65), ['/']],
  status: [undefined, null, 100, 599, 99, 600, 200.5, '200', 'ok', Number.NaN, 2 ** 53],
  latency_ms: [undefined, null, 0, -0, 0.001, 86_400_000, 86_400_000.1, -1, '1', Number.POSITIVE_INFINITY],
  bytes: [undefined, null, 0, -0, 1, 1.5, -1, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 1, 2 ** 60, '1'],
  gateway: [undefined, null, long(64), long(65), 1],
  scopes: [
    undefined, null, '', 'a', 'read write', ' read,, write  ,admin ', ',', long(64), long(65), [], ['a', 'b'], [''], [long(256)], [long(257)],
    Array.from({ length: 256 }, (_, i) => `s${i}`), Array.from({ length: 257 }, (_, i) => `s${i}`), ['a', 1], [null], 5, { a: 1 },
  ],
  unknown_field: [undefined, 'ignored', { nested: true }],
};

function withField(event: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const copy = { ...event };
  if (value === undefined) delete copy[key];
  else copy[key] = value;
  return copy;
}

/** The fast path either declines or agrees with the schema exactly. */
function check(input: unknown): 'fast' | 'declined' {
  const fast = fastParseEvent(input, limits, Date.now());
  const slow = schema.safeParse(input);
  if (fast === undefined) return 'declined';
  if (!slow.success) throw new Error(`fast path accepted what the schema rejects (${describeIssues(slow.error)}): ${JSON.stringify(input)}`);
  expect(fast).toStrictEqual(slow.data);
  return 'fast';
}

describe('fastParseEvent', () => {
  it('returns what the schema returns for valid events, and takes them all', () => {
    const events = [
      base(),
      { token_fingerprint: hex64, ip: '2001:db8::1' },
      { token: 't', ip: '1.1.1.1', ts: NOW - 1000, scopes: ['a'] },
      { ...base(), token: undefined, token_fingerprint: hex64 },
      { ...base(), ts: String(NOW), asn: 7922, country: 'US' },
    ].map((e) => JSON.parse(JSON.stringify(e)));
    for (const event of events) expect(check(event)).toBe('fast');
  });

  it('agrees with the schema on every single-field variant at and around the limits', () => {
    let fast = 0;
    let declined = 0;
    for (const [key, values] of Object.entries(VARIANTS)) {
      for (const value of values) {
        for (const start of [base(), withField(withField(base(), 'token', undefined), 'token_fingerprint', hex64)]) {
          if (check(withField(start, key, value)) === 'fast') fast++;
          else declined++;
        }
      }
    }
    expect(fast).toBeGreaterThan(100);
    expect(declined).toBeGreaterThan(100);
  });

  it('agrees with the schema on random combinations of variants', () => {
    const rng = new Rng(20260615);
    const r = () => rng.next();
    const keys = Object.keys(VARIANTS);
    let fast = 0;
    for (let n = 0; n < 8_000; n++) {
      let event = base();
      const changes = 1 + Math.floor(r() * 4);
      for (let c = 0; c < changes; c++) {
        const key = keys[Math.floor(r() * keys.length)]!;
        const values = VARIANTS[key]!;
        event = withField(event, key, values[Math.floor(r() * values.length)]);
      }
      if (check(event) === 'fast') fast++;
    }
    expect(fast).toBeGreaterThan(1000);
  });

  it('declines anything that is not an event object', () => {
    for (const input of [undefined, null, 1, 'x', true, [], [base()]]) expect(check(input)).toBe('declined');
  });
});

describe('createEventParser', () => {
  const parse = createEventParser(limits);

  it('gives the schema’s verdict, data and error messages', () => {
    const rng = new Rng(7);
    const r = () => rng.next();
    const keys = Object.keys(VARIANTS);
    for (let n = 0; n < 3000; n++) {
      let event = base();
      for (let c = 0; c < 2; c++) {
        const key = keys[Math.floor(r() * keys.length)]!;
        const values = VARIANTS[key]!;
        event = withField(event, key, values[Math.floor(r() * values.length)]);
      }
      const got = parse(event);
      const want = schema.safeParse(event);
      expect(got.success).toBe(want.success);
      if (got.success && want.success) expect(got.data).toStrictEqual(want.data);
      if (!got.success && !want.success) expect(describeIssues(got.error)).toBe(describeIssues(want.error));
    }
  });
});

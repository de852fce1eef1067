/** The gateway mappers as pure functions: the details that bite, one by one. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mapApisix, splitApisix } from '../../src/ingest/gateways/apisix.js';
import { addressIp, splitConcatenated } from '../../src/ingest/gateways/common.js';
import { mapEnvoy } from '../../src/ingest/gateways/envoy.js';
import { mapKong } from '../../src/ingest/gateways/kong.js';
import { gatewaysSchema } from '../../src/config.js';
import { mapTyk } from '../../src/ingest/gateways/tyk.js';

const defaults = gatewaysSchema.parse({});
const fixture = (path: string) => readFileSync(join(import.meta.dirname, '..', 'fixtures', path), 'utf8');

describe('gateway mappers', () => {
  it('Envoy: a custom typed_json_format read through the key map', () => {
    const settings = gatewaysSchema.parse({
      envoy: {
        keys: {
          start_time: 'ts', method: 'verb', path: 'uri', status: 'code', duration: 'took_ms', bytes_sent: 'out_bytes',
          downstream_remote_address: 'client', x_forwarded_for: 'xff', user_agent: 'ua', request_id: 'rid', authority: 'host',
          authorization: 'auth', app_id: 'app', user_id: 'sub',
        },
      },
    }).envoy;
    const [record] = JSON.parse(fixture('envoy/custom-keys.json')) as unknown[];
    expect(mapEnvoy(record, settings)).toEqual({
      ok: true,
      value: {
        token: { raw: 'envoy-typed-bearer-Jc4Vn9', type: 'access_token' },
        requestId: undefined,
        event: {
          ts: '2024-12-07T09:21:00.000Z', ip: '192.0.2.77', method: 'PUT', path: '/carts/9', host: 'carts.example', user_agent: 'cart-svc/0.9',
          status: 204, latency_ms: 7, bytes: 0, app_id: 'cart-svc', user_id: 'user-4711', gateway: 'envoy',
        },
      },
    });
    // The default keys do not find this format's token.
    expect(mapEnvoy(record, defaults.envoy)).toMatchObject({ ok: false, error: expect.stringContaining('no token') });
  });

  it('Envoy: the client from downstream_remote_address when X-Forwarded-For is not trusted', () => {
    const [line] = fixture('envoy/istio.ndjson').split('\n');
    const untrusting = gatewaysSchema.parse({ envoy: { trust_x_forwarded_for: false } }).envoy;
    expect(mapEnvoy(JSON.parse(line!), untrusting)).toMatchObject({ ok: true, value: { event: { ip: '10.0.0.4' } } });
    expect(addressIp('[2001:db8::1]:443')).toBe('2001:db8::1');
    expect(addressIp('unix:/var/run/sock')).toBeUndefined();
  });

  it('Kong: token sources follow the configured order; a record without any is rejected', () => {
    const record = JSON.parse(fixture('kong/single.json')) as Record<string, unknown>;
    const credentialFirst = gatewaysSchema.parse({ kong: { token_sources: ['credential', 'apikey_header'] } }).kong;
    expect(mapKong(record, credentialFirst)).toMatchObject({ ok: true, value: { token: { ref: 'credential:c2f5a8e1-7b3d-4f6a-9e2c-1d8b4a6f0e37' } } });
    const onlyQuery = gatewaysSchema.parse({ kong: { token_sources: ['apikey_query'] } }).kong;
    expect(mapKong(record, onlyQuery)).toEqual({ ok: false, error: 'no token: none of apikey_query is in the record' });
    expect(mapKong({ ...record, started_at: 'yesterday' }, defaults.kong)).toMatchObject({ ok: false, error: expect.stringContaining('started_at') });
  });

  it("Kong: the schema-free fast path and the schema map every fixture record alike", () => {
    const records = [JSON.parse(fixture('kong/single.json')), ...(JSON.parse(fixture('kong/batch.json')) as unknown[])] as Record<string, unknown>[];
    for (const record of records) {
      // A numeric consumer_id (which the schema turns into a string, and the mapper reads
      // only without consumer.id) sends the record down the schema's path.
      const viaSchema = { ...record, authenticated_entity: { ...(record.authenticated_entity as object), consumer_id: 42 } };
      const fast = mapKong(record, defaults.kong);
      expect(fast.ok).toBe(true);
      expect(mapKong(viaSchema, defaults.kong)).toEqual(fast);
    }
  });

  it('APISIX: the clickhouse-logger body splits into its objects; junk between them is rejected by index', () => {
    const split = splitApisix('INSERT INTO t FORMAT JSONEachRow {"a":"x}"} oops {"b":{"c":1}}');
    expect(split.items).toEqual([{ a: 'x}' }, undefined, { b: { c: 1 } }]);
    expect(split.rejected).toEqual([{ index: 1, error: 'record is not valid JSON' }]);
    expect(splitConcatenated('{"a":1} {"b":').rejected).toEqual([{ index: 1, error: 'record is not valid JSON' }]);
  });

  it('APISIX: a repeated header is an array; the first value counts', () => {
    const [record] = JSON.parse(fixture('apisix/array.json')) as Record<string, { headers: Record<string, unknown> }>[];
    record!.request!.headers.authorization = ['Bearer first-of-two', 'Bearer second'];
    expect(mapApisix(record, defaults.apisix)).toMatchObject({ ok: true, value: { token: { raw: 'first-of-two' } } });
  });

  it("Tyk: raw_request base64, decoded by Pump (raw_request_decoded), or on one line (stdout pump clean_json)", () => {
    const [record] = JSON.parse(fixture('tyk/pump.json')) as Record<string, unknown>[];
    const head = 'GET /payments/v1/charges HTTP/1.1\r\nHost: pay.tyk.example\r\nAuthorization: Bearer tyk-decoded-bearer-1\r\nAccept: */*\r\n\r\n{"authorization: not-this": 1}';
    const forms = {
      base64: Buffer.from(head).toString('base64'),
      decoded: head,
      clean: 'GET /payments/v1/charges HTTP/1.1 Host: pay.tyk.example Authorization: Bearer tyk-decoded-bearer-1 Accept: */*',
    };
    for (const raw_request of Object.values(forms)) {
      expect(mapTyk({ ...record, raw_request }, defaults.tyk)).toMatchObject({ ok: true, value: { token: { raw: 'tyk-decoded-bearer-1', type: 'access_token' } } });
    }
    const bareKey = 'GET / HTTP/1.1\r\nAuthorization: 5e9d9544a1dcd60001d0ed20deadbeef\r\n\r\n';
    expect(mapTyk({ ...record, raw_request: bareKey }, defaults.tyk)).toMatchObject({ ok: true, value: { token: { raw: '5e9d9544a1dcd60001d0ed20deadbeef', type: 'api_key' } } });
    // Basic credentials are not a token: api_key (the hash) names it.
    const basic = 'GET / HTTP/1.1\r\nAuthorization: Basic dXNlcjpwYXNz\r\n\r\n';
    expect(mapTyk({ ...record, raw_request: basic }, defaults.tyk)).toMatchObject({ ok: true, value: { token: { ref: 'key:5f3a9c1e7b2d4a68' } } });
  });

  it("Tyk: api_key_is decides whether api_key is a reference; the raw key is never a reference", () => {
    const [hashed] = JSON.parse(fixture('tyk/pump.json')) as Record<string, unknown>[];
    expect(mapTyk(hashed, defaults.tyk)).toMatchObject({ ok: true, value: { token: { ref: 'key:5f3a9c1e7b2d4a68' } } });
    const plain = { ...hashed, api_key: '5e9d9544a1dcd60001d0ed20a3f4c1b2e7d84f61b0c9e2a5' };
    expect(mapTyk(plain, defaults.tyk)).toMatchObject({ ok: true, value: { token: { raw: plain.api_key, type: 'api_key' } } });
    const forced = gatewaysSchema.parse({ tyk: { api_key_is: 'key' } }).tyk;
    expect(mapTyk(hashed, forced)).toMatchObject({ ok: true, value: { token: { raw: '5f3a9c1e7b2d4a68' } } });
    expect(mapTyk({ ...hashed, timestamp: undefined }, defaults.tyk)).toMatchObject({ ok: false, error: expect.stringContaining('timestamp') });
  });
});

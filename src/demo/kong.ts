/**
 * The demo's Kong: records shaped like Kong 3.x `kong.log.serialize()` (as the http-log
 * plugin sends them), so every demo run exercises POST /v1/ingest/kong end to end.
 */
import { randomBytes } from 'node:crypto';

const MINUTE = 60_000;

export interface KongRecordsOptions {
  now: number;
  /** How many requests, spread over the last hour. */
  count: number;
}

/** A partner integration calling through Kong with a key-auth apikey header, and a consumer known only by its credential. */
export function kongRecords({ now, count }: KongRecordsOptions): Record<string, unknown>[] {
  const partnerKey = `demo-kong-partner-${randomBytes(8).toString('hex')}`;
  return Array.from({ length: count }, (_, i) => {
    const byCredential = i % 4 === 3;
    const started = now - 60 * MINUTE + Math.floor((i * 60 * MINUTE) / count);
    const path = i % 3 === 0 ? '/v1/orders' : `/v1/orders/${1000 + i}`;
    return {
      request: {
        id: randomBytes(16).toString('hex'),
        uri: path,
        url: `https://api.demo.example:443${path}`,
        querystring: {},
        method: i % 3 === 0 ? 'POST' : 'GET',
        headers: {
          host: 'api.demo.example',
          'user-agent': byCredential ? 'warehouse-sync/2.0' : 'partner-portal/1.4',
          authorization: 'REDACTED',
          ...(byCredential ? {} : { apikey: partnerKey }),
        },
        size: 220,
      },
      upstream_uri: path,
      upstream_status: '200',
      response: { status: i % 10 === 9 ? 404 : 200, headers: { 'content-type': 'application/json' }, size: 640 + i },
      latencies: { kong: 2, proxy: 30 + (i % 7), request: 33 + (i % 7), receive: 0 },
      authenticated_entity: { id: byCredential ? '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f' : '0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d' },
      consumer: byCredential
        ? { id: '2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e', username: 'warehouse-sync', custom_id: 'warehouse' }
        : { id: '7e6d5c4b-3a29-4180-9f7e-6d5c4b3a2918', username: 'partner-portal', custom_id: 'partner-portal' },
      client_ip: byCredential ? '81.2.69.160' : '91.64.1.20',
      started_at: started,
      source: 'upstream',
    };
  });
}

/**
 * POST /v1/ingest/{kong,apisix,envoy,tyk}: a gateway's own log payload, mapped to usage
 * events. Success is 200, because some loggers treat anything else as a failure and retry.
 */
import { z } from 'zod';
import type { App } from '../../http/app-type.js';
import { GATEWAY_NAMES, type Config, type GatewayName } from '../../config.js';
import type { Secrets } from '../../keys/secrets.js';
import type { Ingestor } from '../ingestor.js';
import { HttpError } from '../../http/errors.js';
import { ingestResponse } from '../routes.js';
import { BodyError, type Split } from './common.js';
import { gateways, ingestGatewayBatch } from './registry.js';

const HOW_IT_SENDS: Record<GatewayName, string> = {
  kong: 'Kong 3.x http-log records (kong.log.serialize()): one object, or an array when batched.',
  apisix:
    'APISIX 3.x http-logger records (a JSON array, one object, or objects separated by newlines) or the clickhouse-logger body ' +
    '`INSERT INTO <table> FORMAT JSONEachRow {..} {..}`.',
  envoy:
    'Envoy or Istio access-log lines shipped by a forwarder: JSON records (Istio keys, json_format, typed_json_format), ' +
    'NDJSON, or default-format text lines; Vector `message` and Fluent Bit `log` envelopes are unwrapped.',
  tyk: "Tyk analytics records as Tyk Pump emits them (snake_case JSON, the stdout pump's envelope) or in Go field names.",
};

/** What the native gateway routes use of the running parts. */
export interface GatewayRouteDeps {
  config: Config;
  ingestor: Ingestor;
  secrets: Pick<Secrets, 'pepper'>;
}

export async function gatewayRoutes(app: App, ctx: GatewayRouteDeps): Promise<void> {
  const { config, ingestor, secrets } = ctx;
  const all = gateways(config.gateways);

  // Gateways label their bodies loosely (clickhouse-logger says application/json for SQL):
  // every body is read as bytes and each gateway's splitter decides what it is.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  for (const name of GATEWAY_NAMES) {
    const gateway = all[name];
    app.post(
      `/v1/ingest/${name}`,
      {
        bodyLimit: config.server.body_limit_bytes,
        config: { roles: ['ingest'], gatewayKeyForms: true },
        schema: {
          summary: `Ingest ${name} logs`,
          description: `${HOW_IT_SENDS[name]} Valid records are stored, invalid ones are reported by index; all invalid: 400. Answers 200.`,
          tags: ['ingest'],
          response: { 200: ingestResponse.extend({ gateway: z.literal(name) }) },
        },
      },
      async (request, reply) => {
        const body = request.body as Buffer | undefined;
        const text = body?.toString('utf8') ?? '';
        if (text.trim() === '') throw new HttpError(400, 'empty_body', `the body is empty: send ${name} log records`);
        let split: Split;
        try {
          split = gateway.split(text, config.server.max_events_per_request);
        } catch (error) {
          if (error instanceof BodyError) throw new HttpError(400, 'invalid_json', error.message);
          throw error;
        }
        if (split.items.length === 0) {
          // `[]` or a clickhouse-logger INSERT with no row: say so, as /v1/events does, rather than an empty details list.
          throw new HttpError(400, 'empty_batch', `the body holds no ${name} log records: send at least one`, [{ field: 'body', error: 'no records' }]);
        }
        const result = await ingestGatewayBatch(ingestor, secrets.pepper, name, gateway, split, request.keyId);
        if (result.rejected.length > 0) {
          // The gateway does not read the answer: the log is where an operator sees what was refused.
          request.log.warn({ gateway: name, rejected: result.rejected.length, first: result.rejected.slice(0, 3) }, 'gateway records rejected');
        }
        return reply.code(200).send({ ...result, gateway: name });
      },
    );
  }
}

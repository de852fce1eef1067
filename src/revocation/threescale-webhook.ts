/**
 * POST /v1/webhooks/3scale[/:secret]: 3scale's webhook (XML, or form-encoded params[xml]).
 * Rules in the config decide what an event triggers; the classic one rotates single-use
 * personal access tokens: on "application created", revoke the token in the
 * application's `token_value` custom field through a threescale_pat target. Redeliveries
 * are idempotent (one revocation per token and target); the token is never logged.
 */
import { timingSafeEqual } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import { z } from 'zod';
import type { App } from '../http/app-type.js';
import type { Config } from '../config.js';
import { HttpError } from '../http/errors.js';
import { fingerprint } from '../ingest/fingerprint.js';
import { sha256 } from '../keys/keyring.js';
import type { Secrets } from '../keys/secrets.js';
import type { Revocations } from './index.js';
import { presentRevocation } from './present.js';

const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: true, processEntities: false });

interface ThreescaleEvent {
  on: string;
  object: Record<string, unknown>;
  objectType: string;
}

/** Reads `<event><type>application</type><action>created</action><object><application>…`. */
export function parseThreescaleEvent(xml: string): ThreescaleEvent {
  let doc: unknown;
  try {
    doc = parser.parse(xml, true);
  } catch (error) {
    // The parser's message may quote the document (app keys ride in it): only the place.
    const line = (error as { line?: unknown }).line;
    throw new HttpError(400, 'invalid_xml', `the body is not well-formed XML${typeof line === 'number' ? ` (line ${line})` : ''}`);
  }
  const event = (doc as { event?: Record<string, unknown> }).event;
  if (!event || typeof event !== 'object') throw new HttpError(400, 'invalid_xml', 'expected a 3scale <event> document');
  const type = typeof event.type === 'string' ? event.type : '';
  const action = typeof event.action === 'string' ? event.action : '';
  if (!type || !action) throw new HttpError(400, 'invalid_xml', 'the <event> needs <type> and <action>');
  const objectWrapper = (event.object ?? {}) as Record<string, unknown>;
  const inner = objectWrapper[type];
  return { on: `${type}.${action}`, objectType: type, object: inner && typeof inner === 'object' ? (inner as Record<string, unknown>) : {} };
}

/** A field of the object, or of its `extra_fields` (3scale custom fields). */
function field(object: Record<string, unknown>, name: string): string | undefined {
  const direct = object[name];
  if (typeof direct === 'string' && direct) return direct;
  const extra = object.extra_fields as Record<string, unknown> | undefined;
  const custom = extra?.[name];
  return typeof custom === 'string' && custom ? custom : undefined;
}

function secretMatches(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  return timingSafeEqual(sha256(given), sha256(expected));
}

/** What the 3scale webhook uses of the running parts. */
export interface ThreescaleWebhookDeps {
  config: Config;
  secrets: Pick<Secrets, 'pepper'>;
  revocations: Revocations;
}

export async function threescaleWebhookRoutes(app: App, ctx: ThreescaleWebhookDeps): Promise<void> {
  const rev = ctx.revocations;
  const hook = ctx.config.webhooks.threescale;
  app.addContentTypeParser(['application/xml', 'text/xml'], { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  const handler = async (secret: string | undefined, body: unknown, contentType: string | undefined, log: App['log']) => {
    if (!hook) throw new HttpError(404, 'not_found', 'the 3scale webhook is not configured (webhooks.threescale in the config)');
    if (!secretMatches(secret, hook.secret)) throw new HttpError(401, 'unauthorized', 'wrong or missing webhook secret');
    if (typeof body !== 'string' || body.length === 0) throw new HttpError(400, 'empty_body', 'send the 3scale event XML');
    let xml = body;
    if ((contentType ?? '').startsWith('application/x-www-form-urlencoded')) {
      const form = new URLSearchParams(body).get('params[xml]');
      if (!form) throw new HttpError(400, 'invalid_body', 'form-encoded webhooks carry the XML in params[xml]');
      xml = form;
    }
    const event = parseThreescaleEvent(xml);
    const rules = hook.rules.filter((r) => r.on === event.on);
    if (rules.length === 0) {
      log.info({ on: event.on }, '3scale webhook: no rule for this event');
      return { event: event.on, actions: [] };
    }
    const actions = [];
    for (const rule of rules) {
      const token = field(event.object, rule.field);
      if (!token) {
        log.warn({ on: event.on, field: rule.field }, '3scale webhook: the event lacks the rule’s field');
        actions.push({ rule: rule.on, field: rule.field, outcome: 'field_missing' });
        continue;
      }
      const target = rev.targets.resolve(rule.target);
      const fp = fingerprint(ctx.secrets.pepper, token);
      const [result] = await rev.requests.request([
        {
          token_fingerprint: fp,
          token,
          token_type: 'personal_access_token',
          app_id: field(event.object, 'id') ?? '',
          account_id: field(event.object, 'user_account_id') ?? '',
          target,
          source: 'webhook',
          actor: `3scale:${event.on}`,
          reason: `3scale ${event.on}: single-use token rotation (${rule.field})`,
        },
      ]);
      actions.push({ rule: rule.on, field: rule.field, outcome: result!.created ? 'revocation_requested' : 'already_requested', revocation: presentRevocation(result!.revocation) });
    }
    return { event: event.on, actions };
  };

  const schema = { summary: '3scale webhook (XML or params[xml]); the secret in the path or ?secret=', tags: ['webhooks'], hide: false };
  app.post('/v1/webhooks/3scale/:secret', { schema: { ...schema, params: z.object({ secret: z.string() }) } }, async (request) =>
    handler(request.params.secret, request.body, request.headers['content-type'], request.log),
  );
  app.post('/v1/webhooks/3scale', { schema: { ...schema, querystring: z.object({ secret: z.string().optional() }) } }, async (request) =>
    handler(request.query.secret, request.body, request.headers['content-type'], request.log),
  );
}

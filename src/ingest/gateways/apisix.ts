/**
 * APISIX 3.x: records from `log-util.lua` get_full_log, sent by
 * - `http-logger`: a JSON array (default), one object (`batch_max_size: 1`), or objects
 *   separated by newlines (`concat_method: new_line`);
 * - `clickhouse-logger`: `INSERT INTO <table> FORMAT JSONEachRow {..} {..}`.
 * APISIX logs request headers in full: a bearer token or apikey arrives raw and is
 * fingerprinted at once (the record itself is never stored). A request no route matched
 * has route_id "no-matched"; it is still a request and is kept.
 */
import { z } from 'zod';
import type { GatewaySettings } from '../../config.js';
import { bearer, fail, header, headerMap, hostOf, issues, num, numeric, pathOf, queryArg, splitConcatenated, splitJson, splitLines, type MapOutcome, type Split, type TokenFound } from './common.js';

export const apisixRecord = z.object({
  request: z.object({
    url: z.string().optional(),
    uri: z.string().optional(),
    method: z.string().optional(),
    headers: headerMap,
    querystring: z.record(z.string(), z.unknown()).optional(),
    size: numeric,
  }),
  response: z.object({ status: z.number().int(), size: numeric }).optional(),
  consumer: z.object({ username: z.string().optional(), group_id: z.string().optional() }).nullish(),
  route_id: z.string().optional(),
  client_ip: z.string(),
  start_time: z.number(),
  latency: z.number().optional(),
});

const INSERT = /^\s*INSERT\s+INTO\s+\S+\s+FORMAT\s+JSONEachRow\s*/i;

/** Which of APISIX's body forms this is, from its first bytes. */
export function splitApisix(text: string, max = Infinity): Split {
  const insert = INSERT.exec(text);
  if (insert) return splitConcatenated(text.slice(insert[0].length), max);
  const first = text.trimStart()[0];
  if (first === '[') return splitJson(text, max);
  // One object, or several separated by newlines: a lone object may itself span lines only
  // if pretty-printed, which APISIX never does.
  const lines = splitLines(text, /\n/, max);
  return lines;
}

function tokenOf(r: z.infer<typeof apisixRecord>, settings: GatewaySettings['apisix']): TokenFound | undefined {
  const headers = r.request.headers;
  for (const source of settings.token_sources) {
    if (source === 'bearer') {
      const t = bearer(header(headers, 'authorization'));
      if (t) return { raw: t, type: 'access_token' };
    } else if (source === 'apikey_header') {
      const t = header(headers, 'apikey') ?? header(headers, 'x-api-key');
      if (t) return { raw: t, type: 'api_key' };
    } else if (source === 'apikey_query') {
      const t = queryArg(r.request.querystring, 'apikey');
      if (t) return { raw: t, type: 'api_key' };
    } else if (source === 'consumer') {
      if (r.consumer?.username) return { ref: `consumer:${r.consumer.username}` };
    }
  }
  return undefined;
}

export function mapApisix(input: unknown, settings: GatewaySettings['apisix']): MapOutcome {
  const parsed = apisixRecord.safeParse(input);
  if (!parsed.success) return fail(issues(parsed.error));
  const r = parsed.data;
  const token = tokenOf(r, settings);
  if (!token) return fail(`no token: none of ${settings.token_sources.join(', ')} is in the record`);
  const headers = r.request.headers;
  return {
    ok: true,
    value: {
      token,
      requestHint: header(headers, 'x-request-id'),
      event: {
        ts: Math.trunc(r.start_time),
        ip: r.client_ip,
        method: r.request.method,
        path: pathOf(r.request.uri),
        host: hostOf(r.request.url) ?? header(headers, 'host'),
        user_agent: header(headers, 'user-agent'),
        status: r.response?.status,
        latency_ms: r.latency,
        bytes: num(r.response?.size),
        user_id: r.consumer?.username,
        app_id: r.consumer?.group_id,
        gateway: 'apisix',
      },
    },
  };
}

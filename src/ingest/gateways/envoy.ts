/**
 * Envoy and Istio access logs, shipped by a log forwarder (Vector, Fluent Bit):
 * - JSON records: Istio's JSON access-log keys (meshConfig accessLogEncoding: JSON), or any
 *   `json_format` / `typed_json_format` with a key map (`gateways.envoy.keys`). Unset
 *   values are "-" (json_format) or null (typed_json_format);
 * - text lines in Envoy's default format or Istio's default text format, with an optional
 *   last quoted field `"%REQ(AUTHORIZATION)%"` that carries the token.
 * A forwarder's envelope (`message`, `log`) is unwrapped. The token is the record's
 * `authorization` key (add `"authorization": "%REQ(AUTHORIZATION)%"` to the format).
 */
import { BlockList } from 'node:net';
import { z } from 'zod';
import type { GatewaySettings } from '../../config.js';
import { addressIp, bearer, fail, tooManyRecords, num, pathOf, present, splitJson, splitLines, unwrapLine, type MapOutcome, type Split, type TokenFound } from './common.js';

type EnvoySettings = GatewaySettings['envoy'];
type Field = keyof EnvoySettings['keys'];

/** Istio's default JSON keys, which are also the names this mapper reads text lines into. */
const DEFAULT_KEYS: Record<Field, string> = {
  start_time: 'start_time',
  method: 'method',
  path: 'path',
  status: 'response_code',
  duration: 'duration',
  bytes_sent: 'bytes_sent',
  x_forwarded_for: 'x_forwarded_for',
  downstream_remote_address: 'downstream_remote_address',
  user_agent: 'user_agent',
  request_id: 'request_id',
  authority: 'authority',
  authorization: 'authorization',
  app_id: 'app_id',
  user_id: 'user_id',
};

/** The record key (of a JSON record) that holds a field, with the configured key map. */
export function envoyKey(settings: EnvoySettings, field: Field): string {
  return settings.keys[field] ?? DEFAULT_KEYS[field];
}

const Q = '"([^"]*)"';
const W = '(\\S+)';
/** Envoy's default format (docs: access log usage, "Default format string"). */
const ENVOY_TEXT = new RegExp(`^\\[([^\\]]+)\\] "${W} ${W} ${W}" ${W} ${W} ${W} ${W} ${W} ${W} ${Q} ${Q} ${Q} ${Q} ${Q}(?: ${Q})?\\s*$`);
/** Istio's default text format (meshConfig accessLogFormat unset, accessLogEncoding TEXT). */
const ISTIO_TEXT = new RegExp(
  `^\\[([^\\]]+)\\] "${W} ${W} ${W}" ${W} ${W} ${W} ${W} ${Q} ${W} ${W} ${W} ${W} ${Q} ${Q} ${Q} ${Q} ${Q} ${W} ${W} ${W} ${W} ${W} ${W}(?: ${Q})?\\s*$`,
);

/** A text line as a record with Istio's JSON keys, or undefined when it is neither default format. */
export function parseEnvoyText(line: string): Record<string, string> | undefined {
  let m = ISTIO_TEXT.exec(line);
  if (m) {
    return {
      start_time: m[1]!, method: m[2]!, path: m[3]!, response_code: m[5]!, bytes_sent: m[11]!, duration: m[12]!,
      x_forwarded_for: m[14]!, user_agent: m[15]!, request_id: m[16]!, authority: m[17]!,
      downstream_remote_address: m[22]!, ...(m[25] !== undefined ? { authorization: m[25] } : {}),
    };
  }
  m = ENVOY_TEXT.exec(line);
  if (m) {
    return {
      start_time: m[1]!, method: m[2]!, path: m[3]!, response_code: m[5]!, bytes_sent: m[8]!, duration: m[9]!,
      x_forwarded_for: m[11]!, user_agent: m[12]!, request_id: m[13]!, authority: m[14]!,
      ...(m[16] !== undefined ? { authorization: m[16] } : {}),
    };
  }
  return undefined;
}

/** JSON (array or object), NDJSON, or plain text lines (which start with "[<start time>]"). */
export function splitEnvoy(text: string, max = Infinity): Split {
  const start = text.trimStart();
  if (/^\[\s*[{"\]]/.test(start)) return splitJson(text, max);
  if (start[0] === '{') return splitLines(text, /\n/, max);
  const items = text.split('\n').filter((l) => l.trim() !== '');
  if (items.length > max) throw tooManyRecords(max);
  return { items, rejected: [] };
}

const envoyRecord = z.record(z.string(), z.unknown());

/** Addresses of a private network: proxies and load balancers in front of Envoy. */
const INTERNAL = new BlockList();
for (const [net, bits] of [['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['127.0.0.0', 8], ['169.254.0.0', 16], ['100.64.0.0', 10]] as const) INTERNAL.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [['fc00::', 7], ['fe80::', 10], ['::1', 128]] as const) INTERNAL.addSubnet(net, bits, 'ipv6');
const internal = (ip: string) => INTERNAL.check(ip, ip.includes(':') ? 'ipv6' : 'ipv4');

/**
 * The client in an X-Forwarded-For chain: the rightmost address that is not a private
 * network's (each proxy appends the address it saw, so everything left of the first public
 * hop from the right is whatever the client sent). All private: the leftmost. The first
 * address, as read before, was the client's to choose: a stolen token used with
 * `X-Forwarded-For: <the victim's usual address>` passed for the victim at home
 * (red-team pass, 2026-12-07).
 */
export function forwardedClient(xff: string): string | undefined {
  const chain = xff.split(',').map((a) => addressIp(a));
  if (chain.some((a) => a === undefined)) return undefined;
  for (let i = chain.length - 1; i >= 0; i--) if (!internal(chain[i]!)) return chain[i];
  return chain[0];
}

/** `bearer`: only a bearer token; `authorization`: a bearer token or a bare key (Authorization: <api key>). */
function tokenOf(r: Record<string, unknown>, key: string, settings: EnvoySettings): TokenFound | undefined {
  const value = r[key];
  if (!present(value) || typeof value !== 'string') return undefined;
  const t = bearer(value);
  if (t) return { raw: t, type: 'access_token' };
  const bare = value.trim();
  if (settings.token_sources.includes('authorization') && bare !== '' && !/\s/.test(bare)) return { raw: bare, type: 'api_key' };
  return undefined;
}

export function mapEnvoy(input: unknown, settings: EnvoySettings): MapOutcome {
  const unwrapped = unwrapLine(input);
  let record: Record<string, unknown>;
  if (typeof unwrapped === 'string') {
    const parsed = parseEnvoyText(unwrapped);
    if (!parsed) return fail('not an Envoy or Istio default text access-log line, and not a JSON record');
    record = parsed;
  } else {
    const parsed = envoyRecord.safeParse(unwrapped);
    if (!parsed.success) return fail('record must be a JSON object or a text access-log line');
    record = parsed.data;
  }
  const textLine = typeof unwrapped === 'string';
  const key = (field: Field) => (textLine ? DEFAULT_KEYS[field] : (settings.keys[field] ?? DEFAULT_KEYS[field]));
  const get = (field: Field): unknown => {
    const v = record[key(field)];
    return present(v) ? v : undefined;
  };
  const str = (field: Field) => {
    const v = get(field);
    return typeof v === 'string' ? v : undefined;
  };

  const token = tokenOf(record, key('authorization'), settings);
  if (!token) return fail(`no token: the record has no "${key('authorization')}" value (add "%REQ(AUTHORIZATION)%" to the access-log format)`);
  const xff = str('x_forwarded_for');
  const forwarded = settings.trust_x_forwarded_for && xff !== undefined ? forwardedClient(xff) : undefined;
  const ip = forwarded ?? addressIp(str('downstream_remote_address'));
  if (!ip) return fail(`ip: neither "${key('x_forwarded_for')}" nor "${key('downstream_remote_address')}" holds an IP address`);
  const start = get('start_time');
  if (start === undefined) return fail(`ts: "${key('start_time')}" is required`);
  const status = num(get('status'));
  return {
    ok: true,
    value: {
      token,
      requestHint: str('request_id'),
      event: {
        ts: typeof start === 'number' ? start : String(start),
        ip,
        method: str('method'),
        path: pathOf(str('path')),
        host: str('authority'),
        user_agent: str('user_agent'),
        // Envoy logs 0 when no response was sent (the client went away).
        status: status !== undefined && status >= 100 ? status : undefined,
        latency_ms: num(get('duration')),
        bytes: num(get('bytes_sent')),
        app_id: str('app_id'),
        user_id: str('user_id'),
        gateway: 'envoy',
      },
    },
  };
}

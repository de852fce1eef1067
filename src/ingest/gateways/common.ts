/**
 * What every gateway mapper shares: the shape of a mapped record, and small readers for
 * the values gateways log (headers as arrays, ports on addresses, "-" for unset).
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import type { Rejection } from '../ingestor.js';
import { TooLarge } from '../../errors.js';
import { parseJson as parseJsonSafely } from '../../json.js';

/** The token a record names: a clear credential, or the gateway's reference to one. */
export type TokenFound =
  | { raw: string; type?: 'api_key' | 'access_token' }
  /** `shown`: what token_ref stores and the API shows, when the reference itself must not be kept (it may be the key). */
  | { ref: string; shown?: string };

export interface Mapped {
  /** A usage event of the contract, without its token (the route adds it); an undefined field is absent. */
  event: Record<string, unknown>;
  token: TokenFound;
  /**
   * An id the gateway itself made for the request (Kong's request.id), unique per request:
   * it alone identifies retries. Ids a client can set (X-Request-Id) are not this: they
   * stay in the event hash instead.
   */
  requestId?: string;
  /** An X-Request-Id as logged: part of the content hash, never trusted alone. */
  requestHint?: string;
}

export type MapOutcome = { ok: true; value: Mapped } | { ok: false; error: string };

/** Splits a request body into the gateway's records; a record that cannot be read is rejected by index. */
export interface Split {
  items: unknown[];
  rejected: Rejection[];
}

export const fail = (error: string): MapOutcome => ({ ok: false, error });

/** A number or a numeric string (nginx variables are strings): the number, else undefined. */
export function num(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && /^\s*-?\d+(?:\.\d+)?\s*$/.test(v)) return Number(v);
  return undefined;
}

/** zod: a value the gateway may log as a number or as a numeric string. */
export const numeric = z.union([z.number(), z.string()]).optional();

/** Headers as nginx logs them (a repeated header is an array of values); read with header(). */
export const headerMap = z.record(z.string(), z.unknown()).optional();

/** The first value of a header, by case-insensitive name. */
export function header(headers: Record<string, unknown> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  let value = headers[name];
  if (value === undefined) {
    const lower = name.toLowerCase();
    for (const key of Object.keys(headers)) {
      if (key.toLowerCase() === lower) {
        value = headers[key];
        break;
      }
    }
  }
  if (Array.isArray(value)) value = value[0];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The token of a `Bearer <token>` value; Kong's "REDACTED" and empty values give nothing. */
export function bearer(value: string | undefined): string | undefined {
  const m = value === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(value);
  return m && m[1] !== 'REDACTED' ? m[1] : undefined;
}

/** "-" and null are how access logs write "unset". */
export function present(v: unknown): v is string | number | boolean | object {
  return v !== undefined && v !== null && v !== '-' && v !== '';
}

/** An address as logged ("203.0.113.7:5123", "[2001:db8::1]:443", "2001:db8::1"): the IP, else undefined. */
export function addressIp(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const s = v.trim();
  if (isIP(s)) return s;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(s);
  if (bracketed && isIP(bracketed[1]!)) return bracketed[1];
  const withPort = /^([^:]+):\d+$/.exec(s);
  if (withPort && isIP(withPort[1]!)) return withPort[1];
  return undefined;
}

/** The path of a request URI, without its query (a query may carry an apikey). */
export function pathOf(uri: string | undefined): string | undefined {
  if (uri === undefined) return undefined;
  const q = uri.search(/[?#]/);
  return q < 0 ? uri : uri.slice(0, q);
}

/** The host of an absolute URL, without its port; undefined when it is not one. */
export function hostOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    return new URL(url).hostname || undefined;
  } catch {
    return undefined;
  }
}

/** A query argument as nginx logs it: a string, `true` for a bare flag, an array when repeated. */
export function queryArg(query: Record<string, unknown> | undefined, name: string): string | undefined {
  let v = query?.[name];
  if (Array.isArray(v)) v = v[0];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** "a: b; c: d" from zod issues, as /v1/events words them. */
export function issues(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length ? `${i.path.map(String).join('.')}: ${i.message}` : i.message)).join('; ');
}

/**
 * 413 for a body past server.max_events_per_request, raised while splitting: a 10 MiB body
 * of tiny invalid records ("x\n", "{}") used to be split, parsed and mapped in full before
 * the count was checked, tens of seconds of a blocked event loop and hundreds of MB per
 * request (red-team pass, 2026-12-07).
 */
export function tooManyRecords(max: number): TooLarge {
  return new TooLarge('too_many_events', `a request may carry at most ${max} events; this one has more`);
}

/** JSON: an array of records, or one record. */
export function splitJson(text: string, max = Infinity): Split {
  const parsed = parseJson(text);
  if (Array.isArray(parsed) && parsed.length > max) throw tooManyRecords(max);
  if (Array.isArray(parsed)) return { items: parsed, rejected: [] };
  return { items: [parsed], rejected: [] };
}

/** Records separated by newlines (APISIX concat_method new_line, NDJSON from a forwarder). */
export function splitLines(text: string, separator: RegExp = /\n/, max = Infinity): Split {
  const items: unknown[] = [];
  const rejected: Rejection[] = [];
  for (const line of text.split(separator)) {
    if (line.trim() === '') continue;
    if (items.length >= max) throw tooManyRecords(max);
    try {
      items.push(parseJsonSafely(line));
    } catch (error) {
      rejected.push({ index: items.length, error: `record is ${(error as Error).message}` });
      items.push(undefined);
    }
  }
  return { items, rejected };
}

export class BodyError extends Error {}

/** Never V8's message: it quotes the body around the fault (issue 11). */
function parseJson(text: string): unknown {
  try {
    return parseJsonSafely(text);
  } catch (error) {
    throw new BodyError(`the body is ${(error as Error).message}`);
  }
}

/**
 * JSON objects written one after another with only whitespace between them (`{..} {..}`,
 * ClickHouse's JSONEachRow as APISIX's clickhouse-logger sends it). A stretch that is
 * not JSON is rejected by its index and the scan goes on at the next `{` that starts a line
 * or follows a closing brace.
 */
export function splitConcatenated(text: string, max = Infinity): Split {
  const items: unknown[] = [];
  const rejected: Rejection[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && /\s/.test(text[i]!)) i++;
    if (i >= n) break;
    if (items.length >= max) throw tooManyRecords(max);
    const end = objectEnd(text, i);
    const chunk = end < 0 ? text.slice(i) : text.slice(i, end + 1);
    try {
      if (end < 0) throw new Error('unterminated');
      items.push(JSON.parse(chunk));
    } catch {
      rejected.push({ index: items.length, error: 'record is not valid JSON' });
      items.push(undefined);
    }
    if (end < 0) break;
    i = end + 1;
  }
  return { items, rejected };
}

/** Index of the brace closing the object that starts at `start`, or -1. */
function objectEnd(text: string, start: number): number {
  if (text[start] !== '{') {
    const next = text.indexOf('{', start);
    return next < 0 ? -1 : next - 1;
  }
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/**
 * A log forwarder's envelope (Vector's `message`, Fluent Bit's `log`) around a line that is
 * itself JSON: the inner record. Anything else is returned as it is.
 */
export function unwrapLine(record: unknown): unknown {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return record;
  const r = record as Record<string, unknown>;
  const line = typeof r.message === 'string' ? r.message : typeof r.log === 'string' ? r.log : undefined;
  if (line === undefined) return record;
  const trimmed = line.trim();
  if (trimmed.startsWith('{')) {
    try {
      return JSON.parse(trimmed);
    } catch {
      return trimmed;
    }
  }
  return trimmed;
}

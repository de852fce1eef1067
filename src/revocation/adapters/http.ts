/**
 * What the adapters share: target config types, one guarded HTTP exchange (timeout,
 * no redirects, bounded body), Retry-After, the server's words, and scrubbing of secrets
 * out of every outcome. Each adapter file only says which status means what.
 */
import type { Config } from '../../config.js';
import type { Adapter, AttemptOutcome, RevocationTask } from './types.js';

export type RevocationTargetConfig = Config['revocation']['targets'][string];
export type TargetConfig<T extends RevocationTargetConfig['type']> = Extract<RevocationTargetConfig, { type: T }>;

/** An adapter as built here: the interface plus the target's configured name, for logs. */
export interface NamedAdapter extends Adapter {
  readonly name: string;
}

/** Enough of an error body to keep the server's words; the rest is dropped unread. */
const MAX_BODY_BYTES = 16 * 1024;
/** Server words kept in an outcome, at most; a stack trace or an HTML page is cut here. */
const MAX_WORDS_CHARS = 300;
const USER_AGENT = 'tokenwatch';
const REDACTED = '[redacted]';

export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: string;
}

export type Exchange = { ok: true; answer: HttpAnswer } | { ok: false; outcome: AttemptOutcome };

/**
 * One request, bounded by the caller's signal and the target's timeout. Redirects are not
 * followed: they would carry credentials (and, for 3scale, the token in the path) to a
 * place nobody configured. A timeout, an abort or a network error is a `retry`, described
 * by its code only: a library's message may quote the URL, and the URL may hold a token.
 */
export async function exchange(url: string, init: RequestInit, signal: AbortSignal, timeoutMs: number): Promise<Exchange> {
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(url, {
      ...init,
      headers: { 'user-agent': USER_AGENT, ...(init.headers as Record<string, string> | undefined) },
      redirect: 'manual',
      signal: AbortSignal.any([signal, timeout]),
    });
    const body = await readBounded(response);
    return { ok: true, answer: { status: response.status, headers: response.headers, body } };
  } catch (error) {
    if (signal.aborted) return { ok: false, outcome: { kind: 'retry', error: 'aborted' } };
    if (timeout.aborted) return { ok: false, outcome: { kind: 'retry', error: `timeout after ${timeoutMs} ms` } };
    return { ok: false, outcome: { kind: 'retry', error: `network error${codeOf(error)}` } };
  }
}

async function readBounded(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size >= MAX_BODY_BYTES) {
      await reader.cancel().catch(() => undefined);
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString('utf8');
}

/** `: ECONNREFUSED` from undici's `fetch failed` and its cause chain; '' when there is none. */
function codeOf(error: unknown): string {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Z0-9_]+$/.test(code)) return `: ${code}`;
    e = (e as { cause?: unknown }).cause;
  }
  return '';
}

/** `Retry-After` as milliseconds from now: delta-seconds or an HTTP-date; undefined if absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!/[A-Za-z]{3}/.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * The server's own words: OAuth `error: error_description`, WSO2 `code message: description`,
 * 3scale XML `<error>` elements, or the start of a plain-text body on one line.
 */
export function serverWords(answer: HttpAnswer): string {
  const text = answer.body.trim();
  if (!text) return '';
  let words: string | undefined;
  if (text.startsWith('{')) {
    try {
      const json = JSON.parse(text) as Record<string, unknown>;
      const pick = (key: string) => (typeof json[key] === 'string' || typeof json[key] === 'number' ? String(json[key]) : undefined);
      const error = pick('error');
      const description = pick('error_description') ?? pick('description');
      const message = pick('message');
      const head = error ?? [pick('code'), message].filter(Boolean).join(' ');
      words = [head, description !== message ? description : undefined].filter(Boolean).join(': ');
    } catch {
      words = undefined;
    }
  } else if (text.startsWith('<')) {
    const errors = [...text.matchAll(/<error[^>]*>([^<]*)<\/error>/g)].map((m) => m[1]!.trim()).filter(Boolean);
    if (errors.length > 0) words = errors.join('; ');
  }
  words ||= text;
  words = words.replace(/\s+/g, ' ').trim();
  return words.length > MAX_WORDS_CHARS ? `${words.slice(0, MAX_WORDS_CHARS)}…` : words;
}

/** The OAuth error code of a JSON error body (RFC 6749 §5.2), if any. */
export function oauthErrorCode(answer: HttpAnswer): string | undefined {
  try {
    const json = JSON.parse(answer.body) as { error?: unknown };
    return typeof json.error === 'string' ? json.error : undefined;
  } catch {
    return undefined;
  }
}

function describe(answer: HttpAnswer, why?: string): string {
  const words = serverWords(answer);
  const parts = [why, words].filter(Boolean).join(': ');
  return parts ? `${parts} (HTTP ${answer.status})` : `HTTP ${answer.status}`;
}

/** 408, 425, 429 and every 5xx: the server may well answer differently later. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

export function retry(answer: HttpAnswer, why?: string): AttemptOutcome {
  const retryAfter = parseRetryAfter(answer.headers.get('retry-after'));
  return {
    kind: 'retry',
    http_status: answer.status,
    ...(retryAfter !== undefined ? { retry_after_ms: retryAfter } : {}),
    error: describe(answer, why),
  };
}

export function failed(answer: HttpAnswer, options: { alarm?: boolean; why?: string } = {}): AttemptOutcome {
  return {
    kind: 'failed',
    http_status: answer.status,
    error: describe(answer, options.why),
    ...(options.alarm ? { alarm: true } : {}),
  };
}

export function done(answer: HttpAnswer, detail?: string): AttemptOutcome {
  return { kind: 'done', http_status: answer.status, ...(detail ? { detail } : {}) };
}

/** 3xx: never followed (see `exchange`); the configured URL is wrong, an operator must look. */
export function redirected(answer: HttpAnswer): AttemptOutcome {
  return {
    kind: 'failed',
    http_status: answer.status,
    error: `unexpected redirect (HTTP ${answer.status}), not followed: check the target URL`,
    alarm: true,
  };
}

/** `base` without its trailing slashes, then `path` (which starts with '/'). */
/**
 * One path segment from a value a revocation carries (an app id, an account id, a token).
 * encodeURIComponent leaves `.` and `..` as they are, and a URL resolves them: app id `..`
 * turned `/applications/../suspend.xml` into `/suspend.xml`. Those, and values that decode
 * to them, are refused (undefined).
 */
export function pathSegment(value: string): string | undefined {
  let decoded = value;
  for (let i = 0; i < 3; i++) {
    try {
      const next = decodeURIComponent(decoded);
      if (next === decoded) break;
      decoded = next;
    } catch {
      break;
    }
  }
  const dotSegment = (text: string) => text.trim().split(/[/\\]/).some((part) => /^\s*\.{1,2}\s*$/.test(part));
  if (dotSegment(value) || dotSegment(decoded)) return undefined;
  return encodeURIComponent(value);
}

export function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, '') + path;
}

/**
 * Wraps an adapter's attempt so that no outcome can carry the raw token or one of our
 * credentials (a server may echo them back in an error), and so that an unexpected throw
 * becomes a `retry` instead of escaping into the dispatcher with a message of unknown content.
 */
export function guarded(
  credentials: readonly string[],
  attempt: (task: RevocationTask, signal: AbortSignal) => Promise<AttemptOutcome>,
): Adapter['attempt'] {
  return async (task, signal) => {
    let outcome: AttemptOutcome;
    try {
      outcome = await attempt(task, signal);
    } catch (error) {
      outcome = { kind: 'retry', error: `unexpected error${codeOf(error)}` };
    }
    const secrets = [task.token, ...credentials].filter((s): s is string => typeof s === 'string' && s.length > 0);
    return scrubOutcome(outcome, secrets);
  };
}

function scrubOutcome(outcome: AttemptOutcome, secrets: readonly string[]): AttemptOutcome {
  if (outcome.kind === 'done') {
    return outcome.detail === undefined ? outcome : { ...outcome, detail: scrub(outcome.detail, secrets) };
  }
  return { ...outcome, error: scrub(outcome.error, secrets) };
}

/** Replaces each secret, raw or in its URL-, form- or JSON-encoded spelling, by `[redacted]`. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    const spellings = new Set([secret, encodeURIComponent(secret), formEncode(secret), JSON.stringify(secret).slice(1, -1)]);
    for (const spelling of spellings) {
      if (spelling.length > 0) out = out.split(spelling).join(REDACTED);
    }
  }
  return out;
}

/** application/x-www-form-urlencoded encoding of one value (space as '+'). */
export function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

/** Small pieces shared by the feed follower and the usage reporter. */

/** The slice of a pino/fastify logger the gateway writes to. */
export interface GatewayLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** `base` doubled per failure, capped, with ±20 % jitter so a fleet of gateways does not retry in step. */
export function backoffMs(base: number, failures: number, max: number): number {
  const raw = Math.min(max, base * 2 ** Math.max(0, failures));
  return Math.round(raw * (0.8 + Math.random() * 0.4));
}

/** Resolves after `ms`, or at once when `signal` aborts. Never keeps the process alive. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    timer.unref();
    signal.addEventListener('abort', done, { once: true });
  });
}

/** What went wrong, for a log line: the message and the network error code, never a header. */
export function describeError(err: unknown): { error: string; code?: string } {
  if (!(err instanceof Error)) return { error: String(err) };
  const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  const message = typeof cause?.message === 'string' && err.message === 'fetch failed' ? `fetch failed: ${cause.message}` : err.message;
  return code ? { error: message, code } : { error: message };
}

/** `Retry-After` as milliseconds (delta-seconds or an HTTP date), or undefined. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/** Joins the base URL (which may carry a path prefix) and an API path. */
export function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, '') + path;
}

/**
 * The API client and the session. The key lives in sessionStorage (this tab only, gone
 * when it closes) and travels only in the Authorization header; never in a URL.
 * A 401 anywhere ends the session and sends the user back to the key prompt.
 */

const KEY = 'tokenwatch.key';
const ROLE = 'tokenwatch.role';

export const session = {
  get key() {
    return sessionStorage.getItem(KEY);
  },
  get role() {
    return sessionStorage.getItem(ROLE);
  },
  get canReview() {
    return sessionStorage.getItem(ROLE) === 'admin';
  },
  start(key, role) {
    sessionStorage.setItem(KEY, key);
    sessionStorage.setItem(ROLE, role);
  },
  end() {
    sessionStorage.removeItem(KEY);
    sessionStorage.removeItem(ROLE);
  },
};

export class ApiError extends Error {
  constructor(status, code, message, details = []) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** Listeners for "the key was refused" (the app shows the prompt). */
const unauthorizedListeners = new Set();
export function onUnauthorized(fn) {
  unauthorizedListeners.add(fn);
}

/**
 * Calls the API as JSON. `key` overrides the session's (the login form checks a key
 * before keeping it). Throws ApiError: status 0 when the server cannot be reached.
 */
export async function api(path, { method = 'GET', body, key = session.key, signal } = {}) {
  const headers = { accept: 'application/json' };
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
      signal,
    });
  } catch (error) {
    if (error?.name === 'AbortError') throw error;
    throw new ApiError(0, 'unreachable', 'tokenwatch is unreachable');
  }
  let payload = null;
  const text = await response.text();
  if (text) {
    try {
      payload = JSON.parse(text);
    } catch {
      payload = null;
    }
  }
  if (response.ok) return payload;
  const err = payload?.error ?? {};
  const error = new ApiError(response.status, err.code ?? `http_${response.status}`, err.message ?? response.statusText, err.details ?? []);
  if (response.status === 401 && key === session.key && key) {
    session.end();
    for (const fn of unauthorizedListeners) fn(error);
  }
  throw error;
}

/** A query string from an object, skipping empty values. Never used for secrets. */
export function qs(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const text = q.toString();
  return text ? `?${text}` : '';
}

/** The one error shape of the API: {"error": {"code", "message", "details"}}. */
import { Busy, Conflict, Invalid, NotFound, TooLarge, Unavailable, type DomainError } from '../errors.js';

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details: unknown[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export interface ErrorBody {
  error: { code: string; message: string; details: unknown[] };
}

export function errorBody(code: string, message: string, details: unknown[] = []): ErrorBody {
  return { error: { code, message, details } };
}

/** The status each kind of domain error answers: the one mapping (src/errors.ts). */
const STATUS: readonly [abstract new (...args: never[]) => DomainError, number][] = [
  [Invalid, 400],
  [NotFound, 404],
  [Conflict, 409],
  [TooLarge, 413],
  [Busy, 429],
  [Unavailable, 503],
];

/** A domain error as the API answers it. */
export function httpErrorOf(error: DomainError): HttpError {
  const status = STATUS.find(([kind]) => error instanceof kind)?.[1] ?? 500;
  const headers: Record<string, string> = error.retryAfterSeconds === undefined ? {} : { 'retry-after': String(error.retryAfterSeconds) };
  return new HttpError(status, error.code, error.message, error.details, headers);
}

/**
 * Errors of the domain, in its own words: what is wrong and with which field, never an
 * HTTP status. Domain code (services, stores, queries) throws these; the one error
 * handler in app.ts turns them into the API's error shape (httpErrorOf in
 * http/errors.ts), the one place that knows which status each kind answers.
 */
export abstract class DomainError extends Error {
  constructor(
    /** The API's error code, e.g. not_found, already_finished. */
    readonly code: string,
    message: string,
    /** Which fields, as in the API's error details. */
    readonly details: unknown[] = [],
    /** When a retry may succeed, for the kinds that say so. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The request asks for something that cannot be (a field's value, a combination). */
export class Invalid extends DomainError {}
/** No such thing. */
export class NotFound extends DomainError {}
/** The thing's state does not allow it (already finished, already reviewed, nothing configured). */
export class Conflict extends DomainError {}
/** More in one request than is allowed. */
export class TooLarge extends DomainError {}
/** A limit on concurrent use is reached; retry later. */
export class Busy extends DomainError {}
/** A part the request needs cannot take it now (a full spool); retry later. */
export class Unavailable extends DomainError {}

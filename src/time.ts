/** Timestamps as the API accepts them, in event bodies and in query strings alike, and as it answers them. */

/** RFC 3339 with a zone, or a bare date-time that we read as UTC. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?$/i;
const ZONE = /[zZ]|[+-]\d{2}:?\d{2}$/;

/** Milliseconds since the epoch from RFC 3339 text, epoch-ms text or a number; NaN if neither. */
export function parseTimestamp(value: string | number): number {
  if (typeof value === 'number') return value;
  if (/^\d{10,16}$/.test(value)) return Number(value);
  if (RFC3339.test(value)) return Date.parse(ZONE.test(value) ? value : `${value.replace(' ', 'T')}Z`);
  return Number.NaN;
}

/** A warehouse time ("2026-01-02 03:04:05.678", UTC) as RFC 3339 UTC, like every other time the API answers; null stays null. */
export function isoTime(value: string | null): string | null {
  return value === null ? null : `${value.replace(' ', 'T')}Z`;
}

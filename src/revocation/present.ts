/** A revocation as the API shows it: no sealed token, no payload, times in ISO 8601. */
import type { Revocation } from './outbox.js';

export function presentRevocation(r: Revocation) {
  const { sealed_token: _sealed, payload: _payload, next_attempt_at, ...rest } = r;
  return {
    ...rest,
    next_attempt_at: r.status === 'pending' ? new Date(next_attempt_at).toISOString() : null,
    requested_at: new Date(r.requested_at).toISOString(),
    updated_at: new Date(r.updated_at).toISOString(),
  };
}

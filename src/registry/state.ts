/**
 * A token's state, defined once. The rule is written twice here, side by side, because
 * it runs in two places: in the engine (`STATE_SQL`, the `state` column of the BI view
 * v_token_stats, sql/009) and in TypeScript (`tokenState`, for the API's registry reads,
 * which skip the view: see entries.ts). test/registry/state.test.ts holds the two equal
 * on a table of cases and holds the view's text to `STATE_SQL`; the live-token sets
 * (`LIVE_SQL`) to the states `active` and `issued`.
 */
import { isoTime } from '../time.js';

export const TOKEN_STATES = ['revoked', 'expired', 'rotated', 'active', 'issued'] as const;
export type TokenState = (typeof TOKEN_STATES)[number];

/** What the state is decided from: the registry's merged columns (times as the warehouse writes them). */
export interface StateColumns {
  revoked_at: string | null;
  expired_at: string | null;
  /** When the token says it expires; null when it does not say. */
  expires_at: string | null;
  rotated_at: string | null;
  requests: number;
}

/**
 * Revoked, expired (reported, or past expires_at), rotated (a refresh replaced it), active
 * (used), issued (never used). The first that holds wins. As v_token_stats states it
 * (sql/009, which a checksummed migration keeps as it is).
 */
export const STATE_SQL = `multiIf(
        revoked_at IS NOT NULL, 'revoked',
        expired_at IS NOT NULL OR (expires_at IS NOT NULL AND expires_at < now64(3)), 'expired',
        rotated_at IS NOT NULL, 'rotated',
        requests > 0, 'active',
        'issued')`;

/** `STATE_SQL` in TypeScript, at `now` (milliseconds). */
export function tokenState(r: StateColumns, now = Date.now()): TokenState {
  if (r.revoked_at !== null) return 'revoked';
  if (r.expired_at !== null || (r.expires_at !== null && Date.parse(isoTime(r.expires_at)!) < now)) return 'expired';
  if (r.rotated_at !== null) return 'rotated';
  return r.requests > 0 ? 'active' : 'issued';
}

/**
 * A live token, one a revocation still has something to do for: not revoked, not expired,
 * not rotated away: `active` or `issued`. Stated on the columns rather than through
 * `STATE_SQL` because the live-token queries merge no request counts (live-tokens.ts).
 * (At the very millisecond of expires_at a token is no longer live, not yet expired.)
 */
export const LIVE_SQL = 'revoked_at IS NULL AND expired_at IS NULL AND rotated_at IS NULL AND (expires_at IS NULL OR expires_at > now64(3))';

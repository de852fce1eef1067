/**
 * From a flag to revocation requests, the one way both the automatic policies
 * (policy.ts) and the review API (POST /v1/flags/:id/confirm) take: the flag's token, or
 * its refresh family minus the tokens already revoked, each with what the
 * registry knows of it, the flag's app and user where it knows nothing.
 */
import { familyEntries, registryEntries, type TokenRegistryRow } from '../registry/index.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import type { Revocation, RevocationSource } from './outbox.js';
import type { RevocationRequests, RevokeRequest } from './requests.js';
import type { RevocationTargets } from './targets.js';

/** What a revocation needs of a flag about a token. */
export interface FlagOfToken {
  flag_id: string;
  token_fingerprint: string;
  app_id?: string;
  user_id?: string;
}

/** Who asks and why; the guards of the caller run in `hold`. */
export interface FlagRevocation {
  /** A configured target, or undefined for the policies' default. */
  target: string | undefined;
  source: RevocationSource;
  actor: string;
  reason: string;
  dry_run?: boolean;
  /**
   * Called with the requests before anything is recorded, when there are any; true holds
   * them (the policies' blast-radius and per-key budgets) and nothing is revoked.
   */
  hold?: (requests: RevokeRequest[]) => Promise<boolean>;
}

/** A token to revoke and its registry entry, if the registry has one. */
export interface TokenToRevoke {
  token_fingerprint: string;
  entry: TokenRegistryRow | undefined;
}

/**
 * The tokens a revocation of `fp` covers: the token itself, or its family's tokens not
 * revoked yet. Expired ones are revoked too: "expired" may be a gateway's word, which must
 * not shield a live member of a compromised family, and revoking an expired token costs
 * one call.
 */
export async function tokensToRevoke(warehouse: Warehouse, fp: string, scope: 'token' | 'family'): Promise<TokenToRevoke[]> {
  if (scope === 'token') {
    const [entry] = await registryEntries(warehouse, { fps: [fp] });
    return [{ token_fingerprint: fp, entry }];
  }
  const family = await familyEntries(warehouse, fp);
  if (!family) return [{ token_fingerprint: fp, entry: undefined }];
  return family.entries.filter((e) => e.state !== 'revoked').map((entry) => ({ token_fingerprint: entry.token_fingerprint, entry }));
}

/** One request for one token: the registry's type, app and user, else the fallback's. */
export function revokeRequest(
  token: TokenToRevoke,
  fallback: { app_id?: string; user_id?: string },
  base: Omit<RevokeRequest, 'token_fingerprint' | 'token_type' | 'app_id' | 'user_id'>,
): RevokeRequest {
  const { entry } = token;
  return { ...base, token_fingerprint: token.token_fingerprint, token_type: entry?.token_type, app_id: entry?.app_id ?? fallback.app_id, user_id: entry?.user_id ?? fallback.user_id };
}

/**
 * Revokes a flag's token (scope token) or its refresh family (scope family) through the
 * requests: idempotent per token and target, recorded before anything is sent. Nothing is
 * revoked and `held` is true when the caller's hold said so.
 */
export async function revokeForFlag(
  deps: { warehouse: Warehouse; targets: RevocationTargets; requests: RevocationRequests },
  flag: FlagOfToken,
  scope: 'token' | 'family',
  how: FlagRevocation,
): Promise<{ held: boolean; revocations: Revocation[] }> {
  const target = deps.targets.resolve(how.target);
  const tokens = await tokensToRevoke(deps.warehouse, flag.token_fingerprint, scope);
  const base = { target, source: how.source, actor: how.actor, reason: how.reason, flag_id: flag.flag_id, scope, dry_run: how.dry_run };
  const requests = tokens.map((t) => revokeRequest(t, flag, base));
  if (requests.length === 0) return { held: false, revocations: [] };
  if (how.hold && (await how.hold(requests))) return { held: true, revocations: [] };
  return { held: false, revocations: (await deps.requests.request(requests)).map((r) => r.revocation) };
}

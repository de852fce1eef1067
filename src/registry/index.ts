/**
 * The token read model: one place that says what the registry knows of a token (its entry
 * and state), of a refresh family, of an application, and which tokens are live. Every
 * feature reads tokens through here: the token API (query/), revocation (for-flag, jobs,
 * estimates), lifecycle ingest (a refreshed token's family).
 *
 *   state.ts        the state rule, in SQL and in TypeScript side by side; the live rule
 *   entries.ts      registry entries, token owners, families
 *   apps.ts         app entries and their tokens by state
 *   live-tokens.ts  the live tokens of a selector, paged (bulk jobs) and counted (estimates)
 */
export { LIVE_SQL, STATE_SQL, TOKEN_STATES, tokenState, type StateColumns, type TokenState } from './state.js';
export { familyEntries, familyIds, familyMembersSql, registryEntries, tokenOwners, tokenRegistryRow, type TokenRegistryRow } from './entries.js';
export { appEntry, appRow, appTokenCounts } from './apps.js';
export { countLive, liveTokensPage, SCOPES, type LiveToken, type Scope, type Selector } from './live-tokens.js';

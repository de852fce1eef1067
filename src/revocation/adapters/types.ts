/**
 * What every revocation adapter does: one attempt against one target, answered as done,
 * retry (with an optional server-given delay) or failed (final, with the server's words).
 * Adapters are small and named after the wire protocol they speak.
 */

export interface RevocationTask {
  revocation_id: string;
  token_fingerprint: string;
  /** The raw token, decrypted from the vault for this attempt only (absent: no handle). */
  token?: string;
  token_type?: string;
  app_id?: string;
  /** 3scale: the application's account (for suspension). */
  account_id?: string;
  /** For notify/webhook targets: what happened, as JSON. */
  payload?: Record<string, unknown>;
}

export type AttemptOutcome =
  | { kind: 'done'; http_status: number; detail?: string }
  | { kind: 'retry'; http_status?: number; retry_after_ms?: number; error: string }
  /** Final. `alarm`: our side is broken (bad credentials, forbidden): an operator must act. */
  | { kind: 'failed'; http_status?: number; error: string; alarm?: boolean };

export interface Adapter {
  readonly type: 'rfc7009' | 'threescale_pat' | 'threescale_app' | 'wso2_apikey' | 'webhook';
  /** Whether this adapter needs the raw token (a revocation handle) to act. */
  readonly needsToken: boolean;
  attempt(task: RevocationTask, signal: AbortSignal): Promise<AttemptOutcome>;
}

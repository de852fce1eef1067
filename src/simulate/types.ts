/** The shapes a simulation produces: contract events as a gateway and an IdP would send them, plus labels. */

export type TokenType = 'access_token' | 'refresh_token' | 'api_key' | 'personal_access_token';

/** A usage event of the product contract (POST /v1/events), as a gateway with its own GeoIP sends it. */
export interface UsageEvent {
  event_id: string;
  /** RFC 3339, UTC, milliseconds. */
  ts: string;
  token: string;
  token_type: TokenType;
  app_id?: string;
  client_id?: string;
  user_id?: string;
  ip: string;
  /** Location fields are absent on the fraction of events that leave geolocation to the server. */
  country?: string;
  city?: string;
  lat?: number;
  lon?: number;
  asn?: number;
  user_agent: string;
  method: string;
  host: string;
  path: string;
  status: number;
  latency_ms: number;
  bytes: number;
  gateway: string;
  scopes?: string[];
}

/** A token lifecycle event of the product contract (POST /v1/tokens), as an identity provider sends it. */
export interface LifecycleEvent {
  event: 'issued' | 'refreshed' | 'revoked' | 'expired';
  event_id: string;
  ts: string;
  token: string;
  token_type: TokenType;
  jti?: string;
  client_id?: string;
  app_id?: string;
  user_id?: string;
  scopes?: string[];
  grant_type?: string;
  issued_at?: string;
  expires_at?: string;
  rotated_from?: string;
  source?: 'detector' | 'api_provider' | 'app_owner' | 'subscriber' | 'governance' | 'webhook';
  reason?: string;
}

export interface SimulationOptions {
  seed: number;
  /** Token holders to simulate (an OAuth family — its rotating access and refresh tokens — counts once). */
  tokens: number;
  /** Days of traffic up to `end`; dormant tokens also get history further back (never beyond end − 29 d). */
  days: number;
  /** The end of the simulated range; default now. */
  end?: Date;
  /** Share of token holders that get attacked; default 0.03 (at least one attack of every kind). */
  attackFraction?: number;
  /** Share of benign events sent without location (the server fills it from its MMDB); default 0.05. */
  omitLocationFraction?: number;
}

export interface Label {
  /** The detector that should flag this. */
  detector: string;
  subject_type: 'token' | 'ip' | 'app' | 'user';
  /** The raw token, or the IP / app id / user id. */
  subject: string;
  /** RFC 3339: the attack's first and last event. */
  from: string;
  to: string;
  note: string;
}

export interface Simulation {
  /** Usage events, sorted by ts. */
  events: UsageEvent[];
  /** Token lifecycle events, sorted by ts. */
  lifecycle: LifecycleEvent[];
  labels: Label[];
  /** Raw tokens of holders never attacked: a flag on one of these is a false positive. */
  benignTokens: string[];
  /** Raw token -> behaviour name (benign behaviour of the holder, or `attacker` for attack-only tokens). */
  behaviours: Record<string, string>;
  /** The options it was generated with, the `days` window, and the oldest holder history (dormant tokens). */
  meta: { seed: number; tokens: number; days: number; start: string; end: string; history_start: string };
}

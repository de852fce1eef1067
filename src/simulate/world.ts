/** The state a simulation shares between benign behaviours and attacks. */
import type { City } from './cities.js';
import type { LocalTime } from './clock.js';
import type { Endpoint, NetworkIndex } from './networks.js';
import type { Rng } from './prng.js';
import type { Credential, Recorder } from './traffic.js';

export const BEHAVIOURS = [
  'heavy_machine',
  'batch_job',
  'serverless_fanout',
  'integration',
  'interactive',
  'mobile',
  'corporate_nat',
  'vpn_egress',
  'traveller',
  'oauth_rotation',
  'session_expiry',
  'dormant_return',
  'revoked_enforced',
  'dormant',
] as const;
export type Behaviour = (typeof BEHAVIOURS)[number];

export const ATTACK_KINDS = [
  'rate_spike',
  'ip_fanout',
  'impossible_travel',
  'new_location',
  'auth_failures_token',
  'auth_failures_ip',
  'revoked_use',
  'refresh_reuse',
  'dormant_reuse',
] as const;
export type AttackKind = (typeof ATTACK_KINDS)[number];

export interface World {
  rec: Recorder;
  net: NetworkIndex;
  clock: LocalTime;
  /** Start of the `days` window. */
  start: number;
  end: number;
  /** The oldest instant any event may have (end − 29 days). */
  floor: number;
}

/** A refresh-token rotation: `old` was presented at `ms` and replaced by `next`. */
export interface Rotation {
  old: string;
  next: string;
  ms: number;
}

/** One token holder: a person, a device, a machine or an OAuth family. */
export interface Holder {
  index: number;
  behaviour: Behaviour;
  rng: Rng;
  /** First and last instant of its simulated activity. */
  from: number;
  to: number;
  /** The attack this holder suffers, and when (set before its traffic is generated). */
  attack?: AttackKind;
  attackAt?: number;
  /** Shared by corporate_nat holders of one office. */
  office?: { city: City; nat: Endpoint };
  // Filled in by the behaviour:
  cred?: Credential;
  tokens: string[];
  home?: City;
  homeAt?: Endpoint;
  rotations: Rotation[];
  /** dormant and dormant_return: when the token comes back. */
  returnAt?: number;
}

/**
 * generate(): token holders with benign behaviours, a few of them attacked, as contract
 * usage and lifecycle events plus labels. Deterministic for (seed, tokens, days, end,
 * attackFraction, omitLocationFraction).
 */
import { runAttack, type AttackOutput } from './attacks.js';
import { RUN } from './behaviours.js';
import { DAY, HOUR, LocalTime } from './clock.js';
import { NetworkIndex } from './networks.js';
import { hashSeed, Rng } from './prng.js';
import { iso, Recorder } from './traffic.js';
import type { Simulation, SimulationOptions } from './types.js';
import { ATTACK_KINDS, type AttackKind, type Behaviour, type Holder, type World } from './world.js';

/** The ingest refuses events older than 30 days by default: stay a day inside. */
export const MAX_HISTORY_DAYS = 29;
export const MIN_TOKENS = 50;
const DEFAULT_ATTACK_FRACTION = 0.03;
const DEFAULT_OMIT_LOCATION_FRACTION = 0.05;
/** Victims have at least this much history before the attack (dormant ones: more, and then 20 idle days). */
const VICTIM_HISTORY = 3.5 * DAY;
/** Attacks start this long after the window opens, when the window is long enough. */
const ATTACK_EARLIEST = 3.2 * DAY;
/** One corporate NAT address serves at most this many employees; beyond it, another office. */
const NAT_OFFICE_SIZE = 300;
/** Share of interactive users who sign up during the window (no baseline yet). */
const NEWCOMERS = 0.05;

const VICTIM_POOLS: Record<Exclude<AttackKind, 'auth_failures_ip'>, Behaviour[]> = {
  rate_spike: ['interactive', 'integration', 'mobile', 'corporate_nat'],
  ip_fanout: ['interactive', 'integration', 'mobile', 'corporate_nat'],
  impossible_travel: ['interactive', 'corporate_nat', 'mobile'],
  new_location: ['interactive', 'corporate_nat', 'integration'],
  auth_failures_token: ['interactive', 'integration', 'corporate_nat'],
  revoked_use: ['interactive', 'integration'],
  refresh_reuse: ['oauth_rotation'],
  dormant_reuse: ['dormant'],
};

let networks: NetworkIndex | undefined;

/** How many holders of each behaviour, `tokens` in all; interactive users fill the rest. */
function behaviourMix(tokens: number, attacks: AttackKind[]): Behaviour[] {
  const n = tokens;
  const count = (kind: AttackKind) => attacks.filter((a) => a === kind).length;
  const counts: Partial<Record<Behaviour, number>> = {
    heavy_machine: Math.max(1, Math.round(n / 500)),
    batch_job: Math.max(1, Math.round(n * 0.02)),
    serverless_fanout: Math.max(1, Math.round(n * 0.005)),
    integration: Math.max(3, Math.round(n * 0.05)),
    mobile: Math.max(3, Math.round(n * 0.1)),
    vpn_egress: Math.max(2, Math.round(n * 0.04)),
    traveller: Math.max(2, Math.round(n * 0.03)),
    oauth_rotation: Math.max(2 + count('refresh_reuse'), Math.round(n * 0.06)),
    session_expiry: Math.max(2, Math.round(n * 0.04)),
    dormant_return: Math.max(1, Math.round(n * 0.01)),
    revoked_enforced: Math.max(1, Math.round(n * 0.01)),
    dormant: count('dormant_reuse'),
  };
  const fixed = Object.values(counts).reduce((a, b) => a + b, 0);
  // Hundreds of employees behind one address where the population allows it.
  const nat = Math.max(0, Math.min(Math.round(n * 0.4), Math.max(120, Math.round(n * 0.2)), n - fixed - 5));
  counts.corporate_nat = nat;
  counts.interactive = n - fixed - nat;
  const out: Behaviour[] = [];
  for (const [behaviour, k] of Object.entries(counts) as [Behaviour, number][]) for (let i = 0; i < k; i++) out.push(behaviour);
  return out;
}

function check(options: SimulationOptions): void {
  const problems: string[] = [];
  if (!Number.isInteger(options.seed)) problems.push('seed must be an integer');
  if (!Number.isInteger(options.tokens) || options.tokens < MIN_TOKENS) problems.push(`tokens must be an integer of at least ${MIN_TOKENS}`);
  if (!(options.days > 0 && options.days <= MAX_HISTORY_DAYS)) problems.push(`days must be in (0, ${MAX_HISTORY_DAYS}]`);
  if (options.attackFraction !== undefined && !(options.attackFraction >= 0 && options.attackFraction <= 0.5)) problems.push('attackFraction must be in [0, 0.5]');
  if (options.omitLocationFraction !== undefined && !(options.omitLocationFraction >= 0 && options.omitLocationFraction <= 1)) problems.push('omitLocationFraction must be in [0, 1]');
  if (options.end !== undefined && !Number.isFinite(options.end.getTime())) problems.push('end must be a valid date');
  if (problems.length > 0) throw new RangeError(`simulate: ${problems.join('; ')}`);
}

export function generate(options: SimulationOptions): Simulation {
  check(options);
  const end = (options.end ?? new Date()).getTime();
  const floor = end - MAX_HISTORY_DAYS * DAY;
  const start = end - options.days * DAY;
  const rng = new Rng(hashSeed('tokenwatch-simulate', options.seed));
  networks ??= new NetworkIndex();
  const rec = new Recorder(`sim${options.seed.toString(36)}-${end.toString(36)}`, rng.fork('recorder'), floor, end, options.omitLocationFraction ?? DEFAULT_OMIT_LOCATION_FRACTION);
  const w: World = { rec, net: networks, clock: new LocalTime(), start, end, floor };

  // Attacks: at least one of every kind, then round-robin up to the requested share.
  const attackCount = Math.max(ATTACK_KINDS.length, Math.round(options.tokens * (options.attackFraction ?? DEFAULT_ATTACK_FRACTION)));
  const attacks = Array.from({ length: attackCount }, (_, i) => ATTACK_KINDS[i % ATTACK_KINDS.length]!);

  const mix = rng.fork('mix').shuffle(behaviourMix(options.tokens, attacks));
  const holders: Holder[] = mix.map((behaviour, index) => ({ index, behaviour, rng: rng.fork('holder', index), from: start, to: end, tokens: [], rotations: [] }));

  // Offices: each NAT address is shared by up to NAT_OFFICE_SIZE employees.
  const staff = holders.filter((h) => h.behaviour === 'corporate_nat');
  const officeRng = rng.fork('offices');
  const officeCities = officeRng.shuffle(w.net.citiesWith('business', 'residential'));
  const officeCount = Math.ceil(staff.length / NAT_OFFICE_SIZE);
  const offices = Array.from({ length: officeCount }, (_, i) => {
    const city = officeCities[i % officeCities.length]!;
    return { city, nat: w.net.endpoint(officeRng, officeRng.pick(w.net.at(city, 'business'))) };
  });
  staff.forEach((h, i) => (h.office = offices[i % officeCount]));

  // Victims, each with enough history before its attack.
  const pickRng = rng.fork('victims');
  const victimOf: (Holder | undefined)[] = [];
  const anchors: number[] = [];
  attacks.forEach((kind) => {
    const lo = start + ATTACK_EARLIEST;
    const hi = end - 4 * HOUR;
    const at = lo < hi ? pickRng.float(lo, hi) : pickRng.float(Math.max(start, end - DAY), hi);
    anchors.push(at);
    if (kind === 'auth_failures_ip') return victimOf.push(undefined);
    const pool = holders.filter((h) => h.attack === undefined && VICTIM_POOLS[kind].includes(h.behaviour));
    if (pool.length === 0) throw new RangeError(`simulate: not enough token holders for a ${kind} attack; raise tokens`);
    const victim = pickRng.pick(pool);
    victim.attack = kind;
    victim.attackAt = at;
    victim.from = Math.max(floor, Math.min(start, at - VICTIM_HISTORY));
    victimOf.push(victim);
  });

  // Newcomers: a few people start using the API during the window.
  const arrivals = rng.fork('arrivals');
  for (const h of holders) {
    if (h.behaviour === 'interactive' && h.attack === undefined && arrivals.chance(NEWCOMERS)) h.from = arrivals.float(start, end - 6 * HOUR);
  }

  for (const h of holders) RUN[h.behaviour](w, h);

  const out: AttackOutput = { labels: [], attackerTokens: [] };
  attacks.forEach((kind, i) => runAttack(w, kind, victimOf[i], rng.fork('attack', i), anchors[i]!, out));

  const { events, lifecycle } = rec.finish();
  const behaviours: Record<string, string> = {};
  const benignTokens: string[] = [];
  for (const h of holders) {
    for (const token of h.tokens) behaviours[token] = h.behaviour;
    if (h.attack === undefined) benignTokens.push(...h.tokens);
  }
  for (const token of out.attackerTokens) behaviours[token] = 'attacker';
  out.labels.sort((a, b) => a.from.localeCompare(b.from) || a.detector.localeCompare(b.detector));
  return {
    events,
    lifecycle,
    labels: out.labels,
    benignTokens,
    behaviours,
    meta: {
      seed: options.seed,
      tokens: options.tokens,
      days: options.days,
      start: iso(start),
      end: iso(end),
      history_start: iso(Math.min(...holders.map((h) => h.from))),
    },
  };
}

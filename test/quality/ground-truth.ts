/**
 * The checks every blind generator's ground truth must pass, whoever wrote it: every attack
 * has events of its own from its start, its labels name tokens, users and addresses that
 * are in the traffic, benign clients never do what only an attack does, a seed names one
 * exact traffic set, the history does not thin out on any weekday, attacks do not share
 * victims, and the networks it adds are where the product's own MMDB lookup says they are.
 * Each generator's test file adds what is particular to its populations.
 */
import { describe, expect, it } from 'vitest';
import { openGeo } from '../../src/ingest/geo.js';
import { addressIn, type Network } from './ippool.js';
import { Rng } from './rng.js';
import { trafficEnd } from './runner.js';
import { ATTACK_KINDS, type Traffic } from './traffic.js';

export interface GroundTruth {
  /** "sixth traffic set (f)". */
  name: string;
  /** The set at `seed`, ending at `end`. */
  traffic: Traffic;
  seed: number;
  end: number;
  generate: (seed: number, end: number) => Traffic;
  attacksPerKind: number;
  /** Other runs that must plan every attack: [seed, day of December 2026 past the 30th of November, hour]. */
  otherRuns: readonly (readonly [number, number, number])[];
  /** Days after 2026-12-07 whose runs must have about the same history. */
  weekdays: readonly number[];
  /** An access token after it expired: never presented, or presented and refused. */
  expiredAccess: 'never' | 'refused';
  /** The networks it adds, and addresses of its attacks that must geolocate as stated. */
  networks: readonly Network[];
  attackAddresses?: { prefix: string; country: string; asn: number; what: string };
}

/**
 * The checks themselves, for a generator whose own test keeps its shape (traffic-c.test.ts)
 * and for describeGroundTruth.
 */
export const checks = {
  /** Every attack kind `perKind` times, each starting after the warm-up and before the end, at its own first event. */
  attacksAtTheirStart(traffic: Traffic, perKind: number): void {
    for (const kind of ATTACK_KINDS) expect(traffic.attacks.filter((a) => a.kind === kind).length, kind).toBe(perKind);
    for (const a of traffic.attacks) {
      expect(a.start, a.id).toBeGreaterThan(traffic.warmEnd);
      expect(a.start, a.id).toBeLessThan(traffic.end);
      const own = traffic.usage.filter((e) => e.ts >= a.start - 1_000 && (a.tokens.includes(e.token) || a.ips.includes(e.ip)));
      expect(own.length, a.id).toBeGreaterThan(0);
      expect(Math.min(...own.map((e) => e.ts)), `${a.id} starts at its first event`).toBeLessThan(a.start + 1_000);
    }
  },

  /** Labels name what is in the traffic: tokens registered and used, users and addresses seen. */
  labelsInTraffic(traffic: Traffic): void {
    const usedTokens = new Set(traffic.usage.map((e) => e.token));
    const usedIps = new Set(traffic.usage.map((e) => e.ip));
    const users = new Set([...traffic.tokens.values()].map((t) => t.userId));
    for (const a of traffic.attacks) {
      expect(a.tokens.length, a.id).toBeGreaterThan(0);
      for (const t of a.tokens) expect(traffic.tokens.has(t), `${a.id} token registered`).toBe(true);
      expect(a.tokens.some((t) => usedTokens.has(t)), `${a.id} uses one of its tokens`).toBe(true);
      for (const ip of a.ips) expect(usedIps.has(ip), `${a.id} address ${ip} in the traffic`).toBe(true);
      for (const u of a.users) expect(users.has(u) || u.endsWith('@mail.example'), `${a.id} user ${u}`).toBe(true);
    }
    for (const t of traffic.attackOnly) expect(traffic.tokens.get(t)!.population).toBe('attacker');
  },

  /** A revoked_use attack starts at the first 2xx after the revocation; benign revoked tokens only get refusals. */
  revokedUse(traffic: Traffic): void {
    const attackTokens = new Set(traffic.attacks.flatMap((a) => a.tokens));
    const revokedAt = revocations(traffic);
    for (const a of traffic.attacks.filter((x) => x.kind === 'revoked_use')) {
      const at = Math.min(...a.tokens.map((t) => revokedAt.get(t) ?? Infinity));
      expect(at, a.id).toBeLessThan(a.start);
      const first = traffic.usage.find((e) => a.tokens.includes(e.token) && e.ts > at + 1_000 && e.status < 400);
      expect(first?.ts, a.id).toBe(a.start);
    }
    expect(traffic.usage.filter((e) => {
      const at = revokedAt.get(e.token);
      return at !== undefined && e.ts > at + 1_000 && e.status < 400 && !attackTokens.has(e.token);
    })).toEqual([]);
  },

  /** The same seed gives the same traffic, the next seed another. */
  deterministic(traffic: Traffic, generate: (seed: number, end: number) => Traffic, seed: number, end: number): void {
    const again = generate(seed, end);
    expect(again.usage.length).toBe(traffic.usage.length);
    expect(again.usage.slice(0, 300)).toEqual(traffic.usage.slice(0, 300));
    expect(again.lifecycle).toEqual(traffic.lifecycle);
    expect(again.attacks).toEqual(traffic.attacks);
    const other = generate(seed + 1, end);
    expect(other.usage.slice(0, 300)).not.toEqual(traffic.usage.slice(0, 300));
    expect(other.attacks.map((a) => a.start)).not.toEqual(traffic.attacks.map((a) => a.start));
  },

  /** Events in time order, inside the range, with unique ids and known tokens; 40k–100k of them. */
  eventsInOrder(traffic: Traffic): void {
    checks.eventsOrdered(traffic);
    expect(traffic.usage.length).toBeGreaterThan(40_000);
    expect(traffic.usage.length).toBeLessThan(100_000);
  },

  /** Events in time order, inside the range, with unique ids and known tokens. */
  eventsOrdered(traffic: Traffic): void {
    let prev = -Infinity;
    const ids = new Set<string>();
    for (const e of traffic.usage) {
      expect(e.ts).toBeGreaterThanOrEqual(prev);
      prev = e.ts;
      ids.add(e.event_id);
      expect(traffic.tokens.has(e.token)).toBe(true);
    }
    expect(ids.size).toBe(traffic.usage.length);
    expect(traffic.usage[0]!.ts).toBeGreaterThanOrEqual(traffic.oldest);
    expect(traffic.usage.at(-1)!.ts).toBeLessThan(traffic.end);
    for (let i = 1; i < traffic.lifecycle.length; i++) expect(traffic.lifecycle[i]!.ts).toBeGreaterThanOrEqual(traffic.lifecycle[i - 1]!.ts);
  },

  /** Every network it adds places its addresses (40 sampled from `rngName`) in its country and ASN (the bundled MMDB), and so do the attack addresses named. */
  async networksWhereStated(traffic: Traffic, networks: readonly Network[], rngName: string, attackAddresses?: GroundTruth['attackAddresses']): Promise<void> {
    const geo = await openGeo({});
    const rng = new Rng(rngName);
    const wrong: string[] = [];
    for (const net of networks) {
      for (let i = 0; i < 40; i++) {
        const ip = addressIn(rng, net);
        const got = geo.lookup(ip);
        if (got?.country !== net.country || got?.asn !== net.asn) wrong.push(`${net.id} ${ip}: ${got?.country}/${got?.asn}`);
      }
    }
    if (attackAddresses) {
      const at = attackAddresses;
      for (const a of traffic.attacks) for (const ip of a.ips.filter((x) => x.startsWith(at.prefix)).slice(0, 20)) {
        const got = geo.lookup(ip);
        if (got?.country !== at.country || got?.asn !== at.asn) wrong.push(`${a.id} ${at.what} ${ip}: ${got?.country}/${got?.asn}`);
      }
    }
    geo.close();
    expect(wrong).toEqual([]);
  },
};

/** Registers the common ground-truth tests for one generator. */
export function describeGroundTruth(g: GroundTruth): void {
  const { traffic } = g;
  const attackTokens = new Set(traffic.attacks.flatMap((a) => a.tokens));

  describe(`${g.name}: ground truth`, () => {
    it('has every attack kind, each starting after the warm-up and before the end, at its own first event', () => {
      checks.attacksAtTheirStart(traffic, g.attacksPerKind);
    });

    it('every planned attack is generated for other seeds and for runs ending on other weekdays and hours', () => {
      for (const [seed, day, hour] of g.otherRuns) {
        const other = g.generate(seed, trafficEnd(Date.UTC(2026, 10, 30 + day, hour)));
        for (const kind of ATTACK_KINDS) expect(other.attacks.filter((a) => a.kind === kind).length, `seed ${seed} day ${day} ${kind}`).toBe(g.attacksPerKind);
      }
    });

    it('the history is about as thick whichever weekday the run ends on (no office-hours population thinning on Mondays)', () => {
      const counts: number[] = [];
      for (const day of g.weekdays) {
        const t = g.generate(g.seed, trafficEnd(Date.UTC(2026, 11, 7 + day, 9)));
        const users = new Set(t.usage.filter((e) => e.ts < t.warmEnd && e.ts >= t.start && !t.attackOnly.has(e.token)).map((e) => t.tokens.get(e.token)!.userId ?? t.tokens.get(e.token)!.clientId));
        counts.push(users.size);
      }
      expect(Math.min(...counts) / Math.max(...counts), counts.join(',')).toBeGreaterThan(0.9);
    });

    it('labels name what is in the traffic: tokens registered and used, users and addresses seen', () => {
      checks.labelsInTraffic(traffic);
    });

    it('a revoked_use attack starts at the first 2xx after the token was revoked; benign revoked tokens only get refusals', () => {
      checks.revokedUse(traffic);
    });

    it(`benign clients never redeem a rotated refresh token, and no access token is used before it was issued or after it expired${g.expiredAccess === 'refused' ? ' (unless refused)' : ''}`, () => {
      const rotatedAt = new Map<string, number>();
      for (const e of traffic.lifecycle) if (e.event === 'refreshed' && e.rotated_from && !rotatedAt.has(e.rotated_from)) rotatedAt.set(e.rotated_from, e.ts);
      expect(traffic.usage.filter((e) => {
        const at = rotatedAt.get(e.token);
        return at !== undefined && e.ts > at + 5_000 && !attackTokens.has(e.token) && !traffic.attackOnly.has(e.token);
      })).toEqual([]);
      const issued = accessTokens(traffic);
      expect(traffic.usage.filter((e) => {
        const i = issued.get(e.token);
        return e.token_type === 'access_token' && i !== undefined && (e.ts < i.at - 1_000 || (e.ts > i.exp && (g.expiredAccess === 'never' || e.status < 400)));
      })).toEqual([]);
    });

    it('is the same for the same seed and differs for another', () => {
      checks.deterministic(traffic, g.generate, g.seed, g.end);
    });

    it('events are in time order, inside the range, with unique ids and known tokens; the size stays under 100k events', () => {
      checks.eventsInOrder(traffic);
    });

    it('every network it adds places its addresses in its country and ASN (the bundled MMDB)', async () => {
      await checks.networksWhereStated(traffic, g.networks, `ippool-${g.name}-test`, g.attackAddresses);
    });
  });

  describe(`${g.name}: attacks do not share victims`, () => {
    it('no token or user is labelled by two attacks, for several seeds', () => {
      for (const seed of [g.seed, g.seed + 1, g.seed + 2]) {
        const t = seed === g.seed ? traffic : g.generate(seed, g.end);
        const owner = new Map<string, string>();
        const shared: string[] = [];
        for (const a of t.attacks) {
          for (const tok of [...a.tokens, ...a.users.map((u) => `user:${u}`)]) {
            const prev = owner.get(tok);
            if (prev && prev !== a.id) shared.push(`${seed}: ${prev} and ${a.id}`);
            owner.set(tok, a.id);
          }
        }
        expect(shared).toEqual([]);
      }
    });
  });
}

/** When each token was first revoked. */
export function revocations(traffic: Traffic): Map<string, number> {
  const revokedAt = new Map<string, number>();
  for (const e of traffic.lifecycle) if (e.event === 'revoked' && !revokedAt.has(e.token)) revokedAt.set(e.token, e.ts);
  return revokedAt;
}

/** Each access token's issue and expiry times. */
export function accessTokens(traffic: Traffic): Map<string, { at: number; exp: number }> {
  const issued = new Map<string, { at: number; exp: number }>();
  for (const e of traffic.lifecycle) if (e.event === 'issued' && e.token_type === 'access_token') issued.set(e.token, { at: e.ts, exp: e.expires_at as number });
  return issued;
}

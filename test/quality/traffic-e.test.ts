/**
 * The fifth generator's ground truth holds by construction: every attack has events of its
 * own from its start, its labels name tokens, users and addresses that are in the traffic,
 * benign clients never do what only an attack does, a seed names one exact traffic set, the
 * history does not thin out on any weekday, and the networks it adds are where the
 * product's own MMDB lookup says they are.
 */
import { describe, expect, it } from 'vitest';
import { openGeo } from '../../src/ingest/geo.js';
import { addressIn } from './ippool.js';
import { Rng } from './rng.js';
import { trafficEnd } from './runner.js';
import { generateTrafficE, NETWORKS_E, SIZES_E } from './traffic-e.js';
import { ATTACK_KINDS } from './traffic.js';

const END = trafficEnd(Date.UTC(2026, 11, 7, 20));
const traffic = generateTrafficE(51, SIZES_E.test, END);
const attackTokens = new Set(traffic.attacks.flatMap((a) => a.tokens));

describe('fifth traffic set (e): ground truth', () => {
  it('has every attack kind, each starting after the warm-up and before the end, at its own first event', () => {
    for (const kind of ATTACK_KINDS) expect(traffic.attacks.filter((a) => a.kind === kind).length, kind).toBe(SIZES_E.test.attacksPerKind);
    for (const a of traffic.attacks) {
      expect(a.start, a.id).toBeGreaterThan(traffic.warmEnd);
      expect(a.start, a.id).toBeLessThan(traffic.end);
      const own = traffic.usage.filter((e) => e.ts >= a.start - 1_000 && (a.tokens.includes(e.token) || a.ips.includes(e.ip)));
      expect(own.length, a.id).toBeGreaterThan(0);
      expect(Math.min(...own.map((e) => e.ts)), `${a.id} starts at its first event`).toBeLessThan(a.start + 1_000);
    }
  });

  it('every planned attack is generated for other seeds and for runs ending on other weekdays and hours', () => {
    for (const [seed, day, hour] of [[52, 1, 3], [53, 3, 14], [7, 5, 23], [10, 7, 11]] as const) {
      const other = generateTrafficE(seed, SIZES_E.test, trafficEnd(Date.UTC(2026, 10, 30 + day, hour)));
      for (const kind of ATTACK_KINDS) expect(other.attacks.filter((a) => a.kind === kind).length, `seed ${seed} day ${day} ${kind}`).toBe(SIZES_E.test.attacksPerKind);
    }
  });

  it('the history is about as thick whichever weekday the run ends on (no office-hours population thinning on Mondays)', () => {
    const counts: number[] = [];
    for (const day of [0, 1, 2, 4, 6]) {
      const t = generateTrafficE(51, SIZES_E.test, trafficEnd(Date.UTC(2026, 11, 7 + day, 9)));
      const users = new Set(t.usage.filter((e) => e.ts < t.warmEnd && e.ts >= t.start && !t.attackOnly.has(e.token)).map((e) => t.tokens.get(e.token)!.userId ?? t.tokens.get(e.token)!.clientId));
      counts.push(users.size);
    }
    expect(Math.min(...counts) / Math.max(...counts), counts.join(',')).toBeGreaterThan(0.9);
  });

  it('labels name what is in the traffic: tokens registered and used, users and addresses seen', () => {
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
  });

  it('a revoked_use attack starts at the first 2xx after the token was revoked; benign revoked tokens only get refusals', () => {
    const revokedAt = new Map<string, number>();
    for (const e of traffic.lifecycle) if (e.event === 'revoked' && !revokedAt.has(e.token)) revokedAt.set(e.token, e.ts);
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
    // The bot farm does present the tickets anti-cheat revoked, and is refused.
    expect(traffic.usage.some((e) => revokedAt.has(e.token) && e.ts > revokedAt.get(e.token)! && e.status === 401 && traffic.tokens.get(e.token)!.population === 'mobile-game')).toBe(true);
  });

  it('benign clients never redeem a rotated refresh token, and no access token is used before it was issued or after it expired', () => {
    const rotatedAt = new Map<string, number>();
    for (const e of traffic.lifecycle) if (e.event === 'refreshed' && e.rotated_from && !rotatedAt.has(e.rotated_from)) rotatedAt.set(e.rotated_from, e.ts);
    expect(traffic.usage.filter((e) => {
      const at = rotatedAt.get(e.token);
      return at !== undefined && e.ts > at + 5_000 && !attackTokens.has(e.token) && !traffic.attackOnly.has(e.token);
    })).toEqual([]);
    const issued = new Map<string, { at: number; exp: number }>();
    for (const e of traffic.lifecycle) if (e.event === 'issued' && e.token_type === 'access_token') issued.set(e.token, { at: e.ts, exp: e.expires_at as number });
    expect(traffic.usage.filter((e) => {
      const i = issued.get(e.token);
      return e.token_type === 'access_token' && i !== undefined && (e.ts < i.at - 1_000 || (e.ts > i.exp && e.status < 400));
    })).toEqual([]);
    // The game SDK does resume with an expired ticket now and then, and is refused.
    expect(traffic.usage.some((e) => e.status === 401 && traffic.tokens.get(e.token)!.population === 'mobile-game' && e.ts > (issued.get(e.token)?.exp ?? Infinity))).toBe(true);
  });

  it('is the same for the same seed and differs for another', () => {
    const again = generateTrafficE(51, SIZES_E.test, END);
    expect(again.usage.length).toBe(traffic.usage.length);
    expect(again.usage.slice(0, 300)).toEqual(traffic.usage.slice(0, 300));
    expect(again.lifecycle).toEqual(traffic.lifecycle);
    expect(again.attacks).toEqual(traffic.attacks);
    const other = generateTrafficE(52, SIZES_E.test, END);
    expect(other.usage.slice(0, 300)).not.toEqual(traffic.usage.slice(0, 300));
    expect(other.attacks.map((a) => a.start)).not.toEqual(traffic.attacks.map((a) => a.start));
  });

  it('events are in time order, inside the range, with unique ids and known tokens; the size stays under 100k events', () => {
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
    expect(traffic.usage.length).toBeGreaterThan(40_000);
    expect(traffic.usage.length).toBeLessThan(100_000);
  });

  it('every network it adds places its addresses in its country and ASN (the bundled MMDB)', async () => {
    const geo = await openGeo({});
    const rng = new Rng('ippool-e-test');
    const wrong: string[] = [];
    for (const net of NETWORKS_E) {
      for (let i = 0; i < 40; i++) {
        const ip = addressIn(rng, net);
        const got = geo.lookup(ip);
        if (got?.country !== net.country || got?.asn !== net.asn) wrong.push(`${net.id} ${ip}: ${got?.country}/${got?.asn}`);
      }
    }
    // The IPv6 /48s attackers rotate through are Hetzner's, in Germany.
    for (const a of traffic.attacks) for (const ip of a.ips.filter((x) => x.startsWith('2a01:4f8:')).slice(0, 20)) {
      const got = geo.lookup(ip);
      if (got?.country !== 'DE' || got?.asn !== 24940) wrong.push(`${a.id} ${ip}: ${got?.country}/${got?.asn}`);
    }
    geo.close();
    expect(wrong).toEqual([]);
  });
});

describe('fifth traffic set (e): attacks do not share victims', () => {
  it('no token or user is labelled by two attacks, for several seeds', () => {
    for (const seed of [51, 52, 53]) {
      const t = seed === 51 ? traffic : generateTrafficE(seed, SIZES_E.test, END);
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

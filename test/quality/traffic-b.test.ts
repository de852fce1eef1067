/**
 * The held-out generator's ground truth holds by construction: every attack has events of
 * its own after its start, its labels name tokens, users and addresses that really are in
 * the traffic, benign clients never do what only an attack does, and a seed names one
 * exact traffic set.
 */
import { describe, expect, it } from 'vitest';
import { trafficEnd } from './runner.js';
import { generateTrafficB, SIZES_B } from './traffic-b.js';
import { ATTACK_KINDS } from './traffic.js';
import { inBlock } from './score.js';
import { checks } from './ground-truth.js';

const END = trafficEnd(Date.UTC(2026, 11, 7, 12));
const traffic = generateTrafficB(21, SIZES_B.test, END);
const attackTokens = new Set(traffic.attacks.flatMap((a) => a.tokens));

describe('held-out traffic (b): ground truth', () => {
  it('has every attack kind, each starting after the warm-up and before the end, with its own events from the start', () => {
    for (const kind of ATTACK_KINDS) expect(traffic.attacks.filter((a) => a.kind === kind).length, kind).toBe(SIZES_B.test.attacksPerKind);
    for (const a of traffic.attacks) {
      expect(a.start, a.id).toBeGreaterThan(traffic.warmEnd);
      expect(a.start, a.id).toBeLessThan(traffic.end);
      const own = traffic.usage.filter((e) => e.ts >= a.start && (a.tokens.includes(e.token) || a.ips.includes(e.ip)));
      expect(own.length, a.id).toBeGreaterThan(0);
      expect(Math.min(...own.map((e) => e.ts)), `${a.id} starts at its first event`).toBeLessThan(a.start + 1_000);
    }
  });

  it('labels name what is in the traffic: tokens registered and used, users and addresses seen', () => {
    const usedTokens = new Set(traffic.usage.map((e) => e.token));
    const usedIps = new Set(traffic.usage.map((e) => e.ip));
    const users = new Set(traffic.usage.map((e) => e.user_id));
    for (const a of traffic.attacks) {
      for (const t of a.tokens) expect(traffic.tokens.has(t), `${a.id} token registered`).toBe(true);
      expect(a.tokens.some((t) => usedTokens.has(t)), `${a.id} uses one of its tokens`).toBe(true);
      for (const ip of a.ips) expect(usedIps.has(ip), `${a.id} address ${ip} in the traffic`).toBe(true);
      for (const u of a.users) expect(users.has(u) || [...traffic.tokens.values()].some((t) => t.userId === u), `${a.id} user ${u}`).toBe(true);
    }
    // Attacker-only credentials (guesses, minted tokens) are never a benign population's.
    for (const t of traffic.attackOnly) expect(traffic.tokens.get(t)!.population).toBe('attacker');
  });

  it('a revoked_use attack starts at the first 2xx after the token was revoked', () => {
    for (const a of traffic.attacks.filter((x) => x.kind === 'revoked_use')) {
      const revoked = traffic.lifecycle.find((e) => e.event === 'revoked' && a.tokens.includes(e.token));
      expect(revoked, a.id).toBeDefined();
      expect(revoked!.ts).toBeLessThan(a.start);
      const first = traffic.usage.find((e) => a.tokens.includes(e.token) && e.ts > revoked!.ts + 1_000 && e.status < 400);
      expect(first?.ts, a.id).toBe(a.start);
    }
  });

  it('is the same for the same seed and differs for another', () => {
    const again = generateTrafficB(21, SIZES_B.test, END);
    expect(again.usage.length).toBe(traffic.usage.length);
    expect(again.usage.slice(0, 200)).toEqual(traffic.usage.slice(0, 200));
    expect(again.lifecycle).toEqual(traffic.lifecycle);
    expect(again.attacks).toEqual(traffic.attacks);
    const other = generateTrafficB(22, SIZES_B.test, END);
    expect(other.usage.slice(0, 200)).not.toEqual(traffic.usage.slice(0, 200));
    expect(other.attacks.map((a) => a.start)).not.toEqual(traffic.attacks.map((a) => a.start));
  });

  it('events are in time order, inside the traffic range, with unique ids and known tokens', () => {
    checks.eventsOrdered(traffic);
  });

  it('benign clients never redeem a rotated refresh token (beyond a race within seconds)', () => {
    const rotatedAt = new Map<string, number>();
    for (const e of traffic.lifecycle) if (e.event === 'refreshed' && e.rotated_from && !rotatedAt.has(e.rotated_from)) rotatedAt.set(e.rotated_from, e.ts);
    const bad = traffic.usage.filter((e) => {
      const at = rotatedAt.get(e.token);
      return at !== undefined && e.ts > at + 5_000 && !attackTokens.has(e.token) && !traffic.attackOnly.has(e.token);
    });
    expect(bad).toEqual([]);
  });

  it('benign revoked tokens are refused after a second, and no access token is used before it was issued', () => {
    const revokedAt = new Map<string, number>();
    for (const e of traffic.lifecycle) if (e.event === 'revoked' && !revokedAt.has(e.token)) revokedAt.set(e.token, e.ts);
    expect(traffic.usage.filter((e) => {
      const at = revokedAt.get(e.token);
      return at !== undefined && e.ts > at + 1_000 && e.status < 400 && !attackTokens.has(e.token);
    })).toEqual([]);
    const issuedAt = new Map<string, number>();
    for (const e of traffic.lifecycle) if (e.event === 'issued' && e.token_type === 'access_token') issuedAt.set(e.token, e.ts);
    expect(traffic.usage.filter((e) => e.token_type === 'access_token' && issuedAt.has(e.token) && e.ts < issuedAt.get(e.token)! - 1_000)).toEqual([]);
  });

  it('keeps the test size near the first generator\'s volume', () => {
    expect(traffic.usage.length).toBeGreaterThan(50_000);
    expect(traffic.usage.length).toBeLessThan(110_000);
  });

  it('the scorer places an attack address inside a flagged block (a /24 or wider network subject)', () => {
    expect(inBlock('176.67.80.211', '176.67.80.0/24')).toBe(true);
    expect(inBlock('176.67.81.211', '176.67.80.0/24')).toBe(false);
    expect(inBlock('176.67.81.211', '176.67.0.0/16')).toBe(true);
    expect(inBlock('2a02:8108::1', '2a02:8108::/32')).toBe(true);
    expect(inBlock('2a02:8109::1', '2a02:8108::/32')).toBe(false);
    expect(inBlock('10.0.0.1', '2a02:8108::/32')).toBe(false);
    expect(inBlock('10.0.0.1', 'nonsense')).toBe(false);
  });
});

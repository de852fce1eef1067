/**
 * The generator's ground truth holds by construction: benign traffic never does what only
 * an attack does (a rotated refresh token redeemed again, a revoked token accepted, a
 * token used before it was issued), and every attack kind is present with a start inside
 * the attack period.
 */
import { describe, expect, it } from 'vitest';
import { SIZES, trafficEnd } from './runner.js';
import { ATTACK_KINDS, generateTraffic } from './traffic.js';

const traffic = generateTraffic(5, SIZES.test, trafficEnd(Date.UTC(2026, 11, 7, 12)));
const attackTokens = new Set(traffic.attacks.flatMap((a) => a.tokens));

describe('independent traffic: ground truth', () => {
  it('has every attack kind, each starting after the warm-up and before the end', () => {
    for (const kind of ATTACK_KINDS) expect(traffic.attacks.filter((a) => a.kind === kind).length).toBe(SIZES.test.attacksPerKind);
    for (const a of traffic.attacks) {
      expect(a.start).toBeGreaterThan(traffic.warmEnd);
      expect(a.start).toBeLessThan(traffic.end);
      expect(traffic.usage.some((e) => e.ts >= a.start && (a.tokens.includes(e.token) || a.ips.includes(e.ip)))).toBe(true);
    }
  });

  it('is the same for the same seed and differs for another', () => {
    const again = generateTraffic(5, SIZES.test, trafficEnd(Date.UTC(2026, 11, 7, 12)));
    expect(again.usage.length).toBe(traffic.usage.length);
    expect(again.usage.slice(0, 50)).toEqual(traffic.usage.slice(0, 50));
    expect(generateTraffic(6, SIZES.test, trafficEnd(Date.UTC(2026, 11, 7, 12))).usage.length).not.toBe(traffic.usage.length);
  });

  it('benign clients never redeem a rotated refresh token (beyond a retry within seconds from the same address)', () => {
    const rotatedAt = new Map<string, number>();
    for (const e of traffic.lifecycle) if (e.event === 'refreshed' && e.rotated_from && !rotatedAt.has(e.rotated_from)) rotatedAt.set(e.rotated_from, e.ts);
    const bad = traffic.usage.filter((e) => {
      const at = rotatedAt.get(e.token);
      return at !== undefined && e.ts > at + 5_000 && !attackTokens.has(e.token) && !traffic.attackOnly.has(e.token);
    });
    expect(bad).toEqual([]);
  });

  it('benign revoked tokens are refused (401) after a second of propagation', () => {
    const revokedAt = new Map<string, number>();
    for (const e of traffic.lifecycle) if (e.event === 'revoked' && !revokedAt.has(e.token)) revokedAt.set(e.token, e.ts);
    const bad = traffic.usage.filter((e) => {
      const at = revokedAt.get(e.token);
      return at !== undefined && e.ts > at + 1_000 && e.status < 400 && !attackTokens.has(e.token);
    });
    expect(bad).toEqual([]);
  });

  it("an attack's revoked token is accepted only from the attack's start: what comes before is the benign owner's, and must be refused", () => {
    const revokedAt = new Map<string, number>();
    for (const e of traffic.lifecycle) if (e.event === 'revoked' && !revokedAt.has(e.token)) revokedAt.set(e.token, e.ts);
    const bad = traffic.attacks.flatMap((a) =>
      traffic.usage.filter((e) => a.tokens.includes(e.token) && revokedAt.has(e.token) && e.ts > revokedAt.get(e.token)! + 1_000 && e.ts < a.start && e.status < 400),
    );
    expect(bad.map((e) => `${e.token_type} at ${new Date(e.ts).toISOString()}`)).toEqual([]);
  });

  it('no access token is used before it was issued', () => {
    const issuedAt = new Map<string, number>();
    for (const e of traffic.lifecycle) if (e.event === 'issued' && e.token_type === 'access_token') issuedAt.set(e.token, e.ts);
    const bad = traffic.usage.filter((e) => e.token_type === 'access_token' && issuedAt.has(e.token) && e.ts < issuedAt.get(e.token)! - 1_000);
    expect(bad.map((e) => `${e.token} at ${e.ts} issued ${issuedAt.get(e.token)}`)).toEqual([]);
  });
});

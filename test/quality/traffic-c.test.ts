/**
 * The third generator's ground truth holds by construction: every attack has events of its
 * own from its start, its labels name tokens, users and addresses that are in the traffic,
 * benign clients never do what only an attack does, a seed names one exact traffic set,
 * and the networks it adds are where the product's own MMDB lookup says they are.
 */
import { describe, expect, it } from 'vitest';
import { checks } from './ground-truth.js';
import { trafficEnd } from './runner.js';
import { generateTrafficC, NETWORKS_C, SIZES_C } from './traffic-c.js';
import { ATTACK_KINDS } from './traffic.js';

const END = trafficEnd(Date.UTC(2026, 11, 7, 12));
const traffic = generateTrafficC(31, SIZES_C.test, END);
const attackTokens = new Set(traffic.attacks.flatMap((a) => a.tokens));

describe('third traffic set (c): ground truth', () => {
  it('has every attack kind, each starting after the warm-up and before the end, at its own first event', () => {
    checks.attacksAtTheirStart(traffic, SIZES_C.test.attacksPerKind);
  });

  it('every planned attack is generated for other seeds too (no victim without the history its variant needs)', () => {
    for (const seed of [32, 33, 1]) {
      const other = generateTrafficC(seed, SIZES_C.test, END);
      for (const kind of ATTACK_KINDS) expect(other.attacks.filter((a) => a.kind === kind).length, `seed ${seed} ${kind}`).toBe(SIZES_C.test.attacksPerKind);
    }
  });

  it('labels name what is in the traffic: tokens registered and used, users and addresses seen', () => {
    checks.labelsInTraffic(traffic);
  });

  it('a revoked_use attack starts at the first 2xx after the token was revoked; benign revoked tokens only get refusals', () => {
    checks.revokedUse(traffic);
  });

  it('benign clients never redeem a rotated refresh token, and no access token is used before it was issued', () => {
    const rotatedAt = new Map<string, number>();
    for (const e of traffic.lifecycle) if (e.event === 'refreshed' && e.rotated_from && !rotatedAt.has(e.rotated_from)) rotatedAt.set(e.rotated_from, e.ts);
    expect(traffic.usage.filter((e) => {
      const at = rotatedAt.get(e.token);
      return at !== undefined && e.ts > at + 5_000 && !attackTokens.has(e.token) && !traffic.attackOnly.has(e.token);
    })).toEqual([]);
    const issuedAt = new Map<string, number>();
    for (const e of traffic.lifecycle) if (e.event === 'issued' && e.token_type === 'access_token') issuedAt.set(e.token, e.ts);
    expect(traffic.usage.filter((e) => e.token_type === 'access_token' && issuedAt.has(e.token) && e.ts < issuedAt.get(e.token)! - 1_000)).toEqual([]);
  });

  it('is the same for the same seed and differs for another', () => {
    checks.deterministic(traffic, (seed, end) => generateTrafficC(seed, SIZES_C.test, end), 31, END);
  });

  it('events are in time order, inside the range, with unique ids and known tokens; the size stays under 100k events', () => {
    checks.eventsInOrder(traffic);
  });

  it('every network it adds places its addresses in its country and ASN (the bundled MMDB)', async () => {
    await checks.networksWhereStated(traffic, NETWORKS_C, 'ippool-c-test');
  });
});

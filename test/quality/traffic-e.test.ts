/**
 * The fifth generator's ground truth holds by construction: the checks every blind
 * generator must pass (ground-truth.ts), and what is particular to its populations.
 */
import { describe, expect, it } from 'vitest';
import { accessTokens, describeGroundTruth, revocations } from './ground-truth.js';
import { trafficEnd } from './runner.js';
import { generateTrafficE, NETWORKS_E, SIZES_E } from './traffic-e.js';

const END = trafficEnd(Date.UTC(2026, 11, 7, 20));
const traffic = generateTrafficE(51, SIZES_E.test, END);

describeGroundTruth({
  name: 'fifth traffic set (e)',
  traffic,
  seed: 51,
  end: END,
  generate: (seed, end) => generateTrafficE(seed, SIZES_E.test, end),
  attacksPerKind: SIZES_E.test.attacksPerKind,
  otherRuns: [[52, 1, 3], [53, 3, 14], [7, 5, 23], [10, 7, 11]],
  weekdays: [0, 1, 2, 4, 6],
  expiredAccess: 'refused',
  networks: NETWORKS_E,
  attackAddresses: { prefix: '2a01:4f8:', country: 'DE', asn: 24940, what: 'IPv6 /48 of Hetzner' },
});

describe('fifth traffic set (e): its own populations', () => {
  it('revoked tokens are presented by benign clients too, and refused', () => {
    const revokedAt = revocations(traffic);
    // The bot farm does present the tickets anti-cheat revoked, and is refused.
    expect(traffic.usage.some((e) => revokedAt.has(e.token) && e.ts > revokedAt.get(e.token)! && e.status === 401 && traffic.tokens.get(e.token)!.population === 'mobile-game')).toBe(true);
  });

  it('the game SDK resumes with an expired ticket now and then, and is refused', () => {
    const issued = accessTokens(traffic);
    // The game SDK does resume with an expired ticket now and then, and is refused.
    expect(traffic.usage.some((e) => e.status === 401 && traffic.tokens.get(e.token)!.population === 'mobile-game' && e.ts > (issued.get(e.token)?.exp ?? Infinity))).toBe(true);
  });
});


/**
 * The fourth generator's ground truth holds by construction: the checks every blind
 * generator must pass (ground-truth.ts), and what is particular to its populations.
 */
import { describe, expect, it } from 'vitest';
import { describeGroundTruth, revocations } from './ground-truth.js';
import { trafficEnd } from './runner.js';
import { generateTrafficD, NETWORKS_D, SIZES_D } from './traffic-d.js';

const END = trafficEnd(Date.UTC(2026, 11, 7, 20));
const traffic = generateTrafficD(41, SIZES_D.test, END);

describeGroundTruth({
  name: 'fourth traffic set (d)',
  traffic,
  seed: 41,
  end: END,
  generate: (seed, end) => generateTrafficD(seed, SIZES_D.test, end),
  attacksPerKind: SIZES_D.test.attacksPerKind,
  otherRuns: [[42, 1, 3], [43, 3, 14], [7, 5, 23], [10, 7, 11]],
  weekdays: [0, 1, 2, 3, 4, 5, 6],
  expiredAccess: 'never',
  networks: NETWORKS_D,
});

describe('fourth traffic set (d): its own populations', () => {
  it('revoked tokens are presented by benign clients too, and refused', () => {
    const revokedAt = revocations(traffic);
    // The partner's forgotten worker does present the revoked key, and is refused.
    expect(traffic.usage.some((e) => revokedAt.has(e.token) && e.ts > revokedAt.get(e.token)! && e.status === 401 && traffic.tokens.get(e.token)!.population === 'partner')).toBe(true);
  });
});


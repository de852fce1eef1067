/**
 * The simulator's budget: 1,000 token holders over 3 days is 300k–600k events, generated in
 * under 10 s. Measured as this process's CPU time, so a busy machine does not fail the test.
 */
import { describe, expect, it } from 'vitest';
import { generate } from '../../src/simulate/index.js';

describe('generate: volume and time', () => {
  it('makes 300k–600k events for 1,000 tokens over 3 days in under 10 s of CPU', () => {
    const before = process.cpuUsage();
    const sim = generate({ seed: 1, tokens: 1000, days: 3 });
    const used = process.cpuUsage(before);
    expect(sim.events.length).toBeGreaterThan(300_000);
    expect(sim.events.length).toBeLessThan(600_000);
    expect((used.user + used.system) / 1e6).toBeLessThan(10);
  });
});

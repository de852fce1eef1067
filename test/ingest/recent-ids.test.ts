import { describe, expect, it } from 'vitest';
import { RecentIds } from '../../src/ingest/recent-ids.js';

describe('RecentIds', () => {
  it('remembers ids within the window and forgets them after two generations', () => {
    let now = 0;
    const ids = new RecentIds(1000, 1000, () => now);
    ids.add('a');
    expect(ids.has('a')).toBe(true);
    expect(ids.has('b')).toBe(false);
    now = 1500; // one rotation: 'a' is in the previous generation
    ids.add('b');
    expect(ids.has('a')).toBe(true);
    now = 3000; // second rotation: 'a' is gone
    ids.add('c');
    expect(ids.has('a')).toBe(false);
    expect(ids.has('b')).toBe(true);
  });

  it('keeps at least its capacity of distinct ids without false positives', () => {
    const ids = new RecentIds(200_000, 3_600_000);
    for (let i = 0; i < 200_000; i++) ids.add(`evt-${i}`);
    let hits = 0;
    for (let i = 0; i < 200_000; i++) if (ids.has(`evt-${i}`)) hits += 1;
    expect(hits).toBe(200_000);
    let falsePositives = 0;
    for (let i = 0; i < 200_000; i++) if (ids.has(`other-${i}`)) falsePositives += 1;
    expect(falsePositives).toBe(0);
  });

  it('does nothing when the window is zero', () => {
    const ids = new RecentIds(10, 0);
    ids.add('x');
    expect(ids.has('x')).toBe(false);
  });
});

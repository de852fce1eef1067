/** The dispatcher's parts on their own: token bucket, circuit breaker, moving average. */
import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/revocation/breaker.js';
import { Ewma } from '../../src/revocation/ewma.js';
import { TokenBucket } from '../../src/revocation/token-bucket.js';

describe('TokenBucket', () => {
  it('starts full, holds burstSeconds of the rate (at least one), refills at the rate', () => {
    const bucket = new TokenBucket(100, 0.1);
    expect(bucket.burst).toBe(10);
    expect(bucket.available()).toBe(10);
    bucket.take(10);
    const now = Date.now();
    bucket.refill(now);
    bucket.refill(now + 50); // 50 ms at 100/s: 5 more
    expect(bucket.available()).toBeGreaterThanOrEqual(5);
    bucket.refill(now + 10_000);
    expect(bucket.available()).toBe(10);
    bucket.drain();
    expect(bucket.available()).toBe(0);
    expect(new TokenBucket(2, 0.1).burst).toBe(1);
  });
});

describe('CircuitBreaker', () => {
  it('opens after threshold failures, lets one probe through half open, reopens on a failed probe, closes on an answer', () => {
    const b = new CircuitBreaker(3, 1000);
    const t = 1_000_000;
    expect(b.state(t)).toBe('closed');
    expect(b.room('closed')).toBe(Infinity);
    expect(b.failure(t)).toBe(false);
    expect(b.failure(t)).toBe(false);
    expect(b.failure(t)).toBe(true);
    expect(b.state(t + 999)).toBe('open');
    expect(b.room('open')).toBe(0);
    expect(b.state(t + 1000)).toBe('half_open');
    expect(b.room('half_open')).toBe(1);
    b.started('half_open');
    expect(b.room('half_open')).toBe(0);
    expect(b.failure(t + 1000)).toBe(true); // the probe failed: open again
    b.settled();
    expect(b.state(t + 1500)).toBe('open');
    b.started('half_open');
    b.success();
    b.settled();
    expect(b.state(t + 5000)).toBe('closed');
    expect(b.failures).toBe(0);
  });
});

describe('Ewma', () => {
  it('averages the first samples plainly, then weighs the newest by alpha', () => {
    const e = new Ewma(200, 0.1, 10);
    e.add(100);
    expect(e.value).toBe(100); // the starting value does not linger
    e.add(300);
    expect(e.value).toBe(200);
    for (let i = 0; i < 20; i++) e.add(200);
    e.add(1200);
    expect(e.value).toBeCloseTo(300, 6);
    expect(e.samples).toBe(23);
  });
});

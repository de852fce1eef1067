/**
 * A token bucket: `ratePerSec` tokens a second, at most `burst` held. Each send takes one;
 * the dispatcher sends no more than the whole tokens in the bucket.
 */
export class TokenBucket {
  readonly burst: number;
  tokens: number;
  #lastRefill = Date.now();

  /** The bucket holds `burstSeconds` of the rate at most, and never less than one token. */
  constructor(readonly ratePerSec: number, burstSeconds: number) {
    this.burst = Math.max(1, ratePerSec * burstSeconds);
    this.tokens = this.burst;
  }

  refill(now: number): void {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.#lastRefill) / 1000) * this.ratePerSec);
    this.#lastRefill = now;
  }

  /** Whole tokens available now (after `refill`). */
  available(): number {
    return Math.floor(this.tokens);
  }

  take(count: number): void {
    this.tokens -= count;
  }

  /** Spends what is left (the target asked us to slow down). */
  drain(): void {
    this.tokens = Math.min(this.tokens, 0);
  }
}

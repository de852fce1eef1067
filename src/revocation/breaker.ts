/**
 * A circuit breaker: `threshold` consecutive failures open it for `openMs`; then it is half
 * open and lets one probe through. A failed probe opens it again, any other answer closes it.
 */
export type BreakerState = 'closed' | 'open' | 'half_open';

export class CircuitBreaker {
  failures = 0;
  /** 0 while closed; otherwise open until this time, then half open. */
  openUntil = 0;
  /** The one call allowed while half open is under way. */
  probing = false;

  constructor(readonly threshold: number, readonly openMs: number) {}

  state(now: number): BreakerState {
    if (this.openUntil === 0) return 'closed';
    return now < this.openUntil ? 'open' : 'half_open';
  }

  /** How many calls may start now, as far as the breaker is concerned. */
  room(state: BreakerState): number {
    if (state === 'open') return 0;
    if (state === 'half_open') return this.probing ? 0 : 1;
    return Infinity;
  }

  /** Calls start; while half open, they are the probe. */
  started(state: BreakerState): void {
    if (state === 'half_open') this.probing = true;
  }

  /** A call failed in a way that counts; true when this opened the breaker. */
  failure(now: number): boolean {
    this.failures += 1;
    if (this.failures < this.threshold && !this.probing) return false;
    this.openUntil = now + this.openMs;
    return true;
  }

  /** A call was answered (done or refused for good): the target is alive. */
  success(): void {
    this.failures = 0;
    this.openUntil = 0;
  }

  /** After any outcome of a call, the probe (if it was one) is over. */
  settled(): void {
    this.probing = false;
  }
}

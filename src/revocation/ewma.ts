/**
 * An exponentially weighted moving average. The first `warmup` samples are averaged plainly
 * (weight 1/n), so the starting value and the first sample do not linger; after that the
 * newest sample weighs `alpha`.
 */
export class Ewma {
  samples = 0;

  constructor(public value: number, readonly alpha: number, readonly warmup = 10) {}

  add(sample: number): void {
    this.samples += 1;
    const weight = this.samples < this.warmup ? 1 / this.samples : this.alpha;
    this.value += weight * (sample - this.value);
  }
}

/**
 * Remembers the event ids of the last few minutes so that a gateway retrying a batch
 * (same event ids) does not count twice. Two generations of open-addressing hash sets
 * of 64-bit fingerprints in typed arrays: memory is fixed at start (16 bytes a slot),
 * whatever the load. A generation is retired when it is full or older than the window;
 * an id is "seen" while it is in either generation.
 */

/** Half-full tables keep probe sequences short. */
const MAX_LOAD = 0.5;

/** Two FNV-1a variants over UTF-16 code units: 64 bits, collision odds ~1e-7 at 3 M ids. */
export function hash64(id: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x9e3779b9;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  // Zero marks an empty slot.
  return [a >>> 0 || 1, b >>> 0];
}

class Generation {
  readonly hi: Uint32Array;
  readonly lo: Uint32Array;
  size = 0;
  readonly mask: number;

  constructor(
    slots: number,
    readonly startedAt: number,
  ) {
    this.hi = new Uint32Array(slots);
    this.lo = new Uint32Array(slots);
    this.mask = slots - 1;
  }

  /** Returns true when the id was already present. */
  addOrHas(hi: number, lo: number, add: boolean): boolean {
    let i = (lo ^ Math.imul(hi, 0x27d4eb2d)) & this.mask;
    for (;;) {
      const h = this.hi[i]!;
      if (h === 0) {
        if (add) {
          this.hi[i] = hi;
          this.lo[i] = lo;
          this.size += 1;
        }
        return false;
      }
      if (h === hi && this.lo[i] === lo) return true;
      i = (i + 1) & this.mask;
    }
  }
}

export class RecentIds {
  private current: Generation;
  private previous: Generation | undefined;
  private readonly slots: number;
  private readonly perGeneration: number;

  /**
   * @param capacity ids remembered at least (split over two generations)
   * @param windowMs how long an id is remembered at least, load permitting
   */
  constructor(
    capacity: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.perGeneration = Math.max(1, Math.ceil(capacity / 2));
    this.slots = 2 ** Math.ceil(Math.log2(this.perGeneration / MAX_LOAD));
    this.current = new Generation(this.slots, now());
  }

  get enabled(): boolean {
    return this.windowMs > 0;
  }

  private rotateIfDue(): void {
    if (this.current.size >= this.perGeneration || this.now() - this.current.startedAt >= this.windowMs) {
      this.previous = this.current;
      this.current = new Generation(this.slots, this.now());
    }
  }

  has(id: string): boolean {
    if (!this.enabled) return false;
    const [hi, lo] = hash64(id);
    return this.current.addOrHas(hi, lo, false) || (this.previous?.addOrHas(hi, lo, false) ?? false);
  }

  add(id: string): void {
    if (!this.enabled) return;
    const [hi, lo] = hash64(id);
    this.rotateIfDue();
    this.current.addOrHas(hi, lo, true);
  }
}

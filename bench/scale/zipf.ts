import { mulberry32 } from '../lib/seeded-random';

/**
 * Seeded randomness for the scale benchmark: the same --seed gives the same catalog popularity, carts and customers,
 * so two runs (before and after a key redesign) drive the same orders.
 */

/** A uniform number in [0, 1) from a 32-bit seed. */
export const seededRandom = mulberry32;

/** An integer in [0, n) drawn with `random`. */
export const randomIndex = (random: () => number, n: number) => Math.min(n - 1, Math.floor(random() * n));

/**
 * Zipf's law over ranks 0..n-1: rank k is drawn with probability proportional to 1 / (k + 1)^s. `share(k)` is that
 * probability; `sample()` draws a rank (binary search on the cumulative weights).
 */
export class Zipf {
  private readonly cumulative: Float64Array;

  constructor(
    readonly n: number,
    readonly s: number,
    private readonly random: () => number,
  ) {
    if (!Number.isInteger(n) || n < 1) throw new Error(`Zipf needs at least one rank, got ${n}`);
    if (!(s >= 0)) throw new Error(`Zipf exponent must be 0 or more, got ${s}`);
    this.cumulative = new Float64Array(n);
    let total = 0;
    for (let k = 0; k < n; k++) {
      total += 1 / (k + 1) ** s;
      this.cumulative[k] = total;
    }
  }

  /** The probability of rank k. */
  share(k: number): number {
    const total = this.cumulative[this.n - 1] as number;
    const below = k > 0 ? (this.cumulative[k - 1] as number) : 0;
    return k < 0 || k >= this.n ? 0 : ((this.cumulative[k] as number) - below) / total;
  }

  /** A rank drawn by its share. */
  sample(): number {
    const target = this.random() * (this.cumulative[this.n - 1] as number);
    let lo = 0;
    let hi = this.n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.cumulative[mid] as number) > target) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** `count` distinct ranks (count ≤ n), each drawn by its share among those not yet drawn. */
  distinct(count: number): number[] {
    const picked = new Set<number>();
    for (let guard = 0; picked.size < Math.min(count, this.n) && guard < 1000 * count; guard++) picked.add(this.sample());
    return [...picked];
  }
}

/**
 * The fuzzer's seeded randomness. Every case draws from its own stream keyed
 * by (seed, iteration), so one finding replays from those two numbers alone,
 * without re-running the cases before it. A hand-written PRNG rather than
 * fast-check's: the values fast-check's arbitraries produce for a seed are
 * not promised to stay the same across its versions, and the fuzzer needs no
 * shrinking (each case is a process spawn, too costly to shrink over).
 */
export class Rng {
  private state: number;

  constructor(seed: number, stream = 0) {
    // splitmix32-style mix of the two keys, so neighbouring iterations diverge at once.
    this.state = mix32((seed >>> 0) ^ mix32((stream >>> 0) + 0x9e3779b9));
  }

  /** A uniform 32-bit unsigned integer (mulberry32). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    if (n <= 0) return 0;
    return Math.floor((this.next() / 4294967296) * n);
  }

  /** An integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.next() / 4294967296 < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** A length biased towards small values (most mutations should stay local). */
  smallLength(max: number): number {
    const cap = this.pick([4, 16, 64, 512, max]);
    return 1 + this.int(Math.max(1, Math.min(cap, max)));
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.next() & 0xff;
    return out;
  }
}

function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/**
 * The repository's name → stanza table: open addressing over typed arrays
 * (an int32 name hash and a float64 stanza reference per slot), so that the
 * 63,000 names of an index need no JavaScript string or Map entry each — a
 * name is decoded only when two hashes meet, or when someone looks it up.
 */
export class NameTable {
  // Sized for a whole distribution index up front: growing while reading replaces these
  // fields, which also throws away the optimised code that reads them.
  private hashes = new Int32Array(1 << 17);
  private refs = new Float64Array(1 << 17).fill(-1);
  private count = 0;

  /** `nameOf(ref)`: the name of a stanza reference (references are non-negative). */
  constructor(private readonly nameOf: (ref: number) => string) {}

  get size(): number {
    return this.count;
  }

  /** The slot holding the name `name` (hash h), or the empty slot where it would go. */
  slotOfName(h: number, name: string): number {
    return this.probe(h, name, -1);
  }

  /** The slot holding the name of stanza `ref` (hash h), or the empty slot where it would go. */
  slotOfRef(h: number, ref: number): number {
    return this.probe(h, undefined, ref);
  }

  /** The reference in a slot, or -1 if it is empty. */
  at(slot: number): number {
    return this.refs[slot]!;
  }

  /** Stores `ref` in a slot found by slotOf…(); the slot is invalid afterwards. */
  set(slot: number, h: number, ref: number): void {
    if (this.refs[slot]! < 0) this.count++;
    this.hashes[slot] = h;
    this.refs[slot] = ref;
    if (this.count * 2 > this.refs.length) this.grow();
  }

  /**
   * The first pass of adding many stanzas (hashes[k] for stanza base + k,
   * those with want[k] false skipped): each is stored if no entry has its
   * hash; the others are returned, as (stanza, slot of the entry with the same
   * hash) pairs, for the caller to compare names (slotOfRef). One small loop
   * with nothing else in it: the JIT compiles it quickly and it does not fall
   * back on rare paths.
   */
  insertNew(hashes: Int32Array, want: Uint8Array, base: number): number[] {
    const met: number[] = [];
    for (let k = 0; k < hashes.length; k++) {
      if (want[k] === 0) continue;
      if (this.count * 2 >= this.refs.length) this.grow();
      const h = hashes[k]!;
      const refs = this.refs;
      const mask = refs.length - 1;
      let slot = h & mask;
      for (; refs[slot]! >= 0; slot = (slot + 1) & mask) if (this.hashes[slot] === h) break;
      if (refs[slot]! >= 0) met.push(base + k, slot);
      else {
        this.hashes[slot] = h;
        refs[slot] = base + k;
        this.count++;
      }
    }
    return met;
  }

  /** Every stored reference (in slot order). */
  *values(): Generator<number> {
    for (const ref of this.refs) if (ref >= 0) yield ref;
  }

  private probe(h: number, name: string | undefined, ref: number): number {
    const { hashes, refs } = this;
    const mask = refs.length - 1;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const r = refs[slot]!;
      if (r < 0) return slot;
      if (hashes[slot] === h) {
        name ??= this.nameOf(ref);
        if (this.nameOf(r) === name) return slot;
      }
    }
  }

  private grow(): void {
    const { hashes, refs } = this;
    // Four times larger: fewer rehashes for an index larger than the initial size.
    this.hashes = new Int32Array(refs.length * 4);
    this.refs = new Float64Array(refs.length * 4).fill(-1);
    const mask = this.refs.length - 1;
    for (let k = 0; k < refs.length; k++) {
      if (refs[k]! < 0) continue;
      let slot = hashes[k]! & mask;
      while (this.refs[slot]! >= 0) slot = (slot + 1) & mask;
      this.hashes[slot] = hashes[k]!;
      this.refs[slot] = refs[k]!;
    }
  }
}

/**
 * Hash → stanza references, several per hash: the provided names of every
 * Provides field, as hashes, for the provider index. Chained buckets over
 * typed arrays (open addressing would walk long runs: many packages provide
 * the same name). Callers check the names of what they get back.
 */
export class HashMultimap {
  /** First entry of each bucket (-1: none). */
  private heads = new Int32Array(1 << 15).fill(-1);
  private hashes = new Int32Array(1 << 15);
  private refs = new Float64Array(1 << 15);
  /** The next entry in the same bucket (-1: none). */
  private next = new Int32Array(1 << 15);
  private count = 0;

  add(h: number, ref: number): void {
    if (this.count === this.refs.length) this.growEntries();
    const e = this.count++;
    this.hashes[e] = h;
    this.refs[e] = ref;
    const bucket = h & (this.heads.length - 1);
    this.next[e] = this.heads[bucket]!;
    this.heads[bucket] = e;
    if (this.count > this.heads.length) this.rehash();
  }

  /** Adds (k, hash) pairs as hash → base + k, in one loop. */
  addPairs(pairs: Int32Array, base: number): void {
    for (let p = 0; p < pairs.length; p += 2) this.add(pairs[p + 1]!, base + pairs[p]!);
  }

  /** The references stored under hash h, in no particular order. */
  get(h: number): number[] {
    const out: number[] = [];
    for (let e = this.heads[h & (this.heads.length - 1)]!; e >= 0; e = this.next[e]!) if (this.hashes[e] === h) out.push(this.refs[e]!);
    return out;
  }

  private growEntries(): void {
    const size = this.refs.length * 4;
    const grown = <T extends Int32Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.hashes = grown(this.hashes, (n) => new Int32Array(n));
    this.refs = grown(this.refs, (n) => new Float64Array(n));
    this.next = grown(this.next, (n) => new Int32Array(n));
  }

  private rehash(): void {
    this.heads = new Int32Array(this.heads.length * 4).fill(-1);
    const mask = this.heads.length - 1;
    for (let e = 0; e < this.count; e++) {
      const bucket = this.hashes[e]! & mask;
      this.next[e] = this.heads[bucket]!;
      this.heads[bucket] = e;
    }
  }
}

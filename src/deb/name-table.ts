/**
 * The repository's name → stanza table: open addressing over typed arrays
 * (an int32 name hash and a float64 stanza reference per slot), so that the
 * 63,000 names of an index need no JavaScript string or Map entry each — a
 * name is decoded only when two hashes meet, or when someone looks it up.
 */
export class NameTable {
  private hashes = new Int32Array(1024);
  private refs = new Float64Array(1024).fill(-1);
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
    this.hashes = new Int32Array(refs.length * 2);
    this.refs = new Float64Array(refs.length * 2).fill(-1);
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
 * Hash → stanza references, several per hash (open addressing over typed
 * arrays): the provided names of every Provides field, as hashes, for the
 * provider index. Callers check the names of what they get back.
 */
export class HashMultimap {
  private hashes = new Int32Array(1024);
  private refs = new Float64Array(1024).fill(-1);
  private count = 0;

  add(h: number, ref: number): void {
    const mask = this.refs.length - 1;
    let slot = h & mask;
    while (this.refs[slot]! >= 0) slot = (slot + 1) & mask;
    this.hashes[slot] = h;
    this.refs[slot] = ref;
    if (++this.count * 2 > this.refs.length) this.grow();
  }

  /** The references stored under hash h, in no particular order. */
  get(h: number): number[] {
    const { hashes, refs } = this;
    const mask = refs.length - 1;
    const out: number[] = [];
    for (let slot = h & mask; refs[slot]! >= 0; slot = (slot + 1) & mask) if (hashes[slot] === h) out.push(refs[slot]!);
    return out;
  }

  private grow(): void {
    const { hashes, refs } = this;
    this.hashes = new Int32Array(refs.length * 2);
    this.refs = new Float64Array(refs.length * 2).fill(-1);
    this.count = 0;
    for (let k = 0; k < refs.length; k++) if (refs[k]! >= 0) this.add(hashes[k]!, refs[k]!);
  }
}

/**
 * The provider index: provided name → the stanzas whose Provides names it.
 * The WebAssembly scan hashes the provided names of every Provides value in
 * the form dak writes (almost all of them), so reading an index builds the
 * index from numbers alone; a value in any other form, or a package the scan
 * did not read, has its Provides parsed here in JavaScript before the first
 * lookup. A lookup parses only the Provides of the stanzas under its name's hash.
 */
import { nameHash } from '../../formats/deb822/packages-scan.js';
import { HashMultimap } from './name-table.js';

/** One Provides item as dak writes it: a package name, optionally " (= version)". */
const SIMPLE_PROVIDE = /^([a-z0-9][a-z0-9+.-]*)(?: \(= ([A-Za-z0-9.+~:-]+)\))?$/;

/**
 * Flat (name, version) pairs of a Provides value in the plain form almost all
 * have ("a, b (= 1.2)"); null for anything else, which the full parser reads.
 */
export function simpleProvides(text: string): (string | undefined)[] | null {
  const out: (string | undefined)[] = [];
  for (const item of text.split(', ')) {
    const m = SIMPLE_PROVIDE.exec(item);
    if (!m) return null;
    out.push(m[1]!, m[2]);
  }
  return out;
}

/** What the index needs of the repository, by stanza reference. */
export interface ProvideSource {
  /** The raw Provides value of a stanza that has one. */
  providesText(ref: number): string;
  /** Whether the stanza is its name's candidate (superseded and foreign stanzas provide nothing). */
  isProviding(ref: number): boolean;
  /** Flat (name, version) pairs through the full relation parser (errors name the stanza). */
  parseProvides(ref: number, text: string): (string | undefined)[];
}

export class ProvideIndex {
  private readonly table = new HashMultimap();
  /** Stanzas whose provided names the scan did not hash; and how many of them are in the table. */
  private readonly pending: number[] = [];
  private indexed = 0;
  /** Provides pairs parsed so far, by stanza. */
  private readonly pairs = new Map<number, (string | undefined)[]>();

  constructor(private readonly source: ProvideSource) {}

  /** The scan's (stanza, hash) pairs of provided names, stanza k meaning reference base + k. */
  addHashes(pairs: Int32Array, base: number): void {
    this.table.addPairs(pairs, base);
  }

  /** A candidate stanza whose Provides is read here. */
  addPending(ref: number): void {
    this.pending.push(ref);
  }

  /** The providing stanzas of `name` that are candidates, each with the version it provides (if any). */
  lookup(name: string): { ref: number; version: string | undefined }[] {
    this.indexPending();
    const out: { ref: number; version: string | undefined }[] = [];
    const seen = new Set<number>();
    for (const ref of this.table.get(nameHash(name))) {
      if (seen.has(ref) || !this.source.isProviding(ref)) continue;
      seen.add(ref);
      const pairs = this.pairsOf(ref);
      for (let k = 0; k < pairs.length; k += 2) if (pairs[k] === name) out.push({ ref, version: pairs[k + 1] });
    }
    return out;
  }

  private indexPending(): void {
    for (; this.indexed < this.pending.length; this.indexed++) {
      const ref = this.pending[this.indexed]!;
      if (!this.source.isProviding(ref)) continue;
      const pairs = this.pairsOf(ref);
      for (let k = 0; k < pairs.length; k += 2) this.table.add(nameHash(pairs[k]!), ref);
    }
  }

  private pairsOf(ref: number): (string | undefined)[] {
    let pairs = this.pairs.get(ref);
    if (!pairs) {
      const text = this.source.providesText(ref);
      pairs = simpleProvides(text) ?? this.source.parseProvides(ref, text);
      this.pairs.set(ref, pairs);
    }
    return pairs;
  }
}

/**
 * A repository over one or more Packages indexes (e.g. main + updates +
 * security) for one native architecture plus 'all': for each name the
 * highest version is the candidate, as apt chooses with default pins.
 */
import { createReadStream } from 'node:fs';
import { lastAtOrBelow } from '../../formats/bytes.js';
import { DistrokitError } from '../../formats/errors.js';
import { checkNativeArch } from '../../formats/deb822/arch.js';
import { type DebPackage, parsePackagesBatches, positionOf } from './packages.js';
import { nameHash } from '../../formats/deb822/packages-scan.js';
import { CacheOrder } from './cache-order.js';
import { NameTable } from './name-table.js';
import { candidateBeats } from './policy.js';
import { ProvideIndex } from './provide-index.js';
import { ParsedStanzas, ScanPiece, type StanzaSet, providesOf, scanPackagesChunks } from './scan.js';
import { STANZA_KIND } from './stanza-set.js';
import { type Dependency, parseRelations, type RelationList } from './relation.js';
import { checkVersion, compareParsedVersions, type DebVersion, parseVersion, satisfiesOp } from './version.js';

export type RelationField = 'depends' | 'pre-depends' | 'recommends' | 'suggests' | 'conflicts' | 'breaks' | 'provides' | 'replaces';

export interface Provider {
  pkg: DebPackage;
  /** The provided version ('foo (= 1.2)'), if any. */
  version?: string;
  /** `version` parsed, filled in when a versioned dependency first asks. */
  parsedVersion?: DebVersion;
}

export interface IndexInput {
  /** A path, or bytes / chunks with a name for messages. */
  path?: string;
  data?: Uint8Array | AsyncIterable<Uint8Array>;
  name?: string;
  /** Base URL the index's Filename fields are relative to. */
  urlPrefix?: string;
}

export interface RepositoryOptions {
  /** Native architecture (default amd64); packages of other architectures except 'all' are ignored. */
  arch?: string;
  /**
   * Parse every field of every stanza while reading (default: a fast scan that
   * takes name, version, architecture and Provides, and parses a stanza's other
   * fields when first used; see scan.ts).
   */
  allFields?: boolean;
}

export { simpleProvides } from './provide-index.js';


/** Index files are read in 256 KiB pieces: a compressed one then inflates while the rest is still being read. */
const READ_CHUNK = 256 << 10;

export class DebRepository {
  readonly arch: string;
  readonly indexes: IndexInput[] = [];
  /**
   * Name → the candidate's stanza, as a reference: the stanza's number in the
   * order of reading (a small integer, no object or string per stanza until used).
   */
  private readonly candidates = new NameTable((ref) => this.nameAt(ref));
  /** The stanza sets read, and the reference of each one's first stanza (ascending). */
  private readonly sets: StanzaSet[] = [];
  private readonly setStarts: number[] = [];
  private stanzaCount = 0;
  private readonly versions = new WeakMap<DebPackage, DebVersion>();
  private readonly relationCache = new WeakMap<DebPackage, Map<RelationField, RelationList>>();
  /** Provided name → providing stanzas (see provide-index.ts). */
  private readonly provideIndex = new ProvideIndex({
    providesText: (ref) => this.at(ref, (set, i) => set.provides(i)!),
    isProviding: (ref) => this.providing.has(ref) && this.candidateOfName(ref) === ref,
    parseProvides: (ref, text) => this.parseProvides(ref, text),
  });
  /** Provider lists handed out, by provided name (cleared when packages are added). */
  private readonly providerLists = new Map<string, Provider[]>();
  /** Stanzas of a wanted architecture with a Provides field (a superseded one provides nothing). */
  private readonly providing = new Set<number>();
  /**
   * Names with more than one stanza (updates and security supersede main):
   * the name's first stanza → the others, in the order read. Which one wins is
   * worked out when the name is first used (winnerOf), not while reading:
   * comparing the versions of thousands of names nobody asks for cost a tenth
   * of a closure. A name duplicated within one index is resolved when reading
   * ends, so that a bad version there is reported by the read.
   */
  private readonly contenders = new Map<number, number[]>();
  private readonly winners = new Map<number, number>();
  private readonly duplicatedInIndex: number[] = [];
  /** apt's package-ID order of names (cache-order.ts), looked up over the stanza sets when a choice needs it. */
  readonly cacheOrder = new CacheOrder({ sets: () => this.sets.map((set, k) => ({ set, base: this.setStarts[k]! })), arch: () => this.arch });
  /** Satisfiers per dependency object; replaced whenever a package is added. */
  private satisfierCache = new WeakMap<Dependency, DebPackage[]>();
  private readonly allFields: boolean;
  /** Stanzas seen, and those ignored for their architecture or superseded by a higher version. */
  readonly stats = { stanzas: 0, otherArch: 0, superseded: 0 };

  constructor(options: RepositoryOptions = {}) {
    this.arch = options.arch ?? 'amd64';
    checkNativeArch(this.arch);
    this.allFields = options.allFields === true;
  }

  /** Reads several indexes at once (a plain one is scanned while a compressed one inflates); see addIndexes. */
  static async fromIndexes(inputs: IndexInput[], options: RepositoryOptions = {}): Promise<DebRepository> {
    const repo = new DebRepository(options);
    await repo.addIndexes(inputs);
    return repo;
  }

  /**
   * Reads indexes concurrently. The result does not depend on the order of
   * reading: the highest version wins, and between equal versions the index
   * listed first (then the stanza read first within it).
   */
  async addIndexes(inputs: IndexInput[]): Promise<void> {
    const first = this.indexes.length;
    this.indexes.push(...inputs);
    await Promise.all(inputs.map((input, i) => this.readIndex(input, first + i)));
    for (const ref of this.duplicatedInIndex.splice(0)) this.winnerOf(ref);
  }

  async addIndex(input: IndexInput): Promise<void> {
    await this.addIndexes([input]);
  }

  private async readIndex(input: IndexInput, index: number): Promise<void> {
    try {
      await this.scanIndex(input, index);
    } catch (err) {
      // A file that cannot be opened or read: a usage error naming it, not an internal one.
      const code = (err as NodeJS.ErrnoException).code;
      if (!(err instanceof DistrokitError) && typeof code === 'string' && /^E[A-Z]+$/.test(code))
        throw new DistrokitError('DEB_INDEX_UNREADABLE', `cannot read the index: ${(err as Error).message}`, { file: input.name ?? input.path }, { cause: err });
      throw err;
    }
  }

  private async scanIndex(input: IndexInput, index: number): Promise<void> {
    const file = input.name ?? input.path;
    const source = input.data ?? createReadStream(input.path!, { highWaterMark: READ_CHUNK });
    // The fast scan by default; `allFields` asks for every field of every stanza parsed up front.
    if (this.allFields) {
      for await (const batch of parsePackagesBatches(source, { file, index })) this.addStanzas(new ParsedStanzas(batch, index));
    } else {
      for await (const set of scanPackagesChunks(source, { file, index, arch: this.arch, ownedChunks: input.data === undefined })) this.addStanzas(set);
    }
  }

  /** Adds one package; the highest version of a name wins, whatever the order of reading. */
  add(pkg: DebPackage): void {
    this.addStanzas(new ParsedStanzas([pkg], pkg.origin.index));
  }

  private addStanzas(set: StanzaSet): void {
    const base = this.stanzaCount;
    this.sets.push(set);
    this.setStarts.push(base);
    this.stanzaCount += set.count;
    if (set instanceof ScanPiece && set.scannedFor(this.arch)) this.addScanned(set, base);
    else for (let i = 0; i < set.count; i++) this.addStanza(set, i, base + i);
    const hashed = set.provideHashes();
    if (hashed) this.provideIndex.addHashes(hashed, base);
    if (this.providerLists.size) {
      this.providerLists.clear();
      this.satisfierCache = new WeakMap();
    }
  }

  private addStanza(set: StanzaSet, i: number, ref: number): void {
    this.stats.stanzas++;
    if (!set.archIs(i, this.arch) && !set.archIs(i, 'all')) {
      this.stats.otherArch++;
      return;
    }
    if (set.hasProvides(i)) this.provider(ref, set.providesHashed(i));
    this.insert(ref, set.nameHash(i));
  }

  /**
   * addStanza for a scanned piece, from its summary: names whose hash is new
   * go into the table in one tight loop (NameTable.insertNew); a stanza whose
   * hash is there already (another stanza of its name, or a rare hash
   * collision) and Provides are handled after it.
   */
  private addScanned(piece: ScanPiece, base: number): void {
    const { hashes, kinds } = piece.summary();
    const n = kinds.length;
    const want = new Uint8Array(n);
    for (let i = 0; i < n; i++) want[i] = kinds[i]! >= STANZA_KIND.WANTED ? 1 : 0;
    const met = this.candidates.insertNew(hashes, want, base);
    for (let m = 0; m < met.length; m += 2) this.insert(met[m]!, hashes[met[m]! - base]!);
    for (let i = 0; i < n; i++) {
      const kind = kinds[i]!;
      if (kind === STANZA_KIND.PARSED) {
        this.addStanza(piece, i, base + i); // a stanza parsed generically
        continue;
      }
      this.stats.stanzas++;
      if (kind === STANZA_KIND.OTHER_ARCH) this.stats.otherArch++;
      else if (kind !== STANZA_KIND.WANTED) this.provider(base + i, kind === STANZA_KIND.WANTED_PROVIDES_HASHED);
    }
  }

  private provider(ref: number, providesHashed: boolean): void {
    this.providing.add(ref);
    if (!providesHashed) this.provideIndex.addPending(ref);
  }

  /** Adds stanza `ref` (of a wanted architecture) under its name: the first of the name, or a contender. */
  private insert(ref: number, h: number): void {
    const { candidates } = this;
    const slot = candidates.slotOfRef(h, ref);
    const first = candidates.at(slot);
    if (first < 0) {
      candidates.set(slot, h, ref);
      return;
    }
    this.stats.superseded++;
    let others = this.contenders.get(first);
    if (!others) this.contenders.set(first, (others = []));
    others.push(ref);
    this.winners.delete(first);
    const index = this.indexOf(ref);
    if ([first, ...others].some((o) => o !== ref && this.indexOf(o) === index)) this.duplicatedInIndex.push(first);
  }

  /** The candidate among the stanzas of the name whose first stanza is `first` (-1 stays -1). */
  private winnerOf(first: number): number {
    const others = first < 0 ? undefined : this.contenders.get(first);
    if (!others) return first;
    let best = this.winners.get(first);
    if (best === undefined) {
      best = first;
      for (const ref of others) if (this.replaces(ref, best)) best = ref;
      this.winners.set(first, best);
    }
    return best;
  }

  private indexOf(ref: number): number {
    return this.at(ref, (set) => set.index);
  }

  /** The candidate of the name of stanza `ref`. */
  private candidateOfName(ref: number): number {
    const h = this.at(ref, (set, i) => set.nameHash(i));
    return this.winnerOf(this.candidates.at(this.candidates.slotOfRef(h, ref)));
  }

  /** Whether the stanza `ref` beats `old` of the same name as the candidate (policy.ts, candidateBeats). */
  private replaces(ref: number, old: number): boolean {
    // From the version strings: making package records for the thousands of names that
    // updates and security supersede costs more than the comparisons.
    const cmp = compareParsedVersions(this.versionAt(ref), this.versionAt(old));
    return candidateBeats(cmp, { index: this.indexOf(ref), ref }, { index: this.indexOf(old), ref: old });
  }

  private versionAt(ref: number): DebVersion {
    const text = this.at(ref, (set, i) => set.version(i));
    const checked = checkVersion(text);
    // A version dpkg rejects: the full parse reports it with the stanza's position.
    return checked.version ?? this.version(this.packageAt(ref));
  }

  /** Applies `f` to the set holding stanza `ref` and its position there (a binary search over the sets). */
  private at<T>(ref: number, f: (set: StanzaSet, i: number) => T): T {
    const k = lastAtOrBelow(this.setStarts, ref);
    return f(this.sets[k]!, ref - this.setStarts[k]!);
  }

  private nameAt(ref: number): string {
    return this.at(ref, (set, i) => set.name(i));
  }

  private packageAt(ref: number): DebPackage {
    return this.at(ref, (set, i) => set.package(i));
  }

  /** Parsed version of a package (cached); a version dpkg rejects is an error naming the stanza. */
  version(pkg: DebPackage): DebVersion {
    let v = this.versions.get(pkg);
    if (!v) {
      v = parseVersion(pkg.version, positionOf(pkg));
      this.versions.set(pkg, v);
    }
    return v;
  }

  compare(a: DebPackage, b: DebPackage): number {
    return compareParsedVersions(this.version(a), this.version(b));
  }

  candidate(name: string): DebPackage | undefined {
    const ref = this.winnerOf(this.candidates.at(this.candidates.slotOfName(nameHash(name), name)));
    return ref < 0 ? undefined : this.packageAt(ref);
  }

  /** All candidates, sorted by name. */
  packages(): DebPackage[] {
    return [...this.candidates.values()].map((first) => this.packageAt(this.winnerOf(first))).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  get size(): number {
    return this.candidates.size;
  }

  /** A relationship field of a package, parsed (and cached). */
  relations(pkg: DebPackage, field: RelationField): RelationList {
    let cache = this.relationCache.get(pkg);
    if (!cache) this.relationCache.set(pkg, (cache = new Map()));
    let list = cache.get(field);
    if (!list) {
      const text = field === 'provides' ? providesOf(pkg) : pkg.fields.get(field);
      list = text ? parseRelations(text, positionOf(pkg, { field })) : [];
      cache.set(field, list);
    }
    return list;
  }

  /** Packages providing a name, by candidate (not counting the real package of that name), sorted by name. */
  providers(name: string): Provider[] {
    let list = this.providerLists.get(name);
    if (!list) {
      list = this.provideIndex.lookup(name).map(({ ref, version }) => (version === undefined ? { pkg: this.packageAt(ref) } : { pkg: this.packageAt(ref), version }));
      // Independent of the order the indexes were read in.
      list.sort((a, b) => (a.pkg.name < b.pkg.name ? -1 : a.pkg.name > b.pkg.name ? 1 : 0));
      this.providerLists.set(name, list);
    }
    return list;
  }

  /** Provides through the full relation parser: validated, with errors at the stanza. */
  private parseProvides(ref: number, text: string): (string | undefined)[] {
    const pkg = this.packageAt(ref);
    const out: (string | undefined)[] = [];
    for (const group of parseRelations(text, positionOf(pkg, { field: 'provides' }))) {
      for (const dep of group) {
        if (dep.op && dep.op !== '=')
          throw new DistrokitError('DEB_BAD_RELATION', `package ${pkg.name}: only exact versions may be used for Provides (${dep.name} ${dep.op} ${dep.version})`, positionOf(pkg));
        out.push(dep.name, dep.version);
      }
    }
    return out;
  }

  /**
   * The candidates that satisfy one dependency: the real package if its version
   * matches, and providers — a versioned dependency only by a versioned Provides
   * in range (Policy §7.5). Architecture qualifiers follow Multi-Arch for a single
   * native architecture: ':any' needs 'Multi-Arch: allowed'; a foreign ':arch' is never met.
   */
  satisfiers(dep: Dependency): DebPackage[] {
    let cached = this.satisfierCache.get(dep);
    if (!cached) {
      cached = this.computeSatisfiers(dep);
      this.satisfierCache.set(dep, cached);
    }
    return cached;
  }

  private computeSatisfiers(dep: Dependency): DebPackage[] {
    const qual = dep.archQualifier;
    if (qual && qual !== 'any' && qual !== 'native' && qual !== this.arch) return [];
    const out: DebPackage[] = [];
    const real = this.candidate(dep.name);
    if (real && (qual !== 'any' || real.multiArch === 'allowed') && this.versionMatches(real, dep)) out.push(real);
    const providers = this.providers(dep.name);
    if (providers.length === 0) return out;
    const wanted = dep.op ? parseVersion(dep.version!) : undefined;
    for (const p of providers) {
      if (p.pkg === real) continue;
      if (dep.op) {
        if (p.version === undefined) continue; // an unversioned Provides never satisfies a versioned dependency
        p.parsedVersion ??= parseVersion(p.version, positionOf(p.pkg, { field: 'provides' }));
        if (!satisfiesOp(compareParsedVersions(p.parsedVersion, wanted!), dep.op)) continue;
      }
      if (!out.includes(p.pkg)) out.push(p.pkg);
    }
    return out;
  }

  private versionMatches(pkg: DebPackage, dep: Dependency): boolean {
    if (!dep.op) return true;
    return satisfiesOp(compareParsedVersions(this.version(pkg), parseVersion(dep.version!)), dep.op);
  }
}

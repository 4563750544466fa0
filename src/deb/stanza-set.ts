/**
 * The repository model's view of a Packages index: stanzas as columns of
 * offsets (ScanPiece, from the WebAssembly scan in formats/deb822) or as
 * parsed records (ParsedStanzas), and the lazily parsed package record built
 * from a column entry when someone needs it.
 */
import { parseDeb822Text } from '../../formats/deb822/index.js';
import { nameHash, type PackagesScanner, SCAN_COL, SCAN_COLUMNS } from '../../formats/deb822/packages-scan.js';
import { DistrokitError } from '../../formats/errors.js';
import { fieldsOfText, mentionInFields } from './cache-order.js';
import { type DebPackage, type MultiArch, packageFromStanza } from './packages.js';

/**
 * Parses (and validates) one stanza's bytes. Its first line is a number, or a
 * function asked only when an error needs it (counting lines is not free);
 * with a function the record's own origin line is left relative (1).
 */
export function parseStanza(body: Uint8Array, file: string | undefined, index: number, firstLine: number | (() => number)): DebPackage {
  const line = typeof firstLine === 'number' ? firstLine : 1;
  return withLineOffset(firstLine, () => {
    const stanzas = parseDeb822Text(body, { file });
    if (stanzas.length !== 1) throw new DistrokitError('DEB822_BAD_LINE', 'expected one stanza', { file, line: 1 });
    return packageFromStanza({ ...stanzas[0]!, line }, { file, index });
  }, line);
}

/**
 * Runs a parse of text that starts at line `first` of its file, shifting the
 * line of any error from the text's own numbering (where line `base` is its first line).
 */
export function withLineOffset<T>(first: number | (() => number), parse: () => T, base = 1): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof DistrokitError && err.data.line !== undefined) {
      const start = typeof first === 'number' ? first : first();
      throw new DistrokitError(err.code, err.detail, { ...err.data, line: start + err.data.line - base }, { cause: err.cause });
    }
    throw err;
  }
}

/**
 * Stanzas of an index in a compact form: what the repository model needs of
 * each (name, architecture, version, Provides) without an object per stanza —
 * 63,000 small objects that all survive cost more in garbage collection than
 * the scan itself. `package(i)` builds the record when someone needs it.
 */
export interface StanzaSet {
  readonly count: number;
  /** Index number of the Packages file (for ties between equal versions). */
  readonly index: number;
  name(i: number): string;
  /** nameHash() of the name. */
  nameHash(i: number): number;
  version(i: number): string;
  /** Whether stanza i's Architecture is exactly `arch`. */
  archIs(i: number, arch: string): boolean;
  /** The raw Provides value, if any. */
  provides(i: number): string | undefined;
  hasProvides(i: number): boolean;
  /** Whether stanza i's provided names are among provideHashes(). */
  providesHashed(i: number): boolean;
  /** (stanza, nameHash) pairs of provided names the scan hashed, if any. */
  provideHashes(): Int32Array | undefined;
  package(i: number): DebPackage;
  /**
   * For each name, the first stanza of the set (of architecture `arch` or
   * 'all') that mentions it the way apt's cache creates a package, with the
   * field rank and offset of that mention (cache-order.ts); undefined if none.
   */
  firstMentions(names: readonly string[], arch: string): (StanzaMention | undefined)[];
}

/** A mention of a name in stanza `stanza` of a set: field rank (cache-order.ts) and offset in that field. */
export interface StanzaMention {
  stanza: number;
  field: number;
  at: number;
}

/** The first stanza of `stanzas` (in order) mentioning `name`, checked through its record. */
function firstMentionInRecords(stanzas: Iterable<[number, DebPackage]>, name: string, arch: string): StanzaMention | undefined {
  for (const [i, pkg] of stanzas) {
    if (pkg.architecture !== arch && pkg.architecture !== 'all') continue;
    const m = mentionInFields(pkg.name, (f) => pkg.fields.get(f), name, arch);
    if (m) return { stanza: i, field: m[0], at: m[1] };
  }
  return undefined;
}

/**
 * How the repository takes each stanza of a scanned piece when reading it
 * (ScanPiece.summary): parsed generically (ask the set), of another
 * architecture, or of the wanted one without Provides, with Provides the scan
 * did not hash, or with Provides it hashed.
 */
export const STANZA_KIND = { PARSED: 0, OTHER_ARCH: 1, WANTED: 2, WANTED_PROVIDES: 3, WANTED_PROVIDES_HASHED: 4 } as const;

/** A scanned piece's stanzas as the repository reads them: name hashes and STANZA_KIND values. */
export interface ScanSummary {
  hashes: Int32Array;
  kinds: Uint8Array;
}

/** Stanzas already parsed into records (the generic parser's output, or packages given directly). */
export class ParsedStanzas implements StanzaSet {
  constructor(
    private readonly packages: DebPackage[],
    readonly index: number,
  ) {}
  get count(): number {
    return this.packages.length;
  }
  name(i: number): string {
    return this.packages[i]!.name;
  }
  nameHash(i: number): number {
    return nameHash(this.packages[i]!.name);
  }
  version(i: number): string {
    return this.packages[i]!.version;
  }
  archIs(i: number, arch: string): boolean {
    return this.packages[i]!.architecture === arch;
  }
  provides(i: number): string | undefined {
    return providesOf(this.packages[i]!);
  }
  hasProvides(i: number): boolean {
    return this.provides(i) !== undefined;
  }
  providesHashed(): boolean {
    return false;
  }
  provideHashes(): undefined {
    return undefined;
  }
  package(i: number): DebPackage {
    return this.packages[i]!;
  }
  firstMentions(names: readonly string[], arch: string): (StanzaMention | undefined)[] {
    return names.map((name) => firstMentionInRecords(this.packages.entries(), name, arch));
  }
}

const C = SCAN_COLUMNS;

/** Bytes after which a package name can start in a field (space, tab, LF, ',', '|'). */
const TOKEN_START_AFTER = new Set([0x20, 0x09, 0x0a, 0x2c, 0x7c]);

/**
 * Whole stanzas the WebAssembly scan took as offsets into its scanner's bytes
 * (formats/deb822/packages-scan.ts). A stanza it did not vouch for is parsed
 * here, with full validation, when the piece is made; the others' fields
 * beyond the four above when first used (LazyPackage).
 */
export class ScanPiece implements StanzaSet {
  /** Records built so far, by stanza (also those parsed generically). */
  private readonly records: (DebPackage | undefined)[] = [];
  constructor(
    readonly scanner: PackagesScanner,
    /** SCAN_COLUMNS per stanza (formats/deb822/packages-scan.ts). */
    readonly columns: Int32Array,
    private readonly hashes: Int32Array,
    readonly file: string | undefined,
    readonly index: number,
  ) {
    this.count = columns.length / C;
    for (let i = 0; i < this.count; i++) {
      if (columns[i * C + SCAN_COL.NAME_AT]! >= 0) continue;
      const start = columns[i * C + SCAN_COL.START]!;
      this.records[i] = parseStanza(scanner.bytes(start, columns[i * C + SCAN_COL.END]!), file, index, scanner.lineAt(start));
    }
  }

  readonly count: number;

  /** Whether the scan compared architectures with `arch` (the ARCH_KIND column's native). */
  scannedFor(arch: string): boolean {
    return this.scanner.arch === arch;
  }

  /** Every stanza's name hash and STANZA_KIND, in one pass over the columns (the repository's read loop). */
  summary(): ScanSummary {
    const cols = this.columns;
    const n = this.count;
    const hashes = new Int32Array(n);
    const kinds = new Uint8Array(n);
    for (let i = 0, k = 0; i < n; i++, k += C) {
      hashes[i] = cols[k + SCAN_COL.NAME_HASH]!;
      if (cols[k + SCAN_COL.NAME_AT]! < 0) kinds[i] = STANZA_KIND.PARSED;
      else if (cols[k + SCAN_COL.ARCH_KIND] === 0) kinds[i] = STANZA_KIND.OTHER_ARCH;
      else if (cols[k + SCAN_COL.PROVIDES_AT]! < 0) kinds[i] = STANZA_KIND.WANTED;
      else kinds[i] = cols[k + SCAN_COL.PROVIDES_SIMPLE] === 1 ? STANZA_KIND.WANTED_PROVIDES_HASHED : STANZA_KIND.WANTED_PROVIDES;
    }
    return { hashes, kinds };
  }

  /**
   * Searches the piece's bytes for each name: a hit that starts a token is
   * checked in its stanza (field and token boundaries, see cache-order.ts); a
   * stanza without a real mention is skipped whole.
   */
  firstMentions(names: readonly string[], arch: string): (StanzaMention | undefined)[] {
    const base = this.col(0, SCAN_COL.START);
    const copy = this.scanner.bytes(base, this.col(this.count - 1, SCAN_COL.END));
    const bytes = Buffer.from(copy.buffer, copy.byteOffset, copy.byteLength);
    return names.map((name) => {
      for (let p = bytes.indexOf(name, 0, 'latin1'); p >= 0; ) {
        if (p > 0 && !TOKEN_START_AFTER.has(bytes[p - 1]!)) {
          p = bytes.indexOf(name, p + 1, 'latin1');
          continue;
        }
        const i = this.stanzaAt(base + p);
        const m = this.mentionIn(i, name, arch);
        if (m) return m;
        p = bytes.indexOf(name, this.col(i, SCAN_COL.END) - base, 'latin1');
      }
      return undefined;
    });
  }

  /** The stanza holding data offset `offset` (a binary search over the START column). */
  private stanzaAt(offset: number): number {
    let lo = 0;
    let hi = this.count - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.col(mid, SCAN_COL.START) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private mentionIn(i: number, name: string, arch: string): StanzaMention | undefined {
    if (!this.scanned(i)) return firstMentionInRecords([[i, this.records[i]!]], name, arch);
    if (!this.archIs(i, arch) && !this.archIs(i, 'all')) return undefined;
    const text = this.scanner.latin1(this.col(i, SCAN_COL.START), this.col(i, SCAN_COL.END));
    const fields = fieldsOfText(text, 0, text.length);
    const m = mentionInFields(this.name(i), (f) => fields.get(f), name, arch);
    return m && { stanza: i, field: m[0], at: m[1] };
  }

  /** Column c of stanza i. */
  private col(i: number, c: number): number {
    return this.columns[i * C + c]!;
  }

  /** Whether the scan took stanza i's values (otherwise its record is parsed). */
  private scanned(i: number): boolean {
    return this.columns[i * C + SCAN_COL.NAME_AT]! >= 0;
  }

  name(i: number): string {
    if (!this.scanned(i)) return this.records[i]!.name;
    return this.scanner.latin1(this.col(i, SCAN_COL.NAME_AT), this.col(i, SCAN_COL.NAME_END));
  }

  nameHash(i: number): number {
    return this.scanned(i) ? this.col(i, SCAN_COL.NAME_HASH) : nameHash(this.records[i]!.name);
  }

  version(i: number): string {
    if (!this.scanned(i)) return this.records[i]!.version;
    return this.scanner.latin1(this.col(i, SCAN_COL.VERSION_AT), this.col(i, SCAN_COL.VERSION_END));
  }

  archIs(i: number, arch: string): boolean {
    if (!this.scanned(i)) return this.records[i]!.architecture === arch;
    const kind = this.col(i, SCAN_COL.ARCH_KIND);
    if (arch === this.scanner.arch) return kind === 1;
    if (arch === 'all') return kind === 2;
    return this.scanner.latin1(this.col(i, SCAN_COL.ARCH_AT), this.col(i, SCAN_COL.ARCH_END)) === arch;
  }

  provides(i: number): string | undefined {
    if (!this.scanned(i)) return providesOf(this.records[i]!);
    const at = this.col(i, SCAN_COL.PROVIDES_AT);
    return at < 0 ? undefined : this.scanner.latin1(at, this.col(i, SCAN_COL.PROVIDES_END));
  }

  hasProvides(i: number): boolean {
    return this.scanned(i) ? this.col(i, SCAN_COL.PROVIDES_AT) >= 0 : providesOf(this.records[i]!) !== undefined;
  }

  providesHashed(i: number): boolean {
    return this.scanned(i) && this.col(i, SCAN_COL.PROVIDES_SIMPLE) === 1;
  }

  provideHashes(): Int32Array {
    return this.hashes;
  }

  package(i: number): DebPackage {
    let pkg = this.records[i];
    if (!pkg) {
      const arch = this.scanner.latin1(this.col(i, SCAN_COL.ARCH_AT), this.col(i, SCAN_COL.ARCH_END));
      pkg = new LazyPackage(this.name(i), this.version(i), arch, this.provides(i), this, this.col(i, SCAN_COL.START), this.col(i, SCAN_COL.END));
      this.records[i] = pkg;
    }
    return pkg;
  }
}

/** A package whose fields beyond name, version, architecture and Provides are parsed on first use. */
class LazyPackage implements DebPackage {
  private full: DebPackage | undefined;
  private where: { file?: string; line: number; index: number } | undefined;
  constructor(
    readonly name: string,
    readonly version: string,
    readonly architecture: string,
    /** The raw Provides value, if the stanza has one (needed up front for the provider index). */
    readonly provides: string | undefined,
    private readonly piece: ScanPiece,
    private readonly start: number,
    private readonly end: number,
  ) {}

  /** Where the stanza is; its line is counted on first use. */
  get origin(): { file?: string; line: number; index: number } {
    if (!this.where) {
      const { piece, start } = this;
      let line: number | undefined;
      this.where = {
        file: piece.file,
        index: piece.index,
        get line() {
          line ??= piece.scanner.lineAt(start);
          return line;
        },
      };
    }
    return this.where;
  }

  private parsed(): DebPackage {
    const { piece, start } = this;
    this.full ??= parseStanza(piece.scanner.bytes(start, this.end), piece.file, piece.index, () => this.origin.line);
    return this.full;
  }

  get fields(): Map<string, string> {
    return this.parsed().fields;
  }
  get multiArch(): MultiArch {
    return this.parsed().multiArch;
  }
  get essential(): boolean {
    return this.parsed().essential;
  }
  get important(): boolean {
    return this.parsed().important;
  }
  get priority(): string | undefined {
    return this.parsed().priority;
  }
  get filename(): string | undefined {
    return this.parsed().filename;
  }
  get size(): number | undefined {
    return this.parsed().size;
  }
  get sha256(): string | undefined {
    return this.parsed().sha256;
  }
}

/** The raw Provides value of any package (without parsing a lazy one). */
export function providesOf(pkg: DebPackage): string | undefined {
  return pkg instanceof LazyPackage ? pkg.provides : pkg.fields.get('provides');
}


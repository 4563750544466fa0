/**
 * The repository model's view of a Packages index: stanzas as compact
 * columns (ScanChunk, filled by scan.ts) or as parsed records
 * (ParsedStanzas), and the lazily parsed package record built from a column
 * entry when someone needs it.
 */
import { parseDeb822Text } from '../../formats/deb822/index.js';
import { DistrokitError } from '../../formats/errors.js';
import { type DebPackage, type MultiArch, packageFromStanza } from './packages.js';

/**
 * Parses (and validates) one stanza's text. Its first line is a number, or a
 * function asked only when an error needs it (counting lines is not free);
 * with a function the record's own origin line is left relative (1).
 */
export function parseStanza(body: string, latin1: boolean, file: string | undefined, index: number, firstLine: number | (() => number)): DebPackage {
  const line = typeof firstLine === 'number' ? firstLine : 1;
  return withLineOffset(firstLine, () => {
    const stanzas = parseDeb822Text(latin1 ? Buffer.from(body, 'latin1') : body, { file });
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

/** Counts '\n' in text[from, to). */
function countNewlines(text: string, from: number, to: number): number {
  let n = 0;
  for (let p = text.indexOf('\n', from); p >= 0 && p < to; p = text.indexOf('\n', p + 1)) n++;
  return n;
}

/** Per-stanza columns of a chunk (offsets into its text; -1 for an absent Provides). */
const COLUMNS = 8;
const START = 0;
const END = 1;
const VERSION_AT = 2;
const VERSION_END = 3;
const ARCH_AT = 4;
const ARCH_END = 5;
const PROVIDES_AT = 6;
const PROVIDES_END = 7;

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
  version(i: number): string;
  /** Whether stanza i's Architecture is exactly `arch`. */
  archIs(i: number, arch: string): boolean;
  /** The raw Provides value, if any. */
  provides(i: number): string | undefined;
  hasProvides(i: number): boolean;
  package(i: number): DebPackage;
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
  package(i: number): DebPackage {
    return this.packages[i]!;
  }
}

/**
 * One decoded piece of an index: whole stanzas, Latin-1 decoded, scanned into
 * columns. Its first line number is known only through the pieces before it,
 * so it is worked out (and cached) when a position is first needed — an
 * error, or a lazy parse.
 */
export class ScanChunk implements StanzaSet {
  private first: number | undefined;
  private lines: number | undefined;
  /** COLUMNS numbers per stanza. */
  private readonly cols: number[] = [];
  readonly names: string[] = [];
  /** Records built so far, by stanza (also those the generic parser made). */
  private readonly records: (DebPackage | undefined)[] = [];
  constructor(
    readonly text: string,
    /** The bytes were not all ASCII: values are re-decoded as UTF-8 when parsed. */
    readonly latin1: boolean,
    readonly file: string | undefined,
    readonly index: number,
    private readonly previous: ScanChunk | undefined,
    /** Lines before this piece's text that belong to no stanza (blank lines at the cut). */
    private readonly skipped: number,
  ) {}

  get count(): number {
    return this.names.length;
  }

  /** Adds a stanza in the common layout, by its offsets. */
  addScanned(name: string, start: number, end: number, versionAt: number, versionEnd: number, archAt: number, archEnd: number, providesAt: number, providesEnd: number): void {
    this.names.push(name);
    this.cols.push(start, end, versionAt, versionEnd, archAt, archEnd, providesAt, providesEnd);
  }

  /** Adds a stanza the generic parser read. */
  addParsed(pkg: DebPackage): void {
    this.records[this.names.length] = pkg;
    this.names.push(pkg.name);
    this.cols.push(-1, -1, -1, -1, -1, -1, -1, -1);
  }

  private col(i: number, c: number): number {
    return this.cols[i * COLUMNS + c]!;
  }

  name(i: number): string {
    return this.names[i]!;
  }

  version(i: number): string {
    const at = this.col(i, VERSION_AT);
    return at < 0 ? this.records[i]!.version : this.text.slice(at, this.col(i, VERSION_END));
  }

  archIs(i: number, arch: string): boolean {
    const at = this.col(i, ARCH_AT);
    if (at < 0) return this.records[i]!.architecture === arch;
    return this.col(i, ARCH_END) - at === arch.length && this.text.startsWith(arch, at);
  }

  provides(i: number): string | undefined {
    if (this.col(i, START) < 0) return providesOf(this.records[i]!);
    const at = this.col(i, PROVIDES_AT);
    return at < 0 ? undefined : this.text.slice(at, this.col(i, PROVIDES_END));
  }

  hasProvides(i: number): boolean {
    return this.col(i, START) < 0 ? providesOf(this.records[i]!) !== undefined : this.col(i, PROVIDES_AT) >= 0;
  }

  package(i: number): DebPackage {
    let pkg = this.records[i];
    if (!pkg) {
      const at = (c: number) => this.col(i, c);
      pkg = new LazyPackage(this.names[i]!, this.text.slice(at(VERSION_AT), at(VERSION_END)), this.text.slice(at(ARCH_AT), at(ARCH_END)), this.provides(i), this, at(START), at(END));
      this.records[i] = pkg;
    }
    return pkg;
  }

  /** Line number of the text's first line. */
  firstLine(): number {
    if (this.first === undefined) {
      // Iteratively, so that a long chain of small chunks cannot overflow the stack.
      const chain: ScanChunk[] = [];
      for (let c: ScanChunk | undefined = this; c && c.first === undefined; c = c.previous) chain.push(c);
      for (let i = chain.length - 1; i >= 0; i--) {
        const c = chain[i]!;
        c.first = (c.previous ? c.previous.firstLine() + c.previous.lineCount() : 1) + c.skipped;
      }
    }
    return this.first!;
  }

  /** Lines this piece spans, counting the blank line that ended it. */
  lineCount(): number {
    this.lines ??= countNewlines(this.text, 0, this.text.length) + 2;
    return this.lines;
  }

  lineAt(offset: number): number {
    return this.firstLine() + countNewlines(this.text, 0, offset);
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
    private readonly chunk: ScanChunk,
    private readonly start: number,
    private readonly end: number,
  ) {}

  /** Where the stanza is; its line is counted on first use. */
  get origin(): { file?: string; line: number; index: number } {
    if (!this.where) {
      const { chunk, start } = this;
      let line: number | undefined;
      this.where = {
        file: chunk.file,
        index: chunk.index,
        get line() {
          line ??= chunk.lineAt(start);
          return line;
        },
      };
    }
    return this.where;
  }

  private parsed(): DebPackage {
    const { chunk, start } = this;
    this.full ??= parseStanza(chunk.text.slice(start, this.end), chunk.latin1, chunk.file, chunk.index, () => this.origin.line);
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


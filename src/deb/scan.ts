/**
 * A fast scan of Packages indexes for the repository model. A closure looks
 * at a few hundred of 63,000 stanzas, but the model needs every stanza's
 * name, version, architecture and Provides. So in the common layout (what dak
 * and apt-ftparchive write: canonical field names, no comments, LF line ends)
 * we take those four with native string searches and keep the stanza's text;
 * every other field is parsed, with full validation, the first time it is
 * read. A chunk or stanza outside that layout goes through the generic
 * deb822 parser, so the result is the same either way (tested).
 */
import { isAscii } from 'node:buffer';
import { parseDeb822Text } from '../../formats/deb822/index.js';
import { decompress } from '../../formats/compress/index.js';
import { type ByteSource, type Cut, cutAtBoundaries } from '../../formats/bytes.js';
import { DistrokitError } from '../../formats/errors.js';
import { type DebPackage, type MultiArch, packageFromStanza, type ParsePackagesOptions } from './packages.js';

/** Parses (and validates) one stanza's text, with positions relative to the whole file. */
function parseStanza(body: string, latin1: boolean, origin: { file?: string; line: number; index: number }): DebPackage {
  const stanzas = withLineOffset(origin.line, () => parseDeb822Text(latin1 ? Buffer.from(body, 'latin1') : body, { file: origin.file }));
  if (stanzas.length !== 1) throw new DistrokitError('DEB822_BAD_LINE', 'expected one stanza', { file: origin.file, line: origin.line });
  return packageFromStanza({ ...stanzas[0]!, line: origin.line }, { file: origin.file, index: origin.index });
}

/** Runs a parse of text that starts at line `first` of its file, shifting the line of any error. */
function withLineOffset<T>(first: number, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof DistrokitError && err.data.line !== undefined)
      throw new DistrokitError(err.code, err.detail, { ...err.data, line: first + err.data.line - 1 }, { cause: err.cause });
    throw err;
  }
}

/** A package whose fields beyond name, version, architecture and Provides are parsed on first use. */
class LazyPackage implements DebPackage {
  private full: DebPackage | undefined;
  constructor(
    readonly name: string,
    readonly version: string,
    readonly architecture: string,
    /** The raw Provides value, if the stanza has one (needed up front for the provider index). */
    readonly provides: string | undefined,
    readonly origin: { file?: string; line: number; index: number },
    /** The stanza's text (a slice of the decoded chunk). */
    private readonly body: string,
    private readonly latin1: boolean,
  ) {}

  private parsed(): DebPackage {
    this.full ??= parseStanza(this.body, this.latin1, this.origin);
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

/**
 * A chunk with any of these takes the generic parser: layouts the fast scan
 * does not follow (CR, comments, white-space-only or repeated blank lines), and
 * malformed lines (no colon, empty field name), so that the generic parser
 * reports them with their position even in stanzas nobody reads.
 */
// Every alternative starts at a '\n' so that the regex engine can skip ahead to
// newlines; the first line and CR are checked separately (much faster than /^|\n/).
const UNUSUAL_LINE = /\n(?:#|[ \t]+\n|\n\n|:|[^ \t\n:#][^\n:]*(?:\n|$))/;

function unusual(text: string): boolean {
  const first = text.charCodeAt(0);
  if (first === 35 || first === 58) return true; // '#' or ':'
  const nl = text.indexOf('\n');
  const colon = text.indexOf(':');
  if (colon < 0 || (nl >= 0 && colon > nl)) return true; // first line has no colon
  return text.includes('\r') || UNUSUAL_LINE.test(text);
}

/** The one-line value after `marker` ('\nField: ') in a stanza; undefined if absent or folded. */
function valueOf(stanza: string, marker: string): string | undefined {
  const at = stanza.indexOf(marker);
  if (at < 0) return undefined;
  const from = at + marker.length;
  let to = stanza.indexOf('\n', from);
  if (to < 0) to = stanza.length;
  // Folded values (a continuation line follows) are left to the generic parser.
  else if (stanza.charCodeAt(to + 1) === 32 || stanza.charCodeAt(to + 1) === 9) return undefined;
  return stanza.slice(from, to).trim();
}

interface ScanState {
  file?: string;
  index: number;
  /** Line number of the next chunk's first line. */
  line: number;
}

/** Scans one chunk of whole stanzas (text ends where a stanza ends). */
function scanChunk(text: string, latin1: boolean, state: ScanState, out: DebPackage[]): void {
  if (unusual(text)) return genericChunk(text, latin1, state, out);
  let pos = 0;
  let line = state.line;
  const n = text.length;
  while (pos < n) {
    let end = text.indexOf('\n\n', pos);
    if (end < 0) end = n;
    const stanzaLine = line;
    // Count this stanza's lines (and the blank separator) for positions.
    for (let p = text.indexOf('\n', pos); p >= 0 && p < end; p = text.indexOf('\n', p + 1)) line++;
    line += end < n ? 2 : 1; // its last line, and the blank line after it
    out.push(scanStanza(text, pos, end, stanzaLine, latin1, state));
    pos = end + 2;
  }
  state.line = line;
}

function scanStanza(text: string, start: number, end: number, line: number, latin1: boolean, state: ScanState): DebPackage {
  const origin = { file: state.file, line, index: state.index };
  // Searches run on the stanza's own slice: a field missing from it must not scan the rest of the chunk.
  const stanza = text.slice(start, end);
  if (stanza.startsWith('Package: ')) {
    let nl = stanza.indexOf('\n');
    if (nl < 0) nl = stanza.length;
    const folded = stanza.charCodeAt(nl + 1) === 32 || stanza.charCodeAt(nl + 1) === 9;
    const name = stanza.slice(9, nl).trim();
    const version = valueOf(stanza, '\nVersion: ');
    const architecture = valueOf(stanza, '\nArchitecture: ');
    const hasProvides = stanza.includes('\nProvides:');
    const provides = hasProvides ? valueOf(stanza, '\nProvides: ') : undefined;
    if (!folded && name && version && architecture && (!hasProvides || provides !== undefined))
      return new LazyPackage(name, version, architecture, provides, origin, stanza, latin1);
  }
  // Anything unusual: the generic parser, which validates and reports positions.
  return parseStanza(stanza, latin1, origin);
}

function genericChunk(text: string, latin1: boolean, state: ScanState, out: DebPackage[]): void {
  const first = state.line;
  const stanzas = withLineOffset(first, () => parseDeb822Text(latin1 ? Buffer.from(text, 'latin1') : text, { file: state.file }));
  for (const s of stanzas) out.push(packageFromStanza({ ...s, line: first + s.line - 1 }, { file: state.file, index: state.index }));
  let lines = 1;
  for (let p = text.indexOf('\n'); p >= 0; p = text.indexOf('\n', p + 1)) lines++;
  state.line += lines;
}

/**
 * Streams package records in batches from a Packages index (any compression),
 * scanning the common layout fast and falling back to the generic parser.
 */
export async function* scanPackagesBatches(source: ByteSource, options: ParsePackagesOptions = {}): AsyncGenerator<DebPackage[]> {
  const state: ScanState = { file: options.file, index: options.index ?? 0, line: 1 };
  for await (const { bytes, final } of cutAtBoundaries(decompress(source, { file: options.file }), lastBlankLine)) {
    let piece = bytes;
    if (final) while (piece.byteLength && piece[piece.byteLength - 1] === 10) piece = piece.subarray(0, piece.byteLength - 1);
    const batch = piece.byteLength ? scanBytes(piece, state) : [];
    if (!final) state.line++; // the blank line at the cut
    if (batch.length) yield batch;
  }
}

/** The last "\n\n" in a chunk: a stanza ends before it, the next starts after it. */
function lastBlankLine(chunk: Uint8Array): Cut | null {
  for (let i = chunk.lastIndexOf(10); i > 0; i = chunk.lastIndexOf(10, i - 1)) if (chunk[i - 1] === 10) return { end: i - 1, next: i + 1 };
  return null;
}

function scanBytes(bytes: Uint8Array, state: ScanState): DebPackage[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Leading blank lines (several separators in a row) belong to no stanza.
  let skip = 0;
  while (skip < buf.byteLength && buf[skip] === 10) skip++;
  state.line += skip;
  const out: DebPackage[] = [];
  if (skip < buf.byteLength) scanChunk(buf.toString('latin1', skip), !isAscii(buf), state, out);
  return out;
}

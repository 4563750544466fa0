/**
 * A fast scan of Packages indexes for the repository model. A closure looks
 * at a few hundred of 63,000 stanzas, but the model needs every stanza's
 * name, version, architecture and Provides. So in the common layout (what dak
 * and apt-ftparchive write: canonical field names, no comments, LF line ends)
 * we take those four with native string searches and keep where the stanza
 * lies; every other field is parsed, with full validation, the first time it
 * is read, and line numbers are counted only when someone asks for one. A
 * chunk or stanza outside that layout goes through the generic deb822 parser,
 * so the result is the same either way (tested).
 *
 * Speed matters here (a closure from a compressed index is dominated by this
 * scan and the inflate it overlaps with), so the per-stanza work is a handful
 * of indexOf calls on one Latin-1 string per chunk and a few numbers in the
 * chunk's columns (stanza-set.ts). Pieces are cut on that string, not with
 * cutAtBoundaries (formats/bytes.ts), which would copy each chunk's bytes once more.
 */
import { isAscii } from 'node:buffer';
import { parseDeb822Text } from '../../formats/deb822/index.js';
import { decompress } from '../../formats/compress/index.js';
import type { ByteSource } from '../../formats/bytes.js';
import { type DebPackage, packageFromStanza, type ParsePackagesOptions } from './packages.js';
import { ScanChunk, parseStanza, withLineOffset } from './stanza-set.js';

export { ParsedStanzas, ScanChunk, type StanzaSet, providesOf } from './stanza-set.js';
import { firstUnusualLine } from './scan-layout.js';

/** The end of the one-line value starting at `from` in a stanza ending at `end`; -1 if it is folded. */
function valueEnd(text: string, from: number, end: number): number {
  const to = text.indexOf('\n', from);
  if (to < 0 || to >= end) return end;
  // Folded values (a continuation line follows) are left to the generic parser.
  const next = text.charCodeAt(to + 1);
  return next === 32 || next === 9 ? -1 : to;
}

/** Whether text[from, to) is non-empty and has no white space at either end (the common layout). */
function plain(text: string, from: number, to: number): boolean {
  if (to <= from) return false;
  const a = text.charCodeAt(from);
  const z = text.charCodeAt(to - 1);
  return a !== 32 && a !== 9 && z !== 32 && z !== 9;
}

/** Scans one chunk of whole stanzas (text ends where a stanza ends). */
function scanChunk(chunk: ScanChunk): void {
  const { text } = chunk;
  if (firstUnusualLine(text) >= 0) return genericChunk(chunk);
  const n = text.length;
  // Provides is in few stanzas: one forward cursor instead of a search per stanza.
  let provides = text.indexOf('\nProvides:');
  for (let pos = 0; pos < n; ) {
    let end = text.indexOf('\n\n', pos);
    if (end < 0) end = n;
    if (provides >= 0 && provides < pos) provides = text.indexOf('\nProvides:', pos);
    if (!scanStanza(chunk, pos, end, provides >= 0 && provides < end ? provides : -1)) {
      // Anything unusual: the generic parser, which validates and reports positions.
      chunk.addParsed(parseStanza(text.slice(pos, end), chunk.latin1, chunk.file, chunk.index, chunk.lineAt(pos)));
    }
    pos = end + 2;
  }
}

/** Adds a stanza in the common layout to the chunk's columns; false if it is not in that layout. */
function scanStanza(chunk: ScanChunk, start: number, end: number, provides: number): boolean {
  const { text } = chunk;
  if (!text.startsWith('Package: ', start)) return false;
  const nameEnd = valueEnd(text, start + 9, end);
  if (!plain(text, start + 9, nameEnd)) return false;
  const v = text.indexOf('\nVersion: ', start);
  if (v < 0 || v >= end) return false;
  const versionEnd = valueEnd(text, v + 10, end);
  if (!plain(text, v + 10, versionEnd)) return false;
  const a = text.indexOf('\nArchitecture: ', start);
  if (a < 0 || a >= end) return false;
  const archEnd = valueEnd(text, a + 15, end);
  if (!plain(text, a + 15, archEnd)) return false;
  let providesEnd = -1;
  if (provides >= 0) {
    // '\nProvides:' without the space (an empty or folded value) is left to the generic parser.
    if (!text.startsWith('\nProvides: ', provides)) return false;
    providesEnd = valueEnd(text, provides + 11, end);
    if (!plain(text, provides + 11, providesEnd)) return false;
  }
  chunk.addScanned(text.slice(start + 9, nameEnd), start, end, v + 10, versionEnd, a + 15, archEnd, provides < 0 ? -1 : provides + 11, providesEnd);
  return true;
}

function genericChunk(chunk: ScanChunk): void {
  const first = chunk.firstLine();
  const { text, file, index } = chunk;
  const stanzas = withLineOffset(first, () => parseDeb822Text(chunk.latin1 ? Buffer.from(text, 'latin1') : text, { file }));
  for (const s of stanzas) chunk.addParsed(packageFromStanza({ ...s, line: first + s.line - 1 }, { file, index }));
}

/**
 * Streams the stanzas of a Packages index (any compression) chunk by chunk,
 * scanning the common layout fast and falling back to the generic parser.
 */
export async function* scanPackagesChunks(source: ByteSource, options: ParsePackagesOptions = {}): AsyncGenerator<ScanChunk> {
  const file = options.file;
  const index = options.index ?? 0;
  let previous: ScanChunk | undefined;
  let carry = '';
  let carryAscii = true;
  const scan = (text: string, ascii: boolean): ScanChunk => {
    // Leading blank lines (several separators in a row) belong to no stanza.
    let skip = 0;
    while (text.charCodeAt(skip) === 10) skip++;
    const chunk = new ScanChunk(skip ? text.slice(skip) : text, !ascii, file, index, previous, skip);
    previous = chunk;
    if (chunk.text.length) scanChunk(chunk);
    return chunk;
  };
  for await (const bytes of decompress(source, { file })) {
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const ascii = isAscii(buf);
    const text = buf.toString('latin1');
    if (carry) {
      // The stanza cut at the previous chunk's end: its own small piece, so that the
      // big text is never concatenated (and copied) again.
      const head = text.indexOf('\n\n');
      if (head < 0) {
        carry += text;
        carryAscii &&= ascii;
        continue;
      }
      yield scan(carry + text.slice(0, head), carryAscii && ascii);
      carry = '';
      carryAscii = true;
      const cut = text.lastIndexOf('\n\n');
      if (cut > head) yield scan(text.slice(head + 2, cut), ascii);
      carry = text.slice(cut + 2);
      carryAscii = ascii;
      continue;
    }
    const cut = text.lastIndexOf('\n\n');
    if (cut < 0) {
      carry = text;
      carryAscii = ascii;
      continue;
    }
    yield scan(text.slice(0, cut), ascii);
    carry = text.slice(cut + 2);
    carryAscii = ascii;
  }
  // The last piece: without its trailing newlines, and only if something is left.
  let last = carry.length;
  while (last > 0 && carry.charCodeAt(last - 1) === 10) last--;
  if (last > 0) yield scan(carry.slice(0, last), carryAscii);
}

/** Streams package records in batches from a Packages index (any compression); see scanPackagesChunks. */
export async function* scanPackagesBatches(source: ByteSource, options: ParsePackagesOptions = {}): AsyncGenerator<DebPackage[]> {
  for await (const chunk of scanPackagesChunks(source, options)) {
    const batch: DebPackage[] = [];
    for (let i = 0; i < chunk.count; i++) batch.push(chunk.package(i));
    if (batch.length) yield batch;
  }
}

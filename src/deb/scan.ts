/**
 * A fast scan of Packages indexes for the repository model. A closure looks
 * at a few hundred of 63,000 stanzas, but the model needs every stanza's
 * name, version, architecture and Provides. So in the common layout (what dak
 * and apt-ftparchive write: canonical field names, no comments, LF line ends)
 * a WebAssembly scan (formats/deb822/packages-scan.ts) takes those four as
 * offsets and keeps the bytes; every other field is parsed, with full
 * validation, the first time it is read, and line numbers are counted only
 * when someone asks for one. A range or stanza outside that layout goes
 * through the generic deb822 parser, so the result is the same either way
 * (tested).
 */
import { parseDeb822Text } from '../../formats/deb822/index.js';
import { type PackagesScanPiece, PackagesScanner } from '../../formats/deb822/packages-scan.js';
import { decompress, peekCompression } from '../../formats/compress/index.js';
import type { ByteSource } from '../../formats/bytes.js';
import { type DebPackage, packageFromStanza, type ParsePackagesOptions } from './packages.js';
import { ParsedStanzas, ScanPiece, type StanzaSet, withLineOffset } from './stanza-set.js';

export { ParsedStanzas, ScanPiece, type StanzaSet, providesOf } from './stanza-set.js';

export interface ScanPackagesOptions extends ParsePackagesOptions {
  /** The native architecture, which the scan recognises without decoding (default amd64). */
  arch?: string;
  /**
   * The source's chunks are new buffers that nothing changes later (a file
   * read stream's are), so uncompressed chunks are kept without a copy. gzip
   * output always is.
   */
  ownedChunks?: boolean;
}

/** A range outside the common layout, through the generic parser (which validates and reports positions). */
function genericPiece(scanner: PackagesScanner, start: number, end: number, file: string | undefined, index: number): ParsedStanzas {
  const first = scanner.lineAt(start);
  const stanzas = withLineOffset(first, () => parseDeb822Text(scanner.bytes(start, end), { file }));
  return new ParsedStanzas(stanzas.map((s) => packageFromStanza({ ...s, line: first + s.line - 1 }, { file, index })), index);
}

function setOf(scanner: PackagesScanner, piece: PackagesScanPiece, file: string | undefined, index: number): StanzaSet {
  if (piece.kind === 'unusual') return genericPiece(scanner, piece.start, piece.end, file, index);
  return new ScanPiece(scanner, piece.columns, piece.provides, file, index);
}

/**
 * Streams the stanzas of a Packages index (any compression) piece by piece,
 * as the decompressed bytes arrive.
 */
export async function* scanPackagesChunks(source: ByteSource, options: ScanPackagesOptions = {}): AsyncGenerator<StanzaSet> {
  const { file } = options;
  const index = options.index ?? 0;
  const scanner = new PackagesScanner(options.arch);
  const peeked = await peekCompression(source);
  const owned = peeked.compression === 'gzip' || (peeked.compression === 'none' && options.ownedChunks === true);
  for await (const bytes of decompress(peeked.source, { file, compression: peeked.compression })) {
    scanner.append(bytes, owned);
    for (const piece of scanner.take(false)) yield setOf(scanner, piece, file, index);
  }
  for (const piece of scanner.take(true)) yield setOf(scanner, piece, file, index);
}

/** Streams package records in batches from a Packages index (any compression); see scanPackagesChunks. */
export async function* scanPackagesBatches(source: ByteSource, options: ScanPackagesOptions = {}): AsyncGenerator<DebPackage[]> {
  for await (const set of scanPackagesChunks(source, options)) {
    const batch: DebPackage[] = [];
    for (let i = 0; i < set.count; i++) batch.push(set.package(i));
    if (batch.length) yield batch;
  }
}

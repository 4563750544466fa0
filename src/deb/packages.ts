/**
 * Packages indexes → package records. Fields are kept raw; relationship
 * fields are parsed on demand (most of 63,000 packages are never looked at
 * by a closure), so reading a whole index stays fast.
 */
import { parseDeb822Batches, type Deb822Stanza } from '../../formats/deb822/index.js';
import { decompress } from '../../formats/compress/index.js';
import type { ByteSource } from '../../formats/bytes.js';
import { DistrokitError } from '../../formats/errors.js';

export type MultiArch = 'no' | 'same' | 'foreign' | 'allowed';

export interface DebPackage {
  name: string;
  version: string;
  architecture: string;
  multiArch: MultiArch;
  essential: boolean;
  /** apt's "Important: yes" flag (rare). */
  important: boolean;
  priority?: string;
  filename?: string;
  size?: number;
  sha256?: string;
  /** All fields by lower-cased name, as written (relations unparsed). */
  fields: Map<string, string>;
  /** Where the stanza came from. */
  origin: { file?: string; line: number; index: number };
}

/**
 * A package's position for an error message, with the line read only when the
 * error is built (a lazily scanned package counts its line on demand).
 */
export function positionOf(pkg: DebPackage, extra: { field?: string } = {}): { file?: string; line: number; entry: string; field?: string } {
  return {
    file: pkg.origin.file,
    get line() {
      return pkg.origin.line;
    },
    entry: pkg.name,
    ...extra,
  };
}

export interface ParsePackagesOptions {
  /** File name for error messages. */
  file?: string;
  /** Index number recorded in each package's origin (several indexes form one repository). */
  index?: number;
  /** Keep only these fields (lower-case); by default all are kept. See CLOSURE_FIELDS. */
  keep?: ReadonlySet<string>;
}

/** The fields a closure, its outputs and the repository model use. */
export const CLOSURE_FIELDS: ReadonlySet<string> = new Set([
  'package', 'version', 'architecture', 'multi-arch', 'essential', 'important', 'protected', 'priority',
  'filename', 'size', 'sha256', 'depends', 'pre-depends', 'recommends', 'conflicts', 'breaks', 'provides',
  // Relations that only order providers (apt's package IDs, see cache-order.ts).
  'suggests', 'replaces', 'enhances',
]);

const MULTI_ARCH = new Set<MultiArch>(['no', 'same', 'foreign', 'allowed']);

/** Builds a package record from a stanza, checking the fields a closure depends on. */
export function packageFromStanza(stanza: Deb822Stanza, options: ParsePackagesOptions = {}): DebPackage {
  const f = stanza.fields;
  const where = { file: options.file, line: stanza.line };
  const name = f.get('package');
  if (!name) throw new DistrokitError('DEB_MISSING_FIELD', 'stanza has no Package field', where);
  const version = f.get('version');
  if (!version) throw new DistrokitError('DEB_MISSING_FIELD', `package ${name} has no Version field`, { ...where, entry: name });
  const architecture = f.get('architecture');
  if (!architecture) throw new DistrokitError('DEB_MISSING_FIELD', `package ${name} has no Architecture field`, { ...where, entry: name });
  const ma = (f.get('multi-arch') ?? 'no').toLowerCase() as MultiArch;
  if (!MULTI_ARCH.has(ma)) throw new DistrokitError('DEB_BAD_FIELD', `package ${name}: unknown Multi-Arch value '${ma}'`, { ...where, entry: name });
  const sizeText = f.get('size');
  let size: number | undefined;
  if (sizeText !== undefined) {
    size = Number(sizeText);
    if (!/^\d+$/.test(sizeText) || !Number.isSafeInteger(size))
      throw new DistrokitError('DEB_BAD_FIELD', `package ${name}: Size '${sizeText}' is not a number`, { ...where, entry: name });
  }
  return {
    name,
    version,
    architecture,
    multiArch: ma,
    essential: f.get('essential')?.toLowerCase() === 'yes',
    important: f.get('important')?.toLowerCase() === 'yes',
    priority: f.get('priority'),
    filename: f.get('filename'),
    size,
    sha256: f.get('sha256'),
    fields: f,
    origin: { file: options.file, line: stanza.line, index: options.index ?? 0 },
  };
}

/** Streams package records in batches from a Packages index in any supported compression. */
export async function* parsePackagesBatches(source: ByteSource, options: ParsePackagesOptions = {}): AsyncGenerator<DebPackage[]> {
  const deb822 = { file: options.file, keep: options.keep };
  for await (const batch of parseDeb822Batches(decompress(source, { file: options.file }), deb822)) {
    yield batch.map((s) => packageFromStanza(s, options));
  }
}

/** Streams package records from a Packages index in any supported compression. */
export async function* parsePackages(source: ByteSource, options: ParsePackagesOptions = {}): AsyncGenerator<DebPackage> {
  for await (const batch of parsePackagesBatches(source, options)) yield* batch;
}

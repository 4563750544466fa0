/**
 * The checksums an index can give a file (sha512, sha256, or sha1 where that
 * is all a repository offers), the hashing of a stream against all of them
 * at once, and the check of a local file.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { DistrokitError, type ErrorData } from '../../formats/errors.js';
import type { ErrorCode } from '../../formats/error-codes.js';

export type ChecksumAlgo = 'sha512' | 'sha256' | 'sha1';

/** One checksum: the algorithm and the lower-case hex digest. */
export interface Checksum {
  algo: ChecksumAlgo;
  hex: string;
}

/** What a file is expected to be: any of the digests an index gives, and its size. */
export interface Expected {
  sha256?: string;
  sha512?: string;
  sha1?: string;
  /** Another form of one digest (e.g. from a lock file); merged with the fields above. */
  checksum?: Checksum;
  size?: number;
  /** Named in errors (a package name). */
  entry?: string;
}

/** Strongest first: the cache is keyed by the first one an item has. */
export const CHECKSUM_ALGOS: readonly ChecksumAlgo[] = ['sha512', 'sha256', 'sha1'];
const HEX_LENGTH: Record<ChecksumAlgo, number> = { sha512: 128, sha256: 64, sha1: 40 };

/**
 * A checksum from an index's or a lock's spelling of it: sha256/SHA256,
 * sha512, sha1 or rpm's `sha`; FETCH_UNSUPPORTED_CHECKSUM for another type
 * (md5) or a digest of the wrong form.
 */
export function parseChecksum(type: string, value: string, entry?: string): Checksum {
  const t = type.toLowerCase().replace(/-/g, '');
  const algo: ChecksumAlgo | undefined = t === 'sha' || t === 'sha1' ? 'sha1' : t === 'sha256' ? 'sha256' : t === 'sha512' ? 'sha512' : undefined;
  if (!algo) throw new DistrokitError('FETCH_UNSUPPORTED_CHECKSUM', `checksum type ${type} is not one of sha512, sha256, sha1`, { entry });
  const hex = value.toLowerCase();
  if (hex.length !== HEX_LENGTH[algo] || !/^[0-9a-f]+$/.test(hex))
    throw new DistrokitError('FETCH_UNSUPPORTED_CHECKSUM', `${algo} digest ${JSON.stringify(value)} is not ${HEX_LENGTH[algo]} hex digits`, { entry });
  return { algo, hex };
}

/** Every digest `e` gives, strongest first (FETCH_NO_CHECKSUM when none: nothing unverified is downloaded). */
export function expectedChecksums(e: Expected): Checksum[] {
  const out: Checksum[] = [];
  for (const algo of CHECKSUM_ALGOS) {
    const hex = e.checksum?.algo === algo ? e.checksum.hex : e[algo];
    if (hex !== undefined) out.push(parseChecksum(algo, hex, e.entry));
  }
  if (out.length === 0) throw new DistrokitError('FETCH_NO_CHECKSUM', 'no sha512, sha256 or sha1 to verify the file with', { entry: e.entry });
  return out;
}

/** The checksum a file is known by (its cache key): the strongest one given. */
export function primaryChecksum(e: Expected): Checksum {
  return expectedChecksums(e)[0]!;
}

/** Hashes bytes with every algorithm of `want` at once. */
export class MultiHash {
  private readonly hashes: { algo: ChecksumAlgo; hash: Hash; hex: string }[];
  size = 0;

  constructor(want: readonly Checksum[]) {
    this.hashes = want.map((c) => ({ algo: c.algo, hash: createHash(c.algo), hex: c.hex }));
  }

  update(chunk: Uint8Array): void {
    this.size += chunk.byteLength;
    for (const h of this.hashes) h.hash.update(chunk);
  }

  /** The first digest that differs from the expected one, or undefined when all match. */
  mismatch(): { algo: ChecksumAlgo; got: string; want: string } | undefined {
    for (const h of this.hashes) {
      const got = h.hash.digest('hex');
      if (got !== h.hex) return { algo: h.algo, got, want: h.hex };
    }
    return undefined;
  }
}

/** Feeds the bytes of `path` (from `start`) into `hash`. */
export async function hashFile(path: string, hash: MultiHash): Promise<void> {
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
}

/** The sha256 of the whole file at `path`, in hex. */
export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The size of the regular file at `path`; `code` (with `data`) when it is missing or not a regular file. */
export async function regularFileSize(path: string, code: ErrorCode, data: ErrorData): Promise<number> {
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new Error('not a regular file');
    return st.size;
  } catch (err) {
    throw DistrokitError.wrap(err, code, data);
  }
}

/**
 * Checks a local file (a --debs directory, a file:// mirror, a cached copy)
 * against its index entry: IMAGE_DEB_MISSING when it is not there,
 * FETCH_SIZE_MISMATCH or FETCH_CHECKSUM_MISMATCH when it is not the file the
 * index names. Returns the path.
 */
export async function verifyLocalFile(path: string, expected: Expected): Promise<string> {
  const want = expectedChecksums(expected);
  const size = await regularFileSize(path, 'IMAGE_DEB_MISSING', { file: path, entry: expected.entry });
  if (expected.size !== undefined && size !== expected.size)
    throw new DistrokitError('FETCH_SIZE_MISMATCH', `${size} bytes, the index says ${expected.size}`, { file: path, entry: expected.entry });
  const hash = new MultiHash(want);
  await hashFile(path, hash);
  const bad = hash.mismatch();
  if (bad) throw new DistrokitError('FETCH_CHECKSUM_MISMATCH', `${bad.algo} ${bad.got}, the index says ${bad.want}`, { file: path, entry: expected.entry });
  return path;
}

/** Whether `path` is a regular file matching `expected` (false for any failure). */
export function isValidFile(path: string, expected: Expected): Promise<boolean> {
  return verifyLocalFile(path, expected).then(
    () => true,
    () => false,
  );
}

/**
 * An initrd: optional uncompressed archives first (early microcode), then one
 * compressed newc archive of the tree. The kernel unpacks such concatenations
 * in order, skipping zero padding between them.
 */
import { createHash } from 'node:crypto';
import { createGzip } from 'node:zlib';
import { Readable, pipeline } from 'node:stream';
import { type ByteSource, collectBytes, iterateBytes } from '../../formats/bytes.js';
import { type CpioFormat, writeCpio } from '../../formats/cpio/writer.js';
import { DistrokitError } from '../../formats/errors.js';
import { compressXz } from '../../formats/compress/xz.js';
import { writeOutputFile } from '../tree/output-file.js';
import type { DirNode } from '../tree/types.js';
import { compressLz4Legacy } from './lz4-legacy.js';
import { type TreeToCpioOptions, cpioEntriesFromTree } from './tree-to-cpio.js';

/** Compressions this writer produces (all of them Linux can unpack as an initramfs). */
export type InitrdCompression = 'gzip' | 'zstd' | 'xz' | 'lz4' | 'none';
export const INITRD_COMPRESSIONS: readonly InitrdCompression[] = ['gzip', 'zstd', 'xz', 'lz4', 'none'];

export interface BuildInitrdOptions extends TreeToCpioOptions {
  compression?: InitrdCompression;
  /** gzip level 1..9 (default 9, as `gzip -9n`); zstd level 1..22 (default 19); xz preset 0..7 (default 6). */
  level?: number;
  format?: CpioFormat;
  alignData?: number;
  /** Uncompressed archives to put first, in order (each zero-padded to 4 bytes). */
  prepend?: ByteSource[];
}

/**
 * zstd through the reference library compiled to WASM (@bokuweb/zstd-wasm).
 * Its API is one-shot, so the archive is held in memory once: fine for
 * initrds (tens of MB), not for multi-GB trees.
 */
async function* compressZstd(source: AsyncIterable<Uint8Array>, level: number): AsyncGenerator<Uint8Array> {
  const archive = await collectBytes(source);
  const zstd = await import('@bokuweb/zstd-wasm');
  await zstd.init();
  yield zstd.compress(archive, level);
}

export function compressStream(
  source: AsyncIterable<Uint8Array>,
  compression: string,
  level?: number,
): AsyncIterable<Uint8Array> {
  switch (compression) {
    case 'none':
      return source;
    case 'gzip':
      // node's gzip header carries mtime 0 and no name: deterministic like `gzip -n`.
    {
      // pipeline (not pipe) so a failing source destroys the gzip stream and its reader sees the error.
      const gzip = createGzip({ level: level ?? 9, chunkSize: 1 << 16 });
      pipeline(Readable.from(source, { objectMode: false }), gzip, () => {});
      return gzip;
    }
    case 'lz4':
      return compressLz4Legacy(source);
    case 'zstd':
      return compressZstd(source, level ?? 19);
    case 'xz':
      // CRC32: the kernel's XZ Embedded decoder verifies CRC32 (and none); CRC64 needs a
      // newer kernel option. This is what initramfs-tools and dracut write (`xz --check=crc32`).
      return compressXz(source, { preset: level ?? 6, check: 'crc32' });
    default:
      throw new DistrokitError(
        'INITRD_UNSUPPORTED_COMPRESSION',
        `compression '${compression}' is not available for writing (have: ${INITRD_COMPRESSIONS.join(', ')})`,
        { compression },
      );
  }
}

/** The initrd bytes for `root`, streamed. */
export async function* buildInitrd(root: DirNode, options: BuildInitrdOptions = {}): AsyncGenerator<Uint8Array> {
  const compression = options.compression ?? 'gzip';
  const compressed = compressStream(
    writeCpio(cpioEntriesFromTree(root, options), { format: options.format, alignData: options.alignData, file: options.file }),
    compression,
    options.level,
  );
  for (const archive of options.prepend ?? []) {
    let length = 0;
    for await (const chunk of iterateBytes(archive)) {
      length += chunk.length;
      yield chunk;
    }
    if (length % 4) yield new Uint8Array(4 - (length % 4));
  }
  for await (const chunk of compressed) yield chunk as Uint8Array;
}

export interface WrittenInitrd {
  out: string;
  bytes: number;
  sha256: string;
}

/**
 * Writes the initrd for `root` to `out` (through a temporary file renamed when
 * complete) and returns its size and SHA-256. A target that cannot be written
 * is INITRD_OUTPUT naming it; no partial initrd is left.
 */
export async function writeInitrd(root: DirNode, out: string, options: BuildInitrdOptions = {}): Promise<WrittenInitrd> {
  const hash = createHash('sha256');
  let bytes = 0;
  await writeOutputFile(out, 'INITRD_OUTPUT', async (fh) => {
    for await (const chunk of buildInitrd(root, options)) {
      hash.update(chunk);
      bytes += chunk.length;
      await fh.write(chunk);
    }
  });
  return { out, bytes, sha256: hash.digest('hex') };
}

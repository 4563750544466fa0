/**
 * Detects a compression by its magic bytes (never the file name) and
 * decompresses as a stream. Truncated or corrupt input always throws a
 * DistrokitError; output is never silently short.
 */
import { PassThrough } from 'node:stream';
import { createGunzip, type ZlibOptions } from 'node:zlib';
import { type ByteSource, concatBytes, iterateBytes, peekBytes } from '../bytes.js';
import { DistrokitError } from '../errors.js';
import type { CompressXzOptions } from './xz.js';
import type { Lz4Options } from './lz4.js';

export type Compression = 'gzip' | 'bzip2' | 'xz' | 'zstd' | 'lz4' | 'none';

export const COMPRESSIONS: readonly Compression[] = ['gzip', 'bzip2', 'xz', 'zstd', 'lz4', 'none'];

export interface DecompressOptions {
  /** Name used in error messages. */
  file?: string;
  /** Force a compression instead of detecting it. */
  compression?: Compression;
  /** Maximum decompressed size in bytes; beyond it a DECOMPRESSED_TOO_LARGE error (decompression bombs). */
  maxOutput?: number;
}

/** The compression whose magic bytes start `head` ('none' if no known magic). Needs up to 6 bytes. */
export function detectCompression(head: Uint8Array): Compression {
  const b = head;
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) return 'gzip';
  if (b.length >= 3 && b[0] === 0x42 && b[1] === 0x5a && b[2] === 0x68) return 'bzip2';
  if (b.length >= 6 && b[0] === 0xfd && b[1] === 0x37 && b[2] === 0x7a && b[3] === 0x58 && b[4] === 0x5a && b[5] === 0x00) return 'xz';
  if (b.length >= 4 && b[0] === 0x28 && b[1] === 0xb5 && b[2] === 0x2f && b[3] === 0xfd) return 'zstd';
  if (b.length >= 4 && b[0] === 0x04 && b[1] === 0x22 && b[2] === 0x4d && b[3] === 0x18) return 'lz4';
  if (b.length >= 4 && b[0] === 0x02 && b[1] === 0x21 && b[2] === 0x4c && b[3] === 0x18) return 'lz4';
  return 'none';
}

/** Reads enough of the source to detect its compression, and gives back a source that still yields every byte. */
export async function peekCompression(source: ByteSource): Promise<{ compression: Compression; source: AsyncIterable<Uint8Array> }> {
  const peeked = await peekBytes(source, 6);
  return { compression: detectCompression(peeked.head), source: peeked.source };
}

/** Decompresses a source of any supported compression (or none) as a stream of chunks. */
export async function* decompress(source: ByteSource, options: DecompressOptions = {}): AsyncGenerator<Uint8Array> {
  let compression = options.compression;
  let input: ByteSource = source;
  if (!compression) {
    const peeked = await peekCompression(source);
    compression = peeked.compression;
    input = peeked.source;
  }
  const limit = options.maxOutput ?? Number.POSITIVE_INFINITY;
  let produced = 0;
  for await (const chunk of decoderFor(compression)(input, options)) {
    produced += chunk.byteLength;
    if (produced > limit)
      throw new DistrokitError('DECOMPRESSED_TOO_LARGE', `decompressed ${compression} data exceeds the limit of ${limit} bytes`, {
        file: options.file,
        offset: limit,
      });
    if (chunk.byteLength > 0) yield chunk;
  }
}

/** Decompresses a whole source into one buffer. */
export async function decompressToBuffer(source: ByteSource, options: DecompressOptions = {}): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of decompress(source, options)) parts.push(chunk);
  return concatBytes(parts);
}

type Decoder = (source: ByteSource, options: DecompressOptions) => AsyncIterable<Uint8Array>;

function decoderFor(compression: Compression): Decoder {
  switch (compression) {
    case 'gzip':
      return decompressGzip;
    case 'bzip2':
      return decompressBzip2;
    case 'xz':
      return decompressXz;
    case 'zstd':
      return decompressZstd;
    case 'lz4':
      return decompressLz4;
    case 'none':
      return iterateBytes;
  }
}

/** gzip through node:zlib: it checks the CRC and length, and handles multi-member files. */
export async function* decompressGzip(source: ByteSource, options: DecompressOptions = {}): AsyncGenerator<Uint8Array> {
  // 4 MiB outputs: each thread-pool job inflates that much while the consumer parses the previous one.
  // Object mode hands the outputs over one by one; in byte mode a read() concatenates (copies) all
  // buffered outputs. Two buffered outputs let zlib run ahead. (The options reach the Transform;
  // @types/node does not list them.)
  const gunzip = createGunzip({ chunkSize: 4 << 20, readableObjectMode: true, readableHighWaterMark: 2 } as ZlibOptions);
  const input = new PassThrough();
  input.pipe(gunzip);
  let feedError: unknown;
  const feed = (async () => {
    try {
      for await (const chunk of iterateBytes(source)) {
        if (input.destroyed) return;
        // Also wake on 'close': a consumer that stops early destroys the input, and 'drain' never comes.
        if (!input.write(chunk))
          await new Promise<void>((resolve) => {
            const wake = () => {
              input.off('drain', wake);
              input.off('close', wake);
              resolve();
            };
            input.on('drain', wake);
            input.on('close', wake);
          });
      }
      input.end();
    } catch (err) {
      feedError = err;
      gunzip.destroy(err as Error);
    }
  })();
  try {
    for await (const out of gunzip) yield new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (err) {
    if (feedError) throw feedError;
    throw new DistrokitError(
      /unexpected end/i.test((err as Error).message) ? 'GZIP_TRUNCATED' : 'GZIP_CORRUPT',
      `gzip: ${(err as Error).message}`,
      { file: options.file, offset: gunzip.bytesWritten },
      { cause: err },
    );
  } finally {
    input.destroy();
    gunzip.destroy();
    await feed;
  }
  if (feedError) throw feedError;
}

// The decoders other than gzip are loaded when first used: together with the liblzma
// WebAssembly they are about 30 ms of module loading, a tenth of a closure from a .gz index.

/** LZ4 frames (formats/compress/lz4.ts). */
export async function* decompressLz4(source: ByteSource, options: Lz4Options = {}): AsyncGenerator<Uint8Array> {
  yield* (await import('./lz4.js')).decompressLz4(source, options);
}

/** xz (formats/compress/xz.ts). */
export async function* decompressXz(source: ByteSource, options: { file?: string } = {}): AsyncGenerator<Uint8Array> {
  yield* (await import('./xz.js')).decompressXz(source, options);
}

/** zstd (formats/compress/zstd.ts). */
export async function* decompressZstd(source: ByteSource, options: { file?: string } = {}): AsyncGenerator<Uint8Array> {
  yield* (await import('./zstd.js')).decompressZstd(source, options);
}

/** bzip2, multi-stream (formats/compress/bzip2.ts). */
export async function* decompressBzip2(source: ByteSource, options: { file?: string } = {}): AsyncGenerator<Uint8Array> {
  yield* (await import('./bzip2.js')).decompressBzip2(source, options);
}

/** xz output (formats/compress/xz.ts). */
export async function* compressXz(source: ByteSource, options: CompressXzOptions = {}): AsyncGenerator<Uint8Array> {
  yield* (await import('./xz.js')).compressXz(source, options);
}

export type { CompressXzOptions, Lz4Options };

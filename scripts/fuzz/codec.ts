/**
 * Compression layers for "inner" mutations: the real tools unpack a seed, the
 * fuzzer mutates the plain bytes, the same tool packs them again, so the
 * mutation reaches the archive or text parser behind a valid compressed stream.
 */
import { spawnSync } from 'node:child_process';
import { type Compression, detectCompression } from '../../formats/compress/index.js';

const TOOLS: Record<Exclude<Compression, 'none'>, { unpack: string[]; pack: string[] }> = {
  gzip: { unpack: ['gzip', '-dc'], pack: ['gzip', '-1nc'] },
  bzip2: { unpack: ['bzip2', '-dc'], pack: ['bzip2', '-1c'] },
  xz: { unpack: ['xz', '-dc'], pack: ['xz', '-0c', '--check=crc32'] },
  zstd: { unpack: ['zstd', '-qdc'], pack: ['zstd', '-q1c'] },
  lz4: { unpack: ['lz4', '-qdc'], pack: ['lz4', '-q1c'] },
};

function tool(argv: string[], input: Uint8Array): Uint8Array | undefined {
  const r = spawnSync(argv[0]!, argv.slice(1), { input, maxBuffer: 1 << 28 });
  return r.status === 0 ? new Uint8Array(r.stdout) : undefined;
}

export function compressionOf(data: Uint8Array): Compression {
  return detectCompression(data.subarray(0, 6));
}

/** The plain bytes of a compressed input, or undefined when it is not compressed (or the tool refuses it). */
export function unpack(data: Uint8Array): { compression: Exclude<Compression, 'none'>; plain: Uint8Array } | undefined {
  const compression = compressionOf(data);
  if (compression === 'none') return undefined;
  const plain = tool(TOOLS[compression].unpack, data);
  return plain && { compression, plain };
}

export function pack(compression: Compression, plain: Uint8Array): Uint8Array {
  if (compression === 'none') return plain;
  const packed = tool(TOOLS[compression].pack, plain);
  if (!packed) throw new Error(`fuzz: ${compression} could not pack ${plain.length} bytes`);
  return packed;
}

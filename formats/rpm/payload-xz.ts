/**
 * rpm compresses xz payloads with a SHA-256 integrity check, which the WASM
 * xz decoder (xz-embedded) does not implement. This rewrites a single xz
 * stream to check type None (the container is re-framed: stream flags,
 * block check fields, index and footer, with their CRC32s recomputed; the
 * LZMA2 data is untouched), decodes it, and verifies each block's SHA-256
 * itself against the uncompressed block sizes the index records.
 */
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { concatBytes, dataView } from '../bytes.js';
import { DistrokitError } from '../errors.js';

const CHECK_SIZES = [0, 4, 4, 4, 8, 8, 8, 16, 16, 16, 32, 32, 32, 64, 64, 64];
const SHA256_CHECK = 0x0a;

export interface XzBlockCheck {
  uncompressedSize: number;
  sha256: Uint8Array;
}

function readVarint(bytes: Uint8Array, at: number, fail: () => DistrokitError): [number, number] {
  let value = 0;
  let shift = 1;
  for (let i = 0; i < 9; i++) {
    const b = bytes[at + i];
    if (b === undefined) throw fail();
    value += (b & 0x7f) * shift;
    shift *= 128;
    if (!(b & 0x80)) return [value, at + i + 1];
  }
  throw fail();
}

function writeVarint(value: number): number[] {
  const out: number[] = [];
  while (value >= 0x80) {
    out.push((value % 128) | 0x80);
    value = Math.floor(value / 128);
  }
  out.push(value);
  return out;
}

function u32le(value: number): Uint8Array {
  const b = new Uint8Array(4);
  dataView(b).setUint32(0, value >>> 0, true);
  return b;
}

/** True if `xz` is a single xz stream using the SHA-256 check. */
export function isXzSha256(xz: Uint8Array): boolean {
  return xz.byteLength >= 12 && xz[0] === 0xfd && xz[6] === 0 && (xz[7]! & 0x0f) === SHA256_CHECK;
}

/** The same stream with check type None, and the per-block SHA-256 values to verify the output against. */
export function stripXzSha256(xz: Uint8Array, file?: string): { stream: Uint8Array; blocks: XzBlockCheck[] } {
  const fail = (why: string, offset?: number) => new DistrokitError('XZ_CORRUPT', `xz container: ${why}`, { file, offset });
  let end = xz.byteLength;
  while (end > 12 && xz[end - 1] === 0 && xz[end - 2] === 0 && xz[end - 3] === 0 && xz[end - 4] === 0) end -= 4; // stream padding
  if (end < 24 || xz[end - 2] !== 0x59 || xz[end - 1] !== 0x5a) throw fail('no stream footer', end);
  const view = dataView(xz);
  const indexSize = (view.getUint32(end - 8, true) + 1) * 4;
  const indexStart = end - 12 - indexSize;
  if (indexStart < 12 || xz[indexStart] !== 0) throw fail('bad index position', indexStart);
  let at = indexStart + 1;
  let count;
  [count, at] = readVarint(xz, at, () => fail('bad index', at));
  const records: { unpadded: number; uncompressed: number }[] = [];
  for (let i = 0; i < count; i++) {
    let unpadded, uncompressed;
    [unpadded, at] = readVarint(xz, at, () => fail('bad index record', at));
    [uncompressed, at] = readVarint(xz, at, () => fail('bad index record', at));
    records.push({ unpadded, uncompressed });
  }
  const checkSize = CHECK_SIZES[SHA256_CHECK]!;
  const parts: Uint8Array[] = [];
  const header = new Uint8Array(12);
  header.set(xz.subarray(0, 6));
  header.set([0, 0], 6);
  header.set(u32le(crc32(header.subarray(6, 8))), 8);
  parts.push(header);
  const blocks: XzBlockCheck[] = [];
  let pos = 12;
  const newRecords: number[] = [];
  for (const r of records) {
    const dataSize = r.unpadded - checkSize;
    const padded = Math.ceil(dataSize / 4) * 4;
    if (dataSize <= 0 || pos + padded + checkSize > indexStart) throw fail('block overruns the index', pos);
    parts.push(xz.subarray(pos, pos + dataSize), new Uint8Array(padded - dataSize));
    blocks.push({ uncompressedSize: r.uncompressed, sha256: xz.slice(pos + padded, pos + padded + checkSize) });
    pos += padded + checkSize;
    newRecords.push(...writeVarint(dataSize), ...writeVarint(r.uncompressed));
  }
  if (pos !== indexStart) throw fail('blocks do not end at the index', pos);
  const indexBody = [0, ...writeVarint(records.length), ...newRecords];
  while (indexBody.length % 4 !== 0) indexBody.push(0);
  const index = new Uint8Array(indexBody);
  parts.push(index, u32le(crc32(index)));
  const footer = new Uint8Array(12);
  dataView(footer).setUint32(4, (index.byteLength + 4) / 4 - 1, true);
  footer.set([0, 0, 0x59, 0x5a], 8);
  footer.set(u32le(crc32(footer.subarray(4, 10))), 0);
  parts.push(footer);
  return { stream: concatBytes(parts), blocks };
}

/** Passes chunks through while checking each block's SHA-256 over the output. */
export async function* verifyBlocks(output: AsyncIterable<Uint8Array>, blocks: XzBlockCheck[], file?: string): AsyncGenerator<Uint8Array> {
  let block = 0;
  let left = blocks[0]?.uncompressedSize ?? 0;
  let hash = createHash('sha256');
  const close = () => {
    const digest = hash.digest();
    if (!Buffer.from(blocks[block]!.sha256).equals(digest)) throw new DistrokitError('XZ_CORRUPT', `xz block ${block}: SHA-256 check failed`, { file });
    block++;
    left = blocks[block]?.uncompressedSize ?? 0;
    hash = createHash('sha256');
  };
  for await (const chunk of output) {
    let at = 0;
    while (at < chunk.byteLength) {
      if (block >= blocks.length) throw new DistrokitError('XZ_CORRUPT', 'xz output is longer than its index says', { file });
      const take = Math.min(left, chunk.byteLength - at);
      hash.update(chunk.subarray(at, at + take));
      at += take;
      left -= take;
      if (left === 0) close();
    }
    yield chunk;
  }
  while (block < blocks.length && blocks[block]!.uncompressedSize === 0) close();
  if (block !== blocks.length) throw new DistrokitError('XZ_TRUNCATED', 'xz output is shorter than its index says', { file });
}

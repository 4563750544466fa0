/**
 * LZ4 frame format decoder (and the legacy frame), streaming. apt keeps its
 * lists as .lz4, so this is how we read the machine's own indexes. Block and
 * content checksums (xxHash32) are verified when the frame carries them.
 */
import { ByteCursor, type ByteSource, dataView } from '../bytes.js';
import { DistrokitError } from '../errors.js';
import { XXH32 } from './xxh32.js';

const FRAME_MAGIC = 0x184d2204;
const LEGACY_MAGIC = 0x184c2102;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const WINDOW = 65536;
const BLOCK_MAX = [0, 0, 0, 0, 64 << 10, 256 << 10, 1 << 20, 4 << 20];

export interface Lz4Options {
  file?: string;
}

export async function* decompressLz4(source: ByteSource, options: Lz4Options = {}): AsyncGenerator<Uint8Array> {
  const cur = new ByteCursor(source, { file: options.file, truncatedCode: 'LZ4_TRUNCATED' });
  let frames = 0;
  for (;;) {
    const magicBytes = await cur.readExactOrEnd(4);
    if (magicBytes === null) {
      if (frames === 0) throw corrupt('empty input', options, 0);
      return;
    }
    const magic = dataView(magicBytes).getUint32(0, true);
    if (magic === FRAME_MAGIC) yield* decodeFrame(cur, options);
    else if (magic === LEGACY_MAGIC) yield* decodeLegacy(cur, options);
    else if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      const size = dataView(await cur.readExact(4)).getUint32(0, true);
      await cur.skip(size);
    } else throw corrupt(`bad frame magic 0x${magic.toString(16)}`, options, cur.offset - 4);
    frames++;
  }
}

async function* decodeFrame(cur: ByteCursor, options: Lz4Options): AsyncGenerator<Uint8Array> {
  const descStart = cur.offset;
  const flg = (await cur.readExact(1))[0]!;
  const bd = (await cur.readExact(1))[0]!;
  if (flg >> 6 !== 1) throw corrupt(`unsupported frame version ${flg >> 6}`, options, descStart);
  const independent = (flg & 0x20) !== 0;
  const blockChecksum = (flg & 0x10) !== 0;
  const hasContentSize = (flg & 0x08) !== 0;
  const hasContentChecksum = (flg & 0x04) !== 0;
  const hasDictId = (flg & 0x01) !== 0;
  const blockMax = BLOCK_MAX[(bd >> 4) & 7]!;
  if (blockMax === 0) throw corrupt(`bad block size code ${(bd >> 4) & 7}`, options, descStart + 1);
  const descTail = await cur.readExact((hasContentSize ? 8 : 0) + (hasDictId ? 4 : 0));
  const headerCheck = (await cur.readExact(1))[0]!;
  const desc = new Uint8Array(2 + descTail.byteLength);
  desc[0] = flg;
  desc[1] = bd;
  desc.set(descTail, 2);
  if (((XXH32.digest(desc) >>> 8) & 0xff) !== headerCheck) throw corrupt('frame header checksum mismatch', options, descStart);
  if (hasDictId) throw corrupt('frames with a dictionary are not supported', options, descStart);
  const expectedSize = hasContentSize ? dataView(descTail).getBigUint64(0, true) : -1n;

  const content = hasContentChecksum ? new XXH32() : null;
  // Output buffer keeps the last 64 KiB as history for dependent blocks.
  const buf = new Uint8Array(WINDOW + blockMax);
  let history = 0;
  let produced = 0n;
  for (;;) {
    const sizeAt = cur.offset;
    const sizeWord = dataView(await cur.readExact(4)).getUint32(0, true);
    if (sizeWord === 0) break;
    const raw = (sizeWord & 0x80000000) !== 0;
    const size = sizeWord & 0x7fffffff;
    if (size > blockMax) throw corrupt(`block of ${size} bytes exceeds the frame's maximum ${blockMax}`, options, sizeAt);
    const block = await cur.readExact(size);
    if (blockChecksum) {
      const want = dataView(await cur.readExact(4)).getUint32(0, true);
      if (XXH32.digest(block) !== want) throw corrupt('block checksum mismatch', options, sizeAt);
    }
    const start = independent ? 0 : history;
    let end: number;
    if (raw) {
      buf.set(block, start);
      end = start + block.byteLength;
    } else {
      end = decodeBlock(block, buf, start, start + blockMax, options, sizeAt + 4);
    }
    const out = buf.slice(start, end);
    content?.update(out);
    produced += BigInt(out.byteLength);
    // Keep the newest 64 KiB at the front for the next dependent block.
    if (!independent) {
      const keep = Math.min(WINDOW, end);
      buf.copyWithin(0, end - keep, end);
      history = keep;
    }
    yield out;
  }
  if (hasContentChecksum) {
    const want = dataView(await cur.readExact(4)).getUint32(0, true);
    if (content!.digest() !== want) throw corrupt('content checksum mismatch', options, cur.offset - 4);
  }
  if (expectedSize >= 0n && produced !== expectedSize)
    throw corrupt(`content size ${produced} differs from the header's ${expectedSize}`, options, cur.offset);
}

async function* decodeLegacy(cur: ByteCursor, options: Lz4Options): AsyncGenerator<Uint8Array> {
  const max = 8 << 20;
  const buf = new Uint8Array(max);
  for (;;) {
    const at = cur.offset;
    const sizeBytes = await cur.readExactOrEnd(4);
    if (sizeBytes === null) return;
    const size = dataView(sizeBytes).getUint32(0, true);
    if (size === LEGACY_MAGIC) continue; // concatenated legacy streams
    if (size > max) throw corrupt(`legacy block of ${size} bytes is too large`, options, at);
    const block = await cur.readExact(size);
    const end = decodeBlock(block, buf, 0, max, options, at + 4);
    yield buf.slice(0, end);
  }
}

/** Decodes one LZ4 block into `out` starting at `start`; returns the end position. */
function decodeBlock(src: Uint8Array, out: Uint8Array, start: number, limit: number, options: Lz4Options, at: number): number {
  let ip = 0;
  let op = start;
  const n = src.byteLength;
  while (ip < n) {
    const token = src[ip++]!;
    let litLen = token >> 4;
    if (litLen === 15) {
      let b: number;
      do {
        if (ip >= n) throw corrupt('truncated literal length', options, at + ip);
        b = src[ip++]!;
        litLen += b;
      } while (b === 255);
    }
    if (ip + litLen > n) throw corrupt('literal run past the end of the block', options, at + ip);
    if (op + litLen > limit) throw corrupt('block decodes past its maximum size', options, at + ip);
    out.set(src.subarray(ip, ip + litLen), op);
    ip += litLen;
    op += litLen;
    if (ip >= n) break; // last sequence has literals only
    if (ip + 2 > n) throw corrupt('truncated match offset', options, at + ip);
    const offset = src[ip]! | (src[ip + 1]! << 8);
    ip += 2;
    if (offset === 0 || offset > op) throw corrupt(`match offset ${offset} points before the start of the window`, options, at + ip - 2);
    let matchLen = token & 15;
    if (matchLen === 15) {
      let b: number;
      do {
        if (ip >= n) throw corrupt('truncated match length', options, at + ip);
        b = src[ip++]!;
        matchLen += b;
      } while (b === 255);
    }
    matchLen += 4;
    if (op + matchLen > limit) throw corrupt('block decodes past its maximum size', options, at + ip);
    let from = op - offset;
    if (offset >= matchLen) {
      out.copyWithin(op, from, from + matchLen);
      op += matchLen;
    } else {
      for (let i = 0; i < matchLen; i++) out[op++] = out[from++]!;
    }
  }
  return op;
}

function corrupt(message: string, options: Lz4Options, offset: number): DistrokitError {
  return new DistrokitError('LZ4_CORRUPT', message, { file: options.file, offset });
}

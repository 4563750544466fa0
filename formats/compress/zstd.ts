/**
 * zstd through fzstd (pure JS, push streaming, typed error codes), one frame
 * at a time. We walk the frame and block headers ourselves so that a
 * truncated frame is caught where it ends and each frame's content checksum
 * (low 32 bits of XXH64) is verified: fzstd does not check it, and without the
 * check a corrupted literal decodes silently to wrong bytes.
 * (zstddec, the faster WASM build, loops forever on corrupt input; see
 * docs/dependencies.md. Node ≥ 22.15's zlib.createZstdDecompress would be the
 * natural replacement once Node 20 support ends.)
 */
import { Decompress } from 'fzstd';
import { ByteCursor, type ByteSource, dataView } from '../bytes.js';
import { DistrokitError } from '../errors.js';
import { XXH64 } from './xxh64.js';

const FRAME_MAGIC = 0xfd2fb528;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;

export async function* decompressZstd(source: ByteSource, options: { file?: string } = {}): AsyncGenerator<Uint8Array> {
  const cur = new ByteCursor(source, { file: options.file, truncatedCode: 'ZSTD_TRUNCATED' });
  let frames = 0;
  for (;;) {
    const magicBytes = await cur.readExactOrEnd(4);
    if (magicBytes === null) {
      if (frames === 0) throw new DistrokitError('ZSTD_TRUNCATED', 'zstd: empty input', { file: options.file, offset: 0 });
      return;
    }
    const magic = dataView(magicBytes).getUint32(0, true);
    if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      await cur.skip(dataView(await cur.readExact(4)).getUint32(0, true));
    } else if (magic === FRAME_MAGIC) {
      yield* decodeFrame(cur, magicBytes, options);
    } else {
      throw new DistrokitError('ZSTD_CORRUPT', `zstd: bad frame magic 0x${magic.toString(16)}`, { file: options.file, offset: cur.offset - 4 });
    }
    frames++;
  }
}

async function* decodeFrame(cur: ByteCursor, magic: Uint8Array, options: { file?: string }): AsyncGenerator<Uint8Array> {
  const frameStart = cur.offset - 4;
  let out: Uint8Array[] = [];
  const decoder = new Decompress((data) => {
    out.push(data);
  });
  const push = (chunk: Uint8Array, final = false) => {
    try {
      decoder.push(chunk, final);
    } catch (err) {
      const code = (err as { code?: number }).code;
      throw new DistrokitError(code === 5 ? 'ZSTD_TRUNCATED' : 'ZSTD_CORRUPT', `zstd: ${(err as Error).message}`, { file: options.file, offset: cur.offset }, { cause: err });
    }
  };
  const fhd = (await cur.readExact(1))[0]!;
  if (fhd & 0x08) throw corrupt('reserved bit set in the frame header', options, frameStart + 4);
  const singleSegment = (fhd & 0x20) !== 0;
  const checksum = (fhd & 0x04) !== 0;
  const dictIdSize = [0, 1, 2, 4][fhd & 3]!;
  const fcsSize = [singleSegment ? 1 : 0, 2, 4, 8][fhd >> 6]!;
  const rest = await cur.readExact((singleSegment ? 0 : 1) + dictIdSize + fcsSize);
  push(magic);
  push(Uint8Array.of(fhd));
  push(rest);
  const hash = checksum ? new XXH64() : null;
  for (;;) {
    const headerAt = cur.offset;
    const header = await cur.readExact(3);
    const word = header[0]! | (header[1]! << 8) | (header[2]! << 16);
    const last = (word & 1) !== 0;
    const type = (word >> 1) & 3;
    if (type === 3) throw corrupt('reserved block type', options, headerAt);
    const size = word >>> 3;
    push(header);
    for await (const chunk of cur.stream(type === 1 ? 1 : size)) {
      push(chunk);
      if (out.length) {
        for (const o of out) hash?.update(o);
        yield* out;
        out = [];
      }
    }
    if (last) break;
  }
  if (hash) {
    const at = cur.offset;
    const stored = await cur.readExact(4);
    push(stored);
    push(new Uint8Array(0), true);
    for (const o of out) hash.update(o);
    if (dataView(stored).getUint32(0, true) !== hash.digest().lo) throw corrupt('content checksum mismatch', options, at);
  } else {
    push(new Uint8Array(0), true);
  }
  yield* out;
}

function corrupt(message: string, options: { file?: string }, offset: number): DistrokitError {
  return new DistrokitError('ZSTD_CORRUPT', `zstd: ${message}`, { file: options.file, offset });
}

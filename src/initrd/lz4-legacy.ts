/**
 * LZ4 "legacy" frame encoder (magic 0x184C2102, 8 MiB blocks, `lz4 -l`): the
 * only LZ4 container the kernel's initramfs unpacker (lib/decompress_unlz4.c)
 * accepts. Blocks are compressed with a greedy single-probe hash matcher:
 * fast and deterministic, with a lower ratio than lz4's HC modes.
 */
const LEGACY_MAGIC = 0x184c2102;
export const LZ4_LEGACY_BLOCK = 8 << 20;
const MIN_MATCH = 4;
const HASH_BITS = 16;
/** The last 5 bytes are always literals and a match may not start within the last 12 (LZ4 block rules). */
const LAST_LITERALS = 5;
const MF_LIMIT = 12;
const MAX_DISTANCE = 65535;

function writeLength(out: Uint8Array, pos: number, len: number): number {
  while (len >= 255) {
    out[pos++] = 255;
    len -= 255;
  }
  out[pos++] = len;
  return pos;
}

/** Compresses one block (≤ 8 MiB) into raw LZ4 block format. */
export function compressLz4Block(src: Uint8Array): Uint8Array {
  const n = src.length;
  const out = new Uint8Array(n + Math.ceil(n / 255) + 16);
  const table = new Int32Array(1 << HASH_BITS).fill(-1);
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
  let op = 0;
  let anchor = 0;
  let ip = 0;
  const matchLimit = n - MF_LIMIT;
  while (ip < matchLimit) {
    const seq = view.getUint32(ip, true);
    const h = Math.imul(seq, 2654435761) >>> (32 - HASH_BITS);
    const ref = table[h]!;
    table[h] = ip;
    if (ref < 0 || ip - ref > MAX_DISTANCE || view.getUint32(ref, true) !== seq) {
      ip++;
      continue;
    }
    let len = MIN_MATCH;
    const maxLen = n - LAST_LITERALS - ip;
    while (len < maxLen && src[ref + len] === src[ip + len]) len++;
    const litLen = ip - anchor;
    const token = op++;
    out[token] = (Math.min(litLen, 15) << 4) | Math.min(len - MIN_MATCH, 15);
    if (litLen >= 15) op = writeLength(out, op, litLen - 15);
    out.set(src.subarray(anchor, ip), op);
    op += litLen;
    const dist = ip - ref;
    out[op++] = dist & 0xff;
    out[op++] = dist >> 8;
    if (len - MIN_MATCH >= 15) op = writeLength(out, op, len - MIN_MATCH - 15);
    ip += len;
    anchor = ip;
  }
  const litLen = n - anchor;
  out[op++] = Math.min(litLen, 15) << 4;
  if (litLen >= 15) op = writeLength(out, op, litLen - 15);
  out.set(src.subarray(anchor), op);
  op += litLen;
  return out.subarray(0, op);
}

/** Streams input into a legacy LZ4 frame, 8 MiB of input per block. */
export async function* compressLz4Legacy(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const magic = new Uint8Array(4);
  new DataView(magic.buffer).setUint32(0, LEGACY_MAGIC, true);
  yield magic;
  let block = new Uint8Array(LZ4_LEGACY_BLOCK);
  let fill = 0;
  const flush = function* (): Generator<Uint8Array> {
    const compressed = compressLz4Block(block.subarray(0, fill));
    const size = new Uint8Array(4);
    new DataView(size.buffer).setUint32(0, compressed.length, true);
    yield size;
    yield compressed;
    fill = 0;
    block = new Uint8Array(LZ4_LEGACY_BLOCK);
  };
  for await (const chunk of source) {
    let pos = 0;
    while (pos < chunk.length) {
      const take = Math.min(chunk.length - pos, LZ4_LEGACY_BLOCK - fill);
      block.set(chunk.subarray(pos, pos + take), fill);
      fill += take;
      pos += take;
      if (fill === LZ4_LEGACY_BLOCK) yield* flush();
    }
  }
  if (fill > 0) yield* flush();
}

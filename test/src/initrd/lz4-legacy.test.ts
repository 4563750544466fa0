import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { chunked, collectBytes } from '../../../formats/bytes.js';
import { decompressToBuffer } from '../../../formats/compress/index.js';
import { LZ4_LEGACY_BLOCK, compressLz4Legacy } from '../../../src/initrd/lz4-legacy.js';
import { sha } from './helpers.js';

async function* from(chunks: Iterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  yield* chunks;
}

describe('LZ4 legacy frame encoder', () => {
  it('round-trips through `lz4 -dc` across the 8 MiB block boundary, with long runs and incompressible data', async () => {
    const size = LZ4_LEGACY_BLOCK + 1_500_000;
    const input = new Uint8Array(size);
    input.fill(0x41, 0, 3_000_000); // one long match (length fields past 255)
    input.set(randomBytes(2_000_000), 3_000_000); // literals only
    for (let i = 5_000_000; i < size; i++) input[i] = (i % 251) ^ (i >> 13); // periodic data
    const packed = await collectBytes(compressLz4Legacy(from(chunked(input, 65536))));
    expect(packed.length).toBeLessThan(size);
    expect(sha(execFileSync('lz4', ['-dc'], { input: packed, maxBuffer: 1 << 26 }))).toBe(sha(input));
    expect(sha(await decompressToBuffer(packed))).toBe(sha(input));
  });

  it('encodes empty and tiny inputs the reference decoder accepts', async () => {
    for (const input of [new Uint8Array(0), new Uint8Array([1]), new TextEncoder().encode('abcabcabcabcabcabcabc')]) {
      const packed = await collectBytes(compressLz4Legacy(from([input])));
      expect(sha(execFileSync('lz4', ['-dc'], { input: packed }))).toBe(sha(input));
    }
  });
});

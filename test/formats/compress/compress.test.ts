/**
 * Decompression against the real compressors: every format is produced by
 * its reference CLI (gzip, bzip2, xz, zstd, lz4), in single and multi-stream
 * form, then read back through every chunking; truncated and corrupted inputs
 * must fail with a typed error, never produce short output.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Compression, decompressToBuffer, detectCompression } from '../../../formats/compress/index.js';
import { concatBytes } from '../../../formats/bytes.js';
import { DistrokitError } from '../../../formats/errors.js';
import { debianCache } from '../../helpers/cache.js';
import { CHUNKINGS } from '../../helpers/chunks.js';

// 300 KB of real text: several gzip/bzip2/xz/zstd blocks and lz4 blocks (64 KiB).
const plain = new Uint8Array(Buffer.concat(Array(10).fill(readFileSync(debianCache.updates))));

function tool(args: string[], input: Uint8Array): Uint8Array {
  return new Uint8Array(execFileSync(args[0]!, args.slice(1), { input, maxBuffer: 1 << 28 }));
}

/** `corruptAt`: where a flipped byte must be detected (a checksummed payload byte, or a structural field for formats without a checksum). */
const VARIANTS: { name: string; compression: Compression; make: (d: Uint8Array) => Uint8Array; corruptAt?: (d: Uint8Array) => number }[] = [
  { name: 'gzip', compression: 'gzip', make: (d) => tool(['gzip', '-c'], d) },
  { name: 'bzip2', compression: 'bzip2', make: (d) => tool(['bzip2', '-c'], d) },
  { name: 'xz', compression: 'xz', make: (d) => tool(['xz', '-c'], d) },
  { name: 'zstd', compression: 'zstd', make: (d) => tool(['zstd', '-c', '-q'], d) },
  { name: 'lz4 (default frame)', compression: 'lz4', make: (d) => tool(['lz4', '-c', '-q'], d) },
  { name: 'lz4 (independent blocks, block checksums, content size)', compression: 'lz4', make: (d) => tool(['lz4', '-c', '-q', '-BI', '-BX', '--content-size', '-B4'], d) },
  // The legacy frame has no checksum at all: only structural damage (here a block size) is detectable.
  { name: 'lz4 (legacy frame)', compression: 'lz4', make: (d) => tool(['lz4', '-c', '-q', '-l'], d), corruptAt: () => 7 },
];

const digest = (d: Uint8Array) => createHash('sha256').update(d).digest('hex');

describe('decompress: real compressors, every chunking', () => {
  for (const v of VARIANTS) {
    const packed = v.make(plain);
    it(`${v.name}: detected by magic bytes`, () => {
      expect(plain.byteLength).toBeGreaterThan(300_000);
      expect(detectCompression(packed.subarray(0, 6))).toBe(v.compression);
    });
    for (const c of CHUNKINGS) {
      if (c.name === '1-byte chunks' && (v.compression === 'xz' || v.compression === 'bzip2')) {
        // 1-byte chunks through the WASM/whole-buffer decoders are slow; a 4 KB prefix of the stream is enough to cover chunk seams.
        it(`${v.name} (${c.name}, small input)`, async () => {
          const small = plain.subarray(0, 4000);
          const out = await decompressToBuffer(c.split(v.make(small)));
          expect(digest(out)).toBe(digest(small));
        });
        continue;
      }
      it(`${v.name} (${c.name})`, async () => {
        const out = await decompressToBuffer(c.split(packed), { file: 'x' });
        expect(out.byteLength).toBe(plain.byteLength);
        expect(digest(out)).toBe(digest(plain));
      });
    }
    it(`${v.name}: truncated input is an error, not short output`, async () => {
      for (const cut of [Math.floor(packed.byteLength / 2), packed.byteLength - 1]) {
        const err = await decompressToBuffer(packed.subarray(0, cut), { file: 'cut.bin' }).catch((e: unknown) => e);
        expect(err, `cut at ${cut}`).toBeInstanceOf(DistrokitError);
        expect((err as DistrokitError).data.file).toBe('cut.bin');
      }
    });
    it(`${v.name}: a corrupted byte is an error`, async () => {
      const bad = packed.slice();
      const at = v.corruptAt ? v.corruptAt(bad) : Math.floor(bad.byteLength * 0.6);
      bad[at] = bad[at]! ^ 0x55;
      const err = await decompressToBuffer(bad, { file: 'bad.bin' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DistrokitError);
    });
    it(`${v.name}: maxOutput stops a decompression bomb`, async () => {
      const err = await decompressToBuffer(packed, { maxOutput: 100_000 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DistrokitError);
      expect((err as DistrokitError).code).toBe('DECOMPRESSED_TOO_LARGE');
    });
  }

  for (const v of VARIANTS.filter((x) => x.name !== 'lz4 (legacy frame)')) {
    it(`${v.name}: concatenated streams decode to the concatenation`, async () => {
      const a = plain.subarray(0, 50_000);
      const b = plain.subarray(50_000, 120_000);
      const out = await decompressToBuffer(concatBytes([v.make(a), v.make(b)]));
      expect(digest(out)).toBe(digest(plain.subarray(0, 120_000)));
    });
  }

  it('uncompressed input passes through unchanged', async () => {
    expect(digest(await decompressToBuffer(plain))).toBe(digest(plain));
  });

  it("reads apt's own .lz4 list of bookworm main as apt-helper cat-file does", async () => {
    // fixtures/gen/debian-indexes.sh copies the lz4 list itself into the cache.
    const lz4 = readdirSync(debianCache.lists).find((f) => f.includes('_bookworm_main_binary-amd64_Packages.lz4'))!;
    const out = await decompressToBuffer(readFileSync(`${debianCache.lists}/${lz4}`));
    expect(digest(out)).toBe(digest(readFileSync(debianCache.main)));
  });
});

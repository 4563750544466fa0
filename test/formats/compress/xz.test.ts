/**
 * The liblzma (WebAssembly) xz decoder against xz(1): every integrity check
 * type xz writes is verified (a flipped check byte fails), truncation and
 * foreign data are typed errors, limits and unsupported checks are refused
 * rather than skipped, and decoders can be interleaved and abandoned freely.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { chunked, concatBytes, dataView } from '../../../formats/bytes.js';
import { decompressXz } from '../../../formats/compress/xz.js';
import { DistrokitError } from '../../../formats/errors.js';
import { debianCache } from '../../helpers/cache.js';

const plain = new Uint8Array(Buffer.concat(Array(4).fill(readFileSync(debianCache.updates))));
const digest = (d: Uint8Array) => createHash('sha256').update(d).digest('hex');
const xz = (args: string[], input: Uint8Array) => new Uint8Array(execFileSync('xz', ['-c', ...args], { input, maxBuffer: 1 << 28 }));

async function decode(input: Uint8Array | Iterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of decompressXz(input, { file: 'test.xz' })) parts.push(chunk);
  return concatBytes(parts);
}

async function failure(input: Uint8Array): Promise<DistrokitError> {
  const err = await decode(input).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(DistrokitError);
  expect((err as DistrokitError).data.file).toBe('test.xz');
  return err as DistrokitError;
}

/** Offset of the (single) block's check field: it ends where the index begins (the footer's backward size says where). */
function checkFieldOf(packed: Uint8Array, size: number): number {
  const backwardSize = (dataView(packed).getUint32(packed.byteLength - 8, true) + 1) * 4;
  return packed.byteLength - 12 - backwardSize - size;
}

function putCrc32(bytes: Uint8Array, from: number, to: number): void {
  dataView(bytes).setUint32(to, crc32(bytes.subarray(from, to)), true);
}

const CHECKS: [name: string, size: number][] = [
  ['crc32', 4],
  ['crc64', 8],
  ['sha256', 32],
];

describe('xz (liblzma WebAssembly)', () => {
  for (const [check, size] of CHECKS) {
    const packed = xz(['-C', check], plain);
    it(`${check}: decodes what xz wrote, through 64 KiB chunks too`, async () => {
      expect(digest(await decode(packed))).toBe(digest(plain));
      expect(digest(await decode(chunked(packed, 65536)))).toBe(digest(plain));
    });
    it(`${check}: a flipped byte of the check itself is XZ_CORRUPT`, async () => {
      const bad = packed.slice();
      const at = checkFieldOf(bad, size);
      // The offset is right: the field holds the check of the plain bytes (CRC64 has no Node oracle).
      if (check === 'crc32') expect(dataView(bad).getUint32(at, true)).toBe(crc32(plain));
      if (check === 'sha256') expect(Buffer.from(bad.subarray(at, at + size)).toString('hex')).toBe(digest(plain));
      bad[at + size - 1] ^= 0x01;
      expect((await failure(bad)).code).toBe('XZ_CORRUPT');
    });
  }

  it('truncation anywhere is XZ_TRUNCATED with the offset reached', async () => {
    const packed = xz([], plain);
    for (const cut of [0, 5, 100, packed.byteLength >> 1, packed.byteLength - 1]) {
      const err = await failure(packed.subarray(0, cut));
      expect(err.code, `cut at ${cut}`).toBe('XZ_TRUNCATED');
      expect(err.data.offset).toBeLessThanOrEqual(cut);
    }
  });

  it('data that is not xz, or xz followed by garbage, is XZ_CORRUPT', async () => {
    expect((await failure(plain.subarray(0, 4096))).code).toBe('XZ_CORRUPT');
    const garbage = concatBytes([xz([], plain.subarray(0, 1000)), plain.subarray(0, 64)]);
    expect((await failure(garbage)).code).toBe('XZ_CORRUPT');
  });

  it('stream padding after a stream is accepted, as xz(1) does', async () => {
    const padded = concatBytes([xz([], plain.subarray(0, 1000)), new Uint8Array(8)]);
    expect(digest(await decode(padded))).toBe(digest(plain.subarray(0, 1000)));
  });

  it('a check type it cannot verify is XZ_UNSUPPORTED, not skipped', async () => {
    const packed = xz(['-C', 'none'], plain.subarray(0, 1000));
    packed[7] = 0x0f; // stream flags: check ID 15 (reserved, 64 bytes)
    putCrc32(packed, 6, 8);
    expect((await failure(packed)).code).toBe('XZ_UNSUPPORTED');
  });

  it('a dictionary beyond the memory limit is XZ_MEMORY, and the next stream still decodes', async () => {
    const packed = xz([], plain.subarray(0, 1000));
    // Block header: size byte, flags, filter ID 0x21, props size 1, props (dictionary size code), padding, CRC32.
    const header = 12;
    const headerSize = (packed[header]! + 1) * 4;
    expect(packed[header + 2]).toBe(0x21);
    packed[header + 4] = 40; // 4 GiB - 1
    putCrc32(packed, header, header + headerSize - 4);
    expect((await failure(packed)).code).toBe('XZ_MEMORY');
    expect(digest(await decode(xz([], plain)))).toBe(digest(plain));
  });

  it('decoders interleave, and one abandoned early releases nothing the next one needs', async () => {
    const a = xz([], plain);
    const b = xz(['-C', 'sha256'], plain.subarray(0, 200_000));
    const ia = decompressXz(a)[Symbol.asyncIterator]();
    const ib = decompressXz(b)[Symbol.asyncIterator]();
    const pa: Uint8Array[] = [];
    const pb: Uint8Array[] = [];
    for (let doneA = false, doneB = false; !doneA || !doneB; ) {
      if (!doneA) {
        const r = await ia.next();
        if (r.done) doneA = true;
        else pa.push(r.value);
      }
      if (!doneB) {
        const r = await ib.next();
        if (r.done) doneB = true;
        else pb.push(r.value);
      }
    }
    expect(digest(concatBytes(pa))).toBe(digest(plain));
    expect(digest(concatBytes(pb))).toBe(digest(plain.subarray(0, 200_000)));
    for (let i = 0; i < 50; i++) {
      for await (const chunk of decompressXz(a)) {
        expect(chunk.byteLength).toBeGreaterThan(0);
        break;
      }
    }
    expect(digest(await decode(a))).toBe(digest(plain));
  });
});

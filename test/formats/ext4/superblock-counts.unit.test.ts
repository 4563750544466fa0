/** decodeSuperblockCounts reads back what the writer reports, for 64-bit and 32-bit images, and refuses a non-ext image. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeSuperblockCounts } from '../../../formats/ext4/superblock.js';
import { writeExt4 } from '../../../src/image/write.js';
import { manyFiles } from '../../src/image/trees.js';

const work = mkdtempSync(join(tmpdir(), 'distrokit-sb-counts-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('decodeSuperblockCounts', () => {
  for (const bit64 of [true, false]) {
    it(`gives the writer's sizes and free counts (${bit64 ? '64bit' : 'no 64bit'})`, async () => {
      const img = join(work, `${bit64}.img`);
      const s = await writeExt4(manyFiles(5, 20), img, { bit64, sourceDateEpoch: 0 });
      const counts = decodeSuperblockCounts(readFileSync(img).subarray(1024, 2048))!;
      expect(counts).toEqual({ blockSize: 4096, blocks: BigInt(s.blocks), freeBlocks: BigInt(s.freeBlocks), inodes: s.inodes, freeInodes: s.freeInodes });
    });
  }

  it('is null without the ext magic or with too few bytes', () => {
    expect(decodeSuperblockCounts(new Uint8Array(1024))).toBeNull();
    expect(decodeSuperblockCounts(new Uint8Array(10))).toBeNull();
  });
});

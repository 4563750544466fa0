/**
 * The seed's arithmetic on given lstat data (the oracle comparison with real
 * find/du/awk is image-sizing.test.ts): hard links counted by find per name
 * and by du once, du's total rounded up to 4 KiB blocks, awk's truncation of
 * × 1.03, and mke2fs' journal threshold.
 */
import type { BigIntStats } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mke2fsWouldJournal, SeedMeasure, seedSizing } from '../../../src/store/image-sizing.js';

function stat(kind: 'dir' | 'file', size: number, ino: number, nlink = 1): BigIntStats {
  return { isDirectory: () => kind === 'dir', size: BigInt(size), ino: BigInt(ino), dev: 1n, nlink: BigInt(nlink) } as unknown as BigIntStats;
}

describe('seed sizing arithmetic', () => {
  it('counts every name, each inode once, and rounds the byte total up before × 1.03', () => {
    const m = new SeedMeasure();
    m.add(stat('dir', 4096, 1));
    m.add(stat('file', 1, 2));
    m.add(stat('file', 5000, 3, 2));
    m.add(stat('file', 5000, 3, 2)); // the second name of a hard link: find counts it, du does not
    expect(m.entries).toBe(4);
    expect(m.apparentBytes).toBe(9097n);
    // ceil(9097 / 4096) = 3 blocks; int(3 * 1.03) = 3.
    expect(seedSizing(m)).toEqual({ numInodes: 4, numDataBlocks: 3, bytes: 2 * 4096 * 4 + 4096 * 3 });
  });

  it('truncates × 1.03 as awk does (100 blocks → 103, 34 → 35, 33 → 33)', () => {
    for (const [blocks, want] of [[100, 103], [34, 35], [33, 33], [1000, 1030]] as const) {
      const m = new SeedMeasure();
      m.add(stat('file', blocks * 4096, 1));
      expect(seedSizing(m).numDataBlocks).toBe(want);
      expect(want).toBe(Math.trunc(blocks * 1.03));
    }
  });

  it("has a journal from 2,048 blocks on, as mke2fs' ext2fs_default_journal_size", () => {
    expect(mke2fsWouldJournal(2047 * 4096)).toBe(false);
    expect(mke2fsWouldJournal(2048 * 4096)).toBe(true);
  });
});

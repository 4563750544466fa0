/**
 * nixpkgs' make-ext4-fs.nix sizing, reproduced from the same host data its
 * shell reads: `find $storePaths | wc -l` counts every name, and
 * `du -c -B 4096 --apparent-size $storePaths` sums st_size of every entry
 * (directories and symlinks too), counting an inode seen twice once, and
 * rounds the byte total up to 4 KiB blocks; awk then truncates that × 1.03.
 */
import type { BigIntStats } from 'node:fs';

const BLOCK = 4096;

/** What the seed's find/du measure, accumulated from lstat data in walk order. */
export class SeedMeasure {
  /** `find … | wc -l`: every name, hard links included. */
  entries = 0;
  /** `du --apparent-size` bytes: each inode once (du hashes all inodes when given several arguments). */
  apparentBytes = 0n;
  private readonly seen = new Set<string>();

  add(st: BigIntStats): void {
    this.entries++;
    // Only inodes that can be met twice need remembering: directories are met once per walk, and the closure names each store path once.
    if (!st.isDirectory() && st.nlink > 1n) {
      const key = `${st.dev}:${st.ino}`;
      if (this.seen.has(key)) return;
      this.seen.add(key);
    }
    this.apparentBytes += st.size;
  }
}

export interface SeedSizing {
  numInodes: number;
  numDataBlocks: number;
  bytes: number;
}

/** `bytes=$((2 * 4096 * $numInodes + 4096 * $numDataBlocks))` with the seed's numDataBlocks. */
export function seedSizing(m: SeedMeasure): SeedSizing {
  const totalBlocks = Number((m.apparentBytes + BigInt(BLOCK - 1)) / BigInt(BLOCK));
  // awk's int() truncates a double: the same multiplication in JavaScript gives the same double.
  const numDataBlocks = Math.trunc(totalBlocks * 1.03);
  return { numInodes: m.entries, numDataBlocks, bytes: 2 * BLOCK * m.entries + BLOCK * numDataBlocks };
}

/**
 * Whether mke2fs would give a filesystem of `bytes` a journal: e2fsprogs'
 * ext2fs_default_journal_size is -1 (none) below 2,048 blocks. The seed's
 * small images have none, and with one they would not fit their own formula.
 */
export function mke2fsWouldJournal(bytes: number): boolean {
  return Math.floor(bytes / BLOCK) >= 2048;
}

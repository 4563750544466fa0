/**
 * Geometry and block allocation. Every group's bitmaps and inode table come
 * first (flex_bg lets them sit anywhere), then the journal, then each inode's
 * blocks in inode order: directory blocks, slow-symlink block, xattr block,
 * file data (contiguous wherever a backup superblock does not interrupt it) and
 * its extent-tree blocks. Allocation is a pure function of the inputs.
 */
import { DistrokitError } from '../../formats/errors.js';
import { BLOCKS_PER_GROUP, BLOCK_SIZE, INODES_PER_BLOCK, MAX_EXTENT_LEN } from '../../formats/ext4/constants.js';
import { extentTreeBlocks, type Extent } from '../../formats/ext4/extents.js';
import type { DataRun } from './content.js';

export interface Geometry {
  blocks: number;
  groups: number;
  inodesPerGroup: number;
  descSize: number;
  gdtBlocks: number;
  itableBlocks: number;
}

/** What one inode needs from the allocator. */
export interface InodeNeeds {
  ino: number;
  /** Blocks the inode's data needs, as logical runs (directories and symlinks: one run from 0). */
  runs: DataRun[];
  xattrBlock: boolean;
}

export interface InodeAllocation {
  extents: Extent[];
  treeBlocks: number[];
  xattrBlock: number;
}

export interface Allocation {
  blockBitmaps: number[];
  inodeBitmaps: number[];
  inodeTables: number[];
  /** Allocated by inode number. */
  inodes: Map<number, InodeAllocation>;
  /** Used block ranges [start, end), ascending, including superblocks and descriptor tables. */
  used: [number, number][];
  /** One past the last allocated block. */
  end: number;
}

/** Groups holding a superblock backup with sparse_super: 0, 1 and powers of 3, 5 and 7. */
export function isBackupGroup(g: number): boolean {
  if (g <= 1) return true;
  for (const p of [3, 5, 7]) {
    let x = p;
    while (x < g) x *= p;
    if (x === g) return true;
  }
  return false;
}

export function makeGeometry(blocks: number, inodes: number, descSize: number): Geometry {
  const groups = Math.ceil(blocks / BLOCKS_PER_GROUP);
  let ipg = Math.ceil(inodes / groups);
  ipg = Math.max(INODES_PER_BLOCK, Math.ceil(ipg / INODES_PER_BLOCK) * INODES_PER_BLOCK);
  if (ipg > BLOCK_SIZE * 8) {
    throw new DistrokitError('EXT4_TOO_MANY_INODES', `${inodes} inodes need more than ${BLOCK_SIZE * 8} per group in ${groups} groups`);
  }
  return {
    blocks,
    groups,
    inodesPerGroup: ipg,
    descSize,
    gdtBlocks: Math.ceil((groups * descSize) / BLOCK_SIZE),
    itableBlocks: ipg / INODES_PER_BLOCK,
  };
}

/** Whether `l` blocks at `physical` for `logical` extend extent `prev` (contiguous both ways, within MAX_EXTENT_LEN). */
function continues(prev: Extent, logical: number, physical: number, l: number): boolean {
  return prev.logical + prev.length === logical && prev.physical + prev.length === physical && prev.length + l <= MAX_EXTENT_LEN;
}

/** A sequential allocator that skips the superblock+GDT copies of backup groups. */
class Cursor {
  next: number;
  private readonly reserved: [number, number][] = [];
  private ri = 0;
  used: [number, number][] = [];
  constructor(g: Geometry) {
    for (let grp = 0; grp < g.groups; grp++) {
      if (isBackupGroup(grp)) {
        const start = grp * BLOCKS_PER_GROUP;
        this.reserved.push([start, start + 1 + g.gdtBlocks]);
      }
    }
    this.next = 0;
    this.skipReserved();
  }
  private skipReserved(): void {
    while (this.ri < this.reserved.length && this.next >= this.reserved[this.ri]![0]) {
      const [s, e] = this.reserved[this.ri]!;
      if (this.next < e) {
        this.mark(s, e);
        this.next = e;
      } else this.mark(s, e);
      this.ri++;
    }
  }
  private mark(s: number, e: number): void {
    const last = this.used[this.used.length - 1];
    if (last && last[1] === s) last[1] = e;
    else if (!last || last[1] < s) this.used.push([s, e]);
  }
  /** Blocks until the next reserved area. */
  private room(): number {
    return this.ri < this.reserved.length ? this.reserved[this.ri]![0] - this.next : Infinity;
  }
  /**
   * The next run of at most `n` (> 0) free blocks, up to the next reserved area: marks it
   * used and returns its start (its length is `this.next - start`). Every way of taking
   * blocks below goes through here, so they all move the cursor alike.
   */
  private takeRun(n: number): number {
    for (;;) {
      this.skipReserved();
      const len = Math.min(n, this.room());
      if (len > 0) {
        const start = this.next;
        this.mark(start, start + len);
        this.next += len;
        return start;
      }
      this.skipToReservedEnd();
    }
  }
  /** `n` blocks as runs [start, length], broken only at reserved areas. */
  take(n: number): [number, number][] {
    const out: [number, number][] = [];
    while (n > 0) {
      const start = this.takeRun(n);
      const len = this.next - start;
      out.push([start, len]);
      n -= len;
    }
    return out;
  }
  /**
   * `n` blocks for logical blocks from `logical`, appended to `extents` (merged with the
   * last one where contiguous, split at MAX_EXTENT_LEN). The same as take() plus the
   * merging, without its intermediate arrays: this runs for every inode, up to three
   * times while sizing.
   */
  takeExtents(n: number, logical: number, extents: Extent[]): void {
    while (n > 0) {
      const start = this.takeRun(n);
      const len = this.next - start;
      n -= len;
      for (let off = 0; off < len; off += MAX_EXTENT_LEN) {
        const l = Math.min(MAX_EXTENT_LEN, len - off);
        const prev = extents[extents.length - 1];
        if (prev && continues(prev, logical, start + off, l)) prev.length += l;
        else extents.push({ logical, length: l, physical: start + off });
        logical += l;
      }
    }
  }
  /** This inode's extents so far, for countExtents (sizing rounds): a count and the last one (reused). */
  private extentCount = 0;
  private readonly lastExtent: Extent = { logical: 0, length: 0, physical: 0 };
  startInode(): void {
    this.extentCount = 0;
  }
  get extentsOfInode(): number {
    return this.extentCount;
  }
  /**
   * takeExtents for sizing rounds, which only need the end of the allocation: the cursor
   * moves exactly the same way and the same extents are formed, but only counted (their
   * number decides the extent-tree blocks). No objects per inode.
   */
  countExtents(n: number, logical: number): void {
    while (n > 0) {
      const start = this.takeRun(n);
      const len = this.next - start;
      n -= len;
      for (let off = 0; off < len; off += MAX_EXTENT_LEN) {
        const l = Math.min(MAX_EXTENT_LEN, len - off);
        const last = this.lastExtent;
        if (this.extentCount > 0 && continues(last, logical, start + off, l)) last.length += l;
        else {
          this.extentCount++;
          last.logical = logical;
          last.length = l;
          last.physical = start + off;
        }
        logical += l;
      }
    }
  }
  /** `n` contiguous blocks (inode tables). */
  takeContiguous(n: number): number {
    this.skipReserved();
    while (this.room() < n) this.skipToReservedEnd();
    return this.take(n)[0]![0];
  }
  private skipToReservedEnd(): void {
    const [s, e] = this.reserved[this.ri]!;
    this.mark(s, e);
    this.next = e;
    this.ri++;
  }
  finish(): void {
    while (this.ri < this.reserved.length) {
      const [s, e] = this.reserved[this.ri++]!;
      this.mark(s, e);
    }
  }
}

/** The tree blocks of inodes whose extents fit in i_block: shared, never modified. */
const NO_BLOCKS: number[] = [];

/** Allocates everything; throws nothing on overflow — the caller compares `end` with the size. */
export function allocate(g: Geometry, journal: InodeNeeds | null, needs: Iterable<InodeNeeds>): Allocation {
  return run(g, journal, needs, false);
}

/** allocate(…).end without building the allocation: for the sizing rounds before the final one. */
export function allocationEnd(g: Geometry, journal: InodeNeeds | null, needs: Iterable<InodeNeeds>): number {
  return run(g, journal, needs, true).end;
}

function run(g: Geometry, journal: InodeNeeds | null, needs: Iterable<InodeNeeds>, endOnly: boolean): Allocation {
  const c = new Cursor(g);
  const blockBitmaps: number[] = [];
  const inodeBitmaps: number[] = [];
  const inodeTables: number[] = [];
  for (let i = 0; i < g.groups; i++) blockBitmaps.push(c.take(1)[0]![0]);
  for (let i = 0; i < g.groups; i++) inodeBitmaps.push(c.take(1)[0]![0]);
  for (let i = 0; i < g.groups; i++) inodeTables.push(c.takeContiguous(g.itableBlocks));
  const inodes = new Map<number, InodeAllocation>();
  const place = (need: InodeNeeds): void => {
    const xattrBlock = need.xattrBlock ? c.take(1)[0]![0] : 0;
    if (endOnly) {
      c.startInode();
      for (const r of need.runs) c.countExtents(r.count, r.logical);
      const treeCount = extentTreeBlocks(c.extentsOfInode);
      if (treeCount) c.take(treeCount);
      return;
    }
    const extents: Extent[] = [];
    for (const r of need.runs) c.takeExtents(r.count, r.logical, extents);
    const treeCount = extentTreeBlocks(extents.length);
    const treeBlocks = treeCount === 0 ? NO_BLOCKS : c.take(treeCount).flatMap(([s, n]) => Array.from({ length: n }, (_, i) => s + i));
    inodes.set(need.ino, { extents, treeBlocks, xattrBlock });
  };
  if (journal) place(journal);
  for (const need of needs) place(need);
  const end = c.next;
  c.finish();
  return { blockBitmaps, inodeBitmaps, inodeTables, inodes, used: c.used, end };
}

/**
 * Extent trees (`ifork.rst`, e2fsprogs `lib/ext2fs/extent.c`): up to 4 extents
 * live in the inode; more go into leaf blocks of 340 entries under index levels
 * (depth 1 holds 1,360 extents, depth 2 up to 462,400).
 */
import { DistrokitError } from '../errors.js';
import { BLOCK_SIZE, EXTENT_MAGIC } from './constants.js';
import { crc32cRaw } from './crc32c.js';

export interface Extent {
  /** First logical block. */
  logical: number;
  /** Number of blocks (1..32768). */
  length: number;
  /** First physical block. */
  physical: number;
}

export const ROOT_ENTRIES = 4;
export const BLOCK_ENTRIES = Math.floor((BLOCK_SIZE - 12) / 12); // 340

/** How many tree blocks a file with `n` extents needs (0 when they fit in the inode). */
export function extentTreeBlocks(n: number): number {
  let blocks = 0;
  let level = n;
  while (level > ROOT_ENTRIES) {
    level = Math.ceil(level / BLOCK_ENTRIES);
    blocks += level;
  }
  return blocks;
}

export interface ExtentTree {
  /** The 60 bytes of i_block. */
  root: Uint8Array;
  /** Tree blocks, in the order of `blockNumbers` given to `buildExtentTree`. */
  blocks: Uint8Array[];
}

function header(v: DataView, entries: number, max: number, depth: number): void {
  v.setUint16(0, EXTENT_MAGIC, true);
  v.setUint16(2, entries, true);
  v.setUint16(4, max, true);
  v.setUint16(6, depth, true);
  v.setUint32(8, 0, true);
}

function putLeaf(v: DataView, at: number, e: Extent): void {
  v.setUint32(at, e.logical, true);
  v.setUint16(at + 4, e.length, true);
  v.setUint16(at + 6, Math.floor(e.physical / 0x100000000), true);
  v.setUint32(at + 8, e.physical >>> 0, true);
}

function putIndex(v: DataView, at: number, logical: number, child: number): void {
  v.setUint32(at, logical, true);
  v.setUint32(at + 4, child >>> 0, true);
  v.setUint16(at + 8, Math.floor(child / 0x100000000), true);
  v.setUint16(at + 10, 0, true);
}

/**
 * Writes the i_block of an inode whose extents fit in it (at most ROOT_ENTRIES,
 * nearly every file) at byte `at` of `v`, e.g. straight into an inode table:
 * no tree blocks, no per-extent objects. The 60 bytes must start out zero.
 */
export function writeExtentRoot(v: DataView, at: number, extents: Extent[]): void {
  if (extents.length > ROOT_ENTRIES) throw new DistrokitError('EXT4_INTERNAL', `${extents.length} extents do not fit in i_block`);
  v.setUint16(at, EXTENT_MAGIC, true);
  v.setUint16(at + 2, extents.length, true);
  v.setUint16(at + 4, ROOT_ENTRIES, true);
  // depth 0 and generation 0 stay zero.
  for (let j = 0; j < extents.length; j++) putLeaf(v, at + 12 + j * 12, extents[j]!);
}

/**
 * Builds the tree for `extents` (sorted, non-overlapping). `blockNumbers` are the
 * physical blocks for the tree blocks (extentTreeBlocks(n) of them), leaves first,
 * then each index level upwards. `inodeSeed` is the per-inode checksum seed or null.
 */
export function buildExtentTree(extents: Extent[], blockNumbers: number[], inodeSeed: number | null): ExtentTree {
  const need = extentTreeBlocks(extents.length);
  if (blockNumbers.length !== need) {
    throw new DistrokitError('EXT4_INTERNAL', `extent tree needs ${need} blocks, got ${blockNumbers.length}`);
  }
  const root = new Uint8Array(60);
  const rootView = new DataView(root.buffer);
  if (extents.length <= ROOT_ENTRIES) {
    writeExtentRoot(rootView, 0, extents);
    return { root, blocks: [] };
  }
  const blocks: Uint8Array[] = [];
  // Each level: list of (first logical block, entry writer) nodes.
  let level: { logical: number; extent?: Extent; child?: number }[] = extents.map((e) => ({ logical: e.logical, extent: e }));
  let depth = 0;
  let next = 0;
  while (level.length > ROOT_ENTRIES) {
    const parents: { logical: number; child: number }[] = [];
    for (let i = 0; i < level.length; i += BLOCK_ENTRIES) {
      const chunk = level.slice(i, i + BLOCK_ENTRIES);
      const blockNr = blockNumbers[next++]!;
      const block = new Uint8Array(BLOCK_SIZE);
      const v = new DataView(block.buffer);
      header(v, chunk.length, BLOCK_ENTRIES, depth);
      chunk.forEach((n, j) => (depth === 0 ? putLeaf(v, 12 + j * 12, n.extent!) : putIndex(v, 12 + j * 12, n.logical, n.child!)));
      if (inodeSeed !== null) {
        const tailAt = 12 + BLOCK_ENTRIES * 12;
        v.setUint32(tailAt, crc32cRaw(inodeSeed, block, 0, tailAt), true);
      }
      blocks.push(block);
      parents.push({ logical: chunk[0]!.logical, child: blockNr });
    }
    level = parents;
    depth++;
  }
  header(rootView, level.length, ROOT_ENTRIES, depth);
  level.forEach((n, j) => (depth === 0 ? putLeaf(rootView, 12 + j * 12, n.extent!) : putIndex(rootView, 12 + j * 12, n.logical, n.child!)));
  return { root, blocks };
}

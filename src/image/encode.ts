/**
 * Encodes the filesystem's metadata from the allocation: superblocks and
 * descriptor tables, bitmaps with their padding, inode tables, extent trees.
 */
import {
  BLOCKS_PER_GROUP,
  BLOCK_SIZE,
  BG_INODE_ZEROED,
  INODE_FL_EXTENTS,
  INODE_FL_INDEX,
  INODE_SIZE,
  JOURNAL_INO,
} from '../../formats/ext4/constants.js';
import { crc32cRaw } from '../../formats/ext4/crc32c.js';
import { buildExtentTree, ROOT_ENTRIES, writeExtentRoot } from '../../formats/ext4/extents.js';
import { encodeInode, inodeChecksumSeed, inodeTableView } from '../../formats/ext4/inode.js';
import { encodeGroupDescriptor, encodeSuperblock, type SuperblockFields } from '../../formats/ext4/superblock.js';
import { encodeXattrBlock } from '../../formats/ext4/xattr.js';
import type { Allocation, Geometry } from './layout.js';
import type { PreparedInode } from './prepare.js';

export interface GroupStats {
  freeBlocks: number[];
  freeInodes: number[];
  usedDirs: number[];
  itableUnused: number[];
  totalFreeBlocks: number;
  totalFreeInodes: number;
}

/** The whole block bitmap of the filesystem (one bit per block, padding bits past the end set). */
export function blockBitmap(g: Geometry, a: Allocation): Uint8Array {
  const bits = new Uint8Array(g.groups * (BLOCKS_PER_GROUP / 8));
  const set = (b: number): void => {
    bits[b >>> 3]! |= 1 << (b & 7);
  };
  for (const [s, e] of a.used) {
    let b = s;
    for (; b < e && b & 7; b++) set(b);
    if (b + 8 <= e) {
      bits.fill(0xff, b >>> 3, (e >>> 3));
      b = e & ~7;
    }
    for (; b < e; b++) set(b);
  }
  for (let b = g.blocks; b < g.groups * BLOCKS_PER_GROUP; b++) set(b);
  return bits;
}

function popcount8(x: number): number {
  x = x - ((x >>> 1) & 0x55);
  x = (x & 0x33) + ((x >>> 2) & 0x33);
  return (x + (x >>> 4)) & 0x0f;
}

export function groupStats(g: Geometry, bits: Uint8Array, maxIno: number, dirInodes: number[]): GroupStats {
  const s: GroupStats = { freeBlocks: [], freeInodes: [], usedDirs: [], itableUnused: [], totalFreeBlocks: 0, totalFreeInodes: 0 };
  const ipg = g.inodesPerGroup;
  for (let grp = 0; grp < g.groups; grp++) {
    let used = 0;
    const base = grp * (BLOCKS_PER_GROUP / 8);
    for (let i = 0; i < BLOCKS_PER_GROUP / 8; i++) used += popcount8(bits[base + i]!);
    const free = BLOCKS_PER_GROUP - used;
    const usedInodes = Math.max(0, Math.min(ipg, maxIno - grp * ipg));
    s.freeBlocks.push(free);
    s.freeInodes.push(ipg - usedInodes);
    s.itableUnused.push(ipg - usedInodes);
    s.usedDirs.push(0);
    s.totalFreeBlocks += free;
    s.totalFreeInodes += ipg - usedInodes;
  }
  for (const ino of dirInodes) s.usedDirs[Math.floor((ino - 1) / ipg)]!++;
  return s;
}

/** The inode bitmap block of a group: inodes 1..maxIno used (they are numbered densely), padding set. */
export function inodeBitmap(g: Geometry, grp: number, maxIno: number): Uint8Array {
  const b = new Uint8Array(BLOCK_SIZE);
  const used = Math.max(0, Math.min(g.inodesPerGroup, maxIno - grp * g.inodesPerGroup));
  b.fill(0xff, 0, used >>> 3);
  for (let i = used & ~7; i < used; i++) b[i >>> 3]! |= 1 << (i & 7);
  for (let i = g.inodesPerGroup; i < BLOCK_SIZE * 8; i++) b[i >>> 3]! |= 1 << (i & 7);
  return b;
}

/** Superblock + descriptor table for group `grp` (block 0 holds the primary at byte 1024). */
export function superblockAndGdt(
  g: Geometry,
  a: Allocation,
  stats: GroupStats,
  sbf: SuperblockFields,
  bits: Uint8Array,
  maxIno: number,
  csumSeed: number | null,
  grp: number,
): Uint8Array {
  const out = new Uint8Array((1 + g.gdtBlocks) * BLOCK_SIZE);
  out.set(encodeSuperblock(sbf, grp), grp === 0 ? 1024 : 0);
  for (let i = 0; i < g.groups; i++) {
    const bbCsum = csumSeed === null ? 0 : crc32cRaw(csumSeed, bits, i * (BLOCKS_PER_GROUP / 8), (i + 1) * (BLOCKS_PER_GROUP / 8));
    const ibCsum = csumSeed === null ? 0 : crc32cRaw(csumSeed, inodeBitmap(g, i, maxIno), 0, g.inodesPerGroup / 8);
    encodeGroupDescriptor(
      out,
      BLOCK_SIZE + i * g.descSize,
      {
        blockBitmap: a.blockBitmaps[i]!,
        inodeBitmap: a.inodeBitmaps[i]!,
        inodeTable: a.inodeTables[i]!,
        freeBlocks: stats.freeBlocks[i]!,
        freeInodes: stats.freeInodes[i]!,
        usedDirs: stats.usedDirs[i]!,
        // Group flags and itable_unused only exist with group-descriptor checksums (metadata_csum).
        flags: csumSeed === null ? 0 : BG_INODE_ZEROED,
        itableUnused: csumSeed === null ? 0 : stats.itableUnused[i]!,
        blockBitmapCsum: bbCsum,
        inodeBitmapCsum: ibCsum,
      },
      i,
      g.descSize,
      csumSeed,
    );
  }
  return out;
}

export interface EncodedInode {
  /** Extent tree blocks (physical block, bytes). */
  treeBlocks: [number, Uint8Array][];
  xattrBlock: [number, Uint8Array] | null;
}

/** i_block of inodes without extents or inline data (only read, never written). */
const ZERO_IBLOCK = new Uint8Array(60);

/** Encodes one inode into the table buffer and returns its out-of-inode metadata blocks. */
export function encodeInodeInto(
  table: Uint8Array,
  offset: number,
  p: PreparedInode,
  a: Allocation,
  csumSeed: number | null,
  crtime: number,
): EncodedInode {
  const alloc = a.inodes.get(p.ino);
  let iblock: Uint8Array | null = p.iblock ?? ZERO_IBLOCK;
  const treeBlocks: [number, Uint8Array][] = [];
  let flags = 0;
  let blocksUsed = 0;
  if (p.usesExtents && alloc && alloc.extents.length <= ROOT_ENTRIES) {
    // The common case, written in place: no i_block buffer per inode.
    writeExtentRoot(inodeTableView(table), table.byteOffset + offset + 0x28, alloc.extents);
    iblock = null;
    flags |= INODE_FL_EXTENTS;
    blocksUsed += alloc.extents.reduce((n, e) => n + e.length, 0) + alloc.treeBlocks.length;
  } else if (p.usesExtents && alloc) {
    const tree = buildExtentTree(alloc.extents, alloc.treeBlocks, csumSeed === null ? null : inodeChecksumSeed(csumSeed, p.ino));
    iblock = tree.root;
    tree.blocks.forEach((b, i) => treeBlocks.push([alloc.treeBlocks[i]!, b]));
    flags |= INODE_FL_EXTENTS;
    blocksUsed += alloc.extents.reduce((n, e) => n + e.length, 0) + alloc.treeBlocks.length;
  }
  if (p.indexed) flags |= INODE_FL_INDEX;
  let xattrBlock: [number, Uint8Array] | null = null;
  if (alloc && alloc.xattrBlock) {
    xattrBlock = [alloc.xattrBlock, encodeXattrBlock(p.blockXattrs, alloc.xattrBlock, csumSeed)];
    blocksUsed++;
  }
  encodeInode(
    table,
    offset,
    p.ino,
    {
      mode: p.mode,
      uid: p.uid,
      gid: p.gid,
      size: p.size,
      atime: p.atime,
      ctime: p.ctime,
      mtime: p.mtime,
      crtime: { sec: crtime, nsec: 0 },
      links: p.links,
      sectors: blocksUsed * (BLOCK_SIZE / 512),
      flags,
      iblock,
      fileAcl: alloc?.xattrBlock ?? 0,
      inlineXattrs: p.inlineXattrs,
    },
    csumSeed,
  );
  return { treeBlocks, xattrBlock };
}

/** The journal inode's i_block words plus i_size_high and i_size, for s_jnl_blocks. */
export function journalBackup(table: Uint8Array, offsetOfJournalInode: number): Uint32Array {
  const v = new DataView(table.buffer, table.byteOffset + offsetOfJournalInode, INODE_SIZE);
  const out = new Uint32Array(17);
  for (let i = 0; i < 15; i++) out[i] = v.getUint32(0x28 + i * 4, true);
  out[15] = v.getUint32(0x6c, true);
  out[16] = v.getUint32(0x4, true);
  return out;
}

export { JOURNAL_INO };

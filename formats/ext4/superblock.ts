/**
 * Superblock, group descriptors and the JBD2 journal superblock, encoded from
 * plain objects. Offsets from the kernel's `super.rst`/`group_descr.rst` and
 * e2fsprogs' `ext2_fs.h`; checksum ranges from `lib/ext2fs/csum.c`.
 */
import { BLOCK_SIZE, EXTRA_ISIZE, FIRST_INO, INODE_SIZE, JBD2_MAGIC } from './constants.js';
import { crc32cRaw, crc32cU32 } from './crc32c.js';

export interface SuperblockFields {
  inodesCount: number;
  blocksCount: number;
  freeBlocks: number;
  freeInodes: number;
  blocksPerGroup: number;
  inodesPerGroup: number;
  /** The filesystem's own time (mkfs, write, last check), seconds. */
  time: number;
  featureCompat: number;
  featureIncompat: number;
  featureRoCompat: number;
  uuid: Uint8Array;
  label: Uint8Array;
  hashSeed: Uint8Array;
  /** s_flags: signed or unsigned directory hash. */
  flags: number;
  descSize: number;
  logGroupsPerFlex: number;
  journalInum: number;
  /** i_block words of the journal inode followed by i_size_high and i_size (s_jnl_blocks). */
  journalBlocks: Uint32Array | null;
  metadataCsum: boolean;
}

function lo32(n: number): number {
  return n >>> 0;
}
function hi32(n: number): number {
  return Math.floor(n / 0x100000000) >>> 0;
}
/** Splits a time into its low 32 bits and the s_*_hi byte. */
function timeParts(t: number): [number, number] {
  return [lo32(t), hi32(t) & 0xff];
}

/** The 1024-byte superblock for group `groupNr` (backups carry their own group number and checksum). */
export function encodeSuperblock(f: SuperblockFields, groupNr: number): Uint8Array {
  const sb = new Uint8Array(1024);
  const v = new DataView(sb.buffer);
  v.setUint32(0x0, f.inodesCount, true);
  v.setUint32(0x4, lo32(f.blocksCount), true);
  v.setUint32(0x8, 0, true); // no reserved blocks: an image has no root-only reserve
  v.setUint32(0xc, lo32(f.freeBlocks), true);
  v.setUint32(0x10, f.freeInodes, true);
  v.setUint32(0x14, 0, true); // s_first_data_block is 0 with 4 KiB blocks
  v.setUint32(0x18, 2, true); // log2(4096) - 10
  v.setUint32(0x1c, 2, true);
  v.setUint32(0x20, f.blocksPerGroup, true);
  v.setUint32(0x24, f.blocksPerGroup, true);
  v.setUint32(0x28, f.inodesPerGroup, true);
  const [tlo, thi] = timeParts(f.time);
  v.setUint32(0x2c, 0, true); // s_mtime: never mounted
  v.setUint32(0x30, tlo, true); // s_wtime
  v.setUint16(0x34, 0, true);
  v.setUint16(0x36, 0xffff, true); // s_max_mnt_count -1: no forced checks
  v.setUint16(0x38, 0xef53, true);
  v.setUint16(0x3a, 1, true); // clean
  v.setUint16(0x3c, 1, true); // errors=continue
  v.setUint32(0x40, tlo, true); // s_lastcheck >= s_mtime, or resize2fs asks for e2fsck -f
  v.setUint32(0x4c, 1, true); // dynamic revision
  v.setUint32(0x54, FIRST_INO, true);
  v.setUint16(0x58, INODE_SIZE, true);
  v.setUint16(0x5a, groupNr, true);
  v.setUint32(0x5c, f.featureCompat, true);
  v.setUint32(0x60, f.featureIncompat, true);
  v.setUint32(0x64, f.featureRoCompat, true);
  sb.set(f.uuid.subarray(0, 16), 0x68);
  sb.set(f.label.subarray(0, 16), 0x78);
  v.setUint32(0xe0, f.journalInum, true);
  sb.set(f.hashSeed.subarray(0, 16), 0xec);
  v.setUint8(0xfc, 1); // half_md4
  if (f.journalBlocks) {
    v.setUint8(0xfd, 1); // EXT3_JNL_BACKUP_BLOCKS
    for (let i = 0; i < 17; i++) v.setUint32(0x10c + i * 4, f.journalBlocks[i]!, true);
  }
  v.setUint16(0xfe, f.descSize, true);
  v.setUint32(0x100, 0x000c, true); // user_xattr,acl as mke2fs sets them
  v.setUint32(0x108, tlo, true); // s_mkfs_time
  v.setUint32(0x150, hi32(f.blocksCount), true);
  v.setUint32(0x158, hi32(f.freeBlocks), true);
  v.setUint16(0x15c, EXTRA_ISIZE, true);
  v.setUint16(0x15e, EXTRA_ISIZE, true);
  v.setUint32(0x160, f.flags, true);
  v.setUint8(0x174, f.logGroupsPerFlex);
  if (f.metadataCsum) v.setUint8(0x175, 1); // crc32c
  v.setUint8(0x274, thi); // s_wtime_hi
  v.setUint8(0x276, thi); // s_mkfs_time_hi
  v.setUint8(0x277, thi); // s_lastcheck_hi
  if (f.metadataCsum) v.setUint32(0x3fc, crc32cRaw(0xffffffff, sb, 0, 0x3fc), true);
  return sb;
}

export interface GroupDescriptorFields {
  blockBitmap: number;
  inodeBitmap: number;
  inodeTable: number;
  freeBlocks: number;
  freeInodes: number;
  usedDirs: number;
  flags: number;
  itableUnused: number;
  blockBitmapCsum: number;
  inodeBitmapCsum: number;
}

/** Writes descriptor `group` into `out` at `offset`; `descSize` is 64 (64bit) or 32. */
export function encodeGroupDescriptor(
  out: Uint8Array,
  offset: number,
  g: GroupDescriptorFields,
  group: number,
  descSize: number,
  csumSeed: number | null,
): void {
  const v = new DataView(out.buffer, out.byteOffset + offset, descSize);
  v.setUint32(0x0, lo32(g.blockBitmap), true);
  v.setUint32(0x4, lo32(g.inodeBitmap), true);
  v.setUint32(0x8, lo32(g.inodeTable), true);
  v.setUint16(0xc, g.freeBlocks & 0xffff, true);
  v.setUint16(0xe, g.freeInodes & 0xffff, true);
  v.setUint16(0x10, g.usedDirs & 0xffff, true);
  v.setUint16(0x12, g.flags, true);
  v.setUint16(0x18, g.blockBitmapCsum & 0xffff, true);
  v.setUint16(0x1a, g.inodeBitmapCsum & 0xffff, true);
  v.setUint16(0x1c, g.itableUnused & 0xffff, true);
  if (descSize >= 64) {
    v.setUint32(0x20, hi32(g.blockBitmap), true);
    v.setUint32(0x24, hi32(g.inodeBitmap), true);
    v.setUint32(0x28, hi32(g.inodeTable), true);
    v.setUint16(0x2c, g.freeBlocks >>> 16, true);
    v.setUint16(0x2e, g.freeInodes >>> 16, true);
    v.setUint16(0x30, g.usedDirs >>> 16, true);
    v.setUint16(0x32, g.itableUnused >>> 16, true);
    v.setUint16(0x38, g.blockBitmapCsum >>> 16, true);
    v.setUint16(0x3a, g.inodeBitmapCsum >>> 16, true);
  }
  if (csumSeed !== null) {
    let crc = crc32cU32(csumSeed, group);
    crc = crc32cRaw(crc, out, offset, offset + descSize);
    v.setUint16(0x1e, crc & 0xffff, true);
  }
}

/** Block 0 of an empty, clean internal JBD2 journal (v2 superblock, big-endian). */
export function encodeJournalSuperblock(journalBlocks: number, uuid: Uint8Array): Uint8Array {
  const b = new Uint8Array(BLOCK_SIZE);
  const v = new DataView(b.buffer);
  v.setUint32(0x0, JBD2_MAGIC);
  v.setUint32(0x4, 4); // superblock v2
  v.setUint32(0xc, BLOCK_SIZE);
  v.setUint32(0x10, journalBlocks);
  v.setUint32(0x14, 1); // s_first
  v.setUint32(0x18, 1); // s_sequence
  v.setUint32(0x1c, 0); // s_start 0: nothing to replay
  b.set(uuid.subarray(0, 16), 0x30);
  v.setUint32(0x40, 1); // one user: this filesystem
  return b;
}

/** The checksum seed of every metadata checksum: crc32c(~0, uuid). */
export function checksumSeed(uuid: Uint8Array): number {
  return crc32cRaw(0xffffffff, uuid, 0, 16);
}

/** The counts a superblock gives (bytes from offset 1024 of the image): what is used and free. */
export interface SuperblockCounts {
  blockSize: number;
  blocks: bigint;
  freeBlocks: bigint;
  inodes: number;
  freeInodes: number;
}

/** Reads the size and free counts of an ext2/3/4 superblock (1024 bytes); null when the magic is not there. */
export function decodeSuperblockCounts(sb: Uint8Array): SuperblockCounts | null {
  if (sb.byteLength < 1024) return null;
  const view = new DataView(sb.buffer, sb.byteOffset, sb.byteLength);
  if (view.getUint16(0x38, true) !== 0xef53) return null;
  const bit64 = (view.getUint32(0x60, true) & 0x80) !== 0;
  const wide = (lo: number, hi: number) => BigInt(view.getUint32(lo, true)) + (bit64 ? BigInt(view.getUint32(hi, true)) << 32n : 0n);
  return {
    blockSize: 1024 << view.getUint32(0x18, true),
    blocks: wide(0x04, 0x150),
    freeBlocks: wide(0x0c, 0x158),
    inodes: view.getUint32(0x00, true),
    freeInodes: view.getUint32(0x10, true),
  };
}

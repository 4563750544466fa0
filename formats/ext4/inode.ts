/**
 * One 256-byte inode (`inodes.rst`): times with nanoseconds and epoch bits,
 * 32-bit owners split into osd2 halves, in-inode xattrs after i_extra_isize,
 * and the crc32c split into lo/hi halves.
 */
import { DistrokitError } from '../errors.js';
import { EXTRA_ISIZE, INODE_SIZE } from './constants.js';
import { crc32cRaw, crc32cU32 } from './crc32c.js';

export interface InodeTime {
  sec: number;
  nsec: number;
}

export interface InodeFields {
  mode: number;
  uid: number;
  gid: number;
  size: number;
  atime: InodeTime;
  ctime: InodeTime;
  mtime: InodeTime;
  crtime: InodeTime;
  links: number;
  /** i_blocks in 512-byte sectors. */
  sectors: number;
  flags: number;
  /** The 60 bytes of i_block (extent root, fast symlink target, or device numbers); null: already written into `out`. */
  iblock: Uint8Array | null;
  /** Block of the xattr block, 0 if none. */
  fileAcl: number;
  /** In-inode xattr area (starting with the 0xEA020000 magic), or null. */
  inlineXattrs: Uint8Array | null;
}

/**
 * The times we store: −2^31 up to 2^33 + 2^31 − 1 seconds (2310-04-04). The
 * format reaches 2446, but e2fsck reads epoch 3 with the sign bit set as the old
 * kernels' pre-1970 encoding bug ("Timestamp(s) on inode beyond 2310-04-04 are
 * likely pre-1970"), so such an image would not be clean.
 */
export const MIN_TIME = -0x80000000;
export const MAX_TIME = 0x200000000 + 0x80000000 - 1;

/** Splits a time into the 32-bit seconds field and the `*_extra` word ((nsec << 2) | epoch bits). */
export function encodeTime(t: InodeTime): [number, number] {
  checkTime(t);
  return [t.sec >>> 0, timeExtra(t)];
}

function checkTime(t: InodeTime): void {
  if (!Number.isInteger(t.sec) || t.sec < MIN_TIME || t.sec > MAX_TIME) {
    throw new DistrokitError('EXT4_TIME_OUT_OF_RANGE', `time ${t.sec} is outside ext4's range ${MIN_TIME}..${MAX_TIME}`);
  }
}

/** The `*_extra` word of a checked time. */
function timeExtra(t: InodeTime): number {
  const epoch = ((t.sec - (t.sec | 0)) / 0x100000000) & 3;
  return ((t.nsec << 2) | epoch) >>> 0;
}

/** Writes a time's seconds at `secAt` and its extra word at `extraAt` (no arrays: this runs for every inode). */
function putTime(v: DataView, base: number, secAt: number, extraAt: number, t: InodeTime): void {
  checkTime(t);
  v.setUint32(base + secAt, t.sec >>> 0, true);
  v.setUint32(base + extraAt, timeExtra(t), true);
}

/** One DataView per inode-table buffer, not per inode: 100,000s of inodes made the views a visible share of GC. */
const views = new WeakMap<ArrayBufferLike, DataView>();
export function inodeTableView(out: Uint8Array): DataView {
  let v = views.get(out.buffer);
  if (!v) views.set(out.buffer, (v = new DataView(out.buffer)));
  return v;
}

export const XATTR_INLINE_SPACE = INODE_SIZE - 128 - EXTRA_ISIZE;

export function encodeInode(out: Uint8Array, offset: number, ino: number, f: InodeFields, csumSeed: number | null): void {
  const v = inodeTableView(out);
  const o = out.byteOffset + offset;
  v.setUint16(o + 0x0, f.mode, true);
  v.setUint16(o + 0x2, f.uid & 0xffff, true);
  v.setUint32(o + 0x4, f.size >>> 0, true);
  // Same order of checks as before: atime, ctime, mtime, crtime.
  putTime(v, o, 0x8, 0x8c, f.atime);
  putTime(v, o, 0xc, 0x84, f.ctime);
  putTime(v, o, 0x10, 0x88, f.mtime);
  putTime(v, o, 0x90, 0x94, f.crtime);
  v.setUint16(o + 0x18, f.gid & 0xffff, true);
  v.setUint16(o + 0x1a, f.links, true);
  v.setUint32(o + 0x1c, f.sectors >>> 0, true);
  v.setUint32(o + 0x20, f.flags, true);
  if (f.iblock) out.set(f.iblock.byteLength === 60 ? f.iblock : f.iblock.subarray(0, 60), offset + 0x28);
  v.setUint32(o + 0x68, f.fileAcl >>> 0, true);
  v.setUint32(o + 0x6c, Math.floor(f.size / 0x100000000) >>> 0, true);
  v.setUint16(o + 0x74, Math.floor(f.sectors / 0x100000000) & 0xffff, true);
  v.setUint16(o + 0x76, Math.floor(f.fileAcl / 0x100000000) & 0xffff, true);
  v.setUint16(o + 0x78, f.uid >>> 16, true);
  v.setUint16(o + 0x7a, f.gid >>> 16, true);
  v.setUint16(o + 0x80, EXTRA_ISIZE, true);
  if (f.inlineXattrs) out.set(f.inlineXattrs, offset + 128 + EXTRA_ISIZE);
  if (csumSeed !== null) {
    let crc = crc32cU32(csumSeed, ino);
    crc = crc32cU32(crc, 0); // i_generation is always 0 here
    crc = crc32cRaw(crc, out, offset, offset + INODE_SIZE);
    v.setUint16(o + 0x7c, crc & 0xffff, true);
    v.setUint16(o + 0x82, crc >>> 16, true);
  }
}

/** The per-inode checksum seed used by directory, extent and htree blocks. */
export function inodeChecksumSeed(csumSeed: number, ino: number): number {
  return crc32cU32(crc32cU32(csumSeed, ino), 0);
}

/** i_block for a device: old 16-bit encoding when both numbers are < 256, else the new one. */
export function encodeDeviceBlock(major: number, minor: number): Uint8Array {
  const b = new Uint8Array(60);
  const v = new DataView(b.buffer);
  if (major < 256 && minor < 256) v.setUint32(0, (major << 8) | minor, true);
  else v.setUint32(4, ((minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12)) >>> 0, true);
  return b;
}

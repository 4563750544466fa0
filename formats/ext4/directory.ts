/**
 * Directory blocks (`directory.rst`): linear blocks of ext4_dir_entry_2 with a
 * 12-byte checksum tail, and hash-indexed (htree) directories with a dx_root in
 * block 0, optional dx_node blocks and hash-ordered leaves.
 */
import { DistrokitError } from '../errors.js';
import { BLOCK_SIZE, FT } from './constants.js';
import { crc32cRaw } from './crc32c.js';
import { halfMd4Hash } from './hash.js';

export interface DirEntry {
  name: Uint8Array;
  ino: number;
  /** ext4 file_type code (FT). */
  type: number;
}

export interface DirLayoutOptions {
  /** Per-inode checksum seed of the directory, or null without metadata_csum. */
  inodeSeed: number | null;
  /** Build an htree when the entries need more than one block. */
  dirIndex: boolean;
  hashSeed: Uint32Array;
  unsignedHash: boolean;
}

export interface DirBlocks {
  blocks: Uint8Array[];
  indexed: boolean;
}

const TAIL = 12;

export function recLen(nameLen: number): number {
  return (8 + nameLen + 3) & ~3;
}

function putEntry(v: DataView, block: Uint8Array, at: number, e: DirEntry, rec: number): void {
  v.setUint32(at, e.ino, true);
  v.setUint16(at + 4, rec, true);
  v.setUint8(at + 6, e.name.byteLength);
  v.setUint8(at + 7, e.type);
  block.set(e.name, at + 8);
}

/** Seals a leaf block: the checksum tail (fake dirent, file_type 0xDE) at bs−12. */
function sealLeaf(block: Uint8Array, seed: number | null): void {
  if (seed === null) return;
  const v = new DataView(block.buffer, block.byteOffset, BLOCK_SIZE);
  const at = BLOCK_SIZE - TAIL;
  v.setUint32(at, 0, true);
  v.setUint16(at + 4, TAIL, true);
  v.setUint8(at + 6, 0);
  v.setUint8(at + 7, 0xde);
  v.setUint32(at + 8, crc32cRaw(seed, block, 0, at), true);
}

/** Packs entries into leaf blocks in order; `first` are entries that must open block 0 (. and ..). */
function packLeaves(entries: DirEntry[], seed: number | null, breakBefore?: Set<number>): { blocks: Uint8Array[]; firstIndex: number[] } {
  const usable = BLOCK_SIZE - (seed === null ? 0 : TAIL);
  const blocks: Uint8Array[] = [];
  const firstIndex: number[] = [];
  let block: Uint8Array | null = null;
  let view: DataView | null = null;
  let used = 0;
  let lastAt = -1;
  const close = (): void => {
    if (!block || !view) return;
    view.setUint16(lastAt + 4, usable - lastAt, true);
    sealLeaf(block, seed);
    blocks.push(block);
    block = null;
  };
  entries.forEach((e, i) => {
    const rec = recLen(e.name.byteLength);
    if (block && (used + rec > usable || breakBefore?.has(i))) close();
    if (!block) {
      block = new Uint8Array(BLOCK_SIZE);
      view = new DataView(block.buffer);
      used = 0;
      firstIndex.push(i);
    }
    putEntry(view!, block, used, e, rec);
    lastAt = used;
    used += rec;
  });
  close();
  return { blocks, firstIndex };
}

/** An empty directory block: one unused entry spanning the block (lost+found's spare blocks). */
export function emptyDirBlock(seed: number | null): Uint8Array {
  const block = new Uint8Array(BLOCK_SIZE);
  new DataView(block.buffer).setUint16(4, BLOCK_SIZE - (seed === null ? 0 : TAIL), true);
  sealLeaf(block, seed);
  return block;
}

/**
 * The blocks of a directory holding `entries` (sorted by the caller; without . and ..).
 * One block stays linear; more become an htree when `dirIndex` is set.
 */
export function buildDirectory(selfIno: number, parentIno: number, entries: DirEntry[], opts: DirLayoutOptions): DirBlocks {
  const dot: DirEntry = { name: new Uint8Array([0x2e]), ino: selfIno, type: FT.dir };
  const dotdot: DirEntry = { name: new Uint8Array([0x2e, 0x2e]), ino: parentIno, type: FT.dir };
  const linear = packLeaves([dot, dotdot, ...entries], opts.inodeSeed);
  if (linear.blocks.length <= 1 || !opts.dirIndex) return { blocks: linear.blocks, indexed: false };
  return { blocks: buildHtree(dot, dotdot, entries, opts), indexed: true };
}

interface DxEntry {
  hash: number;
  block: number;
}

function buildHtree(dot: DirEntry, dotdot: DirEntry, entries: DirEntry[], opts: DirLayoutOptions): Uint8Array[] {
  const seed = opts.inodeSeed;
  const hashed = entries.map((e) => ({ e, h: halfMd4Hash(e.name, opts.hashSeed, opts.unsignedHash) }));
  hashed.sort((a, b) => a.h.hash - b.h.hash || a.h.minor - b.h.minor || compareBytes(a.e.name, b.e.name));
  const sorted = hashed.map((x) => x.e);
  const leaves = packLeaves(sorted, seed);
  const csumSlots = seed === null ? 0 : 1;
  const rootLimit = (BLOCK_SIZE - 0x20) / 8 - csumSlots;
  const nodeLimit = (BLOCK_SIZE - 8) / 8 - csumSlots;
  // dx hash of each leaf: its first entry's hash, low bit set when it continues a collision run.
  const leafEntries: { hash: number }[] = leaves.firstIndex.map((first, i) => {
    const h = hashed[first]!.h.hash;
    const continues = i > 0 && hashed[first - 1]!.h.hash === h;
    return { hash: i === 0 ? 0 : (h | (continues ? 1 : 0)) >>> 0 };
  });
  const levels = leaves.blocks.length <= rootLimit ? 0 : 1;
  if (levels === 1 && Math.ceil(leaves.blocks.length / nodeLimit) > rootLimit) {
    throw new DistrokitError('EXT4_DIR_TOO_LARGE', `directory with ${entries.length} entries needs more than two htree levels (large_dir)`);
  }
  const nodeCount = levels === 0 ? 0 : Math.ceil(leaves.blocks.length / nodeLimit);
  const firstLeafBlock = 1 + nodeCount;
  const leafDx: DxEntry[] = leafEntries.map((l, i) => ({ hash: l.hash, block: firstLeafBlock + i }));
  const out: Uint8Array[] = [];
  let rootEntries: DxEntry[];
  const nodes: Uint8Array[] = [];
  if (levels === 0) {
    rootEntries = leafDx;
  } else {
    rootEntries = [];
    for (let n = 0; n < nodeCount; n++) {
      const chunk = leafDx.slice(n * nodeLimit, (n + 1) * nodeLimit);
      nodes.push(dxNode(chunk, nodeLimit, seed));
      rootEntries.push({ hash: n === 0 ? 0 : chunk[0]!.hash, block: 1 + n });
    }
  }
  out.push(dxRoot(dot, dotdot, rootEntries, rootLimit, levels, seed));
  out.push(...nodes, ...leaves.blocks);
  return out;
}

function putDxEntries(v: DataView, at: number, limit: number, entries: DxEntry[]): void {
  v.setUint16(at, limit, true);
  v.setUint16(at + 2, entries.length, true);
  v.setUint32(at + 4, entries[0]!.block, true);
  for (let i = 1; i < entries.length; i++) {
    v.setUint32(at + i * 8, entries[i]!.hash, true);
    v.setUint32(at + i * 8 + 4, entries[i]!.block, true);
  }
}

/** dx_tail checksum: the block up to the last used dx_entry, then dt_reserved, then a zero checksum. */
function sealDx(block: Uint8Array, countOffset: number, count: number, limit: number, seed: number | null): void {
  if (seed === null) return;
  const v = new DataView(block.buffer, block.byteOffset, BLOCK_SIZE);
  const tailAt = countOffset + limit * 8;
  let crc = crc32cRaw(seed, block, 0, countOffset + count * 8);
  crc = crc32cRaw(crc, block, tailAt, tailAt + 4);
  crc = crc32cRaw(crc, new Uint8Array(4));
  v.setUint32(tailAt + 4, crc, true);
}

function dxRoot(dot: DirEntry, dotdot: DirEntry, entries: DxEntry[], limit: number, levels: number, seed: number | null): Uint8Array {
  const block = new Uint8Array(BLOCK_SIZE);
  const v = new DataView(block.buffer);
  putEntry(v, block, 0, dot, 12);
  putEntry(v, block, 12, dotdot, BLOCK_SIZE - 12);
  v.setUint32(0x18, 0, true);
  v.setUint8(0x1c, 1); // hash version: half_md4 (signedness comes from s_flags)
  v.setUint8(0x1d, 8); // info_length
  v.setUint8(0x1e, levels);
  putDxEntries(v, 0x20, limit, entries);
  sealDx(block, 0x20, entries.length, limit, seed);
  return block;
}

function dxNode(entries: DxEntry[], limit: number, seed: number | null): Uint8Array {
  const block = new Uint8Array(BLOCK_SIZE);
  const v = new DataView(block.buffer);
  v.setUint16(4, BLOCK_SIZE, true); // fake dirent spanning the block
  const fixed = [{ hash: 0, block: entries[0]!.block }, ...entries.slice(1)];
  putDxEntries(v, 8, limit, fixed);
  sealDx(block, 8, fixed.length, limit, seed);
  return block;
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.byteLength, b.byteLength);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.byteLength - b.byteLength;
}

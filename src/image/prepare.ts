/**
 * Turns scanned inodes into what the allocator and encoder need: modes, owners
 * and clamped times, directory blocks, symlink targets, device numbers,
 * xattr placement and file data runs.
 */
import { BLOCK_SIZE, FAST_SYMLINK_MAX, LOST_FOUND_INO, ROOT_INO } from '../../formats/ext4/constants.js';
import { buildDirectory, emptyDirBlock } from '../../formats/ext4/directory.js';
import { encodeDeviceBlock, inodeChecksumSeed, type InodeTime } from '../../formats/ext4/inode.js';
import { encodeInlineXattrs, placeXattrs, prepareXattrs, type XattrEntry } from '../../formats/ext4/xattr.js';
import { DistrokitError } from '../../formats/errors.js';
import { S_IFMT, type FileContent, type TreeNode } from '../tree/types.js';
import { findDataRuns, type ReadContext, type DataRun } from './content.js';
import type { ScanResult, ScannedInode } from './scan.js';

export interface PreparedInode {
  ino: number;
  path: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  links: number;
  atime: InodeTime;
  ctime: InodeTime;
  mtime: InodeTime;
  isDir: boolean;
  /** Blocks with their content known now (directories, slow symlinks). */
  blocks?: Uint8Array[];
  indexed?: boolean;
  /** i_block content for fast symlinks and devices. */
  iblock?: Uint8Array;
  /** Regular files: streamed at write time. */
  content?: FileContent;
  runs: DataRun[];
  usesExtents: boolean;
  inlineXattrs: Uint8Array | null;
  blockXattrs: XattrEntry[];
}

export interface PrepareContext {
  csumSeed: number | null;
  dirIndex: boolean;
  hashSeed: Uint32Array;
  unsignedHash: boolean;
  fsTime: number;
  clamp: number | null;
  owner?: { uid: number; gid: number };
  xattrs: boolean;
  reads: ReadContext;
  /** Data runs of host files already being found on worker threads, by inode number (see HostFilePool.scan). */
  scannedRuns?: Map<number, Promise<DataRun[]>>;
}

function clampTime(t: InodeTime | undefined, fallback: InodeTime, clamp: number | null): InodeTime {
  const v = t ?? fallback;
  if (clamp !== null && (v.sec > clamp || (v.sec === clamp && v.nsec > 0))) return { sec: clamp, nsec: 0 };
  return { sec: v.sec, nsec: v.nsec };
}

export async function prepareInode(rec: ScannedInode, ctx: PrepareContext): Promise<PreparedInode> {
  const node = rec.node;
  const fsT: InodeTime = { sec: ctx.fsTime, nsec: 0 };
  const mtime = node ? clampTime(node.mtime, fsT, ctx.clamp) : fsT;
  const perm = node ? node.perm & 0o7777 : 0o700;
  const p: PreparedInode = {
    ino: rec.ino,
    path: rec.path,
    mode: S_IFMT[rec.type] | perm,
    uid: ctx.owner?.uid ?? node?.uid ?? 0,
    gid: ctx.owner?.gid ?? node?.gid ?? 0,
    size: 0,
    links: rec.links,
    atime: node ? clampTime(node.atime, mtime, ctx.clamp) : fsT,
    ctime: node ? clampTime(node.ctime, mtime, ctx.clamp) : fsT,
    mtime,
    isDir: rec.type === 'dir',
    runs: [],
    usesExtents: false,
    inlineXattrs: null,
    blockXattrs: [],
  };
  checkOwner(p.uid, p.gid, rec.path);
  if (node?.xattrs && node.xattrs.size > 0 && ctx.xattrs) {
    try {
      const placed = placeXattrs(prepareXattrs(node.xattrs));
      p.inlineXattrs = placed.inline.length ? encodeInlineXattrs(placed.inline) : null;
      p.blockXattrs = placed.block;
    } catch (err) {
      throw DistrokitError.wrap(err, 'EXT4_XATTR', { entry: rec.path });
    }
  }
  switch (rec.type) {
    case 'dir': {
      const seed = ctx.csumSeed === null ? null : inodeChecksumSeed(ctx.csumSeed, rec.ino);
      const blocks = buildDirectory(rec.ino, rec.parent ?? ROOT_INO, rec.entries ?? [], {
        inodeSeed: seed,
        dirIndex: ctx.dirIndex,
        hashSeed: ctx.hashSeed,
        unsignedHash: ctx.unsignedHash,
      });
      p.blocks = blocks.blocks;
      // lost+found gets spare blocks, as mke2fs makes it, so e2fsck can reconnect files without allocating.
      if (rec.ino === LOST_FOUND_INO) while (p.blocks.length < 4) p.blocks.push(emptyDirBlock(seed));
      p.indexed = blocks.indexed;
      p.size = p.blocks.length * BLOCK_SIZE;
      p.runs = [{ logical: 0, count: p.blocks.length }];
      p.usesExtents = true;
      break;
    }
    case 'symlink': {
      const target = new TextEncoder().encode((node as { target: string }).target);
      if (target.byteLength === 0 || target.byteLength >= BLOCK_SIZE) {
        throw new DistrokitError('EXT4_BAD_SYMLINK', `symlink target is ${target.byteLength} bytes; ext4 allows 1..${BLOCK_SIZE - 1}`, { entry: rec.path });
      }
      p.size = target.byteLength;
      if (target.byteLength <= FAST_SYMLINK_MAX) {
        p.iblock = new Uint8Array(60);
        p.iblock.set(target);
      } else {
        const block = new Uint8Array(BLOCK_SIZE);
        block.set(target);
        p.blocks = [block];
        p.runs = [{ logical: 0, count: 1 }];
        p.usesExtents = true;
      }
      break;
    }
    case 'chardev':
    case 'blockdev': {
      const d = node as TreeNode & { major: number; minor: number };
      p.iblock = encodeDeviceBlock(d.major, d.minor);
      break;
    }
    case 'fifo':
    case 'socket':
      p.iblock = new Uint8Array(60);
      break;
    case 'file': {
      const f = node as TreeNode & { size: number; content: FileContent };
      if (!Number.isSafeInteger(f.size) || f.size < 0) throw new DistrokitError('EXT4_BAD_TREE', `bad file size ${f.size}`, { entry: rec.path });
      if (f.size > 16 * 2 ** 40 - BLOCK_SIZE) throw new DistrokitError('EXT4_FILE_TOO_LARGE', `file of ${f.size} bytes exceeds ext4's 16 TiB limit`, { entry: rec.path });
      p.size = f.size;
      p.content = f.content;
      const scanned = ctx.scannedRuns?.get(rec.ino);
      p.runs = await (scanned ?? findDataRuns(f.content, f.size, rec.path, ctx.reads));
      p.usesExtents = true;
      break;
    }
  }
  return p;
}

/** Runs for every inode, so no arrays: one check per id. */
function checkOwner(uid: number, gid: number, path: string): void {
  checkId('uid', uid, path);
  checkId('gid', gid, path);
}

function checkId(what: 'uid' | 'gid', id: number, path: string): void {
  if (!Number.isInteger(id) || id < 0 || id > 0xffffffff) throw new DistrokitError('EXT4_BAD_TREE', `${what} ${id} is not a 32-bit id`, { entry: path });
}

export async function prepareAll(scan: ScanResult, ctx: PrepareContext, onProgress?: (done: number, total: number) => void): Promise<PreparedInode[]> {
  const out: PreparedInode[] = [];
  let done = 0;
  for (const rec of scan.inodes) {
    if (!rec) continue;
    out.push(await prepareInode(rec, ctx));
    if (++done % 4096 === 0) onProgress?.(done, scan.maxIno);
  }
  return out;
}

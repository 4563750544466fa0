/** Options of the ext4 writer, their parsing and defaults (all deterministic). */
import { createHash } from 'node:crypto';
import { DistrokitError } from '../../formats/errors.js';

export interface Ext4Options {
  /**
   * 'auto' (default): the exact minimum plus headroom — `defaultHeadroom` unless an
   * extra* field is given, then exactly what those say; 'min': the exact minimum (no
   * free block, free inodes only up to a whole inode-table block); a number: the
   * image size in bytes, which must fit.
   */
  size?: 'auto' | 'min' | number;
  /** Reproduce nixpkgs' sizing: 'nixpkgs' (make-ext4-fs.nix seed formula) or 'nixpkgs-current' (shrink + 16 MiB). */
  sizeHeuristic?: 'nixpkgs' | 'nixpkgs-current';
  /**
   * Headroom of 'auto' (any of the three replaces the whole default headroom):
   * free blocks and free inodes to add to the minimum, and a percentage of the
   * minimum's blocks and used inodes added on top of those. With a fixed size only
   * extraInodes/extraPercent count (inodes); with a heuristic they add to it.
   */
  extraBlocks?: number;
  extraInodes?: number;
  extraPercent?: number;
  /** Minimum total inode count. */
  inodes?: number;
  label?: string;
  /** Filesystem UUID (8-4-4-4-12 hex); default derived from the tree. */
  uuid?: string;
  /** Directory hash seed (UUID form); default derived from the filesystem UUID. */
  hashSeed?: string;
  /** Clamps every later time to this and is the filesystem's own time. */
  sourceDateEpoch?: number;
  owner?: { uid: number; gid: number };
  xattrs?: boolean;
  journal?: boolean;
  metadataCsum?: boolean;
  /** 64-bit block numbers and 64-byte group descriptors (default true). */
  bit64?: boolean;
  /** Use the unsigned-char htree hash (s_flags UNSIGNED_HASH); default signed, as mke2fs on x86. */
  unsignedHash?: boolean;
  /**
   * Worker threads that scan host files for zero blocks and copy their data (0: all on the
   * calling thread); default up to 2 for trees with >= 32 MiB of host files (or >= 2,000 of them
   * holding >= 2 MiB). Never changes the image.
   */
  threads?: number;
  onProgress?: (phase: string, done: number, total: number) => void;
}

export function parseUuid(text: string, what: string): Uint8Array {
  const hex = text.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex) || !/^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/.test(text)) {
    throw new DistrokitError('EXT4_BAD_OPTION', `${what} '${text}' is not a UUID (8-4-4-4-12 hex digits)`);
  }
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

export function formatUuid(b: Uint8Array): string {
  const h = Buffer.from(b).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** A name-based UUID (version 5 layout, SHA-256 truncated) from `text`. */
export function derivedUuid(text: string): Uint8Array {
  const b = Uint8Array.from(createHash('sha256').update(text).digest().subarray(0, 16));
  b[6] = (b[6]! & 0x0f) | 0x50;
  b[8] = (b[8]! & 0x3f) | 0x80;
  return b;
}

export function encodeLabel(label: string | undefined): Uint8Array {
  const out = new Uint8Array(16);
  if (!label) return out;
  const bytes = new TextEncoder().encode(label);
  if (bytes.byteLength > 16) throw new DistrokitError('EXT4_BAD_OPTION', `label '${label}' is ${bytes.byteLength} bytes, ext4 allows 16`);
  out.set(bytes);
  return out;
}

/** Free 4 KiB blocks of the default headroom at least: 16 MiB, what nixpkgs leaves after `resize2fs -M`. */
export const DEFAULT_HEADROOM_MIN_BLOCKS = 4096;
/** Free inodes of the default headroom at least. */
export const DEFAULT_HEADROOM_MIN_INODES = 1000;
/** The default headroom as a percentage of the minimum image's blocks and of the used inodes. */
export const DEFAULT_HEADROOM_PERCENT = 10;

/**
 * The free blocks and inodes `size: 'auto'` leaves when no extra* option is given:
 * the larger of 16 MiB and 10 % of the minimum image's blocks (`minBlocks`: metadata,
 * journal and data), and the larger of 1,000 and 10 % of the used inodes (`usedInodes`:
 * the highest inode number, reserved inodes included). The image has no root-reserved
 * blocks, so all of it is free to every user, less what the kernel keeps back for its
 * own metadata (2 % of the blocks, at most 4,096).
 */
export function defaultHeadroom(minBlocks: number, usedInodes: number): { blocks: number; inodes: number } {
  return {
    blocks: Math.max(DEFAULT_HEADROOM_MIN_BLOCKS, Math.ceil((minBlocks * DEFAULT_HEADROOM_PERCENT) / 100)),
    inodes: Math.max(DEFAULT_HEADROOM_MIN_INODES, Math.ceil((usedInodes * DEFAULT_HEADROOM_PERCENT) / 100)),
  };
}

/** The default journal size in blocks for a filesystem of `blocks` (e2fsprogs `ext2fs_default_journal_size`, minimum 1024). */
export function defaultJournalBlocks(blocks: number): number {
  if (blocks < 32768) return 1024;
  if (blocks < 256 * 1024) return 4096;
  if (blocks < 512 * 1024) return 8192;
  if (blocks < 4096 * 1024) return 16384;
  if (blocks < 8192 * 1024) return 32768;
  if (blocks < 16384 * 1024) return 65536;
  if (blocks < 32768 * 1024) return 131072;
  return 262144;
}

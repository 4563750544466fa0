/**
 * Extended attributes (`attributes.rst`, e2fsprogs `lib/ext2fs/ext_attr.c`):
 * names split into a prefix index and suffix, entries sorted by
 * (index, name length, name), placed in the inode while they fit and in one
 * external block otherwise; POSIX ACLs converted to ext4's on-disk format.
 */
import { DistrokitError } from '../errors.js';
import { BLOCK_SIZE, XATTR_MAGIC } from './constants.js';
import { crc32cRaw } from './crc32c.js';
import { xattrBlockHash, xattrEntryHash } from './hash.js';
import { XATTR_INLINE_SPACE } from './inode.js';

const PREFIXES: [string, number][] = [
  ['system.posix_acl_access', 2],
  ['system.posix_acl_default', 3],
  ['user.', 1],
  ['trusted.', 4],
  ['security.', 6],
  ['system.', 7],
];

export interface XattrEntry {
  index: number;
  name: Uint8Array;
  value: Uint8Array;
  hash: number;
}

const utf8 = new TextEncoder();

/** Splits and sorts attributes the way the kernel expects them in a block; ACLs are converted. */
export function prepareXattrs(attrs: Map<string, Uint8Array>): XattrEntry[] {
  const entries: XattrEntry[] = [];
  for (const [full, raw] of attrs) {
    const prefix = PREFIXES.find(([p, idx]) => (idx === 2 || idx === 3 ? full === p : full.startsWith(p)));
    if (!prefix) throw new DistrokitError('EXT4_XATTR_UNSUPPORTED', `extended attribute '${full}' has no ext4 name prefix`, { entry: full });
    const [p, index] = prefix;
    const name = utf8.encode(index === 2 || index === 3 ? '' : full.slice(p.length));
    if (name.byteLength > 255) throw new DistrokitError('EXT4_XATTR_NAME_TOO_LONG', `extended attribute name '${full}' is longer than 255 bytes`, { entry: full });
    const value = index === 2 || index === 3 ? posixAclToDisk(raw, full) : raw;
    entries.push({ index, name, value, hash: xattrEntryHash(name, value) });
  }
  entries.sort((a, b) => a.index - b.index || a.name.byteLength - b.name.byteLength || cmp(a.name, b.name));
  return entries;
}

function cmp(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

const align4 = (n: number): number => (n + 3) & ~3;
const entrySize = (e: XattrEntry): number => align4(16 + e.name.byteLength);

/**
 * Converts a user-space POSIX ACL xattr (version 2: 4-byte header, 8-byte entries)
 * to ext4's on-disk form (version 1; 4-byte entries for the owner/group/mask/other tags).
 */
export function posixAclToDisk(raw: Uint8Array, name: string): Uint8Array {
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (raw.byteLength < 4 || (raw.byteLength - 4) % 8 !== 0 || v.getUint32(0, true) !== 2) {
    throw new DistrokitError('EXT4_BAD_ACL', `'${name}' is not a version 2 POSIX ACL`, { entry: name });
  }
  const parts: number[][] = [];
  for (let at = 4; at < raw.byteLength; at += 8) {
    const tag = v.getUint16(at, true);
    const perm = v.getUint16(at + 2, true);
    const id = v.getUint32(at + 4, true);
    if (tag === 0x02 || tag === 0x08) parts.push([tag, perm, id]);
    else if (tag === 0x01 || tag === 0x04 || tag === 0x10 || tag === 0x20) parts.push([tag, perm]);
    else throw new DistrokitError('EXT4_BAD_ACL', `'${name}' has unknown ACL tag ${tag}`, { entry: name, offset: at });
  }
  const size = 4 + parts.reduce((n, p) => n + (p.length === 3 ? 8 : 4), 0);
  const out = new Uint8Array(size);
  const o = new DataView(out.buffer);
  o.setUint32(0, 1, true);
  let at = 4;
  for (const p of parts) {
    o.setUint16(at, p[0]!, true);
    o.setUint16(at + 2, p[1]!, true);
    if (p.length === 3) o.setUint32(at + 4, p[2]!, true);
    at += p.length === 3 ? 8 : 4;
  }
  return out;
}

export interface XattrPlacement {
  inline: XattrEntry[];
  block: XattrEntry[];
}

/** Fills the inode's 96 spare bytes with a prefix of the sorted entries; the rest go to a block. */
export function placeXattrs(entries: XattrEntry[]): XattrPlacement {
  let used = 4 + 4; // magic + terminating zero word
  let i = 0;
  for (; i < entries.length; i++) {
    const e = entries[i]!;
    const need = entrySize(e) + align4(e.value.byteLength);
    if (used + need > XATTR_INLINE_SPACE) break;
    used += need;
  }
  const block = entries.slice(i);
  let blockUsed = 32 + 4;
  for (const e of block) blockUsed += entrySize(e) + align4(e.value.byteLength);
  if (blockUsed > BLOCK_SIZE) {
    throw new DistrokitError('EXT4_XATTR_TOO_LARGE', `extended attributes need ${blockUsed} bytes, more than one ${BLOCK_SIZE}-byte block`);
  }
  return { inline: entries.slice(0, i), block };
}

function putEntries(v: DataView, out: Uint8Array, entriesAt: number, valuesEnd: number, valueBase: number, entries: XattrEntry[]): void {
  let at = entriesAt;
  let valueAt = valuesEnd;
  for (const e of entries) {
    valueAt -= align4(e.value.byteLength);
    v.setUint8(at, e.name.byteLength);
    v.setUint8(at + 1, e.index);
    v.setUint16(at + 2, e.value.byteLength ? valueAt - valueBase : 0, true);
    v.setUint32(at + 4, 0, true);
    v.setUint32(at + 8, e.value.byteLength, true);
    v.setUint32(at + 12, e.hash, true);
    out.set(e.name, at + 16);
    out.set(e.value, valueAt);
    at += entrySize(e);
  }
}

/** The in-inode xattr area (XATTR_INLINE_SPACE bytes): magic, entries, values packed at the end. */
export function encodeInlineXattrs(entries: XattrEntry[]): Uint8Array {
  const out = new Uint8Array(XATTR_INLINE_SPACE);
  const v = new DataView(out.buffer);
  v.setUint32(0, XATTR_MAGIC, true);
  putEntries(v, out, 4, XATTR_INLINE_SPACE, 4, entries);
  return out;
}

/** One xattr block at physical block `blockNr` (its number enters the checksum). */
export function encodeXattrBlock(entries: XattrEntry[], blockNr: number, csumSeed: number | null): Uint8Array {
  const out = new Uint8Array(BLOCK_SIZE);
  const v = new DataView(out.buffer);
  v.setUint32(0, XATTR_MAGIC, true);
  v.setUint32(4, 1, true); // refcount
  v.setUint32(8, 1, true); // blocks
  v.setUint32(12, xattrBlockHash(entries.map((e) => e.hash)), true);
  putEntries(v, out, 32, BLOCK_SIZE, 0, entries);
  if (csumSeed !== null) {
    const nr = new Uint8Array(8);
    const nv = new DataView(nr.buffer);
    nv.setUint32(0, blockNr >>> 0, true);
    nv.setUint32(4, Math.floor(blockNr / 0x100000000), true);
    v.setUint32(16, crc32cRaw(crc32cRaw(csumSeed, nr), out), true);
  }
  return out;
}

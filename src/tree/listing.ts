/**
 * One listing row per archive entry, the shape of `distrokit archive list
 * --json`: path, type, mode, uid, gid, size, mtime, link target and the
 * sha256 of regular file content.
 */
import { createHash } from 'node:crypto';
import type { ArchiveEntry } from '../../formats/entry.js';

export interface ListingRow {
  path: string;
  type: ArchiveEntry['type'];
  /** Permission bits (incl. setuid/setgid/sticky) as an octal string, e.g. "0755". */
  mode: string;
  uid: number;
  gid: number;
  uname?: string;
  gname?: string;
  size: number;
  /** Seconds since the epoch. */
  mtime: number;
  /** Nanoseconds of mtime (only when not 0). */
  mtimeNsec?: number;
  linkTarget?: string;
  devMajor?: number;
  devMinor?: number;
  sha256?: string;
  /** Extended attribute names (values are not listed). */
  xattrs?: string[];
}

export async function listingRow(entry: ArchiveEntry): Promise<ListingRow> {
  const row: ListingRow = {
    path: entry.path,
    type: entry.type,
    mode: entry.mode.toString(8).padStart(4, '0'),
    uid: entry.uid,
    gid: entry.gid,
    size: entry.size,
    mtime: entry.mtime.sec,
  };
  if (entry.uname) row.uname = entry.uname;
  if (entry.gname) row.gname = entry.gname;
  if (entry.mtime.nsec) row.mtimeNsec = entry.mtime.nsec;
  if (entry.linkTarget !== undefined) row.linkTarget = entry.linkTarget;
  if (entry.type === 'chardev' || entry.type === 'blockdev') {
    row.devMajor = entry.devMajor ?? 0;
    row.devMinor = entry.devMinor ?? 0;
  }
  if (entry.type === 'file') {
    const hash = createHash('sha256');
    for await (const chunk of entry.body) hash.update(chunk);
    row.sha256 = hash.digest('hex');
  }
  if (entry.xattrs && entry.xattrs.size > 0) row.xattrs = [...entry.xattrs.keys()];
  return row;
}

export async function* listArchive(entries: AsyncIterable<ArchiveEntry>): AsyncGenerator<ListingRow> {
  for await (const entry of entries) yield await listingRow(entry);
}

/**
 * Streaming tar reader: ustar, GNU (long names 'L', long links 'K',
 * base-256 numbers) and pax ('x' per entry, 'g' global: path, linkpath, size,
 * mtime/atime/ctime with fractions, uid, gid, uname, gname, SCHILY.xattr.*,
 * SCHILY.devmajor/devminor). Sparse entries (GNU 'S', pax GNU.sparse.*) and
 * multi-volume entries are rejected with TAR_UNSUPPORTED rather than
 * extracted wrongly.
 */
import { ByteCursor, type ByteSource } from '../bytes.js';
import { DistrokitError } from '../errors.js';
import { type ArchiveEntry, cursorBody, DEFAULT_MAX_METADATA, decodeCString, type EntryType, type ReaderOptions } from '../entry.js';
import { BLOCK, decodeHeader, isZeroBlock, type RawHeader } from './header.js';
import { type PaxRecords, parsePax, parsePaxInteger, parsePaxTime } from './pax.js';

const TYPES: Record<string, EntryType> = {
  '0': 'file',
  '7': 'file', // contiguous file: a regular file everywhere but on Masscomp
  '1': 'hardlink',
  '2': 'symlink',
  '3': 'chardev',
  '4': 'blockdev',
  '5': 'dir',
  '6': 'fifo',
};

export type TarEntry = ArchiveEntry;

interface Pending {
  longName?: string;
  longLink?: string;
  pax?: PaxRecords;
}

function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

/** Reads a (decompressed) tar stream as an async iterable of entries. */
export async function* readTar(source: ByteSource, options: ReaderOptions = {}): AsyncGenerator<TarEntry> {
  const file = options.file;
  const maxMeta = options.maxMetadataSize ?? DEFAULT_MAX_METADATA;
  const cursor = new ByteCursor(source, { file, truncatedCode: 'TAR_TRUNCATED' });
  let global: PaxRecords | undefined;
  let pending: Pending = {};
  for (;;) {
    const offset = cursor.offset;
    const block = await cursor.readExactOrEnd(BLOCK);
    if (!block) {
      // A tar that ends without its two zero blocks is accepted (as GNU tar
      // does), unless an extended header was left without its entry.
      if (pending.longName !== undefined || pending.longLink !== undefined || pending.pax)
        throw new DistrokitError('TAR_TRUNCATED', 'tar ends after an extended header, before its entry', { file, offset });
      return;
    }
    if (isZeroBlock(block)) {
      // End of archive; whatever follows (more zero blocks, padding of the compressed record) is ignored.
      return;
    }
    const ctx = { file, offset };
    const header = decodeHeader(block, ctx);
    const flag = header.typeflag;
    if (flag === 'L' || flag === 'K' || flag === 'x' || flag === 'g') {
      if (header.size > maxMeta)
        throw new DistrokitError('TAR_HEADER_TOO_LARGE', `tar extended header '${flag}' of ${header.size} bytes exceeds the limit of ${maxMeta}`, ctx);
      const data = await cursor.readExact(header.size);
      await cursor.skip(padding(header.size));
      if (flag === 'L') pending.longName = decodeCString(data);
      else if (flag === 'K') pending.longLink = decodeCString(data);
      else if (flag === 'x') pending.pax = parsePax(data, ctx);
      else global = mergePax(global, parsePax(data, ctx));
      continue;
    }
    const entry = buildEntry(header, pending, global, ctx);
    pending = {};
    // Only regular files have data blocks (as GNU tar and Python's tarfile read
    // it); a size on a link, directory or device header is ignored.
    const bodySize = entry.type === 'file' ? entry.size : 0;
    const { body, finish } = cursorBody(cursor, bodySize, { code: 'TAR_TRUNCATED', file, entry: entry.path });
    entry.bodyOffset = cursor.offset;
    entry.body = body;
    if (entry.type !== 'file') entry.size = 0;
    yield entry;
    await finish();
    try {
      await cursor.skip(padding(bodySize));
    } catch (err) {
      throw DistrokitError.wrap(err, 'TAR_TRUNCATED', { file, entry: entry.path });
    }
  }
}

function mergePax(base: PaxRecords | undefined, next: PaxRecords): PaxRecords {
  if (!base) return next;
  return { text: new Map([...base.text, ...next.text]), xattrs: new Map([...base.xattrs, ...next.xattrs]) };
}

function buildEntry(header: RawHeader, pending: Pending, global: PaxRecords | undefined, ctx: { file?: string; offset: number }): TarEntry {
  const pax = global || pending.pax ? mergePax(global, pending.pax ?? { text: new Map(), xattrs: new Map() }) : undefined;
  const type = TYPES[header.typeflag];
  if (header.typeflag === 'S' || (pax && [...pax.text.keys()].some((k) => k.startsWith('GNU.sparse.'))))
    throw new DistrokitError('TAR_UNSUPPORTED', 'sparse tar entries are not supported', { ...ctx, entry: header.name });
  if (!type) throw new DistrokitError('TAR_UNSUPPORTED', `unsupported tar entry type '${header.typeflag}'`, { ...ctx, entry: header.name });
  let path = pending.longName ?? header.name;
  let linkTarget: string | undefined = pending.longLink ?? header.linkname;
  const entry: TarEntry = {
    path,
    type,
    mode: header.mode & 0o7777,
    uid: header.uid,
    gid: header.gid,
    size: header.size,
    mtime: { sec: header.mtime, nsec: 0 },
    offset: ctx.offset,
    bodyOffset: 0,
    body: [] as unknown as AsyncIterable<Uint8Array>,
  };
  if (header.uname) entry.uname = header.uname;
  if (header.gname) entry.gname = header.gname;
  if (header.atime !== undefined) entry.atime = { sec: header.atime, nsec: 0 };
  if (header.ctime !== undefined) entry.ctime = { sec: header.ctime, nsec: 0 };
  if (type === 'chardev' || type === 'blockdev') {
    entry.devMajor = header.devMajor;
    entry.devMinor = header.devMinor;
  }
  if (pax) {
    for (const [key, value] of pax.text) {
      const c = { ...ctx, key };
      switch (key) {
        case 'path': path = value; break;
        case 'linkpath': linkTarget = value; break;
        case 'size': entry.size = parsePaxInteger(value, c); break;
        case 'uid': entry.uid = parsePaxInteger(value, c); break;
        case 'gid': entry.gid = parsePaxInteger(value, c); break;
        case 'uname': entry.uname = value; break;
        case 'gname': entry.gname = value; break;
        case 'mtime': entry.mtime = parsePaxTime(value, c); break;
        case 'atime': entry.atime = parsePaxTime(value, c); break;
        case 'ctime': entry.ctime = parsePaxTime(value, c); break;
        case 'SCHILY.devmajor': entry.devMajor = parsePaxInteger(value, c); break;
        case 'SCHILY.devminor': entry.devMinor = parsePaxInteger(value, c); break;
        default: break; // comment, charset, hdrcharset, vendor keys: no effect on the entry
      }
    }
    if (pax.xattrs.size > 0) entry.xattrs = new Map(pax.xattrs);
  }
  // An old-style regular file whose name ends in '/' is a directory (as GNU tar and Python read it).
  if (entry.type === 'file' && header.typeflag === '0' && path.endsWith('/')) entry.type = 'dir';
  if (entry.type === 'dir') path = path.replace(/\/+$/, '') || (path.startsWith('/') ? '/' : '.');
  entry.path = path;
  if (entry.type === 'symlink' || entry.type === 'hardlink') entry.linkTarget = linkTarget;
  // Base-256 and pax ids can go past 32 bits; GNU tar refuses them as out of uid_t/gid_t range too.
  for (const [what, id] of [['uid', entry.uid], ['gid', entry.gid]] as const)
    if (!(id >= 0 && id <= 0xffffffff)) throw new DistrokitError('TAR_BAD_NUMBER', `tar ${what} ${id} is outside 0..4294967295`, { ...ctx, entry: path });
  if (path === '') throw new DistrokitError('TAR_BAD_HEADER', 'tar entry with an empty name', ctx);
  return entry;
}

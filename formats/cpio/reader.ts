/**
 * Streaming cpio reader: "new ASCII" (newc, 070701), its checksummed variant
 * (crc, 070702: the sum of the data bytes is verified) and the portable
 * "old ASCII" (odc, 070707). The old binary format is refused clearly.
 * Symlink targets are the entry data; hard links are entries sharing an
 * inode number (newc stores the data once, with the last of them), reported
 * as files with `inode` and `nlink` set.
 */
import { ByteCursor, type ByteSource } from '../bytes.js';
import { DistrokitError } from '../errors.js';
import { type ArchiveEntry, cursorBody, DEFAULT_MAX_METADATA, decodeUtf8, type EntryType, type ReaderOptions } from '../entry.js';
import {
  CPIO_CRC_MAGIC,
  CPIO_NEWC_MAGIC,
  CPIO_ODC_MAGIC,
  CPIO_TRAILER,
  NEWC_HEADER_SIZE,
  ODC_HEADER_SIZE,
  S_IFBLK,
  S_IFCHR,
  S_IFDIR,
  S_IFIFO,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  S_IFSOCK,
} from './constants.js';

export type CpioFormat = 'newc' | 'crc' | 'odc';

export interface CpioEntry extends ArchiveEntry {
  format: CpioFormat;
  /** crc format: the stored checksum of the data. */
  check?: number;
}

interface RawCpioHeader {
  format: CpioFormat;
  ino: number;
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  mtime: number;
  size: number;
  devMajor: number;
  devMinor: number;
  rdevMajor: number;
  rdevMinor: number;
  nameSize: number;
  check: number;
}

const latin1 = new TextDecoder('latin1');

const TYPES: [number, EntryType][] = [
  [S_IFREG, 'file'],
  [S_IFDIR, 'dir'],
  [S_IFLNK, 'symlink'],
  [S_IFCHR, 'chardev'],
  [S_IFBLK, 'blockdev'],
  [S_IFIFO, 'fifo'],
  [S_IFSOCK, 'socket'],
];

function parseNumbers(text: string, widths: number[], radix: 8 | 16, ctx: { file?: string; offset: number }, start: number): number[] {
  const values: number[] = [];
  let at = start;
  const valid = radix === 16 ? /^[0-9a-fA-F]+$/ : /^[0-7]+$/;
  for (const w of widths) {
    const field = text.slice(at, at + w);
    if (!valid.test(field)) throw new DistrokitError('CPIO_BAD_HEADER', `cpio header field '${field}' is not a ${radix === 16 ? 'hex' : 'octal'} number`, { file: ctx.file, offset: ctx.offset + at });
    values.push(parseInt(field, radix));
    at += w;
  }
  return values;
}

async function readHeader(cursor: ByteCursor, file: string | undefined): Promise<RawCpioHeader | null> {
  const offset = cursor.offset;
  const magicBytes = await cursor.readExactOrEnd(6);
  if (!magicBytes) return null;
  const magic = latin1.decode(magicBytes);
  const ctx = { file, offset };
  if (magic === CPIO_NEWC_MAGIC || magic === CPIO_CRC_MAGIC) {
    const text = latin1.decode(await cursor.readExact(NEWC_HEADER_SIZE - 6));
    const [ino, mode, uid, gid, nlink, mtime, size, devMajor, devMinor, rdevMajor, rdevMinor, nameSize, check] = parseNumbers(text, Array(13).fill(8), 16, ctx, 0).map(
      (v) => v,
    ) as number[] as [number, number, number, number, number, number, number, number, number, number, number, number, number];
    return { format: magic === CPIO_CRC_MAGIC ? 'crc' : 'newc', ino, mode, uid, gid, nlink, mtime, size, devMajor, devMinor, rdevMajor, rdevMinor, nameSize, check };
  }
  if (magic === CPIO_ODC_MAGIC) {
    const text = latin1.decode(await cursor.readExact(ODC_HEADER_SIZE - 6));
    const [dev, ino, mode, uid, gid, nlink, rdev, mtime, nameSize, size] = parseNumbers(text, [6, 6, 6, 6, 6, 6, 6, 11, 6, 11], 8, ctx, 0) as [
      number, number, number, number, number, number, number, number, number, number,
    ];
    // odc packs dev_t into one number; split it the way Linux's old 16-bit dev_t did (major<<8 | minor).
    return { format: 'odc', ino, mode, uid, gid, nlink, mtime, size, devMajor: dev >> 8, devMinor: dev & 0xff, rdevMajor: rdev >> 8, rdevMinor: rdev & 0xff, nameSize, check: 0 };
  }
  if ((magicBytes[0] === 0xc7 && magicBytes[1] === 0x71) || (magicBytes[0] === 0x71 && magicBytes[1] === 0xc7))
    throw new DistrokitError('CPIO_UNSUPPORTED', 'old binary cpio is not supported (use newc, crc or odc)', ctx);
  throw new DistrokitError('CPIO_BAD_MAGIC', `not a cpio header (magic '${magic.replace(/[^\x20-\x7e]/g, '?')}')`, ctx);
}

function pad4(n: number): number {
  return (4 - (n % 4)) % 4;
}

/** Reads a (decompressed) cpio stream as an async iterable of entries, up to the TRAILER!!! entry. */
export async function* readCpio(source: ByteSource, options: ReaderOptions = {}): AsyncGenerator<CpioEntry> {
  const file = options.file;
  const maxMeta = options.maxMetadataSize ?? DEFAULT_MAX_METADATA;
  const cursor = new ByteCursor(source, { file, truncatedCode: 'CPIO_TRUNCATED' });
  for (;;) {
    const offset = cursor.offset;
    const h = await readHeader(cursor, file);
    if (!h) throw new DistrokitError('CPIO_TRUNCATED', 'cpio archive ends without its TRAILER!!! entry', { file, offset });
    const aligned = h.format !== 'odc';
    if (h.nameSize === 0 || h.nameSize > maxMeta) throw new DistrokitError('CPIO_BAD_HEADER', `cpio name size ${h.nameSize} is out of range`, { file, offset });
    const nameBytes = await cursor.readExact(h.nameSize);
    if (nameBytes[h.nameSize - 1] !== 0) throw new DistrokitError('CPIO_BAD_HEADER', 'cpio name is not NUL-terminated', { file, offset });
    const name = decodeUtf8(nameBytes.subarray(0, h.nameSize - 1));
    if (aligned) await cursor.skip(pad4(NEWC_HEADER_SIZE + h.nameSize));
    if (name === CPIO_TRAILER) return;
    const type = TYPES.find(([bits]) => (h.mode & S_IFMT) === bits)?.[1];
    if (!type) throw new DistrokitError('CPIO_BAD_HEADER', `cpio entry '${name}' has an unknown file type in mode ${h.mode.toString(8)}`, { file, offset, entry: name });
    const entry: CpioEntry = {
      format: h.format,
      path: type === 'dir' ? name.replace(/\/+$/, '') || '.' : name,
      type,
      mode: h.mode & 0o7777,
      uid: h.uid,
      gid: h.gid,
      size: type === 'file' ? h.size : 0,
      mtime: { sec: h.mtime, nsec: 0 },
      inode: h.ino,
      nlink: h.nlink,
      offset,
      bodyOffset: cursor.offset,
      body: [] as unknown as AsyncIterable<Uint8Array>,
    };
    if (type === 'chardev' || type === 'blockdev') {
      entry.devMajor = h.rdevMajor;
      entry.devMinor = h.rdevMinor;
    }
    if (h.format === 'crc') entry.check = h.check;
    if (type === 'symlink') {
      if (h.size > maxMeta) throw new DistrokitError('CPIO_BAD_HEADER', `cpio symlink target of ${h.size} bytes is too long`, { file, offset, entry: name });
      entry.linkTarget = decodeUtf8(await cursor.readExact(h.size));
      entry.body = (async function* () {})();
    } else if (type === 'file') {
      const { body, finish } = cursorBody(cursor, h.size, { code: 'CPIO_TRUNCATED', file, entry: name });
      entry.body = h.format === 'crc' ? checkedBody(body, h.check, { file, entry: name, offset }) : body;
      yield entry;
      await finish();
      if (aligned) await cursor.skip(pad4(h.size));
      continue;
    } else {
      // Directories and devices carry no data; skip any that a writer put there.
      if (h.size > 0) await cursor.skip(h.size);
      entry.body = (async function* () {})();
    }
    if (aligned) await cursor.skip(pad4(h.size));
    yield entry;
  }
}

/** crc format: the checksum is the 32-bit sum of the data bytes; a mismatch fails at the end of the body. */
async function* checkedBody(body: AsyncIterable<Uint8Array>, expected: number, ctx: { file?: string; entry: string; offset: number }): AsyncGenerator<Uint8Array> {
  let sum = 0;
  for await (const chunk of body) {
    for (let i = 0; i < chunk.byteLength; i++) sum = (sum + chunk[i]!) >>> 0;
    yield chunk;
  }
  if (sum !== expected) throw new DistrokitError('CPIO_BAD_CHECKSUM', `cpio crc checksum ${sum.toString(16)} does not match the stored ${expected.toString(16)}`, ctx);
}

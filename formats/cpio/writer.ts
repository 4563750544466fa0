/**
 * cpio "newc" (070701) and "crc" (070702) writer, the format the Linux kernel
 * unpacks as initramfs. Each member is a 110-byte ASCII-hex header, the
 * NUL-terminated name padded to 4 bytes, then the data padded to 4 bytes; the
 * archive ends with a "TRAILER!!!" member and is padded to 512 bytes like
 * GNU cpio's output blocks.
 *
 * This module only encodes: the caller decides names, inode numbers, times and
 * which hard link carries the data (see src/initrd/tree-to-cpio.ts).
 */
import { type ByteSource, iterateBytes } from '../bytes.js';
import { DistrokitError } from '../errors.js';

export type CpioFormat = 'newc' | 'crc';

export interface CpioEntry {
  /** Member name as stored, e.g. "bin/sh" (no leading "/", no trailing NUL). */
  name: string;
  /** Full st_mode: type bits (S_IFREG…) and permission bits. */
  mode: number;
  ino: number;
  uid: number;
  gid: number;
  nlink: number;
  /** Seconds since the epoch; the field is unsigned 32-bit. */
  mtime: number;
  devMajor?: number;
  devMinor?: number;
  rdevMajor?: number;
  rdevMinor?: number;
  /** Number of data bytes that `data` yields (0 for directories, earlier hard links, devices). */
  size: number;
  /** The data: file content, or a symlink's target bytes. */
  data?: ByteSource;
}

export interface CpioWriteOptions {
  format?: CpioFormat;
  /**
   * Align the data of files larger than this many bytes to a multiple of it
   * in the archive by padding the name with NULs, as the kernel's
   * `gen_init_cpio -a` does (lets the kernel or a filesystem reuse pages).
   * Must be a power of two multiple of 4; 0 = off.
   */
  alignData?: number;
  /** Pad the end to a multiple of this many bytes (GNU cpio: 512). */
  blockSize?: number;
  /** Input label for error messages. */
  file?: string;
}

export const CPIO_HEADER_SIZE = 110;
export const CPIO_TRAILER_NAME = 'TRAILER!!!';
/** Largest value an 8-hex-digit field holds: files must be smaller than 4 GiB. */
export const CPIO_FIELD_MAX = 0xffffffff;

const encoder = new TextEncoder();

function padTo4(n: number): number {
  return (4 - (n & 3)) & 3;
}

function hex8(value: number, field: string, entry: string, file?: string): string {
  if (!Number.isInteger(value) || value < 0 || value > CPIO_FIELD_MAX) {
    throw new DistrokitError('CPIO_FIELD_OVERFLOW', `${field} ${value} does not fit the 32-bit cpio field`, {
      file,
      entry,
      field,
      value,
    });
  }
  return value.toString(16).toUpperCase().padStart(8, '0');
}

/** The header, name and name padding of one member; `extraNameNuls` implements data alignment. */
export function encodeCpioHeader(
  entry: CpioEntry,
  format: CpioFormat,
  checksum: number,
  offset: number,
  alignData: number,
  file?: string,
): Uint8Array {
  const nameBytes = encoder.encode(entry.name);
  if (nameBytes.includes(0)) {
    throw new DistrokitError('CPIO_BAD_NAME', 'member name contains a NUL byte', { file, entry: entry.name });
  }
  if (entry.size > CPIO_FIELD_MAX) {
    throw new DistrokitError(
      'CPIO_FILE_TOO_LARGE',
      `${entry.size} bytes do not fit newc's 32-bit size field (files must be under 4 GiB)`,
      { file, entry: entry.name, size: entry.size },
    );
  }
  let nameSize = nameBytes.length + 1;
  if (alignData > 0 && entry.size > alignData) {
    // Grow the name field with NULs until the data starts on an aligned offset.
    const dataStart = offset + CPIO_HEADER_SIZE + nameSize;
    const rem = dataStart % alignData;
    if (rem !== 0) nameSize += alignData - rem;
  }
  const fields = [
    entry.ino,
    entry.mode,
    entry.uid,
    entry.gid,
    entry.nlink,
    entry.mtime,
    entry.size,
    entry.devMajor ?? 0,
    entry.devMinor ?? 0,
    entry.rdevMajor ?? 0,
    entry.rdevMinor ?? 0,
    nameSize,
    format === 'crc' ? checksum : 0,
  ];
  const names = ['ino', 'mode', 'uid', 'gid', 'nlink', 'mtime', 'filesize', 'devmajor', 'devminor', 'rdevmajor', 'rdevminor', 'namesize', 'check'];
  let text = format === 'crc' ? '070702' : '070701';
  for (let i = 0; i < fields.length; i++) text += hex8(fields[i]!, names[i]!, entry.name, file);
  const total = CPIO_HEADER_SIZE + nameSize;
  const out = new Uint8Array(total + padTo4(offset + total));
  encoder.encodeInto(text, out);
  out.set(nameBytes, CPIO_HEADER_SIZE);
  return out;
}

/** The "crc" format's check field: the 32-bit sum of all data bytes. */
export function cpioChecksum(data: Uint8Array, initial = 0): number {
  let sum = initial;
  for (let i = 0; i < data.length; i++) sum = (sum + data[i]!) >>> 0;
  return sum;
}

async function collectData(entry: CpioEntry, file?: string): Promise<Uint8Array[]> {
  const parts: Uint8Array[] = [];
  let total = 0;
  if (entry.data !== undefined) {
    for await (const chunk of iterateBytes(entry.data)) {
      parts.push(chunk);
      total += chunk.length;
    }
  }
  if (total !== entry.size) {
    throw new DistrokitError('CPIO_SIZE_MISMATCH', `data source yielded ${total} bytes, expected ${entry.size}`, {
      file,
      entry: entry.name,
    });
  }
  return parts;
}

/**
 * Encodes members into a cpio archive. Data streams through unless the crc
 * format needs the checksum before the header (then one member is buffered).
 */
export async function* writeCpio(
  entries: AsyncIterable<CpioEntry> | Iterable<CpioEntry>,
  options: CpioWriteOptions = {},
): AsyncGenerator<Uint8Array> {
  const format = options.format ?? 'newc';
  const alignData = options.alignData ?? 0;
  const blockSize = options.blockSize ?? 512;
  const file = options.file;
  if (alignData !== 0 && (alignData < 4 || (alignData & (alignData - 1)) !== 0)) {
    throw new DistrokitError('CPIO_BAD_ALIGNMENT', `data alignment ${alignData} is not a power of two ≥ 4`, { file });
  }
  let offset = 0;
  for await (const entry of entries) {
    if (entry.name === CPIO_TRAILER_NAME) {
      throw new DistrokitError('CPIO_BAD_NAME', `a member may not be named ${CPIO_TRAILER_NAME}`, { file, entry: entry.name });
    }
    if (format === 'crc') {
      const parts = await collectData(entry, file);
      let sum = 0;
      for (const p of parts) sum = cpioChecksum(p, sum);
      const header = encodeCpioHeader(entry, format, sum, offset, alignData, file);
      yield header;
      offset += header.length;
      for (const p of parts) yield p;
    } else {
      const header = encodeCpioHeader(entry, format, 0, offset, alignData, file);
      yield header;
      offset += header.length;
      let total = 0;
      if (entry.data !== undefined) {
        for await (const chunk of iterateBytes(entry.data)) {
          total += chunk.length;
          if (total > entry.size) break;
          yield chunk;
        }
      }
      if (total !== entry.size) {
        throw new DistrokitError('CPIO_SIZE_MISMATCH', `data source yielded ${total > entry.size ? 'more than' : total} bytes, expected ${entry.size}`, {
          file,
          entry: entry.name,
        });
      }
    }
    offset += entry.size;
    const pad = padTo4(offset);
    if (pad) {
      yield new Uint8Array(pad);
      offset += pad;
    }
  }
  const trailer = encodeCpioHeader(
    { name: CPIO_TRAILER_NAME, mode: 0, ino: 0, uid: 0, gid: 0, nlink: 1, mtime: 0, size: 0 },
    format,
    0,
    offset,
    0,
    file,
  );
  yield trailer;
  offset += trailer.length;
  if (blockSize > 0 && offset % blockSize !== 0) yield new Uint8Array(blockSize - (offset % blockSize));
}

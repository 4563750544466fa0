/**
 * The 512-byte tar header block (v7, POSIX ustar, GNU): field decoding,
 * numbers in octal or base-256, and the checksum.
 */
import { DistrokitError } from '../errors.js';
import { decodeCString } from '../entry.js';

export const BLOCK = 512;

export interface RawHeader {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  typeflag: string;
  linkname: string;
  magic: 'ustar' | 'gnu' | 'v7';
  uname: string;
  gname: string;
  devMajor: number;
  devMinor: number;
  /** GNU headers keep atime/ctime where ustar has its prefix. */
  atime?: number;
  ctime?: number;
}

export function isZeroBlock(block: Uint8Array): boolean {
  for (let i = 0; i < BLOCK; i++) if (block[i] !== 0) return false;
  return true;
}

/**
 * A numeric field: octal ASCII (space/NUL padded), or base-256 when the high
 * bit of the first byte is set (GNU/star, for sizes ≥ 8 GiB, negative times,
 * large uids). Values beyond 2^53 are refused rather than rounded.
 */
export function readNumber(bytes: Uint8Array, start: number, length: number, what: string, ctx: { file?: string; offset: number }): number {
  const field = bytes.subarray(start, start + length);
  const first = field[0]!;
  if (first & 0x80) {
    const negative = first === 0xff;
    let value = BigInt(first & (negative ? 0xff : 0x7f));
    for (let i = 1; i < length; i++) value = (value << 8n) | BigInt(field[i]!);
    if (negative) value -= 1n << BigInt(8 * length);
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER))
      throw new DistrokitError('TAR_BAD_NUMBER', `tar ${what} field is out of range`, { file: ctx.file, offset: ctx.offset + start });
    return Number(value);
  }
  let value = 0;
  let i = 0;
  while (i < length && (field[i] === 0x20 || field[i] === 0)) i++;
  let digits = 0;
  for (; i < length; i++) {
    const c = field[i]!;
    if (c === 0 || c === 0x20) break;
    if (c < 0x30 || c > 0x37)
      throw new DistrokitError('TAR_BAD_NUMBER', `tar ${what} field is not octal: '${decodeCString(field)}'`, { file: ctx.file, offset: ctx.offset + start + i });
    value = value * 8 + (c - 0x30);
    digits++;
  }
  for (; i < length; i++) {
    if (field[i] !== 0 && field[i] !== 0x20)
      throw new DistrokitError('TAR_BAD_NUMBER', `tar ${what} field has trailing garbage: '${decodeCString(field)}'`, { file: ctx.file, offset: ctx.offset + start + i });
  }
  return digits === 0 ? 0 : value;
}

/** Checks the header checksum; historic tars summed signed bytes, so both sums are accepted. */
export function checksumMatches(block: Uint8Array, stored: number): boolean {
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return stored === unsigned || stored === signed;
}

export function decodeHeader(block: Uint8Array, ctx: { file?: string; offset: number }): RawHeader {
  const stored = readNumber(block, 148, 8, 'checksum', ctx);
  if (!checksumMatches(block, stored))
    throw new DistrokitError('TAR_BAD_CHECKSUM', 'tar header checksum does not match (not a tar archive, or corrupt; compressed input must be decompressed first)', {
      file: ctx.file,
      offset: ctx.offset,
    });
  const magicBytes = block.subarray(257, 265);
  const magicText = String.fromCharCode(...magicBytes);
  const magic = magicText === 'ustar  \0' ? 'gnu' : magicText.startsWith('ustar') ? 'ustar' : 'v7';
  let name = decodeCString(block.subarray(0, 100));
  if (magic === 'ustar') {
    const prefix = decodeCString(block.subarray(345, 500));
    if (prefix) name = `${prefix}/${name}`;
  }
  const typeByte = block[156]!;
  const header: RawHeader = {
    name,
    mode: readNumber(block, 100, 8, 'mode', ctx),
    uid: readNumber(block, 108, 8, 'uid', ctx),
    gid: readNumber(block, 116, 8, 'gid', ctx),
    size: readNumber(block, 124, 12, 'size', ctx),
    mtime: readNumber(block, 136, 12, 'mtime', ctx),
    typeflag: typeByte === 0 ? '0' : String.fromCharCode(typeByte),
    linkname: decodeCString(block.subarray(157, 257)),
    magic,
    uname: magic === 'v7' ? '' : decodeCString(block.subarray(265, 297)),
    gname: magic === 'v7' ? '' : decodeCString(block.subarray(297, 329)),
    devMajor: magic === 'v7' ? 0 : readNumber(block, 329, 8, 'devmajor', ctx),
    devMinor: magic === 'v7' ? 0 : readNumber(block, 337, 8, 'devminor', ctx),
  };
  if (magic === 'gnu') {
    const atime = readNumber(block, 345, 12, 'atime', ctx);
    const ctime = readNumber(block, 357, 12, 'ctime', ctx);
    if (atime) header.atime = atime;
    if (ctime) header.ctime = ctime;
  }
  return header;
}

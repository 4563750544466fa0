/**
 * POSIX pax extended headers: records "LEN KEY=VALUE\n" where LEN counts the
 * whole record in bytes. Values are UTF-8 except SCHILY.xattr.* values, which
 * are raw bytes, so records are split on bytes before decoding.
 */
import { DistrokitError } from '../errors.js';
import { decodeUtf8, type EntryTime } from '../entry.js';

export interface PaxRecords {
  text: Map<string, string>;
  xattrs: Map<string, Uint8Array>;
}

export function parsePax(data: Uint8Array, ctx: { file?: string; offset: number }): PaxRecords {
  const text = new Map<string, string>();
  const xattrs = new Map<string, Uint8Array>();
  let at = 0;
  while (at < data.byteLength) {
    if (data[at] === 0) break; // some writers pad the record block with NULs
    const space = data.indexOf(0x20, at);
    const bad = (why: string) => new DistrokitError('TAR_BAD_PAX', `pax header: ${why}`, { file: ctx.file, offset: ctx.offset + at });
    if (space < 0 || space - at > 20) throw bad('record without a length');
    const lengthText = decodeUtf8(data.subarray(at, space));
    if (!/^[0-9]+$/.test(lengthText)) throw bad(`record length '${lengthText}' is not a number`);
    const length = Number(lengthText);
    const end = at + length;
    if (length < space - at + 3 || end > data.byteLength || data[end - 1] !== 0x0a) throw bad(`record length ${length} does not match the record`);
    const equals = data.indexOf(0x3d, space + 1);
    if (equals < 0 || equals >= end) throw bad('record without "="');
    const key = decodeUtf8(data.subarray(space + 1, equals));
    const value = data.subarray(equals + 1, end - 1);
    if (key.startsWith('SCHILY.xattr.')) xattrs.set(key.slice('SCHILY.xattr.'.length), new Uint8Array(value));
    else text.set(key, decodeUtf8(value));
    at = end;
  }
  return { text, xattrs };
}

/** A pax time "SEC[.FRACTION]" (may be negative) as seconds + nanoseconds. */
export function parsePaxTime(value: string, ctx: { file?: string; offset: number; key: string }): EntryTime {
  const m = /^(-?)([0-9]+)(?:\.([0-9]*))?$/.exec(value);
  if (!m) throw new DistrokitError('TAR_BAD_PAX', `pax ${ctx.key} '${value}' is not a time`, { file: ctx.file, offset: ctx.offset });
  const whole = Number(m[2]);
  const nsec = Number(((m[3] ?? '') + '000000000').slice(0, 9));
  if (m[1] === '-') return nsec === 0 ? { sec: -whole, nsec: 0 } : { sec: -whole - 1, nsec: 1_000_000_000 - nsec };
  return { sec: whole, nsec };
}

export function parsePaxInteger(value: string, ctx: { file?: string; offset: number; key: string }): number {
  if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(Number(value)))
    throw new DistrokitError('TAR_BAD_PAX', `pax ${ctx.key} '${value}' is not a non-negative integer`, { file: ctx.file, offset: ctx.offset });
  return Number(value);
}

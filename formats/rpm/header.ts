/**
 * The RPM header structure (used for both the signature and the main
 * header): magic 8E AD E8 01, index count, data size, 16-byte index entries
 * (tag, type, offset, count) and the data store. Every offset and count is
 * checked against the store before it is read.
 */
import { dataView } from '../bytes.js';
import { DistrokitError } from '../errors.js';
import { RPM_TYPE } from './tags.js';

export type TagValue =
  | { type: 'null' }
  | { type: 'char' | 'int8' | 'int16' | 'int32'; value: number[] }
  | { type: 'int64'; value: bigint[] }
  | { type: 'string'; value: string }
  | { type: 'bin'; value: Uint8Array }
  | { type: 'string_array' | 'i18nstring'; value: string[] };

export interface RpmHeader {
  /** Tag number → value, in index order. */
  tags: Map<number, TagValue>;
  /** Bytes the header occupies in the file (16-byte intro + index + store). */
  size: number;
}

export const HEADER_MAGIC = [0x8e, 0xad, 0xe8, 0x01];
const MAX_INDEX = 1 << 20;
const MAX_STORE = 256 << 20;

const utf8 = new TextDecoder('utf-8');

/** The index count and store size from a header's 16-byte intro (to know how much to read). */
export function headerIntro(intro: Uint8Array, ctx: { file?: string; offset: number; what: string }): { count: number; storeSize: number; size: number } {
  for (let i = 0; i < 4; i++)
    if (intro[i] !== HEADER_MAGIC[i]) throw new DistrokitError('RPM_BAD_HEADER', `${ctx.what}: bad header magic`, { file: ctx.file, offset: ctx.offset });
  const view = dataView(intro);
  const count = view.getUint32(8);
  const storeSize = view.getUint32(12);
  if (count > MAX_INDEX || storeSize > MAX_STORE)
    throw new DistrokitError('RPM_BAD_HEADER', `${ctx.what}: ${count} index entries / ${storeSize} data bytes is beyond the limits`, { file: ctx.file, offset: ctx.offset });
  return { count, storeSize, size: 16 + count * 16 + storeSize };
}

/** Parses a whole header (intro + index + store). */
export function parseHeader(bytes: Uint8Array, ctx: { file?: string; offset: number; what: string }): RpmHeader {
  const { count, storeSize, size } = headerIntro(bytes, ctx);
  if (bytes.byteLength < size) throw new DistrokitError('RPM_TRUNCATED', `${ctx.what}: header is cut short`, { file: ctx.file, offset: ctx.offset + bytes.byteLength });
  const view = dataView(bytes);
  const storeStart = 16 + count * 16;
  const store = bytes.subarray(storeStart, storeStart + storeSize);
  const storeView = dataView(store);
  const tags = new Map<number, TagValue>();
  for (let i = 0; i < count; i++) {
    const at = 16 + i * 16;
    const tag = view.getUint32(at);
    const type = view.getUint32(at + 4);
    const offset = view.getInt32(at + 8);
    const n = view.getUint32(at + 12);
    const bad = (why: string) =>
      new DistrokitError('RPM_BAD_HEADER', `${ctx.what}: tag ${tag}: ${why}`, { file: ctx.file, offset: ctx.offset + at, tag });
    if (offset < 0 || offset > storeSize) throw bad(`data offset ${offset} outside the ${storeSize}-byte store`);
    const fixed = (width: number): void => {
      if (offset % width !== 0 && width > 1) throw bad(`misaligned ${width}-byte data at ${offset}`);
      if (offset + n * width > storeSize) throw bad(`${n} values of ${width} bytes overrun the store`);
    };
    const strings = (k: number): string[] => {
      const out: string[] = [];
      let p = offset;
      for (let j = 0; j < k; j++) {
        const end = store.indexOf(0, p);
        if (end < 0) throw bad('string runs past the end of the store');
        out.push(utf8.decode(store.subarray(p, end)));
        p = end + 1;
      }
      return out;
    };
    switch (type) {
      case RPM_TYPE.NULL:
        tags.set(tag, { type: 'null' });
        break;
      case RPM_TYPE.CHAR:
      case RPM_TYPE.INT8:
        fixed(1);
        tags.set(tag, { type: type === RPM_TYPE.CHAR ? 'char' : 'int8', value: [...store.subarray(offset, offset + n)] });
        break;
      case RPM_TYPE.INT16:
        fixed(2);
        tags.set(tag, { type: 'int16', value: Array.from({ length: n }, (_, j) => storeView.getUint16(offset + j * 2)) });
        break;
      case RPM_TYPE.INT32:
        fixed(4);
        tags.set(tag, { type: 'int32', value: Array.from({ length: n }, (_, j) => storeView.getUint32(offset + j * 4)) });
        break;
      case RPM_TYPE.INT64:
        fixed(8);
        tags.set(tag, { type: 'int64', value: Array.from({ length: n }, (_, j) => storeView.getBigUint64(offset + j * 8)) });
        break;
      case RPM_TYPE.STRING:
        tags.set(tag, { type: 'string', value: strings(1)[0]! });
        break;
      case RPM_TYPE.BIN:
        if (offset + n > storeSize) throw bad(`${n} bytes overrun the store`);
        tags.set(tag, { type: 'bin', value: new Uint8Array(store.subarray(offset, offset + n)) });
        break;
      case RPM_TYPE.STRING_ARRAY:
      case RPM_TYPE.I18NSTRING:
        if (n > storeSize) throw bad(`${n} strings cannot fit in the store`);
        tags.set(tag, { type: type === RPM_TYPE.I18NSTRING ? 'i18nstring' : 'string_array', value: strings(n) });
        break;
      default:
        throw bad(`unknown data type ${type}`);
    }
  }
  return { tags, size };
}

/** A tag as a string (STRING, or the first of a STRING_ARRAY / I18NSTRING: the C locale). */
export function tagString(h: RpmHeader, tag: number): string | undefined {
  const v = h.tags.get(tag);
  if (!v) return undefined;
  if (v.type === 'string') return v.value;
  if (v.type === 'string_array' || v.type === 'i18nstring') return v.value[0];
  return undefined;
}

export function tagStrings(h: RpmHeader, tag: number): string[] {
  const v = h.tags.get(tag);
  if (!v) return [];
  if (v.type === 'string') return [v.value];
  if (v.type === 'string_array' || v.type === 'i18nstring') return v.value;
  return [];
}

/** A numeric tag's values (int64 values beyond 2^53 are refused, not rounded). */
export function tagNumbers(h: RpmHeader, tag: number): number[] {
  const v = h.tags.get(tag);
  if (!v) return [];
  if (v.type === 'int64')
    return v.value.map((b) => {
      if (b > BigInt(Number.MAX_SAFE_INTEGER)) throw new DistrokitError('RPM_BAD_HEADER', `tag ${tag}: value ${b} is beyond 2^53`, { tag });
      return Number(b);
    });
  if (v.type === 'char' || v.type === 'int8' || v.type === 'int16' || v.type === 'int32') return v.value;
  return [];
}

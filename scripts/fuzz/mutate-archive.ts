/**
 * Header-aware mutations of tar, cpio and ar: they find the member headers and
 * set one numeric or name field to a hostile value, so the input gets past the
 * magic and checksum checks and reaches the field parsers and the tree code.
 */
import type { Rng } from './prng.js';
import { concat, type Mutated } from './mutate-bytes.js';

const enc = new TextEncoder();
const dec = new TextDecoder('latin1');

/** Hostile names and link targets shared by every archive format. */
export const HOSTILE_PATHS = [
  '../escape',
  './a/../../escape',
  '/abs/path',
  '/',
  '.',
  '',
  'a//b/./c',
  'x'.repeat(255),
  `${'d/'.repeat(200)}f`,
  'name\nwith\nnewlines',
  'bad\u00ff\u00feutf8',
  'usr/bin',
  'usr/bin/../../..',
  'nul\u0000inside',
] as const;

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0').slice(-(width - 1));
}

// --- tar -----------------------------------------------------------------------

const TAR_FIELDS = {
  name: [0, 100],
  mode: [100, 8],
  uid: [108, 8],
  gid: [116, 8],
  size: [124, 12],
  mtime: [136, 12],
  typeflag: [156, 1],
  linkname: [157, 100],
  magic: [257, 8],
  uname: [265, 32],
  devmajor: [329, 8],
  devminor: [337, 8],
  prefix: [345, 155],
} as const satisfies Record<string, readonly [number, number]>;

/** Offsets of the 512-byte headers, found by walking the size fields. */
export function tarHeaders(data: Uint8Array): number[] {
  const out: number[] = [];
  for (let at = 0; at + 512 <= data.length && out.length < 10_000; ) {
    if (data.subarray(at, at + 512).every((b) => b === 0)) break;
    out.push(at);
    const size = parseInt(dec.decode(data.subarray(at + 124, at + 136)).replace(/[^0-7]/g, '') || '0', 8);
    if (!Number.isFinite(size)) break;
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

function tarNumericValues(rng: Rng, width: number, data: Uint8Array): Uint8Array {
  const choices: (() => Uint8Array)[] = [
    () => enc.encode(`${'7'.repeat(width - 1)}\0`),
    () => enc.encode(octal(0, width) + '\0'),
    () => enc.encode(octal(data.length * 4, width) + '\0'),
    () => enc.encode(`${rng.range(1, 9999).toString(8)} `.padEnd(width, ' ')),
    () => enc.encode('-1'.padEnd(width, '\0')),
    () => enc.encode('9'.repeat(width)),
    () => enc.encode(' '.repeat(width)),
    () => new Uint8Array(width),
    // base-256: 0x80 then a big-endian value, positive or negative.
    () => Uint8Array.from({ length: width }, (_, i) => (i === 0 ? 0x80 : i === width - 1 ? 0xff : 0x7f)),
    () => new Uint8Array(width).fill(0xff),
  ];
  return rng.pick(choices)();
}

function setTarChecksum(data: Uint8Array, at: number): void {
  data.fill(0x20, at + 148, at + 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += data[at + i]!;
  data.set(enc.encode(`${octal(sum, 7)}\0 `), at + 148);
}

export function mutateTar(rng: Rng, input: Uint8Array): Mutated {
  const headers = tarHeaders(input);
  if (headers.length === 0) return { data: input.slice(), what: 'tar: no header' };
  const data = input.slice();
  const at = rng.pick(headers);
  const choice = rng.int(10);
  let what: string;
  if (choice < 5) {
    const name = rng.pick(Object.keys(TAR_FIELDS)) as keyof typeof TAR_FIELDS;
    const [off, width] = TAR_FIELDS[name];
    let value: Uint8Array;
    if (name === 'typeflag') value = enc.encode(rng.pick(['0', '1', '2', '3', '4', '5', '6', '7', 'x', 'g', 'L', 'K', 'S', 'V', 'M', 'D', '\0', 'Z']));
    else if (name === 'name' || name === 'linkname' || name === 'prefix' || name === 'uname') value = enc.encode(rng.pick(HOSTILE_PATHS)).subarray(0, width);
    else if (name === 'magic') value = enc.encode(rng.pick(['ustar\u000000', 'ustar  \0', 'xxxxx\0\0\0', '\0\0\0\0\0\0\0\0']));
    else value = tarNumericValues(rng, width, input);
    data.fill(0, at + off, at + off + width);
    data.set(value.subarray(0, width), at + off);
    what = `tar header @${at}: ${name} = ${JSON.stringify(dec.decode(value.subarray(0, width)))}`;
  } else if (choice < 7) {
    // A pax record (in an 'x' member's data or a new one) replaced by a hostile one.
    const record = rng.pick(paxRecords(rng));
    return insertPaxHeader(data, at, record);
  } else if (choice < 8) {
    // Duplicate a whole member (same path twice, or a hard link to itself).
    const next = headers[headers.indexOf(at) + 1] ?? at + 512;
    return { data: concat(data.subarray(0, next), data.subarray(at, next), data.subarray(next)), what: `tar: duplicate member @${at}` };
  } else {
    // Raw bytes inside the header, checksum fixed so that the corruption reaches the field parsers.
    const off = rng.int(512);
    data[at + off] = rng.pick([0x00, 0xff, 0x80, 0x7f, 0x2f, 0x2e]);
    what = `tar header @${at}: byte ${off} = 0x${data[at + off]!.toString(16)}`;
  }
  if (rng.chance(0.85)) setTarChecksum(data, at);
  else what += ' (checksum not fixed)';
  return { data, what };
}

function paxRecords(rng: Rng): string[] {
  const record = (kv: string) => {
    let len = kv.length + 3;
    while (`${len} ${kv}\n`.length !== len) len = `${len} ${kv}\n`.length;
    return `${len} ${kv}\n`;
  };
  return [
    record(`path=${rng.pick(HOSTILE_PATHS)}`),
    record(`linkpath=${rng.pick(HOSTILE_PATHS)}`),
    record(`size=${rng.pick(['99999999999999999999', '-1', '1e9', '0x10', '9007199254740993', ''])}`),
    record(`mtime=${rng.pick(['-99999999999.5', '1e308', 'NaN', '1700000000.123456789123', '.'])}`),
    record(`uid=${rng.pick(['-1', '4294967296', 'abc'])}`),
    record(`SCHILY.xattr.user.${'k'.repeat(rng.pick([1, 300]))}=${'v'.repeat(rng.pick([0, 70000]))}`),
    record('GNU.sparse.major=1'),
    record('GNU.sparse.map=0,10,99999999999,1'),
    '999999999 path=x\n',
    '5 a=\n',
    '0 =\n',
    `12 path=x\n`,
    'garbage without length\n',
  ];
}

/** Puts a pax 'x' header carrying `record` in front of the member at `at` (sizes and checksum correct). */
function insertPaxHeader(data: Uint8Array, at: number, record: string): Mutated {
  const body = enc.encode(record);
  const header = new Uint8Array(512);
  header.set(enc.encode('PaxHeaders/fuzz'), 0);
  header.set(enc.encode('0000644\0'), 100);
  header.set(enc.encode(`${octal(body.length, 12)}\0`), 124);
  header.set(enc.encode('00000000000\0'), 136);
  header[156] = 0x78; // 'x'
  header.set(enc.encode('ustar\u000000'), 257);
  setTarChecksum(header, 0);
  const padded = new Uint8Array(Math.ceil(body.length / 512) * 512);
  padded.set(body);
  return {
    data: concat(data.subarray(0, at), header, padded, data.subarray(at)),
    what: `tar: pax header before @${at}: ${JSON.stringify(record.length > 80 ? `${record.slice(0, 80)}…` : record)}`,
  };
}

// --- cpio ------------------------------------------------------------------------

const NEWC_FIELDS = ['ino', 'mode', 'uid', 'gid', 'nlink', 'mtime', 'filesize', 'devmajor', 'devminor', 'rdevmajor', 'rdevminor', 'namesize', 'check'];
const ODC_FIELDS: [string, number, number][] = [
  ['dev', 6, 6],
  ['ino', 12, 6],
  ['mode', 18, 6],
  ['uid', 24, 6],
  ['gid', 30, 6],
  ['nlink', 36, 6],
  ['rdev', 42, 6],
  ['mtime', 48, 11],
  ['namesize', 59, 6],
  ['filesize', 65, 11],
];

function cpioHeaders(data: Uint8Array): { at: number; odc: boolean }[] {
  const out: { at: number; odc: boolean }[] = [];
  for (let at = 0; at + 76 <= data.length && out.length < 10_000; ) {
    const magic = dec.decode(data.subarray(at, at + 6));
    if (magic === '070701' || magic === '070702') {
      const field = (i: number) => parseInt(dec.decode(data.subarray(at + 6 + i * 8, at + 14 + i * 8)), 16);
      const namesize = field(11);
      const filesize = field(6);
      if (!Number.isFinite(namesize) || !Number.isFinite(filesize)) break;
      out.push({ at, odc: false });
      at = Math.ceil((at + 110 + namesize) / 4) * 4;
      at = Math.ceil((at + filesize) / 4) * 4;
    } else if (magic === '070707') {
      const namesize = parseInt(dec.decode(data.subarray(at + 59, at + 65)), 8);
      const filesize = parseInt(dec.decode(data.subarray(at + 65, at + 76)), 8);
      if (!Number.isFinite(namesize) || !Number.isFinite(filesize)) break;
      out.push({ at, odc: true });
      at += 76 + namesize + filesize;
    } else break;
  }
  return out;
}

export function mutateCpio(rng: Rng, input: Uint8Array): Mutated {
  const headers = cpioHeaders(input);
  if (headers.length === 0) return { data: input.slice(), what: 'cpio: no header' };
  const data = input.slice();
  const { at, odc } = rng.pick(headers);
  if (rng.chance(0.2)) {
    // A hostile name of the same length (the name size field stays right).
    const nameAt = at + (odc ? 76 : 110);
    const size = odc ? parseInt(dec.decode(data.subarray(at + 59, at + 65)), 8) : parseInt(dec.decode(data.subarray(at + 94, at + 102)), 16);
    const name = enc.encode(rng.pick(HOSTILE_PATHS)).subarray(0, Math.max(0, size - 1));
    data.fill(0, nameAt, nameAt + size);
    data.set(name, nameAt);
    return { data, what: `cpio @${at}: name = ${JSON.stringify(dec.decode(name))}` };
  }
  if (odc) {
    const [name, off, width] = rng.pick(ODC_FIELDS);
    const value = rng.pick(['7'.repeat(width), '0'.repeat(width), '8'.repeat(width), ' '.repeat(width), octal(input.length * 2, width + 1)]);
    data.set(enc.encode(value), at + off);
    return { data, what: `cpio odc @${at}: ${name} = ${value}` };
  }
  const i = rng.int(NEWC_FIELDS.length);
  const value = rng.pick(['FFFFFFFF', '00000000', '7FFFFFFF', '80000000', 'zzzzzzzz', '0000000g', '-0000001', (input.length * 2).toString(16).padStart(8, '0'), '000041ED', '0000A1FF', '00002000', '00006000', '0000C000']);
  data.set(enc.encode(value), at + 6 + i * 8);
  return { data, what: `cpio newc @${at}: ${NEWC_FIELDS[i]} = ${value}` };
}

// --- ar ----------------------------------------------------------------------------

export interface ArMember {
  name: string;
  header: Uint8Array;
  data: Uint8Array;
}

export function parseAr(data: Uint8Array): ArMember[] | undefined {
  if (dec.decode(data.subarray(0, 8)) !== '!<arch>\n') return undefined;
  const members: ArMember[] = [];
  for (let at = 8; at + 60 <= data.length; ) {
    const header = data.slice(at, at + 60);
    const size = Number(dec.decode(header.subarray(48, 58)).trim());
    if (!Number.isInteger(size) || size < 0) return undefined;
    members.push({ name: dec.decode(header.subarray(0, 16)).trim(), header, data: data.slice(at + 60, at + 60 + size) });
    at += 60 + size + (size % 2);
  }
  return members;
}

/** Re-serialises members, fixing each header's size field (unless told to keep it). */
export function writeAr(members: ArMember[], fixSizes = true): Uint8Array {
  const parts: Uint8Array[] = [enc.encode('!<arch>\n')];
  for (const m of members) {
    const header = m.header.slice();
    if (fixSizes) header.set(enc.encode(String(m.data.length).padEnd(10, ' ')), 48);
    parts.push(header, m.data);
    if (m.data.length % 2) parts.push(enc.encode('\n'));
  }
  return concat(...parts);
}

const AR_FIELDS: [string, number, number][] = [
  ['name', 0, 16],
  ['mtime', 16, 12],
  ['uid', 28, 6],
  ['gid', 34, 6],
  ['mode', 40, 8],
  ['size', 48, 10],
  ['fmag', 58, 2],
];

export function mutateAr(rng: Rng, input: Uint8Array): Mutated {
  const members = parseAr(input);
  if (!members || members.length === 0) return { data: input.slice(), what: 'ar: not parsed' };
  const i = rng.int(members.length);
  const m = members[i]!;
  const op = rng.int(4);
  if (op === 0) {
    members.splice(i, 1);
    return { data: writeAr(members), what: `ar: delete member ${i} (${m.name})` };
  }
  if (op === 1) {
    members.splice(i, 0, { ...m });
    return { data: writeAr(members), what: `ar: duplicate member ${i} (${m.name})` };
  }
  if (op === 2 && members.length > 1) {
    const j = (i + 1) % members.length;
    [members[i], members[j]] = [members[j]!, members[i]!];
    return { data: writeAr(members), what: `ar: swap members ${i} and ${j}` };
  }
  const [name, off, width] = rng.pick(AR_FIELDS);
  const value = rng.pick(['9'.repeat(width), '-1', '', 'x'.repeat(width), '0', ' '.repeat(width), '/', '//', 'data.tar.xz/', `#1/${width}`]);
  m.header.fill(0x20, off, off + width);
  m.header.set(enc.encode(value).subarray(0, width), off);
  return { data: writeAr(members, name !== 'size'), what: `ar member ${i}: ${name} = ${JSON.stringify(value)}` };
}

/**
 * ELF file and section/program header tables (ELF32 and ELF64, either byte
 * order). Reads through a random-access `ElfInput` so that a caller can
 * fetch only the headers and the sections it needs from a large file.
 */
import { DistrokitError, type ErrorCode } from '../errors.js';

/** Random access to the file's bytes: must return exactly `length` bytes or throw. */
export interface ElfInput {
  size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
  file?: string;
}

export interface ElfHeader {
  class: 32 | 64;
  littleEndian: boolean;
  osabi: number;
  type: number;
  machine: number;
  entry: bigint;
  phoff: number;
  shoff: number;
  flags: number;
  phentsize: number;
  phnum: number;
  shentsize: number;
  shnum: number;
  shstrndx: number;
}

export interface SectionHeader {
  index: number;
  name: string;
  type: number;
  flags: bigint;
  addr: bigint;
  offset: number;
  size: number;
  link: number;
  entsize: number;
}

export interface ProgramHeader {
  type: number;
  flags: number;
  offset: number;
  vaddr: bigint;
  filesz: number;
  memsz: number;
}

export const PT_LOAD = 1;
export const PT_DYNAMIC = 2;
export const PT_INTERP = 3;
export const SHT_NOBITS = 8;
export const ET_REL = 1;
export const ET_EXEC = 2;
export const ET_DYN = 3;

export function elfError(code: ErrorCode, message: string, input: ElfInput, offset?: number): DistrokitError {
  return new DistrokitError(code, message, { file: input.file, offset });
}

export async function readRange(input: ElfInput, offset: number, length: number, what: string): Promise<Uint8Array> {
  if (offset < 0 || length < 0 || offset + length > input.size) {
    throw elfError('ELF_TRUNCATED', `${what} (${length} bytes at ${offset}) lies beyond the end of the ${input.size}-byte file`, input, offset);
  }
  return input.read(offset, length);
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** Converts a 64-bit offset/size to a number, refusing values no file can have. */
function safe(v: bigint, what: string, input: ElfInput, at: number): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw elfError('ELF_BAD_HEADER', `${what} ${v} is out of range`, input, at);
  return Number(v);
}

export async function readElfHeader(input: ElfInput): Promise<ElfHeader> {
  if (input.size < 16) throw elfError('ELF_TRUNCATED', 'file is shorter than an ELF identification', input, 0);
  const ident = await input.read(0, 16);
  if (ident[0] !== 0x7f || ident[1] !== 0x45 || ident[2] !== 0x4c || ident[3] !== 0x46) {
    throw elfError('ELF_BAD_MAGIC', 'not an ELF file (no \\x7fELF magic)', input, 0);
  }
  const cls = ident[4];
  const data = ident[5];
  if (cls !== 1 && cls !== 2) throw elfError('ELF_BAD_HEADER', `unknown ELF class ${cls}`, input, 4);
  if (data !== 1 && data !== 2) throw elfError('ELF_BAD_HEADER', `unknown ELF data encoding ${data}`, input, 5);
  const is64 = cls === 2;
  const le = data === 1;
  const b = view(await readRange(input, 0, is64 ? 64 : 52, 'ELF header'));
  const u16 = (o: number) => b.getUint16(o, le);
  const u32 = (o: number) => b.getUint32(o, le);
  const u64 = (o: number) => b.getBigUint64(o, le);
  const header: ElfHeader = is64
    ? {
        class: 64, littleEndian: le, osabi: ident[7]!, type: u16(16), machine: u16(18), entry: u64(24),
        phoff: safe(u64(32), 'e_phoff', input, 32), shoff: safe(u64(40), 'e_shoff', input, 40), flags: u32(48),
        phentsize: u16(54), phnum: u16(56), shentsize: u16(58), shnum: u16(60), shstrndx: u16(62),
      }
    : {
        class: 32, littleEndian: le, osabi: ident[7]!, type: u16(16), machine: u16(18), entry: BigInt(u32(24)),
        phoff: u32(28), shoff: u32(32), flags: u32(36),
        phentsize: u16(42), phnum: u16(44), shentsize: u16(46), shnum: u16(48), shstrndx: u16(50),
      };
  const minSh = is64 ? 64 : 40;
  const minPh = is64 ? 56 : 32;
  if (header.shnum > 0 && header.shentsize < minSh) throw elfError('ELF_BAD_HEADER', `e_shentsize ${header.shentsize} is too small`, input, is64 ? 58 : 46);
  if (header.phnum > 0 && header.phentsize < minPh) throw elfError('ELF_BAD_HEADER', `e_phentsize ${header.phentsize} is too small`, input, is64 ? 54 : 42);
  return header;
}

export async function readSectionHeaders(input: ElfInput, h: ElfHeader): Promise<SectionHeader[]> {
  if (h.shnum === 0) return [];
  const table = view(await readRange(input, h.shoff, h.shnum * h.shentsize, 'section header table'));
  const le = h.littleEndian;
  const raw = [];
  for (let i = 0; i < h.shnum; i++) {
    const o = i * h.shentsize;
    const at = h.shoff + o;
    raw.push(
      h.class === 64
        ? {
            nameOff: table.getUint32(o, le), type: table.getUint32(o + 4, le), flags: table.getBigUint64(o + 8, le),
            addr: table.getBigUint64(o + 16, le), offset: safe(table.getBigUint64(o + 24, le), 'sh_offset', input, at),
            size: safe(table.getBigUint64(o + 32, le), 'sh_size', input, at), link: table.getUint32(o + 40, le),
            entsize: safe(table.getBigUint64(o + 56, le), 'sh_entsize', input, at),
          }
        : {
            nameOff: table.getUint32(o, le), type: table.getUint32(o + 4, le), flags: BigInt(table.getUint32(o + 8, le)),
            addr: BigInt(table.getUint32(o + 12, le)), offset: table.getUint32(o + 16, le), size: table.getUint32(o + 20, le),
            link: table.getUint32(o + 24, le), entsize: table.getUint32(o + 36, le),
          },
    );
  }
  let names: Uint8Array | undefined;
  if (h.shstrndx !== 0) {
    const strtab = raw[h.shstrndx];
    if (!strtab) throw elfError('ELF_BAD_HEADER', `e_shstrndx ${h.shstrndx} names no section`, input);
    names = await readRange(input, strtab.offset, strtab.size, 'section name table');
  }
  return raw.map((s, index) => ({
    index, name: names ? cString(names, s.nameOff, input) : '', type: s.type, flags: s.flags, addr: s.addr,
    offset: s.offset, size: s.size, link: s.link, entsize: s.entsize,
  }));
}

export async function readProgramHeaders(input: ElfInput, h: ElfHeader): Promise<ProgramHeader[]> {
  if (h.phnum === 0) return [];
  const table = view(await readRange(input, h.phoff, h.phnum * h.phentsize, 'program header table'));
  const le = h.littleEndian;
  const out: ProgramHeader[] = [];
  for (let i = 0; i < h.phnum; i++) {
    const o = i * h.phentsize;
    const at = h.phoff + o;
    out.push(
      h.class === 64
        ? {
            type: table.getUint32(o, le), flags: table.getUint32(o + 4, le),
            offset: safe(table.getBigUint64(o + 8, le), 'p_offset', input, at), vaddr: table.getBigUint64(o + 16, le),
            filesz: safe(table.getBigUint64(o + 32, le), 'p_filesz', input, at), memsz: safe(table.getBigUint64(o + 40, le), 'p_memsz', input, at),
          }
        : {
            type: table.getUint32(o, le), offset: table.getUint32(o + 4, le), vaddr: BigInt(table.getUint32(o + 8, le)),
            filesz: table.getUint32(o + 16, le), memsz: table.getUint32(o + 20, le), flags: table.getUint32(o + 24, le),
          },
    );
  }
  return out;
}

const latin = new TextDecoder('utf-8');

/** The NUL-terminated string at `offset` of a string table. */
export function cString(table: Uint8Array, offset: number, input: ElfInput): string {
  if (offset >= table.length) {
    if (offset === 0 && table.length === 0) return '';
    throw elfError('ELF_BAD_STRING', `string offset ${offset} is outside its ${table.length}-byte table`, input);
  }
  let end = table.indexOf(0, offset);
  if (end < 0) end = table.length;
  return latin.decode(table.subarray(offset, end));
}

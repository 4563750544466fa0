/**
 * What a dynamic linker needs from an executable or library: PT_INTERP and
 * the dynamic section's DT_NEEDED, DT_RPATH, DT_RUNPATH and DT_SONAME, with
 * strings resolved through DT_STRTAB (mapped to a file offset by PT_LOAD).
 */
import {
  type ElfHeader,
  type ElfInput,
  type ProgramHeader,
  PT_DYNAMIC,
  PT_INTERP,
  PT_LOAD,
  cString,
  elfError,
  readElfHeader,
  readProgramHeaders,
  readRange,
} from './header.js';

export const DT_NULL = 0;
export const DT_NEEDED = 1;
export const DT_STRTAB = 5;
export const DT_STRSZ = 10;
export const DT_SONAME = 14;
export const DT_RPATH = 15;
export const DT_RUNPATH = 29;

export interface DynamicInfo {
  header: ElfHeader;
  /** The program interpreter (e.g. /lib64/ld-linux-x86-64.so.2), if any. */
  interpreter?: string;
  needed: string[];
  rpath: string[];
  runpath: string[];
  soname?: string;
  /** True when the file has a dynamic section (a dynamically linked program or a shared library). */
  dynamic: boolean;
}

function vaddrToOffset(phs: ProgramHeader[], vaddr: bigint, input: ElfInput): number {
  for (const ph of phs) {
    if (ph.type === PT_LOAD && vaddr >= ph.vaddr && vaddr < ph.vaddr + BigInt(ph.filesz)) {
      return ph.offset + Number(vaddr - ph.vaddr);
    }
  }
  throw elfError('ELF_BAD_DYNAMIC', `address 0x${vaddr.toString(16)} is in no loadable segment`, input);
}

export async function readDynamicInfo(input: ElfInput): Promise<DynamicInfo> {
  const header = await readElfHeader(input);
  const phs = await readProgramHeaders(input, header);
  const info: DynamicInfo = { header, needed: [], rpath: [], runpath: [], dynamic: false };
  const interp = phs.find((p) => p.type === PT_INTERP);
  if (interp) {
    const bytes = await readRange(input, interp.offset, interp.filesz, 'PT_INTERP');
    info.interpreter = cString(bytes, 0, input);
  }
  const dyn = phs.find((p) => p.type === PT_DYNAMIC);
  if (!dyn) return info;
  info.dynamic = true;
  const le = header.littleEndian;
  const size = header.class === 64 ? 16 : 8;
  const raw = await readRange(input, dyn.offset, dyn.filesz, 'dynamic section');
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const entries: Array<[number, bigint]> = [];
  for (let o = 0; o + size <= raw.length; o += size) {
    const tag = header.class === 64 ? Number(v.getBigInt64(o, le)) : v.getInt32(o, le);
    const val = header.class === 64 ? v.getBigUint64(o + 8, le) : BigInt(v.getUint32(o + 4, le));
    if (tag === DT_NULL) break;
    entries.push([tag, val]);
  }
  const strtabAddr = entries.find(([t]) => t === DT_STRTAB)?.[1];
  const strsz = entries.find(([t]) => t === DT_STRSZ)?.[1];
  if (strtabAddr === undefined || strsz === undefined) {
    throw elfError('ELF_BAD_DYNAMIC', 'dynamic section has no DT_STRTAB/DT_STRSZ', input, dyn.offset);
  }
  const strtab = await readRange(input, vaddrToOffset(phs, strtabAddr, input), Number(strsz), 'dynamic string table');
  const str = (val: bigint) => cString(strtab, Number(val), input);
  for (const [tag, val] of entries) {
    if (tag === DT_NEEDED) info.needed.push(str(val));
    else if (tag === DT_RPATH) info.rpath.push(...str(val).split(':').filter(Boolean));
    else if (tag === DT_RUNPATH) info.runpath.push(...str(val).split(':').filter(Boolean));
    else if (tag === DT_SONAME) info.soname = str(val);
  }
  return info;
}

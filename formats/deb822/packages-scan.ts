/**
 * The WebAssembly Packages scanner (assembly/packages-scan.ts) behind a
 * small streaming API: append decompressed bytes, take the whole stanzas
 * found so far as columns of offsets (or a range the scan does not vouch for,
 * to be parsed generically). The scanner keeps every byte appended, so a
 * stanza's text can be read back later by offset; offsets are byte offsets
 * into the decompressed data.
 *
 * Why WebAssembly: a closure from the 50 MB bookworm index reads every byte
 * once to find 63,000 stanzas and check the layout. In JavaScript that scan
 * took about twice as long as zlib's inflate of the same data; here it is a
 * fifth of it, so the read is bound by inflate (see docs/deb.md).
 */
import { checkNativeArch, MAX_ARCH_LENGTH } from './arch.js';
import { ChunkedBytes } from './chunked-bytes.js';
import { PACKAGES_SCAN_WASM_BASE64 } from './packages-scan-wasm.js';

/** Columns per stanza, and their order. */
export const SCAN_COLUMNS = 13;
export const SCAN_COL = {
  START: 0,
  END: 1,
  /** -1 when the scan does not vouch for the stanza (parse it generically). */
  NAME_AT: 2,
  NAME_END: 3,
  VERSION_AT: 4,
  VERSION_END: 5,
  ARCH_AT: 6,
  ARCH_END: 7,
  /** -1 without a Provides field. */
  PROVIDES_AT: 8,
  PROVIDES_END: 9,
  /** 1: the scanner's native architecture, 2: all, 0: another. */
  ARCH_KIND: 10,
  /** nameHash of the name, as an int32. */
  NAME_HASH: 11,
  /** 1 if the Provides value is in the simple form, and its provided names are in the piece's `provides`. */
  PROVIDES_SIMPLE: 12,
} as const;

/**
 * FNV-1a (32 bits, as an int32) of a name's character codes: for an ASCII
 * name, the NAME_HASH column the scan computes from its bytes.
 */
export function nameHash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h | 0;
}

export type PackagesScanPiece =
  /**
   * Whole stanzas: columns, SCAN_COLUMNS per stanza, and (stanza, nameHash)
   * pairs for the names each simple Provides value provides.
   */
  | { kind: 'stanzas'; start: number; end: number; columns: Int32Array; provides: Int32Array }
  /** A range with a line outside the common layout (at `unusual`): parse [start, end) generically. */
  | { kind: 'unusual'; start: number; end: number; unusual: number };

interface Exports {
  scan(results: number, base: number, pos: number, limit: number, fresh: number, final: number, cols: number, capacity: number, provides: number, providesCap: number, arch: number, archLen: number): number;
}

/** The scan's results block: next, start, end, unusual, provided, complete (see the kernel's `report`). */
const NEXT = 0;
const START = 1;
const END = 2;
const UNUSUAL = 3;
const PROVIDED = 4;
const COMPLETE = 5;

const PAGE = 65536;
const RESULTS_AT = 0;
const ARCH_AT = 64;
const ARCH_MAX = MAX_ARCH_LENGTH;
/** Stanzas per scan call; a piece with more is taken in several calls. */
const CAPACITY = 16384;
const COLS_AT = ARCH_AT + ARCH_MAX;
const PROVIDES_AT = COLS_AT + CAPACITY * SCAN_COLUMNS * 4;
/** Provided names per scan call. */
const PROVIDES_CAP = 4 * CAPACITY;
const DATA_AT = PROVIDES_AT + PROVIDES_CAP * 8;
/** Readable bytes the kernel may load past the data (16-byte vector loads). */
const SLACK = 64;

let compiled: WebAssembly.Module | undefined;

/**
 * The compiled kernel. Unlike the vendored liblzma, its digest is not checked
 * here: it is our own build, and the tests check that the committed module is
 * what its source compiles to (loading node:crypto for the check cost 5–9 ms,
 * 2% of a closure).
 */
function module(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(Buffer.from(PACKAGES_SCAN_WASM_BASE64, 'base64'));
  return compiled;
}

/**
 * Scans Packages data as it arrives. The bytes are kept as the chunks given
 * (ChunkedBytes), and each chunk is copied into a small scratch area of the
 * WebAssembly memory, after the incomplete stanza the previous chunk ended
 * with: the same few megabytes of memory are used over and over, instead of
 * 50 MB of fresh memory (a page fault per 4 KiB) for a whole index.
 */
export class PackagesScanner {
  private readonly memory: WebAssembly.Memory;
  private readonly wasm: Exports;
  private view: Buffer;
  private readonly archLength: number;
  private readonly store = new ChunkedBytes();
  /** Offset in the data of the scratch area's first byte, and the bytes it holds. */
  private scratchAt = 0;
  private held = 0;
  /** In the scratch area: where the next scan starts, and where bytes no scan has searched for a blank line begin. */
  private pos = 0;
  private fresh = 0;

  /** `arch`: the native architecture the ARCH_KIND column compares with. */
  constructor(readonly arch = 'amd64') {
    checkNativeArch(arch);
    this.memory = new WebAssembly.Memory({ initial: Math.ceil((DATA_AT + (1 << 20)) / PAGE) });
    this.wasm = new WebAssembly.Instance(module(), { env: { memory: this.memory } }).exports as unknown as Exports;
    this.view = Buffer.from(this.memory.buffer);
    this.archLength = this.view.write(arch, ARCH_AT, 'latin1');
  }

  /**
   * Appends data. An `owned` chunk is kept as it is (the caller will not
   * change it); any other is copied first.
   */
  append(bytes: Uint8Array, owned = false): void {
    this.store.push(owned ? bytes : bytes.slice());
    const need = DATA_AT + this.held + bytes.byteLength + SLACK;
    if (need > this.view.byteLength) {
      this.memory.grow(Math.ceil((need - this.view.byteLength) / PAGE));
      this.view = Buffer.from(this.memory.buffer);
    }
    this.view.set(bytes, DATA_AT + this.held);
    this.held += bytes.byteLength;
  }

  /** The whole stanzas appended since the last take (with `final`, everything left). */
  take(final: boolean): PackagesScanPiece[] {
    const out: PackagesScanPiece[] = [];
    const w = this.wasm;
    const limit = DATA_AT + this.held;
    // The kernel may read a little past the data: zeros there match no field name.
    this.view.fill(0, limit, limit + SLACK);
    // Scratch address a ↔ data offset a - base.
    const base = DATA_AT - this.scratchAt;
    for (;;) {
      const n = w.scan(RESULTS_AT, base, DATA_AT + this.pos, limit, DATA_AT + this.fresh, final ? 1 : 0, COLS_AT, CAPACITY, PROVIDES_AT, PROVIDES_CAP, ARCH_AT, this.archLength);
      const r = new Int32Array(this.memory.buffer, RESULTS_AT, 6);
      if (n === -2) break;
      this.pos = r[NEXT]! - DATA_AT;
      const start = r[START]! - base;
      const end = r[END]! - base;
      if (n === -1) {
        out.push({ kind: 'unusual', start, end, unusual: r[UNUSUAL]! - base });
        break;
      }
      if (n > 0) {
        const columns = new Int32Array(this.memory.buffer, COLS_AT, n * SCAN_COLUMNS).slice();
        const provides = new Int32Array(this.memory.buffer, PROVIDES_AT, r[PROVIDED]! * 2).slice();
        out.push({ kind: 'stanzas', start, end: columns[(n - 1) * SCAN_COLUMNS + SCAN_COL.END]!, columns, provides });
      }
      if (r[COMPLETE]) break;
    }
    // Keep only what is not scanned yet (an incomplete stanza) at the start of the scratch area.
    this.fresh = this.held;
    if (this.pos > 0) {
      this.view.copyWithin(DATA_AT, DATA_AT + this.pos, DATA_AT + this.held);
      this.scratchAt += this.pos;
      this.held -= this.pos;
      this.fresh -= this.pos;
      this.pos = 0;
    }
    return out;
  }

  /** A copy of the bytes [from, to) of the data. */
  bytes(from: number, to: number): Uint8Array {
    return this.store.bytes(from, to);
  }

  /** The bytes [from, to) as a Latin-1 string (one character per byte). */
  latin1(from: number, to: number): string {
    return this.store.latin1(from, to);
  }

  /** The 1-based line number of the byte at `offset`. */
  lineAt(offset: number): number {
    return this.store.lineAt(offset);
  }
}

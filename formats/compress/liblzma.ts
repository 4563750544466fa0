/**
 * A minimal binding to liblzma compiled to WebAssembly (formats/compress/liblzma-wasm.ts,
 * liblzma 5.8.4): the .xz stream decoder and the easy (preset) encoder. One instance per
 * thread, created on first use; every stream owns its lzma_stream and buffers inside that
 * instance's memory, and all calls are synchronous, so any number can be open at once.
 */
import { createHash } from 'node:crypto';
import { LIBLZMA_WASM_BASE64, LIBLZMA_WASM_SHA256 } from './liblzma-wasm.js';

/** lzma_ret values (lzma/base.h). */
export const LZMA = {
  OK: 0,
  STREAM_END: 1,
  UNSUPPORTED_CHECK: 3,
  MEM_ERROR: 5,
  MEMLIMIT_ERROR: 6,
  FORMAT_ERROR: 7,
  OPTIONS_ERROR: 8,
  DATA_ERROR: 9,
  BUF_ERROR: 10,
  PROG_ERROR: 11,
} as const;

const LZMA_RUN = 0;
const LZMA_FINISH = 3;
/** Flags: report a check type this build cannot verify (never skip it silently); accept concatenated streams like xz(1). */
const LZMA_TELL_UNSUPPORTED_CHECK = 0x02;
const LZMA_CONCATENATED = 0x08;

/** lzma_stream on wasm32: next_in@0 avail_in@4 total_in@8 (u64) next_out@16 avail_out@20 total_out@24 (u64) … 96 bytes. */
const STREAM_SIZE = 96;
const MAX_MEMORY = 2 ** 31; // the build's pointers are signed 32-bit

/**
 * The instance's exports, named. The build minifies them to letters; this mapping is read
 * from node-liblzma 5.1.3's lib/wasm/liblzma.js (`_lzma_code=Y.f`, `_malloc=Y.s`, …) and holds
 * only for the binary pinned by LIBLZMA_WASM_SHA256, which load() checks first.
 */
interface Exports {
  memory: WebAssembly.Memory;
  init: () => void;
  code: (strm: number, action: number) => number;
  end: (strm: number) => void;
  streamDecoder: (strm: number, memlimit: bigint, flags: number) => number;
  easyEncoder: (strm: number, preset: number, check: number) => number;
  malloc: (size: number) => number;
  free: (ptr: number) => void;
}

let instance: Exports | undefined;

function load(): Exports {
  const bytes = Buffer.from(LIBLZMA_WASM_BASE64, 'base64');
  const digest = createHash('sha256').update(bytes).digest('hex');
  if (digest !== LIBLZMA_WASM_SHA256) throw new Error(`liblzma.wasm digest ${digest} is not the pinned ${LIBLZMA_WASM_SHA256}`);
  let memory: WebAssembly.Memory | undefined;
  // The only import is emscripten_resize_heap: malloc asks for `requested` bytes of memory in total.
  const resizeHeap = (requestedSigned: number): number => {
    const requested = requestedSigned >>> 0;
    const grow = Math.ceil((requested - memory!.buffer.byteLength) / 65536);
    if (requested > MAX_MEMORY) return 0;
    try {
      if (grow > 0) memory!.grow(grow);
      return 1;
    } catch {
      return 0; // malloc then fails and liblzma reports LZMA_MEM_ERROR
    }
  };
  const raw = new WebAssembly.Instance(new WebAssembly.Module(bytes), { a: { a: resizeHeap } }).exports as Record<string, unknown>;
  memory = raw.b as WebAssembly.Memory;
  const e = { memory, init: raw.c, code: raw.f, end: raw.g, streamDecoder: raw.r, easyEncoder: raw.m, malloc: raw.s, free: raw.t } as Exports;
  e.init();
  return e;
}

/** lzma_check values (lzma/check.h). */
export const LZMA_CHECK = { NONE: 0, CRC32: 1, CRC64: 4, SHA256: 10 } as const;

/** How a stream is set up on its fresh lzma_stream: returns an lzma_ret. */
type StreamInit = (x: Exports, strm: number) => number;

/**
 * One liblzma coder on its own lzma_stream: feed input, take output, release with close().
 * Use the subclasses: LzmaDecoder (.xz → bytes) and LzmaEncoder (bytes → .xz).
 */
export class LzmaStream {
  private readonly x: Exports;
  private readonly strm: number;
  private readonly inPtr: number;
  private readonly outPtr: number;
  private closed = false;

  constructor(
    private readonly inSize: number,
    private readonly outSize: number,
    init: StreamInit,
  ) {
    this.x = instance ??= load();
    this.strm = this.x.malloc(STREAM_SIZE);
    this.inPtr = this.x.malloc(inSize);
    this.outPtr = this.x.malloc(outSize);
    if (this.strm === 0 || this.inPtr === 0 || this.outPtr === 0) {
      this.freeBuffers();
      throw new LzmaError(LZMA.MEM_ERROR, 0);
    }
    new Uint8Array(this.x.memory.buffer, this.strm, STREAM_SIZE).fill(0); // LZMA_STREAM_INIT
    const ret = init(this.x, this.strm);
    if (ret !== LZMA.OK) {
      this.close();
      throw new LzmaError(ret, 0);
    }
  }

  private u32(): Uint32Array {
    // A fresh view each time: memory.grow() detaches the previous buffer.
    return new Uint32Array(this.x.memory.buffer);
  }

  /** True when the last input given has been consumed. */
  get needsInput(): boolean {
    return this.u32()[(this.strm + 4) >> 2] === 0;
  }

  /** Compressed bytes consumed so far. */
  get totalIn(): number {
    const m = this.u32();
    return m[(this.strm + 8) >> 2]! + m[(this.strm + 12) >> 2]! * 2 ** 32;
  }

  /** Copies up to inSize bytes of `input` in; returns how many were taken. Only when needsInput. */
  setInput(input: Uint8Array): number {
    const n = Math.min(input.byteLength, this.inSize);
    new Uint8Array(this.x.memory.buffer, this.inPtr, n).set(input.subarray(0, n));
    const m = this.u32();
    m[this.strm >> 2] = this.inPtr;
    m[(this.strm + 4) >> 2] = n;
    return n;
  }

  /**
   * Runs the coder once into an empty output buffer. `finish`: no more input will come.
   * Returns the lzma_ret and a copy of the bytes produced (possibly empty).
   */
  step(finish: boolean): { ret: number; output: Uint8Array } {
    let m = this.u32();
    m[(this.strm + 16) >> 2] = this.outPtr;
    m[(this.strm + 20) >> 2] = this.outSize;
    const ret = this.x.code(this.strm, finish ? LZMA_FINISH : LZMA_RUN);
    m = this.u32();
    const produced = this.outSize - m[(this.strm + 20) >> 2]!;
    const output = new Uint8Array(this.x.memory.buffer, this.outPtr, produced).slice();
    return { ret, output };
  }

  /** Frees liblzma's state and the buffers; safe to call more than once. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.x.end(this.strm);
    this.freeBuffers();
  }

  private freeBuffers(): void {
    for (const ptr of [this.strm, this.inPtr, this.outPtr]) if (ptr !== 0) this.x.free(ptr);
  }
}

/** The .xz stream decoder (lzma_stream_decoder) with a dictionary memory limit; reads concatenated streams. */
export class LzmaDecoder extends LzmaStream {
  constructor(inSize: number, outSize: number, memlimit: bigint) {
    super(inSize, outSize, (x, strm) => x.streamDecoder(strm, memlimit, LZMA_TELL_UNSUPPORTED_CHECK | LZMA_CONCATENATED));
  }
}

/** The .xz encoder for a preset 0–9 (lzma_easy_encoder), writing one stream with the given check. */
export class LzmaEncoder extends LzmaStream {
  constructor(inSize: number, outSize: number, preset: number, check: number) {
    super(inSize, outSize, (x, strm) => x.easyEncoder(strm, preset, check));
  }
}

export class LzmaError extends Error {
  constructor(
    readonly ret: number,
    readonly totalIn: number,
  ) {
    super(`liblzma returned ${ret}`);
  }
}

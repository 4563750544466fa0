/**
 * Copying dense host files (FileContent 'range') into their allocated blocks of
 * the image. This is most of a build's bytes and syscalls, and it needs nothing
 * but file names and block numbers, so it can run on worker threads while the
 * main thread encodes and writes the metadata (see copy-pool.ts). The same code
 * runs on the main thread for small trees.
 *
 * Each file is read straight into a gather buffer at its place in the image;
 * consecutive files are adjacent on disk (contiguous allocation), so thousands
 * of small files become one large pwrite.
 */
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { DistrokitError } from '../../formats/errors.js';
import { BLOCK_SIZE } from '../../formats/ext4/constants.js';
import type { Extent } from '../../formats/ext4/extents.js';

/**
 * The copies as flat, transferable data: `paths[i]` is task i's host file;
 * `numbers` holds per task [sourceOffset, size, extentCount, then (logical,
 * length, physical) per extent], tasks in order of their first physical block.
 */
export interface HostCopyPlan {
  paths: string[];
  /** Index of each task's tree path in the caller's list, for error messages. */
  ids: number[];
  numbers: Float64Array;
  /** Bytes copied, for splitting the plan between threads. */
  bytes: number;
}

/** Builds a HostCopyPlan task by task (tasks must be added in block order). */
export class HostCopyPlanner {
  private readonly paths: string[] = [];
  private readonly ids: number[] = [];
  private numbers = new Float64Array(1024);
  private used = 0;
  /** Bytes of all tasks so far. */
  bytes = 0;

  add(id: number, path: string, offset: number, size: number, extents: Extent[]): void {
    this.ensure(3 + extents.length * 3);
    const n = this.numbers;
    n[this.used++] = offset;
    n[this.used++] = size;
    n[this.used++] = extents.length;
    for (const e of extents) {
      n[this.used++] = e.logical;
      n[this.used++] = e.length;
      n[this.used++] = e.physical;
    }
    this.paths.push(path);
    this.ids.push(id);
    this.bytes += size;
  }

  get count(): number {
    return this.paths.length;
  }

  /** Splits into at most `parts` plans of about equal bytes, each a run of consecutive tasks. */
  split(parts: number): HostCopyPlan[] {
    const out: HostCopyPlan[] = [];
    const target = this.bytes / parts;
    let first = 0;
    let firstNum = 0;
    let at = 0;
    let bytes = 0;
    for (let i = 0; i < this.paths.length; i++) {
      const size = this.numbers[at + 1]!;
      at += 3 + this.numbers[at + 2]! * 3;
      bytes += size;
      const last = i === this.paths.length - 1;
      if (last || (bytes >= target && out.length < parts - 1)) {
        out.push({ paths: this.paths.slice(first, i + 1), ids: this.ids.slice(first, i + 1), numbers: this.numbers.slice(firstNum, at), bytes });
        first = i + 1;
        firstNum = at;
        bytes = 0;
      }
    }
    return out;
  }

  private ensure(more: number): void {
    if (this.used + more <= this.numbers.length) return;
    const grown = new Float64Array(Math.max(this.numbers.length * 2, this.used + more));
    grown.set(this.numbers.subarray(0, this.used));
    this.numbers = grown;
  }
}

/** Why a copy failed: which task, and a DistrokitError code for it. */
export class HostCopyFailure extends Error {
  constructor(
    readonly task: number,
    readonly code: 'EXT4_SOURCE_UNREADABLE' | 'EXT4_SOURCE_CHANGED' | 'EXT4_OUTPUT',
    message: string,
  ) {
    super(message);
  }

  /** The DistrokitError this failure is, before the caller adds which file and tree path the task was. */
  toError(): DistrokitError {
    return new DistrokitError(this.code, this.message);
  }
}

/** A reused buffer of image bytes starting at `start`, written with one pwrite when the next piece does not follow on. */
class Gather {
  private start = 0;
  private fill = 0;
  constructor(
    private readonly fd: number,
    private readonly buf: Uint8Array,
  ) {}

  /** Makes the buffer continue at image byte `pos` with at least one block of room; returns the room in bytes. */
  at(pos: number): number {
    if (!(this.fill > 0 && pos === this.start + this.fill && this.fill + BLOCK_SIZE <= this.buf.byteLength)) {
      this.flush();
      this.start = pos;
    }
    return this.buf.byteLength - this.fill;
  }

  get target(): Uint8Array {
    return this.buf;
  }

  get offset(): number {
    return this.fill;
  }

  /** Takes `n` bytes just read at `offset`, zero-padding a partial last block (the buffer is reused). */
  commit(n: number): void {
    const padded = Math.ceil(n / BLOCK_SIZE) * BLOCK_SIZE;
    if (padded > n) this.buf.fill(0, this.fill + n, this.fill + padded);
    this.fill += padded;
  }

  flush(): void {
    let done = 0;
    while (done < this.fill) {
      try {
        done += writeSync(this.fd, this.buf, done, this.fill - done, this.start + done);
      } catch (err) {
        throw new HostCopyFailure(-1, 'EXT4_OUTPUT', (err as Error).message);
      }
    }
    this.fill = 0;
  }
}

/**
 * Copies every task of `plan` into the image open at `fd` using `buffer` (a
 * multiple of BLOCK_SIZE). Reads are synchronous: per-file async calls are
 * thread-pool round trips, which dominated trees of 100,000 small files.
 * Throws HostCopyFailure.
 */
export function copyHostFiles(fd: number, plan: HostCopyPlan, buffer: Uint8Array): void {
  const out = new Gather(fd, buffer);
  const n = plan.numbers;
  let at = 0;
  for (let task = 0; task < plan.paths.length; task++) {
    const offset = n[at]!;
    const size = n[at + 1]!;
    const extents = n[at + 2]!;
    at += 3;
    let src: number;
    try {
      src = openSync(plan.paths[task]!, 'r');
    } catch (err) {
      throw new HostCopyFailure(task, 'EXT4_SOURCE_UNREADABLE', (err as Error).message);
    }
    try {
      for (let e = 0; e < extents; e++, at += 3) {
        let from = n[at]! * BLOCK_SIZE;
        const end = Math.min(from + n[at + 1]! * BLOCK_SIZE, size);
        let pos = n[at + 2]! * BLOCK_SIZE;
        while (from < end) {
          const room = out.at(pos);
          const want = Math.min(end - from, room - (room % BLOCK_SIZE));
          readExactly(src, out.target, out.offset, want, offset, from, task, size);
          out.commit(want);
          from += want;
          pos += want;
        }
      }
    } finally {
      closeSync(src);
    }
  }
  out.flush();
}

/** Reads bytes [from, from+length) of a range starting at `base` of the source file. */
function readExactly(fd: number, buf: Uint8Array, into: number, length: number, base: number, from: number, task: number, size: number): void {
  let got = 0;
  while (got < length) {
    let r: number;
    try {
      r = readSync(fd, buf, into + got, length - got, base + from + got);
    } catch (err) {
      throw new HostCopyFailure(task, 'EXT4_SOURCE_UNREADABLE', (err as Error).message);
    }
    if (r === 0) throw new HostCopyFailure(task, 'EXT4_SOURCE_CHANGED', `source ended after ${from + got} of ${size} bytes`);
    got += r;
  }
}

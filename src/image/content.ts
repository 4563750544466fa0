/**
 * File contents for the image: which logical blocks hold data (all-zero blocks
 * of sparse sources become holes, as `mke2fs -d` does) and streaming the bytes
 * of those blocks without holding a whole file in memory.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { DistrokitError } from '../../formats/errors.js';
import { BLOCK_SIZE } from '../../formats/ext4/constants.js';
import type { FileContent } from '../tree/types.js';

/** A run of logical blocks that hold data. */
export interface DataRun {
  logical: number;
  count: number;
}

const CHUNK = 1 << 20;
const ZERO_CHUNK = new Uint8Array(CHUNK);

function isZero(buf: Uint8Array, start: number, end: number): boolean {
  if (start >= end) return true;
  if (buf[start] !== 0 || buf[end - 1] !== 0) return false; // most data blocks end here
  for (let at = start; at < end; at += CHUNK) {
    const n = Math.min(CHUNK, end - at);
    if (!Buffer.from(buf.buffer, buf.byteOffset + at, n).equals(Buffer.from(ZERO_CHUNK.buffer, 0, n))) return false;
  }
  return true;
}

/** Index of the first run that ends after logical block `lb` (runs are sorted and disjoint); runs.length if none. */
export function firstRunEndingAfter(runs: DataRun[], lb: number): number {
  let lo = 0;
  let hi = runs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const r = runs[mid]!;
    if (r.logical + r.count <= lb) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Appends the data blocks of `buf` (which starts at logical block `firstBlock`) to `runs`. */
function addNonZeroBlocks(runs: DataRun[], buf: Uint8Array, firstBlock: number): void {
  if (isZero(buf, 0, buf.byteLength)) return;
  for (let at = 0, b = firstBlock; at < buf.byteLength; at += BLOCK_SIZE, b++) {
    if (isZero(buf, at, Math.min(at + BLOCK_SIZE, buf.byteLength))) continue;
    const last = runs[runs.length - 1];
    if (last && last.logical + last.count === b) last.count++;
    else runs.push({ logical: b, count: 1 });
  }
}

function denseRuns(size: number): DataRun[] {
  const count = Math.ceil(size / BLOCK_SIZE);
  return count ? [{ logical: 0, count }] : [];
}

/** Per-build read state: one reusable chunk buffer, so reading 100,000 files allocates nothing per file. */
export class ReadContext {
  readonly scratch = new Uint8Array(CHUNK);
}

/**
 * Host files smaller than this are taken as dense without reading them twice:
 * reading every small file once more to find an all-zero block cost more than
 * the whole rest of the build. Larger files are scanned.
 */
export const SPARSE_SCAN_MIN = 64 << 10;

/**
 * The data runs of a file: every all-zero block becomes a hole, as `mke2fs -d`
 * does, for in-memory contents and host files of at least SPARSE_SCAN_MIN bytes.
 * The runs depend only on the bytes (never on how the host allocated the file),
 * so the layout is reproducible. Lazy sources are taken as dense, since reading
 * them twice may not be possible.
 */
export async function findDataRuns(content: FileContent, size: number, path: string, ctx: ReadContext): Promise<DataRun[]> {
  if (content.kind === 'bytes') {
    if (content.data.byteLength !== size) throw sizeMismatch(path, size, content.data.byteLength);
    const runs: DataRun[] = [];
    for (let at = 0; at < size; at += CHUNK) addNonZeroBlocks(runs, content.data.subarray(at, Math.min(at + CHUNK, size)), at / BLOCK_SIZE);
    return runs;
  }
  if (content.kind === 'range' && size >= SPARSE_SCAN_MIN) {
    const runs: DataRun[] = [];
    await readRange(content.path, content.offset, size, path, ctx.scratch, (buf, at) => addNonZeroBlocks(runs, buf, at / BLOCK_SIZE));
    return runs;
  }
  return denseRuns(size);
}

function sizeMismatch(path: string, want: number, got: number): DistrokitError {
  return new DistrokitError('EXT4_SOURCE_CHANGED', `source has ${got} bytes, the tree says ${want}`, { entry: path });
}

/**
 * Reads [offset, offset+length) of a host file in 1 MiB chunks, calling `sink(chunk, fileRelativeOffset)`.
 * The reads are synchronous on purpose: an async read is a thread-pool round trip, and for
 * trees of 100,000 small files those round trips, not the bytes, dominated the build time.
 */
async function readRange(file: string, offset: number, length: number, path: string, scratch: Uint8Array, sink: (buf: Uint8Array, at: number) => void | Promise<void>): Promise<void> {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    throw DistrokitError.wrap(err, 'EXT4_SOURCE_UNREADABLE', { file, entry: path });
  }
  try {
    const buf = scratch;
    for (let at = 0; at < length; ) {
      const want = Math.min(buf.byteLength, length - at);
      let got = 0;
      while (got < want) {
        const n = readSync(fd, buf, got, want - got, offset + at + got);
        if (n === 0) throw new DistrokitError('EXT4_SOURCE_CHANGED', `source ended after ${at + got} of ${length} bytes`, { file, entry: path });
        got += n;
      }
      await sink(buf.subarray(0, want), at);
      at += want;
    }
  } catch (err) {
    throw DistrokitError.wrap(err, 'EXT4_SOURCE_UNREADABLE', { file, entry: path });
  } finally {
    closeSync(fd);
  }
}

/**
 * Streams the data blocks of a file: calls `sink(logicalBlock, bytes)` with
 * pieces starting on block boundaries covering exactly the runs (only the file's
 * last piece may end inside a block; the writer leaves the rest of it zero).
 * Bytes that fall in a hole must be zero, or the source changed under us.
 */
export async function streamFileBlocks(
  content: FileContent,
  size: number,
  runs: DataRun[],
  path: string,
  sink: (logicalBlock: number, bytes: Uint8Array) => Promise<void>,
  ctx: ReadContext,
): Promise<void> {
  if (runs.length === 0) return;
  const dense = runs.length === 1 && runs[0]!.logical === 0 && runs[0]!.count === Math.ceil(size / BLOCK_SIZE);
  if (content.kind === 'range' && !dense) {
    // Sparse host file: read only the data runs.
    for (const run of runs) {
      const start = run.logical * BLOCK_SIZE;
      const len = Math.min(run.count * BLOCK_SIZE, size - start);
      await readRange(content.path, content.offset + start, len, path, ctx.scratch, (buf, at) => sink(run.logical + at / BLOCK_SIZE, buf));
    }
    return;
  }
  const emit = async (buf: Uint8Array, at: number): Promise<void> => {
    // `at` is block-aligned; split at run boundaries, dropping hole blocks.
    const first = at / BLOCK_SIZE;
    const blocks = Math.ceil(buf.byteLength / BLOCK_SIZE);
    let b = 0;
    while (b < blocks) {
      const lb = first + b;
      const i = firstRunEndingAfter(runs, lb);
      const run = runs[i];
      if (!run || run.logical > lb) {
        // A hole up to the next run (or the end of this piece): it must still be all zero.
        const holeEnd = Math.min(blocks, run ? run.logical - first : blocks);
        if (!isZero(buf, b * BLOCK_SIZE, Math.min(holeEnd * BLOCK_SIZE, buf.byteLength))) {
          throw new DistrokitError('EXT4_SOURCE_CHANGED', `blocks ${lb}..${first + holeEnd - 1} were zero when scanned but are not now`, { entry: path });
        }
        b = holeEnd;
        continue;
      }
      const n = Math.min(blocks - b, run.logical + run.count - lb);
      await sink(lb, buf.subarray(b * BLOCK_SIZE, Math.min((b + n) * BLOCK_SIZE, buf.byteLength)));
      b += n;
    }
  };
  if (content.kind === 'bytes') {
    if (dense) return sink(0, content.data);
    for (let at = 0; at < size; at += CHUNK) await emit(content.data.subarray(at, Math.min(at + CHUNK, size)), at);
    return;
  }
  if (content.kind === 'range') {
    await readRange(content.path, content.offset, size, path, ctx.scratch, (buf, at) => emit(buf, at));
    return;
  }
  // lazy: re-chunk the iterable into block-aligned pieces.
  let pending = new Uint8Array(CHUNK);
  let fill = 0;
  let at = 0;
  try {
    for await (const chunk of content.open()) {
      let off = 0;
      while (off < chunk.byteLength) {
        const n = Math.min(CHUNK - fill, chunk.byteLength - off);
        if (at + fill + n > size) throw new DistrokitError('EXT4_SOURCE_CHANGED', `source yields more than ${size} bytes`, { entry: path });
        pending.set(chunk.subarray(off, off + n), fill);
        fill += n;
        off += n;
        if (fill === CHUNK) {
          await emit(pending, at);
          at += CHUNK;
          fill = 0;
          pending = new Uint8Array(CHUNK);
        }
      }
    }
  } catch (err) {
    throw DistrokitError.wrap(err, 'EXT4_SOURCE_UNREADABLE', { entry: path });
  }
  if (at + fill !== size) throw new DistrokitError('EXT4_SOURCE_CHANGED', `source yields ${at + fill} bytes, the tree says ${size}`, { entry: path });
  if (fill) await emit(pending.subarray(0, fill), at);
}


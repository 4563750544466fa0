/**
 * File contents for the image: which logical blocks hold data (all-zero blocks
 * of sparse sources become holes, as `mke2fs -d` does) and streaming the bytes
 * of those blocks without holding a whole file in memory.
 */
import { open } from 'node:fs/promises';
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
  return Buffer.from(buf.buffer, buf.byteOffset + start, end - start).equals(Buffer.from(ZERO_CHUNK.buffer, 0, end - start));
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

/** Whole small files read while scanning for holes are kept (up to this total) so they are read once. */
export class ContentCache {
  private used = 0;
  readonly files = new Map<FileContent, Uint8Array>();
  constructor(private readonly budget = 256 << 20) {}
  keep(content: FileContent, data: Uint8Array): void {
    if (this.used + data.byteLength > this.budget) return;
    this.used += data.byteLength;
    this.files.set(content, data);
  }
}

const SMALL_FILE = 1 << 20;

/**
 * The data runs of a file: every all-zero block becomes a hole, as `mke2fs -d`
 * does. The runs depend only on the bytes (never on how the host allocated the
 * file), so the layout is reproducible. Lazy sources are taken as dense, since
 * reading them twice may not be possible.
 */
export async function findDataRuns(content: FileContent, size: number, path: string, cache?: ContentCache): Promise<DataRun[]> {
  if (content.kind === 'bytes') {
    if (content.data.byteLength !== size) throw sizeMismatch(path, size, content.data.byteLength);
    const runs: DataRun[] = [];
    for (let at = 0; at < size; at += CHUNK) addNonZeroBlocks(runs, content.data.subarray(at, Math.min(at + CHUNK, size)), at / BLOCK_SIZE);
    return runs;
  }
  if (content.kind === 'range') {
    const runs: DataRun[] = [];
    if (size <= SMALL_FILE && cache) {
      const whole = new Uint8Array(size);
      await readRange(content.path, content.offset, size, path, (buf, at) => void whole.set(buf, at));
      addNonZeroBlocks(runs, whole, 0);
      cache.keep(content, whole);
      return runs;
    }
    await readRange(content.path, content.offset, size, path, (buf, at) => addNonZeroBlocks(runs, buf, at / BLOCK_SIZE));
    return runs;
  }
  return denseRuns(size);
}

function sizeMismatch(path: string, want: number, got: number): DistrokitError {
  return new DistrokitError('EXT4_SOURCE_CHANGED', `source has ${got} bytes, the tree says ${want}`, { entry: path });
}

/** Reads [offset, offset+length) of a host file in 1 MiB chunks, calling `sink(chunk, fileRelativeOffset)`. */
async function readRange(file: string, offset: number, length: number, path: string, sink: (buf: Uint8Array, at: number) => void | Promise<void>): Promise<void> {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch (err) {
    throw DistrokitError.wrap(err, 'EXT4_SOURCE_UNREADABLE', { file, entry: path });
  }
  try {
    const buf = new Uint8Array(Math.min(CHUNK, Math.max(length, 1)));
    for (let at = 0; at < length; ) {
      const want = Math.min(buf.byteLength, length - at);
      const { bytesRead } = await fh.read(buf, 0, want, offset + at);
      if (bytesRead !== want) throw new DistrokitError('EXT4_SOURCE_CHANGED', `source ended after ${at + bytesRead} of ${length} bytes`, { file, entry: path });
      await sink(buf.subarray(0, want), at);
      at += want;
    }
  } catch (err) {
    throw DistrokitError.wrap(err, 'EXT4_SOURCE_UNREADABLE', { file, entry: path });
  } finally {
    await fh.close();
  }
}

/**
 * Streams the data blocks of a file: calls `sink(logicalBlock, bytes)` with
 * block-aligned pieces covering exactly the runs (the last block zero-padded).
 * Bytes that fall in a hole must be zero, or the source changed under us.
 */
export async function streamFileBlocks(
  content: FileContent,
  size: number,
  runs: DataRun[],
  path: string,
  sink: (logicalBlock: number, bytes: Uint8Array) => Promise<void>,
  cache?: ContentCache,
): Promise<void> {
  if (runs.length === 0) return;
  const cached = cache?.files.get(content);
  if (cached) content = { kind: 'bytes', data: cached };
  const dense = runs.length === 1 && runs[0]!.logical === 0 && runs[0]!.count === Math.ceil(size / BLOCK_SIZE);
  if (content.kind === 'range' && !dense) {
    // Sparse host file: read only the data runs.
    for (const run of runs) {
      const start = run.logical * BLOCK_SIZE;
      const len = Math.min(run.count * BLOCK_SIZE, size - start);
      await readRange(content.path, content.offset + start, len, path, (buf, at) => sink(run.logical + at / BLOCK_SIZE, padBlock(buf)));
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
      const run = runs.find((r) => lb >= r.logical && lb < r.logical + r.count);
      if (!run) {
        const end = Math.min((b + 1) * BLOCK_SIZE, buf.byteLength);
        if (!isZero(buf, b * BLOCK_SIZE, end)) throw new DistrokitError('EXT4_SOURCE_CHANGED', `block ${lb} was zero when scanned but is not now`, { entry: path });
        b++;
        continue;
      }
      const n = Math.min(blocks - b, run.logical + run.count - lb);
      await sink(lb, padBlock(buf.subarray(b * BLOCK_SIZE, Math.min((b + n) * BLOCK_SIZE, buf.byteLength))));
      b += n;
    }
  };
  if (content.kind === 'bytes') {
    if (dense) return sink(0, padBlock(content.data));
    for (let at = 0; at < size; at += CHUNK) await emit(content.data.subarray(at, Math.min(at + CHUNK, size)), at);
    return;
  }
  if (content.kind === 'range') {
    await readRange(content.path, content.offset, size, path, (buf, at) => emit(buf, at));
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

/** Pads a piece to whole blocks with zeros (only the file's last block is ever short). */
function padBlock(buf: Uint8Array): Uint8Array {
  const rem = buf.byteLength % BLOCK_SIZE;
  if (rem === 0) return buf;
  const out = new Uint8Array(buf.byteLength + BLOCK_SIZE - rem);
  out.set(buf);
  return out;
}

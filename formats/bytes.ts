/**
 * Byte plumbing shared by every format reader: one input type that accepts a
 * whole buffer or any async iterable of chunks, and a cursor that pulls exact
 * byte counts out of a chunked stream without copying when it can avoid it.
 */
import { DistrokitError, type ErrorCode } from './errors.js';

/** What every reader accepts: a whole buffer, or chunks (fs streams, fetch bodies, web streams). */
export type ByteSource = Uint8Array | AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

export async function* iterateBytes(source: ByteSource): AsyncGenerator<Uint8Array> {
  if (source instanceof Uint8Array) {
    if (source.byteLength > 0) yield source;
    return;
  }
  for await (const chunk of source as AsyncIterable<Uint8Array>) {
    if (chunk.byteLength > 0) yield chunk;
  }
}

/** Splits a buffer into chunks of `size` bytes: tests run every fixture through 1-byte and 64 KiB chunks. */
export function* chunked(data: Uint8Array, size: number): Generator<Uint8Array> {
  for (let i = 0; i < data.byteLength; i += size) yield data.subarray(i, Math.min(i + size, data.byteLength));
}

export async function collectBytes(source: ByteSource, limit = Number.MAX_SAFE_INTEGER): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source;
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of iterateBytes(source)) {
    total += chunk.byteLength;
    if (total > limit) throw new DistrokitError('INPUT_TOO_LARGE', `input exceeds the limit of ${limit} bytes`, { offset: limit });
    parts.push(chunk);
  }
  return concatBytes(parts, total);
}

export function concatBytes(parts: Uint8Array[], total?: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const size = total ?? parts.reduce((n, p) => n + p.byteLength, 0);
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

export function dataView(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Reads up to n bytes of a source, and gives back a source that still yields every byte. */
export async function peekBytes(source: ByteSource, n: number): Promise<{ head: Uint8Array; source: AsyncIterable<Uint8Array> }> {
  const it = iterateBytes(source)[Symbol.asyncIterator]();
  const parts: Uint8Array[] = [];
  let size = 0;
  let ended = false;
  while (size < n) {
    const r = await it.next();
    if (r.done) {
      ended = true;
      break;
    }
    parts.push(r.value);
    size += r.value.byteLength;
  }
  async function* rest(): AsyncGenerator<Uint8Array> {
    yield* parts;
    if (ended) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  return { head: concatBytes(parts, size).subarray(0, n), source: rest() };
}

/**
 * Pull-based reader over a chunked source. `read(n)` returns exactly n bytes
 * (a zero-copy subarray when they lie in one chunk) or throws a truncation error
 * naming the offset; `offset` is the count of bytes consumed so far.
 */
export class ByteCursor {
  private readonly iterator: AsyncIterator<Uint8Array>;
  private chunk: Uint8Array = new Uint8Array(0);
  private pos = 0;
  private done = false;
  offset = 0;

  constructor(
    source: ByteSource,
    private readonly label: { file?: string; truncatedCode: ErrorCode },
  ) {
    this.iterator = iterateBytes(source)[Symbol.asyncIterator]();
  }

  private async fill(): Promise<boolean> {
    while (this.pos >= this.chunk.byteLength) {
      if (this.done) return false;
      const next = await this.iterator.next();
      if (next.done) {
        this.done = true;
        return false;
      }
      this.chunk = next.value;
      this.pos = 0;
    }
    return true;
  }

  /** True when no byte is left. */
  async atEnd(): Promise<boolean> {
    return !(await this.fill());
  }

  /** Up to `max` bytes (at least 1 unless at end), zero-copy. */
  async readSome(max: number): Promise<Uint8Array | null> {
    if (!(await this.fill())) return null;
    const n = Math.min(max, this.chunk.byteLength - this.pos);
    const out = this.chunk.subarray(this.pos, this.pos + n);
    this.pos += n;
    this.offset += n;
    return out;
  }

  /** Exactly n bytes, or null if the input ended before the first of them (clean end). */
  async readExactOrEnd(n: number): Promise<Uint8Array | null> {
    if (n === 0) return new Uint8Array(0);
    if (!(await this.fill())) return null;
    return this.readExact(n);
  }

  /** Exactly n bytes, or a typed truncation error. */
  async readExact(n: number): Promise<Uint8Array> {
    if (n === 0) return new Uint8Array(0);
    const start = this.offset;
    if (!(await this.fill())) throw this.truncated(n, 0, start);
    const avail = this.chunk.byteLength - this.pos;
    if (avail >= n) {
      const out = this.chunk.subarray(this.pos, this.pos + n);
      this.pos += n;
      this.offset += n;
      return out;
    }
    const out = new Uint8Array(n);
    let got = 0;
    while (got < n) {
      if (!(await this.fill())) throw this.truncated(n, got, start);
      const take = Math.min(n - got, this.chunk.byteLength - this.pos);
      out.set(this.chunk.subarray(this.pos, this.pos + take), got);
      this.pos += take;
      got += take;
      this.offset += take;
    }
    return out;
  }

  /** Skips n bytes without keeping them. */
  async skip(n: number): Promise<void> {
    const start = this.offset;
    let left = n;
    while (left > 0) {
      if (!(await this.fill())) throw this.truncated(n, n - left, start);
      const take = Math.min(left, this.chunk.byteLength - this.pos);
      this.pos += take;
      this.offset += take;
      left -= take;
    }
  }

  /** Streams the next n bytes as chunks (zero-copy), for entry bodies. */
  async *stream(n: number): AsyncGenerator<Uint8Array> {
    const start = this.offset;
    let left = n;
    while (left > 0) {
      if (!(await this.fill())) throw this.truncated(n, n - left, start);
      const take = Math.min(left, this.chunk.byteLength - this.pos);
      const out = this.chunk.subarray(this.pos, this.pos + take);
      this.pos += take;
      this.offset += take;
      left -= take;
      yield out;
    }
  }

  private truncated(wanted: number, got: number, start: number): DistrokitError {
    return new DistrokitError(
      this.label.truncatedCode,
      `unexpected end of input: wanted ${wanted} bytes at offset ${start}, got ${got}`,
      { file: this.label.file, offset: start + got },
    );
  }
}

/** Where to cut a chunk: data before `end` is complete; reading resumes at `next` (so a separator can be dropped). */
export interface Cut {
  end: number;
  next: number;
}

/**
 * Re-chunks a stream so that each piece ends at a boundary `findLast` finds in
 * a chunk (the last newline, the last blank line…); what follows the boundary
 * is carried into the next piece. The final piece is the remainder after the
 * last boundary (`final: true`, possibly empty). Cutting at an ASCII byte never
 * splits a UTF-8 character.
 */
export async function* cutAtBoundaries(source: ByteSource, findLast: (chunk: Uint8Array) => Cut | null): AsyncGenerator<{ bytes: Uint8Array; final: boolean }> {
  let carry: Uint8Array[] = [];
  let carried = 0;
  for await (const chunk of iterateBytes(source)) {
    const cut = findLast(chunk);
    if (!cut) {
      carry.push(chunk);
      carried += chunk.byteLength;
      continue;
    }
    const head = carried ? concatBytes([...carry, chunk.subarray(0, cut.end)], carried + cut.end) : chunk.subarray(0, cut.end);
    carry = cut.next < chunk.byteLength ? [chunk.subarray(cut.next)] : [];
    carried = Math.max(0, chunk.byteLength - cut.next);
    yield { bytes: head, final: false };
  }
  yield { bytes: carried ? concatBytes(carry, carried) : new Uint8Array(0), final: true };
}

/** The index of the last element of an ascending array that is <= x (0 if none is): which chunk or set holds offset x. */
export function lastAtOrBelow(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (sorted[mid]! <= x) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

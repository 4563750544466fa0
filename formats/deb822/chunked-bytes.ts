/**
 * Bytes kept as the chunks they arrived in (small chunks gathered into
 * larger ones), read back by offset: what a Packages scan keeps of an index so
 * that a stanza can be parsed when first used. Keeping the chunks is cheaper
 * than copying 50 MB into one buffer (fresh memory costs a page fault per 4 KiB).
 */
import { lastAtOrBelow } from '../bytes.js';

/** Chunks from this size are kept as they are; smaller ones are copied into a gathering buffer. */
const KEEP_MIN = 64 << 10;
const GATHER = 1 << 20;

export class ChunkedBytes {
  private readonly chunks: Buffer[] = [];
  /** Offset of each chunk's first byte. */
  private readonly starts: number[] = [];
  /** Bytes used of the last chunk when it is a gathering buffer (else -1). */
  private gathered = -1;
  private total = 0;
  /** The last line number worked out: line `line` holds the byte at `offset`. */
  private mark = { offset: 0, line: 1 };

  get size(): number {
    return this.total;
  }

  /** Appends a chunk, which must not change afterwards (it is kept, not copied, unless small). */
  push(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    if (chunk.byteLength >= KEEP_MIN) {
      this.seal();
      this.starts.push(this.total);
      this.chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    } else {
      for (let done = 0; done < chunk.byteLength; ) {
        if (this.gathered < 0 || this.gathered === this.chunks[this.chunks.length - 1]!.byteLength) {
          this.seal();
          this.starts.push(this.total + done);
          this.chunks.push(Buffer.allocUnsafe(GATHER));
          this.gathered = 0;
        }
        const last = this.chunks[this.chunks.length - 1]!;
        const n = Math.min(chunk.byteLength - done, last.byteLength - this.gathered);
        last.set(chunk.subarray(done, done + n), this.gathered);
        this.gathered += n;
        done += n;
      }
    }
    this.total += chunk.byteLength;
  }

  /** Trims a gathering buffer to what it holds (no more bytes go into it). */
  private seal(): void {
    if (this.gathered < 0) return;
    const k = this.chunks.length - 1;
    this.chunks[k] = this.chunks[k]!.subarray(0, this.gathered);
    this.gathered = -1;
  }

  /** Bytes held by chunk k. */
  private lengthOf(k: number): number {
    return k === this.chunks.length - 1 && this.gathered >= 0 ? this.gathered : this.chunks[k]!.byteLength;
  }

  /** The chunk holding offset (the last one for the end). */
  private find(offset: number): number {
    return lastAtOrBelow(this.starts, offset);
  }

  /** A copy of the bytes [from, to). */
  bytes(from: number, to: number): Uint8Array {
    const out = new Uint8Array(Math.max(0, to - from));
    for (let k = this.find(from), at = from; at < to; k++) {
      const a = at - this.starts[k]!;
      const b = Math.min(this.lengthOf(k), to - this.starts[k]!);
      out.set(this.chunks[k]!.subarray(a, b), at - from);
      at += b - a;
    }
    return out;
  }

  /** The bytes [from, to) as a Latin-1 string. */
  latin1(from: number, to: number): string {
    const k = this.find(from);
    const start = this.starts[k]!;
    if (to - start <= this.lengthOf(k)) return this.chunks[k]!.toString('latin1', from - start, to - start);
    return Buffer.from(this.bytes(from, to)).toString('latin1');
  }

  /** The 1-based line number of the byte at `offset` (counted from the last answer when it can be). */
  lineAt(offset: number): number {
    let { offset: at, line } = offset >= this.mark.offset ? this.mark : { offset: 0, line: 1 };
    for (let k = this.find(at); at < offset; k++) {
      const chunk = this.chunks[k]!;
      const end = Math.min(this.lengthOf(k), offset - this.starts[k]!);
      for (let p = chunk.indexOf(10, at - this.starts[k]!); p >= 0 && p < end; p = chunk.indexOf(10, p + 1)) line++;
      at = this.starts[k]! + end;
    }
    this.mark = { offset, line };
    return line;
  }
}

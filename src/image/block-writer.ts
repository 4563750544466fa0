/**
 * Coalesces block writes into large positional writes: contiguous pieces are
 * gathered in a 16 MiB buffer and written with one pwrite; anything else flushes.
 * A piece may end inside a block (a file's tail): the rest of that block is zero,
 * in the buffer explicitly and in the file because it starts out empty.
 */
import { writeSync } from 'node:fs';
import { BLOCK_SIZE } from '../../formats/ext4/constants.js';

const CAPACITY = 16 << 20;

export class BlockWriter {
  private readonly buf = Buffer.allocUnsafe(CAPACITY);
  private start = 0;
  private fill = 0;
  bytesWritten = 0;
  /** `fd` is written with synchronous pwrites: the build is a sequential pipeline, and an async write is a thread-pool round trip each. */
  constructor(private readonly fd: number) {}

  async put(block: number, bytes: Uint8Array): Promise<void> {
    const pos = block * BLOCK_SIZE;
    const padded = Math.ceil(bytes.byteLength / BLOCK_SIZE) * BLOCK_SIZE;
    if (!(this.fill > 0 && pos === this.start + this.fill && this.fill + padded <= CAPACITY)) {
      await this.flush();
      if (padded >= CAPACITY / 2) {
        this.writeAll(bytes, pos);
        return;
      }
      this.start = pos;
    }
    this.buf.set(bytes, this.fill);
    this.buf.fill(0, this.fill + bytes.byteLength, this.fill + padded);
    this.fill += padded;
  }

  async flush(): Promise<void> {
    if (this.fill === 0) return;
    this.writeAll(this.buf.subarray(0, this.fill), this.start);
    this.fill = 0;
  }

  private writeAll(bytes: Uint8Array, pos: number): void {
    let done = 0;
    while (done < bytes.byteLength) {
      done += writeSync(this.fd, bytes, done, bytes.byteLength - done, pos + done);
    }
    this.bytesWritten += bytes.byteLength;
  }
}

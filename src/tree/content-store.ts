/**
 * Where a tree keeps the bytes of regular files read from archives. A .deb's
 * data.tar.xz cannot be read at random, so file bodies are either kept in
 * memory (small files, up to a total budget) or appended to one spool file
 * and referenced as a byte range of it; package contents are never all in
 * memory at once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { concatBytes } from '../../formats/bytes.js';
import type { FileContent } from './types.js';

export interface ContentStore {
  /** Takes exactly `size` bytes from `body` and returns where they now live. */
  put(body: AsyncIterable<Uint8Array>, size: number): Promise<FileContent>;
  /** Flushes pending writes so that ranges can be read. */
  flush(): Promise<void>;
  /** Releases the spool (its ranges become unreadable). */
  close(): Promise<void>;
}

/** Everything in memory: for tests and small archives. */
export class MemoryStore implements ContentStore {
  async put(body: AsyncIterable<Uint8Array>): Promise<FileContent> {
    const parts: Uint8Array[] = [];
    for await (const chunk of body) parts.push(new Uint8Array(chunk));
    return { kind: 'bytes', data: concatBytes(parts) };
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
}

export interface SpoolStoreOptions {
  /** Directory for the spool file; default a new directory under os.tmpdir(), removed by close(). */
  dir?: string;
  /** Files up to this size stay in memory (default 16 KiB)… */
  inlineMax?: number;
  /** …until this many bytes are inline in total (default 64 MiB). */
  inlineBudget?: number;
}

const WRITE_BUFFER = 1 << 20;

export class SpoolStore implements ContentStore {
  private handle: FileHandle | undefined;
  private readonly path: string;
  private readonly ownDir: string | undefined;
  private readonly inlineMax: number;
  private inlineLeft: number;
  private position = 0;
  private buffer = new Uint8Array(WRITE_BUFFER);
  private buffered = 0;

  constructor(options: SpoolStoreOptions = {}) {
    this.ownDir = options.dir ? undefined : mkdtempSync(join(tmpdir(), 'distrokit-spool-'));
    this.path = join(options.dir ?? this.ownDir!, `spool-${randomUUID()}.bin`);
    this.inlineMax = options.inlineMax ?? 16 * 1024;
    this.inlineLeft = options.inlineBudget ?? 64 << 20;
  }

  async put(body: AsyncIterable<Uint8Array>, size: number): Promise<FileContent> {
    if (size <= this.inlineMax && size <= this.inlineLeft) {
      const data = new Uint8Array(size);
      let at = 0;
      for await (const chunk of body) {
        data.set(chunk, at);
        at += chunk.byteLength;
      }
      this.inlineLeft -= size;
      return { kind: 'bytes', data };
    }
    const offset = this.position;
    for await (const chunk of body) await this.append(chunk);
    return { kind: 'range', path: this.path, offset, length: size };
  }

  private async append(chunk: Uint8Array): Promise<void> {
    this.handle ??= await open(this.path, 'wx+', 0o600);
    if (this.buffered + chunk.byteLength > WRITE_BUFFER) await this.flush();
    if (chunk.byteLength >= WRITE_BUFFER) {
      await this.handle.write(chunk, 0, chunk.byteLength, this.position);
    } else {
      this.buffer.set(chunk, this.buffered);
      this.buffered += chunk.byteLength;
    }
    this.position += chunk.byteLength;
  }

  async flush(): Promise<void> {
    if (this.buffered === 0 || !this.handle) return;
    const start = this.position - this.buffered;
    await this.handle.write(this.buffer, 0, this.buffered, start);
    // write() may keep a reference until it resolves; a fresh buffer keeps later appends from racing it.
    this.buffer = new Uint8Array(WRITE_BUFFER);
    this.buffered = 0;
  }

  /** Flushes and closes the spool file but keeps it: its ranges stay readable (the caller removes the file). */
  async detach(): Promise<void> {
    await this.flush();
    await this.handle?.close();
    this.handle = undefined;
  }

  async close(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
    if (this.ownDir) rmSync(this.ownDir, { recursive: true, force: true });
    else rmSync(this.path, { force: true });
  }
}

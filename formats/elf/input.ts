/** ElfInput adapters: a whole buffer, any ByteSource (collected first), or a host file read positionally. */
import { open } from 'node:fs/promises';
import { type ByteSource, collectBytes } from '../bytes.js';
import type { ElfInput } from './header.js';

export function elfInputFromBytes(bytes: Uint8Array, file?: string): ElfInput {
  return { size: bytes.length, file, read: async (offset, length) => bytes.subarray(offset, offset + length) };
}

/** ELF needs random access, so a streamed source is collected (up to `limit` bytes). */
export async function elfInputFromSource(source: ByteSource, file?: string, limit?: number): Promise<ElfInput> {
  return elfInputFromBytes(await collectBytes(source, limit), file);
}

/** Reads a host file positionally; call `close()` when done. */
export async function elfInputFromFile(path: string): Promise<ElfInput & { close(): Promise<void> }> {
  const handle = await open(path, 'r');
  const { size } = await handle.stat();
  return {
    size,
    file: path,
    async read(offset, length) {
      const buf = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(buf, done, length - done, offset + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return done === length ? buf : buf.subarray(0, done);
    },
    close: () => handle.close(),
  };
}

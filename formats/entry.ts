/**
 * The entry shape every archive reader (tar, cpio, and through them .deb and
 * .rpm) yields, so that listing, extraction and the tree sources handle all
 * archive formats with one code path. Readers yield entries as an async
 * iterable; each entry's body is an async iterable that the consumer either
 * drains or leaves alone (the reader then skips it before the next entry).
 */
import { type ByteCursor } from './bytes.js';
import { DistrokitError, type ErrorCode } from './errors.js';

/** Seconds since the epoch plus nanoseconds 0..999,999,999 (the same shape as the tree's Timestamp). */
export interface EntryTime {
  sec: number;
  nsec: number;
}

export type EntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'chardev' | 'blockdev' | 'fifo' | 'socket';

export interface ArchiveEntry {
  /** The path as stored in the archive (decoded as UTF-8; a directory's trailing '/' removed). Not sanitised: see src/tree for that. */
  path: string;
  type: EntryType;
  /** Permission bits including setuid/setgid/sticky, without the file-type bits. */
  mode: number;
  uid: number;
  gid: number;
  uname?: string;
  gname?: string;
  /** Bytes of content (0 for everything but regular files; hard links in tar carry 0). */
  size: number;
  mtime: EntryTime;
  atime?: EntryTime;
  ctime?: EntryTime;
  /** Symlink target, or for a hard link the archive path of the entry it links to. */
  linkTarget?: string;
  devMajor?: number;
  devMinor?: number;
  xattrs?: Map<string, Uint8Array>;
  /** cpio only: the inode and link count, which is how cpio expresses hard links. */
  inode?: number;
  nlink?: number;
  /** Byte offset of this entry's header in the (decompressed) archive. */
  offset: number;
  /** Byte offset of the body in the (decompressed) archive. */
  bodyOffset: number;
  /** The content; drain it or ignore it, never both partially and then again. */
  body: AsyncIterable<Uint8Array>;
}

/** Shared reader options. */
export interface ReaderOptions {
  /** Name used in errors. */
  file?: string;
  /** Largest metadata record (pax header, GNU long name, cpio name) accepted, in bytes. Default 1 MiB. */
  maxMetadataSize?: number;
}

export const DEFAULT_MAX_METADATA = 1 << 20;

const utf8 = new TextDecoder('utf-8');

/** Decodes a NUL-terminated (or full-length) field as UTF-8. */
export function decodeCString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return utf8.decode(end < 0 ? bytes : bytes.subarray(0, end));
}

export function decodeUtf8(bytes: Uint8Array): string {
  return utf8.decode(bytes);
}


/**
 * An entry body over the reader's cursor: yields exactly `size` bytes
 * (zero-copy chunks), and `finish()` skips whatever the consumer did not read,
 * so the reader can move on to the next header.
 */
export function cursorBody(
  cursor: ByteCursor,
  size: number,
  error: { code: ErrorCode; file?: string; entry: string },
): { body: AsyncIterable<Uint8Array>; finish: () => Promise<void> } {
  let left = size;
  let finished = false;
  // A consumer may read ahead (a ReadableStream pulls before it is asked):
  // finish() waits for that read so two reads never share the cursor at once.
  let inflight: Promise<Uint8Array | null> | undefined;
  async function* iterate(): AsyncGenerator<Uint8Array> {
    while (left > 0) {
      if (finished) throw new DistrokitError('ENTRY_BODY_STALE', 'entry body read after the reader moved to the next entry', { file: error.file, entry: error.entry });
      const at = cursor.offset;
      inflight = cursor.readSome(left);
      const chunk = await inflight.finally(() => (inflight = undefined));
      if (!chunk)
        throw new DistrokitError(error.code, `unexpected end of input inside the body of '${error.entry}': ${left} bytes missing`, {
          file: error.file,
          offset: at,
          entry: error.entry,
        });
      left -= chunk.byteLength;
      yield chunk;
    }
  }
  return {
    body: { [Symbol.asyncIterator]: iterate },
    finish: async () => {
      if (finished) return;
      finished = true;
      while (inflight) await inflight.catch(() => null);
      if (left > 0) {
        const at = cursor.offset;
        const n = left;
        left = 0;
        try {
          await cursor.skip(n);
        } catch (err) {
          throw new DistrokitError(error.code, `unexpected end of input inside the body of '${error.entry}'`, { file: error.file, offset: at, entry: error.entry }, { cause: err });
        }
      }
    },
  };
}

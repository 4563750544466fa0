/**
 * A streaming NAR reader: the entries of a NAR in archive order (a directory
 * before its entries, entries sorted by name bytes), each regular file with
 * its contents as a stream. Validates as Nix's parseDump does: the grammar,
 * zero padding, entry names (no '', '.', '..', '/', NUL) in strictly
 * ascending byte order. A nesting of any depth is read without recursion.
 * A file's body must be read before the next entry is asked for; after, it
 * is ENTRY_BODY_STALE (the bytes are gone).
 */
import { type ByteSource, ByteCursor } from '../bytes.js';
import { DistrokitError } from '../errors.js';
import { NAR_MAGIC } from './node.js';

export interface NarEntry {
  /** The names from the root ([] for the root itself), as raw bytes. */
  names: Uint8Array[];
  /** The same as a '/'-joined string ('' for the root), decoded as UTF-8 (invalid bytes as U+FFFD). */
  path: string;
  type: 'regular' | 'symlink' | 'directory';
  /** Regular files only. */
  executable?: boolean;
  size?: bigint;
  /** The contents: read it before asking for the next entry, or it is skipped. */
  body?: AsyncIterable<Uint8Array>;
  /** Symlinks only: the target as raw bytes. */
  target?: Uint8Array;
}

export interface NarReaderOptions {
  /** Names the input in errors. */
  file?: string;
  /** The longest token (name, target) accepted; default 64 KiB, far beyond PATH_MAX. */
  maxString?: number;
}

const decoder = new TextDecoder('utf-8');
const text = (b: Uint8Array) => decoder.decode(b);

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.byteLength, b.byteLength);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.byteLength - b.byteLength;
}

interface DirFrame {
  names: Uint8Array[];
  previous: Uint8Array | null;
}

export async function* readNar(source: ByteSource, options: NarReaderOptions = {}): AsyncGenerator<NarEntry> {
  const cursor = new ByteCursor(source, { file: options.file, truncatedCode: 'STORE_NAR_TRUNCATED' });
  const maxString = options.maxString ?? 64 * 1024;
  const corrupt = (message: string, at: number, names?: Uint8Array[]) =>
    new DistrokitError('STORE_NAR_CORRUPT', message, { file: options.file, offset: at, ...(names && { entry: `/${names.map(text).join('/')}` }) });

  const u64 = async (): Promise<bigint> => {
    const b = await cursor.readExact(8);
    return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
  };
  const padding = async (length: bigint) => {
    const pad = Number((8n - (length % 8n)) % 8n);
    const at = cursor.offset;
    if (pad && (await cursor.readExact(pad)).some((b) => b !== 0)) throw corrupt('non-zero padding', at);
  };
  const str = async (): Promise<Uint8Array> => {
    const at = cursor.offset;
    const length = await u64();
    if (length > BigInt(maxString)) throw corrupt(`a string of ${length} bytes, beyond the limit of ${maxString}`, at);
    const bytes = (await cursor.readExact(Number(length))).slice();
    await padding(length);
    return bytes;
  };
  const expect = async (want: string, names?: Uint8Array[]) => {
    const at = cursor.offset;
    const got = text(await str());
    if (got !== want) throw corrupt(`expected '${want}', found '${got}'`, at, names);
  };

  /** Reads `( type …` up to a leaf's closing ')' (after its body) or a directory's first entry. */
  async function* node(names: Uint8Array[]): AsyncGenerator<NarEntry, boolean> {
    await expect('(', names);
    await expect('type', names);
    const at = cursor.offset;
    const type = text(await str());
    const path = names.map(text).join('/');
    if (type === 'regular') {
      let tagAt = cursor.offset;
      let tag = text(await str());
      let executable = false;
      if (tag === 'executable') {
        executable = true;
        await expect('', names);
        tagAt = cursor.offset;
        tag = text(await str());
      }
      if (tag !== 'contents') throw corrupt(`expected 'contents', found '${tag}'`, tagAt, names);
      const size = await u64();
      if (size > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(`a file of ${size} bytes`, cursor.offset - 8, names);
      let left = Number(size);
      let stale = false;
      const body = (async function* () {
        if (stale) throw new DistrokitError('ENTRY_BODY_STALE', `the contents of '/${path}' were read after the reader moved past them`, { file: options.file, entry: `/${path}` });
        for await (const chunk of cursor.stream(left)) {
          left -= chunk.byteLength;
          yield chunk;
        }
      })();
      yield { names, path, type: 'regular', executable, size, body };
      stale = true;
      if (left > 0) await cursor.skip(left);
      await padding(size);
      await expect(')', names);
      return false;
    }
    if (type === 'symlink') {
      await expect('target', names);
      const target = await str();
      await expect(')', names);
      yield { names, path, type: 'symlink', target };
      return false;
    }
    if (type === 'directory') {
      yield { names, path, type: 'directory' };
      return true;
    }
    throw corrupt(`unknown node type '${type}'`, at, names);
  }

  const magicAt = cursor.offset;
  let magic: string;
  try {
    magic = text(await str());
  } catch (err) {
    if (err instanceof DistrokitError && err.code === 'STORE_NAR_CORRUPT') throw corrupt('not a NAR (no nix-archive-1 magic)', magicAt);
    throw err;
  }
  if (magic !== NAR_MAGIC) throw corrupt('not a NAR (no nix-archive-1 magic)', magicAt);

  const stack: DirFrame[] = [];
  if (yield* node([])) stack.push({ names: [], previous: null });
  while (stack.length) {
    const frame = stack[stack.length - 1]!;
    const at = cursor.offset;
    const tag = text(await str());
    if (tag === ')') {
      stack.pop();
      if (stack.length) await expect(')', frame.names); // closes the entry holding this directory
      continue;
    }
    if (tag !== 'entry') throw corrupt(`expected 'entry' or ')', found '${tag}'`, at, frame.names);
    await expect('(', frame.names);
    await expect('name', frame.names);
    const nameAt = cursor.offset;
    const name = await str();
    const names = [...frame.names, name];
    if (name.byteLength === 0 || text(name) === '.' || text(name) === '..' || name.includes(0x2f) || name.includes(0)) {
      throw corrupt(`invalid entry name ${JSON.stringify(text(name))}`, nameAt, names);
    }
    if (frame.previous && compareBytes(frame.previous, name) >= 0) throw corrupt('directory entries are not in ascending byte order (or repeat)', nameAt, names);
    frame.previous = name;
    await expect('node', names);
    if (yield* node(names)) stack.push({ names, previous: null });
    else await expect(')', names);
  }
  if (!(await cursor.atEnd())) throw corrupt('data after the end of the archive', cursor.offset);
}

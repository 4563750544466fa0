/**
 * Unix ar archives (the container of .deb): "!<arch>\n", then members with a
 * 60-byte ASCII header, bodies padded to an even offset. Handles plain names,
 * GNU names ("name/", the "//" long-name table, "/N" references, the "/"
 * symbol table) and BSD "#1/len" names whose name precedes the body.
 */
import { ByteCursor, type ByteSource } from '../bytes.js';
import { DistrokitError } from '../errors.js';
import { cursorBody, decodeUtf8 } from '../entry.js';

export const AR_MAGIC = '!<arch>\n';
export const AR_HEADER_SIZE = 60;

export interface ArMember {
  name: string;
  mtime: number;
  uid: number;
  gid: number;
  mode: number;
  size: number;
  /** Offset of the member's header in the archive. */
  offset: number;
  bodyOffset: number;
  body: AsyncIterable<Uint8Array>;
}

export interface ArReaderOptions {
  file?: string;
}

const ascii = new TextDecoder('latin1');

function field(header: Uint8Array, start: number, length: number): string {
  return ascii.decode(header.subarray(start, start + length)).trimEnd();
}

function numberField(header: Uint8Array, start: number, length: number, radix: number, what: string, ctx: { file?: string; offset: number }): number {
  const text = field(header, start, length);
  if (text === '') return 0;
  const valid = radix === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
  if (!valid.test(text)) throw new DistrokitError('AR_BAD_HEADER', `ar member header: ${what} field '${text}' is not a number`, { file: ctx.file, offset: ctx.offset + start });
  return parseInt(text, radix);
}

/** Reads an ar archive as an async iterable of members; each body must be drained or is skipped. */
export async function* readAr(source: ByteSource, options: ArReaderOptions = {}): AsyncGenerator<ArMember> {
  const file = options.file;
  const cursor = new ByteCursor(source, { file, truncatedCode: 'AR_TRUNCATED' });
  const magic = await cursor.readExactOrEnd(8);
  if (!magic || ascii.decode(magic) !== AR_MAGIC) throw new DistrokitError('AR_BAD_MAGIC', 'not an ar archive (missing "!<arch>\\n")', { file, offset: 0 });
  let longNames: Uint8Array | undefined;
  for (;;) {
    if (cursor.offset % 2 === 1) {
      // Bodies are padded to even offsets with '\n'; a file may end without the pad.
      if (await cursor.atEnd()) return;
      await cursor.skip(1);
    }
    const offset = cursor.offset;
    const header = await cursor.readExactOrEnd(AR_HEADER_SIZE);
    if (!header) return;
    if (header[58] !== 0x60 || header[59] !== 0x0a) throw new DistrokitError('AR_BAD_HEADER', 'ar member header does not end with "`\\n"', { file, offset: offset + 58 });
    const ctx = { file, offset };
    let name = field(header, 0, 16);
    let size = numberField(header, 48, 10, 10, 'size', ctx);
    const member = {
      mtime: numberField(header, 16, 12, 10, 'mtime', ctx),
      uid: numberField(header, 28, 6, 10, 'uid', ctx),
      gid: numberField(header, 34, 6, 10, 'gid', ctx),
      mode: numberField(header, 40, 8, 8, 'mode', ctx),
    };
    if (name.startsWith('#1/')) {
      const nameLength = Number(name.slice(3));
      if (!Number.isInteger(nameLength) || nameLength > size) throw new DistrokitError('AR_BAD_HEADER', `bad BSD long name length '${name}'`, { file, offset });
      name = decodeUtf8(await cursor.readExact(nameLength)).replace(/\0+$/, '');
      size -= nameLength;
    } else if (name === '//') {
      if (size > 16 << 20) throw new DistrokitError('AR_BAD_HEADER', `ar long-name table of ${size} bytes is too large`, { file, offset });
      longNames = new Uint8Array(await cursor.readExact(size));
      continue;
    } else if (name === '/' || name === '/SYM64/' || name === '__.SYMDEF' || name === '__.SYMDEF SORTED') {
      await cursor.skip(size);
      continue;
    } else if (/^\/[0-9]+$/.test(name)) {
      const at = Number(name.slice(1));
      if (!longNames || at >= longNames.byteLength) throw new DistrokitError('AR_BAD_HEADER', `ar long-name reference '${name}' without a matching name table`, { file, offset });
      let end = longNames.indexOf(0x0a, at);
      if (end < 0) end = longNames.byteLength;
      name = decodeUtf8(longNames.subarray(at, end)).replace(/\/$/, '');
    } else if (name.endsWith('/')) {
      name = name.slice(0, -1);
    }
    const bodyOffset = cursor.offset;
    const { body, finish } = cursorBody(cursor, size, { code: 'AR_TRUNCATED', file, entry: name });
    yield { name, ...member, size, offset, bodyOffset, body };
    await finish();
  }
}

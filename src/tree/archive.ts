/**
 * Opens any supported archive by its magic bytes (never its name): .deb (ar
 * with debian-binary first), other ar archives, .rpm, cpio (newc, crc, odc),
 * and tar (plain or gzip/bzip2/xz/zstd/lz4-compressed). For packages the
 * entries are those of the payload (data.tar, the RPM cpio).
 */
import { type ByteSource, peekBytes } from '../../formats/bytes.js';
import { DistrokitError } from '../../formats/errors.js';
import { readFileChunks } from '../../formats/file.js';
import type { ArchiveEntry } from '../../formats/entry.js';
import { readAr } from '../../formats/ar/reader.js';
import { readTar } from '../../formats/tar/reader.js';
import { readCpio } from '../../formats/cpio/reader.js';
import { readRpm } from '../../formats/rpm/reader.js';
import { checksumMatches, readNumber } from '../../formats/tar/header.js';
import { readDeb } from '../../formats/deb/reader.js';
import { controlField } from '../../formats/deb/control.js';
import { decompress, detectCompression } from '../../formats/compress/index.js';

export type ArchiveFormat = 'deb' | 'ar' | 'rpm' | 'cpio' | 'tar';

export interface OpenArchiveOptions {
  file?: string;
  /** Limit on decompressed payload bytes (decompression bombs), default 64 GiB. */
  maxOutput?: number;
  /** Read as this format instead of detecting it ('deb': an ar archive that must be a valid .deb). */
  format?: ArchiveFormat;
}

/** Reads a file as chunks of 1 MiB; one that cannot be opened or read is ARCHIVE_UNREADABLE naming `label` (default: the path). */
export function fileSource(path: string, label = path): AsyncIterable<Uint8Array> {
  return readFileChunks(path, 'ARCHIVE_UNREADABLE', { label });
}

const latin1 = new TextDecoder('latin1');

/** The archive format of an uncompressed head (≥ 512 bytes when available), or undefined. */
export function detectArchiveFormat(head: Uint8Array): ArchiveFormat | undefined {
  const text = latin1.decode(head.subarray(0, 8));
  if (text === '!<arch>\n') return latin1.decode(head.subarray(8, 21)) === 'debian-binary' ? 'deb' : 'ar';
  if (head[0] === 0xed && head[1] === 0xab && head[2] === 0xee && head[3] === 0xdb) return 'rpm';
  if (text.startsWith('070701') || text.startsWith('070702') || text.startsWith('070707')) return 'cpio';
  if ((head[0] === 0xc7 && head[1] === 0x71) || (head[0] === 0x71 && head[1] === 0xc7)) return 'cpio';
  // A ustar/GNU magic says tar even when the checksum is bad, so the reader can report TAR_BAD_CHECKSUM.
  if (head.byteLength >= 512 && latin1.decode(head.subarray(257, 262)) === 'ustar') return 'tar';
  if (head.byteLength >= 512) {
    try {
      if (checksumMatches(head, readNumber(head, 148, 8, 'checksum', { offset: 0 }))) return 'tar';
    } catch {
      return undefined;
    }
  }
  return undefined;
}

export interface OpenedArchive {
  format: ArchiveFormat;
  /** Compression around a tar or cpio (packages compress inside). */
  compression: string;
  /** The package name for .deb and .rpm. */
  owner?: string;
  entries: AsyncIterable<ArchiveEntry>;
}

/** Opens an archive from a path or byte source. */
export async function openArchive(input: string | ByteSource, options: OpenArchiveOptions = {}): Promise<OpenedArchive> {
  const file = options.file ?? (typeof input === 'string' ? input : undefined);
  const raw = typeof input === 'string' ? fileSource(input, file) : input;
  const peeked = await peekBytes(raw, 512);
  const direct = options.format === 'deb' || options.format === 'rpm' ? options.format : detectArchiveFormat(peeked.head);
  if (direct === 'deb') {
    const deb = await readDeb(peeked.source, { file, maxDataSize: options.maxOutput });
    return { format: 'deb', compression: deb.dataCompression, owner: controlField(deb.control.fields, 'Package'), entries: deb.data };
  }
  if (direct === 'ar') return { format: 'ar', compression: 'none', entries: arEntries(peeked.source, file) };
  if (direct === 'rpm') return openRpmPayload(peeked.source, file, options);
  const compression = detectCompression(peeked.head);
  let source: AsyncIterable<Uint8Array> = peeked.source;
  let format: ArchiveFormat | undefined = direct;
  if (compression !== 'none') {
    const inner = await peekBytes(decompress(peeked.source, { file, compression, maxOutput: options.maxOutput ?? 64 * 2 ** 30 }), 512);
    format = detectArchiveFormat(inner.head);
    source = inner.source;
  }
  if (format === 'tar') return { format, compression, entries: thenDrain(readTar(source, { file }), source) };
  if (format === 'cpio') return { format, compression, entries: thenDrain(readCpio(source, { file }), source) };
  throw new DistrokitError('ARCHIVE_UNKNOWN_FORMAT', 'not a recognised archive (.deb, .rpm, ar, tar, cpio; tar/cpio may be compressed)', { file, offset: 0 });
}

/**
 * The entries, then the rest of the (decompressed) stream after the archive's
 * end marker: that checks the compressed stream's own checksum and lets the
 * decoder release its resources (the xz decoder holds a process-wide lock).
 */
async function* thenDrain(entries: AsyncIterable<ArchiveEntry>, stream: AsyncIterable<Uint8Array>): AsyncGenerator<ArchiveEntry> {
  const it = stream[Symbol.asyncIterator]();
  try {
    yield* entries;
    for (;;) if ((await it.next()).done) break;
  } finally {
    await it.return?.(undefined);
  }
}

/** ar members as plain file entries. */
async function* arEntries(source: ByteSource, file: string | undefined): AsyncGenerator<ArchiveEntry> {
  for await (const m of readAr(source, { file })) {
    yield { path: m.name, type: 'file', mode: m.mode & 0o7777, uid: m.uid, gid: m.gid, size: m.size, mtime: { sec: m.mtime, nsec: 0 }, offset: m.offset, bodyOffset: m.bodyOffset, body: m.body };
  }
}

async function openRpmPayload(source: ByteSource, file: string | undefined, options: OpenArchiveOptions): Promise<OpenedArchive> {
  const rpm = await readRpm(source, { file, maxPayloadSize: options.maxOutput });
  return { format: 'rpm', compression: rpm.payloadCompression, owner: rpm.info.name, entries: rpm.payload };
}

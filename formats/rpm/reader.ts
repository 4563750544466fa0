/**
 * The .rpm package: a 96-byte lead, the signature header (padded to 8
 * bytes), the main header, then the payload — a compressed cpio (gzip,
 * bzip2, xz or zstd; detected by magic, cross-checked with
 * PAYLOADCOMPRESSOR). Metadata is read at once; the payload streams as
 * cpio entries.
 */
import { ByteCursor, type ByteSource, collectBytes } from '../bytes.js';
import { DistrokitError } from '../errors.js';
import { type Compression, decompress, peekCompression } from '../compress/index.js';
import { isXzSha256, stripXzSha256, verifyBlocks } from './payload-xz.js';
import { type CpioEntry, readCpio } from '../cpio/reader.js';
import { headerIntro, parseHeader, type RpmHeader } from './header.js';
import { type RpmInfo, rpmInfo } from './info.js';

export interface RpmLead {
  major: number;
  minor: number;
  /** 0 binary, 1 source. */
  type: number;
  name: string;
  signatureType: number;
}

/** A whole .rpm file as read: lead, headers and payload (not a repository's package entry). */
export interface RpmArchive {
  lead: RpmLead;
  signature: RpmHeader;
  header: RpmHeader;
  info: RpmInfo;
  /** The payload compression found by its magic bytes. */
  payloadCompression: string;
  /** The payload's cpio entries; iterate once. */
  payload: AsyncIterable<CpioEntry>;
}

export interface RpmReaderOptions {
  file?: string;
  /** Largest decompressed payload accepted (default 64 GiB): DECOMPRESSED_TOO_LARGE beyond. */
  maxPayloadSize?: number;
}

const LEAD_SIZE = 96;
const latin1 = new TextDecoder('latin1');

function parseLead(bytes: Uint8Array, file: string | undefined): RpmLead {
  if (bytes[0] !== 0xed || bytes[1] !== 0xab || bytes[2] !== 0xee || bytes[3] !== 0xdb) throw new DistrokitError('RPM_BAD_MAGIC', 'not an RPM package (bad lead magic)', { file, offset: 0 });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const nameBytes = bytes.subarray(10, 76);
  const end = nameBytes.indexOf(0);
  const lead = { major: bytes[4]!, minor: bytes[5]!, type: view.getUint16(6), name: latin1.decode(end < 0 ? nameBytes : nameBytes.subarray(0, end)), signatureType: view.getUint16(78) };
  if (lead.major < 3) throw new DistrokitError('RPM_UNSUPPORTED', `RPM format ${lead.major}.${lead.minor} is not supported (3 or later)`, { file, offset: 4 });
  if (lead.signatureType !== 5) throw new DistrokitError('RPM_UNSUPPORTED', `signature type ${lead.signatureType} is not a header-style signature (5)`, { file, offset: 78 });
  return lead;
}

async function readHeaderAt(cursor: ByteCursor, file: string | undefined, what: string): Promise<RpmHeader> {
  const offset = cursor.offset;
  const intro = await cursor.readExact(16);
  const { size } = headerIntro(intro, { file, offset, what });
  const rest = await cursor.readExact(size - 16);
  const whole = new Uint8Array(size);
  whole.set(intro, 0);
  whole.set(rest, 16);
  return parseHeader(whole, { file, offset, what });
}

/**
 * The decompressed payload. xz payloads are buffered (they are bounded by
 * the file) so that rpm's SHA-256 check can be handled: see payload-xz.ts.
 */
async function payloadStream(source: AsyncIterable<Uint8Array>, compression: Compression, file: string, maxOutput: number): Promise<AsyncGenerator<Uint8Array>> {
  if (compression !== 'xz') return decompress(source, { file, compression, maxOutput });
  const xz = await collectBytes(source);
  if (!isXzSha256(xz)) return decompress(xz, { file, compression, maxOutput });
  const { stream, blocks } = stripXzSha256(xz, file);
  return verifyBlocks(decompress(stream, { file, compression, maxOutput }), blocks, file);
}

export async function readRpm(source: ByteSource, options: RpmReaderOptions = {}): Promise<RpmArchive> {
  const file = options.file;
  const cursor = new ByteCursor(source, { file, truncatedCode: 'RPM_TRUNCATED' });
  const lead = parseLead(await cursor.readExact(LEAD_SIZE), file);
  const signature = await readHeaderAt(cursor, file, 'signature header');
  await cursor.skip((8 - (cursor.offset % 8)) % 8);
  const header = await readHeaderAt(cursor, file, 'main header');
  const info = rpmInfo(header, file);
  if (info.payloadFormat !== 'cpio') throw new DistrokitError('RPM_UNSUPPORTED', `payload format '${info.payloadFormat}' is not cpio`, { file });
  const payloadOffset = cursor.offset;
  async function* rest(): AsyncGenerator<Uint8Array> {
    for (;;) {
      const chunk = await cursor.readSome(1 << 20);
      if (!chunk) return;
      yield chunk;
    }
  }
  const peeked = await peekCompression(rest());
  const label = `${file ?? '<rpm>'}:payload`;
  let started = false;
  async function* payload(): AsyncGenerator<CpioEntry> {
    if (started) throw new DistrokitError('RPM_PAYLOAD_REREAD', 'the payload of an RPM can be iterated only once', { file });
    started = true;
    if (peeked.compression === 'lz4') throw new DistrokitError('RPM_UNSUPPORTED', 'lz4 payloads are not used by rpm', { file, offset: payloadOffset });
    const maxOutput = options.maxPayloadSize ?? 64 * 2 ** 30;
    const stream = await payloadStream(peeked.source, peeked.compression, label, maxOutput);
    try {
      yield* readCpio(stream, { file: label });
      // Read to the end: checks the compressed stream's checksum and releases the decoder.
      for await (const chunk of stream) void chunk;
    } finally {
      await stream.return(undefined);
    }
  }
  return { lead, signature, header, info, payloadCompression: peeked.compression, payload: { [Symbol.asyncIterator]: payload } };
}

/**
 * xz through liblzma 5.8.4 compiled to WebAssembly (formats/compress/liblzma.ts).
 * It verifies every check type xz writes (CRC32, CRC64, SHA-256), reads
 * concatenated streams and stream padding like xz(1), and reports truncation,
 * corruption and unsupported features as typed errors; input is fed and output
 * taken in 1 MiB pieces, so the per-chunk cost stays small. compressXz writes
 * one .xz stream with liblzma's presets (what `xz -N --check=…` writes).
 */
import { type ByteSource, iterateBytes } from '../bytes.js';
import { DistrokitError, type ErrorCode } from '../errors.js';
import { LZMA, LZMA_CHECK, LzmaDecoder, LzmaEncoder, LzmaError, type LzmaStream } from './liblzma.js';

const IN_SIZE = 1 << 20;
const OUT_SIZE = 1 << 20;
/** Dictionaries up to 1 GiB (xz -9 uses 64 MiB); beyond that the input is refused, not decoded. */
const MEMLIMIT = 1n << 30n;

export async function* decompressXz(source: ByteSource, options: { file?: string } = {}): AsyncGenerator<Uint8Array> {
  const decoder = openDecoder(options.file);
  try {
    for await (const chunk of iterateBytes(source)) {
      for (let at = 0; at < chunk.byteLength; ) {
        at += decoder.setInput(chunk.subarray(at));
        yield* drain(decoder, false, options.file);
      }
    }
    yield* drain(decoder, true, options.file);
  } finally {
    // Frees the stream's memory in the shared instance, also when the consumer stops early.
    decoder.close();
  }
}

export interface CompressXzOptions {
  /**
   * liblzma preset as `xz -0` … `xz -7` (default 6, xz's default); the output is byte-identical
   * to xz(1)'s single-threaded output for the same preset and check. Presets 8 and 9 need
   * 370 and 674 MiB of encoder memory, more than this WebAssembly build can have (256 MiB).
   */
  preset?: number;
  /** The integrity check (default crc64 as xz(1); Linux's initramfs decoder needs crc32 or none). */
  check?: 'none' | 'crc32' | 'crc64' | 'sha256';
}

/** Compresses `source` into one .xz stream; deterministic for the same bytes and options. */
export async function* compressXz(source: ByteSource, options: CompressXzOptions = {}): AsyncGenerator<Uint8Array> {
  const preset = options.preset ?? 6;
  if (!Number.isInteger(preset) || preset < 0 || preset > 9) {
    throw new DistrokitError('XZ_OPTIONS', `xz preset must be an integer 0-9, not ${preset}`, { preset });
  }
  const check = LZMA_CHECK[(options.check ?? 'crc64').toUpperCase() as keyof typeof LZMA_CHECK];
  if (check === undefined) throw new DistrokitError('XZ_OPTIONS', `unknown xz check '${options.check}'`, { check: options.check });
  let encoder: LzmaEncoder;
  try {
    encoder = new LzmaEncoder(IN_SIZE, OUT_SIZE, preset, check);
  } catch (err) {
    if (err instanceof LzmaError && err.ret === LZMA.MEM_ERROR) {
      throw new DistrokitError('XZ_MEMORY', `xz preset ${preset} needs more memory than the WebAssembly liblzma can have (256 MiB); presets 0-7 fit`, { preset }, { cause: err });
    }
    throw toError(err, undefined);
  }
  try {
    for await (const chunk of iterateBytes(source)) {
      for (let at = 0; at < chunk.byteLength; ) {
        at += encoder.setInput(chunk.subarray(at));
        yield* drain(encoder, false, undefined);
      }
    }
    yield* drain(encoder, true, undefined);
  } finally {
    encoder.close();
  }
}

function openDecoder(file: string | undefined): LzmaDecoder {
  try {
    return new LzmaDecoder(IN_SIZE, OUT_SIZE, MEMLIMIT);
  } catch (err) {
    throw toError(err, file);
  }
}

/**
 * Runs the coder until it needs input (finish = false) or until the end of the
 * last stream (finish = true), yielding what it produces. Used for both directions.
 */
function* drain(decoder: LzmaStream, finish: boolean, file: string | undefined): Generator<Uint8Array> {
  for (;;) {
    const { ret, output } = decoder.step(finish);
    if (output.byteLength > 0) yield output;
    if (ret === LZMA.STREAM_END) return;
    if (ret !== LZMA.OK) throw toError(new LzmaError(ret, decoder.totalIn), file);
    // Not finishing: a partly filled output buffer means the input piece is used up.
    if (!finish && output.byteLength < OUT_SIZE && decoder.needsInput) return;
  }
}

const FAILURES: Record<number, [code: ErrorCode, what: string]> = {
  [LZMA.BUF_ERROR]: ['XZ_TRUNCATED', 'truncated input'],
  [LZMA.DATA_ERROR]: ['XZ_CORRUPT', 'corrupt data (a check or a structure does not match)'],
  [LZMA.FORMAT_ERROR]: ['XZ_CORRUPT', 'not xz data (bad stream header)'],
  [LZMA.OPTIONS_ERROR]: ['XZ_UNSUPPORTED', 'unsupported filter or options'],
  [LZMA.UNSUPPORTED_CHECK]: ['XZ_UNSUPPORTED', 'an integrity check type this decoder cannot verify'],
  [LZMA.MEMLIMIT_ERROR]: ['XZ_MEMORY', `needs more than ${MEMLIMIT >> 20n} MiB of dictionary memory`],
  [LZMA.MEM_ERROR]: ['XZ_MEMORY', 'out of WebAssembly memory'],
};

function toError(err: unknown, file: string | undefined): DistrokitError {
  if (!(err instanceof LzmaError)) return DistrokitError.wrap(err, 'XZ_INTERNAL', { file });
  const [code, what] = FAILURES[err.ret] ?? ['XZ_INTERNAL', 'internal decoder error'];
  return new DistrokitError(code, `xz: ${what} (liblzma ${err.ret})`, { file, offset: err.totalIn }, { cause: err });
}

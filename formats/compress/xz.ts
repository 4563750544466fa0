/**
 * xz through liblzma 5.8.4 compiled to WebAssembly (formats/compress/liblzma.ts).
 * It verifies every check type xz writes (CRC32, CRC64, SHA-256), reads
 * concatenated streams and stream padding like xz(1), and reports truncation,
 * corruption and unsupported features as typed errors; input is fed and output
 * taken in 1 MiB pieces, so the per-chunk cost stays small.
 */
import { type ByteSource, iterateBytes } from '../bytes.js';
import { DistrokitError } from '../errors.js';
import { LZMA, LzmaDecoder, LzmaError } from './liblzma.js';

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

function openDecoder(file: string | undefined): LzmaDecoder {
  try {
    return new LzmaDecoder(IN_SIZE, OUT_SIZE, MEMLIMIT);
  } catch (err) {
    throw toError(err, file);
  }
}

/**
 * Runs the decoder until it needs input (finish = false) or until the end of the
 * last stream (finish = true), yielding what it produces.
 */
function* drain(decoder: LzmaDecoder, finish: boolean, file: string | undefined): Generator<Uint8Array> {
  for (;;) {
    const { ret, output } = decoder.step(finish);
    if (output.byteLength > 0) yield output;
    if (ret === LZMA.STREAM_END) return;
    if (ret !== LZMA.OK) throw toError(new LzmaError(ret, decoder.totalIn), file);
    // Not finishing: a partly filled output buffer means the input piece is used up.
    if (!finish && output.byteLength < OUT_SIZE && decoder.needsInput) return;
  }
}

const FAILURES: Record<number, [code: string, what: string]> = {
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

/** xz through the WASM xz-embedded build in `xz-decompress` (the only maintained pure-WASM xz). */
import xzModule from 'xz-decompress';
import { type ByteSource, iterateBytes } from '../bytes.js';
import { DistrokitError } from '../errors.js';

const { XzReadableStream } = xzModule as unknown as {
  XzReadableStream: new (input: ReadableStream<Uint8Array>) => ReadableStream<Uint8Array>;
};

export async function* decompressXz(source: ByteSource, options: { file?: string } = {}): AsyncGenerator<Uint8Array> {
  const it = iterateBytes(source)[Symbol.asyncIterator]();
  let consumed = 0;
  let sawInput = false;
  const input = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await it.next();
      if (next.done) controller.close();
      else {
        sawInput = true;
        consumed += next.value.byteLength;
        controller.enqueue(next.value);
      }
    },
  });
  const reader = new XzReadableStream(input).getReader();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      yield value;
    }
    finished = true;
  } catch (err) {
    finished = true; // an error already released the decoder
    if (err instanceof DistrokitError) throw err;
    // xz-embedded reports numeric codes; 8 is XZ_BUF_ERROR (input ended early).
    const message = (err as Error).message ?? String(err);
    const truncated = /error code 8\b/.test(message) || !sawInput;
    throw new DistrokitError(truncated ? 'XZ_TRUNCATED' : 'XZ_CORRUPT', `xz: ${truncated ? 'truncated input' : 'corrupt data'} (${message})`, {
      file: options.file,
      offset: consumed,
    }, { cause: err });
  } finally {
    // xz-decompress decodes one stream at a time behind a module-wide mutex that
    // only finishing, failing or cancelling releases: a consumer that stops early
    // (a size limit, an error downstream) must cancel, or the next xz stream waits forever.
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

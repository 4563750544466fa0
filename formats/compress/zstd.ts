/**
 * zstd through fzstd (pure JS, push streaming, typed error codes). Node 20's
 * zlib has no zstd; where a later Node provides zlib.createZstdDecompress this
 * is the place to prefer it.
 */
import { Decompress } from 'fzstd';
import { type ByteSource, iterateBytes } from '../bytes.js';
import { DistrokitError } from '../errors.js';

export async function* decompressZstd(source: ByteSource, options: { file?: string } = {}): AsyncGenerator<Uint8Array> {
  let out: Uint8Array[] = [];
  const decoder = new Decompress((data) => {
    out.push(data);
  });
  let consumed = 0;
  let finished = false;
  const fail = (err: unknown): never => {
    const code = (err as { code?: number }).code;
    throw new DistrokitError(code === 5 ? 'ZSTD_TRUNCATED' : 'ZSTD_CORRUPT', `zstd: ${(err as Error).message}`, {
      file: options.file,
      offset: consumed,
    }, { cause: err });
  };
  let sawInput = false;
  for await (const chunk of iterateBytes(source)) {
    sawInput = true;
    try {
      decoder.push(chunk);
    } catch (err) {
      fail(err);
    }
    consumed += chunk.byteLength;
    if (out.length) {
      yield* out;
      out = [];
    }
  }
  try {
    decoder.push(new Uint8Array(0), true);
    finished = true;
  } catch (err) {
    fail(err);
  }
  if (!sawInput || !finished) throw new DistrokitError('ZSTD_TRUNCATED', 'zstd: empty input', { file: options.file, offset: 0 });
  yield* out;
}

/**
 * bzip2 through seek-bzip with multistream on (its default decodes only the
 * first stream). It works on whole buffers: bzip2 blocks are at most 900 kB of
 * output each, but seek-bzip has no incremental API, and unbzip2-stream (the
 * streaming alternative) crashes on truncated input. See docs/dependencies.md.
 */
import seekBzip from 'seek-bzip';
import { type ByteSource, collectBytes } from '../bytes.js';
import { DistrokitError } from '../errors.js';

const { decode } = seekBzip;

export async function* decompressBzip2(source: ByteSource, options: { file?: string } = {}): AsyncGenerator<Uint8Array> {
  const input = await collectBytes(source);
  let out: Uint8Array;
  try {
    out = decode(Buffer.from(input.buffer, input.byteOffset, input.byteLength), undefined, true);
  } catch (err) {
    const message = (err as Error).message ?? String(err);
    throw new DistrokitError('BZIP2_CORRUPT', `bzip2: ${message}`, {
      file: options.file,
    }, { cause: err });
  }
  yield new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

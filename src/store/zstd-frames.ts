/**
 * A file compressed as a sequence of independent zstd frames, one per 8 MiB
 * piece: `zstd -d` decodes concatenated frames into the concatenation of their
 * contents, and the one-shot WASM encoder (@bokuweb/zstd-wasm, the reference
 * library; see docs/dependencies.md) then never holds more than one piece, not
 * the whole image. Each frame records its content size and checksum.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';

/** Uncompressed bytes per frame. Larger pieces compress a little better and cost memory. */
export const ZSTD_FRAME_BYTES = 8 << 20;
/** zstd's own default level, the one nixpkgs' `zstd -v` uses. */
export const ZSTD_LEVEL = 3;

export interface ZstdFramesResult {
  /** Bytes written, and sha256 of the input and of the output. */
  bytes: number;
  inputSha256: string;
  outputSha256: string;
}

/** Compresses the file `input` into `out` (an open handle, written from offset 0). */
export async function compressFileToZstdFrames(input: string, out: FileHandle, level = ZSTD_LEVEL): Promise<ZstdFramesResult> {
  const zstd = await import('@bokuweb/zstd-wasm');
  await zstd.init();
  const inHash = createHash('sha256');
  const outHash = createHash('sha256');
  const fh = await open(input, 'r');
  const buf = Buffer.alloc(ZSTD_FRAME_BYTES);
  let written = 0;
  try {
    for (;;) {
      const n = await readFull(fh, buf);
      if (n === 0) break;
      const piece = buf.subarray(0, n);
      inHash.update(piece);
      const frame = zstd.compress(piece, level);
      outHash.update(frame);
      await out.write(frame, 0, frame.byteLength, written);
      written += frame.byteLength;
      if (n < buf.byteLength) break;
    }
  } finally {
    await fh.close();
  }
  return { bytes: written, inputSha256: inHash.digest('hex'), outputSha256: outHash.digest('hex') };
}

async function readFull(fh: FileHandle, buf: Buffer): Promise<number> {
  let got = 0;
  while (got < buf.byteLength) {
    const { bytesRead } = await fh.read(buf, got, buf.byteLength - got, null);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got;
}

/** Every reader is tested through whole-buffer, 64 KiB-chunk and 1-byte-chunk input. */
import { chunked } from '../../formats/bytes.js';

export const CHUNKINGS: { name: string; split: (data: Uint8Array) => Uint8Array | Iterable<Uint8Array> }[] = [
  { name: 'whole buffer', split: (d) => d },
  { name: '64 KiB chunks', split: (d) => chunked(d, 65536) },
  { name: '1-byte chunks', split: (d) => chunked(d, 1) },
];

export { NIX_BASE32_ALPHABET, nixBase32Encode, nixBase32Decode, nixBase32Length } from './base32.js';
export { NAR_MAGIC, type NarNode, type NarRegular, type NarSymlink, type NarDirectory } from './node.js';
export { narChunks, writeNar } from './writer.js';
export { readNar, type NarEntry, type NarReaderOptions } from './reader.js';

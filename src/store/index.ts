export { narHash, narHashOfNode, narHashOfNar, narBytes, dumpNar, narNodeOfTree, narNodeOfHostPath, type NarHashResult, type NarSource } from './nar.js';
export type { StorePathInfo } from './path-info.js';
export { nixBase32Encode, nixBase32Decode, NIX_BASE32_ALPHABET } from '../../formats/nar/base32.js';
export { narChunks, writeNar, NAR_MAGIC, type NarNode } from '../../formats/nar/index.js';

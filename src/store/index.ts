export { narHash, narHashOfNode, narHashOfNar, narBytes, dumpNar, narNodeOfTree, narNodeOfHostPath, type NarHashResult, type NarSource } from './nar.js';
export type { StorePathInfo } from './path-info.js';
export { nixBase32Encode, nixBase32Decode, NIX_BASE32_ALPHABET } from '../../formats/nar/base32.js';
export { narChunks, writeNar, readNar, NAR_MAGIC, type NarNode, type NarEntry, type NarReaderOptions } from '../../formats/nar/index.js';
export { readReferencesGraph, readClosureInfo, closureOf, isDirectlyUnder, badStorePathName } from './closure.js';
export { writeRegistration, fillNarHashes, type RegistrationFormat } from './registration.js';
export { parseBlocks, normaliseNarHash, type BlockFormat } from './blocks.js';
export {
  buildStoreImage,
  DEFAULT_STORE_IMAGE_UUID,
  NIXBLD_GID,
  REGISTRATION_NAME,
  REGISTRATION_FORMATS,
  STORE_SIZE_HEURISTICS,
  type StoreImageOptions,
  type StoreImageSummary,
  type StoreSizeHeuristic,
} from './image.js';
export { seedSizing, SeedMeasure, type SeedSizing } from './image-sizing.js';

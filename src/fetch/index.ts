/** distrokit/fetch: verified downloads into a cache directory, and the distribution catalog. */
export {
  downloadVerified,
  downloadAll,
  downloadToCache,
  downloadAllToCache,
  downloadEach,
  objectPath,
  verifyLocalFile,
  type DownloadItem,
  type DownloadOptions,
  type DownloadEvent,
  type DownloadResult,
} from './download.js';
export { parseChecksum, expectedChecksums, primaryChecksum, type Checksum, type ChecksumAlgo, type Expected } from './checksum.js';
export {
  listDistributions,
  lookupDistribution,
  mirrorUrl,
  mirrorEnvName,
  resolveMirrorUrl,
  snapshotUrl,
  type Distribution,
  type DebSuite,
  type RpmRepository,
  type SigningKey,
  type Family,
  type MirrorOverrides,
} from './catalog.js';
export { MIRRORS } from './catalog-data.js';
export { APT_LISTS_DIR, machineBookwormLists, type AptList } from './apt-lists.js';
export { cacheDir } from './cache.js';
export { readKeyring, mergeKeyrings, verifyCleartext, verifyDetached, type Keyring, type Verified, type VerifiedCleartext, type VerifyOptions } from './openpgp.js';
export { fetchDebianIndexes, type DebianSuiteSource, type DebianIndexOptions, type FetchedIndex, type FetchedSuite } from './debian-index.js';
export { debianSources, cachedDebianIndexes, readKeyrings, DEBIAN_ARCHIVE_KEYRING, type DebianSourceRequest, type DebianSources, type CachedIndexesOptions } from './debian-sources.js';
export { fetchRpmRepodata, type RpmIndexOptions, type FetchedRepodata } from './rpm-index.js';
export { fetchBytes, type FetchBytesOptions } from './fetch-bytes.js';
export { mirrorKey } from './index-files.js';

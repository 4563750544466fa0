/** distrokit/fetch: verified downloads into a cache directory. */
export { downloadVerified, downloadAll, verifyLocalFile, type DownloadItem, type DownloadOptions } from './download.js';
export { APT_LISTS_DIR, machineBookwormLists, type AptList } from './apt-lists.js';
export { cacheDir } from './cache.js';
export { readKeyring, mergeKeyrings, verifyCleartext, verifyDetached, type Keyring, type Verified, type VerifiedCleartext, type VerifyOptions } from './openpgp.js';

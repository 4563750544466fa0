/** distrokit/fetch: verified downloads into a cache directory. */
export { downloadVerified, downloadAll, type DownloadItem, type DownloadOptions } from './download.js';

/**
 * The .debs of a plan, each checked against the sha256 (and size) its index
 * gives: from a directory (--debs), a file:// mirror (read in place), or an
 * http(s) mirror — by default the one each index came from — downloaded into
 * the cache, where files already present and correct are reused.
 */
import { fileURLToPath } from 'node:url';
import { basename, join } from 'node:path';
import { DistrokitError } from '../../../formats/errors.js';
import type { ClosureDocument } from '../../deb/output.js';
import { joinUrl } from '../../deb/output.js';
import { cacheDir } from '../../fetch/cache.js';
import { downloadAll, type DownloadItem, verifyLocalFile } from '../../fetch/download.js';

export interface ObtainOptions {
  /** A directory holding the .debs under their pool file names. */
  debsDir?: string;
  /** A mirror (file://, http://, https://) the packages' locations are relative to. */
  mirror?: string;
  /** Where downloads go (default: debDownloadDir()). */
  cache?: string;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Where image debian downloads .debs: ~/.cache/distrokit/debs/fetched, under
 * their pool file names (its own directory: the test fixtures' debs/pool is
 * apt-get download's, which names files differently).
 */
export function debDownloadDir(): string {
  return cacheDir('debs', 'fetched');
}

/** Paths of the documents' packages, in its order. */
export async function obtainDebs(doc: ClosureDocument, options: ObtainOptions = {}): Promise<string[]> {
  const items = doc.packages.map((p) => {
    if (!p.location || p.checksum?.type !== 'sha256') throw new DistrokitError('IMAGE_NO_CHECKSUM', `package ${p.name} has no Filename or SHA256 in its index`, { entry: p.name });
    return { entry: p.name, location: p.location, name: basename(p.location), sha256: p.checksum.value, size: p.size ?? undefined, url: p.url };
  });
  // Where each file is: a local path (a --debs directory, a file:// URL) or a URL to download.
  const where = items.map((item) => {
    if (options.debsDir !== undefined) return { local: join(options.debsDir, item.name) };
    const url = options.mirror !== undefined ? joinUrl(options.mirror, item.location) : item.url;
    if (!url) throw new DistrokitError('IMAGE_NO_URL', `package ${item.entry} has no URL (its index has no mirror; pass --url-prefix, --mirror or --debs)`, { entry: item.entry });
    return url.startsWith('file:') ? { local: fileURLToPath(url) } : { url };
  });
  const out: string[] = new Array(items.length);
  const downloads: DownloadItem[] = [];
  const downloadAt: number[] = [];
  let done = 0;
  for (const [i, item] of items.entries()) {
    const w = where[i]!;
    if (w.local !== undefined) {
      out[i] = await verifyLocalFile(w.local, item);
      options.onProgress?.(++done, items.length);
    } else {
      downloads.push({ url: w.url!, name: item.name, sha256: item.sha256, size: item.size });
      downloadAt.push(i);
    }
  }
  const fetched = await downloadAll(downloads, options.cache ?? debDownloadDir(), { onProgress: () => options.onProgress?.(++done, items.length) });
  fetched.forEach((path, k) => (out[downloadAt[k]!] = path));
  return out;
}

/**
 * Downloads with integrity: every file is checked against the size and
 * sha256 its index gives before it is renamed into place, so a cache never
 * holds a partial or corrupted file. Files already present and correct are
 * not downloaded again.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DistrokitError } from '../../formats/errors.js';

export interface DownloadItem {
  url: string;
  /** File name in the destination directory. */
  name: string;
  sha256: string;
  size?: number;
}

export interface DownloadOptions {
  /** Parallel downloads (default 4). */
  jobs?: number;
  onProgress?: (done: number, total: number, item: DownloadItem) => void;
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

function isValid(path: string, item: DownloadItem): Promise<boolean> {
  return verifyLocalFile(path, item).then(
    () => true,
    () => false,
  );
}

/**
 * Checks a local file (a --debs directory, a file:// mirror) against its index
 * entry: IMAGE_DEB_MISSING when it is not there, FETCH_SIZE_MISMATCH or
 * FETCH_CHECKSUM_MISMATCH when it is not the file the index names.
 */
export async function verifyLocalFile(path: string, item: Pick<DownloadItem, 'sha256' | 'size'> & { entry?: string }): Promise<string> {
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new Error('not a regular file');
    size = st.size;
  } catch (err) {
    throw DistrokitError.wrap(err, 'IMAGE_DEB_MISSING', { file: path, entry: item.entry });
  }
  if (item.size !== undefined && size !== item.size)
    throw new DistrokitError('FETCH_SIZE_MISMATCH', `${size} bytes, the index says ${item.size}`, { file: path, entry: item.entry });
  const got = await sha256OfFile(path);
  if (got !== item.sha256) throw new DistrokitError('FETCH_CHECKSUM_MISMATCH', `sha256 ${got}, the index says ${item.sha256}`, { file: path, entry: item.entry });
  return path;
}

/** Downloads under way in this process, by destination: a second caller for the same file waits for the first. */
const inFlight = new Map<string, Promise<string>>();

/**
 * Downloads one file into `dir` (unless a valid copy is there); returns its
 * path. Concurrent calls for one destination in this process share one
 * download (the partial file's name is per process); other processes each
 * write their own partial file and rename, so the last valid one wins.
 */
export function downloadVerified(item: DownloadItem, dir: string): Promise<string> {
  const dest = join(dir, item.name);
  let download = inFlight.get(dest);
  if (!download) {
    download = downloadOnce(item, dest).finally(() => inFlight.delete(dest));
    inFlight.set(dest, download);
  }
  return download;
}

async function downloadOnce(item: DownloadItem, dest: string): Promise<string> {
  const dir = dirname(dest);
  if (await isValid(dest, item)) return dest;
  await mkdir(dir, { recursive: true });
  const partial = `${dest}.partial-${process.pid}`;
  try {
    let response: Response;
    try {
      response = await fetch(item.url);
    } catch (err) {
      throw DistrokitError.wrap(err, 'FETCH_FAILED', { file: item.url });
    }
    if (!response.ok || !response.body) throw new DistrokitError('FETCH_HTTP_STATUS', `HTTP ${response.status} ${response.statusText}`, { file: item.url });
    const hash = createHash('sha256');
    let size = 0;
    const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
    body.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      size += chunk.byteLength;
    });
    try {
      await pipeline(body, createWriteStream(partial));
    } catch (err) {
      throw DistrokitError.wrap(err, 'FETCH_FAILED', { file: item.url, offset: size });
    }
    if (item.size !== undefined && size !== item.size)
      throw new DistrokitError('FETCH_SIZE_MISMATCH', `got ${size} bytes, the index says ${item.size}`, { file: item.url, offset: size });
    const got = hash.digest('hex');
    if (got !== item.sha256) throw new DistrokitError('FETCH_CHECKSUM_MISMATCH', `sha256 ${got}, the index says ${item.sha256}`, { file: item.url });
    await rename(partial, dest);
    return dest;
  } finally {
    await rm(partial, { force: true });
  }
}

/** Downloads many files, a few at a time; returns their paths in the order given. */
export async function downloadAll(items: readonly DownloadItem[], dir: string, options: DownloadOptions = {}): Promise<string[]> {
  const out: string[] = new Array(items.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await downloadVerified(items[i]!, dir);
      options.onProgress?.(++done, items.length, items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.jobs ?? 4, items.length) }, worker));
  return out;
}

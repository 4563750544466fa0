/**
 * Downloads with integrity. Every file is checked against the size and the
 * checksums (sha512, sha256, sha1) its index gives before it is renamed to
 * its final name, so no partial or unverified file is ever visible there.
 * Transient failures (network errors, timeouts, 5xx, 429) are retried with
 * exponential backoff; a 404 or a checksum mismatch is not. A partial file
 * left by an interrupted run is resumed with a Range request, and the whole
 * file verified; a bad resume starts again from byte 0.
 *
 * Two destinations: a directory with a name per file (`downloadVerified`,
 * `downloadAll`), or the content-addressed cache (`downloadToCache`,
 * `downloadAllToCache`, in object-cache.ts terms) keyed by checksum.
 */
import { createWriteStream } from 'node:fs';
import { link, mkdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DistrokitError } from '../../formats/errors.js';
import { type Expected, expectedChecksums, hashFile, isValidFile, MultiHash } from './checksum.js';
import { resolveMirrorUrl, type MirrorOverrides } from './catalog.js';
import { openSource, transient, withRetries } from './source.js';

export { verifyLocalFile } from './checksum.js';

export interface DownloadItem extends Expected {
  /** http(s)://, file:// or mirror://NAME/path (resolved through the catalog). */
  url: string;
  /** File name in a destination directory (downloadVerified, downloadAll, and the --out links). */
  name: string;
}

/** What the engine reports as it goes (the CLI turns these into a progress line). */
export type DownloadEvent =
  | { type: 'start'; item: DownloadItem; url: string; offset: number; attempt: number }
  | { type: 'data'; item: DownloadItem; bytes: number }
  | { type: 'retry'; item: DownloadItem; attempt: number; delayMs: number; error: DistrokitError }
  | { type: 'done'; item: DownloadItem; path: string; fetched: boolean };

export interface DownloadOptions {
  /** Parallel downloads (default 4). */
  jobs?: number;
  /** Attempts after the first on transient failures (default 3). */
  retries?: number;
  /** First backoff delay in ms, doubled at each retry (default 500). */
  backoffMs?: number;
  /** Milliseconds without a byte before an attempt fails (default 30000). */
  timeoutMs?: number;
  /** Mirrors to use instead of the catalog's for mirror:// URLs (name → base URL). */
  mirrors?: MirrorOverrides;
  onProgress?: (done: number, total: number, item: DownloadItem) => void;
  onEvent?: (event: DownloadEvent) => void;
}

/** Downloads under way in this process, by destination: a second caller for the same file waits for the first. */
const inFlight = new Map<string, Promise<{ path: string; fetched: boolean }>>();

/**
 * Downloads one file to `dir`/`item.name` (unless a valid copy is there);
 * returns its path. Concurrent calls for one destination in this process
 * share one download.
 */
export function downloadVerified(item: DownloadItem, dir: string, options: DownloadOptions = {}): Promise<string> {
  return fetchShared(item, join(dir, item.name), options);
}

/**
 * Downloads one file into the content-addressed cache under `root`
 * (objects/ALGO/XX/HEX, keyed by the strongest checksum the item has);
 * returns the object's path.
 */
export function downloadToCache(item: DownloadItem, root: string, options: DownloadOptions = {}): Promise<string> {
  return fetchShared(item, objectPath(root, item), options);
}

/** Where `item` lives in the content-addressed cache under `root`. */
export function objectPath(root: string, item: Expected): string {
  const c = expectedChecksums(item)[0]!;
  return join(root, 'objects', c.algo, c.hex.slice(0, 2), c.hex);
}

function fetchShared(item: DownloadItem, dest: string, options: DownloadOptions): Promise<string> {
  let download = inFlight.get(dest);
  if (!download) {
    download = fetchFile(item, dest, options).finally(() => inFlight.delete(dest));
    inFlight.set(dest, download);
  }
  return download.then(({ path, fetched }) => {
    options.onEvent?.({ type: 'done', item, path, fetched });
    return path;
  });
}

/** The result of one item of a batch: its path, or why it failed. */
export type DownloadResult = { ok: true; path: string } | { ok: false; error: DistrokitError };

/**
 * Runs `one` over `items` with at most `jobs` at a time; every item is tried
 * (a failure does not stop the others); results in the order given.
 */
export async function downloadEach(items: readonly DownloadItem[], one: (item: DownloadItem) => Promise<string>, options: DownloadOptions = {}): Promise<DownloadResult[]> {
  const out: DownloadResult[] = new Array(items.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        out[i] = { ok: true, path: await one(items[i]!) };
      } catch (err) {
        out[i] = { ok: false, error: DistrokitError.wrap(err, 'FETCH_FAILED', { file: items[i]!.url, entry: items[i]!.entry }) };
      }
      options.onProgress?.(++done, items.length, items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.jobs ?? 4, items.length)) }, worker));
  return out;
}

function firstFailure(results: DownloadResult[]): string[] {
  for (const r of results) if (!r.ok) throw r.error;
  return results.map((r) => (r as { path: string }).path);
}

/** Downloads many files into `dir`, a few at a time; their paths in the order given (the first error after all are tried). */
export async function downloadAll(items: readonly DownloadItem[], dir: string, options: DownloadOptions = {}): Promise<string[]> {
  return firstFailure(await downloadEach(items, (item) => downloadVerified(item, dir, options), options));
}

/** downloadAll into the content-addressed cache under `root`. */
export async function downloadAllToCache(items: readonly DownloadItem[], root: string, options: DownloadOptions = {}): Promise<string[]> {
  return firstFailure(await downloadEach(items, (item) => downloadToCache(item, root, options), options));
}

/** Fetches `item` to `dest` through a partial file, retrying transient failures. */
async function fetchFile(item: DownloadItem, dest: string, options: DownloadOptions): Promise<{ path: string; fetched: boolean }> {
  const want = expectedChecksums(item);
  if (await isValidFile(dest, item)) return { path: dest, fetched: false };
  await rm(dest, { force: true });
  const url = item.url.startsWith('mirror:') ? resolveMirrorUrl(item.url, options.mirrors) : item.url;
  await mkdir(dirname(dest), { recursive: true });
  const partial = await claimPartial(dest);
  try {
    await withRetries(url, item.entry, { ...options, onRetry: (attempt, delayMs, error) => options.onEvent?.({ type: 'retry', item, attempt, delayMs, error }) }, (attempt) =>
      fetchAttempt(item, url, partial.path, want, options, attempt),
    );
    await rename(partial.path, dest);
    return { path: dest, fetched: true };
  } catch (err) {
    // A failure that is not transient leaves nothing (a truncated or tampered body is no start to resume from).
    await rm(partial.path, { force: true });
    throw err;
  } finally {
    await partial.release();
  }
}

/**
 * One attempt: continue the partial file from its length (or start over),
 * hash everything, and check size and checksums. A transient failure keeps
 * the bytes that arrived for the next attempt; a resumed file that does not
 * verify is fetched again from byte 0 once.
 */
async function fetchAttempt(item: DownloadItem, url: string, partial: string, want: ReturnType<typeof expectedChecksums>, options: DownloadOptions, attempt: number): Promise<void> {
  let offset = await sizeOf(partial);
  if (item.size !== undefined && offset > item.size) {
    await rm(partial, { force: true });
    offset = 0;
  }
  for (let fresh = offset === 0; ; fresh = true) {
    const hash = new MultiHash(want);
    if (offset > 0 && item.size !== undefined && offset === item.size) {
      // The whole file arrived before the interruption: verify it as it is.
      await hashFile(partial, hash);
    } else {
      offset = await transfer(item, url, partial, offset, hash, options, attempt);
    }
    const size = hash.size;
    const bad = item.size !== undefined && size !== item.size ? 'size' : hash.mismatch();
    if (!bad) return;
    await rm(partial, { force: true });
    if (!fresh) {
      offset = 0; // the bytes kept from before were not a prefix of this file: start over
      continue;
    }
    if (bad === 'size') throw new DistrokitError('FETCH_SIZE_MISMATCH', `got ${size} bytes, the index says ${item.size}`, { file: url, entry: item.entry, offset: size });
    throw new DistrokitError('FETCH_CHECKSUM_MISMATCH', `${bad.algo} ${bad.got}, the index says ${bad.want}`, { file: url, entry: item.entry });
  }
}

/** Streams the body into `partial` (appending from `offset` when the server continues there); returns nothing but fills `hash` with the whole file. */
async function transfer(item: DownloadItem, url: string, partial: string, offset: number, hash: MultiHash, options: DownloadOptions, attempt: number): Promise<number> {
  options.onEvent?.({ type: 'start', item, url, offset, attempt });
  let source;
  try {
    source = await openSource(url, { offset, timeoutMs: options.timeoutMs ?? 30_000 });
  } catch (err) {
    if (err instanceof DistrokitError && err.data.restart === true) {
      await rm(partial, { force: true });
      return transfer(item, url, partial, 0, hash, options, attempt);
    }
    throw err;
  }
  if (source.resumed && offset > 0) await hashFile(partial, hash);
  const start = source.resumed ? offset : 0;
  const out = createWriteStream(partial, { flags: source.resumed ? 'a' : 'w' });
  let received = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      source.body.on('data', (chunk: Buffer) => {
        received += chunk.byteLength;
        hash.update(chunk);
        options.onEvent?.({ type: 'data', item, bytes: chunk.byteLength });
        if (!out.write(chunk)) source.body.pause();
      });
      out.on('drain', () => source.body.resume());
      source.body.on('error', reject);
      out.on('error', reject);
      source.body.on('end', resolve);
    });
  } catch (err) {
    source.body.destroy();
    await new Promise((ok) => out.end(ok));
    if (err instanceof DistrokitError) throw err;
    throw transient('FETCH_FAILED', `the transfer broke off after ${start + received} bytes: ${(err as Error).message}`, url, { offset: start + received });
  }
  await new Promise<void>((ok, fail) => out.end((err?: Error | null) => (err ? fail(err) : ok())));
  if (source.length !== undefined && received < source.length)
    throw transient('FETCH_FAILED', `the body ended after ${received} of ${source.length} bytes`, url, { offset: start + received });
  return start + received;
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

/**
 * The partial file for `dest`: `dest.partial`, claimed with a lock file
 * holding this process's pid, so a later run resumes it. A lock whose
 * process is gone (an interrupted run) is taken over; one held by a live
 * process leaves this one its own per-process partial file (no resume).
 * Known window: two processes that find the same stale lock at the same
 * moment could both take it over and write one partial file; each checks the
 * bytes it received, not the file, so this needs two runs starting on one
 * cache in the same instant after an interrupted one.
 */
async function claimPartial(dest: string): Promise<{ path: string; release: () => Promise<void> }> {
  const path = `${dest}.partial`;
  const lock = `${path}.lock`;
  for (let tries = 0; tries < 3; tries++) {
    // The lock appears with its pid already in it (written aside, then hard-linked: link fails if it exists),
    // so no other process can read it empty and take it for stale.
    const aside = `${lock}.${process.pid}`;
    await writeFile(aside, String(process.pid));
    try {
      await link(aside, lock);
      return { path, release: () => unlink(lock).catch(() => {}) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      await unlink(aside).catch(() => {});
    }
    const holder = Number((await readFile(lock, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && alive(holder)) break;
    await unlink(lock).catch(() => {});
  }
  const own = join(dirname(dest), `${basename(dest)}.partial-${process.pid}`);
  return { path: own, release: () => rm(own, { force: true }) };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

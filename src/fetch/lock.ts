/**
 * `fetch packages`: the packages of a lock (the closure document `deb
 * closure` and `rpm closure` print as JSON) downloaded into the
 * content-addressed cache, each verified against the checksum the lock gives
 * (Debian sha256; RPM sha256, sha512 or sha1 as its repodata says), and
 * optionally linked into a directory under their file names.
 */
import { copyFile, link, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { DistrokitError, type DistrokitErrorJSON } from '../../formats/errors.js';
import type { ClosureDocumentPackage } from '../graph/document.js';
import { parseChecksum } from './checksum.js';
import { type DownloadItem, type DownloadOptions, type DownloadResult, downloadEach, downloadToCache } from './download.js';

/** One package of a lock, ready to download. */
export interface LockedPackage extends DownloadItem {
  version: string;
  arch: string;
}

export interface FetchPackagesOptions extends DownloadOptions {
  /** The cache root (objects/ under it). */
  cache: string;
  /** A directory to link (or copy) every package into, under its file name. */
  out?: string;
  /** A base URL the lock's locations are relative to, used instead of the lock's urls. */
  mirror?: string;
}

export interface FetchedPackage {
  name: string;
  version: string;
  arch: string;
  url: string;
  checksum: { type: string; value: string };
  size: number | null;
  /** The object in the cache (null when it failed). */
  path: string | null;
  /** The link in --out, when asked for. */
  link: string | null;
  /** Downloaded now (false: it was in the cache). */
  fetched: boolean;
  /** Why it failed: the error as JSON (code, message, position and the engine's data: status, attempts …). */
  error: DistrokitErrorJSON | null;
}

export interface FetchPackagesReport {
  cache: string;
  packages: FetchedPackage[];
  fetched: number;
  reused: number;
  failed: number;
  /** Bytes of all the packages (by the lock's sizes). */
  bytes: number;
}

/** Reads a lock file: FETCH_LOCK_INVALID naming the entry when it is not a closure document. */
export async function readLock(path: string, options: { mirror?: string } = {}): Promise<LockedPackage[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw DistrokitError.wrap(err, 'FETCH_LOCK_INVALID', { file: path });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw DistrokitError.wrap(err, 'FETCH_LOCK_INVALID', { file: path });
  }
  return lockPackages(doc, path, options);
}

/** The packages of a parsed lock document. */
export function lockPackages(doc: unknown, file: string, options: { mirror?: string } = {}): LockedPackage[] {
  const packages = (doc as { packages?: unknown })?.packages;
  if (!Array.isArray(packages)) throw new DistrokitError('FETCH_LOCK_INVALID', 'not a closure document: no packages array', { file });
  return packages.map((raw: Partial<ClosureDocumentPackage>, i) => {
    const entry = typeof raw?.name === 'string' ? raw.name : `packages[${i}]`;
    const bad = (why: string) => new DistrokitError('FETCH_LOCK_INVALID', `packages[${i}] ${why}`, { file, entry });
    if (typeof raw?.name !== 'string') throw bad('has no name');
    if (!raw.checksum || typeof raw.checksum.type !== 'string' || typeof raw.checksum.value !== 'string') throw bad('has no checksum');
    let checksum;
    try {
      checksum = parseChecksum(raw.checksum.type, raw.checksum.value, entry);
    } catch (err) {
      throw DistrokitError.wrap(err, 'FETCH_LOCK_INVALID', { file, entry });
    }
    let url: string | null | undefined = raw.url;
    if (options.mirror !== undefined) {
      if (typeof raw.location !== 'string') throw bad('has no location to join with --mirror');
      url = `${options.mirror.replace(/\/+$/, '')}/${raw.location.replace(/^\/+/, '')}`;
    }
    if (typeof url !== 'string' || url === '') throw bad('has no url (run the closure with --url-prefix, or pass --mirror)');
    const source = typeof raw.location === 'string' ? raw.location : new URL(url).pathname;
    const name = posix.basename(source);
    if (name === '' || name === '.' || name === '..') throw bad(`has no file name in ${JSON.stringify(source)}`);
    if (raw.size !== undefined && raw.size !== null && !(Number.isSafeInteger(raw.size) && raw.size >= 0)) throw bad('has a size that is not a byte count');
    return {
      url,
      name,
      checksum,
      size: typeof raw.size === 'number' ? raw.size : undefined,
      entry,
      version: String(raw.version ?? ''),
      arch: String(raw.arch ?? ''),
    };
  });
}

/** Downloads every package of `packages` into the cache (all are tried); the report says which came from where. */
export async function fetchPackages(packages: readonly LockedPackage[], options: FetchPackagesOptions): Promise<FetchPackagesReport> {
  const fetchedNow = new Set<LockedPackage>();
  const onEvent: DownloadOptions['onEvent'] = (e) => {
    if (e.type === 'done' && e.fetched) fetchedNow.add(e.item as LockedPackage);
    options.onEvent?.(e);
  };
  const results: DownloadResult[] = await downloadEach(packages, (item) => downloadToCache(item, options.cache, { ...options, onEvent }), options);
  const links: (string | null)[] = [];
  for (const [i, r] of results.entries()) {
    links.push(null);
    if (r.ok && options.out !== undefined) {
      try {
        links[i] = await linkInto(r.path, options.out, packages[i]!.name);
      } catch (err) {
        results[i] = { ok: false, error: DistrokitError.wrap(err, 'FETCH_FAILED', { file: join(options.out, packages[i]!.name), entry: packages[i]!.entry }) };
      }
    }
  }
  const out: FetchedPackage[] = packages.map((p, i) => {
    const r = results[i]!;
    return {
      name: p.entry!,
      version: p.version,
      arch: p.arch,
      url: p.url,
      checksum: { type: p.checksum!.algo, value: p.checksum!.hex },
      size: p.size ?? null,
      path: r.ok ? r.path : null,
      link: links[i] ?? null,
      fetched: r.ok && fetchedNow.has(p),
      error: r.ok ? null : r.error.toJSON(),
    };
  });
  const failed = out.filter((p) => p.error).length;
  const fetched = out.filter((p) => p.fetched).length;
  return { cache: options.cache, packages: out, fetched, reused: out.length - failed - fetched, failed, bytes: packages.reduce((n, p) => n + (p.size ?? 0), 0) };
}

/** Links the verified object into `dir` as `name` (a copy when a hard link is impossible), replacing what was there. */
async function linkInto(object: string, dir: string, name: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const dest = join(dir, name);
  const tmp = join(dir, `.${name}.${process.pid}.tmp`);
  await rm(tmp, { force: true });
  try {
    await link(object, tmp);
  } catch {
    await copyFile(object, tmp);
  }
  try {
    await rename(tmp, dest);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  return dest;
}

/**
 * Loading repositories into a pool: a directory or URL holding
 * repodata/repomd.xml (file names and compression are taken from repomd.xml,
 * the compressed bytes are checked against its checksum), or a bare
 * primary.xml[.gz|.zst|…] file.
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { ByteSource } from '../../formats/bytes.js';
import { DistrokitError, type ErrorData } from '../../formats/errors.js';
import { readFileChunks } from '../../formats/file.js';
import { findData, parseFilelists, parsePrimary, parseRepomd } from '../../formats/repodata/index.js';
import type { Checksum, RepomdData } from '../../formats/repodata/types.js';
import { type ArchPolicy, DEFAULT_ARCHS, PackagePool, type RepositoryInfo } from './pool.js';

export interface RepositorySpec {
  /** Directory, http(s) URL, or a primary.xml file. */
  location: string;
  /** dnf semantics: lower wins; default 99. */
  priority?: number;
}

export interface LoadOptions {
  archs?: string[];
  /** Also read filelists.xml, so file dependencies outside primary resolve. */
  filelists?: boolean;
}

function isUrl(s: string): boolean {
  return /^https?:\/\//i.test(s);
}

function withSlash(s: string): string {
  return s.endsWith('/') ? s : `${s}/`;
}

/** `href` resolved against the URL `base` (an xml:base or the repository); one that makes no valid URL is REPODATA_BAD_URL. */
function resolveUrl(href: string, base: string, data: ErrorData): string {
  try {
    return new URL(href, withSlash(base)).toString();
  } catch (err) {
    throw new DistrokitError('REPODATA_BAD_URL', `href ${JSON.stringify(href)} under ${JSON.stringify(base)} is not a valid URL`, data, { cause: err });
  }
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (err) {
    throw DistrokitError.wrap(err, 'FETCH_FAILED', { file: url });
  }
  if (!response.ok) throw new DistrokitError('FETCH_FAILED', `HTTP ${response.status} ${response.statusText}`, { file: url });
  return new Uint8Array(await response.arrayBuffer());
}

/** The bytes at `href` under a repository base (URL or directory). */
function openUnder(base: string, href: string, repomdLabel: string): { source: ByteSource | Promise<Uint8Array>; label: string } {
  if (isUrl(base)) {
    const url = resolveUrl(href, base, { file: repomdLabel, entry: href });
    return { source: fetchBytes(url), label: url };
  }
  const path = resolve(base, href);
  return { source: readFileChunks(path, 'REPODATA_UNREADABLE'), label: path };
}

const HASHES: Record<string, string> = { sha: 'sha1', sha1: 'sha1', sha224: 'sha224', sha256: 'sha256', sha384: 'sha384', sha512: 'sha512', md5: 'md5' };

/** Passes bytes through while hashing them; throws REPODATA_CHECKSUM_MISMATCH at the end if they differ from repomd.xml. */
async function* verified(source: ByteSource, expected: Checksum | undefined, label: string): AsyncGenerator<Uint8Array> {
  const algorithm = expected ? HASHES[expected.type.toLowerCase()] : undefined;
  const hash = algorithm ? createHash(algorithm) : null;
  const chunks = source instanceof Uint8Array ? [source] : (source as AsyncIterable<Uint8Array>);
  for await (const chunk of chunks) {
    hash?.update(chunk);
    yield chunk;
  }
  if (hash && expected) {
    const actual = hash.digest('hex');
    if (actual !== expected.value.toLowerCase())
      throw new DistrokitError('REPODATA_CHECKSUM_MISMATCH', `${expected.type} is ${actual}, repomd.xml says ${expected.value}`, { file: label });
  }
}

async function dataSource(base: string, data: RepomdData, repomdLabel: string): Promise<{ source: AsyncIterable<Uint8Array>; label: string }> {
  const root = data.location.base ?? base;
  const { source, label } = openUnder(root, data.location.href, repomdLabel);
  const bytes = source instanceof Promise ? await source : source;
  return { source: verified(bytes, data.checksum, label), label };
}

/** Reads a repository's packages into the pool; returns its info. */
export async function loadRepository(pool: PackagePool, spec: RepositorySpec, index: number, options: LoadOptions = {}): Promise<RepositoryInfo> {
  const location = spec.location;
  const priority = spec.priority ?? 99;
  const url = isUrl(location);
  const isFile = !url && statSync(location, { throwIfNoEntry: false })?.isFile();
  if (!url && !isFile && !statSync(location, { throwIfNoEntry: false })?.isDirectory())
    throw new DistrokitError('REPO_NOT_FOUND', 'no such repository directory or primary.xml file', { file: location });
  if (isFile && options.filelists)
    throw new DistrokitError('REPODATA_NO_FILELISTS', 'a bare primary.xml has no filelists; give the repository directory instead', { file: location });
  if (isFile) {
    // A bare primary.xml: packages are relative to the directory above repodata/ (or the file's directory).
    const dir = dirname(resolve(location));
    const base = basename(dir) === 'repodata' ? dirname(dir) : dir;
    const repo: RepositoryInfo = { id: location, base, priority, index };
    for await (const p of parsePrimary(readFileChunks(location, 'REPODATA_UNREADABLE'), { file: location })) pool.add(p, repo, location);
    return repo;
  }
  const base = url ? withSlash(location) : resolve(location);
  const repomdLabel = url ? new URL('repodata/repomd.xml', base).toString() : join(base, 'repodata', 'repomd.xml');
  let repomdBytes: Uint8Array;
  try {
    repomdBytes = url ? await fetchBytes(repomdLabel) : await readFile(repomdLabel);
  } catch (err) {
    throw DistrokitError.wrap(err, 'REPO_NOT_FOUND', { file: repomdLabel });
  }
  const repomd = await parseRepomd(repomdBytes, { file: repomdLabel });
  const repo: RepositoryInfo = { id: location, base, priority, index };
  const primary = findData(repomd, 'primary');
  if (!primary) throw new DistrokitError('REPODATA_NO_PRIMARY', 'repomd.xml lists no primary data', { file: repomdLabel });
  const p = await dataSource(base, primary, repomdLabel);
  for await (const pkg of parsePrimary(p.source, { file: p.label })) pool.add(pkg, repo, p.label);
  if (options.filelists) {
    const filelists = findData(repomd, 'filelists');
    if (!filelists) throw new DistrokitError('REPODATA_NO_FILELISTS', 'repomd.xml lists no filelists data', { file: repomdLabel });
    const f = await dataSource(base, filelists, repomdLabel);
    for await (const pkg of parseFilelists(f.source, { file: f.label })) pool.addFiles(pkg);
  }
  return repo;
}

/** A pool over several repositories, in the order given. */
export async function loadPool(specs: RepositorySpec[], options: LoadOptions = {}): Promise<PackagePool> {
  const policy: ArchPolicy = { archs: options.archs ?? DEFAULT_ARCHS };
  const pool = new PackagePool(policy);
  for (const [i, spec] of specs.entries()) await loadRepository(pool, spec, i, options);
  if (options.filelists) pool.filelistsLoaded = true;
  return pool;
}

/** Where a package can be downloaded: xml:base or the repository base, joined with its href. */
export function packageUrl(base: string, location: { href: string; base?: string }): string {
  const root = location.base ?? base;
  if (isUrl(root)) return resolveUrl(location.href, root, { entry: location.href });
  return resolve(root, location.href);
}

/**
 * Verified RPM repository metadata: repodata/repomd.xml (its detached
 * signature repomd.xml.asc checked against a keyring when there is one, or
 * required), then the files it names (primary, filelists by default), each
 * checked twice: the file as fetched against <checksum>/<size>, and its
 * decompressed content against <open-checksum>/<open-size>.
 *
 * As for Debian indexes, everything is checked in memory before it is
 * written, and a repository whose repomd.xml is unchanged since the last
 * run is not fetched again. Layout: OUT/MIRROR_KEY/repodata/repomd.xml
 * (+ .asc) and the named files under their href, so OUT/MIRROR_KEY is a
 * repository directory `rpm closure --repo` reads.
 */
import { createHash } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { decompress } from '../../formats/compress/index.js';
import { DistrokitError } from '../../formats/errors.js';
import { findData, parseRepomd } from '../../formats/repodata/repomd.js';
import type { Checksum as RepoChecksum, RepomdData } from '../../formats/repodata/types.js';
import { parseChecksum } from './checksum.js';
import { fetchBytes, type FetchBytesOptions } from './fetch-bytes.js';
import { fileExists, intactFile, mirrorKey, readFetchState, sha256Hex, writeFetchState, writeVerified } from './index-files.js';
import { lookupDistribution, mirrorUrl, type MirrorOverrides } from './catalog.js';
import { verifyDetached, type Keyring } from './openpgp.js';

export interface RpmIndexOptions extends Pick<FetchBytesOptions, 'timeoutMs' | 'retries' | 'backoffMs'> {
  /** Directory the verified files go to (created). */
  out: string;
  /** Keys repomd.xml.asc must verify against (when it is there). */
  keyring?: Keyring;
  /** Refuse a repository without repomd.xml.asc (FETCH_SIGNATURE_MISSING); needs `keyring`. */
  requireSignature?: boolean;
  /** The <data> types to fetch (default primary and filelists). */
  types?: string[];
  now?: Date;
  onProgress?: (message: string) => void;
}

export interface FetchedRepodata {
  /** The repository base URL (repodata/ under it). */
  url: string;
  /** The local repository directory (repodata/ under it). */
  dir: string;
  /** Primary key fingerprints that signed repomd.xml; empty when it is not signed (or no keyring was given). */
  signers: string[];
  signed: boolean;
  refreshed: boolean;
  files: { type: string; path: string; url: string }[];
}

/** Fetches and verifies one repository's metadata. */
export async function fetchRpmRepodata(repoUrl: string, options: RpmIndexOptions): Promise<FetchedRepodata> {
  const base = repoUrl.replace(/\/+$/, '');
  const dir = join(options.out, mirrorKey(base));
  const net: FetchBytesOptions = { timeoutMs: options.timeoutMs, retries: options.retries, backoffMs: options.backoffMs };
  const repomdUrl = `${base}/repodata/repomd.xml`;
  if (options.requireSignature && !options.keyring) throw new DistrokitError('FETCH_KEYRING_BAD', 'a required signature needs a keyring', { file: repomdUrl });

  options.onProgress?.(`fetching ${repomdUrl}`);
  const repomdBytes = await fetchBytes(repomdUrl, { ...net, maxBytes: 64 << 20 });
  if (!repomdBytes) throw new DistrokitError('FETCH_HTTP_STATUS', 'HTTP 404', { file: repomdUrl, status: 404 });
  const asc = options.keyring || options.requireSignature ? await fetchBytes(`${repomdUrl}.asc`, { ...net, optional: true, maxBytes: 1 << 20 }) : undefined;
  let signers: string[] = [];
  if (asc && options.keyring) signers = (await verifyDetached(repomdBytes, asc, options.keyring, { file: `${repomdUrl}.asc`, now: options.now })).signers;
  else if (options.requireSignature) throw new DistrokitError('FETCH_SIGNATURE_MISSING', 'the repository has no repomd.xml.asc, and a signature is required', { file: repomdUrl });

  const repomd = await parseRepomd(repomdBytes, { file: repomdUrl });
  const wanted = (options.types ?? ['primary', 'filelists']).map((type) => {
    const data = findData(repomd, type);
    if (!data) throw new DistrokitError('FETCH_INDEX_MISSING', `repomd.xml names no ${type} (it has ${repomd.data.map((d) => d.type).join(', ')})`, { file: repomdUrl, entry: type });
    return { type, data, path: safeHref(data, repomdUrl) };
  });

  await mkdir(join(dir, 'repodata'), { recursive: true });
  const repomdSha = sha256Hex(repomdBytes);
  const state = await readFetchState<{ sha256: string; url: string }>(dir);
  const reuse =
    state?.signed === repomdSha &&
    (await fileExists(join(dir, 'repodata', 'repomd.xml'))) &&
    (await Promise.all(wanted.map((w) => intactFile(dir, w.path, state)))).every(Boolean);
  if (!reuse) {
    const fetched = await Promise.all(
      wanted.map(async (w) => {
        const url = `${base}/${w.path}`;
        options.onProgress?.(`fetching ${url}`);
        const bytes = await fetchBytes(url, { ...net, maxBytes: (w.data.size ?? 1 << 30) + 1 });
        if (!bytes) throw new DistrokitError('FETCH_HTTP_STATUS', 'HTTP 404', { file: url, status: 404 });
        await verifyRepodataFile(bytes, w.data, url);
        return { ...w, bytes, url };
      }),
    );
    const files: Record<string, { sha256: string; url: string }> = {};
    for (const f of fetched) {
      await mkdir(dirname(join(dir, f.path)), { recursive: true });
      await writeVerified(join(dir, f.path), f.bytes);
      files[f.path] = { sha256: sha256Hex(f.bytes), url: f.url };
    }
    for (const old of Object.keys(state?.files ?? {})) if (!(old in files)) await rm(join(dir, old), { force: true });
    await writeVerified(join(dir, 'repodata', 'repomd.xml'), repomdBytes);
    if (asc && signers.length > 0) await writeVerified(join(dir, 'repodata', 'repomd.xml.asc'), asc);
    else await rm(join(dir, 'repodata', 'repomd.xml.asc'), { force: true });
    await writeFetchState(dir, { version: 1, signed: repomdSha, signers, files });
  }
  return {
    url: base,
    dir,
    signers,
    signed: signers.length > 0,
    refreshed: !reuse,
    files: wanted.map((w) => ({ type: w.type, path: join(dir, w.path), url: `${base}/${w.path}` })),
  };
}

/** The href as a path inside the repository (no xml:base elsewhere, no "..", not absolute). */
function safeHref(data: RepomdData, file: string): string {
  const href = data.location.href;
  if (data.location.base !== undefined || href.startsWith('/') || href.split('/').some((c) => c === '..' || c === '') || /^[a-z]+:/i.test(href))
    throw new DistrokitError('FETCH_BAD_URL', `the ${data.type} location ${JSON.stringify(href)} is not a path inside the repository`, { file, entry: data.type });
  return href;
}

/** <checksum>/<size> of the file, then <open-checksum>/<open-size> of its content (when given). */
async function verifyRepodataFile(bytes: Uint8Array, data: RepomdData, url: string): Promise<void> {
  if (!data.checksum) throw new DistrokitError('FETCH_NO_CHECKSUM', `repomd.xml gives no checksum for ${data.type}`, { file: url, entry: data.type });
  const want = checksumOf(data.checksum, data.type);
  if (data.size !== undefined && bytes.byteLength !== data.size)
    throw new DistrokitError('FETCH_SIZE_MISMATCH', `${bytes.byteLength} bytes, repomd.xml says ${data.size}`, { file: url, entry: data.type });
  const got = createHash(want.algo).update(bytes).digest('hex');
  if (got !== want.hex) throw new DistrokitError('FETCH_CHECKSUM_MISMATCH', `${want.algo} ${got}, repomd.xml says ${want.hex}`, { file: url, entry: data.type });
  if (!data.openChecksum) return;
  const open = checksumOf(data.openChecksum, data.type);
  const hash = createHash(open.algo);
  let size = 0;
  try {
    for await (const chunk of decompress(bytes, { file: url, maxOutput: data.openSize ?? Number.POSITIVE_INFINITY })) {
      hash.update(chunk);
      size += chunk.byteLength;
    }
  } catch (err) {
    throw new DistrokitError('FETCH_CHECKSUM_MISMATCH', `the content does not decompress to the open-checksum's: ${(err as Error).message}`, { file: url, entry: data.type }, { cause: err });
  }
  const content = hash.digest('hex');
  if (content !== open.hex || (data.openSize !== undefined && size !== data.openSize))
    throw new DistrokitError('FETCH_CHECKSUM_MISMATCH', `decompressed: ${size} bytes, ${open.algo} ${content}; repomd.xml says ${data.openSize ?? '?'} bytes, ${open.hex}`, {
      file: url,
      entry: data.type,
    });
}

function checksumOf(c: RepoChecksum, type: string) {
  return parseChecksum(c.type, c.value, type);
}

/**
 * The repository URLs of a catalog RPM distribution for an architecture
 * (default its first), mirror names resolved with `overrides` and the
 * DISTROKIT_MIRROR_* environment; `mirror` replaces the mirror of its repositories.
 */
export function rpmRepositories(dist: string, options: { arch?: string; mirror?: string; overrides?: MirrorOverrides } = {}): { id: string; url: string }[] {
  const d = lookupDistribution(dist);
  if (d.family !== 'rpm' || !d.repositories) throw new DistrokitError('DIST_UNKNOWN', `${d.name} is a Debian-family distribution; its indexes come from 'fetch index'`, { entry: dist });
  const arch = options.arch ?? d.architectures[0]!;
  if (!d.architectures.includes(arch)) throw new DistrokitError('DIST_UNKNOWN', `${d.name} is published for ${d.architectures.join(', ')}, not ${arch}`, { entry: arch });
  return d.repositories.map((r) => ({
    id: r.id,
    url: `${options.mirror?.replace(/\/+$/, '') ?? mirrorUrl(r.mirror, options.overrides)}/${r.path.replace(/\{arch\}/g, arch)}`,
  }));
}

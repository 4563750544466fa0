/**
 * What to fetch for a Debian-family distribution, from the catalog or from a
 * mirror URL: the suites (each on its mirror base), components,
 * architectures, and the keyring to trust — and the one call the closure and
 * image commands make to get verified indexes into the cache.
 */
import { readFile } from 'node:fs/promises';
import { DistrokitError } from '../../formats/errors.js';
import { cacheDir } from './cache.js';
import { lookupDistribution, mirrorUrl, type MirrorOverrides } from './catalog.js';
import { fetchDebianIndexes, type DebianIndexOptions, type DebianSuiteSource, type FetchedSuite } from './debian-index.js';
import { mergeKeyrings, readKeyring, type Keyring } from './openpgp.js';

export const DEBIAN_ARCHIVE_KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';

export interface DebianSourceRequest {
  /** A catalog name (debian-12, bookworm, ubuntu-24.04). */
  dist?: string;
  /** A mirror base URL: with `dist`, it replaces the mirror of the distribution's first suite; without, `suites` are on it. */
  mirror?: string;
  /** With `mirror` alone: the suites (required). With `dist`: only these of its suites. */
  suites?: string[];
  components?: string[];
  architectures?: string[];
  /** Keyring files; default the distribution's keyring (or Debian's archive keyring for a bare mirror). */
  keyrings?: string[];
  /** Mirror name → URL overrides (the catalog's DISTROKIT_MIRROR_* environment applies too). */
  mirrors?: MirrorOverrides;
}

export interface DebianSources {
  sources: DebianSuiteSource[];
  keyring: Keyring;
  /** The keyring files read. */
  keyringFiles: string[];
}

/**
 * The suites and keyring for a request. With a distribution and its default
 * keyring, only the keys the catalog names for it are trusted (a keyring
 * file holds other releases' keys too); keyring files given explicitly are
 * trusted whole.
 */
export async function debianSources(request: DebianSourceRequest): Promise<DebianSources> {
  const components = request.components?.length ? request.components : undefined;
  const architectures = request.architectures?.length ? request.architectures : undefined;
  if (request.dist !== undefined) {
    const dist = lookupDistribution(request.dist);
    if (dist.family !== 'deb' || !dist.suites)
      throw new DistrokitError('DIST_UNKNOWN', `${dist.name} is an RPM distribution; Debian indexes need a deb one`, { entry: request.dist });
    const overrides: Record<string, string> = { ...request.mirrors };
    if (request.mirror !== undefined) overrides[dist.suites[0]!.mirror] = request.mirror;
    let suites = dist.suites;
    if (request.suites?.length) {
      const unknown = request.suites.filter((s) => !dist.suites!.some((d) => d.suite === s));
      if (unknown.length) throw new DistrokitError('DIST_UNKNOWN', `${dist.name} has no suite ${unknown.join(', ')} (it has ${dist.suites.map((d) => d.suite).join(', ')})`, { entry: unknown[0] });
      suites = suites.filter((d) => request.suites!.includes(d.suite));
    }
    const sources = suites.map((s) => ({ mirror: mirrorUrl(s.mirror, overrides), suite: s.suite, components: components ?? dist.components, architectures }));
    const explicit = request.keyrings?.length ? request.keyrings : undefined;
    const keyringFiles = explicit ?? [dist.keyringPath];
    let keyring = await readKeyrings(keyringFiles);
    if (!explicit) keyring = onlyKeys(keyring, dist.keys.map((k) => k.fingerprint), keyringFiles[0]!, dist.keyringPackage);
    return { sources, keyring, keyringFiles };
  }
  if (request.mirror === undefined) throw new DistrokitError('FETCH_BAD_URL', 'a distribution name or a mirror URL is needed', {});
  if (!request.suites?.length) throw new DistrokitError('FETCH_BAD_URL', `a mirror (${request.mirror}) needs the suites to fetch`, { file: request.mirror });
  const keyringFiles = request.keyrings?.length ? request.keyrings : [DEBIAN_ARCHIVE_KEYRING];
  return {
    sources: request.suites.map((suite) => ({ mirror: request.mirror!, suite, components, architectures })),
    keyring: await readKeyrings(keyringFiles),
    keyringFiles,
  };
}

/** Reads and merges keyring files (FETCH_KEYRING_BAD naming an unreadable one). */
export async function readKeyrings(files: readonly string[]): Promise<Keyring> {
  const rings: Keyring[] = [];
  for (const file of files) {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(file);
    } catch (err) {
      throw DistrokitError.wrap(err, 'FETCH_KEYRING_BAD', { file });
    }
    rings.push(await readKeyring(bytes, file));
  }
  return mergeKeyrings(...rings);
}

function onlyKeys(keyring: Keyring, fingerprints: readonly string[], file: string, pkg: string): Keyring {
  const want = new Set(fingerprints.map((f) => f.toUpperCase()));
  const keys = keyring.keys.filter((k) => want.has(k.getFingerprint().toUpperCase()));
  if (keys.length === 0)
    throw new DistrokitError('FETCH_KEYRING_BAD', `none of the distribution's signing keys (${fingerprints.join(', ')}) is in the keyring; install ${pkg} or give --keyring`, { file });
  return { keys, fingerprints: keys.map((k) => k.getFingerprint().toUpperCase()) };
}

export interface CachedIndexesOptions extends Omit<DebianIndexOptions, 'keyring' | 'out'> {
  /** Default: the cache's indexes/ directory ($DISTROKIT_CACHE or ~/.cache/distrokit). */
  out?: string;
}

/**
 * Verified indexes for a request, in the cache: fetched when the suite's
 * InRelease changed since the last time, reused otherwise. Returns the
 * suites and the index list in the shape `deb closure` reads
 * ({path, urlPrefix}).
 */
export async function cachedDebianIndexes(
  request: DebianSourceRequest,
  options: CachedIndexesOptions = {},
): Promise<{ suites: FetchedSuite[]; indexes: { path: string; urlPrefix: string }[] }> {
  const { sources, keyring } = await debianSources(request);
  const suites = await fetchDebianIndexes(sources, { ...options, keyring, out: options.out ?? cacheDir('indexes') });
  return { suites, indexes: suites.flatMap((s) => s.indexes.map((i) => ({ path: i.path, urlPrefix: i.urlPrefix }))) };
}

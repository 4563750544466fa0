/**
 * Verified Debian indexes: for each suite, InRelease (or Release +
 * Release.gpg) checked against a keyring, then each component/architecture's
 * Packages index in the best compression the Release lists and we decode,
 * checked against the Release's SHA256 and size — of the compressed file, or,
 * for a mirror that re-compressed it, of the decompressed content against the
 * Release's entry for the plain `Packages` (never content matching neither).
 *
 * Everything is fetched into memory and checked before anything is written
 * (temp file, then rename), so the output directory never holds an
 * unverified file. A suite whose signed InRelease text is unchanged since the
 * last run (state file) and whose index files are intact is not fetched again.
 *
 * Layout under `out`: MIRROR_KEY/dists/SUITE/{InRelease | Release,Release.gpg},
 * …/COMPONENT/binary-ARCH/Packages (decompressed, so it is the file the Release's
 * entry for the plain Packages names; as fetched when there is no such entry) and
 * …/distrokit-state.json, where
 * MIRROR_KEY is the mirror URL without scheme, '/' → '_' (as apt names its lists).
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { decompressToBuffer } from '../../formats/compress/index.js';
import { parseRelease, type Release, type ReleaseEntry } from '../../formats/deb822/release.js';
import { DistrokitError } from '../../formats/errors.js';
import { fetchBytes, type FetchBytesOptions } from './fetch-bytes.js';
import { type FetchState, fileExists, intactFile, mirrorKey, readFetchState, sha256Hex, writeFetchState, writeVerified } from './index-files.js';
import { verifyCleartext, verifyDetached, type Keyring } from './openpgp.js';

export interface DebianSuiteSource {
  /** Mirror base URL, e.g. http://deb.debian.org/debian (http, https or file). */
  mirror: string;
  /** Suite or codename: bookworm, bookworm-updates, bookworm-security. */
  suite: string;
  /** Default ['main']. */
  components?: string[];
  /** Default ['amd64']. */
  architectures?: string[];
}

export interface DebianIndexOptions extends Pick<FetchBytesOptions, 'timeoutMs' | 'retries' | 'backoffMs'> {
  keyring: Keyring;
  /** Directory the verified files go to (created). */
  out: string;
  /** The time Date and Valid-Until are checked against (default now). */
  now?: Date;
  /** Accept a Release past its Valid-Until, or dated in the future. */
  allowExpired?: boolean;
  /** Progress lines ("fetching …"), for a CLI's stderr. */
  onProgress?: (message: string) => void;
}

export interface FetchedIndex {
  /** The verified index file: the plain Packages (decompressed) when the Release lists its hash, else as fetched. */
  path: string;
  /** The mirror its packages' Filename: fields are relative to (deb closure --url-prefix). */
  urlPrefix: string;
  suite: string;
  component: string;
  architecture: string;
  /** Where it was fetched from. */
  url: string;
  /** Whether the compressed file matched the Release ('compressed') or only its decompressed content did ('decompressed'). */
  verifiedBy: 'compressed' | 'decompressed';
}

export interface FetchedSuite {
  mirror: string;
  suite: string;
  /** The verified InRelease (or Release) file in `out`. */
  release: string;
  /** Primary key fingerprints whose signatures verified. */
  signers: string[];
  date?: string;
  validUntil?: string;
  /** false when the InRelease was unchanged and the indexes were reused. */
  refreshed: boolean;
  indexes: FetchedIndex[];
}

/** Compressions in order of preference (smallest download first, then cheapest decode). */
const EXTENSIONS: readonly string[] = ['.xz', '.zst', '.gz', '.bz2', '.lz4', ''];

/** Index files by path relative to the suite directory. */
type SuiteState = FetchState<{ sha256: string; url: string; verifiedBy: FetchedIndex['verifiedBy'] }>;

/**
 * Fetches and verifies the indexes of several suites (in parallel); results
 * in the order of `suites`, components, architectures. When one fails, the
 * others are still finished (each writes only verified files) before its
 * error is thrown.
 */
export async function fetchDebianIndexes(suites: readonly DebianSuiteSource[], options: DebianIndexOptions): Promise<FetchedSuite[]> {
  const results = await Promise.allSettled(suites.map((s) => fetchSuite(s, options)));
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<FetchedSuite>).value);
}

async function fetchSuite(source: DebianSuiteSource, options: DebianIndexOptions): Promise<FetchedSuite> {
  const mirror = source.mirror.replace(/\/+$/, '');
  const components = source.components?.length ? source.components : ['main'];
  const architectures = source.architectures?.length ? source.architectures : ['amd64'];
  for (const [what, names] of [['suite', [source.suite]], ['component', components], ['architecture', architectures]] as const)
    for (const name of names) checkName(what, name);
  const distUrl = `${mirror}/dists/${source.suite}`;
  const dir = join(options.out, mirrorKey(mirror), 'dists', source.suite);
  const net: FetchBytesOptions = { timeoutMs: options.timeoutMs, retries: options.retries, backoffMs: options.backoffMs };

  // 1. The signed Release.
  options.onProgress?.(`fetching ${distUrl}/InRelease`);
  const signed = await fetchSignedRelease(distUrl, options, net);
  const release = parseRelease(signed.text, signed.url);
  checkRelease(release, source.suite, signed.url, options);
  const releaseSha = sha256Hex(signed.text);

  // 2. Which index file of each component/architecture.
  const wanted = components.flatMap((component) =>
    architectures.map((architecture) => {
      const entries = indexCandidates(release, component, architecture, signed.url);
      return { component, architecture, entries, stored: storedPath(release, entries[0]!) };
    }),
  );

  await mkdir(dir, { recursive: true });
  const state = await readFetchState<SuiteState['files'][string]>(dir);
  const reuse =
    state?.signed === releaseSha &&
    (await Promise.all(signed.files.map(([name]) => fileExists(join(dir, name))))).every(Boolean) &&
    (await Promise.all(wanted.map((w) => intactFile(dir, w.stored, state)))).every(Boolean);

  let indexes: FetchedIndex[];
  if (reuse) {
    indexes = wanted.map((w) => ({
      path: join(dir, w.stored),
      urlPrefix: mirror,
      suite: source.suite,
      component: w.component,
      architecture: w.architecture,
      url: state.files[w.stored]!.url,
      verifiedBy: state.files[w.stored]!.verifiedBy,
    }));
  } else {
    // 3. Fetch and verify every index in memory, then write them, then the Release and the state.
    const fetched = await Promise.all(
      wanted.map(async (w) => {
        const got = await fetchIndex(distUrl, release, w.entries, options, net);
        return { ...w, ...got };
      }),
    );
    const files: SuiteState['files'] = {};
    for (const f of fetched) {
      const path = join(dir, f.path);
      await mkdir(join(path, '..'), { recursive: true });
      await writeVerified(path, f.bytes);
      files[f.path] = { sha256: sha256Hex(f.bytes), url: f.url, verifiedBy: f.verifiedBy };
    }
    // Files of an earlier state that this one no longer names (another compression chosen) go.
    for (const old of Object.keys(state?.files ?? {})) if (!(old in files)) await rm(join(dir, old), { force: true });
    for (const [name, bytes] of signed.files) await writeVerified(join(dir, name), bytes);
    for (const stale of ['InRelease', 'Release', 'Release.gpg']) if (!signed.files.some(([n]) => n === stale)) await rm(join(dir, stale), { force: true });
    await writeFetchState(dir, { version: 1, signed: releaseSha, signers: signed.signers, files });
    indexes = fetched.map((f) => ({
      path: join(dir, f.path),
      urlPrefix: mirror,
      suite: source.suite,
      component: f.component,
      architecture: f.architecture,
      url: f.url,
      verifiedBy: f.verifiedBy,
    }));
  }
  return {
    mirror,
    suite: source.suite,
    release: join(dir, signed.files[0]![0]),
    signers: signed.signers,
    date: release.date?.toISOString(),
    validUntil: release.validUntil?.toISOString(),
    refreshed: !reuse,
    indexes,
  };
}

interface SignedRelease {
  /** The signed text (only this is parsed). */
  text: Uint8Array;
  url: string;
  signers: string[];
  /** The files to keep, as fetched: [InRelease] or [Release, Release.gpg]. */
  files: [string, Uint8Array][];
}

/** InRelease, or when the mirror has none (404), Release + Release.gpg; a Release without signature is FETCH_SIGNATURE_MISSING. */
async function fetchSignedRelease(distUrl: string, options: DebianIndexOptions, net: FetchBytesOptions): Promise<SignedRelease> {
  const inReleaseUrl = `${distUrl}/InRelease`;
  const inRelease = await fetchBytes(inReleaseUrl, { ...net, optional: true, maxBytes: 64 << 20 });
  if (inRelease) {
    const v = await verifyCleartext(inRelease, options.keyring, { file: inReleaseUrl, now: options.now });
    return { text: v.text, url: inReleaseUrl, signers: v.signers, files: [['InRelease', inRelease]] };
  }
  const releaseUrl = `${distUrl}/Release`;
  options.onProgress?.(`no InRelease; fetching ${releaseUrl} and Release.gpg`);
  const release = await fetchBytes(releaseUrl, { ...net, optional: true, maxBytes: 64 << 20 });
  if (!release) throw new DistrokitError('FETCH_HTTP_STATUS', 'neither InRelease nor Release exists (HTTP 404): wrong mirror or suite?', { file: inReleaseUrl, status: 404 });
  const signature = await fetchBytes(`${releaseUrl}.gpg`, { ...net, optional: true, maxBytes: 1 << 20 });
  if (!signature) throw new DistrokitError('FETCH_SIGNATURE_MISSING', 'Release has no Release.gpg (and there is no InRelease)', { file: releaseUrl });
  const v = await verifyDetached(release, signature, options.keyring, { file: `${releaseUrl}.gpg`, now: options.now });
  return {
    text: release,
    url: releaseUrl,
    signers: v.signers,
    files: [
      ['Release', release],
      ['Release.gpg', signature],
    ],
  };
}

/** Names become URL and output path parts: nothing that could leave the output directory or change the URL. */
function checkName(what: string, name: string): void {
  if (!/^[A-Za-z0-9._+~-]+(\/[A-Za-z0-9._+~-]+)*$/.test(name) || name.split('/').some((c) => c === '.' || c === '..'))
    throw new DistrokitError('FETCH_BAD_NAME', `${what} ${JSON.stringify(name)} is not a plain name`, { entry: name });
}

/** How far a Release's Date may be ahead of the clock (apt's Acquire::Max-FutureTime default). */
const MAX_FUTURE_MS = 10_000;

/** The Release must be for the suite asked for, within its validity (Date … Valid-Until). */
function checkRelease(release: Release, suite: string, file: string, options: DebianIndexOptions): void {
  if (release.suite !== suite && release.codename !== suite)
    throw new DistrokitError('FETCH_RELEASE_WRONG_SUITE', `the Release is for ${release.codename ?? '?'} (${release.suite ?? '?'}), not ${suite}`, { file });
  const now = options.now ?? new Date();
  // apt's Acquire::Max-FutureTime (10 s): a Release dated later than that is from a mirror or clock to distrust.
  if (release.date && release.date.getTime() > now.getTime() + MAX_FUTURE_MS && !options.allowExpired)
    throw new DistrokitError('FETCH_RELEASE_NOT_YET_VALID', `not valid yet: Date ${release.date.toISOString()} is after ${now.toISOString()} (a wrong clock? --allow-expired to accept)`, {
      file,
      entry: 'Date',
    });
  if (release.validUntil && release.validUntil.getTime() < now.getTime() && !options.allowExpired)
    throw new DistrokitError('FETCH_RELEASE_EXPIRED', `expired: Valid-Until ${release.validUntil.toISOString()} is before ${now.toISOString()} (--allow-expired to accept)`, {
      file,
      entry: 'Valid-Until',
    });
}

/** The Packages files the Release lists for a component/architecture, preferred first. */
function indexCandidates(release: Release, component: string, architecture: string, file: string): ReleaseEntry[] {
  const base = `${component}/binary-${architecture}/Packages`;
  const entries = EXTENSIONS.map((ext) => release.sha256.get(base + ext)).filter((e): e is ReleaseEntry => e !== undefined);
  if (entries.length > 0) return entries;
  throw new DistrokitError('FETCH_INDEX_MISSING', `the Release lists no ${base} (components: ${release.components.join(' ')}; architectures: ${release.architectures.join(' ')})`, {
    file,
    entry: base,
  });
}

/** Where an index is kept: as the plain Packages when the Release lists it (fetchIndex decompresses), else as fetched. */
function storedPath(release: Release, entry: ReleaseEntry): string {
  const plainPath = entry.path.replace(/\.[a-z0-9]+$/, '');
  return release.sha256.has(plainPath) ? plainPath : entry.path;
}

/**
 * Fetches one index (by hash when the Release offers it, the plain path when
 * by-hash is absent) and verifies it: the bytes against the Release entry, or
 * else their decompressed content against the entry of the plain `Packages`.
 */
async function fetchIndex(
  distUrl: string,
  release: Release,
  candidates: readonly ReleaseEntry[],
  options: DebianIndexOptions,
  net: FetchBytesOptions,
): Promise<{ bytes: Uint8Array; path: string; url: string; verifiedBy: FetchedIndex['verifiedBy'] }> {
  // The first compression the mirror has (a 404 moves on, as apt does); a file that is there must verify.
  for (const entry of candidates) {
    const got = await fetchIndexFile(distUrl, release, entry, options, net);
    if (got) return verifyIndex(release, entry, got.bytes, got.url);
  }
  const first = `${distUrl}/${candidates[0]!.path}`;
  throw new DistrokitError('FETCH_HTTP_STATUS', `HTTP 404 for every form the Release lists (${candidates.map((c) => c.path).join(', ')})`, { file: first, status: 404 });
}

/** One listed file: by hash when the Release offers it, else (or on a 404 there) its path; undefined when absent. */
async function fetchIndexFile(
  distUrl: string,
  release: Release,
  entry: ReleaseEntry,
  options: DebianIndexOptions,
  net: FetchBytesOptions,
): Promise<{ bytes: Uint8Array; url: string } | undefined> {
  const plainUrl = `${distUrl}/${entry.path}`;
  const slash = entry.path.lastIndexOf('/');
  const byHashUrl = `${distUrl}/${entry.path.slice(0, slash)}/by-hash/SHA256/${entry.sha256}`;
  if (release.acquireByHash) {
    options.onProgress?.(`fetching ${byHashUrl}`);
    const bytes = await fetchBytes(byHashUrl, { ...net, maxBytes: entry.size + 1, optional: true }).catch((err: unknown) => {
      // A by-hash file over the size is not the one named: the plain path may be fine (re-compressed mirror).
      if (err instanceof DistrokitError && err.code === 'FETCH_SIZE_MISMATCH') return undefined;
      throw err;
    });
    if (bytes) return { bytes, url: byHashUrl };
  }
  options.onProgress?.(`fetching ${plainUrl}`);
  const uncompressed = release.sha256.get(entry.path.replace(/\.[a-z0-9]+$/, ''));
  // A re-compressed copy may be larger than the Release's compressed size, never larger than the content.
  const bytes = await fetchBytes(plainUrl, { ...net, maxBytes: Math.max(entry.size, uncompressed?.size ?? 0) + 1, optional: true });
  return bytes ? { bytes, url: plainUrl } : undefined;
}

/** The bytes against the Release entry, or their decompressed content against the plain Packages' entry. */
async function verifyIndex(release: Release, entry: ReleaseEntry, bytes: Uint8Array, url: string): Promise<{ bytes: Uint8Array; path: string; url: string; verifiedBy: FetchedIndex['verifiedBy'] }> {
  const compressedOk = bytes.byteLength === entry.size && sha256Hex(bytes) === entry.sha256;
  const plainPath = entry.path.replace(/\.[a-z0-9]+$/, '');
  const plain = plainPath !== entry.path ? release.sha256.get(plainPath) : undefined;
  const got = `${bytes.byteLength} bytes, sha256 ${sha256Hex(bytes)}`;
  if (!plain) {
    if (compressedOk) return { bytes, path: entry.path, url, verifiedBy: 'compressed' };
    throw new DistrokitError('FETCH_CHECKSUM_MISMATCH', `${got}; the Release says ${entry.size} bytes, sha256 ${entry.sha256}`, { file: url, entry: entry.path });
  }
  // Kept decompressed: the file in the output is then the Release's plain Packages, checkable
  // with sha256sum against it, and closures read it about 3x faster than the .xz (bookworm: 1.5 s, not 5 s).
  const mismatch = compressedOk ? 'it matches the Release' : `${got}, not the Release's ${entry.size} bytes, sha256 ${entry.sha256}`;
  let content: Uint8Array;
  try {
    content = await decompressToBuffer(bytes, { file: url, maxOutput: plain.size });
  } catch (err) {
    throw new DistrokitError('FETCH_CHECKSUM_MISMATCH', `${mismatch}; and it does not decompress to ${plainPath}: ${(err as Error).message}`, { file: url, entry: entry.path }, { cause: err });
  }
  const contentSha = sha256Hex(content);
  if (content.byteLength === plain.size && contentSha === plain.sha256) return { bytes: content, path: plainPath, url, verifiedBy: compressedOk ? 'compressed' : 'decompressed' };
  throw new DistrokitError(
    'FETCH_CHECKSUM_MISMATCH',
    `${mismatch}; decompressed ${content.byteLength} bytes, sha256 ${contentSha}, not ${plainPath}'s ${plain.size} bytes, sha256 ${plain.sha256}`,
    { file: url, entry: entry.path },
  );
}

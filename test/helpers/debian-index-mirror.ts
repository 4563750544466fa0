/**
 * A local Debian mirror built from the machine's own real, signed apt lists
 * (/var/lib/apt/lists): for bookworm, bookworm-updates and bookworm-security
 * (main, amd64) the InRelease as apt verified it, and the Packages index apt
 * kept (as .lz4) decompressed and re-compressed in every form the Release
 * lists among plain, .xz and .gz. The plain file matches the Release; the
 * re-compressed ones do not match the Release's compressed hashes (Debian's
 * were made with other settings), only their content does — the case of a
 * re-compressing mirror. Layout: ROOT/debian/dists/… and
 * ROOT/debian-security/dists/…, two mirror bases as on deb.debian.org.
 *
 * Built once per set of InRelease files into ~/.cache/distrokit/test-mirror/
 * (the xz step takes seconds), then shared read-only: tests that tamper copy
 * the file they change into a fault of the HTTP server instead.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decompressToBuffer } from '../../formats/compress/index.js';
import { parseRelease } from '../../formats/deb822/release.js';
import { cacheDir } from '../../src/fetch/cache.js';
import { readKeyring, type Keyring } from '../../src/fetch/openpgp.js';
import { makeTestKey, type TestKey } from './gpg.js';
import { startHttpServer, type TestHttpServer } from './http-server.js';

const LISTS = '/var/lib/apt/lists';

export interface MirrorSuite {
  /** The mirror base directory name: debian or debian-security. */
  base: string;
  suite: string;
  /** The apt list file names it came from. */
  inRelease: string;
  packages: string;
}

export const MIRROR_SUITES: readonly MirrorSuite[] = [
  { base: 'debian', suite: 'bookworm', inRelease: 'deb.debian.org_debian_dists_bookworm_InRelease', packages: 'deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4' },
  {
    base: 'debian',
    suite: 'bookworm-updates',
    inRelease: 'deb.debian.org_debian_dists_bookworm-updates_InRelease',
    packages: 'deb.debian.org_debian_dists_bookworm-updates_main_binary-amd64_Packages.lz4',
  },
  {
    base: 'debian-security',
    suite: 'bookworm-security',
    inRelease: 'deb.debian.org_debian-security_dists_bookworm-security_InRelease',
    packages: 'deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages.lz4',
  },
];

/** The mirror root (built if needed). */
export async function debianTestMirror(): Promise<string> {
  const key = createHash('sha256');
  for (const s of MIRROR_SUITES) key.update(readFileSync(join(LISTS, s.inRelease)));
  const root = cacheDir('test-mirror', key.digest('hex').slice(0, 16));
  if (existsSync(join(root, '.complete'))) return root;
  const tmp = `${root}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  for (const s of MIRROR_SUITES) {
    const dists = join(tmp, s.base, 'dists', s.suite);
    const dir = join(dists, 'main', 'binary-amd64');
    mkdirSync(dir, { recursive: true });
    copyFileSync(join(LISTS, s.inRelease), join(dists, 'InRelease'));
    const release = parseRelease(execFileSync('gpgv', ['--output', '-', '--keyring', '/usr/share/keyrings/debian-archive-keyring.gpg', join(LISTS, s.inRelease)], { stdio: ['ignore', 'pipe', 'ignore'] }));
    const plain = await decompressToBuffer(readFileSync(join(LISTS, s.packages)));
    const entry = release.sha256.get('main/binary-amd64/Packages')!;
    const got = createHash('sha256').update(plain).digest('hex');
    if (got !== entry.sha256) throw new Error(`${s.packages}: sha256 ${got}, its Release says ${entry.sha256}: the machine's apt lists do not match`);
    const packages = join(dir, 'Packages');
    writeFileSync(packages, plain);
    if (release.sha256.has('main/binary-amd64/Packages.xz')) writeFileSync(`${packages}.xz`, execFileSync('xz', ['-1', '-T1', '-c', packages], { maxBuffer: 1 << 30 }));
    if (release.sha256.has('main/binary-amd64/Packages.gz')) writeFileSync(`${packages}.gz`, execFileSync('gzip', ['-1', '-n', '-c', packages], { maxBuffer: 1 << 30 }));
  }
  writeFileSync(join(tmp, '.complete'), '');
  rmSync(root, { recursive: true, force: true });
  mkdirSync(join(root, '..'), { recursive: true });
  renameSync(tmp, root);
  return root;
}

/** The test mirror served on loopback, with Debian's real keyring, a test key and a time inside every Release's validity. */
export interface ServedTestMirror {
  root: string;
  server: TestHttpServer;
  debian: Keyring;
  key: TestKey;
  /** An hour after the latest Date of the three suites: after every Date, before every Valid-Until (a week after its Date). */
  inValidity: Date;
}

export const DEBIAN_KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';

export async function serveDebianTestMirror(keyName: string): Promise<ServedTestMirror> {
  const root = await debianTestMirror();
  const server = await startHttpServer(root);
  const debian = await readKeyring(readFileSync(DEBIAN_KEYRING));
  const key = makeTestKey(keyName);
  const dates = MIRROR_SUITES.map((s) => new Date(/^Date: (.*)$/m.exec(readFileSync(join(root, s.base, 'dists', s.suite, 'InRelease'), 'utf8'))![1]!).getTime());
  const inValidity = new Date(Math.max(...dates) + 3600_000);
  return { root, server, debian, key, inValidity };
}

/**
 * A local Debian mirror from real data, for download tests and the bench:
 * the closure of the common Debian set resolved by `deb closure` on the
 * machine's own apt lists (bookworm, -updates, -security), its real .debs
 * (the ones fixtures/gen/debian-debs.sh cached with `apt-get download`, any
 * missing one fetched the same way into that cache) laid out under
 * ROOT/debian/pool/… and ROOT/debian-security/pool/… by their Filename, and
 * the lock (the closure document) with URLs on the given base.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, linkSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineBookwormLists } from '../../src/fetch/apt-lists.js';
import type { ClosureDocument } from '../../src/graph/document.js';
import { debsCache } from './cache.js';

/** bin/distrokit from test/helpers/ (vitest) or dist/test/helpers/ (the compiled bench). */
const BIN = ['../../bin/distrokit', '../../../bin/distrokit'].map((u) => fileURLToPath(new URL(u, import.meta.url))).find((p) => existsSync(p))!;

/** The roots of fixtures/gen/debian-debs.sh (the seed's common Debian set, today's names). */
export const COMMON_ROOTS = ['base-passwd', 'dpkg', 'libc6-dev', 'perl', 'sysvinit-core', 'bash', 'gzip', 'bzip2', 'tar', 'grep', 'findutils', 'g++', 'make', 'curl', 'patch', 'diffutils'];

export interface DebianMirror {
  /** The served directory (debian/ and debian-security/ under it). */
  root: string;
  /** The lock file written (the closure document, URLs under `base`). */
  lockPath: string;
  lock: ClosureDocument;
  /** Path under the server of each package, in lock order (e.g. /debian/pool/main/b/bash/bash_….deb). */
  paths: string[];
}

/** apt-get download's file name for a package version (':' of an epoch as %3a). */
function aptFileName(p: { name: string; version: string; arch: string }): string {
  return `${p.name}_${p.version.replace(/:/g, '%3a')}_${p.arch}.deb`;
}

/** Builds the mirror under `root` for a server at `base` (http://127.0.0.1:PORT). */
export function buildDebianMirror(root: string, base: string, roots: readonly string[] = COMMON_ROOTS): DebianMirror {
  const lists = machineBookwormLists();
  if (lists.length !== 3) throw new Error(`expected the machine's bookworm, bookworm-updates and bookworm-security apt lists, found ${lists.length}`);
  const prefixes = lists.map((l) => (l.urlPrefix.endsWith('debian-security') ? `${base}/debian-security` : `${base}/debian`));
  const args = ['deb', 'closure', ...lists.flatMap((l) => ['--index', l.path]), ...prefixes.flatMap((p) => ['--url-prefix', p]), '--quiet', '--json', ...roots];
  // bin/distrokit directly (not helpers/cli.ts, which needs vitest): the bench uses this too.
  const stdout = execFileSync(BIN, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  const lock = JSON.parse(stdout) as ClosureDocument;
  mkdirSync(debsCache.pool, { recursive: true });
  const missing = lock.packages.filter((p) => !existsSync(join(debsCache.pool, aptFileName(p))));
  if (missing.length > 0)
    execFileSync('apt-get', ['download', '-q', '-o', 'APT::Sandbox::User=root', ...missing.map((p) => `${p.name}=${p.version}`)], { cwd: debsCache.pool, stdio: 'ignore' });
  const paths = lock.packages.map((p) => {
    const path = new URL(p.url!).pathname;
    const dest = join(root, decodeURIComponent(path));
    mkdirSync(dirname(dest), { recursive: true });
    const src = join(debsCache.pool, aptFileName(p));
    try {
      linkSync(src, dest);
    } catch {
      if (!existsSync(dest)) copyFileSync(src, dest);
    }
    return decodeURIComponent(path);
  });
  const lockPath = join(root, 'lock.json');
  writeFileSync(lockPath, JSON.stringify(lock));
  return { root, lockPath, lock, paths };
}

/**
 * Install groups checked by dpkg itself: the real .debs of a closure are
 * unpacked into a scratch root (as the seed's fillDiskWithDebs does) and then
 * installed group by group with `dpkg --root`, without any --force: dpkg
 * refuses a group whose Pre-Depends or Depends are not yet configured.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveClosure } from '../../../src/deb/closure.js';
import { installGroups } from '../../../src/deb/install-groups.js';
import { closureDocument } from '../../../src/deb/output.js';
import { DebRepository } from '../../../src/deb/repository.js';
import type { DebPackage } from '../../../src/deb/packages.js';
import { CACHE_DIR, debianCache } from '../../helpers/cache.js';
import { bookworm, COMMON_DEBIAN_PACKAGES } from '../../helpers/bookworm.js';

const debDir = join(CACHE_DIR, 'debs', 'common');
let scratch: string;

beforeAll(() => {
  execFileSync('bash', ['fixtures/gen/debian-common-debs.sh'], { stdio: 'inherit' });
  scratch = mkdtempSync(join(tmpdir(), 'distrokit-dpkg-root-'));
}, 600_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** The downloaded .deb of each package name (apt-get download encodes epochs in file names, so match by name). */
function debFiles(): Map<string, string> {
  const map = new Map<string, string>();
  for (const f of readdirSync(debDir)) if (f.endsWith('.deb')) map.set(f.slice(0, f.indexOf('_')), join(debDir, f));
  return map;
}

describe('install groups of the common Debian set + Essential/required base', () => {
  it('order every Pre-Depends target in an earlier group and every Depends target no later', async () => {
    const closure = resolveClosure(await bookworm(), COMMON_DEBIAN_PACKAGES, { essential: true });
    expect(closure.problems).toEqual([]);
    const groups = installGroups(closure);
    const groupOf = new Map<DebPackage, number>();
    groups.forEach((g, i) => g.forEach((p) => groupOf.set(p, i)));
    let preDepends = 0;
    for (const [from, edges] of closure.edges) {
      for (const e of edges) {
        if (e.field === 'pre-depends') {
          preDepends++;
          expect(groupOf.get(e.to)!, `${from.name} pre-depends on ${e.to.name}`).toBeLessThan(groupOf.get(from)!);
        } else expect(groupOf.get(e.to)!, `${from.name} depends on ${e.to.name}`).toBeLessThanOrEqual(groupOf.get(from)!);
      }
    }
    expect(preDepends).toBeGreaterThan(5);
    // The same packages apt chose when the generator downloaded them.
    const manifest = readFileSync(join(debDir, 'MANIFEST'), 'utf8').trim().split('\n').map((l) => l.split('=')[0]).sort();
    expect(closure.packages.map((p) => p.name).sort()).toEqual(manifest);
  });

  it('dpkg --root installs the real .debs group by group, without --force', async () => {
    expect(process.getuid?.(), 'dpkg --root runs maintainer scripts in a chroot: this test needs root').toBe(0);
    const closure = resolveClosure(await bookworm(), COMMON_DEBIAN_PACKAGES, { essential: true });
    const groups = installGroups(closure);
    const files = debFiles();
    const root = join(scratch, 'root');
    mkdirSync(root);
    // Unpack everything first, as the seed's fillDiskWithDebs does, so maintainer scripts find a shell.
    for (const p of closure.packages) execFileSync('dpkg-deb', ['-x', files.get(p.name)!, root]);
    for (const d of ['var/lib/dpkg/info', 'var/lib/dpkg/updates', 'dev']) mkdirSync(join(root, d), { recursive: true });
    writeFileSync(join(root, 'var/lib/dpkg/status'), '');
    writeFileSync(join(root, 'var/lib/dpkg/available'), '');
    execFileSync('mknod', ['-m', '666', join(root, 'dev/null'), 'c', '1', '3']);
    for (const [i, group] of groups.entries()) {
      const res = spawnSync('dpkg', ['--root', root, '--install', ...group.map((p) => files.get(p.name)!)], { encoding: 'utf8' });
      expect(res.status, `group ${i} (${group.map((p) => p.name).join(' ')}):\n${res.stdout}\n${res.stderr}`).toBe(0);
    }
    const status = readFileSync(join(root, 'var/lib/dpkg/status'), 'utf8');
    expect(status.match(/^Status: install ok installed$/gm)?.length).toBe(closure.packages.length);
  }, 900_000);

  it('choose the same packages and groups whatever order the indexes are read in', async () => {
    const forward = await bookworm();
    const backward = await DebRepository.fromIndexes([{ path: debianCache.security }, { path: debianCache.updates }, { path: debianCache.main }]);
    const doc = (repo: DebRepository) =>
      closureDocument(COMMON_DEBIAN_PACKAGES, installGroups(resolveClosure(repo, COMMON_DEBIAN_PACKAGES, { essential: true })), () => 'http://x');
    const a = doc(forward);
    const b = doc(backward);
    // The same package (name, version, sha256) and the same groups; only the pool path may differ,
    // since an equal version found in two indexes is taken from the one listed first (as apt orders sources).
    const identity = (d: typeof a) => d.packages.map((p) => `${p.group} ${p.name} ${p.version} ${p.checksum?.value}`);
    expect(identity(b)).toEqual(identity(a));
    expect(b.groups).toEqual(a.groups);
    const moved = a.packages.filter((p, i) => p.location !== b.packages[i]!.location);
    expect(moved.length).toBeGreaterThan(0);
    for (const p of moved) expect(p.location).toMatch(/^pool\/main\//);
  });
});

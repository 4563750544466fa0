/**
 * `vm run` without --kernel: distrokit finds Debian's cloud kernel and
 * busybox-static in this machine's apt lists and downloads them itself. The
 * oracle is apt: the same package names, versions and SHA256 as apt-cache
 * reports, and sha256sum of what landed in the cache. Everything goes into a
 * fresh vm cache of this test's own, so $DISTROKIT_CACHE is not touched.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareGuest } from '../../../src/vm/guest.js';
import { fetchGuestPackage, type GuestPackages, resolveGuestPackages } from '../../../src/vm/packages.js';
import { runInVm } from '../../../src/vm/run.js';

let root: string;
let cache: string;
let packages: GuestPackages;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'distrokit-vmdefault-'));
  cache = join(root, 'vm-cache');
  packages = await resolveGuestPackages({ cacheDir: cache });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const apt = (...args: string[]) => execFileSync('apt-cache', args, { encoding: 'utf8' });
const sha256sum = (path: string) => execFileSync('sha256sum', [path], { encoding: 'utf8' }).split(' ')[0];

/** apt's view of a package: the candidate version and that version's index fields. */
function aptCandidate(name: string): { version: string; sha256: string; size: number; filename: string } {
  const version = /^\s*Candidate: (\S+)$/m.exec(apt('policy', name))![1]!;
  const show = apt('show', `${name}=${version}`);
  const field = (f: string) => new RegExp(`^${f}: (.*)$`, 'm').exec(show)![1]!;
  return { version, sha256: field('SHA256'), size: Number(field('Size')), filename: field('Filename') };
}

describe("the default VM packages from this machine's apt lists", () => {
  it('are the kernel linux-image-cloud-amd64 depends on and busybox-static, as apt resolves them', async () => {
    const image = /Depends: (linux-image-\S+)/.exec(apt('depends', 'linux-image-cloud-amd64'))![1]!;
    expect(packages.kernel.name).toBe(image);
    for (const [pkg, name] of [[packages.kernel, image], [packages.busybox, 'busybox-static']] as const) {
      const fromApt = aptCandidate(name);
      expect({ version: pkg.version, sha256: pkg.sha256, size: pkg.size }).toEqual({ version: fromApt.version, sha256: fromApt.sha256, size: fromApt.size });
      expect(pkg.url.endsWith(`/${fromApt.filename}`)).toBe(true);
    }
  });

  it("are downloaded with the index's sha256 (once for concurrent callers); a valid copy is kept, a corrupted one replaced", async () => {
    // Two runs of one process that need it at once share the download.
    const [path, other] = await Promise.all([fetchGuestPackage(packages.busybox, cache), fetchGuestPackage(packages.busybox, cache)]);
    expect(other).toBe(path);
    expect(path).toBe(join(cache, 'debs', packages.busybox.file));
    expect(sha256sum(path)).toBe(aptCandidate('busybox-static').sha256);
    const inode = statSync(path).ino;
    expect(await fetchGuestPackage(packages.busybox, cache)).toBe(path);
    expect(statSync(path).ino).toBe(inode);
    // Flip bytes in the middle: same size, wrong content.
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.from('corrupted'), 0, 9, 1000);
    closeSync(fd);
    expect(sha256sum(path)).not.toBe(packages.busybox.sha256);
    await fetchGuestPackage(packages.busybox, cache);
    expect(sha256sum(path)).toBe(packages.busybox.sha256);
    expect(statSync(path).ino).not.toBe(inode);
    expect(readdirSync(join(cache, 'debs'))).toEqual([packages.busybox.file]);
  });

  it('boot: a fresh cache downloads the kernel and fills the boot cache; later runs need neither .deb', async () => {
    const release = packages.kernel.name.slice('linux-image-'.length);
    const first = await runInVm({ command: ['sh', '-c', 'uname -r; echo "$0"', 'from-the-default-kernel'], cacheDir: cache, timeoutMs: 240_000 });
    expect(first.stdout.toString()).toBe(`${release}\nfrom-the-default-kernel\n`);
    expect(first.exitStatus).toBe(0);
    expect(first.kernelRelease).toBe(release);
    expect(sha256sum(join(cache, 'debs', packages.kernel.file))).toBe(aptCandidate(packages.kernel.name).sha256);
    const entries = readdirSync(join(cache, 'boot'));
    expect(entries).toHaveLength(1);
    // Debian's kernels carry the PVH note: the cache holds the inflated vmlinux that QEMU boots directly.
    expect(JSON.parse(readFileSync(join(cache, 'boot', entries[0]!, 'meta.json'), 'utf8'))).toEqual({ kernelRelease: release, kernel: 'vmlinux', initrd: 'initrd', kernelFormat: 'pvh' });

    // Without the .debs the boot cache still has everything: nothing is downloaded again.
    for (const f of readdirSync(join(cache, 'debs'))) rmSync(join(cache, 'debs', f));
    const work = mkdtempSync(join(root, 'work-'));
    const guest = await prepareGuest({ command: ['true'], cacheDir: cache }, work);
    expect(guest.bootCache).toBe('hit');
    expect(guest.kernel).toBe(join(cache, 'boot', entries[0]!, 'vmlinux'));
    const second = await runInVm({ command: ['sh', '-c', 'echo second; exit 5'], cacheDir: cache, timeoutMs: 240_000 });
    expect(second.stdout.toString()).toBe('second\n');
    expect(second.exitStatus).toBe(5);
    expect(readdirSync(join(cache, 'debs'))).toEqual([]);
    expect(readdirSync(join(cache, 'boot'))).toEqual(entries);
  }, 600_000);
});

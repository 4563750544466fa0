/**
 * `distrokit ext4 build --from-deb/--from-rpm/--from-tar`: images built
 * straight from real packages hold exactly what the reference extractors
 * produce (dpkg-deb -x, rpm2cpio | cpio -idm, tar -x), read back through a
 * kernel loop mount (debugfs rdump drops setuid bits), and are e2fsck-clean.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { debsCache, rpmsCache } from '../../helpers/cache.js';
import { distrokit } from '../../helpers/cli.js';
import { expectE2fsckClean, tempDir } from '../image/oracle.js';

const work = tempDir('ext4-archives');
afterAll(() => work.cleanup());

/** Every entry below `root`: type, permission bits, owner, size, content hash or link target. */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string, rel: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const key = `${rel}/${name}`;
      const st = lstatSync(path);
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isSymbolicLink()) out[key] = `link ${readlinkSync(path)}`;
      else if (st.isDirectory()) {
        out[key] = `dir ${mode} ${st.uid}:${st.gid}`;
        walk(path, key);
      } else out[key] = `file ${mode} ${st.uid}:${st.gid} ${st.size} ${createHash('sha256').update(readFileSync(path)).digest('hex')}`;
    }
  };
  walk(root, '');
  return out;
}

/** The image's tree as the kernel sees it (read-only loop mount). */
function mounted(img: string, name: string): Record<string, string> {
  const dir = join(work.dir, name);
  mkdirSync(dir);
  execFileSync('mount', ['-o', 'loop,ro', img, dir]);
  try {
    const snap = snapshot(dir);
    delete snap['/lost+found'];
    return snap;
  } finally {
    execFileSync('umount', [dir]);
  }
}

const pick = (dir: string, names: string[]) => names.map((n) => join(dir, readdirSync(dir).find((f) => f.startsWith(`${n}_`))!));

describe('ext4 build from archives', () => {
  it('--from-deb: real .debs laid in order equal a dpkg-deb -x loop', () => {
    const debs = pick(debsCache.pool, ['base-files', 'bash', 'libc6', 'libtinfo6', 'grep', 'perl-base']);
    const img = join(work.dir, 'debs.img');
    const r = distrokit(['ext4', 'build', '--out', img, '--extra-percent', '5', '--from-deb', ...debs]);
    expect(r.status, r.stderr).toBe(0);
    expectE2fsckClean(img);
    const ref = join(work.dir, 'debs-ref');
    mkdirSync(ref);
    for (const deb of debs) execFileSync('dpkg-deb', ['-x', deb, ref]);
    const ours = mounted(img, 'debs-out');
    expect(Object.keys(ours).length).toBeGreaterThan(500);
    expect(ours).toEqual(snapshot(ref));
  });

  it('--from-rpm: an alien-converted RPM equals rpm2cpio | cpio -idm', () => {
    const rpm = join(rpmsCache.alien, readdirSync(rpmsCache.alien).find((f) => f.startsWith('grep-'))!);
    const img = join(work.dir, 'rpm.img');
    expect(distrokit(['ext4', 'build', '--out', img, '--from-rpm', rpm]).status).toBe(0);
    expectE2fsckClean(img);
    const ref = join(work.dir, 'rpm-ref');
    mkdirSync(ref);
    execFileSync('bash', ['-c', `rpm2cpio "${rpm}" | (cd "${ref}" && cpio -idm --quiet --no-absolute-filenames)`]);
    const ours = mounted(img, 'rpm-out');
    // cpio creates the parent directories the payload does not list with its own defaults; compare what the payload holds.
    const reference = snapshot(ref);
    for (const [path, entry] of Object.entries(reference)) if (!entry.startsWith('dir')) expect([path, ours[path]]).toEqual([path, entry]);
    expect(Object.keys(ours).filter((p) => !ours[p]!.startsWith('dir'))).toEqual(Object.keys(reference).filter((p) => !reference[p]!.startsWith('dir')));
  });

  it('--from-tar: a tar made by GNU tar equals its extraction', () => {
    const src = join(work.dir, 'tar-src');
    mkdirSync(join(src, 'etc/app'), { recursive: true });
    execFileSync('bash', ['-c', `cd "${src}" && printf 'x=1\\n' > etc/app/conf && ln -s app/conf etc/link && chmod 4755 etc/app/conf`]);
    const tar = join(work.dir, 'root.tar.gz');
    execFileSync('tar', ['--owner=0', '--group=0', '-czf', tar, '-C', src, '.']);
    const img = join(work.dir, 'tar.img');
    expect(distrokit(['ext4', 'build', '--out', img, '--from-tar', tar]).status).toBe(0);
    expectE2fsckClean(img);
    const ref = join(work.dir, 'tar-ref');
    mkdirSync(ref);
    execFileSync('tar', ['-xpzf', tar, '-C', ref]);
    const ours = mounted(img, 'tar-out');
    expect(ours).toEqual(snapshot(ref));
  });

  it('needs exactly one source', () => {
    expect(distrokit(['ext4', 'build', '--out', join(work.dir, 'x.img')]).status).toBe(2);
    expect(distrokit(['ext4', 'build', '--out', join(work.dir, 'x.img'), '--from', '/tmp', '--from-tar', 'a.tar']).status).toBe(2);
  });
});

/**
 * The tree API: conflict policy with both owners, directory merges, hard
 * links, symlink-following inside the root, merged /usr; and `tree merge`
 * over real .debs against a loop of `dpkg-deb -x` into one directory.
 */
import { execFileSync, execSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DistrokitError } from '../../../formats/errors.js';
import { run as runTree } from '../../../src/cli/tree.js';
import { Tree } from '../../../src/tree/tree.js';
import type { FileNode, NodeMeta, TreeNode } from '../../../src/tree/types.js';
import { debsCache, rpmsCache } from '../../helpers/cache.js';
import { distrokitInProcess } from '../../helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'distrokit-tree-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const meta = (owner: string): NodeMeta => ({ perm: 0o644, uid: 0, gid: 0, mtime: { sec: 1, nsec: 0 }, owner });
const file = (owner: string, text: string): FileNode => ({ type: 'file', ...meta(owner), size: text.length, content: { kind: 'bytes', data: new TextEncoder().encode(text) } });
const dir = (owner: string): TreeNode => ({ type: 'dir', ...meta(owner), perm: 0o755, children: new Map() });

describe('Tree', () => {
  it('policy error: two packages owning one path is TREE_CONFLICT naming both', () => {
    const tree = new Tree({ policy: 'error' });
    tree.add('/usr/bin/x', file('pkg-a', 'a'));
    const err = (() => {
      try {
        tree.add('./usr/bin/x', file('pkg-b', 'b'));
      } catch (e) {
        return e;
      }
    })() as DistrokitError;
    expect(err).toBeInstanceOf(DistrokitError);
    expect(err.code).toBe('TREE_CONFLICT');
    expect(err.data).toMatchObject({ entry: '/usr/bin/x', existingOwner: 'pkg-a', incomingOwner: 'pkg-b' });
  });

  it('policy last-wins: the later package wins and the conflict is recorded', () => {
    const tree = new Tree();
    tree.add('/usr/bin/x', file('pkg-a', 'a'));
    tree.add('/usr/bin/x', file('pkg-b', 'b'));
    expect((tree.lookup('/usr/bin/x') as FileNode).owner).toBe('pkg-b');
    expect(tree.conflicts).toEqual([{ path: '/usr/bin/x', existing: { type: 'file', owner: 'pkg-a' }, incoming: { type: 'file', owner: 'pkg-b' } }]);
  });

  it('a file replacing a directory is a conflict; directories shared by packages are not', () => {
    const tree = new Tree({ policy: 'error' });
    tree.add('/etc', dir('pkg-a'));
    tree.add('/etc', dir('pkg-b'));
    tree.add('/etc/x', file('pkg-a', 'a'));
    expect(() => tree.add('/etc', file('pkg-c', 'c'))).toThrow(/conflicts with dir from pkg-a/);
    expect(tree.lookup('/etc/x')?.type).toBe('file');
  });

  it('one source replacing its own entry is not a conflict (tar semantics)', () => {
    const tree = new Tree({ policy: 'error' });
    tree.add('/x', file('same', '1'));
    tree.add('/x', file('same', '2'));
    expect(tree.conflicts).toEqual([]);
  });

  it('hard links share one node; links to directories or missing targets are refused', () => {
    const tree = new Tree();
    const node = tree.add('/a', file('p', 'data'));
    expect(tree.link('/b/c', '/a')).toBe(node);
    expect(tree.lookup('/b/c')).toBe(node);
    tree.add('/d', dir('p'));
    expect(() => tree.link('/e', '/d')).toThrow(expect.objectContaining({ code: 'TREE_HARDLINK_TO_DIR' }));
    expect(() => tree.link('/e', '/nope')).toThrow(expect.objectContaining({ code: 'TREE_HARDLINK_TARGET_MISSING' }));
  });

  it('symlinks on the way are followed inside the tree only; followSymlinks: false refuses them', () => {
    const tree = new Tree();
    tree.add('/usr/lib', dir('p'));
    tree.add('/lib', { type: 'symlink', ...meta('p'), target: '/usr/lib' });
    tree.add('/lib/x.so', file('q', 'x'));
    expect(tree.lookup('/usr/lib/x.so')?.type).toBe('file');
    // A package shipping the directory /lib keeps the symlink (dpkg's rule for merged /usr).
    tree.add('/lib', dir('r'));
    expect(tree.lookup('/lib')?.type).toBe('symlink');
    const strict = new Tree({ followSymlinks: false });
    strict.add('/lib', { type: 'symlink', ...meta('p'), target: 'usr/lib' });
    expect(() => strict.add('/lib/x', file('q', 'x'))).toThrow(expect.objectContaining({ code: 'TREE_SYMLINK_IN_PATH' }));
  });

  it('walks parents first, siblings in UTF-8 byte order', () => {
    const tree = new Tree();
    for (const name of ['b', 'a', '\u{1F600}', '\uFFFD', 'a/z']) tree.add(`/${name}`, file('p', name));
    // U+FFFD (EF BF BD) sorts before U+1F600 (F0 9F 98 80) in UTF-8, after it in UTF-16.
    expect([...tree.walk()].map((e) => e.path)).toEqual(['/', '/a', '/a/z', '/b', '/\uFFFD', '/\u{1F600}']);
  });
});

describe('tree merge over real .debs', () => {
  const names = ['base-files', 'base-passwd', 'bash', 'coreutils', 'dpkg', 'grep', 'gzip', 'libc6', 'perl-base', 'sed', 'tar', 'zlib1g', 'debianutils', 'mawk'];
  const debs = readdirSync(debsCache.pool)
    .filter((f) => names.includes(f.split('_')[0]!))
    .sort()
    .map((f) => join(debsCache.pool, f));

  it('equals a loop of dpkg-deb -x into one directory', async () => {
    expect(debs.length).toBeGreaterThanOrEqual(10);
    const ours = join(work, 'ours');
    const theirs = join(work, 'theirs');
    const merged = await distrokitInProcess(() => runTree(['merge', '--out', ours, '--json', ...debs]));
    expect(merged.status).toBe(0);
    const report = JSON.parse(merged.stdout);
    expect(report.packages.map((p: { owner: string }) => p.owner).sort()).toEqual(names.filter((n) => debs.some((d) => d.includes(`/${n}_`))).sort());
    execSync(`mkdir -p ${theirs} && for d in ${debs.join(' ')}; do dpkg-deb -x "$d" ${theirs}; done`);
    // Directory mtimes are left out: when a later package writes into a directory it does not
    // ship, the dpkg-deb loop leaves the extraction time on it; the tree keeps the archive's.
    const inventory = (root: string) =>
      execFileSync('bash', ['-c', `cd ${root} && { find . ! -type d -printf '%y %m %U %G %s %T@ %p %l\\n'; find . -type d -printf '%y %m %U %G %p\\n'; } | LC_ALL=C sort`], {
        encoding: 'utf8',
      });
    expect(inventory(ours)).toBe(inventory(theirs));
    execFileSync('diff', ['-r', '--no-dereference', ours, theirs]);
    // Decoding on worker threads (the default above) and on the main thread give the same tree.
    const sequential = join(work, 'sequential');
    expect((await distrokitInProcess(() => runTree(['merge', '--out', sequential, '--jobs', '1', ...debs]))).status).toBe(0);
    expect(inventory(sequential)).toBe(inventory(ours));
  });

  it('--merged-usr puts /bin/bash into /usr/bin and keeps /bin a symlink', async () => {
    const out = join(work, 'merged');
    expect((await distrokitInProcess(() => runTree(['merge', '--out', out, '--merged-usr', ...debs.filter((d) => /\/(bash|grep)_/.test(d))]))).status).toBe(0);
    expect(execFileSync('readlink', [join(out, 'bin')], { encoding: 'utf8' }).trim()).toBe('usr/bin');
    execFileSync('test', ['-f', join(out, 'usr/bin/bash')]);
    execFileSync('test', ['-f', join(out, 'usr/bin/grep')]);
  });
});

describe('tree merge over RPMs with --merged-usr', () => {
  it('equals rpm2cpio | cpio -idm into a root with /bin, /sbin, /lib, /lib64 symlinked into /usr', async () => {
    const rpms = readdirSync(rpmsCache.alien)
      .filter((f) => /^(bash|grep|libc6)-/.test(f))
      .sort()
      .map((f) => join(rpmsCache.alien, f));
    expect(rpms.length).toBe(3);
    const ours = join(work, 'rpm-ours');
    const theirs = join(work, 'rpm-theirs');
    expect((await distrokitInProcess(() => runTree(['merge', '--out', ours, '--merged-usr', ...rpms]))).status).toBe(0);
    execSync(
      `mkdir -p ${theirs}/usr/bin ${theirs}/usr/sbin ${theirs}/usr/lib ${theirs}/usr/lib64 && cd ${theirs} && ` +
        `for d in bin sbin lib lib64; do ln -s usr/$d $d; done && ` +
        `for r in ${rpms.join(' ')}; do rpm2cpio "$r" | cpio --quiet -idm --no-absolute-filenames; done`,
    );
    expect(execFileSync('readlink', [join(ours, 'bin')], { encoding: 'utf8' }).trim()).toBe('usr/bin');
    execFileSync('test', ['-f', join(ours, 'usr/bin/bash')]);
    // cpio -idm restores mtimes of regular files only, so the rest is compared without times.
    const inventory = (root: string) =>
      execFileSync('bash', ['-c', `cd ${root} && { find . -type f -printf '%y %m %U %G %s %T@ %p\\n'; find . ! -type f -printf '%y %m %U %G %p %l\\n'; } | LC_ALL=C sort`], {
        encoding: 'utf8',
      });
    expect(inventory(ours)).toBe(inventory(theirs));
    execFileSync('diff', ['-r', '--no-dereference', ours, theirs]);
  });
});

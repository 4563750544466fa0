/**
 * treeManifest and diffManifests on a small tree made with node alone (the
 * oracle-tier test-tree-manifest.test.ts checks the same fields against GNU
 * find and stat on device nodes, fifos, sockets, owners and a mount point).
 */
import { chmodSync, linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffManifests, globToRegExp, manifestDifferences, treeManifest, type Manifest, type ManifestEntry } from './tree-manifest.js';

// sha256sum of "hello\n" and of the empty file, as printed by coreutils.
const HELLO = '5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03';
const EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

let dir: string;
let uid: number;
let gid: number;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'distrokit-manifest-'));
  uid = process.getuid!();
  gid = process.getgid!();
  mkdirSync(join(dir, 'etc'));
  writeFileSync(join(dir, 'etc', 'hello'), 'hello\n');
  chmodSync(join(dir, 'etc', 'hello'), 0o640);
  writeFileSync(join(dir, 'etc', 'empty'), '');
  linkSync(join(dir, 'etc', 'hello'), join(dir, 'etc', 'hello-link'));
  mkdirSync(join(dir, 'bin'));
  writeFileSync(join(dir, 'bin', 'tool'), '#!/bin/sh\n');
  chmodSync(join(dir, 'bin', 'tool'), 0o4755);
  mkdirSync(join(dir, 'tmp'));
  chmodSync(join(dir, 'tmp'), 0o1777);
  mkdirSync(join(dir, 'shared'));
  chmodSync(join(dir, 'shared'), 0o2775);
  writeFileSync(join(dir, 'shared', 'inside'), 'x');
  // Symlinks are recorded, never followed: not to the directory, not out of the tree, not dangling.
  symlinkSync('shared', join(dir, 'link-to-dir'));
  symlinkSync('/etc/passwd', join(dir, 'link-out'));
  symlinkSync('nowhere', join(dir, 'dangling'));
  // Byte order of names: "B" (0x42) before "a" (0x61) before "é".
  writeFileSync(join(dir, 'a'), '');
  writeFileSync(join(dir, 'B'), '');
  writeFileSync(join(dir, 'é'), '');
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('treeManifest', () => {
  it('records type, permission bits with suid/sgid/sticky, owner, size and content hash', () => {
    const m = treeManifest(dir);
    expect(m.get('/')).toMatchObject({ type: 'dir', uid, gid });
    expect(m.get('/etc/hello')).toEqual({ type: 'file', mode: 0o640, uid, gid, sha256: HELLO, size: 6, nlink: 2 });
    expect(m.get('/etc/hello-link')).toEqual(m.get('/etc/hello'));
    expect(m.get('/etc/empty')).toMatchObject({ type: 'file', sha256: EMPTY, size: 0 });
    expect(m.get('/etc/empty')!.nlink).toBeUndefined();
    expect(m.get('/bin/tool')!.mode).toBe(0o4755);
    expect(m.get('/tmp')).toEqual({ type: 'dir', mode: 0o1777, uid, gid });
    expect(m.get('/shared')!.mode & 0o7000).toBe(0o2000);
  });

  it('records symlinks with their stored target and does not follow them', () => {
    const m = treeManifest(dir);
    expect(m.get('/link-to-dir')).toEqual({ type: 'symlink', mode: 0o777, uid, gid, target: 'shared' });
    expect(m.get('/link-out')!.target).toBe('/etc/passwd');
    expect(m.get('/dangling')!.target).toBe('nowhere');
    expect([...m.keys()].filter((p) => p.startsWith('/link-to-dir/'))).toEqual([]);
    expect(m.has('/shared/inside')).toBe(true);
  });

  it('lists paths depth-first with names in byte order', () => {
    const top = [...treeManifest(dir).keys()].filter((p) => p !== '/' && p.split('/').length === 2);
    expect(top).toEqual(['/B', '/a', '/bin', '/dangling', '/etc', '/link-out', '/link-to-dir', '/shared', '/tmp', '/é']);
  });

  it('rejects a root that is not a directory', () => {
    expect(() => treeManifest(join(dir, 'etc', 'hello'))).toThrow(/not a directory/);
    expect(() => treeManifest(join(dir, 'link-to-dir'))).toThrow(/not a directory/);
  });
});

describe('diffManifests', () => {
  const file = (sha256: string, extra: object = {}) => ({ type: 'file' as const, mode: 0o644, uid: 0, gid: 0, sha256, size: 1, ...extra });
  const a: Manifest = new Map<string, ManifestEntry>([
    ['/', { type: 'dir', mode: 0o755, uid: 0, gid: 0 }],
    ['/etc', { type: 'dir', mode: 0o755, uid: 0, gid: 0 }],
    ['/etc/same', file('aa')],
    ['/etc/changed', file('aa', { mode: 0o600 })],
    ['/etc/only-a', file('aa')],
    ['/var/log/dpkg.log', file('aa')],
    ['/lib', { type: 'dir', mode: 0o755, uid: 0, gid: 0 }],
    ['/hard', file('aa', { nlink: 2 })],
  ]);
  const b: Manifest = new Map<string, ManifestEntry>([
    ['/', { type: 'dir', mode: 0o755, uid: 0, gid: 0 }],
    ['/etc', { type: 'dir', mode: 0o755, uid: 0, gid: 0 }],
    ['/etc/same', file('aa')],
    ['/etc/changed', file('bb', { gid: 42 })],
    ['/etc/only-b', { type: 'symlink', mode: 0o777, uid: 0, gid: 0, target: '../x' }],
    ['/lib', { type: 'symlink', mode: 0o777, uid: 0, gid: 0, target: 'usr/lib' }],
    ['/hard', file('aa')],
  ]);

  it('names what is missing on either side and every differing field, in path order', () => {
    expect(diffManifests(a, b, { labels: ['ours', 'mmdebstrap'] })).toEqual([
      '/etc/changed: mode 0600 ≠ 0644; gid 0 ≠ 42; sha256 aa… ≠ bb… (ours ≠ mmdebstrap)',
      'only in ours: /etc/only-a (file 0644 0:0 1 bytes)',
      'only in mmdebstrap: /etc/only-b (symlink 0777 0:0 → ../x)',
      '/hard: nlink 2 ≠ (none) (ours ≠ mmdebstrap)',
      '/lib: type dir (ours) ≠ symlink (mmdebstrap)',
      'only in ours: /var/log/dpkg.log (file 0644 0:0 1 bytes)',
    ]);
  });

  it('gives each difference its path and kind', () => {
    expect(manifestDifferences(a, b).map((d) => [d.path, d.kind])).toEqual([
      ['/etc/changed', 'fields'], ['/etc/only-a', 'only-a'], ['/etc/only-b', 'only-b'], ['/hard', 'fields'], ['/lib', 'type'], ['/var/log/dpkg.log', 'only-a'],
    ]);
  });

  it('is empty for equal manifests', () => {
    expect(diffManifests(a, new Map(a))).toEqual([]);
    expect(diffManifests(treeManifest(dir), treeManifest(dir))).toEqual([]);
  });

  it('leaves out ignored paths (globs or a predicate) and ignored fields', () => {
    const globs = diffManifests(a, b, { ignore: ['/var/log/**', '/etc/only-*', '/lib'], ignoreFields: ['nlink', 'sha256'] });
    expect(globs).toEqual(['/etc/changed: mode 0600 ≠ 0644; gid 0 ≠ 42 (a ≠ b)']);
    const predicate = diffManifests(a, b, { ignore: (p) => p !== '/hard' });
    expect(predicate).toEqual(['/hard: nlink 2 ≠ (none) (a ≠ b)']);
  });
});

describe('globToRegExp', () => {
  it('keeps * and ? within a component, lets ** cross them, and makes a trailing /** cover the directory', () => {
    const m = (g: string, p: string) => globToRegExp(g).test(p);
    expect(m('/var/lib/dpkg/*-old', '/var/lib/dpkg/status-old')).toBe(true);
    expect(m('/var/lib/dpkg/*-old', '/var/lib/dpkg/info/x-old')).toBe(false);
    expect(m('/dev/**', '/dev')).toBe(true);
    expect(m('/dev/**', '/dev/pts/0')).toBe(true);
    expect(m('/dev/**', '/devices')).toBe(false);
    expect(m('/etc/rc?.d', '/etc/rc0.d')).toBe(true);
    expect(m('/etc/rc?.d', '/etc/rcS.d/x')).toBe(false);
    expect(m('/usr/**/*.pyc', '/usr/lib/python3/x/y.pyc')).toBe(true);
    expect(m('/a.b', '/axb')).toBe(false);
  });
});

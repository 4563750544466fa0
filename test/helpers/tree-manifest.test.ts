/**
 * treeManifest against GNU find, stat and sha256sum (needs root: device
 * nodes, foreign owners and a tmpfs mounted inside the tree, which the
 * manifest lists but does not enter, as `find -xdev` does).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, chmodSync, chownSync, linkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { treeManifest, type Manifest, type ManifestEntry } from './tree-manifest.js';

let dir: string;
let mounted = false;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'distrokit-manifest-oracle-'));
  chmodSync(dir, 0o755);
  const sh = (script: string) => execFileSync('bash', ['-euc', script, 'sh', dir]);
  mkdirSync(join(dir, 'dev'));
  sh('mknod "$1/dev/null" c 1 3 && mknod "$1/dev/sda" b 8 0 && mknod "$1/dev/big" c 300 70000 && mkfifo "$1/dev/fifo"');
  execFileSync('python3', ['-c', 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])', join(dir, 'dev', 'sock')]);
  mkdirSync(join(dir, 'etc'));
  writeFileSync(join(dir, 'etc', 'shadow'), 'root:*:19675:0:99999:7:::\n');
  chmodSync(join(dir, 'etc', 'shadow'), 0o640);
  chownSync(join(dir, 'etc', 'shadow'), 0, 42);
  writeFileSync(join(dir, 'etc', 'big'), Buffer.alloc(3 << 20, 7));
  linkSync(join(dir, 'etc', 'big'), join(dir, 'etc', 'big-hardlink'));
  mkdirSync(join(dir, 'var', 'mail'), { recursive: true });
  chownSync(join(dir, 'var', 'mail'), 0, 8);
  chmodSync(join(dir, 'var', 'mail'), 0o2775);
  writeFileSync(join(dir, 'var', 'su'), '');
  chownSync(join(dir, 'var', 'su'), 1000, 1001);
  chmodSync(join(dir, 'var', 'su'), 0o4711);
  symlinkSync('/proc/self/fd', join(dir, 'dev', 'fd'));
  symlinkSync('usr/bin', join(dir, 'bin'));
  mkdirSync(join(dir, 'proc'));
  sh('mount -t tmpfs -o mode=0555 none "$1/proc" && echo x > "$1/proc/inside"');
  mounted = true;
});

afterAll(() => {
  if (mounted) execFileSync('umount', [join(dir, 'proc')]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The same fields as GNU find -xdev, stat and sha256sum see them. */
function findManifest(root: string): Manifest {
  const types: Record<string, ManifestEntry['type']> = { f: 'file', d: 'dir', l: 'symlink', c: 'char', b: 'block', p: 'fifo', s: 'socket' };
  const out: Manifest = new Map();
  const listing = execFileSync('find', [root, '-xdev', '-printf', '%P\\0%y\\0%m\\0%U\\0%G\\0%l\\0%s\\0%n\\0%D\\n'], { maxBuffer: 1 << 28 }).toString();
  const rootDev = listing.split('\n')[0]!.split('\0')[8];
  for (const line of listing.split('\n').filter(Boolean)) {
    const [rel, y, m, u, g, l, s, n, dev] = line.split('\0');
    const path = rel ? `/${rel}` : '/';
    const e: ManifestEntry = { type: types[y!]!, mode: parseInt(m!, 8), uid: Number(u), gid: Number(g) };
    const abs = rel ? join(root, rel) : root;
    if (e.type === 'symlink') e.target = l;
    if (e.type === 'file') {
      e.sha256 = execFileSync('sha256sum', [abs]).toString().split(' ')[0];
      e.size = Number(s);
    }
    if (e.type === 'char' || e.type === 'block') {
      const [maj, min] = execFileSync('stat', ['-c', '%Hr:%Lr', abs]).toString().trim().split(':');
      e.rdev = `${maj}:${min}`;
    }
    if (e.type !== 'dir' && Number(n) > 1) e.nlink = Number(n);
    if (e.type === 'dir' && dev !== rootDev) e.mountPoint = true;
    out.set(path, e);
  }
  return out;
}

describe('treeManifest against find/stat/sha256sum', () => {
  it('agrees on every entry type, special bits, owners, devices, hard links and a mount point', () => {
    const ours = treeManifest(dir);
    const theirs = findManifest(dir);
    expect([...ours.keys()].sort()).toEqual([...theirs.keys()].sort());
    for (const [path, e] of theirs) expect(ours.get(path), path).toEqual(e);
    expect(ours.get('/proc')).toMatchObject({ type: 'dir', mode: 0o555, mountPoint: true });
    expect(ours.has('/proc/inside')).toBe(false);
    expect(ours.get('/dev/big')!.rdev).toBe('300:70000');
    expect(ours.get('/var/su')).toMatchObject({ mode: 0o4711, uid: 1000, gid: 1001 });
  });

  it('agrees on a real installed tree (/usr/lib/apt, /etc/dpkg)', () => {
    for (const real of ['/usr/lib/apt', '/etc/dpkg']) {
      const ours = treeManifest(real);
      expect(ours.size).toBeGreaterThan(3);
      expect(ours).toEqual(findManifest(real));
    }
  });
});

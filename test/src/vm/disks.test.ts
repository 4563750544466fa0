/**
 * runInVm's disks against the real thing: Debian's cloud kernel under QEMU,
 * with the host side checked by the host (sha256 of what arrived against the
 * guest's own sha256sum, stat, debugfs, strict e2fsck). Each boot costs
 * seconds under TCG, so each test combines several checks into one boot.
 *
 * Every test runs with its own TMPDIR, which must be empty afterwards (the
 * run directory and QEMU's snapshot overlay live there).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeExt4 } from '../../../src/image/write.js';
import { shellQuote } from '../../../src/initrd/stage1.js';
import { treeFromDirectory } from '../../../src/tree/from-dir.js';
import type { DirNode, TreeNode } from '../../../src/tree/types.js';
import { runInVm } from '../../../src/vm/run.js';
import { initrdCache } from '../../helpers/cache.js';
import { expectE2fsckClean } from '../image/oracle.js';
import { makeSampleTree } from '../initrd/helpers.js';

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
const fileSha = (path: string) => sha256(readFileSync(path));

let work: string;
let savedTmp: string | undefined;
let runTmp: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'distrokit-vmdisks-'));
  runTmp = join(work, 'tmp');
  mkdirSync(runTmp);
  savedTmp = process.env.TMPDIR;
  process.env.TMPDIR = runTmp;
});
afterEach(() => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
  rmSync(work, { recursive: true, force: true });
});

/** The guest's `sha256sum < FILE` lines ("HASH  -") on stderr, in order. */
function guestHashes(stderr: Buffer): string[] {
  return stderr
    .toString()
    .split('\n')
    .filter((l) => / {2}-$/.test(l))
    .map((l) => l.slice(0, 64));
}

/** Every path under `dir`, relative, directories with a trailing slash. */
function listTree(dir: string, prefix = ''): string[] {
  return readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      const rel = prefix + name;
      return lstatSync(path).isDirectory() ? [`${rel}/`, ...listTree(path, `${rel}/`)] : [rel];
    });
}

/** A root with busybox as /bin/sh and a marker file: no proc, sys, dev, in or out (stage 1 makes and removes them). */
function busyboxRoot(dir: string): string {
  mkdirSync(join(dir, 'bin'), { recursive: true });
  cpSync(join(initrdCache.busyboxRoot, 'bin/busybox'), join(dir, 'bin/busybox'));
  symlinkSync('busybox', join(dir, 'bin/sh'));
  mkdirSync(join(dir, 'etc'));
  writeFileSync(join(dir, 'etc/marker'), 'from the image\n');
  return dir;
}

function fileNode(text: string): TreeNode {
  const data = new TextEncoder().encode(text);
  return { type: 'file', perm: 0o644, uid: 0, gid: 0, mtime: { sec: 1_700_000_000, nsec: 0 }, size: data.length, content: { kind: 'bytes', data } };
}

function debugfs(image: string, request: string): string {
  return execFileSync('debugfs', ['-R', request, image], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
}

describe('runInVm disks (Debian cloud kernel under QEMU)', () => {
  it('50 MB of stdout arrive byte-exact; --in is readable at /in; a tree written under /out arrives in the out directory', async () => {
    const inDir = join(work, 'in');
    mkdirSync(inDir);
    makeSampleTree(inDir);
    writeFileSync(join(inDir, 'random'), Buffer.from(Array.from({ length: 1 << 20 }, (_, i) => (i * 7919) % 251)));
    const inFiles = ['dir with space/file', 'ünïcødé/naïve ☃.txt', 'new\nline', 'empty', 'big', 'random'];

    // Names with spaces, a newline, UTF-8, one longer than tar's 100-byte name field, symlinks (one with a target longer
    // than that too), a hard link, subdirectories, a 5 MB file.
    const longName = `${'long name ü '.repeat(10)}end`;
    const outFiles = ['sub dir/deeper/five MB', 'new\nline', 'ünï€😀 ✓', longName, 'sub dir/empty'];
    const script = [
      'set -e',
      'head -c 50000000 /dev/urandom > /tmp/big',
      'sha256sum < /tmp/big >&2',
      ...inFiles.map((f) => `sha256sum < ${shellQuote(`/in/${f}`)} >&2`),
      `echo "in: $(readlink /in/symlink) $(stat -c '%u:%g' /in/empty) $(stat -c '%A' /in/setuid) $(stat -c '%F' /in/null) $(grep ' /in ' /proc/mounts | cut -d' ' -f4 | cut -d, -f1)" >&2`,
      'cd /out',
      "mkdir -p 'sub dir/deeper'",
      "head -c 5000000 /dev/urandom > 'sub dir/deeper/five MB'",
      `printf x > ${shellQuote('new\nline')}`,
      `echo ünï > ${shellQuote('ünï€😀 ✓')}`,
      `echo long > ${shellQuote(longName)}`,
      ": > 'sub dir/empty'",
      "ln -s 'sub dir/deeper/five MB' link",
      `ln -s ${shellQuote(`${longName}/${longName}`)} longlink`,
      `ln ${shellQuote('ünï€😀 ✓')} hard`,
      ...outFiles.map((f) => `sha256sum < ${shellQuote(f)} >&2`),
      'cat /tmp/big',
    ].join('\n');

    const result = await runInVm({ command: ['sh', '-c', script], in: inDir, out: join(work, 'out'), timeoutMs: 600_000 });
    expect(result.stderr.toString()).toContain(`in: dir with space/file 1234:5678 -rwsr-xr-x character special file ro\n`);
    expect(result.exitStatus).toBe(0);
    const hashes = guestHashes(result.stderr);
    expect(hashes).toHaveLength(1 + inFiles.length + outFiles.length);

    expect(result.stdout.length).toBe(50_000_000);
    expect(sha256(result.stdout)).toBe(hashes[0]);
    expect(hashes.slice(1, 1 + inFiles.length)).toEqual(inFiles.map((f) => fileSha(join(inDir, f))));

    const out = join(work, 'out');
    expect(listTree(out).sort()).toEqual(['hard', 'link', 'longlink', longName, 'new\nline', 'sub dir/', 'sub dir/deeper/', 'sub dir/deeper/five MB', 'sub dir/empty', 'ünï€😀 ✓'].sort());
    expect(outFiles.map((f) => fileSha(join(out, f)))).toEqual(hashes.slice(1 + inFiles.length));
    expect(statSync(join(out, 'sub dir/deeper/five MB')).size).toBe(5_000_000);
    expect(readlinkSync(join(out, 'link'))).toBe('sub dir/deeper/five MB');
    expect(readlinkSync(join(out, 'longlink'))).toBe(`${longName}/${longName}`);
    expect(statSync(join(out, 'hard')).ino).toBe(statSync(join(out, 'ünï€😀 ✓')).ino);
    expect(result.out).toMatchObject({ files: 5, symlinks: 2, hardlinks: 1, dirs: 3, skipped: [] });
    expect(result.runVm).toBeUndefined();
    expect(readdirSync(runTmp)).toEqual([]);
  }, 600_000);

  it('--image: the command runs chrooted with a Debian environment, /in inside it; the image file is unchanged (copy-on-write)', async () => {
    const image = join(work, 'root.img');
    await writeExt4(await treeFromDirectory(busyboxRoot(join(work, 'root'))), image);
    const before = fileSha(image);
    // `in` as a tree rather than a directory.
    const tree: DirNode = { type: 'dir', perm: 0o755, uid: 0, gid: 0, mtime: { sec: 1_700_000_000, nsec: 0 }, children: new Map([['hello', fileNode('hello from a tree\n')]]) };
    const script = [
      'echo "$PATH|$HOME|$X|$(pwd)"',
      'cat /etc/marker /in/hello',
      "cut -d' ' -f2,3 /proc/mounts | grep -E '^/(proc|sys|dev|dev/pts|in) ' | sort",
      'echo changed > /etc/marker; rm /bin/sh; mkdir /newdir',
      'exit 4',
    ].join('\n');
    const result = await runInVm({ image, in: tree, env: [['X', 'x y']], workdir: '/in', command: ['sh', '-c', script], timeoutMs: 600_000 });
    expect(result.stderr.toString()).toBe('');
    expect(result.stdout.toString()).toBe(
      [
        '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin|/root|x y|/in',
        'from the image',
        'hello from a tree',
        '/dev devtmpfs',
        '/dev/pts devpts',
        '/in ext4',
        '/proc proc',
        '/sys sysfs',
        '',
      ].join('\n'),
    );
    expect(result.exitStatus).toBe(4);
    expect(fileSha(image)).toBe(before);
    expect(readdirSync(runTmp)).toEqual([]);
  }, 600_000);

  it('--image with write: the changes persist, leftover processes are killed, and the image is strictly e2fsck-clean with no trace of the mount points', async () => {
    const image = join(work, 'root.img');
    await writeExt4(await treeFromDirectory(busyboxRoot(join(work, 'root'))), image);
    const inDir = join(work, 'in');
    mkdirSync(inDir);
    writeFileSync(join(inDir, 'payload'), 'payload from the host\n');
    const script = [
      'cp /in/payload /payload-copy',
      'mkdir /many; i=0; while [ $i -lt 300 ]; do echo $i > /many/f$i; i=$((i+1)); done',
      // Leftovers that would keep the image busy: one with its cwd on it, one holding a file open for writing.
      '(cd /many && exec sleep 1000) &',
      "sh -c 'exec 3>>/held; echo held >&3; exec sleep 1000' &",
      'sleep 0.2',
      'exit 5',
    ].join('\n');
    const result = await runInVm({ image, write: true, in: inDir, command: ['sh', '-c', script], timeoutMs: 600_000 });
    expect(result.stderr.toString()).toBe('');
    expect(result.exitStatus).toBe(5);
    expectE2fsckClean(image);
    // `ls -p`: one /inode/mode/uid/gid/name/size/ line per entry.
    const names = debugfs(image, 'ls -p /')
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split('/')[5]);
    expect(names.sort()).toEqual(['.', '..', 'bin', 'etc', 'held', 'lost+found', 'many', 'payload-copy']);
    expect(debugfs(image, 'cat /payload-copy')).toBe('payload from the host\n');
    expect(debugfs(image, 'cat /held')).toBe('held\n');
    expect(debugfs(image, 'cat /many/f299')).toBe('299\n');
    expect(readdirSync(runTmp)).toEqual([]);
  }, 600_000);
});

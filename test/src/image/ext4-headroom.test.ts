/**
 * `--size auto` leaves room for a first boot: an image of the default size,
 * mounted read-write by the kernel (loop mount; needs root), takes an 8 MiB
 * file and 500 new directories and files, and e2fsck -fn is still strictly
 * clean afterwards — for an empty tree, a one-file tree and real .debs.
 * `--size min`, the exact minimum, does not take even one directory.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../../src/cli/ext4.js';
import { defaultHeadroom } from '../../../src/image/options.js';
import { writeExt4, type Ext4Summary } from '../../../src/image/write.js';
import { treeFromDirectory } from '../../../src/tree/from-dir.js';
import { debsCache } from '../../helpers/cache.js';
import { distrokitInProcess } from '../../helpers/cli.js';
import { expectE2fsckClean, loopAvailable, mount, sh, tempDir, umount } from './oracle.js';
import { dir, file } from './trees.js';

const t = tempDir('ext4-headroom');
afterAll(() => t.cleanup());
const loop = loopAvailable();

/** Kernel checks fail loudly (never skip silently) where loop devices are missing. */
function requireLoop(): void {
  if (!loop.ok) throw new Error(`loop mounts are unavailable here (${loop.why}): the kernel checks cannot run`);
}

/** What a first boot might write: an 8 MiB file, 250 directories and 250 small files. */
const FIRST_BOOT = `mkdir firstboot && head -c 8388608 /dev/urandom > firstboot/big && for i in $(seq 250); do mkdir firstboot/d$i; echo $i > firstboot/f$i; done && sync`;

/** Mounts `img` read-write, runs `script` in it, unmounts; returns the script's exit status and stderr. */
function writeMounted(img: string, script: string): { status: number | null; stderr: string } {
  requireLoop();
  const mnt = join(t.dir, `mnt-${Math.random().toString(36).slice(2)}`);
  mkdirSync(mnt);
  mount(img, mnt, 'rw');
  try {
    const r = spawnSync('bash', ['-euc', script], { cwd: mnt, encoding: 'utf8' });
    return { status: r.status, stderr: r.stderr };
  } finally {
    umount(mnt);
  }
}

/** The default headroom, exactly as defaultHeadroom says for this image (a group boundary may add a few blocks). */
function expectDefaultHeadroom(s: Ext4Summary): void {
  const used = s.blocks - s.freeBlocks;
  const want = defaultHeadroom(used, s.inodes - s.freeInodes);
  expect(s.freeBlocks).toBeGreaterThanOrEqual(want.blocks);
  expect(s.freeBlocks).toBeLessThan(want.blocks + 64);
  expect(s.freeInodes).toBeGreaterThanOrEqual(want.inodes);
  expect(s.freeInodes).toBeLessThan(want.inodes + 16 * s.groups); // rounded up to whole inode-table blocks
}

function expectFirstBootFits(img: string): void {
  const r = writeMounted(img, FIRST_BOOT);
  expect(r, r.stderr).toEqual({ status: 0, stderr: '' });
  expectE2fsckClean(img);
  // The kernel's writes are really in the image.
  expect(sh(`debugfs -R 'ls -l /firstboot' '${img}' 2>/dev/null | grep -c ' [df][0-9]*$'`).trim()).toBe('500');
  expect(sh(`debugfs -R 'stat /firstboot/big' '${img}' 2>/dev/null`)).toMatch(/Size: 8388608\b/);
}

describe('--size auto (default headroom) takes a first boot', () => {
  it.each([
    ['an empty tree', dir([])],
    ['a one-file tree', dir([['f', file(new Uint8Array([1]))]])],
  ])('%s: at least 16 MiB and 1,000 inodes free; 8 MiB + 500 entries written by the kernel; e2fsck clean', async (name, tree) => {
    const img = join(t.dir, `${name.replace(/\W/g, '-')}.img`);
    const s = await writeExt4(tree, img, {});
    expectDefaultHeadroom(s);
    expect(s.freeBlocks).toBeGreaterThanOrEqual(4096);
    expect(s.freeInodes).toBeGreaterThanOrEqual(1000);
    expectE2fsckClean(img);
    expectFirstBootFits(img);
  });

  it('real .debs through the CLI (no --size): the default headroom, and the first boot fits', async () => {
    const pool = debsCache.pool;
    const debs = ['base-files', 'bash', 'libc6', 'libtinfo6', 'grep', 'perl-base'].map((n) => join(pool, readdirSync(pool).find((f) => f.startsWith(`${n}_`))!));
    const img = join(t.dir, 'debs.img');
    const built = await distrokitInProcess(() => run(['build', '--out', img, '--json', '--quiet', '--from-deb', ...debs]));
    expect(built.status).toBe(0);
    const s = JSON.parse(built.stdout) as Ext4Summary;
    expect(s.inodes - s.freeInodes).toBeGreaterThan(500);
    expectDefaultHeadroom(s);
    expectE2fsckClean(img);
    expectFirstBootFits(img);
  });
});

describe('--size min', () => {
  it('is full: the kernel cannot create one directory in it, and e2fsck stays clean', async () => {
    const src = join(t.dir, 'min-src');
    mkdirSync(src);
    writeFileSync(join(src, 'hello'), 'hello\n');
    const img = join(t.dir, 'min.img');
    const s = await writeExt4(await treeFromDirectory(src), img, { size: 'min' });
    expect(s.freeBlocks).toBe(0);
    const r = writeMounted(img, 'mkdir newdir');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/No space left on device/);
    expectE2fsckClean(img);
  });
});

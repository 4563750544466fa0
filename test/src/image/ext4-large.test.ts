/**
 * Scale and structure: a 50,000-entry htree directory, 100,000 files in 1,000
 * directories, extent trees of depth 1 and 2, a 5 GiB sparse file, deep nesting.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeExt4 } from '../../../src/image/write.js';
import { treeFromDirectory } from '../../../src/tree/from-dir.js';
import { debugfs, expectE2fsckClean, loopAvailable, mount, sh, tempDir, umount } from './oracle.js';
import { bytes, deep, dir, file, fragmented, manyFiles, wideDir } from './trees.js';

const t = tempDir('ext4-large');
afterAll(() => t.cleanup());
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('large directories', () => {
  it('indexes a 50,000-entry directory as an htree that e2fsck and debugfs accept', async () => {
    const img = join(t.dir, 'wide.img');
    await writeExt4(wideDir(50_000), img, { uuid: '11111111-2222-3333-4444-555555555555' });
    expectE2fsckClean(img);
    const htree = debugfs(img, 'htree /dir');
    expect(htree).toMatch(/Indirect levels: 0/);
    const count = Number(/Number of entries \(count\): (\d+)/.exec(htree)![1]);
    expect(count).toBeGreaterThan(200);
    // Lookups go through the index.
    expect(debugfs(img, 'stat /dir/entry-49999-' + 'n'.repeat(49999 % 40))).toMatch(/Type: regular/);
    expect(debugfs(img, 'stat /dir/entry-0-')).toMatch(/Type: regular/);
  });

  it('builds two-level htrees and the unsigned hash variant with UTF-8 names', async () => {
    // Long names make ~16 entries per block: 12,000 entries need more than 507 leaves, so one index level.
    const c: [string, ReturnType<typeof file>][] = [];
    for (let i = 0; i < 12000; i++) c.push([`ü-${i}-${'é'.repeat(100)}`, file(new Uint8Array(0))]);
    for (const unsignedHash of [false, true]) {
      const img = join(t.dir, `utf8-${unsignedHash}.img`);
      await writeExt4(dir([['d', dir(c)]]), img, { unsignedHash });
      expectE2fsckClean(img);
      expect(debugfs(img, 'htree /d')).toMatch(/Indirect levels: 1/);
      expect(sh(`dumpe2fs -h '${img}' 2>/dev/null`)).toContain(unsignedHash ? 'unsigned_directory_hash' : 'signed_directory_hash');
    }
  });

  it('writes 100,000 files in 1,000 directories', async () => {
    const img = join(t.dir, 'many.img');
    const tree = manyFiles(1000, 100);
    const s = await writeExt4(tree, img, {});
    expect(s.inodes - s.freeInodes).toBe(100_000 + 1_000 + 11);
    expect(expectE2fsckClean(img)).toMatch(/ 101011\/\d+ files/);
    const out = join(t.dir, 'f99');
    debugfs(img, `dump /d999/f99 ${out}`);
    expect(sha(readFileSync(out))).toBe(sha(bytes((99 * 37 + 999) % 6000, 999 * 100 + 99)));
  });

  it('gives a directory with more than 65,000 subdirectories the dir_nlink link count 1', async () => {
    const subdirs: [string, ReturnType<typeof dir>][] = [];
    for (let i = 0; i < 65_010; i++) subdirs.push([`d${i}`, dir([])]);
    const img = join(t.dir, 'nlink.img');
    await writeExt4(dir([['big', dir(subdirs)]]), img, {});
    expectE2fsckClean(img);
    expect(debugfs(img, 'stat /big')).toMatch(/Links: 1\s/);
    sh(`rm -f '${img}'`);
  });

  it('handles 2,000 levels of nesting', async () => {
    const img = join(t.dir, 'deep.img');
    await writeExt4(deep(2000), img, {});
    expectE2fsckClean(img);
  });
});

describe('many groups', () => {
  it.each([
    ['64bit + metadata_csum', {}],
    ['32-bit descriptors, no checksums', { bit64: false, metadataCsum: false }],
  ])('a 20 GiB image (160 groups, 10 superblock backups, tables spanning backups) with %s is clean and kernel-writable', async (_, opts) => {
    const img = join(t.dir, 'g160.img');
    const s = await writeExt4(manyFiles(20, 20), img, { size: 20 * 2 ** 30, ...opts });
    expect(s.groups).toBe(160);
    expectE2fsckClean(img);
    expect(statSync(img).blocks * 512).toBeLessThan(64 << 20); // unused inode tables stay holes
    expect(sh(`dumpe2fs '${img}' 2>/dev/null | grep -c '^  Backup superblock at'`).trim()).toBe('10');
    const loop = loopAvailable();
    if (!loop.ok) throw new Error(`loop mounts are unavailable here (${loop.why}): the kernel check cannot run`);
    const mnt = join(t.dir, 'mnt-g160');
    sh(`mkdir -p '${mnt}'`);
    mount(img, mnt, 'rw');
    try {
      sh(`head -c 50000000 /dev/zero | tr '\\0' x > '${mnt}/fill' && rm -rf '${mnt}/d3'`);
    } finally {
      umount(mnt);
    }
    expectE2fsckClean(img);
    sh(`rm -f '${img}'`);
  });
});

describe('extent trees and sparse files', () => {
  it.each([
    [100, 1],
    [3000, 2],
  ])('a file of %i extents gets a depth-%i tree, and the same bytes back', async (extents, depth) => {
    const img = join(t.dir, `frag-${extents}.img`);
    const data = fragmented(extents);
    await writeExt4(dir([['frag', file(data)]]), img, {});
    expectE2fsckClean(img);
    const ex = debugfs(img, 'ex /frag');
    expect(ex).toMatch(new RegExp(`^\\s*0/\\s*${depth}\\s`, 'm'));
    expect((ex.match(new RegExp(`^\\s*${depth}/\\s*${depth}\\s`, 'gm')) ?? []).length).toBe(extents);
    const out = join(t.dir, `frag-${extents}.out`);
    debugfs(img, `dump /frag ${out}`);
    expect(sha(readFileSync(out))).toBe(sha(data));
  });

  it('turns the zero blocks of a dense host file into holes (2,000 extents, depth 2)', async () => {
    const src = join(t.dir, 'frag-src');
    const data = fragmented(2000);
    sh(`mkdir -p '${src}'`);
    writeFileSync(join(src, 'frag'), data);
    const img = join(t.dir, 'frag-host.img');
    await writeExt4(await treeFromDirectory(src), img, {});
    expectE2fsckClean(img);
    expect(debugfs(img, 'ex /frag')).toMatch(/^\s*0\/\s*2\s/m);
    const out = join(t.dir, 'frag-host.out');
    debugfs(img, `dump /frag ${out}`);
    expect(sha(readFileSync(out))).toBe(sha(data));
  });

  it('copies a 5 GiB sparse host file as holes; the image stays sparse', async () => {
    const src = join(t.dir, 'sparse-src');
    sh(`mkdir -p '${src}' && truncate -s 5G '${src}/big' && printf start | dd of='${src}/big' conv=notrunc status=none && printf middle | dd of='${src}/big' bs=1 seek=3000000000 conv=notrunc status=none && printf end | dd of='${src}/big' bs=1 seek=$((5*1024*1024*1024-3)) conv=notrunc status=none`);
    const img = join(t.dir, 'sparse.img');
    await writeExt4(await treeFromDirectory(src), img, {});
    expectE2fsckClean(img);
    expect(debugfs(img, 'stat /big')).toMatch(/Size: 5368709120/);
    expect(statSync(img).size).toBeLessThan(64 << 20);
    expect(statSync(img).blocks * 512).toBeLessThan(8 << 20);
    const loop = loopAvailable();
    if (!loop.ok) throw new Error(`loop mounts are unavailable here (${loop.why}): the kernel check cannot run`);
    const mnt = join(t.dir, 'mnt');
    sh(`mkdir -p '${mnt}'`);
    mount(img, mnt, 'ro');
    try {
      const read = (off: number, n: number): string => sh(`dd if='${mnt}/big' bs=1 skip=${off} count=${n} status=none`);
      expect(read(0, 5)).toBe('start');
      expect(read(3_000_000_000, 6)).toBe('middle');
      expect(read(5 * 2 ** 30 - 3, 3)).toBe('end');
      expect(read(1_000_000_000, 4)).toBe('\0\0\0\0');
    } finally {
      umount(mnt);
    }
  });
});

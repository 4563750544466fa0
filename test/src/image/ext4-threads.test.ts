/**
 * Host files scanned for holes and copied on worker threads (Ext4Options.threads): the image
 * is byte-identical for any thread count, including files that cross a backup
 * superblock, exceed the copy buffer or are ranges of a larger file; an
 * unreadable or shrunk source still fails with a typed error and no image.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeExt4 } from '../../../src/image/write.js';
import { treeFromDirectory } from '../../../src/tree/from-dir.js';
import type { FileNode } from '../../../src/tree/types.js';
import { debugfs, expectE2fsckClean, tempDir } from './oracle.js';
import { bytes, dir } from './trees.js';

const t = tempDir('ext4-threads');
afterAll(() => t.cleanup());
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const meta = { perm: 0o644, uid: 0, gid: 0, mtime: { sec: 7, nsec: 0 } };

describe('worker threads', () => {
  it('give the same image bytes for 0, 1, 2 and 3 threads', async () => {
    const src = join(t.dir, 'src');
    for (let d = 0; d < 30; d++) {
      mkdirSync(join(src, `d${d}`), { recursive: true });
      // Sizes 0..~20 KiB, most not a multiple of the block size.
      for (let f = 0; f < 100; f++) writeFileSync(join(src, `d${d}`, `f${f}`), bytes(((d * 100 + f) * 7919) % 20011, d * 100 + f));
    }
    // 130 MiB: larger than the copy buffer, and it crosses group 1's backup superblock (block 32768).
    const big = Buffer.alloc(130 << 20, 0x5a);
    big.set(bytes(5000, 1), 0);
    big.set(bytes(5000, 2), big.byteLength - 5000);
    writeFileSync(join(src, 'big'), big);
    // Zero blocks in the middle: scanned on a worker, then holes.
    const holey = Buffer.alloc(1 << 20);
    holey.set(bytes(10_000, 5), 0);
    holey.set(bytes(10_000, 6), 700_000);
    writeFileSync(join(src, 'holey'), holey);
    // A range of a larger host file (as archive members in a spool are).
    const spool = join(t.dir, 'spool');
    writeFileSync(spool, bytes(100_000, 3));
    const tree = await treeFromDirectory(src, { xattrs: false });
    const member: FileNode = { type: 'file', size: 50_001, content: { kind: 'range', path: spool, offset: 12_345, length: 50_001 }, ...meta };
    tree.children.set('member', member);

    const hashes: string[] = [];
    for (const threads of [0, 1, 2, 3]) {
      const img = join(t.dir, `threads-${threads}.img`);
      await writeExt4(tree, img, { threads, sourceDateEpoch: 1 });
      hashes.push(sha(readFileSync(img)));
      if (threads === 2) {
        expectE2fsckClean(img);
        expect(debugfs(img, 'ex /holey').trim().split('\n')).toHaveLength(3); // header + two extents
        expect(debugfs(img, 'ex /big')).toMatch(/ - 32767 .*\n.* 32770 - /); // it does cross the backup
        for (const [path, want] of [
          ['/big', big],
          ['/member', readFileSync(spool).subarray(12_345, 12_345 + 50_001)],
          ['/holey', holey],
          ['/d29/f99', readFileSync(join(src, 'd29', 'f99'))],
        ] as const) {
          const out = join(t.dir, 'dump');
          debugfs(img, `dump ${path} ${out}`);
          expect(sha(readFileSync(out)), path).toBe(sha(want));
        }
      }
    }
    expect(new Set(hashes).size).toBe(1);
  });

  it('a missing or shrunk host file (small, or large and scanned for holes) fails with a typed error and leaves no image', async () => {
    const out = join(t.dir, 'fail');
    mkdirSync(out);
    const short = join(t.dir, 'short');
    writeFileSync(short, bytes(100, 4));
    const missing: FileNode = { type: 'file', size: 10, content: { kind: 'range', path: join(t.dir, 'nope'), offset: 0, length: 10 }, ...meta };
    // Large enough to be scanned for zero blocks (on a worker) before anything is written.
    const missingBig: FileNode = { type: 'file', size: 1 << 20, content: { kind: 'range', path: join(t.dir, 'nope-big'), offset: 0, length: 1 << 20 }, ...meta };
    const shrunkBig: FileNode = { type: 'file', size: 1 << 20, content: { kind: 'range', path: short, offset: 0, length: 1 << 20 }, ...meta };
    const shrunk: FileNode = { type: 'file', size: 5000, content: { kind: 'range', path: short, offset: 0, length: 5000 }, ...meta };
    const ok: FileNode = { type: 'file', size: 100, content: { kind: 'range', path: short, offset: 0, length: 100 }, ...meta };
    for (const threads of [0, 2]) {
      const e1 = (await writeExt4(dir([['a', ok], ['m', missing], ['z', ok]]), join(out, 'a.img'), { threads }).catch((e: unknown) => e)) as Error & { code?: string };
      expect(e1.code).toBe('EXT4_SOURCE_UNREADABLE');
      expect(e1.message).toContain('[/m]');
      expect(e1.message).toContain('nope');
      const e2 = (await writeExt4(dir([['s', shrunk]]), join(out, 'b.img'), { threads }).catch((e: unknown) => e)) as Error & { code?: string };
      expect(e2.code).toBe('EXT4_SOURCE_CHANGED');
      expect(e2.message).toContain('source ended after 100 of 5000 bytes');
      const e3 = (await writeExt4(dir([['a', ok], ['b', missingBig]]), join(out, 'c.img'), { threads }).catch((e: unknown) => e)) as Error & { code?: string };
      expect(e3.code).toBe('EXT4_SOURCE_UNREADABLE');
      expect(e3.message).toContain('[/b]');
      const e4 = (await writeExt4(dir([['s', shrunkBig]]), join(out, 'd.img'), { threads }).catch((e: unknown) => e)) as Error & { code?: string };
      expect(e4.code).toBe('EXT4_SOURCE_CHANGED');
    }
    expect(readdirSync(out)).toEqual([]);
  });
});

/** Sizing, options, bad input and the CLI: clear typed errors and never a half-written image. */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../../src/cli/ext4.js';
import { writeExt4 } from '../../../src/image/write.js';
import type { DirNode } from '../../../src/tree/types.js';
import { distrokitInProcess } from '../../helpers/cli.js';
import { expectE2fsckClean, sh, tempDir } from './oracle.js';
import { dir, file, manyFiles } from './trees.js';

const t = tempDir('ext4-errors');
afterAll(() => t.cleanup());

async function expectCode(p: Promise<unknown>, code: string): Promise<Error> {
  const err = (await p.then(
    () => null,
    (e: unknown) => e,
  )) as (Error & { code?: string }) | null;
  expect(err?.code, String(err)).toBe(code);
  return err!;
}

/** Nothing but `keep` may exist in the output directory: no image, no temporary file. */
function expectNoOutput(outDir: string, keep: string[] = []): void {
  expect(readdirSync(outDir).filter((n) => !keep.includes(n))).toEqual([]);
}

describe('sizing', () => {
  const tree = manyFiles(10, 50);
  it('--size auto is the exact minimum plus the requested headroom', async () => {
    const img = join(t.dir, 'auto.img');
    const s = await writeExt4(tree, img, { extraBlocks: 1000, extraInodes: 100 });
    expect(s.freeBlocks).toBeGreaterThanOrEqual(1000);
    expect(s.freeBlocks).toBeLessThan(1000 + 64);
    expect(s.freeInodes).toBeGreaterThanOrEqual(100);
    expect(s.freeInodes).toBeLessThan(100 + 16);
    expectE2fsckClean(img);
    // size 'min' is full, and one block less does not fit.
    const min = await writeExt4(tree, join(t.dir, 'min.img'), { size: 'min' });
    expect(min.freeBlocks).toBe(0);
    const err = await expectCode(writeExt4(tree, join(t.dir, 'min-1.img'), { size: (min.blocks - 1) * 4096 }), 'EXT4_TOO_SMALL');
    expect(err.message).toMatch(/4096 more than/);
  });

  it('--size N that fits gives exactly N bytes; too small fails before writing anything', async () => {
    const out = join(t.dir, 'fixed');
    mkdirSync(out);
    const s = await writeExt4(tree, join(out, 'ok.img'), { size: 64 << 20 });
    expect(s.bytes).toBe(64 << 20);
    expectE2fsckClean(join(out, 'ok.img'));
    const err = await expectCode(writeExt4(tree, join(out, 'small.img'), { size: 1 << 20 }), 'EXT4_TOO_SMALL');
    expect(err.message).toMatch(/needs at least \d+ bytes, \d+ more than the 1048576 given/);
    expectNoOutput(out, ['ok.img']);
  });

  it('--size-heuristic nixpkgs follows the seed formula with an explicit inode count', async () => {
    const big = manyFiles(40, 50);
    const img = join(t.dir, 'nix.img');
    const s = await writeExt4(big, img, { sizeHeuristic: 'nixpkgs' });
    // entries = 40 dirs + 2,000 files + lost+found + root
    const entries = 2042;
    const files = [...big.children.values()].flatMap((d) => [...(d as DirNode).children.values()]);
    const apparent = files.reduce((n, f) => n + Math.ceil((f as { size: number }).size / 4096), 0) + 41; // + one block per directory
    expect(s.bytes).toBe(Math.floor((2 * 4096 * entries + 4096 * Math.ceil(apparent * 1.03)) / 4096) * 4096);
    expect(s.inodes - s.freeInodes).toBe(entries - 1 + 10); // every entry has an inode; the formula's count always suffices
    expectE2fsckClean(img);
    // The seed formula ignores the journal: for a tiny tree it is too small, and that is a clear error, not a broken image.
    await expectCode(writeExt4(manyFiles(1, 5), join(t.dir, 'nix-small.img'), { sizeHeuristic: 'nixpkgs' }), 'EXT4_TOO_SMALL');
    const cur = await writeExt4(tree, join(t.dir, 'nixcur.img'), { sizeHeuristic: 'nixpkgs-current' });
    expect(cur.freeBlocks).toBeGreaterThanOrEqual(4096);
  });
});

describe('bad input', () => {
  it('rejects invalid names, over-long names, bad symlinks and a directory under two names', async () => {
    const out = join(t.dir, 'bad');
    mkdirSync(out);
    const f = file(new Uint8Array(1));
    await expectCode(writeExt4(dir([['a/b', f]]), join(out, 'a.img')), 'EXT4_BAD_NAME');
    await expectCode(writeExt4(dir([['n'.repeat(256), f]]), join(out, 'b.img')), 'EXT4_NAME_TOO_LONG');
    const link = { type: 'symlink' as const, target: 'x'.repeat(4096), perm: 0o777, uid: 0, gid: 0, mtime: { sec: 0, nsec: 0 } };
    await expectCode(writeExt4(dir([['l', link]]), join(out, 'c.img')), 'EXT4_BAD_SYMLINK');
    const shared = dir([]);
    await expectCode(writeExt4(dir([['x', shared], ['y', shared]]), join(out, 'd.img')), 'EXT4_BAD_TREE');
    await expectCode(writeExt4(dir([['f', f]]), join(out, 'e.img'), { uuid: 'not-a-uuid' }), 'EXT4_BAD_OPTION');
    const far = { ...f, mtime: { sec: 2 ** 35, nsec: 0 } };
    await expectCode(writeExt4(dir([['f', far]]), join(out, 'f.img')), 'EXT4_TIME_OUT_OF_RANGE');
    expectNoOutput(out);
  });

  it('an unreadable or changing source fails and leaves no image behind', async () => {
    const out = join(t.dir, 'src-fail');
    mkdirSync(out);
    const meta = { perm: 0o644, uid: 0, gid: 0, mtime: { sec: 0, nsec: 0 } };
    const missing = { type: 'file' as const, size: 10, content: { kind: 'range' as const, path: join(t.dir, 'nope'), offset: 0, length: 10 }, ...meta };
    const err = await expectCode(writeExt4(dir([['m', missing]]), join(out, 'a.img')), 'EXT4_SOURCE_UNREADABLE');
    expect(err.message).toContain('/m');
    // A lazy source that fails half-way through the write phase.
    const failing = {
      type: 'file' as const,
      size: 1 << 20,
      content: {
        kind: 'lazy' as const,
        open: async function* () {
          yield new Uint8Array(4096).fill(1);
          throw new Error('disk on fire');
        },
      },
      ...meta,
    };
    await expectCode(writeExt4(dir([['a', file(new Uint8Array(5000).fill(2))], ['z', failing]]), join(out, 'b.img')), 'EXT4_SOURCE_UNREADABLE');
    const short = { ...failing, content: { kind: 'lazy' as const, open: async function* () { yield new Uint8Array(10); } } };
    await expectCode(writeExt4(dir([['s', short]]), join(out, 'c.img')), 'EXT4_SOURCE_CHANGED');
    expectNoOutput(out);
  });

  it('lazy contents in 1-byte and 64 KiB chunks give the same image as whole buffers', async () => {
    const data = new Uint8Array(200_000).map((_, i) => (i * 7) & 0xff);
    const lazy = (n: number) => ({
      type: 'file' as const,
      size: data.byteLength,
      content: { kind: 'lazy' as const, open: async function* () { for (let i = 0; i < data.byteLength; i += n) yield data.subarray(i, i + n); } },
      perm: 0o644,
      uid: 0,
      gid: 0,
      mtime: { sec: 5, nsec: 0 },
    });
    const hash = async (node: ReturnType<typeof lazy> | ReturnType<typeof file>, name: string): Promise<string> => {
      const img = join(t.dir, name);
      await writeExt4(dir([['f', { ...node, mtime: { sec: 5, nsec: 0 } }]]), img, { uuid: '00000000-0000-4000-8000-000000000001' });
      return sh(`sha256sum '${img}'`).split(' ')[0]!;
    };
    const whole = await hash(file(data), 'whole.img');
    expect(await hash(lazy(1), 'one.img')).toBe(whole);
    expect(await hash(lazy(65536), 'k64.img')).toBe(whole);
  });
});

describe('SOURCE_DATE_EPOCH', () => {
  it('the environment variable acts like the option, and a malformed one is rejected', async () => {
    const tree = dir([['f', { ...file(new Uint8Array([1])), mtime: { sec: 2_000_000_000, nsec: 5 } }]]);
    const viaOption = join(t.dir, 'sde-opt.img');
    const viaEnv = join(t.dir, 'sde-env.img');
    await writeExt4(tree, viaOption, { sourceDateEpoch: 1_000_000_000 });
    const saved = process.env.SOURCE_DATE_EPOCH;
    process.env.SOURCE_DATE_EPOCH = '1000000000';
    try {
      await writeExt4(tree, viaEnv, {});
      process.env.SOURCE_DATE_EPOCH = 'yesterday';
      await expectCode(writeExt4(tree, join(t.dir, 'sde-bad.img'), {}), 'BAD_SOURCE_DATE_EPOCH');
    } finally {
      if (saved === undefined) delete process.env.SOURCE_DATE_EPOCH;
      else process.env.SOURCE_DATE_EPOCH = saved;
    }
    expect(sh(`cmp '${viaOption}' '${viaEnv}' && echo same`).trim()).toBe('same');
    expect(sh(`debugfs -R 'stat /f' '${viaEnv}' 2>/dev/null`)).toMatch(/mtime: 0x3b9aca00:00000000/); // clamped to 10^9 s, ns dropped
  });
});

describe('CLI', () => {
  it('builds from a directory, prints a JSON summary, and fails with exit 1 and no image when too small', async () => {
    const src = join(t.dir, 'cli-src');
    mkdirSync(join(src, 'sub'), { recursive: true });
    writeFileSync(join(src, 'sub', 'hello'), 'hello\n');
    const img = join(t.dir, 'cli.img');
    const { status: code, stdout } = await distrokitInProcess(() =>
      run(['build', '--out', img, '--from', src, '--json', '--label', 'root', '--owner', '0:0', '--source-date-epoch', '1000', '--extra-inodes', '10']),
    );
    expect(code).toBe(0);
    const summary = JSON.parse(stdout);
    expect(summary).toMatchObject({ out: img, groups: 1 });
    expect(summary.freeInodes).toBeGreaterThanOrEqual(10);
    expectE2fsckClean(img);
    expect(sh(`dumpe2fs -h '${img}' 2>/dev/null`)).toMatch(/Filesystem volume name:\s+root/);
    const small = join(t.dir, 'cli-small.img');
    await expectCode(run(['build', '--out', small, '--from', src, '--size', '1M']), 'EXT4_TOO_SMALL');
    expect(existsSync(small)).toBe(false);
    await expect(run(['build', '--out', small])).rejects.toThrow(/--from/);
  });

  it('--no-csum --no-64bit --no-journal gives an image old bootloaders can read, still e2fsck-clean', async () => {
    const src = join(t.dir, 'cli-src');
    const img = join(t.dir, 'plain.img');
    const code = await run(['build', '--out', img, '--from', src, '--no-csum', '--no-64bit', '--no-journal', '--quiet']);
    expect(code).toBe(0);
    expectE2fsckClean(img);
    const features = /Filesystem features:\s+(.*)/.exec(sh(`dumpe2fs -h '${img}' 2>/dev/null`))![1]!;
    expect(features.split(' ')).not.toContain('metadata_csum');
    expect(features.split(' ')).not.toContain('64bit');
    expect(features.split(' ')).not.toContain('has_journal');
  });
});

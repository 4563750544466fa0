/**
 * The size options without the kernel: `size: 'min'` is byte for byte what the
 * writer made before it had a default headroom (sha256 recorded then), the
 * extra* options replace the default headroom, and bad combinations are
 * EXT4_BAD_OPTION (library) or exit 2 (CLI).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../../src/cli/ext4.js';
import { UsageError } from '../../../src/cli/common.js';
import { DEFAULT_HEADROOM_MIN_BLOCKS, DEFAULT_HEADROOM_MIN_INODES, defaultHeadroom, type Ext4Options } from '../../../src/image/options.js';
import { writeExt4 } from '../../../src/image/write.js';
import type { DirNode } from '../../../src/tree/types.js';
import { distrokitInProcess } from '../../helpers/cli.js';
import { tempDir } from './oracle.js';
import { dir, manyFiles } from './trees.js';

const t = tempDir('ext4-size-options');
afterAll(() => t.cleanup());

const FIXED: Ext4Options = { uuid: '12345678-1234-4234-8234-123456789abc', sourceDateEpoch: 1_700_000_000 };
let n = 0;

async function build(tree: DirNode, o: Ext4Options): Promise<{ sha: string; blocks: number; freeBlocks: number; inodes: number; freeInodes: number }> {
  const img = join(t.dir, `${n++}.img`);
  const s = await writeExt4(tree, img, { ...FIXED, ...o });
  return { sha: createHash('sha256').update(readFileSync(img)).digest('hex'), blocks: s.blocks, freeBlocks: s.freeBlocks, inodes: s.inodes, freeInodes: s.freeInodes };
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  return p.then(
    () => undefined,
    (e: unknown) => (e as { code?: string }).code ?? String(e),
  );
}

describe('defaultHeadroom', () => {
  it('is the larger of 16 MiB and 10 % of the blocks, and of 1,000 and 10 % of the inodes', () => {
    expect(DEFAULT_HEADROOM_MIN_BLOCKS * 4096).toBe(16 << 20);
    expect(DEFAULT_HEADROOM_MIN_INODES).toBe(1000);
    expect(defaultHeadroom(0, 11)).toEqual({ blocks: 4096, inodes: 1000 });
    expect(defaultHeadroom(40_960, 10_000)).toEqual({ blocks: 4096, inodes: 1000 });
    expect(defaultHeadroom(40_961, 10_001)).toEqual({ blocks: 4097, inodes: 1001 });
    expect(defaultHeadroom(101_725, 8_037)).toEqual({ blocks: 10_173, inodes: 1000 });
  });
});

describe("size 'min'", () => {
  // sha256 of these images as the writer made them with `size: 'auto'` and no extra* before the default headroom existed.
  it.each([
    ['10 × 50 files', () => manyFiles(10, 50), { blocks: 1575, inodes: 528, freeInodes: 7 }, 'dc1225bb1989329506c389dc3307eeb65897d8846d499f5700fbdb995fc8f769'],
    ['an empty tree', () => dir([]), { blocks: 1034, inodes: 16, freeInodes: 5 }, 'fc8faeaa936f58cf561a69c2635c7d24ef204fa24f997c853966c51f19c76e9e'],
  ])('%s: the exact minimum, byte-identical to the former default', async (_, tree, counts, sha) => {
    const min = await build(tree(), { size: 'min' });
    expect(min).toEqual({ sha, freeBlocks: 0, ...counts });
    // Minimal: one block less does not fit, and free inodes are only the rounding to a whole inode-table block.
    expect(await codeOf(writeExt4(tree(), join(t.dir, 'less.img'), { ...FIXED, size: (min.blocks - 1) * 4096 }))).toBe('EXT4_TOO_SMALL');
    expect(min.freeInodes).toBeLessThan(16);
    // Any extra* option replaces the default headroom: zero of them is the minimum.
    expect((await build(tree(), { extraBlocks: 0 })).sha).toBe(sha);
    expect((await build(tree(), { extraPercent: 0 })).sha).toBe(sha);
  });

  it("'auto' (the default) is the minimum plus defaultHeadroom", async () => {
    const a = await build(manyFiles(10, 50), {});
    expect(await build(manyFiles(10, 50), { size: 'auto' })).toEqual(a);
    expect(a.freeBlocks).toBe(defaultHeadroom(a.blocks - a.freeBlocks, 528 - 7).blocks);
    expect(a.freeInodes).toBeGreaterThanOrEqual(1000);
    expect(a.freeInodes).toBeLessThan(1016);
  });
});

describe('bad size options', () => {
  it('the library rejects them with EXT4_BAD_OPTION before writing', async () => {
    const out = join(t.dir, 'bad');
    mkdirSync(out);
    const bad: Ext4Options[] = [
      { size: 'min', extraBlocks: 10 },
      { size: 'min', extraPercent: 5 },
      { size: 'huge' as 'auto' },
      { size: 'min', sizeHeuristic: 'nixpkgs-current' },
      { size: 1 << 30, sizeHeuristic: 'nixpkgs' },
      { extraBlocks: -1 },
      { extraInodes: 1.5 },
      { extraPercent: -5 },
      { inodes: Number.NaN },
    ];
    for (const o of bad) expect([o, await codeOf(writeExt4(manyFiles(1, 1), join(out, 'x.img'), o))]).toEqual([o, 'EXT4_BAD_OPTION']);
  });

  it('the CLI: --size min with --extra-*, or an unknown --size, is a usage error; --size min builds the minimum', async () => {
    const src = join(t.dir, 'cli-src');
    mkdirSync(src);
    writeFileSync(join(src, 'x'), 'x');
    const img = join(t.dir, 'cli.img');
    for (const extra of [['--extra-blocks', '1'], ['--extra-inodes', '0'], ['--extra-percent', '5']]) {
      await expect(run(['build', '--out', img, '--from', src, '--size', 'min', ...extra])).rejects.toThrow(UsageError);
    }
    await expect(run(['build', '--out', img, '--from', src, '--size', 'minimum'])).rejects.toThrow(UsageError);
    const built = await distrokitInProcess(() => run(['build', '--out', img, '--from', src, '--size', 'min', '--json', '--quiet']));
    expect(built.status).toBe(0);
    expect(JSON.parse(built.stdout)).toMatchObject({ freeBlocks: 0 });
  });
});

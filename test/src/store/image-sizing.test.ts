/**
 * `--size-heuristic nixpkgs` against the seed's own shell arithmetic, run with
 * find, du and awk on the same store paths:
 *   numInodes=$(find $storePaths | wc -l)
 *   numDataBlocks=$(du -c -B 4096 --apparent-size $storePaths | awk '$2 == "total" { print int($1 * 1.03) }')
 *   bytes=$((2 * 4096 * $numInodes + 4096 * $numDataBlocks))
 * on real trees (a copy of /usr/share/perl5 and a generated tree with hard
 * links, whose names find counts and du counts once), and a tree the formula
 * cannot hold (one 20 MiB file: 3 % slack is less than the journal).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DistrokitError } from '../../../formats/errors.js';
import { closureOf, readReferencesGraph } from '../../../src/store/closure.js';
import { buildStoreImage } from '../../../src/store/image.js';
import { expectE2fsckClean, sh, tempDir } from '../image/oracle.js';

let work: { dir: string; cleanup: () => void };
let root: string;
let graph: string;
let paths: string[];

/** A valid-looking store path name: 32 Nix base-32 characters derived from `seed`. */
function storeName(seed: number, name: string): string {
  const alphabet = '0123456789abcdfghijklmnpqrsvwxyz';
  let s = '';
  for (let i = 0; i < 32; i++) s += alphabet[(seed * 7 + i * 13) % 32];
  return `${s}-${name}`;
}

beforeAll(() => {
  work = tempDir('store-sizing');
  root = join(work.dir, 'root');
  const store = join(root, 'nix/store');
  mkdirSync(store, { recursive: true });
  const perl = storeName(1, 'perl5-copy');
  const perlSource = existsSync('/usr/share/perl5') ? '/usr/share/perl5' : '/usr/share/doc';
  execFileSync('cp', ['-a', perlSource, join(store, perl)]);
  const links = storeName(2, 'hardlinks');
  mkdirSync(join(store, links, 'sub'), { recursive: true });
  for (let i = 0; i < 50; i++) writeFileSync(join(store, links, `f${i}`), 'x'.repeat(i * 97));
  for (let i = 0; i < 50; i += 2) linkSync(join(store, links, `f${i}`), join(store, links, 'sub', `link${i}`));
  const single = storeName(3, 'single-file');
  writeFileSync(join(store, single), 'one file store path\n');
  paths = [perl, links, single].map((n) => `/nix/store/${n}`);
  // An exportReferencesGraph file: perl5 references the other two.
  graph = join(work.dir, 'closure-sizing');
  writeFileSync(graph, [paths[0], '', '2', paths[1], paths[2], paths[1], '', '0', paths[2], '', '0', ''].join('\n'));
});

afterAll(() => work?.cleanup());

function seedShell(hostPaths: string[]): number {
  const quoted = hostPaths.map((p) => `'${p}'`).join(' ');
  return Number(
    sh(`storePaths="${quoted}"
numInodes=$(eval find $storePaths | wc -l)
numDataBlocks=$(eval du -c -B 4096 --apparent-size $storePaths | awk '$2 == "total" { print int($1 * 1.03) }')
echo $((2 * 4096 * $numInodes + 4096 * $numDataBlocks))`).trim(),
  );
}

describe('the seed sizing heuristic', () => {
  it('gives the byte count of the seed\'s find/du arithmetic, and the image is that size and e2fsck-clean', async () => {
    const closure = closureOf(await readReferencesGraph([graph]), [paths[0]!]);
    const expected = seedShell(paths.map((p) => join(root, p)));
    const out = join(work.dir, 'seed.img');
    const summary = await buildStoreImage({ closure, out, root, sizeHeuristic: 'nixpkgs' });
    expect(summary.seedSizing!.bytes).toBe(expected);
    expect(summary.ext4.bytes).toBe(expected);
    expectE2fsckClean(out);
  });

  it("never runs out of inodes where the seed's mke2fs would (70,000 empty files: 573 MB, one inode per 16 KiB)", async () => {
    const many = storeName(5, 'many-empty-files');
    const dir = join(root, 'nix/store', many);
    for (let d = 0; d < 70; d++) {
      mkdirSync(join(dir, `d${d}`), { recursive: true });
      for (let f = 0; f < 1000; f++) writeFileSync(join(dir, `d${d}`, `f${f}`), '');
    }
    const g = join(work.dir, 'closure-many');
    writeFileSync(g, `/nix/store/${many}\n\n0\n`);
    const closure = closureOf(await readReferencesGraph([g]), [`/nix/store/${many}`]);
    const out = join(work.dir, 'many.img');
    const summary = await buildStoreImage({ closure, out, root, sizeHeuristic: 'nixpkgs' });
    const seed = summary.seedSizing!;
    expect(seed.bytes).toBe(seedShell([dir]));
    expect(seed.numInodes).toBe(70_071);
    expectE2fsckClean(out);
    expect(summary.ext4.inodes - summary.ext4.freeInodes).toBeGreaterThanOrEqual(seed.numInodes);
    // mke2fs on the seed's bytes: fewer inodes than the closure has entries.
    const mkfs = join(work.dir, 'mkfs.img');
    sh(`truncate -s ${seed.bytes} '${mkfs}' && mkfs.ext4 -q -F '${mkfs}'`);
    const mkfsInodes = Number(/Inode count:\s+(\d+)/.exec(sh(`dumpe2fs -h '${mkfs}' 2>/dev/null`))![1]);
    expect(mkfsInodes).toBeLessThan(seed.numInodes);
    rmSync(mkfs);
    rmSync(out);
  });

  it('a closure the formula cannot hold is EXT4_TOO_SMALL naming the need, and leaves no file', async () => {
    const big = storeName(4, 'big-file');
    const data = Buffer.alloc(20 << 20);
    for (let i = 0; i < data.length; i += 4) data.writeUInt32LE((i * 2654435761) >>> 0, i);
    writeFileSync(join(root, 'nix/store', big), data);
    const g = join(work.dir, 'closure-big');
    writeFileSync(g, `/nix/store/${big}\n\n0\n`);
    const closure = closureOf(await readReferencesGraph([g]), [`/nix/store/${big}`]);
    const out = join(work.dir, 'too-small.img');
    const err = await buildStoreImage({ closure, out, root, sizeHeuristic: 'nixpkgs' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DistrokitError);
    const e = err as DistrokitError;
    expect(e.code).toBe('EXT4_TOO_SMALL');
    expect(e.data.given).toBe(seedShell([join(root, 'nix/store', big)]));
    expect(e.data.need).toBeGreaterThan(e.data.given as number);
    expect(e.message).toContain(out);
    expect(readdirSync(work.dir).filter((n) => n.startsWith('too-small'))).toEqual([]);
    // The default sizing holds it.
    const fits = await buildStoreImage({ closure, out: join(work.dir, 'big.img'), root });
    expectE2fsckClean(join(work.dir, 'big.img'));
    expect(fits.ext4.freeBlocks).toBeGreaterThanOrEqual(4096);
  });
});

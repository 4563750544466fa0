/**
 * The input kinds the fuzzer covers: for each, the committed seed fixtures it
 * mutates, how it mutates them, and the CLI commands that read them. In an
 * argument, @in is the mutated input, @in2 a second (unmutated) seed of the
 * same kind, @indir the mutated directory, @outdir/@outimg/@outfile the one
 * path the command may write.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { mutateBytes } from './mutate-bytes.js';
import { mutateDeep } from './mutate-deep.js';
import { type FileSet, mutateRepodata } from './mutate-repodata.js';
import { FIXTURES } from './paths.js';
import type { Rng } from './prng.js';

export interface Seed {
  /** Fixture path relative to fixtures/. */
  name: string;
  /** Input files relative to the case's in/ directory; the first is @in (or the directory is @indir). */
  files: FileSet;
}

export interface Kind {
  name: string;
  seeds: Seed[];
  /** 'file': @in is the first file; 'dir': @indir is in/<dirName>. */
  shape: 'file' | 'dir' | 'tree';
  mutate(rng: Rng, seed: Seed): { files: FileSet; what: string };
  commands(rng: Rng, seed: Seed): string[][];
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

/** The fuzzer's own valid seeds count three times: failure fixtures mostly stop at their first error. */
function weighted(seeds: Seed[]): Seed[] {
  return seeds.flatMap((s) => (s.name.startsWith('fuzz/') || s.name.startsWith('initrd/all-types') || !/[A-Z]{3,}_/.test(s.name) ? [s, s, s] : [s]));
}

function fileSeeds(paths: string[]): Seed[] {
  return weighted(paths.sort().map((p) => ({ name: relative(FIXTURES, p), files: new Map([[basename(p), new Uint8Array(readFileSync(p))]]) })));
}

function fixtureFiles(dir: string, filter: (name: string) => boolean): string[] {
  return walk(join(FIXTURES, dir)).filter((p) => filter(basename(p)));
}

/** One file, mutated through its layers (compression, ar/rpm/tar/cpio structure, text). */
function mutateOneFile(rng: Rng, seed: Seed): { files: FileSet; what: string } {
  const [name, data] = [...seed.files][0]!;
  const m = rng.chance(0.8) ? mutateDeep(rng, data) : mutateBytes(rng, data);
  const files = new Map(seed.files);
  files.set(name, m.data);
  return { files, what: `${name}: ${m.what}` };
}

function archiveCommands(ext4From: string, extra: string[][] = []): (rng: Rng, seed: Seed) => string[][] {
  return () => [
    ['archive', 'list', '@in'],
    ['archive', 'list', '--json', '@in'],
    ['archive', 'extract', '@in', '@outdir'],
    ['archive', 'extract', '--policy', 'error', '--max-output', '4000000', '@in', '@outdir'],
    ['tree', 'merge', '--out', '@outdir', '@in'],
    ['tree', 'merge', '--jobs', '2', '--merged-usr', '--out', '@outdir', '@in2', '@in'],
    ['ext4', 'build', '--out', '@outimg', ext4From, '@in'],
    ...extra,
  ];
}

function namesIn(seed: Seed, pattern: RegExp, fallback: string): string[] {
  const text = new TextDecoder('latin1').decode([...seed.files.values()][0]!.subarray(0, 200_000));
  const names = [...text.matchAll(pattern)].map((m) => m[1]!).filter((n) => /^[\w.+-]+$/.test(n));
  return names.length > 0 ? [...new Set(names)] : [fallback];
}

export function loadKinds(): Kind[] {
  const tar = fileSeeds([...fixtureFiles('fuzz/tar', () => true), ...fixtureFiles('tar/hostile', (n) => /\.tar(\.gz)?$/.test(n) && !n.startsWith('DECOMPRESSED'))]);
  const cpio = fileSeeds([...fixtureFiles('fuzz/cpio', () => true), ...fixtureFiles('cpio/hostile', () => true)]);
  const deb = fileSeeds([...fixtureFiles('fuzz/deb', () => true), ...fixtureFiles('deb/hostile', (n) => n.endsWith('.deb'))]);
  const rpm = fileSeeds(fixtureFiles('fuzz/rpm', () => true));
  const ar = fileSeeds(fixtureFiles('fuzz/ar', () => true));
  const packages = fileSeeds([...fixtureFiles('fuzz/packages', () => true), ...fixtureFiles('deb822', (n) => n.endsWith('.txt'))]);
  const primary = fileSeeds(fixtureFiles('repodata', (n) => /primary\.xml(\.gz)?$/.test(n)));
  const repoDirs = ['fuzz/repo-gz', 'fuzz/repo-xz', 'fuzz/repo-bz2', 'fuzz/repo-zst', 'repodata/createrepo_c/repo_01'].map((d) => ({
    name: d,
    files: new Map(walk(join(FIXTURES, d)).map((p) => [relative(join(FIXTURES, d), p), new Uint8Array(readFileSync(p))] as [string, Uint8Array])),
  }));
  const payload = new Uint8Array(readFileSync(join(FIXTURES, 'initrd/payload.txt')));
  const specs = weighted(fixtureFiles('initrd', (n) => n.endsWith('.list')).sort().map((p) => ({
    name: relative(FIXTURES, p),
    files: new Map([
      [basename(p), new Uint8Array(readFileSync(p))],
      ['payload.txt', payload],
    ]),
  })));
  return [
    { name: 'tar', seeds: tar, shape: 'file', mutate: mutateOneFile, commands: archiveCommands('--from-tar') },
    { name: 'cpio', seeds: cpio, shape: 'file', mutate: mutateOneFile, commands: archiveCommands('--from-tar') },
    { name: 'ar', seeds: ar, shape: 'file', mutate: mutateOneFile, commands: archiveCommands('--from-tar') },
    {
      name: 'deb',
      seeds: deb,
      shape: 'file',
      mutate: mutateOneFile,
      commands: archiveCommands('--from-deb', [['deb', 'info', '@in'], ['deb', 'info', '--json', '@in'], ['deb', 'info', '@in'], ['initrd', 'modules', '--kernel', '@in', '--modules', 'ext4']]),
    },
    {
      name: 'rpm',
      seeds: rpm,
      shape: 'file',
      mutate: mutateOneFile,
      commands: archiveCommands('--from-rpm', [['rpm', 'info', '@in'], ['rpm', 'info', '--json', '@in'], ['rpm', 'info', '@in']]),
    },
    {
      name: 'packages',
      seeds: packages,
      shape: 'file',
      mutate: mutateOneFile,
      commands: (rng, seed) => {
        const names = namesIn(seed, /^Package: *(\S+)/gm, 'fz-app');
        const want = [rng.pick(names), ...(rng.chance(0.3) ? [rng.pick(names)] : [])];
        return [
          ['deb', 'closure', '--index', '@in', ...want],
          ['deb', 'closure', '--index', '@in', '--format', 'list', ...want],
          ['deb', 'closure', '--index', '@in', '--format', 'nix', '--recommends', ...want],
          ['deb', 'closure', '--index', '@in', '--essential', ...want],
          ['deb', 'closure', '--index', '@in', '--compat', 'deb-closure', ...want],
          ['deb', 'closure', '--index', '@in', '--why', rng.pick(names), ...want],
          ['deb', 'closure', '--index', '@in2', '--index', '@in', '--arch', 'i386', ...want],
        ];
      },
    },
    {
      name: 'repodata',
      seeds: repoDirs,
      shape: 'dir',
      mutate: (rng, seed) => mutateRepodata(rng, seed.files),
      commands: (rng) => {
        const want = rng.pick([['fz-app'], ['fz-tools', 'fz-lib'], ['fz-application'], ['/usr/bin/fz-data'], ['bar', 'foo']]);
        return [
          ['rpm', 'closure', '--repo', '@indir', ...want],
          ['rpm', 'closure', '--repo', '@indir', '--filelists', ...want],
          ['rpm', 'closure', '--repo', '@indir', '--compat', 'rpm-closure', ...want],
          ['rpm', 'closure', '--repo', '@indir', '--format', 'json', '--weak', ...want],
          ['rpm', 'closure', '--repo', '@indir', '--format', 'nix', '--grouped', '--filelists', ...want],
          ['rpm', 'closure', '--repo', '@indir', '--why', 'fz-data', ...want],
        ];
      },
    },
    {
      name: 'primary',
      seeds: primary,
      shape: 'file',
      mutate: mutateOneFile,
      commands: (rng, seed) => {
        const want = [rng.pick(namesIn(seed, /<name>([^<]*)<\/name>/g, 'bash'))];
        return [
          ['rpm', 'closure', '--repo', '@in', ...want],
          ['rpm', 'closure', '--repo', '@in', '--format', 'json', ...want],
          ['rpm', 'closure', '--repo', '@in', '--compat', 'rpm-closure', ...want],
        ];
      },
    },
    {
      name: 'initrd-spec',
      seeds: specs,
      shape: 'file',
      mutate: mutateOneFile,
      commands: (rng) => [['initrd', 'build', '--spec', '@in', '--out', '@outfile', '--compress', rng.pick(['none', 'gzip', 'zstd', 'xz', 'lz4'])]],
    },
    {
      name: 'tree',
      seeds: [{ name: '(generated)', files: new Map() }],
      shape: 'tree',
      mutate: () => ({ files: new Map(), what: 'random tree' }),
      commands: (rng) => [
        ['ext4', 'build', '--out', '@outimg', '--from', '@indir', ...rng.pick([[], ['--no-journal'], ['--no-64bit', '--no-csum'], ['--size', '2M'], ['--inodes', '5'], ['--owner', '0:0', '--no-xattrs']])],
        ['ext4', 'build', '--out', '@outimg', '--from', '@indir'],
        ['initrd', 'build', '--from', '@indir', '--out', '@outfile', '--compress', rng.pick(['none', 'gzip', 'zstd', 'xz', 'lz4'])],
      ],
    },
  ];
}

/**
 * store-image against real Nix (nix-bin 2.8) and e2fsprogs: a closure built in
 * the host store, written into an image, checked by strict e2fsck, a loop
 * mount compared with the source byte for byte, the registration loaded into a
 * fresh store with `nix-store --load-db` and verified with `--check-contents`,
 * two builds (one from a copy under --root) identical, zstd output decoded by
 * `zstd -d`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closureOf, readClosureInfo, readReferencesGraph } from '../../../src/store/closure.js';
import { buildStoreImage, NIXBLD_GID, REGISTRATION_NAME, type StoreImageOptions } from '../../../src/store/image.js';
import { diffManifests, treeManifest, type Manifest } from '../../helpers/tree-manifest.js';
import { expectE2fsckClean, loopAvailable, mount, sh, tempDir, umount } from '../image/oracle.js';
import { makeStoreFixture, nix, NIX_ENV, WEIRD_NAMES, type StoreFixture } from './image-fixture.js';

const loop = loopAvailable();
let work: { dir: string; cleanup: () => void };
let fx: StoreFixture;
/** The closure copied under a scratch root (for --root), made by cp -a as nixpkgs' recipe does. */
let copyRoot: string;

beforeAll(() => {
  work = tempDir('store-image');
  fx = makeStoreFixture(work.dir);
  copyRoot = join(work.dir, 'copy-root');
  mkdirSync(join(copyRoot, 'nix/store'), { recursive: true });
  execFileSync('cp', ['-a', ...fx.closure, join(copyRoot, 'nix/store')]);
});

afterAll(() => work?.cleanup());

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

async function closureFromGraphs(roots: string[]) {
  const infos = await readReferencesGraph([fx.graphTop, fx.graphOther]);
  return closureOf(infos, roots);
}

async function build(name: string, extra: Partial<StoreImageOptions> = {}) {
  const out = join(work.dir, name);
  const closure = extra.closure ?? (await closureFromGraphs([fx.top, fx.other]));
  const summary = await buildStoreImage({ closure, out, ...extra });
  return { out, summary };
}

/** A load-db registration as path → [narHash, narSize, deriver, sorted references]. */
function parseLoadDb(text: string): Map<string, string[]> {
  const lines = text.split('\n');
  const out = new Map<string, string[]>();
  for (let i = 0; i + 4 < lines.length; ) {
    const [path, hash, size, deriver, count] = lines.slice(i, i + 5) as [string, string, string, string, string];
    const refs = lines.slice(i + 5, i + 5 + Number(count));
    out.set(path, [hash, size, deriver, ...refs.sort()]);
    i += 5 + Number(count);
  }
  return out;
}

/** Runs `fn` with the image mounted read-only. */
function withMount<T>(img: string, fn: (mnt: string) => T): T {
  const mnt = join(work.dir, `mnt-${basename(img)}`);
  mkdirSync(mnt, { recursive: true });
  mount(img, mnt, 'ro');
  try {
    return fn(mnt);
  } finally {
    umount(mnt);
  }
}

/** The source store's manifest as the image must show it: root-owned, store contents in group `gid`. */
function expectedStore(gid: number): Manifest {
  const m = treeManifest(join(copyRoot, 'nix/store'));
  for (const [path, e] of m) {
    e.uid = 0;
    e.gid = path === '/' ? 0 : gid;
    if (path === '/') e.mode = 0o755;
  }
  return m;
}

describe.skipIf(!loop.ok)('store-image from a references graph', () => {
  it('is e2fsck-clean and holds the closure byte for byte with the seed\'s owners, a loadable registration, and the same bytes twice', async () => {
    const { out, summary } = await build('graph.img', { gid: NIXBLD_GID, label: 'nixos' });
    expectE2fsckClean(out);
    expect(summary.paths).toBe(fx.closure.length);
    expect(summary.narHashesComputed).toBe(fx.closure.length); // exportReferencesGraph has no hashes
    expect(summary.ext4.uuid).toBe('44444444-4444-4444-8888-888888888888');
    expect(summary.imageSha256).toBe(sha256(out));

    withMount(out, (mnt) => {
      // Names, types, modes, owners, symlink targets, contents.
      expect(diffManifests(expectedStore(NIXBLD_GID), treeManifest(join(mnt, 'nix/store')), { labels: ['source', 'image'] })).toEqual([]);
      for (const name of WEIRD_NAMES) expect(readFileSync(join(mnt, fx.weird, name), 'utf8')).toBe(`content of ${JSON.stringify(name)}\n`);
      const top = treeManifest(mnt);
      expect(top.get('/nix')).toMatchObject({ type: 'dir', mode: 0o755, uid: 0, gid: 0 });
      expect(top.get(`/${REGISTRATION_NAME}`)).toMatchObject({ type: 'file', mode: 0o644, uid: 0, gid: 0 });
      // Every time is the fixed one (SOURCE_DATE_EPOCH unset: 0, the seed's faketime).
      const times = sh(`find ${JSON.stringify(mnt)} -mindepth 1 -path '*/lost+found' -prune -o -printf '%T@ %A@ %C@\\n' | tr ' ' '\\n' | sort -u`).trim();
      expect(times).toBe('0.0000000000');

      // The registration loads into a fresh store holding a copy of the image's store, and every hash checks.
      const fresh = join(work.dir, 'fresh-store');
      mkdirSync(join(fresh, 'nix'), { recursive: true });
      execFileSync('cp', ['-a', join(mnt, 'nix/store'), join(fresh, 'nix/store')]);
      nix('nix-store', ['--store', fresh, '--load-db'], readFileSync(join(mnt, REGISTRATION_NAME), 'utf8'));
      const verify = spawnSync('nix-store', ['--store', fresh, '--verify', '--check-contents'], { encoding: 'utf8', env: { ...process.env, ...NIX_ENV } });
      expect({ status: verify.status, problems: verify.stderr.split('\n').filter((l) => /error|modified|invalid|missing/i.test(l)) }).toEqual({ status: 0, problems: [] });
      for (const root of [fx.top, fx.other]) {
        expect(nix('nix-store', ['--store', fresh, '-qR', root]).trim().split('\n').sort()).toEqual(nix('nix-store', ['-qR', root]).trim().split('\n').sort());
        expect(nix('nix-store', ['--store', fresh, '-q', '--hash', root])).toBe(nix('nix-store', ['-q', '--hash', root]));
      }
    });

    // The same closure read from a cp -a copy (other inodes, other host times) gives the same bytes.
    const again = await build('graph-again.img', { gid: NIXBLD_GID, label: 'nixos', root: copyRoot });
    expect(again.summary.imageSha256).toBe(summary.imageSha256);
  });

  it('default owners are root:root; SOURCE_DATE_EPOCH sets every time', async () => {
    const { out } = await build('root-owned.img', { sourceDateEpoch: 1700000000 });
    expectE2fsckClean(out);
    withMount(out, (mnt) => {
      expect(diffManifests(expectedStore(0), treeManifest(join(mnt, 'nix/store')), { labels: ['source', 'image'] })).toEqual([]);
      const times = sh(`find ${JSON.stringify(mnt)} -mindepth 1 -path '*/lost+found' -prune -o -printf '%T@\\n' | sort -u`).trim();
      expect(times).toBe('1700000000.0000000000');
    });
  });

  it('a closure of one root holds only that root\'s closure', async () => {
    const closure = await closureFromGraphs([fx.top]);
    expect(closure.map((i) => i.path).sort()).toEqual(nix('nix-store', ['-qR', fx.top]).trim().split('\n').sort());
    const { out } = await build('top-only.img', { closure });
    expectE2fsckClean(out);
    withMount(out, (mnt) => {
      expect(readdirSync(join(mnt, 'nix/store')).sort()).toEqual(closure.map((i) => basename(i.path)).sort());
    });
  });
});

describe.skipIf(!loop.ok)('store-image from a closureInfo directory', () => {
  it('uses its hashes, merges extra files, and writes zstd frames that zstd -d decodes to the same image', async () => {
    const ci = await readClosureInfo(fx.closureInfo);
    const closure = closureOf(ci.infos, ci.storePaths);
    const files = join(work.dir, 'files');
    mkdirSync(join(files, 'etc'), { recursive: true });
    mkdirSync(join(files, 'nix/var/nix/profiles'), { recursive: true });
    writeFileSync(join(files, 'etc/hostname'), 'store-image\n');
    const { out, summary } = await build('ci.img', { closure, files });
    expect(summary.narHashesComputed).toBe(0);
    expectE2fsckClean(out);
    withMount(out, (mnt) => {
      expect(readFileSync(join(mnt, 'etc/hostname'), 'utf8')).toBe('store-image\n');
      expect(existsSync(join(mnt, 'nix/var/nix/profiles'))).toBe(true);
      expect(diffManifests(expectedStore(0), treeManifest(join(mnt, 'nix/store')), { labels: ['source', 'image'] })).toEqual([]);
      // The closureInfo registration, as nixpkgs copies it: the same paths, hashes, sizes and references
      // (references in byte order; Nix lists them in its own order).
      expect(parseLoadDb(readFileSync(join(mnt, REGISTRATION_NAME), 'utf8'))).toEqual(parseLoadDb(readFileSync(join(fx.closureInfo, 'registration'), 'utf8')));
    });

    const z = await build('ci.img.zst', { closure, files, compress: 'zstd' });
    expect(z.summary.imageSha256).toBe(summary.imageSha256);
    expect(z.summary.compressed!.sha256).toBe(sha256(z.out));
    const decoded = execFileSync('zstd', ['-d', '-c', z.out], { maxBuffer: 1 << 30 });
    expect(createHash('sha256').update(decoded).digest('hex')).toBe(summary.imageSha256);
    expect(readdirSync(work.dir).filter((n) => n.includes('.tmp-') || n.includes('.raw-'))).toEqual([]);
  });
});

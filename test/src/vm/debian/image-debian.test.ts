/**
 * `image debian` against Debian's own bootstrapper: the closure of
 * base-files base-passwd bash coreutils dpkg (plus the Essential/required base)
 * built by distrokit — native unpack, native ext4, dpkg run in the guest under
 * QEMU — and by mmdebstrap (--mode=root --variant=custom, the same package
 * list, the same SOURCE_DATE_EPOCH) must give the same system: the same
 * packages installed, dpkg satisfied with every one, and the same tree in
 * paths, types, modes, owners, link targets and content hashes, except the
 * files mmdebstrap writes for itself or that record how a build ran
 * (test/helpers/mmdebstrap.ts names each with its reason) and ext4's
 * /lost+found.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { debDownloadDir } from '../../../../src/vm/debian/obtain.js';
import { planImage } from '../../../../src/vm/debian/plan.js';
import { distrokit } from '../../../helpers/cli.js';
import { dpkgQuery, MMDEBSTRAP_IGNORE_GLOBS, mmdebstrapTree } from '../../../helpers/mmdebstrap.js';
import { diffManifests, treeManifest } from '../../../helpers/tree-manifest.js';

const BASE = ['base-files', 'base-passwd', 'bash', 'coreutils', 'dpkg'];
const SOURCE_DATE_EPOCH = 1_700_000_000;
/** Not in mmdebstrap's directory tree: the ext4 filesystem's own directory. */
const EXT4_OWN = ['/lost+found'];

const work = mkdtempSync(join(tmpdir(), 'distrokit-image-debian-'));
const image = join(work, 'base.img');
const mnt = join(work, 'mnt');
let summary: { packages: number; groups: number; bytes: number; freeBytes: number; freeInodes: number; stages: Record<string, number> };
let reference: Awaited<ReturnType<typeof mmdebstrapTree>>;
let names: string[];
let mounted = false;

beforeAll(async () => {
  const r = distrokit(['image', 'debian', '--out', image, '--json', ...BASE], { env: { SOURCE_DATE_EPOCH: String(SOURCE_DATE_EPOCH) }, timeout: 40 * 60_000 });
  expect(r.stderr).not.toContain('INTERNAL');
  expect(r.status, r.stderr).toBe(0);
  summary = JSON.parse(r.stdout);
  // The same package list for mmdebstrap, with its .debs from distrokit's cache (nothing downloaded twice).
  names = (await planImage({ packages: BASE, essential: true })).packages.map((p) => p.name);
  reference = await mmdebstrapTree({ packages: names, debsDirs: [debDownloadDir()], sourceDateEpoch: SOURCE_DATE_EPOCH });
  mkdirSync(mnt);
  execFileSync('mount', ['-o', 'loop,ro', image, mnt]);
  mounted = true;
}, 60 * 60_000);

afterAll(() => {
  if (mounted) spawnSync('umount', [mnt]);
  rmSync(work, { recursive: true, force: true });
});

const inImage = (...argv: string[]) => spawnSync('chroot', [mnt, ...argv], { encoding: 'utf8' });

describe('image debian: base-files base-passwd bash coreutils dpkg + Essential/required, against mmdebstrap', () => {
  it('prints a summary with every stage and the image size', () => {
    expect(summary.packages).toBe(names.length);
    expect(Object.keys(summary.stages).sort()).toEqual(['configure', 'fetch', 'resolve', 'unpack', 'write']);
    expect(summary.bytes).toBeGreaterThan(summary.freeBytes);
    // Room to boot and write: the default headroom is left after dpkg is done.
    expect(summary.freeBytes).toBeGreaterThanOrEqual(16 * 2 ** 20);
    expect(summary.freeInodes).toBeGreaterThanOrEqual(1000);
  });

  it('dpkg in the image lists every package as installed (ii); --audit and --verify print nothing', () => {
    const list = inImage('dpkg-query', '-W', '-f', '${db:Status-Abbrev}|${Package}\n');
    expect(list.status).toBe(0);
    const lines = list.stdout.trim().split('\n');
    expect(lines).toHaveLength(names.length);
    expect(lines.filter((l) => !l.startsWith('ii '))).toEqual([]);
    for (const args of [['dpkg', '--audit'], ['dpkg', '--verify']]) {
      const r = inImage(...args);
      expect({ args, status: r.status, out: r.stdout + r.stderr }).toEqual({ args, status: 0, out: '' });
    }
  });

  it('installs the same packages and versions as mmdebstrap', () => {
    const ours = new Map(dpkgQuery(mnt).trim().split('\n').map((l) => l.split('\t')).map(([n, v]) => [n!, v!]));
    expect(ours).toEqual(reference.installed);
  });

  it("has mmdebstrap's tree: paths, types, modes, owners, link targets, content hashes", () => {
    const differences = diffManifests(treeManifest(reference.root), treeManifest(mnt), {
      ignore: [...MMDEBSTRAP_IGNORE_GLOBS, ...EXT4_OWN],
      labels: ['mmdebstrap', 'distrokit'],
    });
    expect(differences).toEqual([]);
  });

  it('is strict-e2fsck clean after the guest wrote it', () => {
    spawnSync('umount', [mnt]);
    mounted = false;
    const fsck = spawnSync('e2fsck', ['-fn', image], { encoding: 'utf8' });
    expect(fsck.status).toBe(0);
    expect(fsck.stdout.trim().split('\n').filter((l) => !/^Pass [1-5]: /.test(l) && !l.startsWith(`${image}: `))).toEqual([]);
    expect(existsSync(`${image}.tmp-${process.pid}`)).toBe(false);
  });
});

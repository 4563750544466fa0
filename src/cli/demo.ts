/**
 * `distrokit demo`: the main job on a built-in default. It reads this
 * machine's own bookworm apt lists (main, updates, security; LZ4 as apt keeps
 * them), resolves the closure of nixpkgs' common Debian package set, prints it
 * in install groups, downloads the .debs (sha256-verified, cached), lays them
 * into one tree and writes it as an ext4 image natively — what nixpkgs'
 * debClosureGenerator + fillDiskWithDebs do, without a VM (maintainer scripts
 * are not run yet). It grows as capabilities land.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { APT_LISTS_DIR, machineBookwormLists } from '../fetch/apt-lists.js';
import { cacheDir } from '../fetch/cache.js';
import { downloadAll } from '../fetch/download.js';
import { writeExt4 } from '../image/write.js';
import { SpoolStore } from '../tree/content-store.js';
import { layPackages } from '../tree/packages.js';
import type { ClosureDocument } from '../deb/output.js';
import { DistrokitError } from '../../formats/errors.js';
import { resolveClosure } from '../deb/closure.js';
import { installGroups } from '../deb/install-groups.js';
import { closureDocument } from '../deb/output.js';
import { DebRepository } from '../deb/repository.js';
import { EXIT_FAIL, EXIT_OK, Progress, writeStdout } from './common.js';
import { command } from './dispatch.js';
import { file } from './options.js';

/** nixpkgs' commonDebianPackages with today's names (sysvinit → sysvinit-core, diff → diffutils). */
export const COMMON_DEBIAN_PACKAGES = [
  'base-passwd', 'dpkg', 'libc6-dev', 'perl', 'sysvinit-core', 'bash', 'gzip', 'bzip2', 'tar', 'grep', 'findutils', 'g++', 'make', 'curl', 'patch', 'diffutils',
];

const demo = command({
  name: 'demo',
  summary: 'resolve, download and write the common Debian set as an ext4 image',
  usage: '[--out IMG] [--closure-only] [--json]',
  description: [
    "Resolves the closure of nixpkgs' common Debian package set",
    `(${COMMON_DEBIAN_PACKAGES.join(' ')})`,
    "from this machine's bookworm apt lists and prints its install groups; then downloads",
    'the .debs (sha256-checked, cached in ~/.cache/distrokit/debs/demo), lays them into one',
    'tree and writes an ext4 image (default ./distrokit-demo.img). With --json: the closure',
    "document (as 'deb closure'), and no image.",
  ].join('\n'),
  options: {
    'closure-only': { help: 'stop after the closure' },
    out: { value: file, default: 'distrokit-demo.img', help: 'the image to write (default ./distrokit-demo.img)' },
  },
  positionals: { min: 0, max: 0 },
  examples: ['distrokit demo', 'distrokit demo --closure-only --json | jq .groups', 'distrokit demo --out /tmp/bookworm.img && e2fsck -fn /tmp/bookworm.img'],
  run: ({ values, format }) => runDemo(values['closure-only'], values.out, format === 'json'),
});

export const commands = [demo];

async function runDemo(closureOnly: boolean, out: string, json: boolean): Promise<number> {
  const lists = machineBookwormLists();
  if (lists.length === 0)
    throw new DistrokitError('DEMO_NO_APT_LISTS', `no bookworm Packages lists in ${APT_LISTS_DIR}; run 'apt-get update' first`, { file: APT_LISTS_DIR });
  const started = performance.now();
  const repo = new DebRepository();
  process.stderr.write(`reading ${lists.map((l) => l.path).join(', ')}\n`);
  await repo.addIndexes(lists.map((l) => ({ path: l.path })));
  const closure = resolveClosure(repo, COMMON_DEBIAN_PACKAGES);
  const groups = installGroups(closure);
  const doc = closureDocument(COMMON_DEBIAN_PACKAGES, groups, (p) => lists[p.origin.index]?.urlPrefix, { repoOf: (p) => lists[p.origin.index]?.path, problems: closure.problems });
  const ms = performance.now() - started;
  if (json) {
    await writeStdout(`${JSON.stringify(doc, null, 2)}\n`);
  } else {
    const lines = [
      `Closure of nixpkgs' common Debian package set on bookworm (${repo.size} candidate packages from ${lists.length} lists):`,
      `  ${doc.packages.length} packages, ${groups.length} install groups, ${(doc.packages.reduce((n, p) => n + (p.size ?? 0), 0) / 1e6).toFixed(1)} MB of .debs`,
      '',
      ...groups.map((g, i) => `  ${String(i).padStart(3)}  ${g.map((p) => `${p.name}=${p.version}`).join('  ')}`),
      '',
      `resolved in ${ms.toFixed(0)} ms`,
    ];
    await writeStdout(`${lines.join('\n')}\n`);
  }
  for (const p of closure.problems) process.stderr.write(`distrokit: ${p.code}: ${p.message}\n`);
  if (closure.problems.length) return EXIT_FAIL;
  if (closureOnly || json) return EXIT_OK;
  await buildImage(doc, out);
  return EXIT_OK;
}

/** Downloads the closure's .debs and writes them, laid in install order, as an ext4 image. */
async function buildImage(doc: ClosureDocument, out: string): Promise<void> {
  const cache = cacheDir('debs', 'demo');
  const items = doc.packages.map((p) => {
    if (!p.url || !p.location || p.checksum?.type !== 'sha256') throw new DistrokitError('DEMO_NO_URL', `package ${p.name} has no Filename/SHA256 in its index`, { entry: p.name });
    return { url: p.url, name: basename(p.location), sha256: p.checksum.value, size: p.size ?? undefined };
  });
  const started = performance.now();
  const progress = new Progress();
  const files = await downloadAll(items, cache, { onProgress: (done, total) => progress.update(`downloading .debs: ${done}/${total}`) });
  progress.done(`downloaded ${files.length} .debs into ${cache}`);
  const spool = mkdtempSync(join(tmpdir(), 'distrokit-demo-'));
  const store = new SpoolStore({ dir: spool });
  try {
    const tree = await layPackages(files, { store, onPackage: ({ index, total }) => progress.update(`reading .debs: ${index + 1}/${total}`) });
    progress.update(`writing ${out}`, true);
    // The default headroom (at least 16 MiB and 1,000 inodes free, 10 % for larger trees): room for a first boot.
    const summary = await writeExt4(tree.root, out, {});
    progress.done();
    const conflicts = tree.conflicts.length;
    await writeStdout(
      `\n${out}: ext4, ${(summary.bytes / 2 ** 20).toFixed(1)} MiB, ${summary.inodes - summary.freeInodes} inodes used, ` +
        `from ${files.length} .debs (${conflicts} path conflicts, later packages won) in ${((performance.now() - started) / 1000).toFixed(1)} s\n` +
        `check it with: e2fsck -fn ${out}\n`,
    );
  } finally {
    await store.close();
    rmSync(spool, { recursive: true, force: true });
  }
}

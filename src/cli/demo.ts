/**
 * `distrokit demo`: the main job on a built-in default. Today: read this
 * machine's own bookworm apt lists (main, updates, security; lz4 as apt keeps
 * them), resolve the closure of nixpkgs' common Debian package set and print
 * it in install groups. It grows as capabilities land.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DistrokitError } from '../../formats/errors.js';
import { resolveClosure } from '../deb/closure.js';
import { installGroups } from '../deb/install-groups.js';
import { closureDocument } from '../deb/output.js';
import { DebRepository } from '../deb/repository.js';
import { EXIT_FAIL, EXIT_OK, parseUsage, writeStdout } from './common.js';

/** nixpkgs' commonDebianPackages with today's names (sysvinit → sysvinit-core, diff → diffutils). */
export const COMMON_DEBIAN_PACKAGES = [
  'base-passwd', 'dpkg', 'libc6-dev', 'perl', 'sysvinit-core', 'bash', 'gzip', 'bzip2', 'tar', 'grep', 'findutils', 'g++', 'make', 'curl', 'patch', 'diffutils',
];

const LISTS = '/var/lib/apt/lists';

/** The machine's Packages lists for bookworm, bookworm-updates and bookworm-security main (amd64), with their pool URLs. */
export function machineBookwormLists(dir = LISTS): { path: string; urlPrefix: string }[] {
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch {
    files = [];
  }
  const out: { path: string; urlPrefix: string }[] = [];
  for (const suite of ['bookworm', 'bookworm-updates', 'bookworm-security']) {
    const file = files.find((f) => f.includes(`_dists_${suite}_main_binary-amd64_Packages`) && !f.endsWith('.diff_Index'));
    if (!file) continue;
    out.push({ path: join(dir, file), urlPrefix: `http://${file.slice(0, file.indexOf('_dists_')).replace(/_/g, '/')}` });
  }
  return out;
}

export async function run(args: string[]): Promise<number> {
  const { values } = parseUsage(() => parseArgs({ args, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }));
  if (values.help) {
    process.stdout.write(`Usage: distrokit demo [--json]\n\nResolves the closure of nixpkgs' common Debian package set\n(${COMMON_DEBIAN_PACKAGES.join(' ')})\nfrom this machine's bookworm apt lists and prints its install groups.\n`);
    return EXIT_OK;
  }
  const lists = machineBookwormLists();
  if (lists.length === 0)
    throw new DistrokitError('DEMO_NO_APT_LISTS', `no bookworm Packages lists in ${LISTS}; run 'apt-get update' first`, { file: LISTS });
  const started = performance.now();
  const repo = new DebRepository();
  for (const l of lists) {
    process.stderr.write(`reading ${l.path}\n`);
    await repo.addIndex({ path: l.path });
  }
  const closure = resolveClosure(repo, COMMON_DEBIAN_PACKAGES);
  const groups = installGroups(closure);
  const doc = closureDocument(COMMON_DEBIAN_PACKAGES, groups, (p) => lists[p.origin.index]?.urlPrefix);
  const ms = performance.now() - started;
  if (values.json) {
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
  return closure.problems.length ? EXIT_FAIL : EXIT_OK;
}

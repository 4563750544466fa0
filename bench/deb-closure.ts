/**
 * One closure of nixpkgs' common Debian package set, from the compressed
 * bookworm indexes to JSON: `distrokit deb closure` against nixpkgs'
 * deb-closure.pl (which needs its input decompressed and concatenated; its
 * time here excludes that). The script is not part of distrokit: read it from
 * nixpkgs (pkgs/build-support/vm/deb/deb-closure.pl), save it outside the
 * repository and point DEB_CLOSURE_PL at it; it needs libdpkg-perl.
 *   node dist/bench/deb-closure.js [runs]
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineLine, measure } from './lib.js';

const PACKAGES = ['base-passwd', 'dpkg', 'libc6-dev', 'perl', 'sysvinit-core', 'bash', 'gzip', 'bzip2', 'tar', 'grep', 'findutils', 'g++', 'make', 'curl', 'patch', 'diffutils'];

function main(): void {
  const runs = Number(process.argv[2] ?? 3);
  const cache = join(process.env.DISTROKIT_CACHE ?? join(homedir(), '.cache/distrokit'), 'debian');
  const run = fileURLToPath(new URL('../src/cli/run.js', import.meta.url));
  console.log(`# deb-closure: closure of ${PACKAGES.length} packages (nixpkgs commonDebianPackages, today's names)\n# ${machineLine()}\n# median of ${runs} runs, whole processes`);
  const rows: [string, { seconds: number; maxRssMB: number }][] = [];
  for (const [label, main] of [['.gz', 'main_Packages.gz'], ['.xz', 'main_Packages.xz']] as const) {
    rows.push([
      `distrokit deb closure (main${label} + updates + security → JSON)`,
      measure([process.execPath, run, 'deb', 'closure', '--quiet', '--index', join(cache, main), '--index', join(cache, 'updates_Packages'), '--index', join(cache, 'security_Packages'), ...PACKAGES], runs),
    ]);
  }
  const script = process.env.DEB_CLOSURE_PL;
  if (!script) {
    console.log('peer not run: set DEB_CLOSURE_PL to a copy of nixpkgs deb-closure.pl (outside this repository)');
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'deb-closure-bench-'));
    const all = join(dir, 'Packages');
    writeFileSync(all, Buffer.concat(['main_Packages', 'updates_Packages', 'security_Packages'].map((f) => readFileSync(join(cache, f)))));
    rows.push(['nixpkgs deb-closure.pl (plain concatenated Packages)', measure(['perl', '-w', script, all, 'http://deb.debian.org/debian', ...PACKAGES], Math.min(runs, 3), { env: { PERL_HASH_SEED: '2' } })]);
  }
  const peer = rows.find(([n]) => n.startsWith('nixpkgs'))?.[1].seconds;
  for (const [name, t] of rows) console.log(`${name.padEnd(62)} ${t.seconds.toFixed(2)} s  ${t.maxRssMB.toFixed(0)} MB${peer ? `  ×${(peer / t.seconds).toFixed(1)} faster than deb-closure.pl` : ''}`);
}

main();

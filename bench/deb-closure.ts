/**
 * One closure of nixpkgs' common Debian package set, from the compressed
 * bookworm indexes to JSON: `distrokit deb closure` against nixpkgs'
 * deb-closure.pl (which needs its input decompressed and concatenated; its
 * time here excludes that). The script is not part of distrokit: read it from
 * nixpkgs (pkgs/build-support/vm/deb/deb-closure.pl), save it outside the
 * repository and point DEB_CLOSURE_PL at it; it needs libdpkg-perl.
 *   node dist/bench/deb-closure.js [runs per round] [rounds]
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineLine, measure, median, type Timing } from './lib.js';

const PACKAGES = ['base-passwd', 'dpkg', 'libc6-dev', 'perl', 'sysvinit-core', 'bash', 'gzip', 'bzip2', 'tar', 'grep', 'findutils', 'g++', 'make', 'curl', 'patch', 'diffutils'];

/**
 * The peer and distrokit take turns: each round runs each distrokit command
 * `runs` times, then deb-closure.pl once, so that both see the same machine (this
 * VM's speed drifts by ×2 over minutes, which made separate blocks of runs
 * disagree by as much). The ratio reported is the median of the rounds' ratios.
 *
 * Two ratios per distrokit command: against deb-closure.pl alone on the
 * decompressed, concatenated indexes (conservative: the peer's decompression
 * is free), and against the job as nixpkgs' debClosureGenerator runs it from
 * the same compressed index — `gzip -dc` / `xz -d` into ./Packages, then the
 * script (each round also times that decompression once).
 *
 * distrokit runs without NODE_EXTRA_CA_CERTS: a sandbox that intercepts TLS
 * sets it, and Node then parses the whole CA bundle before running any code —
 * 40–50 ms per process here, an eighth of a closure; a plain Debian machine
 * does not set it. One more row shows the .gz closure with the variable as set.
 */
function main(): void {
  const runs = Number(process.argv[2] ?? 3);
  const rounds = Number(process.argv[3] ?? 3);
  const cache = join(process.env.DISTROKIT_CACHE ?? join(homedir(), '.cache/distrokit'), 'debian');
  const run = fileURLToPath(new URL('../src/cli/run.js', import.meta.url));
  console.log(`# deb-closure: closure of ${PACKAGES.length} packages (nixpkgs commonDebianPackages, today's names)\n# ${machineLine()}\n# ${rounds} rounds of: each distrokit command ${runs} times (median), then the peer once; whole processes`);
  const plain = ['updates_Packages', 'security_Packages'].map((f) => join(cache, f));
  const ours = ([['.gz', 'gzip -dc'], ['.xz', 'xz -dc']] as const).map(([label, unpack]) => ({
    name: `distrokit deb closure (main${label} + updates + security → JSON)`,
    cmd: [process.execPath, run, 'deb', 'closure', '--quiet', '--index', join(cache, `main_Packages${label}`), '--index', plain[0]!, '--index', plain[1]!, ...PACKAGES],
    // nixpkgs' step before the script: the indexes decompressed and concatenated into ./Packages.
    unpack: ['bash', '-c', `{ ${unpack} ${join(cache, `main_Packages${label}`)}; cat ${plain.join(' ')}; } > /dev/null`],
    times: [] as Timing[],
    unpackTimes: [] as Timing[],
  }));
  const script = process.env.DEB_CLOSURE_PL;
  let peerCmd: string[] | undefined;
  if (!script) console.log('peer not run: set DEB_CLOSURE_PL to a copy of nixpkgs deb-closure.pl (outside this repository)');
  else {
    const dir = mkdtempSync(join(tmpdir(), 'deb-closure-bench-'));
    const all = join(dir, 'Packages');
    writeFileSync(all, Buffer.concat(['main_Packages', 'updates_Packages', 'security_Packages'].map((f) => readFileSync(join(cache, f)))));
    peerCmd = ['perl', '-w', script, all, 'http://deb.debian.org/debian', ...PACKAGES];
  }
  const peerTimes: Timing[] = [];
  const caVariable = process.env.NODE_EXTRA_CA_CERTS;
  const withCa: Timing[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const o of ours) o.times.push(measure(o.cmd, runs, { unsetEnv: ['NODE_EXTRA_CA_CERTS'] }));
    if (caVariable) withCa.push(measure(ours[0]!.cmd, runs));
    if (!peerCmd) continue;
    peerTimes.push(measure(peerCmd, 1, { env: { PERL_HASH_SEED: '2' } }));
    for (const o of ours) o.unpackTimes.push(measure(o.unpack, 1));
    const peer = peerTimes.at(-1)!.seconds;
    console.log(`round ${r + 1}: ${ours.map((o) => `${o.times.at(-1)!.seconds.toFixed(2)} s`).join(', ')}; deb-closure.pl ${peer.toFixed(2)} s → ×${(peer / ours[0]!.times.at(-1)!.seconds).toFixed(1)}`);
  }
  const secs = (ts: Timing[]) => median(ts.map((t) => t.seconds));
  const rss = (ts: Timing[]) => Math.max(...ts.map((t) => t.maxRssMB));
  for (const o of ours) {
    const ratio = (peerOf: (r: number) => number) => median(peerTimes.map((_, r) => peerOf(r) / o.times[r]!.seconds)).toFixed(1);
    const ratios = peerTimes.length
      ? `  ×${ratio((r) => peerTimes[r]!.seconds)} vs deb-closure.pl alone, ×${ratio((r) => peerTimes[r]!.seconds + o.unpackTimes[r]!.seconds)} vs decompress + deb-closure.pl`
      : '';
    console.log(`${o.name.padEnd(62)} ${secs(o.times).toFixed(2)} s  ${rss(o.times).toFixed(0)} MB${ratios}`);
  }
  if (withCa.length) {
    const ratio = peerTimes.length ? `  ×${median(peerTimes.map((p, r) => p.seconds / withCa[r]!.seconds)).toFixed(1)} vs deb-closure.pl alone` : '';
    console.log(`${'  the .gz closure with NODE_EXTRA_CA_CERTS as set here'.padEnd(62)} ${secs(withCa).toFixed(2)} s${ratio}`);
  }
  if (peerTimes.length) {
    console.log(`${'nixpkgs deb-closure.pl (plain concatenated Packages)'.padEnd(62)} ${secs(peerTimes).toFixed(2)} s  ${rss(peerTimes).toFixed(0)} MB`);
    for (const o of ours) console.log(`${`  its decompression step for ${o.name.match(/main\.\w+/)![0]}`.padEnd(62)} ${secs(o.unpackTimes).toFixed(2)} s`);
  }
}

main();

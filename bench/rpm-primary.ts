/**
 * primary.xml parse speed and memory against libsolv's rpmmd2solv, on the
 * bookworm index converted to RPM primary form (63,440 packages, 1×) and four
 * copies of it (4×, to show memory stays bounded as input grows).
 *
 *   npx tsc -p tsconfig.build.json && node dist/bench/rpm-primary.js
 *
 * Inputs are generated into ${DISTROKIT_CACHE:-~/.cache/distrokit}/rpm-bench by
 * fixtures/gen/rpm-primary-from-debian.py (needs fixtures/gen/debian-indexes.sh's cache).
 * Each measurement runs in its own process under /usr/bin/time (wall, user, max RSS).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { cpus, homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parsePrimary } from '../formats/repodata/index.js';

const CACHE = process.env.DISTROKIT_CACHE ?? join(homedir(), '.cache', 'distrokit');
const DIR = join(CACHE, 'rpm-bench');
const SELF = fileURLToPath(import.meta.url);

interface Measure {
  wall: number;
  user: number;
  rssMB: number;
  out: string;
}

/** Runs a command under GNU time; returns its stdout and resource figures. */
function timed(command: string): Measure {
  const r = spawnSync('/usr/bin/time', ['-f', '@@ %e %U %M', 'bash', '-c', command], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${command} failed: ${r.stderr}`);
  const m = /@@ ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr)!;
  return { wall: Number(m[1]), user: Number(m[2]), rssMB: Number(m[3]) / 1024, out: r.stdout.trim() };
}

/** Child mode: parse one file and print the package and dependency counts. */
async function child(file: string): Promise<void> {
  let packages = 0;
  let entries = 0;
  for await (const p of parsePrimary(createReadStream(file, { highWaterMark: 1 << 20 }), { file })) {
    packages++;
    entries += p.provides.length + p.requires.length + p.conflicts.length + p.files.length;
  }
  process.stdout.write(`${packages} ${entries}\n`);
}

function ensureInputs(): void {
  if (existsSync(join(DIR, 'primary-4x.xml.done'))) return;
  const packages = join(CACHE, 'debian', 'main_Packages');
  if (!existsSync(packages)) execFileSync('bash', ['fixtures/gen/debian-indexes.sh'], { stdio: 'inherit' });
  execFileSync('/usr/bin/python3', ['fixtures/gen/rpm-primary-from-debian.py', packages, DIR], { stdio: 'inherit' });
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') return child(process.argv[3]!);
  ensureInputs();
  const runs = Number(process.env.BENCH_RUNS ?? 3);
  console.log(`machine: nproc=${cpus().length} cpu="${cpus()[0]?.model}" node=${process.version}`);
  console.log(`rpmmd2solv: ${execFileSync('bash', ['-c', "dpkg-query -W -f='${Version}' libsolv-tools"]).toString()}`);
  console.log('| input | MB | packages | distrokit wall / user s | rpmmd2solv wall / user s | user ratio (peer/ours) | distrokit max RSS MB | rpmmd2solv max RSS MB |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const name of ['primary-1x.xml', 'primary-4x.xml']) {
    const file = join(DIR, name);
    const mb = statSync(file).size / 1e6;
    // Best of `runs` by user time: the machine is shared, the minimum is the least disturbed run.
    const best = (cmd: string) => Array.from({ length: runs }, () => timed(cmd)).sort((a, b) => a.user - b.user)[0]!;
    const ours = best(`node ${SELF} --child ${file}`);
    const peer = best(`rpmmd2solv < ${file} > /dev/null`);
    console.log(
      `| ${name} | ${mb.toFixed(1)} | ${ours.out.split(' ')[0]} | ${ours.wall.toFixed(2)} / ${ours.user.toFixed(2)} | ${peer.wall.toFixed(2)} / ${peer.user.toFixed(2)} | ${(peer.user / ours.user).toFixed(2)} | ${ours.rssMB.toFixed(0)} | ${peer.rssMB.toFixed(0)} |`,
    );
  }
}

await main();

/**
 * Extracting the common Debian closure (~110 real .debs, fixtures/gen/debian-debs.sh)
 * into one tree, and into a tree written to a directory, against a loop of
 * `dpkg-deb -x` over the same files, in one run. Prints times and ratios
 * (above 1: distrokit is faster), decoding on the main thread and on worker threads.
 *
 *   npx tsc -p tsconfig.build.json && node dist/bench/archive-extract.js [--runs N]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SpoolStore } from '../src/tree/content-store.js';
import { addPackageToTree } from '../src/tree/packages.js';
import { addPackagesToTree } from '../src/tree/packages-parallel.js';
import { writeTreeToDirectory } from '../src/tree/sink-dir.js';
import { Tree } from '../src/tree/tree.js';

const cache = process.env.DISTROKIT_CACHE ?? join(homedir(), '.cache', 'distrokit');
const pool = join(cache, 'debs', 'pool');
const debs = readdirSync(pool)
  .filter((f) => f.endsWith('.deb'))
  .sort()
  .map((f) => join(pool, f));
const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 3;
const work = mkdtempSync(join(tmpdir(), 'distrokit-bench-'));

/** Decoding on worker threads (jobs > 1) or on the main thread (jobs = 1); the tree is the same. */
async function intoTree(jobs: number): Promise<{ tree: Tree; cleanup: () => Promise<void> }> {
  const tree = new Tree();
  const spoolDir = mkdtempSync(join(work, 'spool-'));
  const store = new SpoolStore({ dir: spoolDir });
  if (jobs === 1) for (const deb of debs) await addPackageToTree(tree, deb, { store });
  else await addPackagesToTree(tree, debs, { spoolDir, jobs });
  await store.flush();
  return { tree, cleanup: async () => (await store.close(), rmSync(spoolDir, { recursive: true, force: true })) };
}

interface Cpu {
  user: number;
  sys: number;
}

/** Runs fn `runs` times; prints the median wall time and the CPU (user, sys) of that median run: this process's, plus what fn reports for its child processes. */
async function timed(label: string, fn: () => Promise<Cpu | void> | Cpu | void): Promise<number> {
  const samples: { wall: number; cpu: Cpu }[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const before = process.cpuUsage(); // the whole process: worker threads included
    const own = await fn();
    const used = process.cpuUsage(before);
    const mine = { user: used.user / 1e6, sys: used.system / 1e6 };
    samples.push({ wall: performance.now() - start, cpu: own ? { user: own.user + mine.user, sys: own.sys + mine.sys } : mine });
  }
  samples.sort((a, b) => a.wall - b.wall);
  const median = samples[Math.floor(samples.length / 2)]!;
  const cpu = `cpu user ${median.cpu.user.toFixed(2)} s, sys ${median.cpu.sys.toFixed(2)} s`;
  console.log(`${label.padEnd(38)} median ${(median.wall / 1000).toFixed(2)} s  (runs: ${samples.map((t) => (t.wall / 1000).toFixed(2)).join(', ')}; ${cpu})`);
  return median.wall;
}

/** The children's CPU that bash's `times` prints last ("0m1.234s 0m0.567s"). */
function childCpu(timesOutput: string): Cpu {
  const last = timesOutput.trim().split('\n').pop() ?? '';
  const [user, sys] = [...last.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  return { user: user ?? NaN, sys: sys ?? NaN };
}

let n = 0;
const fresh = () => join(work, `out-${n++}`);
const compressed = debs.reduce((sum, f) => sum + readFileSync(f).byteLength, 0);
console.log(`machine: nproc=${cpus().length}, cpu=${cpus()[0]?.model ?? '?'}, node=${process.version}`);
console.log(`input: ${debs.length} .debs, ${(compressed / 2 ** 20).toFixed(1)} MiB compressed`);

const peer = await timed('dpkg-deb -x loop', () => {
  const out = fresh();
  const times = execFileSync('bash', ['-c', `mkdir -p '${out}' && for d in "$@"; do dpkg-deb -x "$d" '${out}'; done; times`, 'bench', ...debs], { encoding: 'utf8' });
  rmSync(out, { recursive: true, force: true });
  return childCpu(times);
});
const ratios: string[] = [];
for (const jobs of [1, cpus().length]) {
  const mode = jobs === 1 ? 'main thread' : `${jobs} worker threads`;
  const tree = await timed(`distrokit tree (${mode})`, async () => {
    const { cleanup } = await intoTree(jobs);
    await cleanup();
  });
  const dir = await timed(`distrokit tree+dir (${mode})`, async () => {
    const { tree: t, cleanup } = await intoTree(jobs);
    const out = fresh();
    await writeTreeToDirectory(t, out);
    await cleanup();
    rmSync(out, { recursive: true, force: true });
  });
  ratios.push(`ratio dpkg-deb loop / tree (${mode}): ${(peer / tree).toFixed(2)}x`, `ratio dpkg-deb loop / tree+dir (${mode}): ${(peer / dir).toFixed(2)}x`);
}
for (const line of ratios) console.log(line);
rmSync(work, { recursive: true, force: true });

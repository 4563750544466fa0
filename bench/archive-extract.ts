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

async function timed(label: string, fn: () => Promise<void> | void): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  console.log(`${label.padEnd(34)} median ${(median / 1000).toFixed(2)} s  (runs: ${times.map((t) => (t / 1000).toFixed(2)).join(', ')})`);
  return median;
}

let n = 0;
const fresh = () => join(work, `out-${n++}`);
const compressed = debs.reduce((sum, f) => sum + readFileSync(f).byteLength, 0);
console.log(`machine: nproc=${cpus().length}, cpu=${cpus()[0]?.model ?? '?'}, node=${process.version}`);
console.log(`input: ${debs.length} .debs, ${(compressed / 2 ** 20).toFixed(1)} MiB compressed`);

const peer = await timed('dpkg-deb -x loop', () => {
  const out = fresh();
  execFileSync('bash', ['-c', `mkdir -p '${out}' && for d in "$@"; do dpkg-deb -x "$d" '${out}'; done`, 'bench', ...debs]);
  rmSync(out, { recursive: true, force: true });
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

/**
 * Benchmark: `distrokit store-image` against nixpkgs' current make-ext4-fs.nix
 * recipe on the same closure of about 30,000 files: a real store made by
 * `nix-store --add` of COPIES copies each of /usr/share/perl and
 * /usr/lib/python3 (the paths are cached in WORK/store-paths; adding is slow),
 * described by a closureInfo directory (store-paths, registration).
 *
 * nixpkgs' side, as its buildCommand does it: cp -a the store paths into
 * ./rootImage/nix/store, copy the registration, size with find/du × 1.10,
 * `faketime -f "1970-01-01 00:00:01" fakeroot mkfs.ext4 -L -U -d`, `fsck.ext4 -n -f`,
 * `resize2fs -M`, then `resize2fs` to the block count + 16 MiB.
 * distrokit's side: `bin/distrokit store-image --closure-info` (node start-up
 * included), with the default sizing and with --size-heuristic nixpkgs-current.
 * Both end to end, wall clock, warm page cache, one run each; prints Markdown.
 *
 * Run: npx tsc -p tsconfig.build.json && node dist/bench/store-image.js [--work DIR] [--copies N] [--keep]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { machineLine } from './lib.js';

const args = process.argv.slice(2);
const opt = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const work = opt('--work') ?? join(process.env.DISTROKIT_CACHE ?? join(process.env.HOME ?? '/tmp', '.cache', 'distrokit'), 'bench-store-image');
const copies = Number(opt('--copies') ?? 7);
const keep = args.includes('--keep');
const BIN = fileURLToPath(new URL('../../bin/distrokit', import.meta.url));
const NIX_ENV = { ...process.env, NIX_CONFIG: 'build-users-group =\nsandbox = false' };
const SOURCES = ['/usr/share/perl', '/usr/lib/python3'];

function sh(script: string, env: NodeJS.ProcessEnv = process.env): string {
  return execFileSync('bash', ['-euc', script], { encoding: 'utf8', maxBuffer: 1 << 28, env });
}

function nix(args: string[]): string {
  return execFileSync('nix-store', args, { encoding: 'utf8', env: NIX_ENV, maxBuffer: 1 << 28 });
}

/** The store paths, added once and recorded; re-added if the store lost them. */
function storePaths(): string[] {
  const list = join(work, 'store-paths');
  if (existsSync(list)) {
    const paths = readFileSync(list, 'utf8').trim().split('\n');
    if (spawnSync('nix-store', ['--check-validity', ...paths], { env: NIX_ENV }).status === 0) return paths;
  }
  const staging = join(work, 'staging');
  const paths: string[] = [];
  for (let i = 0; i < copies; i++) {
    for (const src of SOURCES) {
      const name = `${src.split('/').pop()}-copy-${i}`;
      rmSync(join(staging, name), { recursive: true, force: true });
      mkdirSync(staging, { recursive: true });
      sh(`cp -a '${src}' '${join(staging, name)}'`);
      paths.push(nix(['--add', join(staging, name)]).trim());
      rmSync(join(staging, name), { recursive: true, force: true });
    }
  }
  writeFileSync(list, `${paths.join('\n')}\n`);
  return paths;
}

/** closureInfo: store-paths and the load-db registration, as nixpkgs' closureInfo writes them. */
function closureInfo(paths: string[]): string {
  const dir = join(work, 'closure-info');
  mkdirSync(dir, { recursive: true });
  const sorted = [...paths].sort();
  writeFileSync(join(dir, 'store-paths'), `${sorted.join('\n')}\n`);
  const lines: string[] = [];
  for (const p of sorted) lines.push(p, nix(['-q', '--hash', p]).trim(), nix(['-q', '--size', p]).trim(), '', '0');
  writeFileSync(join(dir, 'registration'), `${lines.join('\n')}\n`);
  return dir;
}

function timed(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return (performance.now() - t0) / 1000;
}

/** nixpkgs' current buildCommand (compressImage = false, no populateImageCommands). */
function nixpkgsRecipe(ci: string, img: string): { seconds: number; bytes: number; log: string } {
  const dir = join(work, 'nixpkgs');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  rmSync(img, { force: true });
  let log = '';
  const seconds = timed(() => {
    log = sh(
      `cd '${dir}'
mkdir -p ./files
mkdir -p ./rootImage/nix/store
xargs -I % cp -a --reflink=auto % -t ./rootImage/nix/store/ < '${ci}/store-paths'
cp '${ci}/registration' ./rootImage/nix-path-registration
numInodes=$(find ./rootImage | wc -l)
numDataBlocks=$(du -s -c -B 4096 --apparent-size ./rootImage | tail -1 | awk '{ print int($1 * 1.10) }')
bytes=$((2 * 4096 * $numInodes + 4096 * $numDataBlocks))
echo "Creating an EXT4 image of $bytes bytes (numInodes=$numInodes, numDataBlocks=$numDataBlocks)"
truncate -s $bytes '${img}'
faketime -f "1970-01-01 00:00:01" fakeroot mkfs.ext4 -q -L nixos -U 44444444-4444-4444-8888-888888888888 -d ./rootImage '${img}'
export EXT2FS_NO_MTAB_OK=yes
fsck.ext4 -n -f '${img}' >/dev/null
resize2fs -M '${img}' 2>&1 | tail -1
new_size=$(dumpe2fs -h '${img}' 2>/dev/null | awk -F: '/Block count/{count=$2} /Block size/{size=$2} END{print (count*size+16*2**20)/size}')
resize2fs '${img}' $new_size 2>&1 | tail -1
`,
    );
  });
  rmSync(dir, { recursive: true, force: true });
  return { seconds, bytes: statSync(img).size, log };
}

function distrokit(ci: string, img: string, extra: string[]): { seconds: number; bytes: number; summary: { ext4: { freeBlocks: number; freeInodes: number } } } {
  rmSync(img, { force: true });
  let out = '';
  const seconds = timed(() => {
    out = execFileSync(BIN, ['store-image', '--out', img, '--closure-info', ci, '--label', 'nixos', '--json', ...extra], { encoding: 'utf8', maxBuffer: 1 << 26 });
  });
  return { seconds, bytes: statSync(img).size, summary: JSON.parse(out) };
}

function e2fsckSummary(img: string): string {
  const r = spawnSync('e2fsck', ['-fn', img], { encoding: 'utf8' });
  const lines = r.stdout.trim().split('\n');
  return `rc ${r.status}, ${lines.length} lines: ${lines.at(-1)}`;
}

mkdirSync(work, { recursive: true });
const t0 = performance.now();
const paths = storePaths();
const prepSeconds = (performance.now() - t0) / 1000;
const ci = closureInfo(paths);
const entries = Number(sh(`find $(cat '${ci}/store-paths') | wc -l`).trim());
const apparent = sh(`du -s -c -B 1 --apparent-size $(cat '${ci}/store-paths') | tail -1`).trim().split(/\s+/)[0];
// Warm the page cache for both sides alike.
sh(`cat $(find $(cat '${ci}/store-paths') -type f) > /dev/null`);

const nixImg = join(work, 'nixpkgs.img');
const ourImg = join(work, 'distrokit.img');
const ourCurImg = join(work, 'distrokit-current.img');
const theirs = nixpkgsRecipe(ci, nixImg);
const ours = distrokit(ci, ourImg, []);
const oursCurrent = distrokit(ci, ourCurImg, ['--size-heuristic', 'nixpkgs-current']);

const mib = (n: number) => (n / 2 ** 20).toFixed(1);
const pct = (a: number, b: number) => `${(((a - b) / b) * 100).toFixed(1)} %`;
console.log(`## store-image vs nixpkgs make-ext4-fs.nix (current)\n`);
console.log(`machine: ${machineLine()}, ${new Date().toISOString()}`);
console.log(`closure: ${paths.length} store paths (${copies}× ${SOURCES.join(' + ')}), ${entries} entries, ${apparent} bytes apparent; store ${prepSeconds > 1 ? `added in ${prepSeconds.toFixed(1)} s` : 'cached'}\n`);
console.log('| build | wall (s) | image (MiB) | vs nixpkgs time | vs nixpkgs size |');
console.log('|---|---|---|---|---|');
console.log(`| nixpkgs recipe (cp -a, mkfs.ext4 -d, fsck, resize2fs -M, +16 MiB) | ${theirs.seconds.toFixed(2)} | ${mib(theirs.bytes)} | 1 | 0 % |`);
console.log(`| distrokit store-image (default: minimum + max(16 MiB, 10 %)) | ${ours.seconds.toFixed(2)} | ${mib(ours.bytes)} | ×${(theirs.seconds / ours.seconds).toFixed(1)} faster | ${pct(ours.bytes, theirs.bytes)} |`);
console.log(`| distrokit store-image --size-heuristic nixpkgs-current (minimum + 16 MiB) | ${oursCurrent.seconds.toFixed(2)} | ${mib(oursCurrent.bytes)} | ×${(theirs.seconds / oursCurrent.seconds).toFixed(1)} faster | ${pct(oursCurrent.bytes, theirs.bytes)} |`);
console.log('');
console.log(`nixpkgs log: ${theirs.log.trim().split('\n').join(' / ')}`);
console.log(`free after build: distrokit default ${ours.summary.ext4.freeBlocks} blocks, ${ours.summary.ext4.freeInodes} inodes; nixpkgs-current ${oursCurrent.summary.ext4.freeBlocks} blocks, ${oursCurrent.summary.ext4.freeInodes} inodes`);
console.log(`nixpkgs image: ${sh(`dumpe2fs -h '${nixImg}' 2>/dev/null | grep -E '^(Block count|Free blocks|Inode count|Free inodes):' | tr -s ' ' | paste -sd ';'`).trim()}`);
for (const img of [ourImg, ourCurImg, nixImg]) console.log(`e2fsck -fn ${img.split('/').pop()}: ${e2fsckSummary(img)}`);
if (!keep) for (const img of [ourImg, ourCurImg, nixImg]) rmSync(img, { force: true });

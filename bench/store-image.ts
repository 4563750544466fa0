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
 * `resize2fs -M`, then `resize2fs` to the block count + 16 MiB (2^20 for its 2**20: Debian's awk is mawk).
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

/** Wall and CPU (user+sys, children included) seconds of a bash script, from /usr/bin/time. */
interface Step {
  name: string;
  wall: number;
  cpu: number;
}

function step(name: string, script: string, cwd: string): Step {
  const r = spawnSync('/usr/bin/time', ['-f', '@@time %e %U %S', 'bash', '-euc', script], { cwd, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${name} failed: ${r.stderr}`);
  const [wall, user, sys] = r.stderr.split('\n').find((l) => l.startsWith('@@time '))!.slice(7).split(' ').map(Number) as [number, number, number];
  return { name, wall, cpu: user + sys };
}

const total = (steps: Step[]) => ({ wall: steps.reduce((n, s) => n + s.wall, 0), cpu: steps.reduce((n, s) => n + s.cpu, 0) });

/** nixpkgs' current buildCommand (compressImage = false, no populateImageCommands), step by step. */
function nixpkgsRecipe(ci: string, img: string): { steps: Step[]; bytes: number; sizeLine: string } {
  const dir = join(work, 'nixpkgs');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  rmSync(img, { force: true });
  const steps = [
    step('cp -a the store paths, the registration', `mkdir -p ./files ./rootImage/nix/store
xargs -I % cp -a --reflink=auto % -t ./rootImage/nix/store/ < '${ci}/store-paths'
cp '${ci}/registration' ./rootImage/nix-path-registration`, dir),
    step('find/du sizing, truncate', `numInodes=$(find ./rootImage | wc -l)
numDataBlocks=$(du -s -c -B 4096 --apparent-size ./rootImage | tail -1 | awk '{ print int($1 * 1.10) }')
bytes=$((2 * 4096 * $numInodes + 4096 * $numDataBlocks))
echo "Creating an EXT4 image of $bytes bytes (numInodes=$numInodes, numDataBlocks=$numDataBlocks)" > size.log
truncate -s $bytes '${img}'`, dir),
    step('faketime fakeroot mkfs.ext4 -d', `faketime -f "1970-01-01 00:00:01" fakeroot mkfs.ext4 -q -L nixos -U 44444444-4444-4444-8888-888888888888 -d ./rootImage '${img}'`, dir),
    step('fsck.ext4 -n -f', `EXT2FS_NO_MTAB_OK=yes fsck.ext4 -n -f '${img}' > /dev/null 2>&1`, dir),
    step('resize2fs -M', `resize2fs -M '${img}' > /dev/null 2>&1`, dir),
    step('resize2fs to +16 MiB', `new_size=$(dumpe2fs -h '${img}' 2>/dev/null | awk -F: '/Block count/{count=$2} /Block size/{size=$2} END{print (count*size+16*2^20)/size}')
resize2fs '${img}' $new_size > /dev/null 2>&1`, dir),
  ];
  const sizeLine = readFileSync(join(dir, 'size.log'), 'utf8').trim();
  rmSync(dir, { recursive: true, force: true });
  return { steps, bytes: statSync(img).size, sizeLine };
}

function distrokit(ci: string, img: string, extra: string[]): { step: Step; bytes: number; summary: { ext4: { freeBlocks: number; freeInodes: number } } } {
  rmSync(img, { force: true });
  const json = `${img}.json`;
  const s = step(`distrokit store-image ${extra.join(' ')}`.trim(), `'${BIN}' store-image --out '${img}' --closure-info '${ci}' --label nixos --json ${extra.join(' ')} > '${json}'`, work);
  const summary = JSON.parse(readFileSync(json, 'utf8'));
  rmSync(json);
  return { step: s, bytes: statSync(img).size, summary };
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
sh(`find $(cat '${ci}/store-paths') -type f -print0 | xargs -0 cat > /dev/null`);

const nixImg = join(work, 'nixpkgs.img');
const ourImg = join(work, 'distrokit.img');
const ourCurImg = join(work, 'distrokit-current.img');
// bin/distrokit compiles the checkout when a source is newer than dist/: never inside a timed run.
execFileSync(BIN, ['--version']);
// The floor of any builder: walk the closure (lstat every entry) and read every file once, in one node process.
const FLOOR_JS = `const fs=require('fs'),p=require('path');for(const r of fs.readFileSync(process.argv[1],'utf8').trim().split('\\n')){const s=[r];while(s.length){const d=s.pop();const st=fs.lstatSync(d);if(st.isDirectory())for(const n of fs.readdirSync(d))s.push(p.join(d,n));else if(st.isFile())fs.readFileSync(d)}}`;
const readFloor = step('floor: lstat every entry and read every file once (one node process)', `node -e "${FLOOR_JS}" '${ci}/store-paths'`, work);
// The floor of any builder in any language: walk the closure and copy every file's bytes once into one file (C tools).
const copyFloor = step('floor (C): find over the closure, then every file copied once into one file (xargs cat)', `mapfile -t P < '${ci}/store-paths'
find "\${P[@]}" -printf '%s\\n' > /dev/null
find "\${P[@]}" -type f -print0 | xargs -0 cat > floor.bytes
rm -f floor.bytes`, work);
const theirs = nixpkgsRecipe(ci, nixImg);
const ours = distrokit(ci, ourImg, []);
const oursCurrent = distrokit(ci, ourCurImg, ['--size-heuristic', 'nixpkgs-current']);
const t = total(theirs.steps);

const mib = (n: number) => (n / 2 ** 20).toFixed(1);
const pct = (a: number, b: number) => `${a >= b ? '+' : ''}${(((a - b) / b) * 100).toFixed(1)} %`;
const f = (x: number) => x.toFixed(2);
console.log(`## store-image vs nixpkgs make-ext4-fs.nix (current)\n`);
console.log(`machine: ${machineLine()}, ${new Date().toISOString()}`);
console.log(`closure: ${paths.length} store paths (${copies}× ${SOURCES.join(' + ')}), ${entries} entries, ${apparent} bytes apparent; store ${prepSeconds > 1 ? `added in ${prepSeconds.toFixed(1)} s` : 'cached'}\n`);
console.log('Wall (CPU user+sys) seconds, one run each, warm page cache.\n');
console.log('| build | wall (CPU) s | image (MiB) | nixpkgs / this, wall (CPU) | size vs nixpkgs |');
console.log('|---|---|---|---|---|');
console.log(`| nixpkgs recipe, total | ${f(t.wall)} (${f(t.cpu)}) | ${mib(theirs.bytes)} | 1 | 0 % |`);
for (const s of theirs.steps) console.log(`| &nbsp;&nbsp;${s.name} | ${f(s.wall)} (${f(s.cpu)}) | | | |`);
for (const [o, label] of [[ours, 'default: minimum + max(16 MiB, 10 %)'], [oursCurrent, '--size-heuristic nixpkgs-current: minimum + 16 MiB']] as const) {
  console.log(`| distrokit store-image, ${label} | ${f(o.step.wall)} (${f(o.step.cpu)}) | ${mib(o.bytes)} | ×${(t.wall / o.step.wall).toFixed(1)} (×${(t.cpu / o.step.cpu).toFixed(1)}) | ${pct(o.bytes, theirs.bytes)} |`);
}
console.log(`| ${readFloor.name} | ${f(readFloor.wall)} (${f(readFloor.cpu)}) | | | |`);
console.log(`| ${copyFloor.name} | ${f(copyFloor.wall)} (${f(copyFloor.cpu)}) | | | |`);
console.log('');
console.log(`nixpkgs sizing: ${theirs.sizeLine}`);
console.log(`free after build: distrokit default ${ours.summary.ext4.freeBlocks} blocks, ${ours.summary.ext4.freeInodes} inodes; nixpkgs-current ${oursCurrent.summary.ext4.freeBlocks} blocks, ${oursCurrent.summary.ext4.freeInodes} inodes`);
console.log(`nixpkgs image: ${sh(`dumpe2fs -h '${nixImg}' 2>/dev/null | grep -E '^(Block count|Free blocks|Inode count|Free inodes):' | tr -s ' ' | paste -sd ';'`).trim()}`);
for (const img of [ourImg, ourCurImg, nixImg]) console.log(`e2fsck -fn ${img.split('/').pop()}: ${e2fsckSummary(img)}`);
if (!keep) for (const img of [ourImg, ourCurImg, nixImg]) rmSync(img, { force: true });

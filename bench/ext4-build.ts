/**
 * Benchmark: distrokit's ext4 writer against `mkfs.ext4 -d` (the tool nixpkgs
 * uses), into an image of the same size and inode count, on
 *   1. a copy of /usr/share,
 *   2. a 101,000-entry tree (1,000 directories × 100 files of 0–16 KiB),
 *   3. single directories of 5,000 / 10,000 / 50,000 empty files (linearity;
 *      mkfs.ext4 is run only up to 10,000 because it is quadratic there),
 * plus the floor: reading every file of the tree and writing the image's bytes.
 * Wall-clock times with a warm page cache; prints a Markdown table.
 *
 * Run: node dist/bench/ext4-build.js [--keep] [--work DIR] [--only usr-share,101k,wide] [--threads N] [--no-mkfs] [--repeat N]
 * (--only picks workloads; --threads is passed to writeExt4, default its own choice;
 * --no-mkfs skips mkfs.ext4, e.g. to repeat distrokit runs quickly; --repeat N reports
 * distrokit's fastest of N runs).
 */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync, openSync, closeSync, writeSync, readdirSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeExt4, type Ext4Summary } from '../src/image/write.js';
import { treeFromDirectory } from '../src/tree/from-dir.js';

const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1]!.split(',') : null;
const repeat = args.includes('--repeat') ? Number(args[args.indexOf('--repeat') + 1]) : 1;
const threads = args.includes('--threads') ? Number(args[args.indexOf('--threads') + 1]) : undefined;
const work = args.includes('--work') ? args[args.indexOf('--work') + 1]! : join(process.env.DISTROKIT_CACHE ?? join(process.env.HOME ?? '/tmp', '.cache', 'distrokit'), 'bench-ext4');
mkdirSync(work, { recursive: true });

function sh(script: string): string {
  return execFileSync('bash', ['-euc', script], { encoding: 'utf8', maxBuffer: 1 << 26 });
}

async function time<T>(fn: () => Promise<T> | T): Promise<[number, T]> {
  const t0 = performance.now();
  const v = await fn();
  return [(performance.now() - t0) / 1000, v];
}

function prepare(name: string, script: string | ((dir: string) => void)): string {
  const dir = join(work, name);
  const stamp = join(work, `${name}.done`);
  try {
    statSync(stamp);
  } catch {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    if (typeof script === 'string') sh(script.replaceAll('$DIR', `'${dir}'`));
    else script(dir);
    writeFileSync(stamp, '');
  }
  return dir;
}

/** Wall and CPU (user+sys) seconds of one distrokit build, in this process. */
// extraPercent 5 replaces the default headroom: the minimum plus exactly 5 %, as the runs in RESULTS-ext4.md
// were made; mkfs.ext4 gets the same block and inode count, so the comparison does not depend on the headroom.
async function ours(dir: string, img: string): Promise<[number, number, Ext4Summary]> {
  rmSync(img, { force: true });
  const cpu0 = process.cpuUsage();
  const [wall, s] = await time(async () => writeExt4(await treeFromDirectory(dir, { xattrs: false }), img, { sourceDateEpoch: 1, owner: { uid: 0, gid: 0 }, extraPercent: 5, threads }));
  const cpu = process.cpuUsage(cpu0);
  return [wall, (cpu.user + cpu.system) / 1e6, s];
}

/** Wall and CPU seconds of mkfs.ext4 -d into an image of the same size and inode count. */
function mke2fs(dir: string, img: string, s: Ext4Summary): [number, number] {
  rmSync(img, { force: true });
  const out = sh(
    `TIMEFORMAT='%R %U %S'; { time mkfs.ext4 -q -F -b 4096 -I 256 -N ${s.inodes} -E root_owner=0:0,no_copy_xattrs -d '${dir}' '${img}' ${s.blocks} >/dev/null 2>&1 ; } 2>&1`,
  );
  const [wall, user, sys] = out.trim().split('\n').pop()!.split(' ').map(Number) as [number, number, number];
  return [wall, user + sys];
}

/** The floor: read every file of the tree once, and write as many bytes as the image holds in data. */
function floor(dir: string, img: string): number {
  const t0 = performance.now();
  const stack = [dir];
  while (stack.length) {
    const d = stack.pop()!;
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = lstatSync(p);
      if (st.isDirectory()) stack.push(p);
      else if (st.isFile()) readFileSync(p);
    }
  }
  const used = statSync(img).blocks * 512;
  const out = `${img}.floor`;
  const fd = openSync(out, 'w');
  const buf = Buffer.alloc(16 << 20, 1);
  for (let at = 0; at < used; at += buf.length) writeSync(fd, buf, 0, Math.min(buf.length, used - at), at);
  closeSync(fd);
  rmSync(out);
  return (performance.now() - t0) / 1000;
}

function fsckClean(img: string): boolean {
  try {
    return execFileSync('e2fsck', ['-fn', img], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n').length === 6;
  } catch {
    return false;
  }
}

const rows: string[] = [];
/** Whether a workload was asked for (all without --only); trees are only generated when wanted. */
function wanted(key: string): boolean {
  return only === null || only.includes(key);
}
async function compare(label: string, dir: string, withPeer = true): Promise<void> {
  const img = join(work, 'ours.img');
  const peer = join(work, 'peer.img');
  sh(`cat $(find '${dir}' -type f | head -100000) > /dev/null 2>&1 || true`); // warm the page cache for both
  // Best of --repeat N runs (default 1): the machine is shared, and the first run also pays for JIT warm-up.
  let [tOurs, cOurs, s] = await ours(dir, img);
  for (let i = 1; i < repeat; i++) {
    const [t, c] = await ours(dir, img);
    if (t < tOurs) [tOurs, cOurs] = [t, c];
  }
  const clean = fsckClean(img);
  const tFloor = floor(dir, img);
  withPeer &&= !args.includes('--no-mkfs');
  const [tPeer, cPeer] = withPeer ? mke2fs(dir, peer, s) : [NaN, NaN];
  const peerCell = withPeer ? `${tPeer.toFixed(2)} s (${cPeer.toFixed(2)} s)` : 'not run';
  const ratio = withPeer ? `${(tPeer / tOurs).toFixed(1)}× (${(cPeer / cOurs).toFixed(1)}×)` : '—';
  rows.push(
    `| ${label} | ${(s.bytes / 2 ** 20).toFixed(0)} MiB / ${s.inodes - s.freeInodes} inodes | ${tOurs.toFixed(2)} s (${cOurs.toFixed(2)} s) | ${peerCell} | ${ratio} | ${tFloor.toFixed(2)} s | ${(tOurs / tFloor).toFixed(1)}× | ${clean ? 'clean' : 'NOT clean'} |`,
  );
  process.stderr.write(`${rows[rows.length - 1]}\n`);
  if (!args.includes('--keep')) rmSync(peer, { force: true });
}

const usrShare = wanted('usr-share') ? prepare('usr-share', 'cp -a /usr/share/. $DIR/') : '';
/** 1,000 directories × 100 files of 0–16 KiB of pseudo-random bytes (generated here: a process per file is too slow). */
function make101k(dir: string): void {
  let x = 12345;
  for (let d = 0; d < 1000; d++) {
    mkdirSync(join(dir, `d${d}`));
    for (let f = 0; f < 100; f++) {
      const size = ((d * 100 + f) * 2654435761) % 16385;
      const b = Buffer.allocUnsafe(size);
      for (let i = 0; i < size; i++) {
        x = (x * 1103515245 + 12345) >>> 0;
        b[i] = x >>> 24;
      }
      writeFileSync(join(dir, `d${d}`, `f${f}`), b);
    }
  }
}
const tree101k = wanted('101k') ? prepare('tree-101k', make101k) : '';
const wide = (n: number): string => prepare(`wide-${n}`, `cd $DIR && mkdir dir && cd dir && seq 0 ${n - 1} | sed 's/^/entry-/' | xargs touch`);

if (wanted('usr-share')) await compare('copy of /usr/share', usrShare);
if (wanted('101k')) await compare('101,000 files in 1,000 dirs', tree101k);
if (wanted('wide')) {
  await compare('one dir, 5,000 entries', wide(5000));
  await compare('one dir, 10,000 entries', wide(10000));
  await compare('one dir, 50,000 entries', wide(50000), false);
}

const cpu = cpus()[0]?.model ?? 'unknown';
const e2fsVersion = sh('mkfs.ext4 -V 2>&1 | head -1').trim();
process.stdout.write(
  `machine: nproc=${cpus().length}, CPU ${cpu}, node ${process.version}, ${e2fsVersion}, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}\n\n` +
    'Times are wall (CPU user+sys) seconds, warm page cache, on a shared machine.\n\n' +
    '| workload | image | distrokit | mkfs.ext4 -d | mkfs / distrokit | floor (read tree + write image bytes) | distrokit / floor | e2fsck -fn |\n' +
    '|---|---|---|---|---|---|---|---|\n' +
    `${rows.join('\n')}\n`,
);

/**
 * VM boot time: from spawning QEMU to the guest command starting (the first
 * byte on the command's stdout port; the command is `echo started`), to QEMU's
 * exit, and QEMU's CPU time (user + system, which host load inflates less
 * than wall time). Variants, each adding one change to the one before:
 *   - before: the bzImage as Debian ships it (it decompresses itself in the
 *     guest), an LZ4 initrd, SeaBIOS, the kernel line without GUEST_KERNEL_PARAMS;
 *   - PVH: the inflated vmlinux from the boot cache, booted directly;
 *   - + GUEST_KERNEL_PARAMS (cryptomgr.notests=1);
 *   - + uncompressed base initrd;
 *   - + qboot: the runner as it is now (runQemuArgs unchanged);
 *   - each --try PARAMS: the runner plus those kernel parameters;
 *   - floor: the runner with an /init that only writes a marker to the
 *     console and powers off (no modules, no stage 1).
 * Variants run interleaved, one of each per round, so drifting host load hits
 * them alike. Then `prepareGuest` on a warm boot cache, and `vm run -- true`
 * end to end through the CLI. Uses the default packages (downloaded into the
 * vm cache if needed) and TCG unless the host has KVM.
 *
 *   node dist/bench/vm-boot.js [--runs N] [--try "mitigations=off …"]… [--machine pc]
 */
import { spawn, spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeInitrd } from '../src/initrd/build.js';
import { compressLz4Legacy } from '../src/initrd/lz4-legacy.js';
import { addPath } from '../src/initrd/stage1.js';
import { SpoolStore } from '../src/tree/content-store.js';
import { layPackages } from '../src/tree/packages.js';
import { contentChunks } from '../src/tree/sink-dir.js';
import type { DirNode, TreeNode } from '../src/tree/types.js';
import { GUEST_KERNEL_PARAMS, qbootPath } from '../src/vm/boot-params.js';
import { prepareGuest } from '../src/vm/guest.js';
import { fetchGuestPackage, resolveGuestPackages } from '../src/vm/packages.js';
import { kvmUsable } from '../src/vm/qemu.js';
import { runFiles, writeRunInitrd } from '../src/vm/run-initrd.js';
import { runQemuArgs } from '../src/vm/run.js';
import { cacheDir } from '../src/fetch/cache.js';
import { collectBytes } from '../formats/bytes.js';
import { machineLine, median } from './lib.js';

const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const runs = Number(option('--runs') ?? 5);
const tries = args.flatMap((a, i) => (a === '--try' ? [args[i + 1]!] : []));
const machine = option('--machine');
const accel = kvmUsable() ? 'kvm' : 'tcg';
const cli = fileURLToPath(new URL('../src/cli/run.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'distrokit-bench-vm-'));
// The runner's machine defaults (a variable, not a literal: runQemuArgs's options type differs between versions).
const machineOptions = {};
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

interface Variant {
  name: string;
  kernel: string;
  initrd: string;
  append: (base: string) => string;
  /** Keep the runner's firmware (-bios qboot when it has it); false: QEMU's default (SeaBIOS). */
  firmware: boolean;
  /** Wait for this text on the console instead of the stdout port. */
  marker?: string;
}

interface Sample {
  command?: number;
  exit: number;
  cpu: number;
}

function child(root: DirNode, path: string): TreeNode | undefined {
  let node: TreeNode | undefined = root;
  for (const part of path.split('/')) node = node?.type === 'dir' ? node.children.get(part) : undefined;
  return node;
}

/** The bzImage and busybox from the default .debs (for the "before" and floor variants). */
async function fromDebs(): Promise<{ bzImage: string; floorInitrd: string }> {
  const packages = await resolveGuestPackages({ cacheDir: cacheDir('vm') });
  const store = new SpoolStore({ dir: work });
  try {
    const kernelTree = await layPackages([await fetchGuestPackage(packages.kernel, cacheDir('vm'))], { store });
    const boot = child(kernelTree.root, 'boot');
    const name = boot?.type === 'dir' ? [...boot.children.keys()].find((n) => n.startsWith('vmlinuz-'))! : '';
    const image = child(kernelTree.root, `boot/${name}`);
    if (image?.type !== 'file') throw new Error('no vmlinuz in the kernel .deb');
    const bzImage = join(work, name);
    writeFileSync(bzImage, await collectBytes(contentChunks(image.content)));
    const busyboxTree = await layPackages([await fetchGuestPackage(packages.busybox, cacheDir('vm'))], { store });
    const busybox = child(busyboxTree.root, 'bin/busybox');
    if (busybox?.type !== 'file') throw new Error('no bin/busybox in busybox-static');
    const meta = { uid: 0, gid: 0, mtime: { sec: 0, nsec: 0 } };
    const root: DirNode = { ...meta, perm: 0o755, type: 'dir', children: new Map() };
    for (const d of ['dev', 'proc']) addPath(root, d, { ...meta, perm: 0o755, type: 'dir', children: new Map() });
    addPath(root, 'dev/console', { ...meta, perm: 0o600, type: 'chardev', major: 5, minor: 1 });
    addPath(root, 'bin/busybox', { ...meta, perm: 0o755, type: 'file', size: busybox.size, content: busybox.content });
    const init = new TextEncoder().encode('#!/bin/busybox sh\n/bin/busybox echo distrokit-floor-marker\n/bin/busybox poweroff -f\n');
    addPath(root, 'init', { ...meta, perm: 0o755, type: 'file', size: init.length, content: { kind: 'bytes', data: init } });
    const floorInitrd = join(work, 'floor.img');
    await writeInitrd(root, floorInitrd, { compression: 'none' });
    return { bzImage, floorInitrd };
  } finally {
    await store.close();
  }
}

/** One boot: spawn → first stdout byte (or console marker) → exit, and QEMU's CPU seconds. */
async function boot(v: Variant): Promise<Sample> {
  const dir = mkdtempSync(join(work, 'run-'));
  const files = { console: join(dir, 'console'), stdout: join(dir, 'stdout'), stderr: join(dir, 'stderr'), status: join(dir, 'status') };
  const qemuArgs = runQemuArgs(v.kernel, v.initrd, files, machineOptions, accel);
  const at = qemuArgs.indexOf('-append');
  qemuArgs[at + 1] = v.append(qemuArgs[at + 1]!);
  if (!v.firmware && qemuArgs.includes('-bios')) qemuArgs.splice(qemuArgs.indexOf('-bios'), 2);
  if (machine) qemuArgs[qemuArgs.indexOf('-machine') + 1] = machine;
  const cpuFile = join(dir, 'cpu');
  const started = performance.now();
  const qemu = spawn('/usr/bin/time', ['-f', '%U %S', '-o', cpuFile, 'qemu-system-x86_64', ...qemuArgs], { stdio: 'ignore' });
  let command: number | undefined;
  const poll = setInterval(() => {
    if (command !== undefined) return;
    const seen = v.marker ? (() => {
      try {
        return readFileSync(files.console, 'latin1').includes(v.marker!);
      } catch {
        return false;
      }
    })() : (statSync(files.stdout, { throwIfNoEntry: false })?.size ?? 0) > 0;
    if (seen) command = performance.now() - started;
  }, 5);
  const code = await new Promise<number | null>((resolve) => qemu.on('close', resolve));
  clearInterval(poll);
  const exit = performance.now() - started;
  if (code !== 0) throw new Error(`${v.name}: qemu exited with ${code}; console:\n${readFileSync(files.console, 'utf8').slice(-2000)}`);
  const [user, sys] = readFileSync(cpuFile, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number);
  rmSync(dir, { recursive: true, force: true });
  return { command, exit, cpu: user! + sys! };
}

const s = (ms: number | undefined) => (ms === undefined ? '–' : (ms / 1000).toFixed(2));

try {
  console.log(`${machineLine()}; accel ${accel}; QEMU ${spawnSync('qemu-system-x86_64', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0]}`);
  // The boot cache: cold if this is the first run with these packages, then warm.
  let t = performance.now();
  const first = await prepareGuest({ command: ['echo', 'started'] }, mkdtempSync(join(work, 'prep-')));
  const firstMs = performance.now() - t;
  const warm: number[] = [];
  for (let i = 0; i < runs; i++) {
    t = performance.now();
    await prepareGuest({ command: ['echo', 'started'] }, mkdtempSync(join(work, 'prep-')));
    warm.push(performance.now() - t);
  }
  const guest = first;
  const { bzImage, floorInitrd } = await fromDebs();

  // The per-run initrd with the base LZ4-compressed, as before.
  const baseLz4 = join(work, 'base.lz4');
  await pipeline(Readable.from(compressLz4Legacy(createReadStream(join(guest.kernel, '..', 'initrd')))), createWriteStream(baseLz4));
  const lz4Initrd = join(work, 'initrd-lz4.img');
  await writeRunInitrd(baseLz4, runFiles(['echo', 'started']), lz4Initrd);
  const without = (line: string) => line.split(' ').filter((w) => !GUEST_KERNEL_PARAMS.includes(w)).join(' ');
  const asIs = (line: string) => line;
  const variants: Variant[] = [
    { name: 'before: bzImage, LZ4 initrd, SeaBIOS', kernel: bzImage, initrd: lz4Initrd, append: without, firmware: false },
    { name: 'PVH vmlinux', kernel: guest.kernel, initrd: lz4Initrd, append: without, firmware: false },
    { name: `+ ${GUEST_KERNEL_PARAMS.join(' ')}`, kernel: guest.kernel, initrd: lz4Initrd, append: asIs, firmware: false },
    { name: '+ uncompressed initrd', kernel: guest.kernel, initrd: guest.initrd, append: asIs, firmware: false },
    { name: `+ qboot (${qbootPath() ? 'the runner now' : 'not found: SeaBIOS'})`, kernel: guest.kernel, initrd: guest.initrd, append: asIs, firmware: true },
  ];
  for (const extra of tries) variants.push({ name: `runner + ${extra}`, kernel: guest.kernel, initrd: guest.initrd, append: (l) => `${l} ${extra}`, firmware: true });
  variants.push({ name: 'floor: runner, /init = echo marker; poweroff -f', kernel: guest.kernel, initrd: floorInitrd, append: asIs, marker: 'distrokit-floor-marker', firmware: true });

  const samples = new Map<Variant, Sample[]>(variants.map((v) => [v, []]));
  const loadBefore = load();
  for (let r = 0; r < runs; r++) for (const v of variants) samples.get(v)!.push(await boot(v));
  const loadAfter = load();

  const e2e: number[] = [];
  for (let i = 0; i < runs; i++) {
    t = performance.now();
    const res = spawnSync(process.execPath, [cli, 'vm', 'run', '--', 'true'], { stdio: ['ignore', 'ignore', 'pipe'] });
    if (res.status !== 0) throw new Error(`vm run -- true failed: ${res.stderr}`);
    e2e.push(performance.now() - t);
  }

  console.log(`\nboot cache: first prepareGuest ${s(firstMs)} s (${first.bootCache}), warm median ${s(median(warm))} s (${runs} runs)`);
  console.log(`\n${runs} rounds, load ${loadBefore} → ${loadAfter}; seconds from spawning QEMU:\n`);
  console.log('| variant | → command: min | median | → exit: median | QEMU CPU: median |');
  console.log('|---|---|---|---|---|');
  for (const v of variants) {
    const xs = samples.get(v)!;
    const cmd = xs.map((x) => x.command ?? Infinity);
    console.log(`| ${v.name} | ${s(Math.min(...cmd))} | ${s(median(cmd))} | ${s(median(xs.map((x) => x.exit)))} | ${median(xs.map((x) => x.cpu)).toFixed(2)} |`);
  }
  console.log(`\n\`vm run -- true\` end to end (${runs} runs, load now ${load()}): min ${s(Math.min(...e2e))} s, median ${s(median(e2e))} s`);
} finally {
  rmSync(work, { recursive: true, force: true });
}

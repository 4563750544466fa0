/**
 * buildDebianImage: package names (or a lock) → closure with install groups →
 * verified .debs → one natively unpacked tree → ext4 image → boot it and let
 * dpkg configure every package (maintainer scripts, triggers, database) → a
 * configured Debian system. The seed's makeImageFromDebDist.
 *
 * The image is written under a temporary name next to the target and renamed
 * only when the guest finished cleanly, so a failed build leaves nothing that
 * looks like a finished image.
 */
import { mkdtemp, open, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { decodeSuperblockCounts } from '../../../formats/ext4/superblock.js';
import { DistrokitError } from '../../../formats/errors.js';
import type { ClosureDocument } from '../../deb/output.js';
import { cacheDir } from '../../fetch/cache.js';
import { writeExt4, type Ext4Summary } from '../../image/write.js';
import { SpoolStore } from '../../tree/content-store.js';
import { sourceDateEpoch as sourceDateEpochFromEnv } from '../../tree/epoch.js';
import { layPackages } from '../../tree/packages.js';
import { temporaryOutputPath } from '../../tree/output-file.js';
import { Tree } from '../../tree/tree.js';
import type { DirNode, TreeNode } from '../../tree/types.js';
import { runInVm, type RunInVmOptions } from '../run.js';
import { installScript, type InstallMode, MARK } from './install-script.js';
import { obtainDebs, type ObtainOptions } from './obtain.js';
import { plainDeb } from './plain-deb.js';
import { planImage, type PlanOptions } from './plan.js';

export type ImageStage = 'resolve' | 'fetch' | 'unpack' | 'write' | 'configure';

export interface DebianImageOptions extends PlanOptions, Omit<ObtainOptions, 'onProgress'> {
  out: string;
  /** A closure already resolved (planImage's result): used instead of resolving `packages` or reading `lock`. */
  closure?: ClosureDocument;
  mode?: InstallMode;
  /** A shell command run in the configured guest at the end (the seed's postInstall); its failure fails the build. */
  postInstall?: string;
  /**
   * Give the guest's dpkg the .debs with data.tar uncompressed (default true):
   * the same install, without xz decompression under emulation. The copies
   * are made natively once and cached by the original's sha256.
   */
  uncompressed?: boolean;
  /** Image size: 'auto' (default: the tree plus room for dpkg and a first boot) or bytes. */
  size?: 'auto' | number;
  sourceDateEpoch?: number;
  /** Passed to the VM. */
  vm?: Pick<RunInVmOptions, 'kernel' | 'memoryMiB' | 'cpus' | 'timeoutMs' | 'accel' | 'signal' | 'onConsole'>;
  onProgress?: (event: ImageProgress) => void;
  /** Lines the guest printed that are not progress: the --post-install command's output. */
  onGuestOutput?: (line: string) => void;
}

export type ImageProgress =
  | { stage: ImageStage; state: 'start' | 'done'; seconds?: number; detail?: string }
  | { stage: ImageStage; state: 'step'; done: number; total: number; detail?: string };

export interface DebianImageSummary {
  image: string;
  packages: number;
  groups: number;
  /** Seconds per stage. */
  stages: Record<ImageStage, number>;
  bytes: number;
  freeBytes: number;
  freeInodes: number;
  kernelRelease: string;
  accel: 'kvm' | 'tcg';
  /**
   * Where the configure stage's time went, in seconds, from the guest's
   * progress lines as they arrived: boot (QEMU start to the script's first
   * line), unpack (dpkg unpacking every package again, running the preinsts),
   * configure (postinsts and triggers, the audit, the cleanup; in 'seed' mode
   * unpack and configure are one), postInstall, and shutdown (to QEMU's exit).
   */
  guest: { boot: number; unpack: number; configure: number; postInstall: number; shutdown: number };
}

const BLOCK = 4096;

/** Bytes and files each package put in the tree: the most dpkg needs free while it unpacks one again. */
function largestPackage(tree: Tree): { bytes: number; files: number } {
  const per = new Map<string, { bytes: number; files: number }>();
  for (const { parts, node } of tree.walk()) {
    if (parts.length === 0) continue;
    const entry = per.get(node.owner ?? '') ?? { bytes: 0, files: 0 };
    entry.files += 1;
    if (node.type === 'file') entry.bytes += Math.ceil(node.size / BLOCK) * BLOCK;
    per.set(node.owner ?? '', entry);
  }
  const all = [...per.values()];
  return { bytes: Math.max(0, ...all.map((e) => e.bytes)), files: Math.max(0, ...all.map((e) => e.files)) };
}

function exists(tree: Tree, paths: string[]): boolean {
  return paths.some((p) => tree.lookup(p) !== undefined);
}

/** The .debs as a tree for the guest's read-only /in disk, each under its pool file name. */
async function debsTree(debs: readonly { name: string; path: string }[]): Promise<DirNode> {
  const tree = new Tree({ implicitMtime: { sec: 0, nsec: 0 } });
  for (const { name, path } of debs) {
    const size = (await stat(path)).size;
    const node: TreeNode = { type: 'file', size, content: { kind: 'range', path, offset: 0, length: size }, perm: 0o644, uid: 0, gid: 0, mtime: { sec: 0, nsec: 0 } };
    tree.add(`/${name}`, node);
  }
  return tree.root;
}

/** The .debs the guest installs: uncompressed copies (plain-deb.ts), two made at a time, or the originals. */
async function guestDebs(doc: ClosureDocument, files: readonly string[], options: DebianImageOptions): Promise<{ name: string; path: string }[]> {
  const out: { name: string; path: string }[] = new Array(files.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < files.length) {
      const i = next++;
      const p = doc.packages[i]!;
      const name = basename(p.location!);
      out[i] = { name, path: options.uncompressed === false ? files[i]! : await plainDeb(files[i]!, p.checksum!.value, cacheDir('debs', 'plain')) };
      options.onProgress?.({ stage: 'fetch', state: 'step', done: ++done, total: files.length, detail: 'uncompressed copies for the guest' });
    }
  };
  await Promise.all([worker(), worker()]);
  return out;
}

class StageClock {
  readonly seconds = { resolve: 0, fetch: 0, unpack: 0, write: 0, configure: 0 } as Record<ImageStage, number>;
  constructor(private readonly onProgress?: (event: ImageProgress) => void) {}
  async run<T>(stage: ImageStage, fn: () => Promise<T>, detail?: (result: T) => string): Promise<T> {
    this.onProgress?.({ stage, state: 'start' });
    const started = performance.now();
    const result = await fn();
    this.seconds[stage] = (performance.now() - started) / 1000;
    this.onProgress?.({ stage, state: 'done', seconds: this.seconds[stage], detail: detail?.(result) });
    return result;
  }
}

export async function buildDebianImage(options: DebianImageOptions): Promise<DebianImageSummary> {
  const clock = new StageClock(options.onProgress);
  const progress = options.onProgress;
  const doc: ClosureDocument = await clock.run('resolve', async () => options.closure ?? planImage(options), (d) => `${d.packages.length} packages in ${d.groups.length} install groups`);
  const debs = await clock.run('fetch', async () => {
    const files = await obtainDebs(doc, { ...options, onProgress: (done, total) => progress?.({ stage: 'fetch', state: 'step', done, total }) });
    return guestDebs(doc, files, options);
  });
  const work = await mkdtemp(join(tmpdir(), 'distrokit-image-'));
  const store = new SpoolStore({ dir: work });
  const tmpImage = temporaryOutputPath(options.out);
  try {
    const tree = await clock.run('unpack', () =>
      // From the guest's copies: the same packages, and with data.tar uncompressed nothing is decompressed twice.
      layPackages(
        debs.map((d) => d.path),
        { store, onPackage: ({ index, total }) => progress?.({ stage: 'unpack', state: 'step', done: index + 1, total }) },
      ),
    );
    if (!exists(tree, ['/usr/bin/sh', '/bin/sh']) || !exists(tree, ['/usr/bin/dpkg', '/bin/dpkg']))
      throw new DistrokitError('IMAGE_NO_DPKG', 'the packages give no /bin/sh or no dpkg, which configuring them needs (is the Essential base left out?)', { file: options.out });
    const largest = largestPackage(tree);
    const summary: Ext4Summary = await clock.run('write', () =>
      writeExt4(tree.root, tmpImage, {
        size: options.size ?? 'auto',
        // The default headroom, plus room for dpkg to unpack the largest package again and for its database.
        extraPercent: 10,
        extraBlocks: 4096 + Math.ceil(largest.bytes / BLOCK) + 16384,
        extraInodes: 1000 + largest.files + 16 * doc.packages.length,
        sourceDateEpoch: options.sourceDateEpoch,
      }),
    );
    const vm = await clock.run('configure', async () => configure(doc, tmpImage, await debsTree(debs), options));
    const counts = await superblockCounts(tmpImage);
    await rename(tmpImage, options.out);
    return {
      image: options.out,
      packages: doc.packages.length,
      groups: doc.groups.length,
      stages: clock.seconds,
      bytes: summary.bytes,
      freeBytes: Number(counts.freeBlocks) * counts.blockSize,
      freeInodes: counts.freeInodes,
      kernelRelease: vm.kernelRelease,
      guest: vm.guest,
      accel: vm.accel,
    };
  } finally {
    await rm(tmpImage, { force: true });
    await store.close();
    await rm(work, { recursive: true, force: true });
  }
}

/** Free space as the guest left it (the kernel writes the counts to the superblock when it unmounts). */
async function superblockCounts(image: string) {
  const fh = await open(image, 'r');
  try {
    const sb = new Uint8Array(1024);
    await fh.read(sb, 0, 1024, 1024);
    const counts = decodeSuperblockCounts(sb);
    if (!counts) throw new DistrokitError('IMAGE_CONFIGURE_FAILED', 'the image has no ext4 superblock after the guest ran', { file: image });
    return counts;
  } finally {
    await fh.close();
  }
}

/** Boots the image read-write with the .debs on /in and runs the install script; maps its result to errors. */
async function configure(doc: ClosureDocument, image: string, debs: DirNode, options: DebianImageOptions) {
  const groupOf = new Map(doc.packages.map((p) => [p.name, p.group]));
  // dpkg reports a package installed again after its triggers ran: count each once.
  const seen = { unpacked: new Set<string>(), installed: new Set<string>() };
  let pending = '';
  const lines: string[] = [];
  const t0 = performance.now();
  const at: Record<'script' | 'installed' | 'postInstall' | 'done', number | undefined> = { script: undefined, installed: undefined, postInstall: undefined, done: undefined };
  const onLine = (line: string) => {
    if (!line.startsWith(MARK)) return options.onGuestOutput?.(line);
    at.script ??= performance.now();
    if (line.startsWith(`${MARK} installed `)) at.installed ??= performance.now();
    if (line === `${MARK} post-install`) at.postInstall = performance.now();
    if (line === `${MARK} done`) at.done = performance.now();
    lines.push(line);
    const [what, name] = line.slice(MARK.length).trim().split(' ');
    if (what === 'unpacked' || what === 'installed') {
      const pkg = name!.replace(/:[^:]*$/, '');
      if (seen[what].has(pkg)) return;
      seen[what].add(pkg);
      options.onProgress?.({ stage: 'configure', state: 'step', done: seen[what].size, total: doc.packages.length, detail: `${what} ${pkg} (group ${(groupOf.get(pkg) ?? -1) + 1}/${doc.groups.length})` });
    } else if (what === 'group') {
      const [done, of] = name!.split('/').map(Number);
      options.onProgress?.({ stage: 'configure', state: 'step', done: done!, total: of!, detail: `group ${name}` });
    }
  };
  const result = await runInVm({
    ...options.vm,
    memoryMiB: options.vm?.memoryMiB ?? 1024,
    cpus: options.vm?.cpus ?? 2,
    timeoutMs: options.vm?.timeoutMs ?? 3_600_000,
    image,
    write: true,
    in: debs,
    command: ['/bin/sh', '-c', installScript(doc, options.mode ?? 'fast', options.postInstall, options.sourceDateEpoch ?? sourceDateEpochFromEnv())],
    onStdout: (chunk) => {
      pending += chunk.toString();
      const parts = pending.split('\n');
      pending = parts.pop()!;
      parts.forEach(onLine);
    },
  });
  if (result.exitStatus !== 0) {
    const failed = lines.find((l) => l.startsWith(`${MARK} failed:`))?.slice(`${MARK} failed:`.length).trim();
    const packages = lines.filter((l) => l.startsWith(`${MARK} failed-package:`)).map((l) => l.slice(`${MARK} failed-package:`.length).trim());
    const output = result.stderr.toString().trim();
    const tail = output.split('\n').slice(-60).join('\n');
    if (packages.length)
      throw new DistrokitError('IMAGE_MAINTSCRIPT_FAILED', `${failed ?? 'dpkg failed'}: package${packages.length > 1 ? 's' : ''} ${packages.join(', ')} failed to install; dpkg's output:\n${tail}`, { entry: packages[0] });
    if (failed?.startsWith('post-install')) throw new DistrokitError('IMAGE_POST_INSTALL_FAILED', `${failed}; its output:\n${result.stdout.toString().split('\n').filter((l) => !l.startsWith(MARK)).slice(-40).join('\n')}${tail ? `\n${tail}` : ''}`, {});
    throw new DistrokitError('IMAGE_CONFIGURE_FAILED', `configuring the packages in the guest failed (exit status ${result.exitStatus})${failed ? `: ${failed}` : ''}\n${tail}`, {});
  }
  const end = performance.now();
  const script = at.script ?? end;
  const done = at.done ?? end;
  const installed = Math.min(at.installed ?? at.postInstall ?? done, at.postInstall ?? done);
  const seconds = (a: number, b: number) => Math.max(0, (b - a) / 1000);
  const guest = {
    boot: seconds(t0, script),
    unpack: seconds(script, installed),
    configure: seconds(installed, at.postInstall ?? done),
    postInstall: at.postInstall !== undefined ? seconds(at.postInstall, done) : 0,
    shutdown: seconds(done, end),
  };
  return { ...result, guest };
}

/**
 * The kernel and initrd of a `vm run` without an image: busybox read natively
 * from Debian's busybox-static .deb, the kernel's virtio module closure (from
 * a linux-image .deb, or from an unpacked kernel next to a vmlinuz), and the
 * stage-1 init of src/initrd with the virtio-serial transport.
 *
 * Everything that depends only on the packages and the stage-1 script — the
 * kernel image (inflated for PVH boot) and the base initrd — comes from the boot cache
 * (boot-cache.ts), keyed by the .debs' sha256 and the generated base tree, so
 * only the first run reads the .debs. Per-run data (the command script, its
 * environment and directory) goes into a small uncompressed archive that is
 * put in front of the base in a per-run initrd in `workDir`, which the caller
 * owns and removes. Without --kernel the packages are Debian's, resolved in
 * this machine's apt lists and downloaded by packages.ts.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { collectBytes } from '../../formats/bytes.js';
import { DistrokitError } from '../../formats/errors.js';
import { cacheDir } from '../fetch/cache.js';
import { sha256OfFile } from '../fetch/checksum.js';
import { buildInitrd, type InitrdCompression, writeInitrd } from '../initrd/build.js';
import { computeModuleClosure, type ModuleClosure } from '../initrd/modules.js';
import { type Stage1Options, stage1Tree } from '../initrd/stage1.js';
import { defaultEpoch } from '../initrd/tree-to-cpio.js';
import { SpoolStore } from '../tree/content-store.js';
import { layPackages } from '../tree/packages.js';
import { contentChunks } from '../tree/sink-dir.js';
import type { DirNode, FileContent, TreeNode } from '../tree/types.js';
import { type BootMeta, bootCacheKey, bootEntry } from './boot-cache.js';
import { fetchGuestPackage, type GuestPackage, type GuestPackages, resolveGuestPackages } from './packages.js';
import { pvhKernelFromBzImage } from './pvh-kernel.js';
import { PER_RUN_PATHS, runFiles, writeRunInitrd } from './run-initrd.js';

export { commandLine, ENV_NAME } from './run-initrd.js';

/** The modules the guest loads: PCI transport, the virtio-serial (console) driver and virtio-blk (the disks). */
export const GUEST_MODULES = ['virtio_pci', 'virtio_console', 'virtio_blk'];

/** How the cached base initrd is compressed: not at all (the guest's kernel unpacks it 0.12 s faster than LZ4 under TCG). */
export const BASE_COMPRESSION: InitrdCompression = 'none';

export interface GuestFiles {
  /** Where the kernel came from (the --kernel path or the cached .deb), for error positions. */
  source: string;
  kernel: string;
  initrd: string;
  kernelRelease: string;
  /** 'hit': kernel and base initrd came from the boot cache; 'built': made now and cached; 'none': a vmlinuz --kernel (not cached). */
  bootCache?: 'hit' | 'built' | 'none';
}

export interface GuestOptions {
  /** A vmlinuz (with lib/modules/VERSION found beside it, as in an unpacked package) or a linux-image .deb. */
  kernel?: string;
  /** Debian's busybox-static .deb. */
  busyboxDeb?: string;
  /** argv of the command the guest runs. */
  command: string[];
  /** Environment variables set for the command, in order (NAME must be a shell variable name). */
  env?: readonly (readonly [name: string, value: string])[];
  /** Directory the command runs in (default: the guest's /). */
  workdir?: string;
  /** The vm cache: downloaded .debs, the boot cache (default: cacheDir('vm')). */
  cacheDir?: string;
  /** apt's lists directory, where the default packages are looked up (default /var/lib/apt/lists). */
  aptListsDir?: string;
}

/**
 * The stage-1 options of the base initrd. They are part of the cached base
 * (and of its key), so they must not carry per-run data: the command, its
 * environment and directory go into the per-run archive (run-initrd.ts).
 */
export function guestStage1Options(_options: GuestOptions): Stage1Options {
  return { transport: 'virtio-ports' };
}

function child(root: DirNode, path: string): TreeNode | undefined {
  let node: TreeNode | undefined = root;
  for (const part of path.split('/').filter(Boolean)) {
    if (node?.type !== 'dir') return undefined;
    node = node.children.get(part);
  }
  return node;
}

/** The base tree: stage 1, busybox and the modules, without the per-run files. */
async function baseTree(stage1: Stage1Options, busybox: { size: number; content: FileContent }, closure?: ModuleClosure): Promise<DirNode> {
  const tree = await stage1Tree({ ...stage1, command: undefined, busybox, closure });
  for (const path of PER_RUN_PATHS) {
    const parent = child(tree, dirname(path));
    if (parent?.type === 'dir') parent.children.delete(path.split('/').pop()!);
  }
  return tree;
}

/**
 * The sha256 of the base initrd's layout for these stage-1 options: the
 * uncompressed archive of the base tree with an empty busybox and no modules
 * (those are keyed by their .debs). Any change to stage1.ts's script or tree,
 * or to the options, changes it, and with it the boot cache key.
 */
export async function stage1LayoutHash(stage1: Stage1Options): Promise<string> {
  const tree = await baseTree(stage1, { size: 0, content: { kind: 'bytes', data: new Uint8Array(0) } });
  return createHash('sha256').update(await collectBytes(buildInitrd(tree, { compression: 'none' }))).digest('hex');
}

/** The layout hash of the base initrd `prepareGuest` uses for `options`. */
export function baseLayoutHash(options: GuestOptions): Promise<string> {
  return stage1LayoutHash(guestStage1Options(options));
}

/** busybox from the busybox-static .deb, as a tree file. */
async function busyboxFromDeb(deb: string, store: SpoolStore): Promise<{ size: number; content: FileContent }> {
  const tree = await layPackages([deb], { store });
  const node = child(tree.root, 'bin/busybox') ?? child(tree.root, 'usr/bin/busybox');
  if (node?.type !== 'file') throw new DistrokitError('VM_PACKAGE_MISSING', `'${deb}' has no bin/busybox (not busybox-static?)`, { file: deb });
  return { size: node.size, content: node.content };
}

/** The kernel image and module closure from a linux-image .deb. */
async function kernelFromDeb(deb: string, store: SpoolStore): Promise<{ name: string; image: FileContent; closure: ModuleClosure }> {
  const tree = await layPackages([deb], { store });
  const boot = child(tree.root, 'boot');
  const name = boot?.type === 'dir' ? [...boot.children.keys()].find((n) => n.startsWith('vmlinuz-')) : undefined;
  const node = name ? child(tree.root, `boot/${name}`) : undefined;
  if (node?.type !== 'file') throw new DistrokitError('VM_KERNEL_INVALID', `'${deb}' has no boot/vmlinuz-* (not a linux-image package?)`, { file: deb });
  const closure = await computeModuleClosure(tree.root, GUEST_MODULES, { version: name!.slice('vmlinuz-'.length) });
  return { name: name!, image: node.content, closure };
}

/** A vmlinuz path: its modules are looked up in ../lib/modules/VERSION (an unpacked package or a root's /boot). */
async function kernelFromFile(vmlinuz: string): Promise<{ kernel: string; closure: ModuleClosure }> {
  if (!statSync(vmlinuz, { throwIfNoEntry: false })?.isFile()) throw new DistrokitError('VM_KERNEL_INVALID', `kernel '${vmlinuz}' is not a file`, { file: vmlinuz });
  const root = dirname(dirname(vmlinuz));
  const base = vmlinuz.split('/').pop()!;
  const modules = join(root, 'lib/modules');
  const versions = existsSync(modules) ? readdirSync(modules) : [];
  const version = base.startsWith('vmlinuz-') && versions.includes(base.slice(8)) ? base.slice(8) : versions.length === 1 ? versions[0] : undefined;
  if (!version) {
    throw new DistrokitError('VM_KERNEL_INVALID', `no lib/modules/VERSION for '${vmlinuz}' in ${modules} (pass a linux-image .deb instead)`, { file: vmlinuz });
  }
  return { kernel: vmlinuz, closure: await computeModuleClosure(root, GUEST_MODULES, { version }) };
}

/** A .deb given by path, with the sha256 that keys the boot cache. */
async function localDeb(path: string, what: 'kernel' | 'busybox'): Promise<{ path: string; sha256: string }> {
  if (!statSync(path, { throwIfNoEntry: false })?.isFile()) {
    if (what === 'kernel') throw new DistrokitError('VM_KERNEL_INVALID', `kernel '${path}' is not a file`, { file: path });
    throw new DistrokitError('VM_PACKAGE_MISSING', `busybox-static .deb '${path}' is not a file`, { file: path });
  }
  return { path, sha256: await sha256OfFile(path) };
}

/** A .deb: given by path, or a default package downloaded when first needed. */
interface DebInput {
  sha256: string;
  /** Its path (downloading it first if it is a default package). */
  path(): Promise<string>;
  /** For error positions before it is downloaded. */
  label: string;
}

function givenDeb(deb: { path: string; sha256: string }): DebInput {
  return { sha256: deb.sha256, path: async () => deb.path, label: deb.path };
}

function defaultDeb(pkg: GuestPackage, cache: string): DebInput {
  let fetched: Promise<string> | undefined;
  return { sha256: pkg.sha256, path: () => (fetched ??= fetchGuestPackage(pkg, cache)), label: join(cache, 'debs', pkg.file) };
}

/** Builds a boot cache entry in `dir` from the two .debs. */
async function buildEntry(dir: string, options: GuestOptions, kernelDeb: string, busyboxDeb: string, spoolDir: string): Promise<BootMeta> {
  const store = new SpoolStore({ dir: spoolDir });
  try {
    const { name, image, closure } = await kernelFromDeb(kernelDeb, store);
    const bzImage = await collectBytes(contentChunks(image));
    const vmlinux = await pvhKernelFromBzImage(bzImage);
    const kernel = vmlinux ? 'vmlinux' : name;
    await writeFile(join(dir, kernel), vmlinux ?? bzImage);
    const busybox = await busyboxFromDeb(busyboxDeb, store);
    await writeInitrd(await baseTree(guestStage1Options(options), busybox, closure), join(dir, 'initrd'), { compression: BASE_COMPRESSION });
    return { kernelRelease: closure.version, kernel, initrd: 'initrd', kernelFormat: vmlinux ? 'pvh' : 'bzimage' };
  } finally {
    await store.close();
  }
}

/** Writes the guest's per-run initrd into `workDir`; the kernel and base initrd come from the boot cache. */
export async function prepareGuest(options: GuestOptions, workDir: string): Promise<GuestFiles> {
  const cache = options.cacheDir ?? cacheDir('vm');
  const initrd = join(workDir, 'initrd.img');
  const files = runFiles(options.command, options);
  if (options.kernel !== undefined && !options.kernel.endsWith('.deb')) {
    // A vmlinuz with its modules beside it: nothing to unpack, so nothing is cached.
    const { kernel, closure } = await kernelFromFile(options.kernel);
    const busybox = await busyboxInput(options, cache, () => resolveGuestPackages({ cacheDir: cache, aptListsDir: options.aptListsDir }));
    const base = join(workDir, 'base-initrd');
    const store = new SpoolStore({ dir: workDir });
    try {
      await writeInitrd(await baseTree(guestStage1Options(options), await busyboxFromDeb(await busybox.path(), store), closure), base, { compression: BASE_COMPRESSION });
    } finally {
      await store.close();
    }
    await writeRunInitrd(base, files, initrd);
    return { source: options.kernel, kernel, initrd, kernelRelease: closure.version, bootCache: 'none' };
  }
  let packages: GuestPackages | undefined;
  const defaults = async () => (packages ??= await resolveGuestPackages({ cacheDir: cache, aptListsDir: options.aptListsDir }));
  const kernelDeb = options.kernel !== undefined ? givenDeb(await localDeb(options.kernel, 'kernel')) : defaultDeb((await defaults()).kernel, cache);
  const busybox = await busyboxInput(options, cache, defaults);
  const key = bootCacheKey({
    kernelDeb: kernelDeb.sha256,
    busyboxDeb: busybox.sha256,
    modules: GUEST_MODULES,
    layout: await baseLayoutHash(options),
    compression: BASE_COMPRESSION,
    epoch: defaultEpoch(),
  });
  const entry = await bootEntry(cache, key, async (dir) => buildEntry(dir, options, await kernelDeb.path(), await busybox.path(), workDir));
  await writeRunInitrd(entry.initrdPath, files, initrd);
  return { source: options.kernel ?? kernelDeb.label, kernel: entry.kernelPath, initrd, kernelRelease: entry.kernelRelease, bootCache: entry.hit ? 'hit' : 'built' };
}

/** The busybox-static .deb: the given one, or the default package. */
async function busyboxInput(options: GuestOptions, cache: string, defaults: () => Promise<GuestPackages>): Promise<DebInput> {
  if (options.busyboxDeb !== undefined) return givenDeb(await localDeb(options.busyboxDeb, 'busybox'));
  return defaultDeb((await defaults()).busybox, cache);
}

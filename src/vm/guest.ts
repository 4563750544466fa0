/**
 * The kernel and initrd of a `vm run` without an image: busybox read natively
 * from Debian's busybox-static .deb, the kernel's virtio module closure (from
 * a linux-image .deb, or from an unpacked kernel next to a vmlinuz), and the
 * stage-1 init of src/initrd with the virtio-serial transport. Everything is
 * written under `workDir`, which the caller owns and removes.
 */
import { createWriteStream, existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { DistrokitError } from '../../formats/errors.js';
import { cacheDir } from '../fetch/cache.js';
import { writeInitrd } from '../initrd/build.js';
import { computeModuleClosure, type ModuleClosure } from '../initrd/modules.js';
import { shellQuote, stage1Tree } from '../initrd/stage1.js';
import { SpoolStore } from '../tree/content-store.js';
import { layPackages } from '../tree/packages.js';
import { contentChunks } from '../tree/sink-dir.js';
import type { DirNode, FileContent, TreeNode } from '../tree/types.js';

/** The modules the guest loads: PCI transport, the virtio-serial (console) driver and virtio-blk (the disks). */
export const GUEST_MODULES = ['virtio_pci', 'virtio_console', 'virtio_blk'];

/** Where fixtures/gen/initrd-packages.sh caches the Debian cloud kernel and busybox-static .debs. */
export function packageCacheDir(): string {
  return cacheDir('initrd');
}

export interface GuestFiles {
  /** Where the kernel came from (the --kernel path or the cached .deb), for error positions. */
  source: string;
  kernel: string;
  initrd: string;
  kernelRelease: string;
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
}

/** A shell variable name: what `export NAME=…` accepts. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The guest's command script: an optional `cd` (a missing directory fails the
 * run with the shell's message on the command's stderr and status 2), the
 * `export`s, then argv as one command line (each word quoted: exec semantics,
 * no re-splitting).
 */
export function commandLine(argv: readonly string[], context: Pick<GuestOptions, 'env' | 'workdir'> = {}): string {
  const lines: string[] = [];
  if (context.workdir !== undefined) lines.push(`cd ${shellQuote(context.workdir)} || exit 2`);
  for (const [name, value] of context.env ?? []) {
    if (!ENV_NAME.test(name)) throw new DistrokitError('VM_BAD_ENV', `environment variable name ${JSON.stringify(name)} is not a shell variable name`, { entry: name });
    lines.push(`export ${shellQuote(`${name}=${value}`)}`);
  }
  lines.push(argv.map(shellQuote).join(' '));
  return lines.join('\n');
}

function child(root: DirNode, path: string): TreeNode | undefined {
  let node: TreeNode | undefined = root;
  for (const part of path.split('/').filter(Boolean)) {
    if (node?.type !== 'dir') return undefined;
    node = node.children.get(part);
  }
  return node;
}

async function writeContent(content: FileContent, out: string): Promise<void> {
  await pipeline(Readable.from(contentChunks(content)), createWriteStream(out));
}

function defaultPackage(name: 'cloud' | 'busybox'): string {
  const deb = join(packageCacheDir(), `${name}.deb`);
  if (!existsSync(deb)) {
    const what = name === 'cloud' ? "Debian's cloud kernel (linux-image-*-cloud-amd64)" : "Debian's busybox-static";
    throw new DistrokitError('VM_PACKAGE_MISSING', `${what} is not in the cache (${deb}); run fixtures/gen/initrd-packages.sh or pass --kernel`, { file: deb });
  }
  return deb;
}

/** busybox from the busybox-static .deb, as a tree file. */
async function busyboxFromDeb(deb: string, store: SpoolStore): Promise<{ size: number; content: FileContent }> {
  const tree = await layPackages([deb], { store });
  const node = child(tree.root, 'bin/busybox') ?? child(tree.root, 'usr/bin/busybox');
  if (node?.type !== 'file') throw new DistrokitError('VM_PACKAGE_MISSING', `'${deb}' has no bin/busybox (not busybox-static?)`, { file: deb });
  return { size: node.size, content: node.content };
}

/** The kernel image and module closure from a linux-image .deb. */
async function kernelFromDeb(deb: string, store: SpoolStore, workDir: string): Promise<{ kernel: string; closure: ModuleClosure }> {
  const tree = await layPackages([deb], { store });
  const boot = child(tree.root, 'boot');
  const name = boot?.type === 'dir' ? [...boot.children.keys()].find((n) => n.startsWith('vmlinuz-')) : undefined;
  const node = name ? child(tree.root, `boot/${name}`) : undefined;
  if (node?.type !== 'file') throw new DistrokitError('VM_KERNEL_INVALID', `'${deb}' has no boot/vmlinuz-* (not a linux-image package?)`, { file: deb });
  const kernel = join(workDir, name!);
  await writeContent(node.content, kernel);
  const closure = await computeModuleClosure(tree.root, GUEST_MODULES, { version: name!.slice('vmlinuz-'.length) });
  return { kernel, closure };
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

/** Writes the guest's initrd (and, from a .deb, its kernel) into `workDir`. */
export async function prepareGuest(options: GuestOptions, workDir: string): Promise<GuestFiles> {
  const store = new SpoolStore({ dir: workDir });
  try {
    const kernelSource = options.kernel ?? defaultPackage('cloud');
    const { kernel, closure } = kernelSource.endsWith('.deb') ? await kernelFromDeb(kernelSource, store, workDir) : await kernelFromFile(kernelSource);
    const busybox = await busyboxFromDeb(options.busyboxDeb ?? defaultPackage('busybox'), store);
    const tree = await stage1Tree({ busybox, closure, command: commandLine(options.command, options), transport: 'virtio-ports' });
    const initrd = join(workDir, 'initrd.img');
    await writeInitrd(tree, initrd, { compression: 'lz4' });
    return { source: kernelSource, kernel, initrd, kernelRelease: closure.version };
  } finally {
    await store.close();
  }
}

/**
 * The packages a `vm run` without --kernel boots: Debian's cloud kernel (the
 * linux-image-<abi>-cloud-amd64 that the metapackage linux-image-cloud-amd64
 * depends on) and busybox-static, resolved in this machine's bookworm apt
 * lists the way our closure code chooses (the highest version across the
 * lists) and downloaded, sha256-checked against the index, into the vm cache.
 *
 * Reading the lists takes about half a second, so a resolution is remembered
 * in <cache>/packages.json together with the size and mtime of each list:
 * it is used again until `apt-get update` changes a list.
 */
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { DistrokitError } from '../../formats/errors.js';
import { joinUrl } from '../deb/output.js';
import type { DebPackage } from '../deb/packages.js';
import { DebRepository } from '../deb/repository.js';
import { APT_LISTS_DIR, type AptList, machineBookwormLists } from '../fetch/apt-lists.js';
import { downloadVerified } from '../fetch/download.js';

/** The metapackage that names the current cloud kernel. */
export const KERNEL_METAPACKAGE = 'linux-image-cloud-amd64';
export const BUSYBOX_PACKAGE = 'busybox-static';

/** One .deb as its index describes it. */
export interface GuestPackage {
  name: string;
  version: string;
  url: string;
  /** The file name in the cache (the basename of the index's Filename). */
  file: string;
  sha256: string;
  size?: number;
}

export interface GuestPackages {
  kernel: GuestPackage;
  busybox: GuestPackage;
}

export interface PackageSourceOptions {
  /** The vm cache; .debs go into its debs/ (default: cacheDir('vm')). */
  cacheDir: string;
  /** apt's lists directory (default /var/lib/apt/lists). */
  aptListsDir?: string;
}

/** What identifies the lists a resolution was made from: a list changes → resolve again. */
async function listsSignature(lists: AptList[]): Promise<string> {
  const parts = await Promise.all(
    lists.map(async (l) => {
      const st = await stat(l.path);
      return [l.path, l.urlPrefix, st.size, st.mtimeMs];
    }),
  );
  return JSON.stringify(parts);
}

function describe(pkg: DebPackage, lists: AptList[], wanted: string): GuestPackage {
  const prefix = lists[pkg.origin.index]?.urlPrefix;
  if (!pkg.filename || !pkg.sha256 || prefix === undefined) {
    throw new DistrokitError('VM_PACKAGE_NOT_IN_LISTS', `${wanted}: package ${pkg.name} ${pkg.version} has no Filename or SHA256 in ${pkg.origin.file}`, {
      file: pkg.origin.file,
      entry: pkg.name,
    });
  }
  return { name: pkg.name, version: pkg.version, url: joinUrl(prefix, pkg.filename), file: basename(pkg.filename), sha256: pkg.sha256, size: pkg.size };
}

/** The candidate of `name`, or VM_PACKAGE_NOT_IN_LISTS. */
function candidate(repo: DebRepository, name: string, lists: AptList[], why: string): DebPackage {
  const pkg = repo.candidate(name);
  if (!pkg) {
    throw new DistrokitError('VM_PACKAGE_NOT_IN_LISTS', `${why} is not in this machine's apt lists (${lists.map((l) => l.path).join(', ')}); pass --kernel, or check the sources and run 'apt-get update'`, {
      file: lists[0]?.path,
      entry: name,
    });
  }
  return pkg;
}

/** Resolves both packages from the lists (no cache). */
export async function resolveFromLists(lists: AptList[]): Promise<GuestPackages> {
  const repo = await DebRepository.fromIndexes(lists.map((l) => ({ path: l.path })));
  const meta = candidate(repo, KERNEL_METAPACKAGE, lists, KERNEL_METAPACKAGE);
  // The metapackage's Depends names the image of the current ABI (e.g. linux-image-6.1.0-57-cloud-amd64 (= 6.1.192-3)).
  let image: DebPackage | undefined;
  for (const group of repo.relations(meta, 'depends')) {
    for (const dep of group) {
      if (!dep.name.startsWith('linux-image-')) continue;
      image = repo.satisfiers(dep)[0] ?? candidate(repo, dep.name, lists, `${dep.name} (the kernel ${KERNEL_METAPACKAGE} ${meta.version} depends on)`);
      break;
    }
    if (image) break;
  }
  if (!image) {
    throw new DistrokitError('VM_PACKAGE_NOT_IN_LISTS', `${KERNEL_METAPACKAGE} ${meta.version} depends on no linux-image-* package`, { file: meta.origin.file, entry: meta.name });
  }
  const busybox = candidate(repo, BUSYBOX_PACKAGE, lists, BUSYBOX_PACKAGE);
  return { kernel: describe(image, lists, KERNEL_METAPACKAGE), busybox: describe(busybox, lists, BUSYBOX_PACKAGE) };
}

interface Remembered {
  lists: string;
  packages: GuestPackages;
}

/**
 * The kernel and busybox-static packages of this machine's apt lists
 * (remembered in <cache>/packages.json while the lists are unchanged).
 */
export async function resolveGuestPackages(options: PackageSourceOptions): Promise<GuestPackages> {
  const dir = options.aptListsDir ?? APT_LISTS_DIR;
  const lists = machineBookwormLists(dir);
  if (lists.length === 0) {
    throw new DistrokitError('VM_NO_APT_LISTS', `no bookworm Packages lists in ${dir} to find ${KERNEL_METAPACKAGE} and ${BUSYBOX_PACKAGE} in; run 'apt-get update' first, or pass --kernel`, { file: dir });
  }
  const signature = await listsSignature(lists);
  const memo = join(options.cacheDir, 'packages.json');
  try {
    const remembered = JSON.parse(await readFile(memo, 'utf8')) as Remembered;
    if (remembered.lists === signature && remembered.packages?.kernel?.sha256 && remembered.packages?.busybox?.sha256) return remembered.packages;
  } catch {
    // none yet, or unreadable: resolve again
  }
  const packages = await resolveFromLists(lists);
  try {
    await mkdir(options.cacheDir, { recursive: true });
    const tmp = `${memo}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
    await writeFile(tmp, `${JSON.stringify({ lists: signature, packages } satisfies Remembered, null, 2)}\n`);
    await rename(tmp, memo).catch(async (err) => {
      await rm(tmp, { force: true });
      throw err;
    });
  } catch {
    // Only a speed-up: a cache that cannot be written is resolved again next time.
  }
  return packages;
}

/** Downloads one package into <cache>/debs (a valid copy there is used as it is); returns its path. */
export function fetchGuestPackage(pkg: GuestPackage, cacheDir: string): Promise<string> {
  return downloadVerified({ url: pkg.url, name: pkg.file, sha256: pkg.sha256, size: pkg.size }, join(cacheDir, 'debs'));
}

/**
 * Lays packages into one tree the way the seed's fill steps do (dpkg-deb
 * --extract for each .deb, rpm2cpio | cpio -i for each .rpm), natively: each
 * package's payload is added with the package name as owner, so conflicts
 * between packages are reported with both names.
 */
import { DistrokitError } from '../../formats/errors.js';
import { openArchive } from './archive.js';
import type { ContentStore } from './content-store.js';
import { addEntriesToTree } from './from-entries.js';
import { newDir, Tree } from './tree.js';
import type { Timestamp } from './types.js';
import type { ByteSource } from '../../formats/bytes.js';

export interface AddPackageOptions {
  store: ContentStore;
  /** Name for errors (default: the path). */
  file?: string;
  /** Decompressed payload limit (decompression bombs). */
  maxOutput?: number;
}

/** Adds one package (.deb or .rpm; any other archive too, owned by its file name). Returns the owner name used. */
export async function addPackageToTree(tree: Tree, input: string | ByteSource, options: AddPackageOptions): Promise<{ owner: string; entries: number }> {
  const file = options.file ?? (typeof input === 'string' ? input : '<input>');
  const archive = await openArchive(input, { file, maxOutput: options.maxOutput });
  const owner = archive.owner ?? file;
  const entries = await addEntriesToTree(tree, archive.entries, { owner, store: options.store, file });
  return { owner, entries };
}

/**
 * Merged /usr as nixpkgs' unifiedSystemDir: /usr/{bin,sbin,lib,lib64} are
 * directories and /bin, /sbin, /lib, /lib64 symlinks to them, made before any
 * package so that packages' /bin/… land in /usr/bin/….
 */
export function addMergedUsr(tree: Tree): void {
  for (const name of ['bin', 'sbin', 'lib', 'lib64']) {
    tree.add(`/usr/${name}`, newDir({ owner: 'merged-usr', mtime: tree.root.mtime }));
    tree.add(`/${name}`, { type: 'symlink', target: `usr/${name}`, perm: 0o777, uid: 0, gid: 0, mtime: tree.root.mtime, owner: 'merged-usr' });
  }
  if (tree.lookup('/usr')?.type !== 'dir') throw new DistrokitError('TREE_CONFLICT', '/usr is not a directory', {});
}

/** Progress of a run over packages: `files[index]` of `total`. */
export interface PackageProgress {
  file: string;
  index: number;
  total: number;
}

export interface LayPackagesOptions {
  store: ContentStore;
  mergedUsr?: boolean;
  /** Called before each package is read. */
  onPackage?: (progress: PackageProgress) => void;
  /** mtime of the root and of directories no package lists (default: SOURCE_DATE_EPOCH, else 0). */
  implicitMtime?: Timestamp;
}

/**
 * Lays packages (or any archives) into a new tree in the order given, later
 * ones winning conflicts (recorded in `tree.conflicts`), and flushes the spool
 * so that sinks can read every file's content back.
 */
export async function layPackages(files: readonly string[], options: LayPackagesOptions): Promise<Tree> {
  const tree = new Tree({ implicitMtime: options.implicitMtime });
  if (options.mergedUsr) addMergedUsr(tree);
  for (const [i, file] of files.entries()) {
    options.onPackage?.({ file, index: i, total: files.length });
    await addPackageToTree(tree, file, { store: options.store });
  }
  await options.store.flush();
  return tree;
}

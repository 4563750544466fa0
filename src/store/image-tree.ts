/**
 * The tree of a store image: `<storeDir>/<name>…` for every path of the
 * closure, read from `<root><storeDir>/<name>` in one walk through the tree
 * model (`treeFromDirectory`), owned root:root (or root:GID, as the seed's
 * `sif … gid 30000` does for every entry of the store paths), modes as on the
 * host, every time the same; plus extra files merged at the root.
 */
import { type BigIntStats, lstatSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { DistrokitError } from '../../formats/errors.js';
import { treeFromDirectory } from '../tree/from-dir.js';
import { splitTreePath } from '../tree/path.js';
import type { DirNode, NodeMeta, Timestamp, TreeNode } from '../tree/types.js';
import { isDirectlyUnder } from './closure.js';
import type { StorePathInfo } from './path-info.js';

export interface StoreTreeOptions {
  /** The store directory inside the image and under `root` (default /nix/store). */
  storeDir: string;
  /** The host directory the store directory is read from (default /). */
  root: string;
  /** Group of every entry of the store paths (default 0); /nix and the store directory stay root:root. */
  gid: number;
  /** The one time of every inode. */
  time: Timestamp;
  /** Called with the lstat of every entry of the store paths (sizing). */
  onStat?: (path: string, st: BigIntStats) => void;
  onPath?: (done: number, total: number, path: string) => void;
}

export interface StoreTree {
  root: DirNode;
  /** The node of each store path, by store path (for NAR hashing of the same nodes). */
  nodes: Map<string, TreeNode>;
  /** Entries under the store paths (the paths themselves included) and bytes of their regular files. */
  entries: number;
  fileBytes: number;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** The name of `path` inside `storeDir`; STORE_PATH_OUTSIDE_STORE when it is not directly under it. */
export function storePathName(path: string, storeDir: string): string {
  if (!isDirectlyUnder(path, storeDir)) {
    throw new DistrokitError('STORE_PATH_OUTSIDE_STORE', `'${path}' is not a path directly under the store directory ${storeDir}`, { entry: path, storeDir });
  }
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Builds the directories of the store directory and reads every store path of `closure` into them. */
export async function readStoreTree(closure: StorePathInfo[], o: StoreTreeOptions): Promise<StoreTree> {
  const parts = splitTreePath(o.storeDir);
  if (!o.storeDir.startsWith('/') || parts.length === 0) {
    throw new DistrokitError('STORE_IMAGE_BAD_OPTION', `store directory '${o.storeDir}' is not an absolute path below /`, { entry: o.storeDir });
  }
  const root = dirNode(0o755, o.time);
  let storeNode = root;
  for (const part of parts) {
    const d = dirNode(0o755, o.time);
    storeNode.children.set(part, d);
    storeNode = d;
  }
  const nodes = new Map<string, TreeNode>();
  const counts = { entries: 0, fileBytes: 0 };
  let done = 0;
  for (const info of closure) {
    const name = storePathName(info.path, o.storeDir);
    if (storeNode.children.has(name)) continue; // named twice: the closure is a set
    const host = join(o.root, o.storeDir, name);
    const node = await readStorePath(host, info.path, o, counts);
    storeNode.children.set(name, node);
    nodes.set(info.path, node);
    o.onPath?.(++done, closure.length, info.path);
  }
  return { root, nodes, ...counts };
}

async function readStorePath(host: string, storePath: string, o: StoreTreeOptions, counts: { entries: number; fileBytes: number }): Promise<TreeNode> {
  let st: BigIntStats;
  try {
    st = lstatSync(host, { bigint: true });
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new DistrokitError('STORE_IMAGE_SOURCE_MISSING', `store path '${storePath}' cannot be read from '${host}' (${why})`, { file: host, entry: storePath }, { cause: err });
  }
  let node: TreeNode;
  if (st.isDirectory()) {
    node = await treeFromDirectory(host, { xattrs: false, onStat: o.onStat });
  } else {
    o.onStat?.(host, st);
    node = nonDirectory(host, st);
  }
  normalise(node, storePath, host, o, counts);
  return node;
}

/** A store path that is a single file or symlink (treeFromDirectory reads directories). */
function nonDirectory(host: string, st: BigIntStats): TreeNode {
  const meta: NodeMeta = { perm: Number(st.mode & 0o7777n), uid: 0, gid: 0, mtime: { sec: 0, nsec: 0 } };
  if (st.isFile()) {
    const size = Number(st.size);
    return { type: 'file', size, content: { kind: 'range', path: host, offset: 0, length: size }, ...meta };
  }
  if (st.isSymbolicLink()) {
    let target: string;
    try {
      target = decoder.decode(readlinkSync(host, { encoding: 'buffer' }));
    } catch (err) {
      throw DistrokitError.wrap(err, 'TREE_UNREADABLE', { file: host });
    }
    return { type: 'symlink', target, ...meta };
  }
  const kind = st.isFIFO() ? 'fifo' : st.isSocket() ? 'socket' : 'device';
  throw new DistrokitError('STORE_NAR_UNSUPPORTED_TYPE', `'${host}' is a ${kind}: a store path holds only directories, regular files and symlinks`, { file: host, type: kind });
}

/**
 * Sets owner and times on every node below a store path and rejects what a
 * store path cannot hold (NAR has only directories, regular files and
 * symlinks). A hard-linked node is met more than once; setting it again is harmless.
 */
function normalise(node: TreeNode, storePath: string, host: string, o: StoreTreeOptions, counts: { entries: number; fileBytes: number }): void {
  const stack: [TreeNode, string][] = [[node, '']];
  const seenFiles = new Set<TreeNode>();
  while (stack.length) {
    const [n, rel] = stack.pop()!;
    counts.entries++;
    if (n.type !== 'dir' && n.type !== 'file' && n.type !== 'symlink') {
      const p = storePath + rel;
      throw new DistrokitError('STORE_NAR_UNSUPPORTED_TYPE', `'${p}' is a ${n.type}: a store path holds only directories, regular files and symlinks`, {
        file: host + rel,
        entry: p,
        type: n.type,
      });
    }
    n.uid = 0;
    n.gid = o.gid;
    n.mtime = o.time;
    n.atime = o.time;
    n.ctime = o.time;
    delete n.xattrs;
    if (n.type === 'file' && !seenFiles.has(n)) {
      seenFiles.add(n);
      counts.fileBytes += n.size;
    }
    if (n.type === 'dir') for (const [name, child] of n.children) stack.push([child, `${rel}/${name}`]);
  }
}

function dirNode(perm: number, time: Timestamp): DirNode {
  return { type: 'dir', perm, uid: 0, gid: 0, mtime: time, atime: time, ctime: time, children: new Map() };
}

/** A root-owned regular file held in memory (the registration). */
export function memoryFile(data: Uint8Array, time: Timestamp): TreeNode {
  return { type: 'file', perm: 0o644, uid: 0, gid: 0, mtime: time, atime: time, ctime: time, size: data.byteLength, content: { kind: 'bytes', data } };
}

/**
 * Merges the host directory `dir` at the image root (nixpkgs' `./files`,
 * populateImageCommands): owned root:root, modes as on the host, times fixed.
 * Directories merge with the image's own (which keep their metadata); anything
 * else at a path the image already has — the registration, a store path or a
 * file inside one, a file where the store directory goes — is
 * STORE_IMAGE_FILES_CONFLICT naming the path.
 */
export async function mergeExtraFiles(root: DirNode, dir: string, time: Timestamp, protectedDirs: Set<DirNode>): Promise<number> {
  const extra = await treeFromDirectory(dir, { xattrs: false });
  let entries = 0;
  const stack: [DirNode, DirNode, string][] = [[extra, root, '']];
  while (stack.length) {
    const [from, into, at] = stack.pop()!;
    for (const [name, child] of from.children) {
      const path = `${at}/${name}`;
      entries++;
      const existing = into.children.get(name);
      if (existing) {
        if (existing.type === 'dir' && child.type === 'dir' && protectedDirs.has(existing)) {
          stack.push([child, existing, path]);
          continue;
        }
        throw new DistrokitError('STORE_IMAGE_FILES_CONFLICT', `'${path}' from the extra files (${join(dir, path)}) is also a path of the image's store contents or registration`, {
          file: join(dir, path),
          entry: path,
        });
      }
      setOwnerAndTime(child, time);
      into.children.set(name, child);
    }
  }
  return entries;
}

function setOwnerAndTime(node: TreeNode, time: Timestamp): void {
  const stack = [node];
  while (stack.length) {
    const n = stack.pop()!;
    n.uid = 0;
    n.gid = 0;
    n.mtime = time;
    n.atime = time;
    n.ctime = time;
    if (n.type === 'dir') stack.push(...n.children.values());
  }
}

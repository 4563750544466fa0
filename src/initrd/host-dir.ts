/**
 * Reads a host directory into the tree model (lstat, no symlink following;
 * hard links become one shared node). File contents stay on disk as ranges.
 *
 * A small reader for `initrd build --from DIR`; the shared host-directory
 * source (src/tree/from-dir.ts) supersedes it once it lands.
 */
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { DistrokitError } from '../../formats/errors.js';
import type { DirNode, NodeMeta, Timestamp, TreeNode } from '../tree/types.js';

function time(ns: bigint): Timestamp {
  const sec = ns / 1_000_000_000n;
  let nsec = ns % 1_000_000_000n;
  let s = sec;
  if (nsec < 0n) {
    nsec += 1_000_000_000n;
    s -= 1n;
  }
  return { sec: Number(s), nsec: Number(nsec) };
}

/** Linux's new_encode_dev split of a dev_t. */
export function splitDev(rdev: bigint): { major: number; minor: number } {
  const major = Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));
  const minor = Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn));
  return { major, minor };
}

export async function treeFromHostDir(root: string): Promise<DirNode> {
  const seen = new Map<string, TreeNode>();
  const st = await lstat(root, { bigint: true }).catch((err: unknown) => {
    throw DistrokitError.wrap(err, 'HOST_DIR_UNREADABLE', { file: root });
  });
  if (!st.isDirectory()) throw new DistrokitError('HOST_DIR_NOT_DIRECTORY', 'not a directory', { file: root });
  try {
    return (await readNode(root, seen)) as DirNode;
  } catch (err) {
    throw DistrokitError.wrap(err, 'HOST_DIR_UNREADABLE', { file: (err as { path?: string }).path ?? root });
  }
}

async function readNode(path: string, seen: Map<string, TreeNode>): Promise<TreeNode> {
  const st = await lstat(path, { bigint: true });
  const meta: NodeMeta = {
    perm: Number(st.mode & 0o7777n),
    uid: Number(st.uid),
    gid: Number(st.gid),
    mtime: time(st.mtimeNs),
    atime: time(st.atimeNs),
    ctime: time(st.ctimeNs),
  };
  if (st.isDirectory()) {
    const dir: DirNode = { ...meta, type: 'dir', children: new Map() };
    const names = (await readdir(path)).sort();
    for (const name of names) dir.children.set(name, await readNode(join(path, name), seen));
    return dir;
  }
  const key = `${st.dev}:${st.ino}`;
  const known = st.nlink > 1n ? seen.get(key) : undefined;
  if (known) return known;
  let node: TreeNode;
  if (st.isFile()) {
    const size = Number(st.size);
    node = { ...meta, type: 'file', size, content: { kind: 'range', path, offset: 0, length: size } };
  } else if (st.isSymbolicLink()) {
    node = { ...meta, type: 'symlink', target: await readlink(path) };
  } else if (st.isCharacterDevice() || st.isBlockDevice()) {
    node = { ...meta, type: st.isCharacterDevice() ? 'chardev' : 'blockdev', ...splitDev(st.rdev) };
  } else if (st.isFIFO()) {
    node = { ...meta, type: 'fifo' };
  } else {
    node = { ...meta, type: 'socket' };
  }
  if (st.nlink > 1n) seen.set(key, node);
  return node;
}

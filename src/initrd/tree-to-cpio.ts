/**
 * Turns a filesystem tree into cpio members the way nixpkgs' make-initrd does
 * with `find | sort -z | cpio -o -H newc -R +0:+0 --reproducible`: members in
 * byte order of their full path, inode numbers counted from 0 in archive
 * order, device numbers 0, owners root, every time set to one epoch, and a
 * hard-linked file's data on the last of its names (GNU cpio's newc layout,
 * which GNU cpio, bsdtar and the kernel all read).
 */
import { createReadStream } from 'node:fs';
import type { CpioEntry } from '../../formats/cpio/writer.js';
import { DistrokitError } from '../../formats/errors.js';
import { sourceDateEpoch } from '../tree/epoch.js';
import { type DirNode, type FileContent, S_IFMT, type TreeNode } from '../tree/types.js';

export interface TreeToCpioOptions {
  /** Time for every member: a number, or 'preserve' to keep each node's mtime. Default: SOURCE_DATE_EPOCH, else 1. */
  mtime?: number | 'preserve';
  /** 'root' (default) writes uid/gid 0 like `-R +0:+0`; 'preserve' keeps the tree's owners. */
  owners?: 'root' | 'preserve';
  /** Also write the root directory as ".", which sets its mode when extracted. Default false, as make-initrd. */
  includeRoot?: boolean;
  /** Label for error messages. */
  file?: string;
}

interface Named {
  path: string;
  key: Buffer;
  node: TreeNode;
}

const utf8 = new TextEncoder();

/** SOURCE_DATE_EPOCH if set (by the one strict rule of src/tree/epoch.ts), else 1 as nixpkgs' `touch -d @1`. */
export function defaultEpoch(env: NodeJS.ProcessEnv = process.env): number {
  return sourceDateEpoch(env) ?? 1;
}

function collectNames(dir: DirNode, prefix: string, out: Named[]): void {
  for (const [name, node] of dir.children) {
    if (name === '' || name.includes('/') || name.includes('\0') || name === '.' || name === '..') {
      throw new DistrokitError('TREE_BAD_NAME', `invalid name ${JSON.stringify(name)} in the tree`, {
        entry: prefix || '.',
      });
    }
    const path = prefix ? `${prefix}/${name}` : name;
    out.push({ path, key: Buffer.from(utf8.encode(path)), node });
    if (node.type === 'dir') collectNames(node, path, out);
  }
}

/** Opens the file only when the writer reaches it, so a large tree holds one descriptor at a time. */
async function* readRange(path: string, offset: number, length: number): AsyncGenerator<Uint8Array> {
  yield* createReadStream(path, { start: offset, end: offset + length - 1, highWaterMark: 1 << 20 }) as AsyncIterable<Uint8Array>;
}

/** Defers `open()` until the writer reaches the member. */
async function* openLazily(open: () => AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  yield* open();
}

function contentSource(content: FileContent): AsyncIterable<Uint8Array> | Uint8Array {
  switch (content.kind) {
    case 'bytes':
      return content.data;
    case 'range':
      if (content.length === 0) return new Uint8Array(0);
      return readRange(content.path, content.offset, content.length);
    case 'lazy':
      return openLazily(content.open);
  }
}

function subdirCount(dir: DirNode): number {
  let n = 0;
  for (const child of dir.children.values()) if (child.type === 'dir') n++;
  return n;
}

/**
 * GNU cpio's newc order for hard links: the earlier names of a multiply-linked
 * file are held back and written, data-less and newest first, just before its
 * last name, which carries the data. Readers then see every name of an inode together.
 */
function deferHardLinks(names: Named[]): Named[] {
  const count = new Map<TreeNode, number>();
  for (const n of names) if (n.node.type !== 'dir') count.set(n.node, (count.get(n.node) ?? 0) + 1);
  const held = new Map<TreeNode, Named[]>();
  const out: Named[] = [];
  for (const n of names) {
    const total = count.get(n.node) ?? 1;
    if (total < 2) {
      out.push(n);
      continue;
    }
    const group = held.get(n.node) ?? [];
    group.push(n);
    held.set(n.node, group);
    // GNU keeps the held names on a stack: they come out newest first.
    if (group.length === total) out.push(...group.slice(0, -1).reverse(), n);
  }
  return out;
}

/** The members of `root` in archive order (without the trailer). */
export function cpioEntriesFromTree(root: DirNode, options: TreeToCpioOptions = {}): CpioEntry[] {
  const names: Named[] = [];
  if (options.includeRoot) names.push({ path: '.', key: Buffer.from('.'), node: root });
  collectNames(root, '', names);
  if (options.includeRoot) names.sort((a, b) => (a.path === '.' ? -1 : b.path === '.' ? 1 : Buffer.compare(a.key, b.key)));
  else names.sort((a, b) => Buffer.compare(a.key, b.key));

  const ordered = deferHardLinks(names);
  const linkCount = new Map<TreeNode, number>();
  for (const n of ordered) if (n.node.type !== 'dir') linkCount.set(n.node, (linkCount.get(n.node) ?? 0) + 1);
  const lastName = new Map<TreeNode, number>();
  ordered.forEach((n, i) => lastName.set(n.node, i));

  const epoch = options.mtime === undefined ? defaultEpoch() : options.mtime;
  // Inode numbers count from 0 in name order (before hard links are deferred), as GNU's --renumber-inodes.
  const inodes = new Map<TreeNode, number>();
  for (const { node } of names) if (!inodes.has(node)) inodes.set(node, inodes.size);
  const entries: CpioEntry[] = [];
  ordered.forEach(({ path, node }, index) => {
    const ino = inodes.get(node)!;
    const mtime = epoch === 'preserve' ? node.mtime.sec : epoch;
    const entry: CpioEntry = {
      name: path,
      mode: S_IFMT[node.type] | (node.perm & 0o7777),
      ino,
      uid: options.owners === 'preserve' ? node.uid : 0,
      gid: options.owners === 'preserve' ? node.gid : 0,
      nlink: node.type === 'dir' ? 2 + subdirCount(node) : linkCount.get(node)!,
      mtime,
      size: 0,
    };
    if (mtime < 0 || mtime > 0xffffffff) {
      throw new DistrokitError('CPIO_FIELD_OVERFLOW', `mtime ${mtime} is outside cpio's unsigned 32-bit range`, {
        file: options.file,
        entry: path,
      });
    }
    if (node.type === 'file' && lastName.get(node) === index) {
      entry.size = node.size;
      entry.data = contentSource(node.content);
    } else if (node.type === 'symlink') {
      const target = utf8.encode(node.target);
      entry.size = target.length;
      entry.data = target;
    } else if (node.type === 'chardev' || node.type === 'blockdev') {
      entry.rdevMajor = node.major;
      entry.rdevMinor = node.minor;
    }
    entries.push(entry);
  });
  return entries;
}

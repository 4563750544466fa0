/**
 * The in-memory tree every source fills: adding nodes by path with a conflict
 * policy, hard links, and symlink-safe resolution.
 *
 * Symlinks on the way to a path are followed the way a chroot would follow
 * them: inside the tree only, absolute targets start at the tree root and ".."
 * stops at the root. So a symlink followed by a write through it lands inside
 * the tree (e.g. merged-/usr: a package's /bin/sh goes to /usr/bin/sh when
 * /bin -> usr/bin), and never anywhere else. A dangling or non-directory
 * symlink on the way is TREE_NOT_A_DIRECTORY; a loop is TREE_SYMLINK_LOOP.
 */
import { DistrokitError } from '../../formats/errors.js';
import { sourceDateEpoch } from './epoch.js';
import { compareNames, joinTreePath, splitTreePath } from './path.js';
import type { DirNode, NodeMeta, Timestamp, TreeNode } from './types.js';

export type ConflictPolicy = 'last-wins' | 'error';

export interface Conflict {
  path: string;
  existing: { type: TreeNode['type']; owner?: string };
  incoming: { type: TreeNode['type']; owner?: string };
}

export interface TreeOptions {
  /** What happens when two different owners put a node at one path (dir+dir merges are never conflicts). Default 'last-wins'. */
  policy?: ConflictPolicy;
  /** Follow symlinks on the way to a path (inside the tree only). Default true; false makes such a path TREE_SYMLINK_IN_PATH. */
  followSymlinks?: boolean;
  /** mtime of directories the tree creates implicitly; default SOURCE_DATE_EPOCH or 0. */
  implicitMtime?: Timestamp;
}

const MAX_SYMLINK_HOPS = 40;

/** SOURCE_DATE_EPOCH (a malformed value is BAD_SOURCE_DATE_EPOCH, never ignored), else 0. */
export function defaultMtime(): Timestamp {
  return { sec: sourceDateEpoch() ?? 0, nsec: 0 };
}

export function newDir(meta: Partial<NodeMeta> = {}): DirNode {
  // SOURCE_DATE_EPOCH is read only when no mtime is given, so an explicit time never depends on the environment.
  return { type: 'dir', perm: 0o755, uid: 0, gid: 0, ...meta, mtime: meta.mtime ?? defaultMtime(), children: new Map() };
}

export class Tree {
  readonly root: DirNode;
  /** Every conflict met so far (under 'last-wins' too), with both owners. */
  readonly conflicts: Conflict[] = [];
  readonly policy: ConflictPolicy;
  private readonly follow: boolean;
  private readonly implicitMtime: Timestamp;

  constructor(options: TreeOptions = {}) {
    this.policy = options.policy ?? 'last-wins';
    this.follow = options.followSymlinks ?? true;
    this.implicitMtime = options.implicitMtime ?? defaultMtime();
    this.root = newDir({ mtime: this.implicitMtime });
  }

  /** The node at a path (the last component is not followed), or undefined. */
  lookup(path: string): TreeNode | undefined {
    const parts = splitTreePath(path);
    if (parts.length === 0) return this.root;
    const parent = this.resolveDir(parts.slice(0, -1), { create: false, owner: undefined, path });
    return parent?.children.get(parts[parts.length - 1]!);
  }

  /** Adds (or merges, for directories) a node; returns the node now at the path. */
  add(path: string, node: TreeNode, ctx: { file?: string } = {}): TreeNode {
    const parts = splitTreePath(path, { file: ctx.file });
    if (parts.length === 0) {
      if (node.type !== 'dir') throw new DistrokitError('TREE_CONFLICT', `a ${node.type} cannot replace the tree root`, { file: ctx.file, entry: path });
      copyMeta(this.root, node);
      return this.root;
    }
    const parent = this.resolveDir(parts.slice(0, -1), { create: true, owner: node.owner, path, file: ctx.file })!;
    const name = parts[parts.length - 1]!;
    const existing = parent.children.get(name);
    if (!existing) {
      parent.children.set(name, node);
      return node;
    }
    if (existing === node) return node;
    if (existing.type === 'dir' && node.type === 'dir') {
      copyMeta(existing, node);
      return existing;
    }
    if (existing.type === 'symlink' && node.type === 'dir' && this.follow) {
      // dpkg keeps a symlink to a directory when a package ships that directory (merged /usr).
      const target = this.resolveSymlink(existing, parts.slice(0, -1), 0, path, ctx.file);
      if (target?.type === 'dir') return target;
    }
    this.conflict(joinTreePath(parts), existing, node, ctx.file);
    parent.children.set(name, node);
    return node;
  }

  /** Adds a hard link at `path` to the existing non-directory at `target` (both paths inside the tree). */
  link(path: string, target: string, ctx: { file?: string; owner?: string } = {}): TreeNode {
    const targetNode = this.lookup(target);
    if (!targetNode)
      throw new DistrokitError('TREE_HARDLINK_TARGET_MISSING', `hard link '${path}' points to '${target}', which is not in the tree`, { file: ctx.file, entry: path, target });
    if (targetNode.type === 'dir') throw new DistrokitError('TREE_HARDLINK_TO_DIR', `hard link '${path}' points to the directory '${target}'`, { file: ctx.file, entry: path, target });
    return this.add(path, targetNode, ctx);
  }

  /** Every node with its path, parents before children, siblings in UTF-8 byte order. */
  *walk(): Generator<{ path: string; parts: string[]; node: TreeNode }> {
    yield* walkDir(this.root, []);
  }

  private conflict(path: string, existing: TreeNode, incoming: TreeNode, file: string | undefined): void {
    if (existing.owner === incoming.owner) return; // one source replacing its own entry, as tar extraction does
    const conflict: Conflict = { path, existing: { type: existing.type, owner: existing.owner }, incoming: { type: incoming.type, owner: incoming.owner } };
    this.conflicts.push(conflict);
    if (this.policy === 'error')
      throw new DistrokitError(
        'TREE_CONFLICT',
        `'${path}': ${incoming.type} from ${incoming.owner ?? '(unknown)'} conflicts with ${existing.type} from ${existing.owner ?? '(unknown)'}`,
        { file, entry: path, existingOwner: existing.owner, incomingOwner: incoming.owner, existingType: existing.type, incomingType: incoming.type },
      );
  }

  /** The directory at `parts` (following symlinks inside the tree), creating missing directories if asked. */
  private resolveDir(parts: string[], opts: { create: boolean; owner: string | undefined; path: string; file?: string }, hops = 0): DirNode | undefined {
    let dir = this.root;
    for (let i = 0; i < parts.length; i++) {
      const name = parts[i]!;
      let child = dir.children.get(name);
      if (!child) {
        if (!opts.create) return undefined;
        child = newDir({ mtime: this.implicitMtime, owner: opts.owner });
        dir.children.set(name, child);
      }
      if (child.type === 'symlink') {
        if (!this.follow)
          throw new DistrokitError('TREE_SYMLINK_IN_PATH', `'${opts.path}' goes through the symlink '${joinTreePath(parts.slice(0, i + 1))}'`, { file: opts.file, entry: opts.path });
        const target = this.resolveSymlink(child, parts.slice(0, i), hops, opts.path, opts.file);
        if (!target || target.type !== 'dir')
          throw new DistrokitError(
            'TREE_NOT_A_DIRECTORY',
            `'${opts.path}' goes through the symlink '${joinTreePath(parts.slice(0, i + 1))}' -> '${child.target}', which is not a directory inside the tree`,
            { file: opts.file, entry: opts.path },
          );
        child = target;
      }
      if (child.type !== 'dir') {
        const existing = child;
        const replacement = newDir({ mtime: this.implicitMtime, owner: opts.owner });
        if (!opts.create) return undefined;
        this.conflict(joinTreePath(parts.slice(0, i + 1)), existing, replacement, opts.file);
        dir.children.set(name, replacement);
        child = replacement;
      }
      dir = child;
    }
    return dir;
  }

  /** Follows a symlink found in directory `base` like a chroot would: inside the tree, ".." stopping at the root. */
  private resolveSymlink(link: { target: string }, base: string[], hops: number, path: string, file: string | undefined): TreeNode | undefined {
    if (hops >= MAX_SYMLINK_HOPS) throw new DistrokitError('TREE_SYMLINK_LOOP', `too many symlinks on the way to '${path}'`, { file, entry: path });
    const stack = link.target.startsWith('/') ? [] : [...base];
    for (const part of link.target.split('/')) {
      if (part === '' || part === '.') continue;
      if (part === '..') stack.pop();
      else stack.push(part);
    }
    if (stack.length === 0) return this.root;
    const parent = this.resolveDir(stack.slice(0, -1), { create: false, owner: undefined, path, file }, hops + 1);
    const node = parent?.children.get(stack[stack.length - 1]!);
    if (node?.type === 'symlink') return this.resolveSymlink(node, stack.slice(0, -1), hops + 1, path, file);
    return node;
  }
}

function copyMeta(into: DirNode, from: NodeMeta): void {
  into.perm = from.perm;
  into.uid = from.uid;
  into.gid = from.gid;
  into.uname = from.uname;
  into.gname = from.gname;
  into.mtime = from.mtime;
  if (from.atime) into.atime = from.atime;
  if (from.ctime) into.ctime = from.ctime;
  if (from.xattrs) into.xattrs = from.xattrs;
  if (from.owner !== undefined && into.owner === undefined) into.owner = from.owner;
}

function* walkDir(dir: DirNode, parts: string[]): Generator<{ path: string; parts: string[]; node: TreeNode }> {
  yield { path: joinTreePath(parts), parts, node: dir };
  const names = [...dir.children.keys()].sort(compareNames);
  for (const name of names) {
    const node = dir.children.get(name)!;
    const childParts = [...parts, name];
    if (node.type === 'dir') yield* walkDir(node, childParts);
    else yield { path: joinTreePath(childParts), parts: childParts, node };
  }
}

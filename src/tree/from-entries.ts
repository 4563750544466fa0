/**
 * Fills a tree from archive entries (tar, cpio, and the payloads of .deb and
 * .rpm). Paths go through splitTreePath (absolute → relative, '..' refused),
 * tar hard links name their target path, cpio hard links share an inode
 * number (the data travels with the last of them).
 */
import { DistrokitError } from '../../formats/errors.js';
import type { ArchiveEntry } from '../../formats/entry.js';
import type { ContentStore } from './content-store.js';
import type { Tree } from './tree.js';
import type { FileContent, FileNode, NodeMeta, TreeNode } from './types.js';

export interface AddEntriesOptions {
  /** Who owns these nodes in conflict reports (a package name, an archive path). */
  owner?: string;
  store: ContentStore;
  /** Name of the archive, for errors. */
  file?: string;
  /** Hook to rewrite or drop (return undefined) a path before it is added. */
  mapPath?: (path: string) => string | undefined;
}

/** An entry whose content was already stored (e.g. by a worker thread): `content` is used instead of reading `body`. */
export type StoredEntry = ArchiveEntry & { content?: FileContent };

export async function addEntriesToTree(tree: Tree, entries: AsyncIterable<StoredEntry> | Iterable<StoredEntry>, options: AddEntriesOptions): Promise<number> {
  const { owner, store, file } = options;
  const inodes = new Map<number, FileNode>();
  let count = 0;
  for await (const entry of entries) {
    const path = options.mapPath ? options.mapPath(entry.path) : entry.path;
    if (path === undefined) continue;
    count++;
    const meta = entryMeta(entry, owner);
    const ctx = { file };
    try {
      if (entry.type === 'hardlink') {
        const target = options.mapPath ? options.mapPath(entry.linkTarget ?? '') : entry.linkTarget;
        tree.link(path, target ?? '', { ...ctx, owner });
        continue;
      }
      if (entry.type === 'file' && entry.inode !== undefined && (entry.nlink ?? 1) > 1) {
        // cpio: every name of a multiply-linked file has its own header; one (newc: the last) carries the data.
        const known = inodes.get(entry.inode);
        if (known) {
          if (entry.size > 0) {
            known.content = entry.content ?? (await store.put(entry.body, entry.size));
            known.size = entry.size;
          }
          tree.add(path, known, ctx);
          continue;
        }
      }
      const node = await makeNode(entry, meta, store);
      if (node.type === 'file' && entry.inode !== undefined && (entry.nlink ?? 1) > 1) inodes.set(entry.inode, node);
      tree.add(path, node, ctx);
    } catch (err) {
      throw DistrokitError.wrap(err, 'TREE_ADD_FAILED', { file, entry: entry.path, offset: entry.offset });
    }
  }
  return count;
}

function entryMeta(entry: ArchiveEntry, owner: string | undefined): NodeMeta {
  const meta: NodeMeta = { perm: entry.mode & 0o7777, uid: entry.uid, gid: entry.gid, mtime: { ...entry.mtime } };
  if (entry.uname) meta.uname = entry.uname;
  if (entry.gname) meta.gname = entry.gname;
  if (entry.atime) meta.atime = { ...entry.atime };
  if (entry.ctime) meta.ctime = { ...entry.ctime };
  if (entry.xattrs && entry.xattrs.size > 0) meta.xattrs = new Map(entry.xattrs);
  if (owner !== undefined) meta.owner = owner;
  return meta;
}

async function makeNode(entry: StoredEntry, meta: NodeMeta, store: ContentStore): Promise<TreeNode> {
  switch (entry.type) {
    case 'file':
      return { type: 'file', ...meta, size: entry.size, content: entry.content ?? (await store.put(entry.body, entry.size)) };
    case 'dir':
      return { type: 'dir', ...meta, children: new Map() };
    case 'symlink':
      return { type: 'symlink', ...meta, target: entry.linkTarget ?? '' };
    case 'chardev':
    case 'blockdev':
      return { type: entry.type, ...meta, major: entry.devMajor ?? 0, minor: entry.devMinor ?? 0 };
    case 'fifo':
    case 'socket':
      return { type: entry.type, ...meta };
    case 'hardlink':
      throw new Error('unreachable: hard links are handled by the caller');
  }
}

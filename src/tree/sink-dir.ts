/**
 * Writes a tree into a host directory (for tests and `archive extract`).
 *
 * Safety: the target must be empty (or not exist yet), every directory is
 * created by this sink, every file is created with O_CREAT|O_EXCL (which
 * never follows a symlink), and symlinks are created only after all files,
 * so no write can go through a symlink and nothing lands outside the target.
 *
 * Node cannot mknod or setxattr without native code: device nodes, FIFOs and
 * sockets and all xattrs are reported in `skipped` instead of being written.
 * Owners are applied only with `owners: true` (needs root).
 */
import { constants } from 'node:fs';
import { chmod, lchown, link, lutimes, mkdir, open, readdir, symlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { DistrokitError } from '../../formats/errors.js';
import type { Tree } from './tree.js';
import type { FileContent, Timestamp, TreeNode } from './types.js';

export interface DirectorySinkOptions {
  /** lchown every node to its uid/gid (default: only when running as root). */
  owners?: boolean;
  /** Parallel file writes (default 8). */
  concurrency?: number;
}

export interface DirectorySinkResult {
  files: number;
  dirs: number;
  symlinks: number;
  hardlinks: number;
  bytes: number;
  /** Nodes or attributes that a pure-Node sink cannot create. */
  skipped: { path: string; what: string }[];
}

const READ_CHUNK = 1 << 20;

export async function writeTreeToDirectory(tree: Tree, target: string, options: DirectorySinkOptions = {}): Promise<DirectorySinkResult> {
  await mkdir(target, { recursive: true });
  const existing = await readdir(target);
  if (existing.length > 0) throw new DistrokitError('SINK_NOT_EMPTY', `target directory '${target}' is not empty`, { file: target });
  const owners = options.owners ?? process.getuid?.() === 0;
  const result: DirectorySinkResult = { files: 0, dirs: 0, symlinks: 0, hardlinks: 0, bytes: 0, skipped: [] };
  const firstPath = new Map<TreeNode, string>();
  const dirs: { full: string; node: TreeNode }[] = [];
  const symlinks: { full: string; node: TreeNode & { type: 'symlink' } }[] = [];
  const hardlinks: { full: string; existing: string }[] = [];
  const files: { full: string; node: TreeNode & { type: 'file' } }[] = [];
  for (const { path, parts, node } of tree.walk()) {
    const full = join(target, ...parts);
    if (node.xattrs && node.xattrs.size > 0) result.skipped.push({ path, what: `xattrs ${[...node.xattrs.keys()].join(', ')}` });
    if (node.type === 'dir') {
      if (parts.length > 0) await mkdir(full, { mode: 0o700 });
      dirs.push({ full, node });
      result.dirs++;
      continue;
    }
    const first = firstPath.get(node);
    if (first !== undefined) {
      hardlinks.push({ full, existing: first });
      continue;
    }
    firstPath.set(node, full);
    if (node.type === 'file') files.push({ full, node });
    else if (node.type === 'symlink') symlinks.push({ full, node });
    else result.skipped.push({ path, what: node.type });
  }
  await runPool(files, options.concurrency ?? 8, async ({ full, node }) => {
    await writeFile(full, node.content, node.size);
    await finishMeta(full, node, owners, false);
    result.files++;
    result.bytes += node.size;
  });
  for (const { full, existing } of hardlinks) {
    await link(existing, full);
    result.hardlinks++;
  }
  for (const { full, node } of symlinks) {
    await symlink(node.target, full);
    await finishMeta(full, node, owners, true);
    result.symlinks++;
  }
  // Directories last and deepest first, so their own mtimes and modes survive the writes into them.
  for (let i = dirs.length - 1; i >= 0; i--) await finishMeta(dirs[i]!.full, dirs[i]!.node, owners, false);
  return result;
}

async function writeFile(full: string, content: FileContent, size: number): Promise<void> {
  const out = await open(full, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    let written = 0;
    for await (const chunk of contentChunks(content)) {
      await out.write(chunk, 0, chunk.byteLength, written);
      written += chunk.byteLength;
    }
    if (written !== size) throw new DistrokitError('SINK_SIZE_MISMATCH', `content of '${full}' has ${written} bytes, expected ${size}`, { file: full });
  } finally {
    await out.close();
  }
}

/** The bytes of a file's content, whatever its kind. */
export async function* contentChunks(content: FileContent): AsyncGenerator<Uint8Array> {
  if (content.kind === 'bytes') {
    if (content.data.byteLength > 0) yield content.data;
    return;
  }
  if (content.kind === 'lazy') {
    yield* content.open();
    return;
  }
  const input = await open(content.path, 'r');
  try {
    let left = content.length;
    let position = content.offset;
    while (left > 0) {
      const buffer = new Uint8Array(Math.min(READ_CHUNK, left));
      const { bytesRead } = await input.read(buffer, 0, buffer.byteLength, position);
      if (bytesRead === 0) throw new DistrokitError('SOURCE_TRUNCATED', `'${content.path}' ends before offset ${position}`, { file: content.path, offset: position });
      yield buffer.subarray(0, bytesRead);
      left -= bytesRead;
      position += bytesRead;
    }
  } finally {
    await input.close();
  }
}

function toDate(t: Timestamp): number {
  // utimes takes seconds as a number; fractions carry microseconds at best.
  return t.sec + t.nsec / 1e9;
}

async function finishMeta(full: string, node: TreeNode, owners: boolean, isLink: boolean): Promise<void> {
  if (owners) await lchown(full, node.uid, node.gid);
  const mtime = toDate(node.mtime);
  const atime = node.atime ? toDate(node.atime) : mtime;
  if (isLink) {
    await lutimes(full, atime, mtime);
    return;
  }
  // chmod after chown: chown clears setuid/setgid bits.
  await chmod(full, node.perm & 0o7777);
  await utimes(full, atime, mtime);
}

async function runPool<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(width, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(workers);
}

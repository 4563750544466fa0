/**
 * Writes a tree into a host directory (for tests and `archive extract`).
 *
 * Safety: the target must be empty (or not exist yet), every directory is
 * created by this sink, every file is created with O_CREAT|O_EXCL (which
 * never follows a symlink), and symlinks are created only after all files,
 * so no write can go through a symlink and nothing lands outside the target
 * (hard links come last; link(2) never follows a symlink either). On a failure
 * everything written is removed again, and host refusals become SINK_WRITE_FAILED.
 *
 * Node cannot mknod or setxattr without native code: device nodes, FIFOs and
 * sockets and all xattrs are reported in `skipped` instead of being written.
 * Owners are applied only with `owners: true` (needs root).
 */
import {
  chmodSync,
  closeSync,
  constants,
  existsSync,
  fchmodSync,
  fchownSync,
  futimesSync,
  lchownSync,
  linkSync,
  lutimesSync,
  mkdirSync,
  openSync,
  readSync,
  symlinkSync,
  utimesSync,
  writeSync,
} from 'node:fs';
import { mkdir, open, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DistrokitError } from '../../formats/errors.js';
import { systemErrorAs } from '../../formats/file.js';
import type { Tree } from './tree.js';
import type { FileContent, FileNode, Timestamp, TreeNode } from './types.js';

export interface DirectorySinkOptions {
  /** lchown every node to its uid/gid (default: only when running as root). */
  owners?: boolean;
  /** Parallel writes of files whose content must be produced asynchronously ('lazy'; default 8). */
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
  const created = !existsSync(target);
  let existing: string[];
  try {
    await mkdir(target, { recursive: true });
    existing = await readdir(target);
  } catch (err) {
    throw systemErrorAs(err, 'SINK_TARGET_UNUSABLE', target, 'cannot use as the target directory');
  }
  if (existing.length > 0) throw new DistrokitError('SINK_NOT_EMPTY', `target directory '${target}' is not empty`, { file: target });
  try {
    return await writeInto(tree, target, options);
  } catch (err) {
    // The target was empty: take back everything written, so a failure leaves no partial tree behind.
    if (created) await rm(target, { recursive: true, force: true });
    else for (const name of await readdir(target)) await rm(join(target, name), { recursive: true, force: true });
    // What the host refuses (too many links, a name or link target too long, an id out of range) is the input's fault.
    throw DistrokitError.wrap(err, 'SINK_WRITE_FAILED', { file: target });
  }
}

async function writeInto(tree: Tree, target: string, options: DirectorySinkOptions): Promise<DirectorySinkResult> {
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
      if (parts.length > 0) mkdirSync(full, { mode: 0o700 });
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
  await writeFiles(files, owners, options.concurrency ?? 8, result);
  for (const { full, node } of symlinks) {
    symlinkSync(node.target, full);
    finishMetaSync(full, node, owners, true);
    result.symlinks++;
  }
  // Hard links after symlinks: a hard link may name a symlink (link(2) links the symlink itself, never its target).
  for (const { full, existing } of hardlinks) {
    linkSync(existing, full);
    result.hardlinks++;
  }
  // Directories last and deepest first, so their own mtimes and modes survive the writes into them.
  for (let i = dirs.length - 1; i >= 0; i--) finishMetaSync(dirs[i]!.full, dirs[i]!.node, owners, false);
  return result;
}

/**
 * Bytes and spool ranges are written with synchronous calls on one descriptor per file:
 * ~5 promise round trips through the libuv pool per file cost more than the writes
 * themselves (~21k files for a Debian base). Only 'lazy' contents go the async way.
 */
async function writeFiles(files: { full: string; node: FileNode }[], owners: boolean, concurrency: number, result: DirectorySinkResult): Promise<void> {
  const reader = new RangeReader();
  const lazy: typeof files = [];
  try {
    for (const item of files) {
      if (item.node.content.kind === 'lazy') {
        lazy.push(item);
        continue;
      }
      writeFileSync(item.full, item.node, owners, reader);
      result.files++;
      result.bytes += item.node.size;
    }
  } finally {
    reader.close();
  }
  await runPool(lazy, concurrency, async ({ full, node }) => {
    await writeFile(full, node.content, node.size);
    finishMetaSync(full, node, owners, false);
    result.files++;
    result.bytes += node.size;
  });
}

const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/**
 * Reads byte ranges of spool files through one cached descriptor per file
 * (a tree's ranges all point into a few spools) and one reusable buffer.
 */
class RangeReader {
  private readonly fds = new Map<string, number>();
  private buffer = new Uint8Array(READ_CHUNK);

  /** Calls `sink` with consecutive pieces of the range; each piece is valid only during the call. */
  forEach(content: FileContent & { kind: 'range' }, sink: (piece: Uint8Array) => void): void {
    let fd = this.fds.get(content.path);
    if (fd === undefined) {
      fd = openSync(content.path, 'r');
      this.fds.set(content.path, fd);
    }
    let left = content.length;
    let position = content.offset;
    while (left > 0) {
      const bytesRead = readSync(fd, this.buffer, 0, Math.min(this.buffer.byteLength, left), position);
      if (bytesRead === 0) throw new DistrokitError('SOURCE_TRUNCATED', `'${content.path}' ends before offset ${position}`, { file: content.path, offset: position });
      sink(this.buffer.subarray(0, bytesRead));
      left -= bytesRead;
      position += bytesRead;
    }
  }

  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }
}

/** Creates, fills and finishes (owner, mode, times) one file with content already at hand. */
function writeFileSync(full: string, node: FileNode, owners: boolean, reader: RangeReader): void {
  const fd = openSync(full, CREATE_FLAGS, 0o600);
  try {
    let written = 0;
    const put = (piece: Uint8Array) => {
      for (let at = 0; at < piece.byteLength; ) at += writeSync(fd, piece, at, piece.byteLength - at);
      written += piece.byteLength;
    };
    const content = node.content;
    if (content.kind === 'bytes') put(content.data);
    else if (content.kind === 'range') reader.forEach(content, put);
    if (written !== node.size) throw new DistrokitError('SINK_SIZE_MISMATCH', `content of '${full}' has ${written} bytes, expected ${node.size}`, { file: full });
    if (owners) fchownSync(fd, node.uid, node.gid);
    // chmod after chown: chown clears setuid/setgid bits.
    fchmodSync(fd, node.perm & 0o7777);
    const mtime = toDate(node.mtime);
    futimesSync(fd, node.atime ? toDate(node.atime) : mtime, mtime);
  } finally {
    closeSync(fd);
  }
}

async function writeFile(full: string, content: FileContent, size: number): Promise<void> {
  const out = await open(full, CREATE_FLAGS, 0o600);
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

/** Owner, mode and times of a node already created (by path: directories, symlinks, lazily written files). */
function finishMetaSync(full: string, node: TreeNode, owners: boolean, isLink: boolean): void {
  if (owners) lchownSync(full, node.uid, node.gid);
  const mtime = toDate(node.mtime);
  const atime = node.atime ? toDate(node.atime) : mtime;
  if (isLink) {
    lutimesSync(full, atime, mtime);
    return;
  }
  // chmod after chown: chown clears setuid/setgid bits.
  chmodSync(full, node.perm & 0o7777);
  utimesSync(full, atime, mtime);
}

/** Runs `work` over items, at most `width` at a time; after a failure takes no new item, waits for those running, then throws. */
async function runPool<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const workers = Array.from({ length: Math.min(width, items.length) }, async () => {
    while (!failed && next < items.length) {
      try {
        await work(items[next++]!);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  });
  const rejected = (await Promise.allSettled(workers)).find((r) => r.status === 'rejected');
  if (rejected) throw (rejected as PromiseRejectedResult).reason;
}

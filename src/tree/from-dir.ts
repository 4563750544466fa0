/**
 * A host directory as a filesystem tree: lstat without following links, names
 * as raw bytes (must be UTF-8), owners, modes and times with nanoseconds,
 * hard links shared by (dev, ino), file contents read lazily as host-file ranges.
 * Extended attributes come from one recursive `getfattr` run (Node has no xattr API).
 */
import { execFile } from 'node:child_process';
import { type BigIntStats, lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { DistrokitError } from '../../formats/errors.js';
import type { DirNode, NodeMeta, Timestamp, TreeNode } from './types.js';

export interface FromDirOptions {
  /** Copy extended attributes: true (requires getfattr), false, or 'auto' (if getfattr exists). Default 'auto'. */
  xattrs?: boolean | 'auto';
  /** Called with the lstat of the root and of every entry, in walk order (e.g. to measure the source as `du` does). */
  onStat?: (path: string, st: BigIntStats) => void;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

function ts(ns: bigint): Timestamp {
  const sec = ns >= 0n ? ns / 1_000_000_000n : -((-ns + 999_999_999n) / 1_000_000_000n);
  return { sec: Number(sec), nsec: Number(ns - sec * 1_000_000_000n) };
}

/** Linux dev_t split (glibc's gnu_dev_major/minor). */
function devParts(rdev: bigint): { major: number; minor: number } {
  const major = Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));
  const minor = Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn));
  return { major, minor };
}

export async function treeFromDirectory(root: string, options: FromDirOptions = {}): Promise<DirNode> {
  const xattrs = await readXattrs(root, options.xattrs ?? 'auto');
  const rootStat = statOrThrow(root, root);
  if (!rootStat.isDirectory()) throw new DistrokitError('TREE_NOT_A_DIRECTORY', 'source is not a directory', { file: root });
  const onStat = options.onStat;
  onStat?.(root, rootStat);
  const rootNode: DirNode = { type: 'dir', children: new Map(), ...meta(rootStat, xattrs.get(root)) };
  const links = new Map<string, TreeNode>();
  const stack: [string, DirNode][] = [[root, rootNode]];
  while (stack.length) {
    const [dirPath, dirNode] = stack.pop()!;
    let names: Buffer[];
    try {
      names = readdirSync(dirPath, { encoding: 'buffer' });
    } catch (err) {
      throw DistrokitError.wrap(err, 'TREE_UNREADABLE', { file: dirPath });
    }
    names.sort(Buffer.compare);
    for (const raw of names) {
      let name: string;
      try {
        name = decoder.decode(raw);
      } catch {
        throw new DistrokitError('TREE_BAD_NAME', `file name ${JSON.stringify(raw.toString('latin1'))} is not valid UTF-8`, { file: dirPath });
      }
      const path = join(dirPath, name);
      const st = statOrThrow(path, path);
      onStat?.(path, st);
      const isDir = st.isDirectory();
      // Only possible hard links need the (dev, ino) key: making it for every entry was a visible cost.
      const key = !isDir && st.nlink > 1n ? `${st.dev}:${st.ino}` : null;
      if (key !== null) {
        const seen = links.get(key);
        if (seen) {
          dirNode.children.set(name, seen);
          continue;
        }
      }
      const m = meta(st, xattrs.get(path));
      let node: TreeNode;
      if (isDir) {
        node = { type: 'dir', children: new Map(), ...m };
        stack.push([path, node]);
      } else if (st.isFile()) {
        const size = Number(st.size);
        node = { type: 'file', size, content: { kind: 'range', path, offset: 0, length: size }, ...m };
      } else if (st.isSymbolicLink()) {
        let target: string;
        try {
          target = decoder.decode(readlinkSync(path, { encoding: 'buffer' }));
        } catch (err) {
          throw DistrokitError.wrap(err, 'TREE_UNREADABLE', { file: path });
        }
        node = { type: 'symlink', target, ...m };
      } else if (st.isCharacterDevice() || st.isBlockDevice()) {
        node = { type: st.isCharacterDevice() ? 'chardev' : 'blockdev', ...devParts(st.rdev), ...m };
      } else if (st.isFIFO()) {
        node = { type: 'fifo', ...m };
      } else {
        node = { type: 'socket', ...m };
      }
      if (key !== null) links.set(key, node);
      dirNode.children.set(name, node);
    }
  }
  return rootNode;
}

/** Synchronous on purpose: per-entry async calls are thread-pool round trips that dominate large trees. */
function statOrThrow(path: string, file: string) {
  try {
    return lstatSync(path, { bigint: true });
  } catch (err) {
    throw DistrokitError.wrap(err, 'TREE_UNREADABLE', { file });
  }
}

function meta(st: ReturnType<typeof statOrThrow>, xattrs: Map<string, Uint8Array> | undefined): NodeMeta {
  const m: NodeMeta = {
    perm: Number(st.mode & 0o7777n),
    uid: Number(st.uid),
    gid: Number(st.gid),
    mtime: ts(st.mtimeNs),
    atime: ts(st.atimeNs),
    ctime: ts(st.ctimeNs),
  };
  if (xattrs && xattrs.size) m.xattrs = xattrs;
  return m;
}

/** All xattrs under `root` by path, from `getfattr -R -h -d -m - -e hex --absolute-names`. */
async function readXattrs(root: string, mode: boolean | 'auto'): Promise<Map<string, Map<string, Uint8Array>>> {
  const out = new Map<string, Map<string, Uint8Array>>();
  if (mode === false) return out;
  const text = await new Promise<string | null>((resolve, reject) => {
    execFile('getfattr', ['-R', '-h', '-d', '-m', '-', '-e', 'hex', '--absolute-names', '--', root], { maxBuffer: 1 << 30, encoding: 'latin1' }, (err, stdout) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') {
        if (mode === 'auto') resolve(null);
        else reject(new DistrokitError('TREE_NO_GETFATTR', "copying xattrs needs 'getfattr' (Debian package attr); install it or pass --no-xattrs", { file: root }));
        return;
      }
      // getfattr exits 1 when some file has no xattr support; its output is still complete.
      resolve(stdout);
    });
  });
  if (text === null) return out;
  let current: Map<string, Uint8Array> | null = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('# file: ')) {
      const path = Buffer.from(unescapeOctal(line.slice(8)), 'latin1').toString('utf8');
      current = new Map();
      out.set(path, current);
    } else if (current && line && !line.startsWith('#')) {
      const eq = line.indexOf('=');
      const name = Buffer.from(unescapeOctal(eq < 0 ? line : line.slice(0, eq)), 'latin1').toString('utf8');
      const value = eq < 0 ? '' : line.slice(eq + 1);
      const bytes = value.startsWith('0x') ? Uint8Array.from(Buffer.from(value.slice(2), 'hex')) : new Uint8Array(0);
      current.set(name, bytes);
    }
  }
  return out;
}

/** getfattr escapes newlines, backslashes and other bytes in names as \ooo. */
function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Comparable snapshots of a filesystem tree: from the tree model, and from a mounted or extracted directory. */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { lstatSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { DirNode, TreeNode } from '../../../src/tree/types.js';
import { S_IFMT } from '../../../src/tree/types.js';

export interface EntrySnapshot {
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size?: number;
  mtime: string;
  atime: string;
  ctime: string;
  target?: string;
  sha256?: string;
  rdev?: string;
  xattrs?: Record<string, string>;
  /** Identity of hard-linked files: the first path naming the same inode. */
  linkGroup?: string;
}

const ns = (t: { sec: number; nsec: number }): string => `${t.sec}.${String(t.nsec).padStart(9, '0')}`;

export function snapshotTree(root: DirNode, readContent: (n: TreeNode & { type: 'file' }) => Uint8Array, withXattrs = true): Map<string, EntrySnapshot> {
  const out = new Map<string, EntrySnapshot>();
  const seen = new Map<TreeNode, string>();
  const walk = (node: TreeNode, path: string): void => {
    const s: EntrySnapshot = {
      type: node.type,
      mode: S_IFMT[node.type] | node.perm,
      uid: node.uid,
      gid: node.gid,
      mtime: ns(node.mtime),
      atime: ns(node.atime ?? node.mtime),
      ctime: ns(node.ctime ?? node.mtime),
    };
    if (node.type === 'file') {
      s.size = node.size;
      s.sha256 = createHash('sha256').update(readContent(node)).digest('hex');
    }
    if (node.type === 'symlink') s.target = node.target;
    if (node.type === 'chardev' || node.type === 'blockdev') s.rdev = `${node.major}:${node.minor}`;
    if (withXattrs && node.xattrs?.size) s.xattrs = Object.fromEntries([...node.xattrs].map(([k, v]) => [k, Buffer.from(v).toString('hex')]).sort());
    if (node.type !== 'dir') {
      s.linkGroup = seen.get(node) ?? path;
      if (!seen.has(node)) seen.set(node, path);
    }
    out.set(path, s);
    if (node.type === 'dir') for (const name of [...node.children.keys()].sort()) walk(node.children.get(name)!, `${path === '/' ? '' : path}/${name}`);
  };
  walk(root, '/');
  return out;
}

/** The same snapshot of a real directory (a loop mount of an image). */
export function snapshotDir(root: string, withXattrs = true, skip = new Set(['/lost+found'])): Map<string, EntrySnapshot> {
  const out = new Map<string, EntrySnapshot>();
  const xattrs = withXattrs ? readAllXattrs(root) : new Map<string, Record<string, string>>();
  const seen = new Map<string, string>();
  const walk = (abs: string, path: string): void => {
    const st = lstatSync(abs, { bigint: true });
    const mode = Number(st.mode);
    const type = st.isDirectory() ? 'dir' : st.isFile() ? 'file' : st.isSymbolicLink() ? 'symlink' : st.isCharacterDevice() ? 'chardev' : st.isBlockDevice() ? 'blockdev' : st.isFIFO() ? 'fifo' : 'socket';
    const t = (v: bigint): string => {
      const sec = v >= 0n ? v / 1_000_000_000n : -((-v + 999_999_999n) / 1_000_000_000n);
      return `${sec}.${String(v - sec * 1_000_000_000n).padStart(9, '0')}`;
    };
    const s: EntrySnapshot = { type, mode, uid: Number(st.uid), gid: Number(st.gid), mtime: t(st.mtimeNs), atime: t(st.atimeNs), ctime: t(st.ctimeNs) };
    if (type === 'file') {
      s.size = Number(st.size);
      s.sha256 = createHash('sha256').update(readFileSync(abs)).digest('hex');
    }
    if (type === 'symlink') s.target = readlinkSync(abs);
    if (type === 'chardev' || type === 'blockdev') {
      const r = st.rdev;
      s.rdev = `${Number(((r >> 8n) & 0xfffn) | ((r >> 32n) & ~0xfffn))}:${Number((r & 0xffn) | ((r >> 12n) & ~0xffn))}`;
    }
    const x = xattrs.get(abs);
    if (x && Object.keys(x).length) s.xattrs = x;
    if (type !== 'dir') {
      const key = `${st.ino}`;
      s.linkGroup = seen.get(key) ?? path;
      if (!seen.has(key)) seen.set(key, path);
    }
    out.set(path, s);
    if (type === 'dir') {
      for (const name of readdirSync(abs).sort()) {
        const p = `${path === '/' ? '' : path}/${name}`;
        if (!skip.has(p)) walk(join(abs, name), p);
      }
    }
  };
  walk(root, '/');
  return out;
}

function readAllXattrs(root: string): Map<string, Record<string, string>> {
  const text = execFileSync('getfattr', ['-R', '-h', '-d', '-m', '-', '-e', 'hex', '--absolute-names', root], { encoding: 'latin1', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] });
  const out = new Map<string, Record<string, string>>();
  let cur: Record<string, string> | null = null;
  const unesc = (s: string): string => Buffer.from(s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))), 'latin1').toString('utf8');
  for (const line of text.split('\n')) {
    if (line.startsWith('# file: ')) out.set(unesc(line.slice(8)), (cur = {}));
    else if (cur && line && !line.startsWith('#')) {
      const eq = line.indexOf('=');
      cur[unesc(line.slice(0, eq))] = line.slice(eq + 3);
    }
  }
  for (const [k, v] of out) out.set(k, Object.fromEntries(Object.entries(v).sort()));
  return out;
}

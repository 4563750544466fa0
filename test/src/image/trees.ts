/** In-memory trees for the large-scale ext4 tests. */
import type { DirNode, FileNode, TreeNode } from '../../../src/tree/types.js';

const T = { sec: 1_600_000_000, nsec: 123 };

export function dir(children: [string, TreeNode][], perm = 0o755): DirNode {
  return { type: 'dir', children: new Map(children), perm, uid: 0, gid: 0, mtime: T };
}

export function file(data: Uint8Array, perm = 0o644): FileNode {
  return { type: 'file', size: data.byteLength, content: { kind: 'bytes', data }, perm, uid: 0, gid: 0, mtime: T };
}

/** Deterministic pseudo-random bytes. */
export function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed * 2654435761 + 1;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

export function wideDir(entries: number): DirNode {
  const c: [string, TreeNode][] = [];
  const empty = new Uint8Array(0);
  for (let i = 0; i < entries; i++) c.push([`entry-${i}-${'n'.repeat(i % 40)}`, file(empty)]);
  return dir([['dir', dir(c)]]);
}

export function manyFiles(dirs: number, perDir: number): DirNode {
  const ds: [string, TreeNode][] = [];
  for (let d = 0; d < dirs; d++) {
    const c: [string, TreeNode][] = [];
    for (let i = 0; i < perDir; i++) c.push([`f${i}`, file(bytes((i * 37 + d) % 6000, d * perDir + i))]);
    ds.push([`d${d}`, dir(c)]);
  }
  return dir(ds);
}

/** A file whose every other block holds data: `dataBlocks` extents separated by holes. */
export function fragmented(dataBlocks: number): Uint8Array {
  const data = new Uint8Array(dataBlocks * 2 * 4096);
  for (let b = 0; b < dataBlocks; b++) data.set(bytes(100, b + 1), b * 2 * 4096 + 7);
  return data;
}

export function deep(levels: number): DirNode {
  let node: DirNode = dir([['leaf', file(new Uint8Array([1, 2, 3]))]]);
  for (let i = 0; i < levels; i++) node = dir([[`d${i}`, node]]);
  return node;
}

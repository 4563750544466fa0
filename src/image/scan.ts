/**
 * Scans a filesystem tree into inode records: names validated and sorted by raw
 * bytes, inode numbers assigned breadth-first (a pure function of the tree),
 * hard links detected by node identity, link counts computed.
 */
import { DistrokitError } from '../../formats/errors.js';
import { FT, LOST_FOUND_INO, ROOT_INO } from '../../formats/ext4/constants.js';
import { compareBytes } from '../../formats/ext4/directory.js';
import type { DirNode, TreeNode } from '../tree/types.js';

export interface ScannedEntry {
  name: Uint8Array;
  ino: number;
  type: number;
}

export interface ScannedInode {
  ino: number;
  /** null only for a synthesized lost+found. */
  node: TreeNode | null;
  type: TreeNode['type'];
  links: number;
  /** Directories: parent inode and sorted entries. */
  parent?: number;
  entries?: ScannedEntry[];
  /** A path naming this inode, for error messages. */
  path: string;
}

export interface ScanResult {
  /** Indexed by inode number; entries 1..10 (except 2) are the reserved inodes (undefined). */
  inodes: (ScannedInode | undefined)[];
  maxIno: number;
  dirCount: number;
}

const utf8 = new TextEncoder();

function encodeName(name: string, path: string): Uint8Array {
  const bytes = utf8.encode(name);
  if (bytes.byteLength === 0 || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    throw new DistrokitError('EXT4_BAD_NAME', `invalid file name ${JSON.stringify(name)}`, { entry: path });
  }
  if (bytes.byteLength > 255) {
    throw new DistrokitError('EXT4_NAME_TOO_LONG', `file name is ${bytes.byteLength} bytes, ext4 allows 255`, { entry: path });
  }
  return bytes;
}

const LOST_FOUND = 'lost+found';

export function scanTree(root: DirNode): ScanResult {
  if (root.type !== 'dir') throw new DistrokitError('EXT4_BAD_TREE', 'the tree root is not a directory', { entry: '/' });
  const inodes: (ScannedInode | undefined)[] = [];
  const byNode = new Map<TreeNode, ScannedInode>();
  let next = LOST_FOUND_INO + 1;
  const rootRec: ScannedInode = { ino: ROOT_INO, node: root, type: "dir", links: 2, path: "/", parent: ROOT_INO };
  inodes[ROOT_INO] = rootRec;
  byNode.set(root, rootRec);
  const existingLf = root.children.get(LOST_FOUND);
  if (existingLf && existingLf.type !== 'dir') {
    throw new DistrokitError('EXT4_BAD_TREE', 'lost+found in the root must be a directory', { entry: '/lost+found' });
  }
  const lfRec: ScannedInode = { ino: LOST_FOUND_INO, node: existingLf ?? null, type: 'dir', links: 2, path: '/lost+found', parent: ROOT_INO };
  inodes[LOST_FOUND_INO] = lfRec;
  if (existingLf) byNode.set(existingLf, lfRec);
  let dirCount = 2;
  const queue: ScannedInode[] = [rootRec];
  for (let qi = 0; qi < queue.length; qi++) {
    const dirRec = queue[qi]!;
    const dir = dirRec.node as DirNode | null;
    const named: { name: Uint8Array; child: TreeNode; path: string }[] = [];
    if (dir) {
      for (const [name, child] of dir.children) {
        const path = dirRec.path === '/' ? `/${name}` : `${dirRec.path}/${name}`;
        named.push({ name: encodeName(name, path), child, path });
      }
    }
    named.sort((a, b) => compareBytes(a.name, b.name));
    const entries: ScannedEntry[] = [];
    if (dirRec.ino === ROOT_INO && !existingLf) {
      entries.push({ name: utf8.encode(LOST_FOUND), ino: LOST_FOUND_INO, type: FT.dir });
    }
    for (const { name, child, path } of named) {
      let rec = byNode.get(child);
      if (rec && child.type === 'dir' && !(rec === lfRec && dirRec.ino === ROOT_INO)) {
        throw new DistrokitError('EXT4_BAD_TREE', 'a directory appears under more than one name', { entry: path });
      }
      if (!rec) {
        rec = { ino: next++, node: child, type: child.type, links: child.type === 'dir' ? 2 : 0, path };
        inodes[rec.ino] = rec;
        byNode.set(child, rec);
      }
      if (child.type === 'dir') {
        rec.parent = dirRec.ino;
        dirRec.links++;
        dirCount += rec === lfRec ? 0 : 1;
        queue.push(rec);
      } else {
        rec.links++;
      }
      entries.push({ name, ino: rec.ino, type: FT[child.type] });
    }
    if (dirRec.ino === ROOT_INO && !existingLf) {
      rootRec.links++;
      queue.push(lfRec);
      entries.sort((a, b) => compareBytes(a.name, b.name));
    }
    dirRec.entries = entries;
  }
  for (const rec of inodes) {
    if (!rec) continue;
    if (rec.type === 'dir' && rec.links > 65000) rec.links = 1; // dir_nlink: "many"
    if (rec.type !== 'dir' && rec.links > 65000) {
      throw new DistrokitError('EXT4_TOO_MANY_LINKS', `${rec.links} hard links to one file, ext4 allows 65000`, { entry: rec.path });
    }
  }
  return { inodes, maxIno: next - 1, dirCount };
}

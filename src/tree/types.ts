/**
 * The one filesystem-tree model of distrokit. Every source (host directory,
 * tar, cpio, .deb, .rpm) fills it and every sink (directory, ext4, cpio) writes it.
 *
 * It is an inode model: a directory maps names to nodes, and a non-directory
 * node reachable under several names is a hard link (the same object). Names
 * are UTF-8 strings without '/' or NUL; sinks order entries by their UTF-8 bytes.
 */

/** Seconds since the epoch (may be negative or beyond 2038) plus nanoseconds 0..999,999,999. */
export interface Timestamp {
  sec: number;
  nsec: number;
}

/** Where a regular file's bytes come from; contents are never all held in memory at once. */
export type FileContent =
  | { kind: 'bytes'; data: Uint8Array }
  /** A byte range of a host file (e.g. an uncompressed archive member). */
  | { kind: 'range'; path: string; offset: number; length: number }
  /** Anything else: opened on demand, must yield exactly `size` bytes. */
  | { kind: 'lazy'; open: () => AsyncIterable<Uint8Array> };

export interface NodeMeta {
  /** Permission bits including setuid (0o4000), setgid (0o2000) and sticky (0o1000); no type bits. */
  perm: number;
  uid: number;
  gid: number;
  uname?: string;
  gname?: string;
  mtime: Timestamp;
  atime?: Timestamp;
  ctime?: Timestamp;
  /** Extended attributes by full name ("user.foo", "security.capability", "system.posix_acl_access"). */
  xattrs?: Map<string, Uint8Array>;
  /** Which source put this node here (a package name, an archive path), for conflict reports. */
  owner?: string;
}

export interface DirNode extends NodeMeta {
  type: 'dir';
  children: Map<string, TreeNode>;
}

export interface FileNode extends NodeMeta {
  type: 'file';
  size: number;
  content: FileContent;
}

export interface SymlinkNode extends NodeMeta {
  type: 'symlink';
  target: string;
}

export interface DeviceNode extends NodeMeta {
  type: 'chardev' | 'blockdev';
  major: number;
  minor: number;
}

export interface SpecialNode extends NodeMeta {
  type: 'fifo' | 'socket';
}

export type TreeNode = DirNode | FileNode | SymlinkNode | DeviceNode | SpecialNode;
export type NodeType = TreeNode['type'];

/** The S_IFMT bits for each node type (as in stat(2), cpio, tar, ext4 i_mode). */
export const S_IFMT: Record<NodeType, number> = {
  socket: 0o140000,
  symlink: 0o120000,
  file: 0o100000,
  blockdev: 0o060000,
  dir: 0o040000,
  chardev: 0o020000,
  fifo: 0o010000,
};

/**
 * The file system objects a NAR (Nix ARchive) can hold: regular files (with
 * one executable flag, no other mode bits), symlinks and directories. No
 * owners, times, hard links, xattrs or special files: that is what makes a
 * NAR, and so its hash, a function of the contents alone.
 */

export interface NarRegular {
  type: 'regular';
  executable: boolean;
  size: bigint | number;
  /** Exactly `size` bytes, in chunks of any size. */
  contents: () => AsyncIterable<Uint8Array>;
}

export interface NarSymlink {
  type: 'symlink';
  /** The link text as raw bytes (or a string, written as UTF-8). */
  target: Uint8Array | string;
}

export interface NarDirectory {
  type: 'directory';
  /** The entries in any order (the writer sorts them by name bytes). */
  entries: () => Iterable<[name: Uint8Array, node: NarNode]>;
}

export type NarNode = NarRegular | NarSymlink | NarDirectory;

/** The first string of every NAR. */
export const NAR_MAGIC = 'nix-archive-1';

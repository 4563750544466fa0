/** On-disk constants of ext4 (kernel `Documentation/filesystems/ext4/`, e2fsprogs `lib/ext2fs/ext2_fs.h`). */

export const BLOCK_SIZE = 4096;
export const INODE_SIZE = 256;
export const EXTRA_ISIZE = 32;
export const BLOCKS_PER_GROUP = 32768;
export const INODES_PER_BLOCK = BLOCK_SIZE / INODE_SIZE;
export const FIRST_INO = 11;
export const ROOT_INO = 2;
export const JOURNAL_INO = 8;
export const LOST_FOUND_INO = 11;

export const COMPAT_HAS_JOURNAL = 0x4;
export const COMPAT_EXT_ATTR = 0x8;
export const COMPAT_DIR_INDEX = 0x20;
export const INCOMPAT_FILETYPE = 0x2;
export const INCOMPAT_EXTENTS = 0x40;
export const INCOMPAT_64BIT = 0x80;
export const INCOMPAT_FLEX_BG = 0x200;
export const RO_COMPAT_SPARSE_SUPER = 0x1;
export const RO_COMPAT_LARGE_FILE = 0x2;
export const RO_COMPAT_HUGE_FILE = 0x8;
export const RO_COMPAT_DIR_NLINK = 0x20;
export const RO_COMPAT_EXTRA_ISIZE = 0x40;
export const RO_COMPAT_METADATA_CSUM = 0x400;

export const FLAG_SIGNED_HASH = 0x1;
export const FLAG_UNSIGNED_HASH = 0x2;

export const BG_INODE_ZEROED = 0x4;

export const INODE_FL_INDEX = 0x1000;
export const INODE_FL_EXTENTS = 0x80000;

export const EXTENT_MAGIC = 0xf30a;
export const XATTR_MAGIC = 0xea020000;
export const JBD2_MAGIC = 0xc03b3998;

/** Directory entry file_type codes. */
export const FT = { file: 1, dir: 2, chardev: 3, blockdev: 4, fifo: 5, socket: 6, symlink: 7 } as const;

/** Longest symlink target stored inside i_block (a "fast" symlink). */
export const FAST_SYMLINK_MAX = 59;
/** The longest extent of initialized blocks. */
export const MAX_EXTENT_LEN = 32768;

/** ext4 on-disk structures as pure encoders (no I/O): the building blocks of src/image. */
export * from './constants.js';
export * from './crc32c.js';
export * from './hash.js';
export * from './superblock.js';
export * from './inode.js';
export * from './extents.js';
export * from './directory.js';
export * from './xattr.js';

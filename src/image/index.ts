/** distrokit/ext4: build ext4 images from a filesystem tree. */
export { writeExt4, type Ext4Summary } from './write.js';
export { defaultHeadroom, DEFAULT_HEADROOM_MIN_BLOCKS, DEFAULT_HEADROOM_MIN_INODES, DEFAULT_HEADROOM_PERCENT, type Ext4Options } from './options.js';
export { treeFromDirectory, type FromDirOptions } from '../tree/from-dir.js';

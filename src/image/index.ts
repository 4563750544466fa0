/** distrokit/ext4: build ext4 images from a filesystem tree. */
export { writeExt4, type Ext4Summary } from './write.js';
export type { Ext4Options } from './options.js';
export { treeFromDirectory, type FromDirOptions } from '../tree/from-dir.js';

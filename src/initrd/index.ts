/** distrokit/initrd: reproducible initramfs archives, kernel-module closures, stage-1 init. */
export * from '../../formats/cpio/writer.js';
export * from './tree-to-cpio.js';
export * from './build.js';
export * from './spec.js';
export { treeFromDirectory } from '../tree/from-dir.js';
export { compressLz4Legacy, compressLz4Block } from './lz4-legacy.js';
export * from './module-tree.js';
export * from './modules.js';
export * from './stage1.js';
export * from './libraries.js';
export * from './module-files.js';

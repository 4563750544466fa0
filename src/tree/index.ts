export * from './types.js';
export { Tree, newDir, defaultMtime, type ConflictPolicy, type Conflict, type TreeOptions } from './tree.js';
export { splitTreePath, joinTreePath, compareNames } from './path.js';
export { MemoryStore, SpoolStore, type ContentStore, type SpoolStoreOptions } from './content-store.js';
export { addEntriesToTree, type AddEntriesOptions } from './from-entries.js';
export { writeTreeToDirectory, contentChunks, type DirectorySinkOptions, type DirectorySinkResult } from './sink-dir.js';
export { openArchive, detectArchiveFormat, fileSource, type ArchiveFormat, type OpenedArchive, type OpenArchiveOptions } from './archive.js';
export { listArchive, listingRow, type ListingRow } from './listing.js';
export { addPackageToTree, addMergedUsr, type AddPackageOptions } from './packages.js';

/**
 * `distrokit/archive`: the archive readers as async iterators of entries
 * (ar, tar, cpio, .deb, .rpm) and the filesystem-tree API they fill.
 */
export type { ArchiveEntry, EntryTime, EntryType, ReaderOptions } from '../../formats/entry.js';
export { readAr, writeAr, type ArMember } from '../../formats/ar/index.js';
export { readTar, type TarEntry } from '../../formats/tar/index.js';
export { readCpio, type CpioEntry, type CpioFormat } from '../../formats/cpio/index.js';
export { readRpm, rpmInfo, parseHeader as parseRpmHeader, TAG as RPM_TAG, type RpmArchive, type RpmInfo, type RpmFile, type RpmDependency } from '../../formats/rpm/index.js';
export { readDeb, parseControlFields, controlField, type DebArchive, type DebControl, type ControlField } from '../../formats/deb/index.js';
export * from '../tree/index.js';

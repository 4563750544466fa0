/** Pieces shared by the primary and filelists readers: rpm:entry, <file> and <version>. */
import type { EntryFlags, FileEntry, FileType, RpmEntry } from './types.js';
import { type XmlPosition, xmlError } from './xml.js';

const FLAGS = new Set<string>(['EQ', 'LT', 'LE', 'GT', 'GE', 'NE']);

export function parseEntry(attributes: Record<string, string>, at: XmlPosition): RpmEntry {
  const name = attributes.name;
  if (name === undefined || name === '') throw xmlError('REPODATA_MISSING_FIELD', 'rpm:entry without a name', at);
  const entry: RpmEntry = { name };
  const flags = attributes.flags;
  if (flags !== undefined && flags !== '') {
    if (!FLAGS.has(flags)) throw xmlError('REPODATA_BAD_FLAGS', `rpm:entry ${name} has unknown flags="${flags}"`, at);
    entry.flags = flags as EntryFlags;
    // createrepo_c writes epoch/ver/rel only together with flags; without flags they mean nothing.
    if (attributes.epoch !== undefined && attributes.epoch !== '') entry.epoch = attributes.epoch;
    if (attributes.ver !== undefined) entry.version = attributes.ver;
    if (attributes.rel !== undefined && attributes.rel !== '') entry.release = attributes.rel;
  }
  const pre = attributes.pre;
  if (pre === '1' || pre === 'true') entry.pre = true;
  return entry;
}

export function fileType(attributes: Record<string, string>, at: XmlPosition): FileType {
  const type = attributes.type;
  if (type === undefined || type === '' || type === 'file') return 'file';
  if (type === 'dir' || type === 'ghost') return type;
  throw xmlError('REPODATA_BAD_FILE_TYPE', `unknown file type="${type}"`, at);
}

export function fileEntry(path: string, type: FileType, at: XmlPosition): FileEntry {
  if (path === '') throw xmlError('REPODATA_MISSING_FIELD', 'empty <file> element', at);
  return { path, type };
}

export interface VersionAttributes {
  epoch: string;
  version: string;
  release: string;
}

export function parseVersion(attributes: Record<string, string>, at: XmlPosition): VersionAttributes {
  const version = attributes.ver;
  if (version === undefined || version === '') throw xmlError('REPODATA_MISSING_FIELD', '<version> without ver', at);
  const epoch = attributes.epoch;
  if (epoch !== undefined && epoch !== '' && !/^\d+$/.test(epoch)) throw xmlError('REPODATA_BAD_NUMBER', `epoch="${epoch}" is not a number`, at);
  return { epoch: epoch || '0', version, release: attributes.rel ?? '' };
}

/** Pieces shared by the primary and filelists readers: rpm:entry, <file> and <version>. */
import type { EntryFlags, FileEntry, FileType, RpmEntry } from './types.js';
import { attribute, type XmlAttributes, type XmlPosition, xmlError } from './xml.js';

const FLAGS = new Set<string>(['EQ', 'LT', 'LE', 'GT', 'GE', 'NE']);

export function parseEntry(attributes: XmlAttributes, at: XmlPosition): RpmEntry {
  const name = attribute(attributes, 'name');
  if (name === undefined || name === '') throw xmlError('REPODATA_MISSING_FIELD', 'rpm:entry without a name', at);
  const entry: RpmEntry = { name };
  const flags = attribute(attributes, 'flags');
  if (flags !== undefined && flags !== '') {
    if (!FLAGS.has(flags)) throw xmlError('REPODATA_BAD_FLAGS', `rpm:entry ${name} has unknown flags="${flags}"`, at);
    entry.flags = flags as EntryFlags;
    // createrepo_c writes epoch/ver/rel only together with flags; without flags they mean nothing.
    if (attribute(attributes, 'epoch') !== undefined && attribute(attributes, 'epoch') !== '') entry.epoch = attribute(attributes, 'epoch');
    if (attribute(attributes, 'ver') !== undefined) entry.version = attribute(attributes, 'ver');
    if (attribute(attributes, 'rel') !== undefined && attribute(attributes, 'rel') !== '') entry.release = attribute(attributes, 'rel');
  }
  const pre = attribute(attributes, 'pre');
  if (pre === '1' || pre === 'true') entry.pre = true;
  return entry;
}

export function fileType(attributes: XmlAttributes, at: XmlPosition): FileType {
  const type = attribute(attributes, 'type');
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

export function parseVersion(attributes: XmlAttributes, at: XmlPosition): VersionAttributes {
  const version = attribute(attributes, 'ver');
  if (version === undefined || version === '') throw xmlError('REPODATA_MISSING_FIELD', '<version> without ver', at);
  const epoch = attribute(attributes, 'epoch');
  if (epoch !== undefined && epoch !== '' && !/^\d+$/.test(epoch)) throw xmlError('REPODATA_BAD_NUMBER', `epoch="${epoch}" is not a number`, at);
  return { epoch: epoch || '0', version, release: attribute(attributes, 'rel') ?? '' };
}

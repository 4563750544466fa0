/** Pieces shared by the primary and filelists readers: rpm:entry, <file> and <version>. */
import type { EntryFlags, FileEntry, FileType, RpmEntry } from './types.js';
import { attribute, type XmlAttributes, type XmlPosition, xmlError } from './xml.js';

const FLAGS = new Set<string>(['EQ', 'LT', 'LE', 'GT', 'GE', 'NE']);

/** Attribute names parseEntry, fileType and parseVersion compare against (see XmlRecordHandler.names). */
export const ENTRY_ATTRIBUTES = ['name', 'flags', 'epoch', 'ver', 'rel', 'pre', 'type'] as const;

export function parseEntry(attributes: XmlAttributes, at: XmlPosition): RpmEntry {
  // One pass over the attributes: rpm:entry is most of primary.xml's tags.
  let name: string | undefined;
  let flags: string | undefined;
  let epoch: string | undefined;
  let ver: string | undefined;
  let rel: string | undefined;
  let pre: string | undefined;
  for (let i = 0; i < attributes.length; i += 2) {
    const value = attributes[i + 1];
    switch (attributes[i]) {
      case 'name':
        name = value;
        break;
      case 'flags':
        flags = value;
        break;
      case 'epoch':
        epoch = value;
        break;
      case 'ver':
        ver = value;
        break;
      case 'rel':
        rel = value;
        break;
      case 'pre':
        pre = value;
    }
  }
  if (name === undefined || name === '') throw xmlError('REPODATA_MISSING_FIELD', 'rpm:entry without a name', at);
  const entry: RpmEntry = { name };
  if (flags !== undefined && flags !== '') {
    if (!FLAGS.has(flags)) throw xmlError('REPODATA_BAD_FLAGS', `rpm:entry ${name} has unknown flags="${flags}"`, at);
    entry.flags = flags as EntryFlags;
    // createrepo_c writes epoch/ver/rel only together with flags; without flags they mean nothing.
    if (epoch !== undefined && epoch !== '') entry.epoch = epoch;
    if (ver !== undefined) entry.version = ver;
    if (rel !== undefined && rel !== '') entry.release = rel;
  }
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

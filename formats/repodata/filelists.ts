/** Streaming reader of filelists.xml: every file of every package, keyed by pkgid (primary's package checksum). */
import type { ByteSource } from '../bytes.js';
import { fileEntry, fileType, parseVersion } from './entries.js';
import type { FileType, FilelistsPackage } from './types.js';
import { readXmlRecords, type XmlPosition, type XmlReadOptions, type XmlRecordHandler, xmlError } from './xml.js';
import { attribute, type XmlAttributes } from './xml.js';

class FilelistsHandler implements XmlRecordHandler<FilelistsPackage> {
  readonly out: FilelistsPackage[] = [];
  private depth = 0;
  private sawRoot = false;
  private pkg: FilelistsPackage | null = null;
  private inFile = false;
  private buffer = '';
  private fileKind: FileType = 'file';

  open(name: string, attributes: XmlAttributes, at: XmlPosition): void {
    this.depth++;
    if (this.depth === 1) {
      if (name !== 'filelists') throw xmlError('REPODATA_NOT_FILELISTS', `root element is <${name}>, expected <filelists>`, at);
      this.sawRoot = true;
      return;
    }
    if (this.depth === 2 && name === 'package') {
      const pkgid = attribute(attributes, 'pkgid');
      if (!pkgid) throw xmlError('REPODATA_MISSING_FIELD', '<package> without pkgid', at);
      this.pkg = { pkgid, name: attribute(attributes, 'name') ?? '', arch: attribute(attributes, 'arch') ?? '', epoch: '0', version: '', release: '', files: [] };
      return;
    }
    if (!this.pkg || this.depth !== 3) return;
    if (name === 'version') {
      const v = parseVersion(attributes, at);
      Object.assign(this.pkg, v);
    } else if (name === 'file') {
      this.inFile = true;
      this.buffer = '';
      this.fileKind = fileType(attributes, at);
    }
  }

  wantsText(): boolean {
    return this.inFile;
  }

  text(text: string): void {
    if (this.inFile) this.buffer += text;
  }

  close(name: string, at: XmlPosition): void {
    this.depth--;
    if (!this.pkg) return;
    if (this.inFile && name === 'file') {
      this.pkg.files.push(fileEntry(this.buffer.trim(), this.fileKind, at));
      this.inFile = false;
    } else if (this.depth === 1 && name === 'package') {
      this.out.push(this.pkg);
      this.pkg = null;
    }
  }

  end(at: XmlPosition): void {
    if (!this.sawRoot) throw xmlError('REPODATA_NOT_FILELISTS', 'no <filelists> root element', at);
  }
}

/** Streams the packages of a filelists.xml (plain or compressed). */
export function parseFilelists(source: ByteSource, options: XmlReadOptions = {}): AsyncGenerator<FilelistsPackage> {
  return readXmlRecords(source, new FilelistsHandler(), options);
}

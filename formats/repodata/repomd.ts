/**
 * repomd.xml: the index of a repository's metadata files. Readers must take
 * the primary/filelists locations from here (names are content-hashed and
 * the compression varies), never guess them.
 */
import type { ByteSource } from '../bytes.js';
import type { Checksum, Repomd, RepomdData } from './types.js';
import { readXmlRecords, type XmlPosition, type XmlReadOptions, type XmlRecordHandler, xmlError } from './xml.js';
import { attribute, type XmlAttributes } from './xml.js';

const TEXT_CHILDREN = new Set(['checksum', 'open-checksum', 'header-checksum', 'size', 'open-size', 'header-size', 'timestamp', 'database_version']);
const NUMERIC_CHILDREN: Record<string, keyof RepomdData> = {
  size: 'size',
  'open-size': 'openSize',
  'header-size': 'headerSize',
  timestamp: 'timestamp',
  database_version: 'databaseVersion',
};
const CHECKSUM_CHILDREN: Record<string, keyof RepomdData> = {
  checksum: 'checksum',
  'open-checksum': 'openChecksum',
  'header-checksum': 'headerChecksum',
};

class RepomdHandler implements XmlRecordHandler<Repomd> {
  readonly out: Repomd[] = [];
  private readonly repomd: Repomd = { tags: { content: [], repo: [], distro: [] }, data: [] };
  private depth = 0;
  private data: (Partial<RepomdData> & { line: number }) | null = null;
  private textElement: string | null = null;
  private buffer = '';
  private attributes: XmlAttributes = [];
  private inTags = false;

  open(name: string, attributes: XmlAttributes, at: XmlPosition): void {
    this.depth++;
    if (this.depth === 1) {
      if (name !== 'repomd') throw xmlError('REPODATA_NOT_REPOMD', `root element is <${name}>, expected <repomd>`, at);
      return;
    }
    if (this.depth === 2) {
      if (name === 'data') {
        const type = attribute(attributes, 'type');
        if (!type) throw xmlError('REPODATA_MISSING_FIELD', '<data> without type', at);
        this.data = { type, line: at.line };
      } else if (name === 'revision') this.capture(name, attributes);
      else if (name === 'tags') this.inTags = true;
      return;
    }
    if (this.inTags && this.depth === 3) {
      this.capture(name, attributes);
      return;
    }
    if (!this.data || this.depth !== 3) return;
    if (name === 'location') {
      const href = attribute(attributes, 'href');
      if (!href) throw xmlError('REPODATA_MISSING_FIELD', `<location> of ${this.data.type} without href`, at);
      const base = attribute(attributes, 'xml:base');
      this.data.location = base ? { href, base } : { href };
    } else if (TEXT_CHILDREN.has(name)) this.capture(name, attributes);
  }

  private capture(name: string, attributes: XmlAttributes): void {
    this.textElement = name;
    this.buffer = '';
    this.attributes = attributes;
  }

  wantsText(): boolean {
    return this.textElement !== null;
  }

  text(text: string): void {
    if (this.textElement) this.buffer += text;
  }

  close(name: string, at: XmlPosition): void {
    this.depth--;
    if (this.textElement === name) {
      this.textElement = null;
      this.assign(name, this.buffer.trim(), at);
      return;
    }
    if (this.depth === 1 && name === 'tags') this.inTags = false;
    if (this.depth === 1 && name === 'data' && this.data) {
      const { line, ...data } = this.data;
      if (!data.location) throw xmlError('REPODATA_MISSING_FIELD', `<data type="${data.type}"> without <location>`, { ...at, line, column: 1 });
      this.repomd.data.push(data as RepomdData);
      this.data = null;
    }
    if (this.depth === 0) this.out.push(this.repomd);
  }

  private assign(name: string, value: string, at: XmlPosition): void {
    if (this.inTags) {
      if (name === 'content' || name === 'repo') this.repomd.tags[name].push(value);
      else if (name === 'distro') this.repomd.tags.distro.push(attribute(this.attributes, 'cpeid') ? { cpeid: attribute(this.attributes, 'cpeid'), value } : { value });
      return;
    }
    if (!this.data) {
      if (name === 'revision') this.repomd.revision = value;
      return;
    }
    const numeric = NUMERIC_CHILDREN[name];
    if (numeric) {
      if (!/^\d+$/.test(value)) throw xmlError('REPODATA_BAD_NUMBER', `<${name}> "${value}" is not a non-negative integer`, at);
      (this.data as Record<string, unknown>)[numeric] = Number(value);
      return;
    }
    const checksum = CHECKSUM_CHILDREN[name];
    if (checksum) {
      const c: Checksum = { type: attribute(this.attributes, 'type') ?? '', value };
      (this.data as Record<string, unknown>)[checksum] = c;
    }
  }
}

/** Parses a repomd.xml (plain or compressed). */
export async function parseRepomd(source: ByteSource, options: XmlReadOptions = {}): Promise<Repomd> {
  for await (const repomd of readXmlRecords(source, new RepomdHandler(), options)) return repomd;
  throw xmlError('REPODATA_NOT_REPOMD', 'no <repomd> document', { file: options.file, line: 1, column: 1 });
}

/** The `<data>` record of a type (primary, filelists, …), or undefined. */
export function findData(repomd: Repomd, type: string): RepomdData | undefined {
  return repomd.data.find((d) => d.type === type);
}


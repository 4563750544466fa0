/**
 * Streaming reader of primary.xml: one PrimaryPackage per `<package>`, in
 * document order, never holding more than the package being read. The
 * `packages="N"` attribute of the root is not trusted (dnf's own test data
 * gets it wrong), so nothing is sized from it.
 */
import type { ByteSource } from '../bytes.js';
import { ENTRY_ATTRIBUTES, fileEntry, fileType, parseEntry, parseVersion } from './entries.js';
import { DEPENDENCY_SECTIONS, type DependencySection, type FileType, type PrimaryPackage, type RpmEntry } from './types.js';
import { integerAttribute, readXmlRecords, type XmlPosition, type XmlReadOptions, type XmlRecordHandler, xmlError } from './xml.js';
import { attribute, type XmlAttributes } from './xml.js';

/** Elements whose text becomes a field of the package. */
const TEXT_FIELDS = new Set([
  'name',
  'arch',
  'checksum',
  'summary',
  'description',
  'packager',
  'url',
  'license',
  'vendor',
  'group',
  'buildhost',
  'sourcerpm',
  'file',
]);

const SECTIONS = new Set<string>(DEPENDENCY_SECTIONS);

/** Every name the handler compares against (see XmlRecordHandler.names). */
const NAMES = [
  'metadata',
  'package',
  'entry',
  ...TEXT_FIELDS,
  'version',
  'time',
  'size',
  'location',
  'header-range',
  'format',
  ...DEPENDENCY_SECTIONS,
  ...ENTRY_ATTRIBUTES,
  'file',
  'build',
  'installed',
  'archive',
  'href',
  'xml:base',
  'start',
  'end',
  'pkgid',
];

type Draft = Partial<PrimaryPackage> & Pick<PrimaryPackage, DependencySection | 'files' | 'line'>;

function emptyDraft(line: number, type: string): Draft {
  return {
    type,
    line,
    provides: [],
    requires: [],
    conflicts: [],
    obsoletes: [],
    suggests: [],
    enhances: [],
    recommends: [],
    supplements: [],
    files: [],
  };
}

class PrimaryHandler implements XmlRecordHandler<PrimaryPackage> {
  readonly out: PrimaryPackage[] = [];
  readonly names = NAMES;
  private depth = 0;
  private sawRoot = false;
  private pkg: Draft | null = null;
  /** The list of the dependency section being read (kept as a reference: indexing by a tag name string is slow). */
  private section: RpmEntry[] | null = null;
  private textField: string | null = null;
  private buffer = '';
  private fileKind: FileType = 'file';
  /** The checksum's type attribute, until its text arrives (kept off the package: deleting a property slows the object down). */
  private checksumType = '';

  open(name: string, attributes: XmlAttributes, at: XmlPosition): void {
    this.depth++;
    if (this.depth === 1) {
      if (name !== 'metadata') throw xmlError('REPODATA_NOT_PRIMARY', `root element is <${name}>, expected <metadata>`, at);
      this.sawRoot = true;
      return;
    }
    if (this.depth === 2) {
      if (name === 'package') this.pkg = emptyDraft(at.line, attribute(attributes, 'type') ?? 'rpm');
      return;
    }
    const pkg = this.pkg;
    if (!pkg) return;
    // rpm:entry is most of the tags: test it first.
    if (name === 'entry') {
      if (this.section) this.section.push(parseEntry(attributes, at));
      return;
    }
    if (TEXT_FIELDS.has(name)) {
      this.textField = name;
      this.buffer = '';
      if (name === 'file') this.fileKind = fileType(attributes, at);
      if (name === 'checksum') this.checksumType = attribute(attributes, 'type') ?? '';
      return;
    }
    switch (name) {
      case 'version': {
        const v = parseVersion(attributes, at);
        pkg.epoch = v.epoch;
        pkg.version = v.version;
        pkg.release = v.release;
        return;
      }
      case 'time':
        pkg.time = { file: integerAttribute(attributes, 'file', at), build: integerAttribute(attributes, 'build', at) };
        return;
      case 'size':
        pkg.size = {
          package: integerAttribute(attributes, 'package', at),
          installed: integerAttribute(attributes, 'installed', at),
          archive: integerAttribute(attributes, 'archive', at),
        };
        return;
      case 'location': {
        const href = attribute(attributes, 'href');
        if (!href) throw xmlError('REPODATA_MISSING_FIELD', '<location> without href', at);
        const base = attribute(attributes, 'xml:base');
        pkg.location = base ? { href, base } : { href };
        return;
      }
      case 'header-range':
        pkg.headerRange = { start: integerAttribute(attributes, 'start', at) ?? 0, end: integerAttribute(attributes, 'end', at) ?? 0 };
        return;
      default:
        if (SECTIONS.has(name)) this.section = pkg[name as DependencySection];
    }
  }

  wantsText(): boolean {
    return this.textField !== null;
  }

  text(text: string): void {
    if (this.textField) this.buffer += text;
  }

  close(name: string, at: XmlPosition): void {
    this.depth--;
    if (name === 'entry') return;
    const pkg = this.pkg;
    if (pkg && this.textField === name) {
      this.assignText(pkg, name, at);
      this.textField = null;
    } else if (pkg && SECTIONS.has(name)) {
      this.section = null;
    } else if (pkg && this.depth === 1 && name === 'package') {
      this.out.push(finishPackage(pkg, at));
      this.pkg = null;
    }
  }

  private assignText(pkg: Draft, name: string, at: XmlPosition): void {
    const value = this.buffer;
    this.buffer = '';
    switch (name) {
      case 'file':
        pkg.files.push(fileEntry(value.trim(), this.fileKind, at));
        return;
      case 'checksum':
        pkg.checksum = { type: this.checksumType, value: value.trim() };
        return;
      // Literal property names: a computed key from the tag name would be hashed on every store.
      case 'name':
        pkg.name = value.trim();
        return;
      case 'arch':
        pkg.arch = value.trim();
        return;
      case 'summary':
        pkg.summary = value;
        return;
      case 'description':
        pkg.description = value;
        return;
      case 'packager':
        pkg.packager = value;
        return;
      case 'url':
        pkg.url = value;
        return;
      case 'license':
        pkg.license = value;
        return;
      case 'vendor':
        pkg.vendor = value;
        return;
      case 'group':
        pkg.group = value;
        return;
      case 'buildhost':
        pkg.buildhost = value;
        return;
      case 'sourcerpm':
        pkg.sourcerpm = value;
    }
  }

  end(at: XmlPosition): void {
    if (!this.sawRoot) throw xmlError('REPODATA_NOT_PRIMARY', 'no <metadata> root element', at);
  }
}

function finishPackage(pkg: Draft, at: XmlPosition): PrimaryPackage {
  const missing = !pkg.name ? 'name' : !pkg.arch ? 'arch' : !pkg.version ? 'version' : !pkg.checksum ? 'checksum' : !pkg.location ? 'location' : undefined;
  if (missing) throw xmlError('REPODATA_MISSING_FIELD', `<package> without ${missing}`, { file: at.file, line: pkg.line, column: 1 }, { entry: pkg.name });
  pkg.pkgid = pkg.checksum!.value;
  return pkg as PrimaryPackage;
}

/** Streams the packages of a primary.xml (plain or compressed; the compression is detected from its bytes). */
export function parsePrimary(source: ByteSource, options: XmlReadOptions = {}): AsyncGenerator<PrimaryPackage> {
  return readXmlRecords(source, new PrimaryHandler(), options);
}

/** Plain typed records of RPM repository metadata (repodata/*.xml). */

/** Relation flags as createrepo_c writes them (libsolv also accepts NE). */
export type EntryFlags = 'EQ' | 'LT' | 'LE' | 'GT' | 'GE' | 'NE';

/** One `rpm:entry`: a dependency or provide. A boolean (rich) dependency is the whole expression in `name`, without flags. */
export interface RpmEntry {
  name: string;
  flags?: EntryFlags;
  epoch?: string;
  version?: string;
  release?: string;
  /** `pre="1"`: Requires(pre/post), needed before the package's scripts run. */
  pre?: boolean;
}

export type FileType = 'file' | 'dir' | 'ghost';

export interface FileEntry {
  path: string;
  type: FileType;
}

export interface Checksum {
  /** As written: sha256, sha512, sha1, "sha" (= sha1 on old repositories), md5, … */
  type: string;
  value: string;
}

export interface Location {
  href: string;
  /** `xml:base`: a URL (or path) that href is relative to instead of the repository root. */
  base?: string;
}

/** The dependency sections of a package, in primary.xml order. */
export interface PackageDependencies {
  provides: RpmEntry[];
  requires: RpmEntry[];
  conflicts: RpmEntry[];
  obsoletes: RpmEntry[];
  suggests: RpmEntry[];
  enhances: RpmEntry[];
  recommends: RpmEntry[];
  supplements: RpmEntry[];
}

export const DEPENDENCY_SECTIONS = ['provides', 'requires', 'conflicts', 'obsoletes', 'suggests', 'enhances', 'recommends', 'supplements'] as const;
export type DependencySection = (typeof DEPENDENCY_SECTIONS)[number];

/** One `<package>` of primary.xml. */
export interface PrimaryPackage extends PackageDependencies {
  /** `type` attribute, "rpm" in practice. */
  type: string;
  name: string;
  arch: string;
  /** "0" when missing. */
  epoch: string;
  version: string;
  release: string;
  /** The package checksum; with pkgid="YES" it is the key filelists.xml refers to. */
  checksum: Checksum;
  pkgid: string;
  summary?: string;
  description?: string;
  packager?: string;
  url?: string;
  time?: { file?: number; build?: number };
  size?: { package?: number; installed?: number; archive?: number };
  location: Location;
  license?: string;
  vendor?: string;
  group?: string;
  buildhost?: string;
  sourcerpm?: string;
  headerRange?: { start: number; end: number };
  /** Only the "primary" files (…bin/…, /etc/…); the rest is in filelists.xml. */
  files: FileEntry[];
  /** 1-based line of the `<package>` start tag, for messages about the package. */
  line: number;
}

/** One `<package>` of filelists.xml. */
export interface FilelistsPackage {
  pkgid: string;
  name: string;
  arch: string;
  epoch: string;
  version: string;
  release: string;
  files: FileEntry[];
}

/** One `<data>` record of repomd.xml. */
export interface RepomdData {
  type: string;
  location: Location;
  checksum?: Checksum;
  openChecksum?: Checksum;
  headerChecksum?: Checksum;
  size?: number;
  openSize?: number;
  headerSize?: number;
  timestamp?: number;
  databaseVersion?: number;
}

export interface Repomd {
  revision?: string;
  tags: { content: string[]; repo: string[]; distro: { cpeid?: string; value: string }[] };
  data: RepomdData[];
}

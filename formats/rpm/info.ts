/** The fields of an RPM header a user needs, as plain typed values. */
import { DistrokitError } from '../errors.js';
import { type RpmHeader, tagNumbers, tagString, tagStrings } from './header.js';
import { DIGEST_ALGO, TAG } from './tags.js';

export interface RpmDependency {
  name: string;
  /** RPMSENSE_* bits (LESS 2, GREATER 4, EQUAL 8, plus pre/script/rpmlib bits). */
  flags: number;
  version: string;
}

export interface RpmFile {
  path: string;
  size: number;
  /** Full st_mode (type and permission bits). */
  mode: number;
  mtime: number;
  rdev: number;
  /** Hex digest in `digestAlgo` ('' for non-regular files). */
  digest: string;
  linkTarget: string;
  /** RPMFILE_* bits (config, doc, ghost…). */
  flags: number;
  user: string;
  group: string;
  inode: number;
}

export interface RpmScriptlet {
  /** The interpreter (e.g. /bin/sh), from the *PROG tag. */
  prog: string;
  script: string;
}

export interface RpmInfo {
  name: string;
  epoch?: number;
  version: string;
  release: string;
  arch: string;
  os?: string;
  summary?: string;
  description?: string;
  license?: string;
  buildTime?: number;
  /** Installed size in bytes. */
  size?: number;
  sourceRpm?: string;
  payloadFormat: string;
  payloadCompressor: string;
  payloadFlags?: string;
  digestAlgo: string;
  requires: RpmDependency[];
  provides: RpmDependency[];
  conflicts: RpmDependency[];
  obsoletes: RpmDependency[];
  files: RpmFile[];
  scriptlets: Partial<Record<'prein' | 'postin' | 'preun' | 'postun', RpmScriptlet>>;
}

function deps(h: RpmHeader, nameTag: number, flagsTag: number, versionTag: number): RpmDependency[] {
  const names = tagStrings(h, nameTag);
  const flags = tagNumbers(h, flagsTag);
  const versions = tagStrings(h, versionTag);
  return names.map((name, i) => ({ name, flags: flags[i] ?? 0, version: versions[i] ?? '' }));
}

function files(h: RpmHeader, file: string | undefined): RpmFile[] {
  const basenames = tagStrings(h, TAG.BASENAMES);
  const dirnames = tagStrings(h, TAG.DIRNAMES);
  const dirindexes = tagNumbers(h, TAG.DIRINDEXES);
  const paths = basenames.length > 0 ? basenames.map((b, i) => `${dirnames[dirindexes[i] ?? -1] ?? ''}${b}`) : tagStrings(h, TAG.OLDFILENAMES);
  if (basenames.length > 0 && dirindexes.some((d) => d >= dirnames.length))
    throw new DistrokitError('RPM_BAD_HEADER', 'a file refers to a directory index beyond DIRNAMES', { file });
  const sizes = h.tags.has(TAG.LONGFILESIZES) ? tagNumbers(h, TAG.LONGFILESIZES) : tagNumbers(h, TAG.FILESIZES);
  const modes = tagNumbers(h, TAG.FILEMODES);
  const mtimes = tagNumbers(h, TAG.FILEMTIMES);
  const rdevs = tagNumbers(h, TAG.FILERDEVS);
  const digests = tagStrings(h, TAG.FILEDIGESTS);
  const links = tagStrings(h, TAG.FILELINKTOS);
  const flags = tagNumbers(h, TAG.FILEFLAGS);
  const users = tagStrings(h, TAG.FILEUSERNAME);
  const groups = tagStrings(h, TAG.FILEGROUPNAME);
  const inodes = tagNumbers(h, TAG.FILEINODES);
  return paths.map((path, i) => ({
    path,
    size: sizes[i] ?? 0,
    mode: modes[i] ?? 0,
    mtime: mtimes[i] ?? 0,
    rdev: rdevs[i] ?? 0,
    digest: digests[i] ?? '',
    linkTarget: links[i] ?? '',
    flags: flags[i] ?? 0,
    user: users[i] ?? '',
    group: groups[i] ?? '',
    inode: inodes[i] ?? 0,
  }));
}

export function rpmInfo(h: RpmHeader, file?: string): RpmInfo {
  const name = tagString(h, TAG.NAME);
  const version = tagString(h, TAG.VERSION);
  const release = tagString(h, TAG.RELEASE);
  if (name === undefined || version === undefined || release === undefined)
    throw new DistrokitError('RPM_BAD_HEADER', 'header lacks NAME, VERSION or RELEASE', { file });
  const info: RpmInfo = {
    name,
    version,
    release,
    arch: tagString(h, TAG.ARCH) ?? '',
    payloadFormat: tagString(h, TAG.PAYLOADFORMAT) ?? 'cpio',
    payloadCompressor: tagString(h, TAG.PAYLOADCOMPRESSOR) ?? 'gzip',
    digestAlgo: DIGEST_ALGO[tagNumbers(h, TAG.FILEDIGESTALGO)[0] ?? 1] ?? 'unknown',
    requires: deps(h, TAG.REQUIRENAME, TAG.REQUIREFLAGS, TAG.REQUIREVERSION),
    provides: deps(h, TAG.PROVIDENAME, TAG.PROVIDEFLAGS, TAG.PROVIDEVERSION),
    conflicts: deps(h, TAG.CONFLICTNAME, TAG.CONFLICTFLAGS, TAG.CONFLICTVERSION),
    obsoletes: deps(h, TAG.OBSOLETENAME, TAG.OBSOLETEFLAGS, TAG.OBSOLETEVERSION),
    files: files(h, file),
    scriptlets: {},
  };
  const epoch = tagNumbers(h, TAG.EPOCH)[0];
  if (epoch !== undefined) info.epoch = epoch;
  const optional: [keyof RpmInfo, number][] = [
    ['os', TAG.OS],
    ['summary', TAG.SUMMARY],
    ['description', TAG.DESCRIPTION],
    ['license', TAG.LICENSE],
    ['sourceRpm', TAG.SOURCERPM],
    ['payloadFlags', TAG.PAYLOADFLAGS],
  ];
  for (const [key, tag] of optional) {
    const v = tagString(h, tag);
    if (v !== undefined) (info as unknown as Record<string, unknown>)[key] = v;
  }
  const buildTime = tagNumbers(h, TAG.BUILDTIME)[0];
  if (buildTime !== undefined) info.buildTime = buildTime;
  const size = (h.tags.has(TAG.LONGSIZE) ? tagNumbers(h, TAG.LONGSIZE) : tagNumbers(h, TAG.SIZE))[0];
  if (size !== undefined) info.size = size;
  const scripts: [keyof RpmInfo['scriptlets'], number, number][] = [
    ['prein', TAG.PREIN, TAG.PREINPROG],
    ['postin', TAG.POSTIN, TAG.POSTINPROG],
    ['preun', TAG.PREUN, TAG.PREUNPROG],
    ['postun', TAG.POSTUN, TAG.POSTUNPROG],
  ];
  for (const [key, scriptTag, progTag] of scripts) {
    const script = tagString(h, scriptTag);
    const prog = tagStrings(h, progTag);
    if (script !== undefined || prog.length > 0) info.scriptlets[key] = { prog: prog.join(' '), script: script ?? '' };
  }
  return info;
}

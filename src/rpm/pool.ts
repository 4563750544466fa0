/**
 * The package pool a closure is computed over: packages of several
 * repositories (each with a priority), filtered by an architecture policy,
 * with dependencies parsed once and indexes for "what provides X".
 */
import { DistrokitError } from '../../formats/errors.js';
import type { Checksum, FilelistsPackage, Location, PrimaryPackage, RpmEntry } from '../../formats/repodata/types.js';
import { depMatches, type SimpleDep } from './depmatch.js';
import { isRichDep, parseRichDep, type RichDep } from './richdep.js';
import { type EVR } from './vercmp.js';

/** A dependency as the solver uses it: a rich tree (a simple dep is a one-node tree) plus its text. */
export interface Dependency {
  text: string;
  dep: RichDep;
  /** Requires(pre): the provider must be installed in an earlier group. */
  pre: boolean;
}

export interface RepositoryInfo {
  /** Label shown in messages (the location the user gave). */
  id: string;
  /** Where package hrefs are relative to: a URL (…/) or a directory. */
  base: string;
  /** dnf semantics: lower number wins; default 99. */
  priority: number;
  /** Position on the command line, the last tie-breaker. */
  index: number;
}

export interface RpmPackage {
  /** Position in the pool: the final deterministic tie-breaker. */
  id: number;
  repo: RepositoryInfo;
  name: string;
  arch: string;
  evr: Required<Pick<EVR, 'epoch' | 'version'>> & { release: string };
  pkgid: string;
  checksum: Checksum;
  location: Location;
  size?: number;
  provides: SimpleDep[];
  requires: Dependency[];
  conflicts: Dependency[];
  obsoletes: SimpleDep[];
  recommends: Dependency[];
  files: string[];
  /** The files primary.xml lists (before filelists are merged in). */
  primaryFiles?: string[];
  /** Source position of the package, for messages. */
  file?: string;
  line?: number;
}

/** `name-[epoch:]version-release.arch` as dnf prints it. */
export function nevra(p: RpmPackage): string {
  const epoch = p.evr.epoch && p.evr.epoch !== '0' ? `${p.evr.epoch}:` : '';
  return `${p.name}-${epoch}${p.evr.version}-${p.evr.release}.${p.arch}`;
}

export interface ArchPolicy {
  /** Accepted architectures, best first (e.g. x86_64, i686, noarch). noarch is neutral: it never loses to the best arch. */
  archs: string[];
}

export const DEFAULT_ARCHS = ['x86_64', 'noarch'];

/** 0 for the best architecture and for noarch, then the position in the list; Infinity for excluded ones. */
export function archRank(policy: ArchPolicy, arch: string): number {
  if (arch === 'noarch') return policy.archs.includes('noarch') ? 0 : Number.POSITIVE_INFINITY;
  const specific = policy.archs.filter((a) => a !== 'noarch');
  const i = specific.indexOf(arch);
  return i < 0 ? Number.POSITIVE_INFINITY : i;
}

function simpleOf(e: RpmEntry): SimpleDep {
  if (!e.flags || e.version === undefined) return { name: e.name };
  return { name: e.name, flags: e.flags, evr: { epoch: e.epoch, version: e.version, release: e.release } };
}

function dependencyOf(e: RpmEntry, where: { file?: string; entry: string }): Dependency | null {
  if (e.name.startsWith('rpmlib(')) return null;
  if (isRichDep(e.name)) {
    return { text: e.name, dep: parseRichDep(e.name, where), pre: !!e.pre };
  }
  const simple = simpleOf(e);
  const text = e.flags ? `${e.name} ${{ EQ: '=', LT: '<', LE: '<=', GT: '>', GE: '>=', NE: '<>' }[e.flags]} ${formatEntryEVR(e)}` : e.name;
  return { text, dep: { op: 'simple', dep: simple }, pre: !!e.pre };
}

function formatEntryEVR(e: RpmEntry): string {
  const epoch = e.epoch && e.epoch !== '0' ? `${e.epoch}:` : '';
  return `${epoch}${e.version ?? ''}${e.release ? `-${e.release}` : ''}`;
}

function dependencies(entries: RpmEntry[], where: { file?: string; entry: string }): Dependency[] {
  const out: Dependency[] = [];
  for (const e of entries) {
    const d = dependencyOf(e, where);
    if (d) out.push(d);
  }
  return out;
}

export class PackagePool {
  readonly packages: RpmPackage[] = [];
  private readonly byProvide = new Map<string, { pkg: RpmPackage; dep: SimpleDep }[]>();
  private readonly byFile = new Map<string, RpmPackage[]>();
  private readonly byName = new Map<string, RpmPackage[]>();
  private readonly byPkgid = new Map<string, RpmPackage[]>();
  /** Whether filelists were merged in: a file dependency without provider is then a real failure. */
  filelistsLoaded = false;

  constructor(readonly policy: ArchPolicy = { archs: DEFAULT_ARCHS }) {}

  /** Adds a primary.xml package (skipped when its architecture is not accepted). Returns it, or null. */
  add(p: PrimaryPackage, repo: RepositoryInfo, file?: string): RpmPackage | null {
    if (archRank(this.policy, p.arch) === Number.POSITIVE_INFINITY) return null;
    const where = { file, entry: p.name };
    let deps: Pick<RpmPackage, 'requires' | 'conflicts' | 'recommends'>;
    try {
      deps = {
        requires: dependencies(p.requires, where),
        conflicts: dependencies(p.conflicts, where),
        recommends: dependencies(p.recommends, where),
      };
    } catch (err) {
      throw DistrokitError.wrap(err, 'RICHDEP_SYNTAX', { file, line: p.line, entry: p.name });
    }
    const evr = { epoch: p.epoch || '0', version: p.version, release: p.release };
    const pkg: RpmPackage = {
      id: this.packages.length,
      repo,
      name: p.name,
      arch: p.arch,
      evr,
      pkgid: p.pkgid,
      checksum: p.checksum,
      location: p.location,
      size: p.size?.package,
      provides: p.provides.map(simpleOf),
      ...deps,
      obsoletes: p.obsoletes.map(simpleOf),
      files: p.files.map((f) => f.path),
      primaryFiles: p.files.map((f) => f.path),
      file,
      line: p.line,
    };
    // libsolv adds the self-provide when the metadata lacks it; so do we.
    if (!pkg.provides.some((d) => d.name === pkg.name)) pkg.provides.push({ name: pkg.name, flags: 'EQ', evr });
    this.packages.push(pkg);
    for (const dep of pkg.provides) push(this.byProvide, dep.name, { pkg, dep });
    for (const f of pkg.files) push(this.byFile, f, pkg);
    push(this.byName, pkg.name, pkg);
    push(this.byPkgid, pkg.pkgid, pkg);
    return pkg;
  }

  /** Merges a filelists.xml package into the pool packages with the same pkgid. */
  addFiles(f: FilelistsPackage): void {
    for (const pkg of this.byPkgid.get(f.pkgid) ?? []) {
      const known = new Set(pkg.files);
      for (const file of f.files) {
        if (known.has(file.path)) continue;
        pkg.files.push(file.path);
        push(this.byFile, file.path, pkg);
      }
    }
  }

  /** Every pool package satisfying a simple dependency (file paths through the file lists too). */
  whatProvides(dep: SimpleDep): RpmPackage[] {
    const out: RpmPackage[] = [];
    for (const { pkg, dep: prv } of this.byProvide.get(dep.name) ?? []) if (depMatches(prv, dep) && !out.includes(pkg)) out.push(pkg);
    if (dep.name.startsWith('/')) for (const pkg of this.byFile.get(dep.name) ?? []) if (!out.includes(pkg)) out.push(pkg);
    return out;
  }

  named(name: string): RpmPackage[] {
    return this.byName.get(name) ?? [];
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

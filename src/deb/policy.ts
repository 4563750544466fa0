/**
 * Every choice a Debian closure makes, in one place. The oracle is apt 2.6
 * (bookworm's) with an empty dpkg status, default pins and no Recommends;
 * each rule names the apt code it re-expresses, and docs/deb.md ("Policy")
 * lists them with the deliberate differences, each of which a test asserts
 * (test/src/deb/closure-policy.test.ts).
 */
import type { DebPackage } from './packages.js';
import type { AlternativeGroup, Dependency } from './relation.js';
import type { DebRepository, RelationField } from './repository.js';

// ── Candidate version ────────────────────────────────────────────────────────

/** Where a stanza was read: its index (in the order given) and its reading order. */
export interface StanzaOrigin {
  index: number;
  ref: number;
}

/**
 * Whether stanza `a` beats stanza `b` of the same name as the name's
 * candidate, given the order of their versions (`versionOrder` > 0: a's is
 * higher). apt with default pins gives every index priority 500, so the
 * highest version wins (pkgPolicy::GetCandidateVer); an equal version is one
 * version in apt's cache, read from the first index listing it, and so here
 * from the index listed first, then the stanza read first. Pins and a
 * Release file's NotAutomatic are not read (distrokit reads Packages indexes
 * only): a difference from apt on such archives, not on Debian's own suites.
 */
export function candidateBeats(versionOrder: number, a: StanzaOrigin, b: StanzaOrigin): boolean {
  if (versionOrder !== 0) return versionOrder > 0;
  return a.index < b.index || (a.index === b.index && a.ref < b.ref);
}

// ── Which relations are followed ────────────────────────────────────────────

/**
 * The fields installed, in apt's order: a version's dependency list is
 * Pre-Depends, then Depends, then (when asked, APT::Install-Recommends)
 * Recommends (debListParser::NewVersion; MarkInstall walks it in order).
 */
export function followedFields(recommends: boolean): RelationField[] {
  return recommends ? ['pre-depends', 'depends', 'recommends'] : ['pre-depends', 'depends'];
}

/**
 * Whether an unmet group of this field is a problem. apt fails a package for
 * an unmet critical dependency (Pre-Depends, Depends: DepIterator::IsCritical)
 * and simply leaves an unmet Recommends out (MarkInstall_InstallDependencies).
 */
export function isCritical(field: RelationField): boolean {
  return field === 'pre-depends' || field === 'depends';
}

/** The fields whose targets must not be installed beside the package (apt's negative dependencies, less Obsoletes). */
export const NEGATIVE_FIELDS = ['conflicts', 'breaks'] as const;

// ── Provider order ───────────────────────────────────────────────────────────

const PRIORITY = new Map([
  ['required', 1],
  ['important', 2],
  ['standard', 3],
  ['optional', 4],
  ['extra', 5],
]);

/**
 * A version's Priority as apt stores it (debListParser::NewVersion, PrioList,
 * matched case-insensitively): required 1 … extra 5, any other word 5 (Extra),
 * and 0 when the stanza has no Priority field at all — which therefore ranks
 * before required in the provider order (checked against apt).
 */
export function aptPriority(pkg: DebPackage): number {
  if (pkg.priority === undefined) return 0;
  return PRIORITY.get(pkg.priority.trim().toLowerCase()) ?? 5;
}

/** apt's Important flag: 'Important: yes' or 'Protected: yes' (debListParser::UsePackage). */
export function hasImportantFlag(pkg: DebPackage): boolean {
  return pkg.important || pkg.fields.get('protected')?.trim().toLowerCase() === 'yes';
}

/**
 * Provider order, as apt's CompareProviders (apt-pkg/depcache.cc) sorts the
 * candidates of one alternative, reduced to an empty status and one native
 * architecture (its Protected, installed-version, M-A:same-installed and
 * architecture tests then never decide; 'all' is the native architecture in
 * apt's cache):
 *
 * 1. the package named by the dependency (the target's own group) first;
 * 2. Essential: yes first;
 * 3. the Important flag (Important: yes or Protected: yes) first;
 * 4. the lower aptPriority() first (no Priority field, then required … extra);
 * 5. the higher package ID first: the name whose first mention in the
 *    indexes comes later (cache-order.ts).
 *
 * Version and name play no part. `target` is the dependency's name.
 */
export function compareProviders(repo: DebRepository, target: string, a: DebPackage, b: DebPackage): number {
  return compareBeforeCacheOrder(target, a, b) || repo.cacheOrder.compare(b.name, a.name);
}

/** Rules 1–4 of compareProviders. */
function compareBeforeCacheOrder(target: string, a: DebPackage, b: DebPackage): number {
  return (
    Number(b.name === target) - Number(a.name === target) ||
    Number(b.essential) - Number(a.essential) ||
    Number(hasImportantFlag(b)) - Number(hasImportantFlag(a)) ||
    aptPriority(a) - aptPriority(b)
  );
}

/**
 * The candidates of one alternative in provider order, lazily: the cache
 * order (a search of the indexes' text) is looked up only for a run of
 * candidates rules 1–4 leave tied, and only when the caller gets that far —
 * usually the first candidate is taken.
 */
export function* providersInOrder(repo: DebRepository, target: string, candidates: readonly DebPackage[]): Generator<DebPackage> {
  const sorted = [...candidates].sort((a, b) => compareBeforeCacheOrder(target, a, b));
  for (let k = 0; k < sorted.length; ) {
    let end = k + 1;
    while (end < sorted.length && compareBeforeCacheOrder(target, sorted[k]!, sorted[end]!) === 0) end++;
    const tied = sorted.slice(k, end);
    if (tied.length > 1) {
      repo.cacheOrder.find(tied.map((p) => p.name));
      tied.sort((a, b) => repo.cacheOrder.compare(b.name, a.name));
    }
    yield* tied;
    k = end;
  }
}

/** The candidates of one alternative in provider order (a new array). */
export function orderProviders(repo: DebRepository, target: string, candidates: readonly DebPackage[]): DebPackage[] {
  return [...providersInOrder(repo, target, candidates)];
}

// ── Or-groups ────────────────────────────────────────────────────────────────

/**
 * The candidates of an or-group in the order apt tries them
 * (getAllPossibleSolutions): alternative by alternative as written, each
 * alternative's candidates in provider order; a package met twice keeps its
 * first place. The first one that can be installed wins (so they are yielded
 * lazily).
 */
export function* groupCandidates(repo: DebRepository, group: AlternativeGroup): Generator<{ dep: Dependency; pkg: DebPackage }> {
  const seen = new Set<DebPackage>();
  for (const dep of group) {
    for (const pkg of providersInOrder(repo, dep.name, repo.satisfiers(dep))) {
      if (seen.has(pkg)) continue;
      seen.add(pkg);
      yield { dep, pkg };
    }
  }
}

/**
 * Whether every Pre-Depends/Depends group of `pkg` has a candidate at all.
 * apt does not install a package whose critical dependency no candidate can
 * meet and tries the next alternative or provider instead
 * (pkgDepCache::IsInstallOkDependenciesSatisfiableByCandidates). It looks one
 * level deep only, as here; apt's further backtracking when a dependency
 * fails deeper down is not followed (docs/deb.md).
 */
export function dependenciesSatisfiable(repo: DebRepository, pkg: DebPackage): boolean {
  for (const field of ['pre-depends', 'depends'] as const) {
    for (const group of repo.relations(pkg, field)) if (!group.some((dep) => repo.satisfiers(dep).length > 0)) return false;
  }
  return true;
}

// ── Requested names ──────────────────────────────────────────────────────────

/**
 * The package a requested name stands for: the real package, else the first
 * provider in provider order (compareProviders with the name as target) —
 * the order dependencies use. apt selects a virtual name's provider only when
 * there is exactly one, and otherwise stops with "You should explicitly
 * select one to install" (CacheSetHelperAPTGet::tryVirtualPackage); choosing
 * by the dependency order instead is a deliberate difference. undefined if
 * nothing has or provides the name.
 */
export function requestedPackage(repo: DebRepository, name: string): DebPackage | undefined {
  const real = repo.candidate(name);
  if (real) return real;
  const providers = repo.providers(name).map((p) => p.pkg);
  for (const pkg of providersInOrder(repo, name, providers)) return pkg;
  return undefined;
}

// ── The base system ──────────────────────────────────────────────────────────

/**
 * Whether a package belongs to the base that `essential: true` adds:
 * Essential: yes or Priority: required, what debootstrap installs first (apt
 * itself adds nothing to an empty status: this rule is not apt's).
 */
export function isRequiredBase(pkg: DebPackage): boolean {
  return pkg.essential || pkg.priority?.trim().toLowerCase() === 'required';
}

/** The required base of the repository, by name. */
export function essentialBase(repo: DebRepository): DebPackage[] {
  return repo.packages().filter(isRequiredBase);
}

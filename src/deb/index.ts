/** distrokit/deb: Debian versions, relations, Packages indexes, closures and install groups. */
export { checkVersion, compareVersions, compareParsedVersions, parseVersion, verrevcmp, satisfiesOp, formatVersion } from './version.js';
export type { DebVersion, VersionOp, VersionProblem, CheckedVersion } from './version.js';
export { parseRelations, reduceArch, reduceProfiles, formatRelations, formatDependency } from './relation.js';
export type { Dependency, AlternativeGroup, RelationList } from './relation.js';
export { parsePackages, parsePackagesBatches, packageFromStanza } from './packages.js';
export type { DebPackage, MultiArch, ParsePackagesOptions } from './packages.js';
export { DebRepository } from './repository.js';
export type { IndexInput, Provider, RelationField, RepositoryOptions } from './repository.js';
export { resolveClosure, chainTo } from './closure.js';
export { aptPriority, candidateBeats, compareProviders, dependenciesSatisfiable, essentialBase, followedFields, groupCandidates, hasImportantFlag, isCritical, isRequiredBase, orderProviders, requestedPackage } from './policy.js';
export type { Closure, ClosureOptions, ClosureProblem, Edge, Reason } from './closure.js';
export { installGroups } from './install-groups.js';
export { closureDocument, renderNix, renderList, joinUrl, whyDocument } from './output.js';
export type { ClosureDocument, ClosureEntry, DocumentOptions } from './output.js';
export { CompatIndex, resolveClosureCompat } from './compat-deb-closure.js';
export type { CompatClosure } from './compat-deb-closure.js';

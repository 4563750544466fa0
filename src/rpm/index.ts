/** distrokit/rpm: RPM versions, dependencies, repositories and closures. */
export { rpmvercmp, compareEVR, parseEVR, formatEVR, type EVR } from './vercmp.js';
export { depMatches, rangesOverlap, formatDep, type SimpleDep, type DepFlag } from './depmatch.js';
export { parseRichDep, evaluateRichDep, formatRichDep, richDepLeaves, isRichDep, type RichDep, type RichContext } from './richdep.js';
export { PackagePool, nevra, archRank, DEFAULT_ARCHS, type RpmPackage, type Dependency, type RepositoryInfo, type ArchPolicy } from './pool.js';
export { orderCandidates, obsoletes } from './policy.js';
export { loadPool, loadRepository, packageUrl, type RepositorySpec, type LoadOptions } from './repository.js';
export { solve, type Solution, type SolveOptions, type Reason, type Unresolved } from './solver.js';
export {
  resolveClosure,
  explain,
  whyDocument,
  closureToJson,
  closureToNix,
  closureToList,
  type Closure,
  type ClosurePackage,
  type ResolveOptions,
} from './closure.js';
export { resolveClosureCompat, naiveVercmp, type CompatClosure } from './compat.js';
export { parsePrimary, parseFilelists, parseRepomd } from '../../formats/repodata/index.js';

/**
 * The closure as users see it: the solver's choice, install groups (SCCs with
 * Requires(pre) providers in earlier groups), download URLs and checksums,
 * and the `--why` chains.
 */
import { DistrokitError, isDistrokitError } from '../../formats/errors.js';
import type { ClosureDocument, ClosureIssue, WhyDocument } from '../graph/document.js';
import { type FetchItem, formatList, formatNix, nixStoreName } from '../graph/output.js';
import { type DependencyEdge, installGroups, whyChain } from '../graph/groups.js';
import { depMatches } from './depmatch.js';
import { nevra, type PackagePool, type RpmPackage } from './pool.js';
import { packageUrl } from './repository.js';
import { richDepLeaves } from './richdep.js';
import { type Reason, solve, type SolveOptions, type Unresolved } from './solver.js';
import { compareEVR } from './vercmp.js';

export interface ClosurePackage {
  name: string;
  epoch: string;
  version: string;
  release: string;
  arch: string;
  nevra: string;
  location: string;
  url: string;
  checksum: { type: string; value: string };
  size?: number;
  /** 1-based install group. */
  group: number;
  repo: string;
}

export interface Closure {
  requested: string[];
  packages: ClosurePackage[];
  /** NEVRAs per install group, in install order. */
  groups: string[][];
  unresolved: { dependency: string; requiredBy: string; hint: string }[];
  /** Why the closure is incomplete: an unsatisfiable requirement (then there are no packages: the solver gives no partial answer, as dnf). */
  problems: ClosureIssue[];
  /** Internal view for --why and callers that need the pool objects. */
  chosen: RpmPackage[];
  reasons: Map<RpmPackage, Reason>;
}

export interface ResolveOptions extends SolveOptions {}

function byIdentity(a: RpmPackage, b: RpmPackage): number {
  return (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || (a.arch < b.arch ? -1 : a.arch > b.arch ? 1 : 0) || compareEVR(a.evr, b.evr) || a.id - b.id;
}

/** Edges from a chosen package to the chosen packages that satisfy its requirements. */
function edgesWithin(chosen: Set<RpmPackage>): (p: RpmPackage) => DependencyEdge<RpmPackage>[] {
  return (p) => {
    const out: DependencyEdge<RpmPackage>[] = [];
    for (const req of p.requires) {
      for (const leaf of richDepLeaves(req.dep)) {
        for (const q of chosen) {
          if (q === p) continue;
          const provides = (leaf.name.startsWith('/') && q.files.includes(leaf.name)) || q.provides.some((prv) => depMatches(prv, leaf));
          if (provides) out.push({ to: q, pre: req.pre });
        }
      }
    }
    return out.sort((a, b) => byIdentity(a.to, b.to));
  };
}

/** Solves and groups the closure of `requests` over the pool; an unsatisfiable requirement is a problem of the result, not a throw. */
export function resolveClosure(pool: PackagePool, requests: string[], options: ResolveOptions = {}): Closure {
  let solution;
  try {
    solution = solve(pool, requests, options);
  } catch (err) {
    if (!isDistrokitError(err, 'RPM_UNSATISFIABLE')) throw err;
    return { requested: requests, packages: [], groups: [], unresolved: [], problems: [unsatisfiableProblem(err)], chosen: [], reasons: new Map() };
  }
  const nodes = [...solution.packages].sort(byIdentity);
  const edges = edgesWithin(new Set(nodes));
  const groups = installGroups(nodes, edges);
  const groupOf = new Map<RpmPackage, number>();
  groups.forEach((g, i) => g.forEach((p) => groupOf.set(p, i + 1)));
  const packages = groups.flat().map((p) => describePackage(p, groupOf.get(p)!));
  return {
    requested: requests,
    packages,
    groups: groups.map((g) => g.map(nevra)),
    unresolved: solution.unresolved.map((u: Unresolved) => ({ dependency: u.dep, requiredBy: nevra(u.by), hint: u.hint })),
    problems: [],
    chosen: groups.flat(),
    reasons: solution.reasons,
  };
}

/** The solver's RPM_UNSATISFIABLE as a problem entry; its chain turned to start at the request, like Debian's. */
function unsatisfiableProblem(err: DistrokitError): ClosureIssue {
  const chain = Array.isArray(err.data.chain) ? [...(err.data.chain as string[])].reverse() : [];
  return { code: err.code, message: err.detail, chain, dependency: typeof err.data.dependency === 'string' ? err.data.dependency : null };
}

/** A package as the closure outputs list it. */
export function describePackage(p: RpmPackage, group: number): ClosurePackage {
  const out: ClosurePackage = {
    name: p.name,
    epoch: p.evr.epoch,
    version: p.evr.version,
    release: p.evr.release,
    arch: p.arch,
    nevra: nevra(p),
    location: p.location.href,
    url: packageUrl(p.repo.base, p.location),
    checksum: { type: p.checksum.type, value: p.checksum.value },
    group,
    repo: p.repo.id,
  };
  if (p.size !== undefined) out.size = p.size;
  return out;
}

/** The chain of requirements that pulled `spec` (a name or NEVRA) into the closure. */
export function explain(closure: Closure, spec: string): string[] {
  const target = closure.chosen.find((p) => p.name === spec || nevra(p) === spec);
  if (!target) throw new DistrokitError('RPM_NOT_IN_CLOSURE', `${spec} is not in the closure`, { entry: spec });
  return whyChain(
    target,
    (p) => {
      const r = closure.reasons.get(p);
      return r ? { by: r.by, via: r.dep } : undefined;
    },
    nevra,
  );
}

const NIX_HASH: Record<string, FetchItem['hashType']> = { sha: 'sha1', sha1: 'sha1', sha256: 'sha256', sha512: 'sha512' };

function fetchItem(p: ClosurePackage): FetchItem {
  const hashType = NIX_HASH[p.checksum.type.toLowerCase()];
  if (!hashType)
    throw new DistrokitError('RPM_UNSUPPORTED_CHECKSUM', `checksum type ${p.checksum.type} cannot be used by fetchurl`, { entry: p.nevra });
  const item: FetchItem = { url: p.url, hashType, hash: p.checksum.value };
  const last = p.url.slice(p.url.lastIndexOf('/') + 1);
  if (nixStoreName(last) !== last) item.name = nixStoreName(last);
  return item;
}

/** The closure as a Nix expression (flat fetchurl list in install order, or grouped). */
export function closureToNix(closure: Closure, options: { grouped?: boolean } = {}): string {
  const groups: FetchItem[][] = [];
  for (const p of closure.packages) (groups[p.group - 1] ??= []).push(fetchItem(p));
  return formatNix(groups, {
    header: ['This is a generated file.  Do not modify!', `Following are the RPM packages constituting the closure of: ${closure.requested.join(' ')}`],
    grouped: !!options.grouped,
  });
}

export function closureToList(closure: Closure): string {
  const groups: string[][] = [];
  for (const p of closure.packages) (groups[p.group - 1] ??= []).push(p.url);
  return formatList(groups);
}

/** The shared closure document (`rpm closure --format json`); `extraWarnings` are e.g. the --compat rpm-closure notes. */
export function closureToJson(closure: Closure, extraWarnings: readonly ClosureIssue[] = []): ClosureDocument {
  return {
    requested: [...closure.requested],
    packages: closure.packages.map((p) => ({
      name: p.name,
      version: evrText(p.epoch, p.version, p.release),
      arch: p.arch,
      id: p.nevra,
      location: p.location,
      url: p.url,
      checksum: { ...p.checksum },
      size: p.size ?? null,
      group: p.group - 1,
      repo: p.repo,
    })),
    groups: closure.groups,
    problems: closure.problems,
    warnings: [
      ...closure.unresolved.map((u) => ({
        code: 'RPM_FILE_DEPENDENCY_UNCHECKED',
        message: `${u.dependency} (needed by ${u.requiredBy}): ${u.hint}`,
        chain: whyIds(closure, u.requiredBy),
        dependency: u.dependency,
      })),
      ...extraWarnings,
    ],
  };
}

/** [epoch:]version-release as dnf prints it (no epoch when 0). */
function evrText(epoch: string, version: string, release: string): string {
  return `${epoch && epoch !== '0' ? `${epoch}:` : ''}${version}-${release}`;
}

/** NEVRAs from the request down to `id` (just `id` when it has no recorded reason). */
function whyIds(closure: Closure, id: string): string[] {
  const target = closure.chosen.find((p) => nevra(p) === id);
  return target ? whyPath(closure, target).map(nevra) : [id];
}

function whyPath(closure: Closure, target: RpmPackage): RpmPackage[] {
  const path: RpmPackage[] = [];
  const seen = new Set<RpmPackage>();
  for (let cur: RpmPackage | null = target; cur && !seen.has(cur); cur = closure.reasons.get(cur)?.by ?? null) {
    seen.add(cur);
    path.unshift(cur);
  }
  return path;
}

/** The chain that pulled `spec` (a name or NEVRA) into the closure, in the shared --why shape. */
export function whyDocument(closure: Closure, spec: string): WhyDocument {
  const target = closure.chosen.find((p) => p.name === spec || nevra(p) === spec);
  if (!target) throw new DistrokitError('RPM_NOT_IN_CLOSURE', `${spec} is not in the closure`, { entry: spec });
  const chain = whyPath(closure, target).map((p) => {
    const r = closure.reasons.get(p);
    const requested = !r || r.by === null;
    return {
      id: nevra(p),
      name: p.name,
      version: evrText(p.evr.epoch, p.evr.version, p.evr.release),
      arch: p.arch,
      reason: requested ? ('requested' as const) : ('dependency' as const),
      field: requested ? null : r.weak ? 'recommends' : 'requires',
      dependency: requested ? null : r.dep,
    };
  });
  return { why: spec, chain };
}

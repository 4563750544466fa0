/**
 * Dependency closure of Debian packages, deterministic and close to apt's
 * classic resolver (apt-pkg/depcache.cc MarkInstall), with every choice made
 * by policy.ts:
 *
 * - the requested packages are marked first, then each one's dependencies are
 *   installed depth-first in field order (policy.followedFields);
 * - a dependency group already satisfied by a chosen package adds nothing;
 * - otherwise the group's candidates are tried in apt's order
 *   (policy.groupCandidates: alternatives as written, each one's candidates
 *   in provider order), passing over one that Conflicts/Breaks with a chosen
 *   package (either way) or whose own dependencies no candidate can meet
 *   (policy.dependenciesSatisfiable).
 */
import { DistrokitError } from '../../formats/errors.js';
import type { DebPackage } from './packages.js';
import { dependenciesSatisfiable, essentialBase, followedFields, groupCandidates, isCritical, NEGATIVE_FIELDS, requestedPackage } from './policy.js';
import type { DebRepository, RelationField } from './repository.js';
import { type AlternativeGroup, type Dependency, formatDependency } from './relation.js';

export interface ClosureOptions {
  /** Follow Recommends too (apt's default; off by default here, like APT::Install-Recommends=false). */
  recommends?: boolean;
  /** Add the Essential: yes and Priority: required packages (the debootstrap base). */
  essential?: boolean;
}

/** Why a package is in the closure: the package and dependency that pulled it in (none for requested ones). */
export interface Reason {
  parent?: DebPackage;
  field?: RelationField;
  dependency?: string;
  /** 'requested', 'essential', or 'dependency'. */
  kind: 'requested' | 'essential' | 'dependency';
}

export interface Edge {
  to: DebPackage;
  field: RelationField;
}

export interface ClosureProblem {
  code: 'DEB_UNSATISFIABLE' | 'DEB_CONFLICT';
  /** The requested package first, the package with the unmet dependency last. */
  chain: DebPackage[];
  field: RelationField;
  dependency: string;
  message: string;
}

export interface Closure {
  /** Chosen packages in the order they were chosen. */
  packages: DebPackage[];
  reasons: Map<DebPackage, Reason>;
  /** For each chosen package, the chosen package satisfying each of its dependency groups. */
  edges: Map<DebPackage, Edge[]>;
  problems: ClosureProblem[];
}

class ClosureBuilder {
  readonly chosen = new Set<DebPackage>();
  readonly order: DebPackage[] = [];
  readonly reasons = new Map<DebPackage, Reason>();
  readonly edges = new Map<DebPackage, Edge[]>();
  readonly problems: ClosureProblem[] = [];
  private readonly fields: RelationField[];
  /**
   * The Conflicts and Breaks of chosen packages by the name they target, each
   * numbered in the order a scan of the chosen set would meet it (so that the
   * clash reported is the same as that scan's first).
   */
  private readonly against = new Map<string, { order: number; other: DebPackage; field: 'conflicts' | 'breaks'; dep: Dependency }[]>();
  private againstCount = 0;

  constructor(
    private readonly repo: DebRepository,
    options: ClosureOptions,
  ) {
    this.fields = followedFields(options.recommends === true);
  }

  choose(pkg: DebPackage, reason: Reason): void {
    this.chosen.add(pkg);
    this.order.push(pkg);
    this.reasons.set(pkg, reason);
    for (const field of NEGATIVE_FIELDS) {
      for (const group of this.repo.relations(pkg, field)) {
        for (const dep of group) {
          let list = this.against.get(dep.name);
          if (!list) this.against.set(dep.name, (list = []));
          list.push({ order: this.againstCount++, other: pkg, field, dep });
        }
      }
    }
  }

  /** Installs the dependencies of `root` depth-first, iteratively (closures can be thousands deep). */
  installDependencies(root: DebPackage): void {
    const stack: { pkg: DebPackage; groups: { field: RelationField; group: AlternativeGroup }[]; next: number }[] = [];
    const push = (pkg: DebPackage) => stack.push({ pkg, groups: this.groupsOf(pkg), next: 0 });
    push(root);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      if (frame.next >= frame.groups.length) {
        stack.pop();
        continue;
      }
      const { field, group } = frame.groups[frame.next++]!;
      const already = this.satisfiedBy(group);
      if (already) {
        this.addEdge(frame.pkg, already, field);
        continue;
      }
      const pick = this.pickCandidate(group, isCritical(field));
      if (!pick.pkg) {
        // apt leaves an unmet Recommends out; an unmet Pre-Depends or Depends is a problem.
        if (isCritical(field)) this.problem(pick.conflict ? 'DEB_CONFLICT' : 'DEB_UNSATISFIABLE', frame.pkg, field, group, pick.conflict);
        continue;
      }
      this.choose(pick.pkg, { kind: 'dependency', parent: frame.pkg, field, dependency: group.map(formatDependency).join(' | ') });
      this.addEdge(frame.pkg, pick.pkg, field);
      push(pick.pkg);
    }
  }

  private groupsOf(pkg: DebPackage): { field: RelationField; group: AlternativeGroup }[] {
    const out: { field: RelationField; group: AlternativeGroup }[] = [];
    for (const field of this.fields) for (const group of this.repo.relations(pkg, field)) out.push({ field, group });
    return out;
  }

  private addEdge(from: DebPackage, to: DebPackage, field: RelationField): void {
    if (from === to) return;
    let list = this.edges.get(from);
    if (!list) this.edges.set(from, (list = []));
    list.push({ to, field });
  }

  /** A chosen package satisfying the group (first alternative first), if any. */
  private satisfiedBy(group: AlternativeGroup): DebPackage | undefined {
    for (const dep of group) {
      for (const p of this.repo.satisfiers(dep)) if (this.chosen.has(p)) return p;
    }
    return undefined;
  }

  /**
   * The group's first candidate (policy.groupCandidates) that neither
   * conflicts with the chosen set nor has a dependency no candidate meets.
   * When only the latter kind is left, a critical group still takes the first
   * of them, so that the problem reported names the missing dependency (apt
   * fails the same install, one level up).
   */
  private pickCandidate(group: AlternativeGroup, critical: boolean): { pkg?: DebPackage; conflict?: string } {
    let conflict: string | undefined;
    let fallback: DebPackage | undefined;
    for (const { pkg } of groupCandidates(this.repo, group)) {
      const clash = this.conflictWithChosen(pkg);
      if (clash) {
        conflict ??= `${pkg.name} ${clash}`;
        continue;
      }
      if (dependenciesSatisfiable(this.repo, pkg)) return { pkg };
      fallback ??= pkg;
    }
    return critical && fallback ? { pkg: fallback } : { conflict };
  }

  /** Describes a Conflicts/Breaks between `pkg` and a chosen package (either direction), if any. */
  conflictWithChosen(pkg: DebPackage): string | undefined {
    for (const field of NEGATIVE_FIELDS) {
      for (const group of this.repo.relations(pkg, field)) {
        for (const dep of group) {
          for (const s of this.repo.satisfiers(dep)) {
            if (s !== pkg && this.chosen.has(s)) return `${field} with ${s.name} (${formatDependency(dep)})`;
          }
        }
      }
    }
    // A chosen package's Conflicts/Breaks can only name pkg or a name pkg provides.
    let first: { order: number; other: DebPackage; field: string; dep: Dependency } | undefined;
    for (const name of [pkg.name, ...this.repo.relations(pkg, 'provides').flatMap((g) => g.map((d) => d.name))]) {
      for (const entry of this.against.get(name) ?? []) {
        if (first && first.order < entry.order) continue;
        if (entry.other !== pkg && this.repo.satisfiers(entry.dep).includes(pkg)) first = entry;
      }
    }
    return first && `is in ${first.other.name}'s ${first.field} (${formatDependency(first.dep)})`;
  }

  private problem(code: ClosureProblem['code'], pkg: DebPackage, field: RelationField, group: AlternativeGroup, conflict?: string): void {
    const dependency = group.map(formatDependency).join(' | ');
    const chain = chainTo(pkg, this.reasons);
    const path = chain.map((p) => p.name).join(' → ');
    const message =
      code === 'DEB_CONFLICT'
        ? `${path}: ${field} '${dependency}' can only be met by a package that conflicts with the chosen set: ${conflict}`
        : `${path}: ${field} '${dependency}' is not satisfiable (no package or provider${group.some((d) => d.op) ? ' in that version range' : ''})`;
    this.problems.push({ code, chain, field, dependency, message });
  }
}

/** The chain of packages from a requested (or essential) package down to `pkg`. */
export function chainTo(pkg: DebPackage, reasons: Map<DebPackage, Reason>): DebPackage[] {
  const chain: DebPackage[] = [pkg];
  const seen = new Set<DebPackage>([pkg]);
  let r = reasons.get(pkg);
  while (r?.parent && !seen.has(r.parent)) {
    chain.unshift(r.parent);
    seen.add(r.parent);
    r = reasons.get(r.parent);
  }
  return chain;
}

/** The package a requested name stands for (policy.requestedPackage); an unknown name is an error. */
function resolveRequested(repo: DebRepository, name: string): DebPackage {
  const pkg = requestedPackage(repo, name);
  if (!pkg) throw new DistrokitError('DEB_UNKNOWN_PACKAGE', `unknown package '${name}' (no package of that name and no provider)`, { entry: name });
  return pkg;
}

export function resolveClosure(repo: DebRepository, requested: readonly string[], options: ClosureOptions = {}): Closure {
  const b = new ClosureBuilder(repo, options);
  const roots: DebPackage[] = [];
  for (const name of requested) {
    const pkg = resolveRequested(repo, name);
    if (!b.chosen.has(pkg)) {
      b.choose(pkg, { kind: 'requested' });
      roots.push(pkg);
    }
  }
  if (options.essential) {
    for (const pkg of essentialBase(repo)) {
      if (!b.chosen.has(pkg)) {
        b.choose(pkg, { kind: 'essential' });
        roots.push(pkg);
      }
    }
  }
  for (const pkg of roots) {
    const clash = b.conflictWithChosen(pkg);
    if (clash)
      b.problems.push({
        code: 'DEB_CONFLICT',
        chain: [pkg],
        field: 'conflicts',
        dependency: clash,
        message: `${pkg.name}: ${clash} (both were requested)`,
      });
  }
  for (const pkg of roots) b.installDependencies(pkg);
  return { packages: b.order, reasons: b.reasons, edges: b.edges, problems: b.problems };
}

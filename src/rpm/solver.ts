/**
 * Deterministic closure solver. Requirements are processed in a FIFO queue;
 * each unsatisfied one opens a choice point whose alternatives are ordered by
 * the provider policy (policy.ts). A conflict or an unsatisfiable requirement
 * backtracks chronologically to the latest choice point with alternatives
 * left. Conditional rich deps (`if`/`unless`) are re-checked whenever the
 * queue runs dry, until nothing changes.
 */
import { DistrokitError } from '../../formats/errors.js';
import { depMatches, type SimpleDep } from './depmatch.js';
import { nevra, type Dependency, type PackagePool, type RpmPackage } from './pool.js';
import { conflictWithChosen } from './conflicts.js';
import { orderCandidates } from './policy.js';
import { evaluateRichDep, richDepLeaves, type RichContext, type RichDep } from './richdep.js';

export interface SolveOptions {
  /** Follow Recommends too (best effort: an unsatisfiable one is skipped). */
  weak?: boolean;
  /** Give up after this many choice steps (RPM_SOLVER_GAVE_UP). */
  maxSteps?: number;
}

/** Why a package is in the closure: who required it through which dependency (null = requested). */
export interface Reason {
  by: RpmPackage | null;
  dep: string;
  /** Pulled in by a Recommends (with the weak option). */
  weak?: boolean;
}

export interface Unresolved {
  dep: string;
  by: RpmPackage;
  hint: string;
}

export interface Solution {
  /** The chosen packages in the order they were chosen. */
  packages: RpmPackage[];
  reasons: Map<RpmPackage, Reason>;
  /** File dependencies left open because filelists were not loaded. */
  unresolved: Unresolved[];
}

interface Obligation {
  dep: RichDep;
  /** For a request: the packages it names (one of them must be chosen). */
  candidates?: RpmPackage[];
  /** Set once a choice among several alternatives was postponed. */
  postponed?: boolean;
  text: string;
  by: RpmPackage | null;
  weak: boolean;
}

type Alternative = { install: RpmPackage } | { require: RichDep[] } | { skip: true };

interface ChoicePoint {
  obligation: Obligation;
  alternatives: Alternative[];
  next: number;
  head: number;
  queueLength: number;
  laterHead: number;
  laterLength: number;
  chosenLength: number;
  unresolvedLength: number;
}

/** A requested package: a name, `name.arch`, or anything provided (virtual names, file paths). */
export function requestCandidates(pool: PackagePool, spec: string): RpmPackage[] {
  const byName = pool.named(spec);
  if (byName.length > 0) return byName;
  const dot = spec.lastIndexOf('.');
  if (dot > 0) {
    const withArch = pool.named(spec.slice(0, dot)).filter((p) => p.arch === spec.slice(dot + 1));
    if (withArch.length > 0) return withArch;
  }
  return pool.whatProvides({ name: spec });
}

export function solve(pool: PackagePool, requests: string[], options: SolveOptions = {}): Solution {
  return new Solver(pool, options).run(requests);
}

class Solver {
  private readonly chosen: RpmPackage[] = [];
  private readonly chosenSet = new Set<RpmPackage>();
  /** Installed packages by provided name and by file path. */
  private readonly installed = new Map<string, RpmPackage[]>();
  private readonly reasons = new Map<RpmPackage, Reason>();
  private readonly unresolved: Unresolved[] = [];
  private readonly queue: Obligation[] = [];
  private head = 0;
  /** Requirements with several alternatives wait here until every single-choice one is done, as libsolv decides unit rules first. */
  private readonly later: Obligation[] = [];
  private laterHead = 0;
  private readonly choices: ChoicePoint[] = [];
  private firstFailure: { obligation: Obligation; message: string; chain: string[] } | null = null;
  private steps = 0;
  private readonly ctx: RichContext<RpmPackage> = { providers: (dep) => this.installedProviders(dep) };

  constructor(
    private readonly pool: PackagePool,
    private readonly options: SolveOptions,
  ) {}

  run(requests: string[]): Solution {
    for (const spec of requests) {
      const candidates = requestCandidates(this.pool, spec);
      if (candidates.length === 0)
        throw new DistrokitError('RPM_UNKNOWN_PACKAGE', `no package named or providing "${spec}" (with architectures ${this.pool.policy.archs.join(', ')})`, {
          entry: spec,
        });
      // A request is a choice among its candidates, like any requirement.
      this.queue.push({ dep: { op: 'simple', dep: { name: spec } }, candidates, text: spec, by: null, weak: false });
    }
    for (;;) {
      while (this.head < this.queue.length) this.process(this.queue[this.head++]!);
      if (this.laterHead < this.later.length) {
        this.process(this.later[this.laterHead++]!);
        continue;
      }
      if (!this.activateConditionals()) break;
    }
    return { packages: [...this.chosen], reasons: new Map(this.reasons), unresolved: [...this.unresolved] };
  }

  private installedProviders(dep: SimpleDep): RpmPackage[] {
    const out: RpmPackage[] = [];
    for (const p of this.installed.get(dep.name) ?? []) {
      if (out.includes(p)) continue;
      if (dep.name.startsWith('/') && p.files.includes(dep.name)) out.push(p);
      else if (p.provides.some((prv) => depMatches(prv, dep))) out.push(p);
    }
    return out;
  }

  private satisfied(dep: RichDep): boolean {
    return evaluateRichDep(dep, this.ctx);
  }

  private process(obligation: Obligation): void {
    const { candidates } = obligation;
    if (candidates ? candidates.some((p) => this.chosenSet.has(p)) : this.satisfied(obligation.dep)) return;
    const alternatives = candidates ? orderCandidates(candidates, this.pool.policy).map((install) => ({ install })) : this.alternatives(obligation.dep);
    if (alternatives.length > 1 && !obligation.postponed) {
      // A choice: first let the requirements without one pull in what they must, which may settle this one.
      this.later.push({ ...obligation, postponed: true });
      return;
    }
    if (obligation.weak) alternatives.push({ skip: true });
    if (alternatives.length === 0) {
      if (this.leaveOpenFileDep(obligation)) return;
      this.fail(obligation, `nothing provides ${obligation.text}`);
      return;
    }
    const point: ChoicePoint = {
      obligation,
      alternatives,
      next: 0,
      head: this.head,
      queueLength: this.queue.length,
      laterHead: this.laterHead,
      laterLength: this.later.length,
      chosenLength: this.chosen.length,
      unresolvedLength: this.unresolved.length,
    };
    this.choices.push(point);
    if (!this.tryNext(point)) {
      this.choices.pop();
      this.fail(point.obligation, `cannot satisfy ${point.obligation.text}`);
    }
  }

  /** Without filelists, a file dependency outside primary is reported, not failed (like rpm-closure.pl warns). */
  private leaveOpenFileDep(obligation: Obligation): boolean {
    if (this.pool.filelistsLoaded || !obligation.by) return false;
    const leaves = richDepLeaves(obligation.dep);
    if (!leaves.some((l) => l.name.startsWith('/'))) return false;
    this.unresolved.push({
      dep: obligation.text,
      by: obligation.by,
      hint: 'file dependency not in primary.xml: pass --filelists to resolve it from filelists.xml',
    });
    return true;
  }

  /** Applies the next workable alternative of a choice point; false when none is left. */
  private tryNext(point: ChoicePoint): boolean {
    while (point.next < point.alternatives.length) {
      if (++this.steps > (this.options.maxSteps ?? 200_000))
        throw new DistrokitError('RPM_SOLVER_GAVE_UP', `no solution found within ${this.options.maxSteps ?? 200_000} steps`, {});
      const alt = point.alternatives[point.next++]!;
      if ('skip' in alt) return true;
      if ('require' in alt) {
        for (const dep of alt.require) this.queue.push({ dep, text: point.obligation.text, by: point.obligation.by, weak: point.obligation.weak });
        return true;
      }
      const conflict = this.conflictOf(alt.install);
      if (conflict) {
        this.noteFailure(point.obligation, `${nevra(alt.install)} ${conflict}`);
        continue;
      }
      this.install(alt.install, point.obligation);
      return true;
    }
    return false;
  }

  private noteFailure(obligation: Obligation, message: string): void {
    // The chain is taken now: backtracking undoes the reasons it is made of.
    if (!this.firstFailure) this.firstFailure = { obligation, message, chain: obligation.by ? this.chain(obligation.by) : [] };
  }

  /** Records the failure and resumes at the latest choice point with alternatives left. */
  private fail(obligation: Obligation, message: string): void {
    this.noteFailure(obligation, message);
    for (;;) {
      const point = this.choices[this.choices.length - 1];
      if (!point) throw this.unsatisfiable();
      this.undoTo(point);
      if (this.tryNext(point)) return;
      this.choices.pop();
    }
  }

  private unsatisfiable(): DistrokitError {
    const failure = this.firstFailure!;
    const chain = failure.chain;
    const requiredBy = failure.obligation.by ? ` needed by ${chain.join(' ← ')}` : '';
    return new DistrokitError('RPM_UNSATISFIABLE', `${failure.message}${requiredBy}`, {
      entry: failure.obligation.by ? failure.obligation.by.name : failure.obligation.text,
      dependency: failure.obligation.text,
      chain,
    });
  }

  /** NEVRAs from a package back to the request that pulled it in. */
  chain(pkg: RpmPackage): string[] {
    const out: string[] = [];
    const seen = new Set<RpmPackage>();
    let cur: RpmPackage | null = pkg;
    while (cur && !seen.has(cur)) {
      seen.add(cur);
      out.push(nevra(cur));
      cur = this.reasons.get(cur)?.by ?? null;
    }
    return out;
  }

  private undoTo(point: ChoicePoint): void {
    while (this.chosen.length > point.chosenLength) this.uninstall(this.chosen[this.chosen.length - 1]!);
    this.queue.length = point.queueLength;
    this.head = point.head;
    this.later.length = point.laterLength;
    this.laterHead = point.laterHead;
    this.unresolved.length = point.unresolvedLength;
  }

  private alternatives(dep: RichDep): Alternative[] {
    switch (dep.op) {
      case 'simple':
        return this.redundantLast(orderCandidates(this.pool.whatProvides(dep.dep), this.pool.policy, dep.dep.name)).map((install) => ({ install }));
      case 'with':
      case 'without':
        return orderCandidates(this.poolMatching(dep), this.pool.policy).map((install) => ({ install }));
      case 'and':
        return [{ require: dep.args }];
      case 'or':
        return dep.args.filter((a) => this.possible(a)).map((a) => ({ require: [a] }));
      case 'if':
        if (this.satisfied(dep.cond)) return [{ require: [dep.then] }];
        return dep.else ? [{ require: [dep.else] }] : [];
      case 'unless':
        if (!this.satisfied(dep.cond)) return [{ require: [dep.then] }];
        return dep.else ? [{ require: [dep.else] }] : [];
    }
  }

  /**
   * A candidate that itself requires something only other candidates provide
   * would bring one of them anyway, which already satisfies the dependency: it
   * goes last (lsb-base requires sysvinit-utils, which provides lsb-base).
   */
  private redundantLast(candidates: RpmPackage[]): RpmPackage[] {
    if (candidates.length < 2) return candidates;
    const set = new Set(candidates);
    const redundant = (p: RpmPackage) =>
      p.requires.some((r) => {
        if (r.dep.op !== 'simple') return false;
        const providers = this.pool.whatProvides(r.dep.dep).filter((q) => q !== p);
        return providers.length > 0 && providers.every((q) => set.has(q));
      });
    const flags = candidates.map(redundant);
    return [...candidates.filter((_, i) => !flags[i]), ...candidates.filter((_, i) => flags[i])];
  }

  /** Pool packages matching a package-level term (simple, with, without). */
  private poolMatching(dep: RichDep): RpmPackage[] {
    if (dep.op === 'simple') return this.pool.whatProvides(dep.dep);
    if (dep.op === 'with') return dep.args.map((a) => this.poolMatching(a)).reduce((acc, m) => acc.filter((p) => m.includes(p)));
    if (dep.op === 'without') {
      const exclude = new Set(this.poolMatching(dep.args[1]));
      return this.poolMatching(dep.args[0]).filter((p) => !exclude.has(p));
    }
    return [];
  }

  /** Cheap upper bound: could this dependency be satisfied by some pool package at all? */
  private possible(dep: RichDep): boolean {
    switch (dep.op) {
      case 'simple':
      case 'with':
      case 'without':
        return this.satisfied(dep) || this.poolMatching(dep).length > 0;
      case 'and':
        return dep.args.every((a) => this.possible(a));
      case 'or':
        return dep.args.some((a) => this.possible(a));
      default:
        return true;
    }
  }

  /** Why installing `p` next to the chosen set is impossible, or null. */
  private conflictOf(p: RpmPackage): string | null {
    return conflictWithChosen(p, this.chosen, (dep) => this.installedProviders(dep));
  }

  private install(p: RpmPackage, obligation: Obligation): void {
    this.chosen.push(p);
    this.chosenSet.add(p);
    this.addInstalled(p);
    this.reasons.set(p, obligation.weak ? { by: obligation.by, dep: obligation.text, weak: true } : { by: obligation.by, dep: obligation.text });
    this.enqueueDependencies(p);
  }

  private enqueueDependencies(p: RpmPackage): void {
    for (const d of p.requires) this.queue.push(this.obligationOf(d, p, false));
    if (this.options.weak) for (const d of p.recommends) this.queue.push(this.obligationOf(d, p, true));
  }

  private obligationOf(d: Dependency, by: RpmPackage, weak: boolean): Obligation {
    return { dep: d.dep, text: d.text, by, weak };
  }

  private uninstall(p: RpmPackage): void {
    this.chosen.pop();
    this.chosenSet.delete(p);
    this.removeInstalled(p);
    this.reasons.delete(p);
  }

  private keysOf(p: RpmPackage): string[] {
    return [...new Set([...p.provides.map((d) => d.name), ...p.files])];
  }

  private addInstalled(p: RpmPackage): void {
    for (const k of this.keysOf(p)) {
      const list = this.installed.get(k);
      if (list) list.push(p);
      else this.installed.set(k, [p]);
    }
  }

  private removeInstalled(p: RpmPackage): void {
    for (const k of this.keysOf(p)) {
      const list = this.installed.get(k)!;
      const i = list.lastIndexOf(p);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) this.installed.delete(k);
    }
  }

  /** Conditional requirements of chosen packages that have become unsatisfied; queues them. True if any. */
  private activateConditionals(): boolean {
    let added = false;
    for (const p of this.chosen) {
      for (const d of p.requires) {
        if (!hasCondition(d.dep) || this.satisfied(d.dep)) continue;
        this.queue.push(this.obligationOf(d, p, false));
        added = true;
      }
    }
    return added;
  }
}

function hasCondition(dep: RichDep): boolean {
  switch (dep.op) {
    case 'simple':
      return false;
    case 'if':
    case 'unless':
      return true;
    default:
      return dep.args.some(hasCondition);
  }
}

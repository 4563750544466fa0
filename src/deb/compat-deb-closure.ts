/**
 * `--compat deb-closure`: the choices of nixpkgs' deb-closure.pl, for users
 * migrating from it, made deterministic. It reproduces, on purpose:
 * - the last stanza of a name wins (indexes are concatenated, no version compare);
 * - only the first alternative of `a | b` is followed; versions and
 *   architecture qualifiers are ignored; Depends is followed before Pre-Depends;
 * - a virtual name maps to a provider through a table that a package's own
 *   Provides overwrite once it is closed (also for names of real packages);
 * - groups are contiguous runs of the post-order that end when no forward
 *   reference is pending (coarser than true SCCs).
 * Where the script depends on Perl's hash order (the initial provider of a
 * virtual name), we take the provider with the greatest name, always.
 */
import { DistrokitError } from '../../formats/errors.js';
import { type DebPackage, positionOf } from './packages.js';
import { parseRelations, type RelationList } from './relation.js';

export class CompatIndex {
  readonly byName = new Map<string, DebPackage>();
  add(pkg: DebPackage): void {
    this.byName.set(pkg.name, pkg); // last one wins, as in deb-closure.pl
  }
}

function firstAlternatives(list: RelationList): string[] {
  return list.map((group) => group[0]!.name);
}

function relationNames(pkg: DebPackage, field: string): string[] {
  const text = pkg.fields.get(field);
  if (!text) return [];
  return firstAlternatives(parseRelations(text, positionOf(pkg, { field })));
}

export interface CompatClosure {
  order: DebPackage[];
  groups: DebPackage[][];
}

export function resolveClosureCompat(index: CompatIndex, requested: readonly string[]): CompatClosure {
  const packages = index.byName;
  const provides = new Map<string, string>();
  const names = [...packages.keys()].sort();
  for (const name of names) {
    for (const provided of relationNames(packages.get(name)!, 'provides')) {
      if (!packages.has(provided)) provides.set(provided, name); // greatest name wins (sorted order, last write)
    }
  }
  const done = new Set<string>();
  const depsUsed = new Map<string, string[]>();
  const order: string[] = [];

  // Iterative post-order DFS with the script's visiting rules.
  const close = (top: string) => {
    const stack: { name: string; deps: string[]; next: number }[] = [];
    const enter = (requestedName: string, from?: string): void => {
      let name = requestedName;
      if (!packages.has(name)) {
        const provider = provides.get(name);
        if (provider === undefined)
          throw new DistrokitError('DEB_UNKNOWN_PACKAGE', `unknown (virtual) package ${name}${from ? ` (needed by ${from})` : ''}`, { entry: name });
        name = provider;
      }
      if (done.has(name)) return;
      done.add(name);
      const pkg = packages.get(name)!;
      for (const provided of relationNames(pkg, 'provides')) provides.set(provided, name);
      const deps = [...relationNames(pkg, 'depends'), ...relationNames(pkg, 'pre-depends')];
      depsUsed.set(name, deps);
      stack.push({ name, deps, next: 0 });
    };
    enter(top);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      if (frame.next < frame.deps.length) {
        enter(frame.deps[frame.next++]!, frame.name);
        continue;
      }
      stack.pop();
      order.push(frame.name);
    }
  };
  for (const name of requested) close(name);

  const groups: DebPackage[][] = [];
  const seen = new Set<string>();
  const forward = new Set<string>();
  let current: DebPackage[] | null = null;
  for (const name of order) {
    seen.add(name);
    for (const dep of depsUsed.get(name)!) {
      const target = provides.get(dep) ?? dep;
      if (!seen.has(target)) forward.add(target);
    }
    forward.delete(name);
    (current ??= []).push(packages.get(name)!);
    if (forward.size === 0) {
      groups.push(current);
      current = null;
    }
  }
  if (current) throw new DistrokitError('DEB_COMPAT_OPEN_GROUP', `deb-closure grouping ended inside a group; pending: ${[...forward].sort().join(' ')}`);
  return { order: order.map((n) => packages.get(n)!), groups };
}

/**
 * `--compat rpm-closure`: the choices of nixpkgs' rpm-closure.pl, reproduced
 * on purpose for users migrating from it (deterministically: its choices only
 * depend on sorted names). Its quirks, kept:
 *   - one package per name; a duplicate replaces the earlier one when its
 *     version (then release) is newer by a comparator that splits on "." and
 *     ignores the epoch (so 2.0~rc1 beats 2.0);
 *   - the provider of a name is the alphabetically last package providing it
 *     (provides entries and primary <file>s), skipping packages with an
 *     unversioned Conflicts on a requested name;
 *   - versions, rich dependencies and file dependencies outside primary are
 *     ignored (reported as "no provider" warnings);
 *   - the order is the depth-first post-order; there are no install groups.
 */
import { DistrokitError } from '../../formats/errors.js';
import { type Closure, type ClosurePackage, describePackage } from './closure.js';
import { nevra, type PackagePool, type RpmPackage } from './pool.js';
import type { Reason } from './solver.js';

/** rpm-closure.pl's own "rpmvercmp": split on ".", numbers as numbers, the rest by string order. */
export function naiveVercmp(a: string, b: string): number {
  const x = a.split('.');
  const y = b.split('.');
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const p = x[i]!;
    const q = y[i]!;
    if (/^[0-9]*$/.test(p) && /^[0-9]*$/.test(q)) {
      const d = Number(p || 0) - Number(q || 0);
      if (d !== 0) return d > 0 ? 1 : -1;
    } else if (p !== q) return p > q ? 1 : -1;
  }
  return x.length === y.length ? 0 : x.length > y.length ? 1 : -1;
}

export interface CompatClosure extends Closure {
  warnings: string[];
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function resolveClosureCompat(pool: PackagePool, requests: string[]): CompatClosure {
  const warnings: string[] = [];
  const pkgs = new Map<string, RpmPackage>();
  for (const p of pool.packages) {
    const earlier = pkgs.get(p.name);
    if (!earlier) {
      pkgs.set(p.name, p);
      continue;
    }
    warnings.push(`duplicate occurrence of package ${p.name}`);
    const cmp = naiveVercmp(p.evr.version, earlier.evr.version);
    if (cmp > 0 || (cmp === 0 && naiveVercmp(p.evr.release, earlier.evr.release) > 0)) pkgs.set(p.name, p);
  }

  const provides = new Map<string, string>();
  for (const name of [...pkgs.keys()].sort(byteOrder)) {
    const p = pkgs.get(name)!;
    // The script means to skip only some conflicts but, by operator precedence, skips every versioned one.
    const conflictsWithRequest = p.conflicts.some((c) => c.dep.op === 'simple' && !c.dep.dep.flags && requests.includes(c.dep.dep.name));
    if (conflictsWithRequest) {
      warnings.push(`skipping package ${name} because it conflicts with a required package`);
      continue;
    }
    for (const prv of p.provides) provides.set(prv.name, name);
    for (const file of p.primaryFiles ?? p.files) provides.set(file, name);
  }

  const done = new Set<string>();
  const order: RpmPackage[] = [];
  const reasons = new Map<RpmPackage, Reason>();
  // Depth-first with an explicit stack: each frame is a package and its remaining providers to visit.
  const close = (start: string, reason: Reason) => {
    const stack: { pkg: RpmPackage; deps: string[]; next: number }[] = [];
    const enter = (name: string, why: Reason): void => {
      if (done.has(name)) return;
      done.add(name);
      const pkg = pkgs.get(name);
      if (!pkg) throw new DistrokitError('RPM_UNKNOWN_PACKAGE', `package ${name} doesn't exist`, { entry: name });
      reasons.set(pkg, why);
      const deps: string[] = [];
      for (const req of pkg.requires) {
        const provider = provides.get(simpleName(req));
        if (provider === undefined) warnings.push(`no provider for ${simpleName(req)} (needed by ${name})`);
        else deps.push(provider);
      }
      stack.push({ pkg, deps, next: 0 });
    };
    enter(start, reason);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      if (frame.next < frame.deps.length) {
        const dep = frame.deps[frame.next++]!;
        enter(dep, { by: frame.pkg, dep });
        continue;
      }
      stack.pop();
      order.push(frame.pkg);
    }
  };
  for (const request of requests) {
    const viaProvide = !pkgs.has(request) ? provides.get(request) : undefined;
    close(viaProvide ?? request, { by: null, dep: request });
  }

  const packages: ClosurePackage[] = order.map((p) => describePackage(p, 1));
  return { requested: requests, packages, groups: [order.map(nevra)], unresolved: [], problems: [], chosen: order, reasons, warnings };
}

/** The dependency name as the script looks it up (the whole expression for a rich dep). */
function simpleName(req: { text: string; dep: { op: string; dep?: { name: string } } }): string {
  return req.dep.op === 'simple' && req.dep.dep ? req.dep.dep.name : req.text;
}

/**
 * Whether a package can join a chosen set: one version per name and
 * architecture (noarch clashes with every architecture of its name), no
 * obsoletes either way, and no Conflicts (simple or rich) either way. A
 * package never conflicts with itself.
 */
import { depMatches, type SimpleDep } from './depmatch.js';
import { nevra, type RpmPackage } from './pool.js';
import { obsoletes } from './policy.js';
import { evaluateRichDep, type RichContext, richDepLeaves } from './richdep.js';

export function providesOrHasFile(p: RpmPackage, dep: SimpleDep): boolean {
  if (dep.name.startsWith('/') && p.files.includes(dep.name)) return true;
  return p.provides.some((prv) => depMatches(prv, dep));
}

/**
 * Why `p` cannot be installed next to `chosen`, or null. `installedProviders`
 * answers for the chosen set without `p`.
 */
export function conflictWithChosen(p: RpmPackage, chosen: readonly RpmPackage[], installedProviders: (dep: SimpleDep) => RpmPackage[]): string | null {
  for (const q of chosen) {
    if (q.name === p.name && (q.arch === p.arch || q.arch === 'noarch' || p.arch === 'noarch')) return `is another version of chosen ${nevra(q)}`;
    if (obsoletes(p, q)) return `obsoletes chosen ${nevra(q)}`;
    if (obsoletes(q, p)) return `is obsoleted by chosen ${nevra(q)}`;
  }
  const before: RichContext<RpmPackage> = { providers: installedProviders };
  for (const c of p.conflicts) if (evaluateRichDep(c.dep, before)) return `conflicts with ${c.text} (chosen)`;
  // Chosen packages' conflicts, evaluated as if p were installed.
  const withP = (dep: SimpleDep): RpmPackage[] => {
    const list = installedProviders(dep);
    return providesOrHasFile(p, dep) && !list.includes(p) ? [...list, p] : list;
  };
  for (const q of chosen) {
    if (q.conflicts.length === 0) continue;
    const withoutQ: RichContext<RpmPackage> = { providers: (dep) => withP(dep).filter((x) => x !== q) };
    for (const c of q.conflicts) {
      if (!richDepLeaves(c.dep).some((l) => providesOrHasFile(p, l))) continue;
      if (evaluateRichDep(c.dep, withoutQ)) return `is in conflict with chosen ${nevra(q)} (${c.text})`;
    }
  }
  return null;
}

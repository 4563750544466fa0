/**
 * Provider choice, close to libsolv's policy_filter_unwanted as dnf uses it:
 * best repository priority, then not obsoleted by another candidate, then best
 * architecture (noarch is neutral), then the package named like the
 * dependency before other providers, then name (strcmp), then the best EVR of
 * that name, then repository order and pool order. The first candidate is
 * tried first; the others stay as alternatives when it leads to a conflict.
 */
import { depMatches } from './depmatch.js';
import { archRank, type ArchPolicy, type RpmPackage } from './pool.js';
import { compareEVR } from './vercmp.js';

export function obsoletes(by: RpmPackage, target: RpmPackage): boolean {
  if (by === target || by.name === target.name) return false;
  return by.obsoletes.some((o) => depMatches({ name: target.name, flags: 'EQ', evr: target.evr }, o));
}

export function orderCandidates(candidates: readonly RpmPackage[], policy: ArchPolicy, dependencyName?: string): RpmPackage[] {
  const unique = [...new Set(candidates)];
  const obsoleted = new Set(unique.filter((p) => unique.some((q) => obsoletes(q, p))));
  return unique.sort(
    (a, b) =>
      a.repo.priority - b.repo.priority ||
      Number(obsoleted.has(a)) - Number(obsoleted.has(b)) ||
      archRank(policy, a.arch) - archRank(policy, b.arch) ||
      Number(b.name === dependencyName) - Number(a.name === dependencyName) ||
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) ||
      compareEVR(b.evr, a.evr) ||
      a.repo.index - b.repo.index ||
      a.id - b.id,
  );
}

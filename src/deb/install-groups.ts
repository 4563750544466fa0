/**
 * Install groups: the strongly connected components of the chosen packages'
 * dependency edges, dependencies first. dpkg can install each group with one
 * `dpkg --install` once every earlier group is installed. A Pre-Depends
 * target must be configured before its dependent is unpacked, so when a cycle
 * runs through a Pre-Depends edge the component is split along Pre-Depends
 * order (Depends cycles alone are fine inside one dpkg call).
 */
import { stronglyConnectedComponents } from '../graph/scc.js';
import type { Closure } from './closure.js';
import type { DebPackage } from './packages.js';

export function installGroups(closure: Closure): DebPackage[][] {
  const edges = closure.edges;
  const all = stronglyConnectedComponents(closure.packages, (p) => (edges.get(p) ?? []).map((e) => e.to));
  const groups: DebPackage[][] = [];
  for (const component of all) {
    if (component.length > 1 && hasInternalPreDepends(component, closure)) groups.push(...splitByPreDepends(component, closure));
    else groups.push(component);
  }
  return groups;
}

function hasInternalPreDepends(component: DebPackage[], closure: Closure): boolean {
  const members = new Set(component);
  return component.some((p) => (closure.edges.get(p) ?? []).some((e) => e.field === 'pre-depends' && members.has(e.to)));
}

/** Splits a component using only its internal Pre-Depends edges (SCC again, so any remaining cycle stays together). */
function splitByPreDepends(component: DebPackage[], closure: Closure): DebPackage[][] {
  const members = new Set(component);
  return stronglyConnectedComponents(component, (p) =>
    (closure.edges.get(p) ?? []).filter((e) => e.field === 'pre-depends' && members.has(e.to)).map((e) => e.to),
  );
}

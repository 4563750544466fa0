/**
 * Install groups of a Debian closure: the shared SCC grouping of src/graph
 * over the chosen packages' edges, with Pre-Depends as "pre" edges (a
 * Pre-Depends target must be configured before its dependent is unpacked, so
 * it lands in an earlier group even inside a Depends cycle). dpkg can install
 * each group with one `dpkg --install` once every earlier group is installed.
 */
import { installGroups as groupClosure } from '../graph/groups.js';
import type { Closure } from './closure.js';
import type { DebPackage } from './packages.js';

export function installGroups(closure: Closure): DebPackage[][] {
  return groupClosure(closure.packages, (p) => (closure.edges.get(p) ?? []).map((e) => ({ to: e.to, pre: e.field === 'pre-depends' })));
}

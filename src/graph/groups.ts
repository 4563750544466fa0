/**
 * Install groups of a closure, shared by the RPM and Debian sides: strongly
 * connected components of the dependency graph, dependencies first. A
 * component that contains "pre" edges (Requires(pre), Pre-Depends) is split
 * along them, so a pre-requirement lands in an earlier group unless the pre
 * edges themselves form a cycle.
 */
import { stronglyConnectedComponents } from './scc.js';

export interface DependencyEdge<T> {
  to: T;
  /** The target must be installed (and configured) before the source. */
  pre: boolean;
}

/**
 * `nodes` in a deterministic order; `edges(n)` from a node to what it needs.
 * Returns groups in install order; inside a group, nodes keep the order of `nodes`.
 */
export function installGroups<T>(nodes: readonly T[], edges: (node: T) => Iterable<DependencyEdge<T>>): T[][] {
  const all = (n: T) => [...edges(n)].map((e) => e.to);
  const groups: T[][] = [];
  for (const component of stronglyConnectedComponents(nodes, all)) {
    if (component.length === 1) {
      groups.push(component);
      continue;
    }
    groups.push(...splitByPre(component, edges));
  }
  return groups;
}

/**
 * A cycle's members that others pre-require go first (grouped recursively
 * among themselves), the rest after them in one group. When every member is
 * pre-required (a cycle of pre edges) nothing can be split.
 */
function splitByPre<T>(component: T[], edges: (node: T) => Iterable<DependencyEdge<T>>): T[][] {
  const members = new Set(component);
  const preRequired = new Set<T>();
  for (const n of component) for (const e of edges(n)) if (e.pre && e.to !== n && members.has(e.to)) preRequired.add(e.to);
  if (preRequired.size === 0 || preRequired.size === component.length) return [component];
  const first = component.filter((n) => preRequired.has(n));
  const rest = component.filter((n) => !preRequired.has(n));
  return [...installGroups(first, edges), rest];
}

/** Why a node is in a closure: the node that pulled it in (null = requested) and through what. */
export interface PullReason<T> {
  by: T | null;
  via: string;
}

/**
 * The chain from a requested node down to `target`, as lines
 * "requested: a", "a requires b → b", …; empty when the target is not in the closure.
 */
export function whyChain<T>(target: T, reasonOf: (node: T) => PullReason<T> | undefined, label: (node: T) => string): string[] {
  const steps: { node: T; reason: PullReason<T> }[] = [];
  const seen = new Set<T>();
  let cur: T | null = target;
  while (cur !== null && !seen.has(cur)) {
    seen.add(cur);
    const reason = reasonOf(cur);
    if (!reason) return [];
    steps.unshift({ node: cur, reason });
    cur = reason.by;
  }
  return steps.map(({ node, reason }) =>
    reason.by === null ? `requested ${reason.via}: ${label(node)}` : `${label(reason.by)} requires ${reason.via}: ${label(node)}`,
  );
}

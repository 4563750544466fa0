/**
 * Tarjan's strongly connected components, iterative (closures of thousands of
 * packages would overflow the stack recursively) and deterministic: roots are
 * visited in the order given and successors in the order `successors` yields.
 *
 * With edges pointing from a package to what it needs, components come out
 * dependencies first: every component is emitted after all components it can reach.
 */
export function stronglyConnectedComponents<T>(nodes: readonly T[], successors: (node: T) => Iterable<T>): T[][] {
  const order = new Map<T, number>();
  nodes.forEach((n, i) => order.set(n, i));
  const index = new Map<T, number>();
  const low = new Map<T, number>();
  const onStack = new Set<T>();
  const stack: T[] = [];
  const result: T[][] = [];
  let next = 0;

  for (const root of nodes) {
    if (index.has(root)) continue;
    // Each frame: the node and an iterator over its successors still to visit.
    const frames: { node: T; it: Iterator<T> }[] = [];
    const enter = (n: T) => {
      index.set(n, next);
      low.set(n, next);
      next++;
      stack.push(n);
      onStack.add(n);
      frames.push({ node: n, it: successorsInGraph(n)[Symbol.iterator]() });
    };
    const successorsInGraph = (n: T): Iterable<T> => {
      const out: T[] = [];
      for (const s of successors(n)) if (order.has(s)) out.push(s);
      return out;
    };
    enter(root);
    while (frames.length > 0) {
      const frame = frames[frames.length - 1]!;
      const step = frame.it.next();
      if (!step.done) {
        const w = step.value;
        if (!index.has(w)) enter(w);
        else if (onStack.has(w)) low.set(frame.node, Math.min(low.get(frame.node)!, index.get(w)!));
        continue;
      }
      frames.pop();
      const v = frame.node;
      if (frames.length > 0) {
        const parent = frames[frames.length - 1]!.node;
        low.set(parent, Math.min(low.get(parent)!, low.get(v)!));
      }
      if (low.get(v) === index.get(v)) {
        const component: T[] = [];
        let w: T;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.push(w);
        } while (w !== v);
        component.sort((a, b) => order.get(a)! - order.get(b)!);
        result.push(component);
      }
    }
  }
  return result;
}

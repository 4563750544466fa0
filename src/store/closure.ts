/**
 * Closure inputs, in both forms nixpkgs has used, and the closure of a set of
 * top-level store paths over them.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DistrokitError } from '../../formats/errors.js';
import { mergeBlocks, parseBlocks } from './blocks.js';
import type { StorePathInfo } from './path-info.js';

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw DistrokitError.wrap(err, 'STORE_GRAPH_UNREADABLE', { file });
  }
}

/**
 * The `exportReferencesGraph` files (`closure-*`) as nixpkgs' pathsFromGraph
 * reads them: blocks of path, deriver, reference count and references. Paths
 * described in several files merge (they must agree).
 */
export async function readReferencesGraph(files: string[]): Promise<Map<string, StorePathInfo>> {
  const infos = new Map<string, StorePathInfo>();
  for (const file of files) mergeBlocks(infos, parseBlocks(await readText(file), file, 'graph'));
  return infos;
}

/**
 * A nixpkgs `closureInfo` directory: `store-paths` (one path a line) and
 * `registration` (`nix-store --load-db` blocks with narHash and narSize). Every
 * listed store path must be described by the registration.
 */
export async function readClosureInfo(dir: string): Promise<{ storePaths: string[]; infos: Map<string, StorePathInfo> }> {
  const registration = join(dir, 'registration');
  const infos = new Map<string, StorePathInfo>();
  mergeBlocks(infos, parseBlocks(await readText(registration), registration, 'load-db'));
  const listFile = join(dir, 'store-paths');
  const lines = (await readText(listFile)).split('\n');
  const storePaths: string[] = [];
  lines.forEach((path, i) => {
    if (path === '') return;
    if (!infos.has(path)) throw new DistrokitError('STORE_PATH_UNDESCRIBED', `'${path}' is listed but ${registration} does not describe it`, { file: listFile, line: i + 1, entry: path });
    storePaths.push(path);
  });
  return { storePaths, infos };
}

/** Whether `path` is a store path directly under `storeDir` (no deeper path, no '.' or '..'). */
export function isDirectlyUnder(path: string, storeDir: string): boolean {
  const dir = storeDir.replace(/\/+$/, '');
  if (!path.startsWith(`${dir}/`)) return false;
  const name = path.slice(dir.length + 1);
  return name !== '' && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\0');
}

/**
 * Why Nix would refuse the base name of a store path (its StorePath
 * constructor and checkName), or null: 32 base-32 characters of hash, one
 * separator, then a name of 1-211 characters from [A-Za-z0-9+-._?=].
 */
export function badStorePathName(baseName: string): string | null {
  if (baseName.length < 33) return 'is too short to be a store path (32 hash characters, "-", a name)';
  const bad = /[^0-9a-df-npqrsv-z]/.exec(baseName.slice(0, 32));
  if (bad) return `has '${bad[0]}' in its hash part, which is not Nix base-32`;
  const name = baseName.slice(33);
  if (name === '') return 'has an empty name';
  if (name.length > 211) return 'has a name longer than 211 characters';
  const c = /[^A-Za-z0-9+\-._?=]/.exec(name);
  if (c) return `has ${JSON.stringify(c[0])} in its name, which Nix does not allow`;
  return null;
}

const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/**
 * The closure of `roots` over `infos`, sorted by path bytes. A path may
 * reference itself; a cycle through several paths is STORE_GRAPH_CYCLE (Nix
 * refuses to register one), naming the cycle. A
 * root or reference the graph does not describe is STORE_PATH_UNDESCRIBED,
 * naming the chain from a root that reaches it; a path not directly under
 * `storeDir` is STORE_PATH_OUTSIDE_STORE; a base name (or a deriver) Nix
 * would not parse as a store path is STORE_PATH_BAD_NAME.
 */
export function closureOf(infos: Map<string, StorePathInfo>, roots: string[], storeDir = '/nix/store'): StorePathInfo[] {
  const parent = new Map<string, string | null>();
  const queue: string[] = [];
  const chainTo = (path: string): string[] => {
    const chain: string[] = [];
    for (let p: string | null | undefined = path; p != null; p = parent.get(p)) chain.unshift(p);
    return chain;
  };
  const visit = (path: string, from: string | null) => {
    if (parent.has(path)) return;
    const referrer = from === null ? null : infos.get(from)!;
    const where = referrer?.origin ?? {};
    if (!isDirectlyUnder(path, storeDir)) {
      const by = referrer ? `, referenced by '${referrer.path}'` : ' (a root)';
      throw new DistrokitError('STORE_PATH_OUTSIDE_STORE', `'${path}'${by} is not directly under the store directory ${storeDir}`, { ...where, entry: path });
    }
    const badName = badStorePathName(path.slice(storeDir.replace(/\/+$/, '').length + 1));
    if (badName) throw new DistrokitError('STORE_PATH_BAD_NAME', `store path '${path}' ${badName}`, { ...where, entry: path });
    if (!infos.has(path)) {
      if (!referrer) throw new DistrokitError('STORE_PATH_UNDESCRIBED', `root '${path}' is not described by the references graph`, { entry: path });
      const chain = [...chainTo(referrer.path), path];
      throw new DistrokitError('STORE_PATH_UNDESCRIBED', `'${path}', referenced by '${referrer.path}', is not described by the references graph (reached by ${chain.join(' -> ')})`, { ...where, entry: path, chain });
    }
    const { deriver, origin } = infos.get(path)!;
    const badDeriver = deriver === '' ? null : !isDirectlyUnder(deriver, storeDir) ? `is not directly under ${storeDir}` : badStorePathName(deriver.slice(storeDir.replace(/\/+$/, '').length + 1));
    if (badDeriver) throw new DistrokitError('STORE_PATH_BAD_NAME', `deriver '${deriver}' of '${path}' ${badDeriver}`, { ...origin, entry: deriver });
    parent.set(path, from);
    queue.push(path);
  };
  for (const root of roots) visit(root, null);
  for (let k = 0; k < queue.length; k++) {
    const path = queue[k]!;
    for (const ref of infos.get(path)!.references) visit(ref, path);
  }
  const sorted = queue.sort(byBytes);
  const cycle = findCycle(sorted, infos);
  if (cycle) {
    const first = infos.get(cycle[0]!)!;
    throw new DistrokitError('STORE_GRAPH_CYCLE', `references form a cycle between different store paths, which Nix refuses to register: ${[...cycle, cycle[0]].join(' -> ')}`, { ...first.origin, entry: cycle[0]!, cycle });
  }
  return sorted.map((p) => infos.get(p)!);
}

/**
 * A cycle through two or more paths, or null. A path may reference itself
 * (common), but Nix's registerValidPaths sorts the paths topologically and
 * fails with "cycle detected in the references" on any longer cycle.
 */
function findCycle(paths: string[], infos: Map<string, StorePathInfo>): string[] | null {
  const state = new Map<string, 1 | 2>(); // 1: on the DFS stack, 2: done
  for (const start of paths) {
    if (state.has(start)) continue;
    const stack: [string, number][] = [[start, 0]];
    state.set(start, 1);
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const refs = infos.get(top[0])!.references;
      if (top[1] === refs.length) {
        state.set(top[0], 2);
        stack.pop();
        continue;
      }
      const ref = refs[top[1]++]!;
      if (ref === top[0]) continue;
      const s = state.get(ref);
      if (s === 1) return stack.slice(stack.findIndex(([p]) => p === ref)).map(([p]) => p);
      if (s === undefined) {
        state.set(ref, 1);
        stack.push([ref, 0]);
      }
    }
  }
  return null;
}

/**
 * Kernel-module closure in load order, computed the way kmod's modprobe
 * orders `--show-depends` (libkmod's probe list): for a module, each of its
 * dependencies preceded by that dependency's `softdep pre:` modules, then its
 * own pre softdeps, itself, and its post softdeps. Dependencies come from
 * modules.dep when depmod has run, otherwise from each module's `.modinfo`
 * `depends=` (transitively, dependencies first). Built-in modules are
 * reported, not loaded. Names may be aliases (fnmatch patterns from
 * modules.alias or from every module's modinfo).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { DirNode, FileContent } from '../tree/types.js';
import type { ModuleFiles } from './module-files.js';
import { DistrokitError } from '../../formats/errors.js';
import { type ModuleTree, loadAllModinfo, moduleInfo, moduleName, openModuleTree } from './module-tree.js';

export interface ModuleClosure {
  version: string;
  /** lib/modules/VERSION the modules come from (a host path or a tree label). */
  dir: string;
  /** Access to the module files (host directory or tree). */
  files: ModuleFiles;
  /** Loadable modules in load order, paths relative to `dir`. */
  modules: Array<{ name: string; path: string }>;
  /** Requested or needed modules that are built into the kernel. */
  builtin: string[];
  /** Firmware files the modules declare (relative to /lib/firmware). */
  firmware: string[];
}

export interface ClosureOptions {
  /** Kernel version when `kernel` is a root holding several. */
  version?: string;
}

/** fnmatch(3) without flags: '*', '?', and bracket expressions. */
export function fnmatch(pattern: string, text: string): boolean {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        let body = pattern.slice(i + 1, end);
        if (body.startsWith('!')) body = `^${body.slice(1)}`;
        re += `[${body.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`${re}$`, 's').test(text);
}

async function allAliases(tree: ModuleTree): Promise<Array<[string, string]>> {
  if (tree.aliasFile) return tree.aliasFile;
  const out: Array<[string, string]> = [];
  await loadAllModinfo(tree);
  for (const name of tree.paths.keys()) for (const a of (await moduleInfo(tree, name)).aliases) out.push([a, name]);
  tree.aliasFile = out;
  return out;
}

/** Module names a name or alias stands for; [] if nothing matches. */
export async function resolveModule(tree: ModuleTree, nameOrAlias: string): Promise<string[]> {
  const name = nameOrAlias.replace(/-/g, '_');
  if (tree.paths.has(name) || tree.builtin.has(name)) return [name];
  const matches = new Set<string>();
  for (const [pattern, mod] of await allAliases(tree)) if (fnmatch(pattern, nameOrAlias)) matches.add(mod);
  for (const [mod, aliases] of tree.builtinAliases) if (aliases.some((p) => fnmatch(p, nameOrAlias))) matches.add(mod);
  const rank = (m: string) => tree.order.get(m) ?? Number.MAX_SAFE_INTEGER;
  return [...matches].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * depmod's global dependency order, rebuilt from modinfo: modules in
 * modules.order order, then Kahn's algorithm with a LIFO stack of modules
 * nobody depends on, numbering users before what they use. A modules.dep line
 * lists a module's dependencies by ascending number; they load in reverse.
 * (depmod orders each module's direct dependencies by symbol; `depends=` is
 * modpost's order, which agrees for ~98% of Debian's modules.dep lines.)
 */
async function depSortIndex(tree: ModuleTree): Promise<Map<string, number>> {
  if (tree.depSortIndex) return tree.depSortIndex;
  const rank = (n: string) => tree.order.get(n) ?? Number.MAX_SAFE_INTEGER;
  const names = [...tree.paths.keys()].sort((a, b) => rank(a) - rank(b) || (tree.paths.get(a)! < tree.paths.get(b)! ? -1 : 1));
  const deps = new Map<string, string[]>();
  await loadAllModinfo(tree);
  for (const n of names) {
    deps.set(n, (await moduleInfo(tree, n)).depends.map((d) => d.replace(/-/g, '_')).filter((d) => tree.paths.has(d)));
  }
  const users = new Map<string, number>(names.map((n) => [n, 0]));
  for (const n of names) for (const d of deps.get(n)!) users.set(d, users.get(d)! + 1);
  const stack = names.filter((n) => users.get(n) === 0);
  const index = new Map<string, number>();
  while (stack.length) {
    const src = stack.pop()!;
    index.set(src, index.size);
    for (const d of deps.get(src)!) {
      users.set(d, users.get(d)! - 1);
      if (users.get(d) === 0) stack.push(d);
    }
  }
  tree.depSortIndex = index;
  return index;
}

/** A module's dependencies in the order they load (all of them, transitively). */
export async function dependenciesInLoadOrder(tree: ModuleTree, name: string): Promise<string[]> {
  if (tree.builtin.has(name) && !tree.paths.has(name)) return [];
  if (tree.dep) return [...(tree.dep.get(name) ?? [])].reverse();
  // No modules.dep: collect depends= transitively, then order as depmod would.
  const all = new Set<string>();
  const state = new Map<string, 'active' | 'done'>();
  const visit = async (m: string, chain: string[]): Promise<void> => {
    if (state.get(m) === 'done') return;
    if (state.get(m) === 'active') {
      throw new DistrokitError('MODULE_DEPENDENCY_CYCLE', `dependency cycle: ${[...chain, m].join(' → ')}`, { entry: m });
    }
    state.set(m, 'active');
    if (tree.paths.has(m)) {
      for (const d of (await moduleInfo(tree, m)).depends) await visit(d.replace(/-/g, '_'), [...chain, m]);
    } else if (!tree.builtin.has(m)) {
      throw new DistrokitError('MODULE_NOT_FOUND', `module '${m}' (needed by ${chain[chain.length - 1]}) is not in ${tree.dir}`, { entry: m });
    }
    state.set(m, 'done');
    if (m !== name && tree.paths.has(m)) all.add(m);
  };
  await visit(name, []);
  const index = await depSortIndex(tree);
  return [...all].sort((a, b) => index.get(b)! - index.get(a)!);
}

async function softdeps(tree: ModuleTree, name: string): Promise<{ pre: string[]; post: string[] }> {
  if (!tree.paths.has(name)) return { pre: [], post: [] };
  const info = await moduleInfo(tree, name);
  const resolveAll = async (list: string[]) => (await Promise.all(list.map((a) => resolveModule(tree, a)))).flat();
  return { pre: await resolveAll(info.softdepPre), post: await resolveAll(info.softdepPost) };
}

export async function moduleClosure(tree: ModuleTree, roots: string[]): Promise<ModuleClosure> {
  const list: string[] = [];
  const visited = new Set<string>();
  const fillSoftdep = async (m: string): Promise<void> => {
    const { pre, post } = await softdeps(tree, m);
    for (const p of pre) await probe(p);
    list.push(m);
    for (const p of post) await probe(p);
  };
  const probe = async (m: string): Promise<void> => {
    if (visited.has(m)) return;
    visited.add(m);
    for (const d of await dependenciesInLoadOrder(tree, m)) await fillSoftdep(d);
    await fillSoftdep(m);
  };
  for (const root of roots) {
    const resolved = await resolveModule(tree, root);
    if (resolved.length === 0) throw new DistrokitError('MODULE_NOT_FOUND', `no module or alias '${root}' in ${tree.dir}`, { entry: root });
    for (const m of resolved) await probe(m);
  }
  const closure: ModuleClosure = { version: tree.version, dir: tree.dir, files: tree.files, modules: [], builtin: [], firmware: [] };
  const seen = new Set<string>();
  const firmware = new Set<string>();
  for (const m of list) {
    if (seen.has(m)) continue;
    seen.add(m);
    const path = tree.paths.get(m);
    if (path === undefined) {
      closure.builtin.push(m);
      continue;
    }
    closure.modules.push({ name: m, path });
    for (const fw of (await moduleInfo(tree, m)).firmware) firmware.add(fw);
  }
  closure.firmware = [...firmware].sort();
  return closure;
}

/** Opens the module directory (a host path, or a root tree such as a read linux-image .deb) and computes the closure of `roots`. */
export async function computeModuleClosure(kernel: string | DirNode, roots: string[], options: ClosureOptions = {}): Promise<ModuleClosure> {
  return moduleClosure(await openModuleTree(kernel, options.version), roots);
}

async function* fileBytes(content: FileContent): AsyncGenerator<Uint8Array> {
  if (content.kind === 'bytes') yield content.data;
  else if (content.kind === 'lazy') yield* content.open();
  else if (content.length > 0) yield* createReadStream(content.path, { start: content.offset, end: content.offset + content.length - 1 }) as AsyncIterable<Uint8Array>;
}

/** The insmod-list: one absolute in-image path per line, in load order. */
export function insmodList(closure: ModuleClosure, prefix = `/lib/modules/${closure.version}`): string {
  return closure.modules.map((m) => `${prefix}/${m.path}\n`).join('');
}

/**
 * Writes `lib/modules/VERSION/<module paths>`, `insmod-list` and a
 * `modules.builtin` listing into `outDir`, as nixpkgs' makeModulesClosure.
 */
export async function writeModuleClosure(closure: ModuleClosure, outDir: string): Promise<void> {
  const base = join(outDir, 'lib/modules', closure.version);
  for (const m of closure.modules) {
    await mkdir(dirname(join(base, m.path)), { recursive: true });
    const { content } = await closure.files.fileContent(m.path);
    await pipeline(Readable.from(fileBytes(content)), createWriteStream(join(base, m.path)));
  }
  await mkdir(base, { recursive: true });
  await writeFile(join(outDir, 'insmod-list'), insmodList(closure));
  await writeFile(join(base, 'modules.builtin.closure'), closure.builtin.map((b) => `${b}\n`).join(''));
}

export { moduleName };

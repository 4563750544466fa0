/**
 * A kernel's module directory (lib/modules/VERSION) as the closure needs it:
 * which modules exist and where, which are built in, their modinfo (read
 * lazily from the ELF files), and modules.dep / modules.alias when depmod has
 * run. Debian's packages ship neither, so everything also works from modinfo.
 */
import { decompressToBuffer } from '../../formats/compress/index.js';
import { elfInputFromBytes } from '../../formats/elf/input.js';
import { type ModInfo, readModinfo } from '../../formats/elf/modinfo.js';
import { DistrokitError } from '../../formats/errors.js';
import type { DirNode } from '../tree/types.js';
import { type ModuleFiles, hostModuleFiles, treeModuleFiles } from './module-files.js';
import { moduleName } from './module-names.js';

export { MODULE_SUFFIXES, moduleName } from './module-names.js';

export interface ModuleTree {
  /** lib/modules/VERSION (a host path, or a label for a tree), for messages. */
  dir: string;
  version: string;
  files: ModuleFiles;
  /** Module name (with '_' for '-') → path relative to `dir`. */
  paths: Map<string, string>;
  /** Position in modules.order, used to order alias matches like depmod's modules.alias. */
  order: Map<string, number>;
  builtin: Set<string>;
  /** Aliases of built-in modules, from modules.builtin.modinfo. */
  builtinAliases: Map<string, string[]>;
  /** modules.dep when present: name → dependency names as listed (load order is the reverse). */
  dep?: Map<string, string[]>;
  /** modules.alias when present: [pattern, module] in file order. */
  aliasFile?: Array<[string, string]>;
  modinfoCache: Map<string, ModInfo>;
  /** depmod's global dependency order, computed from modinfo when there is no modules.dep. */
  depSortIndex?: Map<string, number>;
}

const text = new TextDecoder();

/** Opens lib/modules/VERSION from a host directory (itself, or a root holding it) or from a root tree. */
export async function openModuleTree(source: string | DirNode, version?: string): Promise<ModuleTree> {
  const files = typeof source === 'string' ? await hostModuleFiles(source, version) : treeModuleFiles(source, version);
  const paths = new Map<string, string>();
  // First by path order wins, as a module name is unique in a kernel's tree.
  for (const rel of await files.listModules()) if (!paths.has(moduleName(rel))) paths.set(moduleName(rel), rel);
  const tree: ModuleTree = {
    dir: files.label,
    version: files.version,
    files,
    paths,
    order: new Map(),
    builtin: new Set(),
    builtinAliases: new Map(),
    modinfoCache: new Map(),
  };
  const readText = async (rel: string) => {
    const bytes = await files.readOptional(rel);
    return bytes && text.decode(bytes);
  };
  (await readText('modules.order'))?.split('\n').forEach((line, i) => {
    if (line.trim()) tree.order.set(moduleName(line.trim()), i);
  });
  for (const line of (await readText('modules.builtin'))?.split('\n') ?? []) {
    if (line.trim()) tree.builtin.add(moduleName(line.trim()));
  }
  const builtinInfo = await readText('modules.builtin.modinfo');
  if (builtinInfo) parseBuiltinModinfo(builtinInfo, tree);
  const dep = await readText('modules.dep');
  if (dep !== undefined) tree.dep = parseModulesDep(dep, `${files.label}/modules.dep`);
  const alias = await readText('modules.alias');
  if (alias !== undefined) {
    tree.aliasFile = [];
    for (const line of alias.split('\n')) {
      const m = /^alias\s+(\S+)\s+(\S+)/.exec(line);
      if (m) tree.aliasFile.push([m[1]!, m[2]!.replace(/-/g, '_')]);
    }
  }
  return tree;
}

/** modules.builtin.modinfo: NUL-separated "module.key=value". */
function parseBuiltinModinfo(content: string, tree: ModuleTree): void {
  for (const item of content.split('\0')) {
    const m = /^([^.=]+)\.alias=(.*)$/s.exec(item);
    if (!m) continue;
    const name = m[1]!.replace(/-/g, '_');
    const list = tree.builtinAliases.get(name) ?? [];
    list.push(m[2]!);
    tree.builtinAliases.set(name, list);
  }
}

export function parseModulesDep(content: string, file: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  content.split('\n').forEach((line, i) => {
    if (!line.trim() || line.startsWith('#')) return;
    const colon = line.indexOf(':');
    if (colon < 0) throw new DistrokitError('MODULES_DEP_SYNTAX', "line has no ':'", { file, line: i + 1 });
    const deps = line.slice(colon + 1).trim().split(/\s+/).filter(Boolean).map(moduleName);
    out.set(moduleName(line.slice(0, colon)), deps);
  });
  return out;
}

/** The module's modinfo, reading only the ELF headers and .modinfo of uncompressed host modules. */
export async function moduleInfo(tree: ModuleTree, name: string): Promise<ModInfo> {
  const cached = tree.modinfoCache.get(name);
  if (cached) return cached;
  const rel = tree.paths.get(name);
  if (!rel) throw new DistrokitError('MODULE_NOT_FOUND', `module '${name}' is not in ${tree.dir}`, { entry: name });
  const file = `${tree.dir}/${rel}`;
  let info: ModInfo;
  try {
    if (rel.endsWith('.ko')) {
      const input = await tree.files.openElf(rel);
      try {
        info = await readModinfo(input);
      } finally {
        await input.close();
      }
    } else {
      const bytes = await decompressToBuffer(await tree.files.readAll(rel), { file });
      info = await readModinfo(elfInputFromBytes(bytes, file));
    }
  } catch (err) {
    throw DistrokitError.wrap(err, 'MODULE_UNREADABLE', { file, entry: name });
  }
  tree.modinfoCache.set(name, info);
  return info;
}

/** Reads every module's modinfo (alias search and depmod's order need them all), a few files at a time. */
export async function loadAllModinfo(tree: ModuleTree, concurrency = 16): Promise<void> {
  const pending = [...tree.paths.keys()].filter((n) => !tree.modinfoCache.has(n));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < pending.length) await moduleInfo(tree, pending[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, pending.length) }, worker));
}

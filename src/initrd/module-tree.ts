/**
 * A kernel's module directory (lib/modules/VERSION) as the closure needs it:
 * which modules exist and where, which are built in, their modinfo (read
 * lazily from the ELF files), and modules.dep / modules.alias when depmod has
 * run. Debian's packages ship neither, so everything also works from modinfo.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { decompressToBuffer } from '../../formats/compress/index.js';
import { elfInputFromBytes, elfInputFromFile } from '../../formats/elf/input.js';
import { type ModInfo, readModinfo } from '../../formats/elf/modinfo.js';
import { DistrokitError } from '../../formats/errors.js';

export const MODULE_SUFFIXES = ['.ko', '.ko.xz', '.ko.zst', '.ko.gz'] as const;

export interface ModuleTree {
  /** Absolute path of lib/modules/VERSION. */
  dir: string;
  version: string;
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

export function moduleName(file: string): string {
  const base = file.slice(file.lastIndexOf('/') + 1);
  const suffix = MODULE_SUFFIXES.find((s) => base.endsWith(s)) ?? '';
  return base.slice(0, base.length - suffix.length).replace(/-/g, '_');
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function readOptional(path: string): Promise<string | undefined> {
  return readFile(path, 'utf8').catch(() => undefined);
}

/** Accepts lib/modules/VERSION itself, or a root holding exactly one (or the given) lib/modules/VERSION. */
export async function locateModuleDir(path: string, version?: string): Promise<{ dir: string; version: string }> {
  if (!(await exists(path))) throw new DistrokitError('KERNEL_NOT_FOUND', 'no such directory', { file: path });
  if ((await exists(join(path, 'modules.order'))) || (await exists(join(path, 'kernel')))) {
    return { dir: path, version: version ?? path.replace(/\/+$/, '').split('/').pop()! };
  }
  const base = join(path, 'lib/modules');
  const versions = (await readdir(base).catch(() => [] as string[])).sort();
  const chosen = version ?? (versions.length === 1 ? versions[0] : undefined);
  if (!chosen || !versions.includes(chosen)) {
    throw new DistrokitError(
      'KERNEL_NOT_FOUND',
      versions.length ? `choose a kernel version among: ${versions.join(', ')}` : 'no lib/modules/VERSION directory here',
      { file: path },
    );
  }
  return { dir: join(base, chosen), version: chosen };
}

async function walkModules(dir: string, root: string, out: Map<string, string>): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory() || (e.isSymbolicLink() && dir !== root && (await stat(p).then((s) => s.isDirectory(), () => false)))) {
      await walkModules(p, root, out);
    } else if (MODULE_SUFFIXES.some((s) => e.name.endsWith(s))) {
      const name = moduleName(e.name);
      // kmod prefers updates/ over kernel/ via depmod's search order; we keep the first by path order.
      if (!out.has(name)) out.set(name, relative(root, p));
    }
  }
}

export async function openModuleTree(path: string, version?: string): Promise<ModuleTree> {
  const located = await locateModuleDir(path, version);
  const { dir } = located;
  const paths = new Map<string, string>();
  // Top-level "build"/"source" are symlinks into kernel headers: skip them.
  for (const sub of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (sub.isDirectory() || sub.isSymbolicLink()) {
      if (sub.name === 'build' || sub.name === 'source') continue;
      if (await stat(join(dir, sub.name)).then((s) => s.isDirectory(), () => false)) await walkModules(join(dir, sub.name), dir, paths);
    }
  }
  const tree: ModuleTree = {
    ...located,
    paths,
    order: new Map(),
    builtin: new Set(),
    builtinAliases: new Map(),
    modinfoCache: new Map(),
  };
  (await readOptional(join(dir, 'modules.order')))?.split('\n').forEach((line, i) => {
    if (line.trim()) tree.order.set(moduleName(line.trim()), i);
  });
  for (const line of (await readOptional(join(dir, 'modules.builtin')))?.split('\n') ?? []) {
    if (line.trim()) tree.builtin.add(moduleName(line.trim()));
  }
  const builtinInfo = await readFile(join(dir, 'modules.builtin.modinfo')).catch(() => undefined);
  if (builtinInfo) parseBuiltinModinfo(builtinInfo, tree);
  const dep = await readOptional(join(dir, 'modules.dep'));
  if (dep !== undefined) tree.dep = parseModulesDep(dep, join(dir, 'modules.dep'));
  const alias = await readOptional(join(dir, 'modules.alias'));
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
function parseBuiltinModinfo(bytes: Uint8Array, tree: ModuleTree): void {
  const text = new TextDecoder().decode(bytes);
  for (const item of text.split('\0')) {
    const m = /^([^.=]+)\.alias=(.*)$/s.exec(item);
    if (!m) continue;
    const name = m[1]!.replace(/-/g, '_');
    const list = tree.builtinAliases.get(name) ?? [];
    list.push(m[2]!);
    tree.builtinAliases.set(name, list);
  }
}

export function parseModulesDep(text: string, file: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  text.split('\n').forEach((line, i) => {
    if (!line.trim() || line.startsWith('#')) return;
    const colon = line.indexOf(':');
    if (colon < 0) throw new DistrokitError('MODULES_DEP_SYNTAX', "line has no ':'", { file, line: i + 1 });
    const deps = line.slice(colon + 1).trim().split(/\s+/).filter(Boolean).map(moduleName);
    out.set(moduleName(line.slice(0, colon)), deps);
  });
  return out;
}

/** The module's modinfo, reading only the ELF headers and .modinfo of uncompressed modules. */
export async function moduleInfo(tree: ModuleTree, name: string): Promise<ModInfo> {
  const cached = tree.modinfoCache.get(name);
  if (cached) return cached;
  const rel = tree.paths.get(name);
  if (!rel) throw new DistrokitError('MODULE_NOT_FOUND', `module '${name}' is not in ${tree.dir}`, { entry: name });
  const path = join(tree.dir, rel);
  let info: ModInfo;
  try {
    if (rel.endsWith('.ko')) {
      const input = await elfInputFromFile(path);
      try {
        info = await readModinfo(input);
      } finally {
        await input.close();
      }
    } else {
      const bytes = await decompressToBuffer(await readFile(path), { file: path });
      info = await readModinfo(elfInputFromBytes(bytes, path));
    }
  } catch (err) {
    throw DistrokitError.wrap(err, 'MODULE_UNREADABLE', { file: path, entry: name });
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

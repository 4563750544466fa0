/**
 * Where a kernel's lib/modules/VERSION comes from: a host directory, or a
 * filesystem tree (e.g. a linux-image .deb read into the tree model without
 * unpacking). The closure reads only through this interface.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { collectBytes } from '../../formats/bytes.js';
import type { ElfInput } from '../../formats/elf/header.js';
import { elfInputFromBytes, elfInputFromFile } from '../../formats/elf/input.js';
import { DistrokitError } from '../../formats/errors.js';
import { systemErrorAs } from '../../formats/file.js';
import type { DirNode, FileContent, TreeNode } from '../tree/types.js';
import { MODULE_SUFFIXES } from './module-names.js';

export interface ModuleFiles {
  /** lib/modules/VERSION, for messages (a host path or "<tree>/lib/modules/VERSION"). */
  label: string;
  version: string;
  /** Paths (relative to the module directory) of every module file, skipping build/ and source/. */
  listModules(): Promise<string[]>;
  /** A metadata file's bytes, or undefined when it does not exist. */
  readOptional(rel: string): Promise<Uint8Array | undefined>;
  readAll(rel: string): Promise<Uint8Array>;
  openElf(rel: string): Promise<ElfInput & { close(): Promise<void> }>;
  /** The file as a tree file (size and content), to put it into an initrd or a directory. */
  fileContent(rel: string): Promise<{ size: number; content: FileContent }>;
}

const isModule = (name: string) => MODULE_SUFFIXES.some((s) => name.endsWith(s));
const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

async function isDir(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/** A host directory: lib/modules/VERSION itself or a root holding it. */
export async function hostModuleFiles(path: string, version?: string): Promise<ModuleFiles> {
  if (!(await stat(path).catch(() => undefined))) throw new DistrokitError('KERNEL_NOT_FOUND', 'no such directory', { file: path });
  let dir: string;
  let ver: string;
  if ((await stat(join(path, 'modules.order')).catch(() => undefined)) || (await isDir(join(path, 'kernel')))) {
    dir = path;
    ver = version ?? path.replace(/\/+$/, '').split('/').pop()!;
  } else {
    const versions = (await readdir(join(path, 'lib/modules')).catch(() => [] as string[])).sort(byName);
    ver = chooseVersion(versions, version, path);
    dir = join(path, 'lib/modules', ver);
    if (!(await isDir(dir))) throw new DistrokitError('KERNEL_NOT_FOUND', `lib/modules/${ver} is not a directory`, { file: dir });
  }
  const walk = async (abs: string, rel: string, out: string[]): Promise<void> => {
    const entries = (
      await readdir(abs, { withFileTypes: true }).catch((err: unknown) => {
        throw systemErrorAs(err, 'MODULE_UNREADABLE', abs);
      })
    ).sort((a, b) => byName(a.name, b.name));
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (!rel && (e.name === 'build' || e.name === 'source')) continue;
      if (e.isDirectory() || (e.isSymbolicLink() && (await isDir(join(abs, e.name))))) await walk(join(abs, e.name), r, out);
      else if (rel && isModule(e.name)) out.push(r);
    }
  };
  return {
    label: dir,
    version: ver,
    async listModules() {
      const out: string[] = [];
      await walk(dir, '', out);
      return out;
    },
    readOptional: (rel) => readFile(join(dir, rel)).then((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength), () => undefined),
    readAll: async (rel) => new Uint8Array(await readFile(join(dir, rel))),
    openElf: (rel) => elfInputFromFile(join(dir, rel)),
    async fileContent(rel) {
      const path = join(dir, rel);
      const { size } = await stat(path);
      return { size, content: { kind: 'range', path, offset: 0, length: size } };
    },
  };
}

function chooseVersion(versions: string[], version: string | undefined, where: string): string {
  const chosen = version ?? (versions.length === 1 ? versions[0] : undefined);
  if (!chosen || !versions.includes(chosen)) {
    throw new DistrokitError(
      'KERNEL_NOT_FOUND',
      versions.length ? `choose a kernel version among: ${versions.join(', ')}` : 'no lib/modules/VERSION directory here',
      { file: where },
    );
  }
  return chosen;
}

function lookup(dir: DirNode, rel: string): TreeNode | undefined {
  let cur: TreeNode | undefined = dir;
  for (const part of rel.split('/').filter(Boolean)) {
    if (!cur || cur.type !== 'dir') return undefined;
    cur = cur.children.get(part);
  }
  return cur;
}

async function readContent(content: FileContent): Promise<Uint8Array> {
  if (content.kind === 'bytes') return content.data;
  if (content.kind === 'lazy') return collectBytes(content.open());
  const handle = await (await import('node:fs/promises')).open(content.path, 'r');
  try {
    const buf = new Uint8Array(content.length);
    await handle.read(buf, 0, content.length, content.offset);
    return buf;
  } finally {
    await handle.close();
  }
}

/** A root filesystem tree holding lib/modules/VERSION (symlinked directories inside it are not followed). */
export function treeModuleFiles(root: DirNode, version?: string, label = '<tree>'): ModuleFiles {
  const modulesDir = lookup(root, 'lib/modules') ?? lookup(root, 'usr/lib/modules');
  const versions = modulesDir?.type === 'dir' ? [...modulesDir.children.keys()].sort(byName) : [];
  const ver = chooseVersion(versions, version, label);
  const dir = (modulesDir as DirNode).children.get(ver);
  if (!dir || dir.type !== 'dir') throw new DistrokitError('KERNEL_NOT_FOUND', `lib/modules/${ver} is not a directory`, { file: label });
  const fileAt = (rel: string) => {
    const node = lookup(dir, rel);
    return node?.type === 'file' ? node : undefined;
  };
  const need = (rel: string) => {
    const node = fileAt(rel);
    if (!node) throw new DistrokitError('MODULE_NOT_FOUND', `${rel} is not a file in the tree`, { file: `${label}/lib/modules/${ver}`, entry: rel });
    return node;
  };
  return {
    label: `${label}/lib/modules/${ver}`,
    version: ver,
    async listModules() {
      const out: string[] = [];
      const walk = (d: DirNode, rel: string) => {
        for (const name of [...d.children.keys()].sort(byName)) {
          const node = d.children.get(name)!;
          const r = rel ? `${rel}/${name}` : name;
          if (node.type === 'dir' && !(!rel && (name === 'build' || name === 'source'))) walk(node, r);
          else if (node.type === 'file' && rel && isModule(name)) out.push(r);
        }
      };
      walk(dir, '');
      return out;
    },
    readOptional: async (rel) => {
      const node = fileAt(rel);
      return node ? readContent(node.content) : undefined;
    },
    readAll: (rel) => readContent(need(rel).content),
    async openElf(rel) {
      const node = need(rel);
      const input = elfInputFromBytes(await readContent(node.content), `${label}/lib/modules/${ver}/${rel}`);
      return { ...input, close: async () => {} };
    },
    fileContent: async (rel) => {
      const node = need(rel);
      return { size: node.size, content: node.content };
    },
  };
}

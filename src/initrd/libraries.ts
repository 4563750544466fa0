/**
 * ELF shared-library closure, as nixpkgs' make-initrd-ng: for executables
 * inside a root (the host "/", an unpacked package tree), add the program
 * interpreter and every DT_NEEDED library, searched like ld.so does — RPATH
 * (when there is no RUNPATH), RUNPATH, the directories of the root's
 * /etc/ld.so.conf, then the default directories — with $ORIGIN expanded and
 * libraries of another ELF class or machine skipped. Symlinks on the way are
 * kept so the copied tree resolves the same names.
 */
import { lstat, readFile, readdir, readlink } from 'node:fs/promises';
import type { DirNode, NodeMeta } from '../tree/types.js';
import { addPath } from './stage1.js';
import { posix } from 'node:path';
import { readDynamicInfo } from '../../formats/elf/dynamic.js';
import type { ElfHeader } from '../../formats/elf/header.js';
import { elfInputFromFile } from '../../formats/elf/input.js';
import { DistrokitError } from '../../formats/errors.js';

export interface LibraryClosure {
  /** Every path (inside the root) to copy, symlinks and files, sorted. */
  paths: string[];
  /** Real files (symlinks resolved) that were read as ELF objects, in discovery order. */
  objects: string[];
  /** Libraries no search found, with who needed them. */
  missing: Array<{ needed: string; by: string }>;
}

const DEFAULT_DIRS: Record<number, string[]> = {
  64: ['/lib64', '/usr/lib64', '/lib', '/usr/lib'],
  32: ['/lib32', '/usr/lib32', '/lib', '/usr/lib'],
};

const join = posix.join;

/** Resolves `path` inside `root` (absolute symlink targets are re-rooted); returns the symlinks passed and the final path. */
export async function resolveInRoot(root: string, path: string, hops = 0): Promise<{ links: string[]; real: string } | undefined> {
  const parts = posix.normalize(path).split('/').filter(Boolean);
  let cur = '/';
  const links: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const next = join(cur, parts[i]!);
    const st = await lstat(join(root, next)).catch(() => undefined);
    if (!st) return undefined;
    if (st.isSymbolicLink()) {
      if (hops > 40) throw new DistrokitError('LIBRARY_SYMLINK_LOOP', `too many symlinks resolving ${path}`, { file: join(root, path) });
      links.push(next);
      const target = await readlink(join(root, next));
      const rest = parts.slice(i + 1).join('/');
      const base = target.startsWith('/') ? target : join(cur, target);
      const inner = await resolveInRoot(root, join(base, rest), hops + 1);
      if (!inner) return undefined;
      return { links: [...links, ...inner.links], real: inner.real };
    }
    cur = next;
  }
  return { links, real: cur };
}

async function ldSoConfDirs(root: string, file = '/etc/ld.so.conf', depth = 0): Promise<string[]> {
  if (depth > 8) return [];
  const text = await readFile(join(root, file), 'utf8').catch(() => undefined);
  if (text === undefined) return [];
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const inc = /^include\s+(.+)$/.exec(line);
    if (inc) {
      for (const pattern of inc[1]!.split(/\s+/)) {
        const abs = pattern.startsWith('/') ? pattern : join(posix.dirname(file), pattern);
        const dir = posix.dirname(abs);
        const glob = posix.basename(abs);
        const re = new RegExp(`^${glob.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
        const names = (await readdir(join(root, dir)).catch(() => [] as string[])).filter((n) => re.test(n)).sort();
        for (const n of names) out.push(...(await ldSoConfDirs(root, join(dir, n), depth + 1)));
      }
    } else out.push(line);
  }
  return out;
}

function expandOrigin(dir: string, objectPath: string): string {
  const origin = posix.dirname(objectPath);
  return dir.replace(/\$(ORIGIN|\{ORIGIN\})/g, origin);
}

async function readInfo(root: string, real: string) {
  const input = await elfInputFromFile(join(root, real)).catch((err: unknown) => {
    throw DistrokitError.wrap(err, 'LIBRARY_UNREADABLE', { file: join(root, real) });
  });
  try {
    return await readDynamicInfo(input);
  } finally {
    await input.close();
  }
}

function compatible(a: ElfHeader, b: ElfHeader): boolean {
  return a.class === b.class && a.machine === b.machine && a.littleEndian === b.littleEndian;
}

export async function libraryClosure(root: string, executables: string[]): Promise<LibraryClosure> {
  const confDirs = await ldSoConfDirs(root);
  const paths = new Set<string>();
  const objects: string[] = [];
  const missing: LibraryClosure['missing'] = [];
  const queue: Array<{ path: string; rpathChain: string[] }> = [];
  const seenReal = new Set<string>();

  const addPath = async (path: string): Promise<string | undefined> => {
    const resolved = await resolveInRoot(root, path);
    if (!resolved) return undefined;
    for (const l of resolved.links) paths.add(l);
    paths.add(resolved.real);
    return resolved.real;
  };

  for (const exe of executables) {
    const real = await addPath(exe);
    if (!real) throw new DistrokitError('LIBRARY_NOT_FOUND', `executable ${exe} does not exist in the root`, { file: join(root, exe) });
    queue.push({ path: real, rpathChain: [] });
  }
  while (queue.length) {
    const { path, rpathChain } = queue.shift()!;
    if (seenReal.has(path)) continue;
    seenReal.add(path);
    const info = await readInfo(root, path).catch((err: unknown) => {
      if (err instanceof DistrokitError && err.code === 'ELF_BAD_MAGIC') return undefined; // scripts and data: nothing to follow
      throw err;
    });
    if (!info) continue;
    objects.push(path);
    if (info.interpreter) {
      const interp = await addPath(info.interpreter);
      if (!interp) missing.push({ needed: info.interpreter, by: path });
      else queue.push({ path: interp, rpathChain: [] });
    }
    // RPATH applies to this object and (inherited) the objects it loads, unless RUNPATH is present.
    const ownRpath = info.runpath.length ? [] : info.rpath.map((d) => expandOrigin(d, path));
    const chain = [...ownRpath, ...rpathChain];
    for (const needed of info.needed) {
      let found: string | undefined;
      if (needed.includes('/')) {
        found = await addCandidate(needed, info.header);
      } else {
        const dirs = [
          ...(info.runpath.length ? [] : chain),
          ...info.runpath.map((d) => expandOrigin(d, path)),
          ...confDirs,
          ...DEFAULT_DIRS[info.header.class]!,
        ];
        for (const dir of dirs) {
          found = await addCandidate(join(dir, needed), info.header);
          if (found) break;
        }
      }
      if (!found) missing.push({ needed, by: path });
      else queue.push({ path: found, rpathChain: info.runpath.length ? [] : chain });
    }
  }
  return { paths: [...paths].sort(), objects, missing };

  async function addCandidate(candidate: string, want: ElfHeader): Promise<string | undefined> {
    const resolved = await resolveInRoot(root, candidate);
    if (!resolved) return undefined;
    const st = await lstat(join(root, resolved.real));
    if (!st.isFile()) return undefined;
    const info = await readInfo(root, resolved.real).catch(() => undefined);
    if (!info || !compatible(info.header, want)) return undefined; // ld.so skips wrong-class libraries
    for (const l of resolved.links) paths.add(l);
    paths.add(resolved.real);
    return resolved.real;
  }
}

/**
 * Copies closure paths from a host root into a tree at the same absolute
 * paths: files as ranges of the host files, symlinks as symlinks, modes kept,
 * owners root. Parent directories are created as needed; directories themselves are skipped.
 */
export async function addHostPaths(tree: DirNode, root: string, paths: string[]): Promise<void> {
  for (const path of paths) {
    const st = await lstat(join(root, path)).catch((err: unknown) => {
      throw DistrokitError.wrap(err, 'LIBRARY_UNREADABLE', { file: join(root, path) });
    });
    const meta: NodeMeta = { perm: st.mode & 0o7777, uid: 0, gid: 0, mtime: { sec: Math.floor(st.mtimeMs / 1000), nsec: 0 } };
    if (st.isSymbolicLink()) addPath(tree, path, { ...meta, type: 'symlink', target: await readlink(join(root, path)) });
    else if (st.isFile()) addPath(tree, path, { ...meta, type: 'file', size: st.size, content: { kind: 'range', path: join(root, path), offset: 0, length: st.size } });
    // Directories need no entry of their own: addPath creates parents.
  }
}

/**
 * A directory tree as data, for comparing two root filesystems (our ext4
 * image through a loop mount against mmdebstrap's directory): per path its
 * type, permission bits (with suid/sgid/sticky), owner, symlink target,
 * content hash and size, device numbers and hard-link count. Read with lstat
 * only: symlinks are never followed, and a directory on another device (a
 * mount point) is listed but not entered, so /proc or a leftover bind mount
 * cannot leak the host into the comparison. Times are left out on purpose:
 * they are not part of what the image must reproduce.
 */
import { createHash } from 'node:crypto';
import { closeSync, lstatSync, openSync, readdirSync, readlinkSync, readSync, type BigIntStats } from 'node:fs';
import { join } from 'node:path';

export type EntryType = 'file' | 'dir' | 'symlink' | 'char' | 'block' | 'fifo' | 'socket';

export interface ManifestEntry {
  type: EntryType;
  /** Permission bits including suid (04000), sgid (02000) and sticky (01000). */
  mode: number;
  uid: number;
  gid: number;
  /** Symlinks: the target as stored. */
  target?: string;
  /** Regular files: content hash and byte size. */
  sha256?: string;
  size?: number;
  /** Device nodes: "major:minor". */
  rdev?: string;
  /** Non-directories linked more than once: the link count (hard links in a .deb survive as such). */
  nlink?: number;
  /** Directories on another device than the root: listed, not entered. */
  mountPoint?: true;
}

/** Paths are absolute within the tree ("/", "/etc", "/etc/passwd"), in byte order of their components. */
export type Manifest = Map<string, ManifestEntry>;

export type ManifestField = Exclude<keyof ManifestEntry, 'type'>;

/** The manifest of the tree rooted at `dir` (the root itself is "/"). */
export function treeManifest(dir: string): Manifest {
  const out: Manifest = new Map();
  const rootStat = lstatSync(dir, { bigint: true });
  if (!rootStat.isDirectory()) throw new Error(`treeManifest: ${dir} is not a directory`);
  const walk = (abs: string, rel: string, st: BigIntStats): void => {
    const entry = describe(abs, st);
    if (entry.type === 'dir' && st.dev !== rootStat.dev) entry.mountPoint = true;
    out.set(rel, entry);
    if (entry.type !== 'dir' || entry.mountPoint) return;
    const names = readdirSync(abs).sort(byteOrder);
    for (const name of names) {
      const childAbs = join(abs, name);
      walk(childAbs, rel === '/' ? `/${name}` : `${rel}/${name}`, lstatSync(childAbs, { bigint: true }));
    }
  };
  walk(dir, '/', rootStat);
  return out;
}

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

function describe(abs: string, st: BigIntStats): ManifestEntry {
  const base = { mode: Number(st.mode & 0o7777n), uid: Number(st.uid), gid: Number(st.gid) };
  const links = st.nlink > 1n ? { nlink: Number(st.nlink) } : {};
  if (st.isDirectory()) return { type: 'dir', ...base };
  if (st.isSymbolicLink()) return { type: 'symlink', ...base, target: readlinkSync(abs), ...links };
  if (st.isFile()) return { type: 'file', ...base, sha256: sha256File(abs), size: Number(st.size), ...links };
  if (st.isCharacterDevice() || st.isBlockDevice()) {
    return { type: st.isCharacterDevice() ? 'char' : 'block', ...base, rdev: deviceNumbers(st.rdev), ...links };
  }
  if (st.isFIFO()) return { type: 'fifo', ...base, ...links };
  if (st.isSocket()) return { type: 'socket', ...base, ...links };
  throw new Error(`treeManifest: ${abs} has an unknown file type`);
}

/** Linux's dev_t split (glibc's gnu_dev_major/minor). */
function deviceNumbers(rdev: bigint): string {
  const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
  const minor = (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);
  return `${major}:${minor}`;
}

function sha256File(path: string): string {
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

export interface DiffOptions {
  /** Paths to leave out on both sides: a predicate, or globs (see globToRegExp). */
  ignore?: ((path: string) => boolean) | readonly string[];
  /** Fields not compared (e.g. ['nlink']). */
  ignoreFields?: readonly ManifestField[];
  /** Names of the two sides in the messages; default ['a', 'b']. */
  labels?: readonly [string, string];
}

/** One difference: the path and its readable line. */
export interface ManifestDifference {
  path: string;
  kind: 'only-a' | 'only-b' | 'type' | 'fields';
  message: string;
}

/**
 * The differences between two manifests, one readable line each, in path
 * order: "only in b: /etc/hostname (file …)", or
 * "/etc/passwd: sha256 3a1f… ≠ 9c0e…; size 1234 ≠ 1250 (a ≠ b)". Empty when equal.
 */
export function diffManifests(a: Manifest, b: Manifest, options: DiffOptions = {}): string[] {
  return manifestDifferences(a, b, options).map((d) => d.message);
}

/** diffManifests with the path and kind of each difference. */
export function manifestDifferences(a: Manifest, b: Manifest, options: DiffOptions = {}): ManifestDifference[] {
  const [la, lb] = options.labels ?? ['a', 'b'];
  const ignored = ignorePredicate(options.ignore);
  const skipFields = new Set<string>(options.ignoreFields ?? []);
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort(pathOrder);
  const out: ManifestDifference[] = [];
  for (const path of paths) {
    if (ignored(path)) continue;
    const ea = a.get(path);
    const eb = b.get(path);
    if (!ea) {
      out.push({ path, kind: 'only-b', message: `only in ${lb}: ${path} (${summary(eb!)})` });
      continue;
    }
    if (!eb) {
      out.push({ path, kind: 'only-a', message: `only in ${la}: ${path} (${summary(ea)})` });
      continue;
    }
    if (ea.type !== eb.type) {
      out.push({ path, kind: 'type', message: `${path}: type ${ea.type} (${la}) ≠ ${eb.type} (${lb})` });
      continue;
    }
    const fields: string[] = [];
    for (const f of ['mode', 'uid', 'gid', 'target', 'sha256', 'size', 'rdev', 'nlink', 'mountPoint'] as const) {
      if (skipFields.has(f) || ea[f] === eb[f]) continue;
      fields.push(`${f} ${show(f, ea[f])} ≠ ${show(f, eb[f])}`);
    }
    if (fields.length) out.push({ path, kind: 'fields', message: `${path}: ${fields.join('; ')} (${la} ≠ ${lb})` });
  }
  return out;
}

/** Compare by path components so that a directory's children follow it directly ("/a/b" before "/a-b"). */
function pathOrder(x: string, y: string): number {
  const xs = x.split('/');
  const ys = y.split('/');
  for (let i = 0; i < Math.min(xs.length, ys.length); i++) {
    const c = byteOrder(xs[i]!, ys[i]!);
    if (c) return c;
  }
  return xs.length - ys.length;
}

function summary(e: ManifestEntry): string {
  const parts: string[] = [e.type, show('mode', e.mode), `${e.uid}:${e.gid}`];
  if (e.target !== undefined) parts.push(`→ ${e.target}`);
  if (e.size !== undefined) parts.push(`${e.size} bytes`);
  if (e.rdev !== undefined) parts.push(e.rdev);
  return parts.join(' ');
}

function show(field: string, v: unknown): string {
  if (v === undefined) return '(none)';
  if (field === 'mode') return `0${(v as number).toString(8).padStart(3, '0')}`;
  if (field === 'sha256') return `${(v as string).slice(0, 12)}…`;
  return String(v);
}

function ignorePredicate(ignore: DiffOptions['ignore']): (path: string) => boolean {
  if (!ignore) return () => false;
  if (typeof ignore === 'function') return ignore;
  const res = ignore.map(globToRegExp);
  return (path) => res.some((re) => re.test(path));
}

/**
 * A glob over manifest paths: `*` and `?` stay within one path component,
 * `**` crosses components, and a trailing `/**` also matches the directory
 * itself ("/var/lib/apt/lists/**" covers the lists directory and all below).
 */
export function globToRegExp(glob: string): RegExp {
  let src = '';
  let rest = glob;
  let tail = '';
  if (rest.endsWith('/**')) {
    rest = rest.slice(0, -3);
    tail = '(?:/.*)?';
  }
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i]!;
    if (c === '*' && rest[i + 1] === '*') {
      src += '.*';
      i++;
    } else if (c === '*') src += '[^/]*';
    else if (c === '?') src += '[^/]';
    else src += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${src}${tail}$`);
}

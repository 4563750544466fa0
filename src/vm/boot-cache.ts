/**
 * The boot cache: what a `vm run` needs from the kernel and busybox .debs —
 * the kernel image and the compressed base initrd (busybox, the module
 * closure, stage 1) — made once per key in <cache>/boot/<key>/ and reused by
 * every later run. Only the per-run part (the command script) is written per
 * run (see run-initrd.ts).
 *
 * An entry is built in a fresh temporary directory beside the others and
 * renamed into place when complete, so a reader sees a whole entry or none,
 * and concurrent runs that both miss each build one and one rename wins.
 * Using an entry touches its meta.json; after a build, entries unused for an
 * hour are removed beyond the newest KEEP_ENTRIES, as are temporary
 * directories left by runs that died.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DistrokitError } from '../../formats/errors.js';

/** What an entry holds, recorded in its meta.json. */
export interface BootMeta {
  kernelRelease: string;
  /** File names in the entry's directory. */
  kernel: string;
  initrd: string;
  /** How QEMU boots the kernel: 'pvh' (an inflated vmlinux ELF) or 'bzimage'. */
  kernelFormat: 'pvh' | 'bzimage';
}

export interface BootEntry extends BootMeta {
  dir: string;
  /** Absolute paths of the kernel and base initrd. */
  kernelPath: string;
  initrdPath: string;
  /** True when the entry was there already (nothing was read from the .debs). */
  hit: boolean;
}

const KEEP_ENTRIES = 4;
const IN_USE_MS = 60 * 60 * 1000;
const TEMP_PREFIX = '.building-';

/** The key of an entry: the sha256 of its inputs, as canonical JSON. */
export function bootCacheKey(inputs: Record<string, unknown>): string {
  const canonical = JSON.stringify(inputs, Object.keys(inputs).sort());
  return createHash('sha256').update(canonical).digest('hex').slice(0, 32);
}

function entryOf(dir: string, meta: BootMeta, hit: boolean): BootEntry {
  return { ...meta, dir, kernelPath: join(dir, meta.kernel), initrdPath: join(dir, meta.initrd), hit };
}

async function readEntry(dir: string): Promise<BootMeta | undefined> {
  try {
    const meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as BootMeta;
    if (typeof meta.kernelRelease !== 'string' || typeof meta.kernel !== 'string' || typeof meta.initrd !== 'string') return undefined;
    return meta;
  } catch {
    return undefined;
  }
}

/** The entry of `key` if the cache has it (touched as used), else undefined. */
export async function lookupBootEntry(root: string, key: string): Promise<BootEntry | undefined> {
  const dir = join(root, 'boot', key);
  const meta = await readEntry(dir);
  if (!meta) return undefined;
  const now = new Date();
  await utimes(join(dir, 'meta.json'), now, now).catch(() => {});
  return entryOf(dir, meta, true);
}

/**
 * The entry of `key`: the cached one, or one made by `build` (which writes
 * the files into the directory it is given and returns their description).
 */
export async function bootEntry(root: string, key: string, build: (dir: string) => Promise<BootMeta>): Promise<BootEntry> {
  const found = await lookupBootEntry(root, key);
  if (found) return found;
  const parent = join(root, 'boot');
  const final = join(parent, key);
  let temp: string;
  try {
    await mkdir(parent, { recursive: true });
    temp = await mkdtemp(join(parent, `${TEMP_PREFIX}${key}-`));
  } catch (err) {
    throw DistrokitError.wrap(err, 'VM_BOOT_CACHE', { file: parent });
  }
  try {
    const meta = await build(temp);
    try {
      await writeFile(join(temp, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
      await rename(temp, final);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // Another run finished the same entry first: use that one.
      if ((code === 'ENOTEMPTY' || code === 'EEXIST') && (await readEntry(final))) return entryOf(final, (await readEntry(final))!, true);
      throw DistrokitError.wrap(err, 'VM_BOOT_CACHE', { file: final });
    }
    await pruneBootCache(root, key);
    return entryOf(final, meta, false);
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

/** Removes entries unused for an hour beyond the newest KEEP_ENTRIES, and stale temporary directories. */
export async function pruneBootCache(root: string, keep?: string): Promise<string[]> {
  const parent = join(root, 'boot');
  const now = Date.now();
  const entries: Array<{ name: string; used: number }> = [];
  for (const name of await readdir(parent).catch(() => [] as string[])) {
    const path = join(parent, name);
    const st = await stat(name.startsWith(TEMP_PREFIX) ? path : join(path, 'meta.json')).catch(() => undefined);
    entries.push({ name, used: st?.mtimeMs ?? 0 });
  }
  const removed: string[] = [];
  const built = entries.filter((e) => !e.name.startsWith(TEMP_PREFIX)).sort((a, b) => b.used - a.used);
  const stale = [
    ...entries.filter((e) => e.name.startsWith(TEMP_PREFIX) && now - e.used > IN_USE_MS),
    ...built.slice(KEEP_ENTRIES).filter((e) => e.name !== keep && now - e.used > IN_USE_MS),
  ];
  for (const e of stale) {
    await rm(join(parent, e.name), { recursive: true, force: true }).catch(() => {});
    removed.push(e.name);
  }
  return removed;
}

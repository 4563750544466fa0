/**
 * The disks of a `runInVm` run, host side: the root image is checked (a
 * readable, and with `write` writable, ext2/3/4 file), the input disk is an
 * ext4 image written natively from a directory or tree, and the output disk is
 * a sparse raw file that stage 1 fills with a tar stream of /out, read back
 * here with distrokit's own tar reader into the output directory.
 */
import { constants, openSync, closeSync, readSync, statSync, existsSync, readdirSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DistrokitError } from '../../formats/errors.js';
import { readFileChunks } from '../../formats/file.js';
import { readTar } from '../../formats/tar/reader.js';
import { writeExt4 } from '../image/write.js';
import { MemoryStore } from '../tree/content-store.js';
import { addEntriesToTree, type StoredEntry } from '../tree/from-entries.js';
import { treeFromDirectory } from '../tree/from-dir.js';
import { type DirectorySinkResult, writeTreeToDirectory } from '../tree/sink-dir.js';
import { Tree } from '../tree/tree.js';
import type { DirNode } from '../tree/types.js';
import type { RunDisks } from './run-args.js';

/** Default size of the sparse output disk: the most /out may hold as a tar stream. */
export const DEFAULT_OUT_SIZE = 4 * 2 ** 30;

export interface DiskOptions {
  image?: string;
  write?: boolean;
  in?: string | DirNode;
  out?: string;
  outSize?: number;
}

const EXT_MAGIC = 0xef53;

/** An image must be a regular file with the ext2/3/4 magic, writable when the guest writes to it. */
export function checkImage(image: string, write: boolean): string {
  const path = resolve(image);
  let fd: number;
  try {
    if (!statSync(path).isFile()) throw new DistrokitError('VM_IMAGE_INVALID', `image '${image}' is not a regular file`, { file: image });
    fd = openSync(path, write ? constants.O_RDWR : constants.O_RDONLY);
  } catch (err) {
    if (err instanceof DistrokitError) throw err;
    throw new DistrokitError('VM_IMAGE_INVALID', `cannot open image '${image}'${write ? ' for writing' : ''}: ${(err as Error).message}`, { file: image });
  }
  try {
    const sb = Buffer.alloc(2);
    const n = readSync(fd, sb, 0, 2, 1024 + 56);
    if (n !== 2 || sb.readUInt16LE(0) !== EXT_MAGIC) throw new DistrokitError('VM_IMAGE_INVALID', `'${image}' is not an ext2/3/4 filesystem image (no superblock magic)`, { file: image, offset: 1080 });
  } finally {
    closeSync(fd);
  }
  return path;
}

/** The output directory must be empty or missing: it is filled only after a successful run. */
export function checkOutTarget(out: string): void {
  if (!existsSync(out)) return;
  let names: string[];
  try {
    if (!statSync(out).isDirectory()) throw new DistrokitError('SINK_TARGET_UNUSABLE', `output directory '${out}' is not a directory`, { file: out });
    names = readdirSync(out);
  } catch (err) {
    if (err instanceof DistrokitError) throw err;
    throw new DistrokitError('SINK_TARGET_UNUSABLE', `cannot use '${out}' as the output directory: ${(err as Error).message}`, { file: out });
  }
  if (names.length > 0) throw new DistrokitError('SINK_NOT_EMPTY', `output directory '${out}' is not empty`, { file: out });
}

/** Checks what the run is given before anything is built or booted. */
export function checkDiskOptions(options: DiskOptions): void {
  if (options.write && options.image === undefined) throw new DistrokitError('VM_BAD_OPTION', 'write: true needs an image to write to', {});
  if (options.outSize !== undefined && options.out === undefined) throw new DistrokitError('VM_BAD_OPTION', 'outSize needs an out directory', {});
  if (options.outSize !== undefined && !(Number.isSafeInteger(options.outSize) && options.outSize >= 1 << 20)) {
    throw new DistrokitError('VM_BAD_OPTION', `outSize ${options.outSize} is not a whole number of bytes of at least 1 MiB`, {});
  }
  if (options.image !== undefined) checkImage(options.image, options.write === true);
  if (options.out !== undefined) checkOutTarget(options.out);
}

/** Writes the input disk and creates the output disk in `workDir`; the image is used in place. */
export async function prepareDisks(options: DiskOptions, workDir: string): Promise<RunDisks> {
  const disks: RunDisks = {};
  if (options.image !== undefined) disks.image = { path: resolve(options.image), write: options.write === true };
  if (options.in !== undefined) {
    const tree = typeof options.in === 'string' ? await treeFromDirectory(options.in) : options.in;
    disks.in = join(workDir, 'in.img');
    // No journal: the guest mounts it read-only.
    await writeExt4(tree, disks.in, { journal: false, label: 'distrokit-in' });
  }
  if (options.out !== undefined) {
    disks.out = join(workDir, 'out.img');
    const fh = await open(disks.out, 'wx');
    try {
      await fh.truncate(options.outSize ?? DEFAULT_OUT_SIZE);
    } finally {
      await fh.close();
    }
  }
  return disks;
}

/**
 * Reads the tar stream stage 1 wrote onto the output disk and writes it into
 * `target`. File contents are ranges of the disk file itself (no copy). A
 * stream that is not a well-formed tar is VM_OUT_UNREADABLE.
 */
export async function readOutDisk(outDisk: string, target: string): Promise<DirectorySinkResult> {
  const tree = new Tree({ policy: 'last-wins' });
  const chunks = readFileChunks(outDisk, 'VM_OUT_UNREADABLE');
  try {
    const entries = (async function* (): AsyncGenerator<StoredEntry> {
      for await (const entry of readTar(chunks, { file: outDisk })) {
        yield entry.type === 'file' ? { ...entry, content: { kind: 'range', path: outDisk, offset: entry.bodyOffset!, length: entry.size } } : entry;
      }
    })();
    const count = await addEntriesToTree(tree, entries, { store: new MemoryStore(), file: outDisk });
    if (count === 0) throw new DistrokitError('VM_OUT_UNREADABLE', 'the output disk holds no tar stream (stage 1 did not write /out)', { file: outDisk, offset: 0 });
  } catch (err) {
    if (err instanceof DistrokitError && err.code === 'VM_OUT_UNREADABLE') throw err;
    const e = DistrokitError.wrap(err, 'VM_OUT_UNREADABLE', { file: outDisk });
    throw new DistrokitError('VM_OUT_UNREADABLE', `cannot read /out back from the output disk: ${e.code}: ${e.detail}`, e.data, { cause: err });
  } finally {
    await chunks.return(undefined);
  }
  return writeTreeToDirectory(tree, target);
}

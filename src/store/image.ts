/**
 * buildStoreImage: nixpkgs' make-ext4-fs.nix without e2fsprogs, root, faketime
 * or fakeroot. The closure's store paths are read into one tree (image-tree.ts),
 * `/nix-path-registration` is written for `nix-store --load-db` (NAR hashes of
 * the same nodes when the input has none), extra files are merged at the root,
 * and the native ext4 writer writes the image — temp-then-rename, so a failure
 * leaves no image, optionally as zstd frames.
 */
import { unlink } from 'node:fs/promises';
import { DistrokitError } from '../../formats/errors.js';
import { writeExt4, type Ext4Summary } from '../image/write.js';
import type { Ext4Options } from '../image/options.js';
import { checkSourceDateEpoch, sourceDateEpoch } from '../tree/epoch.js';
import { writeOutputFile } from '../tree/output-file.js';
import { splitTreePath } from '../tree/path.js';
import type { DirNode, Timestamp } from '../tree/types.js';
import { memoryFile, mergeExtraFiles, readStoreTree } from './image-tree.js';
import { mke2fsWouldJournal, SeedMeasure, seedSizing, type SeedSizing } from './image-sizing.js';
import { narHashOfNode } from './nar.js';
import type { StorePathInfo } from './path-info.js';
import { type RegistrationFormat, writeRegistration } from './registration.js';

export type { RegistrationFormat };
export const REGISTRATION_FORMATS: readonly RegistrationFormat[] = ['load-db', 'print-registration', 'register-validity'];
import { compressFileToZstdFrames } from './zstd-frames.js';
import { sha256OfFile } from '../fetch/checksum.js';

/** The seed's fixed filesystem UUID (`mkfs.ext4 -U`). */
export const DEFAULT_STORE_IMAGE_UUID = '44444444-4444-4444-8888-888888888888';
/** The seed's group for the store contents (nixbld), for `gid: NIXBLD_GID`. */
export const NIXBLD_GID = 30000;
/** The registration's name at the image root, where NixOS' first boot looks for it. */
export const REGISTRATION_NAME = 'nix-path-registration';

/**
 * 'exact' (default): the exact minimum plus the writer's default headroom;
 * 'nixpkgs': the seed's find/du formula, byte for byte; 'nixpkgs-current':
 * what today's recipe ends with (the minimum plus 16 MiB).
 */
export type StoreSizeHeuristic = 'exact' | 'nixpkgs' | 'nixpkgs-current';
export const STORE_SIZE_HEURISTICS: readonly StoreSizeHeuristic[] = ['exact', 'nixpkgs', 'nixpkgs-current'];

export interface StoreImageOptions {
  /** The store paths to copy (a closure, e.g. from closureOf); their references go into the registration. */
  closure: StorePathInfo[];
  /** The image file (with `compress`, the compressed file). */
  out: string;
  /** Default /nix/store. */
  storeDir?: string;
  /** Host directory the store directory is read from: `<root><storeDir>/<name>`. Default '/'. */
  root?: string;
  /** A host directory merged at the image root (populateImageCommands' ./files). */
  files?: string;
  /**
   * Default 'load-db' (narHash and narSize, for `nix-store --load-db`); 'print-registration' is the
   * seed's older format (zero hashes); 'register-validity' the graph layout `nix-store --register-validity` reads.
   */
  registration?: RegistrationFormat;
  /** Group of every entry of the store paths (the seed: 30000, nixbld); default 0. */
  gid?: number;
  label?: string;
  /** Default DEFAULT_STORE_IMAGE_UUID. */
  uuid?: string;
  /** Default derived from the UUID (deterministic). */
  hashSeed?: string;
  sizeHeuristic?: StoreSizeHeuristic;
  compress?: 'zstd';
  /** The one time of every inode and of the filesystem; default $SOURCE_DATE_EPOCH, else 0 (the seed's faketime 1970-01-01). */
  sourceDateEpoch?: number;
  /** Worker threads of the ext4 writer (never changes the image). */
  threads?: number;
  onProgress?: (phase: string, done: number, total: number) => void;
}

export interface StoreImageSummary {
  out: string;
  /** Store paths copied. */
  paths: number;
  /** Entries under the store paths (each path itself included) and bytes of their regular files. */
  entries: number;
  fileBytes: number;
  /** Entries merged from `files`. */
  extraEntries: number;
  registration: RegistrationFormat;
  registrationBytes: number;
  /** Store paths whose NAR hash and size were computed here (the input lacked them). */
  narHashesComputed: number;
  sizeHeuristic: StoreSizeHeuristic;
  /** With 'nixpkgs': the seed's numbers (numInodes, numDataBlocks, bytes). */
  seedSizing?: SeedSizing;
  ext4: Ext4Summary;
  /** sha256 of the (uncompressed) image. */
  imageSha256: string;
  compressed?: { format: 'zstd'; bytes: number; sha256: string };
}

export async function buildStoreImage(options: StoreImageOptions): Promise<StoreImageSummary> {
  const o = options;
  const storeDir = o.storeDir ?? '/nix/store';
  const heuristic = o.sizeHeuristic ?? 'exact';
  if (!STORE_SIZE_HEURISTICS.includes(heuristic)) throw badOption(`size heuristic '${String(heuristic)}' is not one of ${STORE_SIZE_HEURISTICS.join(', ')}`);
  const format = o.registration ?? 'load-db';
  if (!REGISTRATION_FORMATS.includes(format)) throw badOption(`registration format '${String(format)}' is not one of ${REGISTRATION_FORMATS.join(', ')}`);
  const gid = o.gid ?? 0;
  if (!Number.isInteger(gid) || gid < 0 || gid > 0xffffffff) throw badOption(`gid ${gid} is not an integer 0 … 4294967295`);
  const epoch = o.sourceDateEpoch !== undefined ? checkSourceDateEpoch(o.sourceDateEpoch, 'sourceDateEpoch') : (sourceDateEpoch() ?? 0);
  const time: Timestamp = { sec: epoch, nsec: 0 };
  const progress = o.onProgress ?? (() => {});

  const measure = heuristic === 'nixpkgs' ? new SeedMeasure() : null;
  const tree = await readStoreTree(o.closure, {
    storeDir,
    root: o.root ?? '/',
    gid,
    time,
    onStat: measure ? (_, st) => measure.add(st) : undefined,
    onPath: (done, total) => progress('read', done, total),
  });

  // The registration: the closure's own hashes, or the NAR of the very nodes the image gets.
  let computed = 0;
  const infos: StorePathInfo[] = [];
  for (const info of o.closure) {
    if (format !== 'load-db' || (info.narHash !== undefined && info.narSize !== undefined)) {
      infos.push(info);
      continue;
    }
    const node = tree.nodes.get(info.path)!;
    const { narHash, narSize } = await narHashOfNode(node, info.path);
    infos.push({ ...info, narHash, narSize });
    progress('hash', ++computed, o.closure.length);
  }
  const registration = new TextEncoder().encode(writeRegistration(infos, format));
  if (tree.root.children.has(REGISTRATION_NAME)) throw badOption(`the store directory ${storeDir} takes the registration's name /${REGISTRATION_NAME}`);
  tree.root.children.set(REGISTRATION_NAME, memoryFile(registration, time));

  let extraEntries = 0;
  if (o.files !== undefined) extraEntries = await mergeExtraFiles(tree.root, o.files, time, storeDirChain(tree.root, storeDir));

  const seed = measure ? seedSizing(measure) : undefined;
  const ext4: Ext4Options = {
    label: o.label,
    uuid: o.uuid ?? DEFAULT_STORE_IMAGE_UUID,
    hashSeed: o.hashSeed,
    sourceDateEpoch: epoch,
    xattrs: false,
    threads: o.threads,
    onProgress: o.onProgress,
  };
  if (seed) {
    ext4.size = seed.bytes;
    ext4.journal = mke2fsWouldJournal(seed.bytes);
  } else if (heuristic === 'nixpkgs-current') {
    ext4.sizeHeuristic = 'nixpkgs-current';
  }

  const common = {
    out: o.out,
    paths: tree.nodes.size,
    entries: tree.entries,
    fileBytes: tree.fileBytes,
    extraEntries,
    registration: format,
    registrationBytes: registration.byteLength,
    narHashesComputed: computed,
    sizeHeuristic: heuristic,
    ...(seed && { seedSizing: seed }),
  };
  if (o.compress === undefined) {
    const summary = await writeImage(tree.root, o.out, ext4, heuristic, seed);
    return { ...common, ext4: summary, imageSha256: await sha256OfFile(o.out) };
  }
  if (o.compress !== 'zstd') throw badOption(`compression '${String(o.compress)}' is not zstd`);
  // The raw image goes next to the output (same filesystem) and is removed whatever happens.
  const raw = `${o.out}.raw-${process.pid}`;
  try {
    const summary = await writeImage(tree.root, raw, ext4, heuristic, seed);
    progress('compress', 0, summary.bytes);
    const z = await writeOutputFile(o.out, 'STORE_IMAGE_OUTPUT', (fh) => compressFileToZstdFrames(raw, fh));
    return { ...common, ext4: summary, imageSha256: z.inputSha256, compressed: { format: 'zstd', bytes: z.bytes, sha256: z.outputSha256 } };
  } finally {
    await unlink(raw).catch(() => {});
  }
}

/** writeExt4, with a too-small seed size reported as such (the seed's formula can undershoot: journal, metadata). */
async function writeImage(root: DirNode, out: string, o: Ext4Options, heuristic: StoreSizeHeuristic, seed: SeedSizing | undefined): Promise<Ext4Summary> {
  try {
    return await writeExt4(root, out, o);
  } catch (err) {
    if (err instanceof DistrokitError && err.code === 'EXT4_TOO_SMALL' && seed) {
      const need = typeof err.data.need === 'number' ? `; the closure needs at least ${err.data.need} bytes` : '';
      throw new DistrokitError(
        'EXT4_TOO_SMALL',
        `size heuristic ${heuristic} gives ${seed.bytes} bytes (numInodes=${seed.numInodes}, numDataBlocks=${seed.numDataBlocks})${need}: ${err.detail}`,
        { ...err.data, file: out, given: seed.bytes },
        { cause: err },
      );
    }
    throw err;
  }
}

/** The root and the directories down to the store directory: extra files may add to them, not replace them. */
function storeDirChain(root: DirNode, storeDir: string): Set<DirNode> {
  const chain = new Set<DirNode>([root]);
  let d = root;
  for (const part of splitTreePath(storeDir)) {
    d = d.children.get(part) as DirNode;
    chain.add(d);
  }
  return chain;
}

function badOption(message: string): DistrokitError {
  return new DistrokitError('STORE_IMAGE_BAD_OPTION', message);
}

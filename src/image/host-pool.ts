/**
 * Worker threads for the host-file work of a build, the part that is mostly
 * syscalls and memory copies: scanning large host files for all-zero blocks
 * (while this thread prepares the other inodes) and copying dense host files
 * into the image (while this thread encodes and writes the metadata; with two
 * workers the copies themselves run in parallel). Copies go to disjoint
 * blocks, so their order does not matter: the image bytes are the same as
 * with no workers at all.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { DistrokitError, type DistrokitErrorJSON } from '../../formats/errors.js';
import { BLOCK_SIZE } from '../../formats/ext4/constants.js';
import { SPARSE_SCAN_MIN, type DataRun } from './content.js';
import { copyHostFiles, HostCopyFailure, HostCopyPlanner, type HostCopyPlan } from './host-copy.js';
import type { Allocation } from './layout.js';
import type { PreparedInode } from './prepare.js';
import type { ScanResult } from './scan.js';

/** Each thread's gather buffer: large enough that a pwrite per 8 MiB costs little, small enough to stay cheap per worker. */
export const COPY_BUFFER = 8 << 20;

/** A host-file range to scan for all-zero blocks; `entry` is its tree path. */
export interface ScanTask {
  id: number;
  path: string;
  offset: number;
  size: number;
  entry: string;
}

export type HostJob = { kind: 'copy'; fd: number; plan: HostCopyPlan } | { kind: 'scan'; tasks: ScanTask[] };

export type HostReply =
  | { kind: 'copied'; ok: true }
  | { kind: 'copied'; ok: false; task: number; error: DistrokitErrorJSON }
  | { kind: 'scanned'; id: number; runs: DataRun[] }
  | { kind: 'scanned'; id: number; error: DistrokitErrorJSON };

/**
 * Workers pay off from this much host-file data, or from this many files (each
 * an open, read and close) holding at least a little data; below, starting them
 * (some 30 ms) costs more than it saves. Empty files cost nothing to copy.
 */
const MIN_BYTES_FOR_WORKERS = 32 << 20;
const MIN_FILES_FOR_WORKERS = 2000;
const MIN_BYTES_OF_MANY_FILES = 2 << 20;

/** The worker threads to use for `bytes` in `files` host files: `requested` if given, else up to 2 (the work is I/O- and memcpy-bound). */
export function hostThreads(files: number, bytes: number, requested?: number): number {
  if (requested !== undefined) return Math.max(0, Math.floor(requested));
  if (bytes < MIN_BYTES_FOR_WORKERS && (files < MIN_FILES_FOR_WORKERS || bytes < MIN_BYTES_OF_MANY_FILES)) return 0;
  return Math.min(2, availableParallelism());
}

/** ext4's largest file (prepareInode rejects larger ones before scanning). */
const MAX_FILE = 16 * 2 ** 40 - BLOCK_SIZE;

/**
 * The host files of a scanned tree: how many and how many bytes (to choose the
 * worker count), and the ones findDataRuns reads, as scan tasks in inode order
 * (the order prepareAll awaits them), identified by inode number.
 */
export function hostFileWork(scan: ScanResult): { files: number; bytes: number; scans: ScanTask[] } {
  let files = 0;
  let bytes = 0;
  const scans: ScanTask[] = [];
  for (const rec of scan.inodes) {
    if (!rec || rec.node?.type !== 'file' || rec.node.content.kind !== 'range') continue;
    const { size, content } = rec.node;
    files++;
    bytes += size;
    if (Number.isSafeInteger(size) && size >= SPARSE_SCAN_MIN && size <= MAX_FILE) {
      scans.push({ id: rec.ino, path: content.path, offset: content.offset, size, entry: rec.path });
    }
  }
  return { files, bytes, scans };
}

/** A host file whose every block holds data: copied byte for byte, with no hole to check (sparse files stay on the main thread). */
export function isDenseHostFile(p: PreparedInode): boolean {
  return p.content?.kind === 'range' && p.runs.length === 1 && p.runs[0]!.logical === 0 && p.runs[0]!.count === Math.ceil(p.size / BLOCK_SIZE);
}

/** The copy tasks of every dense host file of `all` (in inode order, which is block order), with their tree paths by task id. */
export function planHostCopies(all: PreparedInode[], a: Allocation): { planner: HostCopyPlanner; entries: string[] } {
  const planner = new HostCopyPlanner();
  const entries: string[] = [];
  for (const p of all) {
    if (!isDenseHostFile(p)) continue;
    const alloc = a.inodes.get(p.ino);
    const c = p.content as { kind: 'range'; path: string; offset: number };
    if (!alloc || alloc.extents.length === 0) continue;
    planner.add(entries.length, c.path, c.offset, p.size, alloc.extents);
    entries.push(p.path);
  }
  return { planner, entries };
}

/** The compiled worker next to this module; when running from TypeScript sources (tests), the build in dist/. */
function workerUrl(): URL {
  return import.meta.url.endsWith('.ts') ? new URL('../../dist/src/image/host-worker.js', import.meta.url) : new URL('./host-worker.js', import.meta.url);
}

/** Turns a failed copy task into the error a single-threaded build gives: host file plus tree path (or the image for task -1). */
function copyFailure(plan: HostCopyPlan, task: number, err: DistrokitError, entries: string[], out: string): DistrokitError {
  if (task < 0) return err.withPosition({ file: out });
  return err.withPosition({ file: plan.paths[task], entry: entries[plan.ids[task]!] });
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  // Awaited by the caller in its own order; a failure it never reaches (an earlier error won) must not be unhandled.
  promise.catch(() => {});
  return { promise, resolve, reject };
}

export class HostFilePool {
  private readonly workers: Worker[];
  private readonly scans = new Map<number, Deferred<DataRun[]>>();
  private readonly copies = new Map<Worker, Deferred<HostReply & { kind: 'copied' }>>();
  private failure: unknown;

  /** Starts `threads` workers now, so that they load while the caller scans the tree. */
  constructor(threads: number) {
    this.workers = Array.from({ length: threads }, () => new Worker(workerUrl()));
    for (const w of this.workers) {
      w.on('message', (reply: HostReply) => this.onReply(w, reply));
      w.on('error', (err) => this.fail(err));
      w.on('exit', (code) => this.fail(new DistrokitError('EXT4_INTERNAL', `host-file worker exited with code ${code}`)));
    }
  }

  get size(): number {
    return this.workers.length;
  }

  private onReply(w: Worker, reply: HostReply): void {
    if (reply.kind === 'scanned') {
      const d = this.scans.get(reply.id);
      this.scans.delete(reply.id);
      if (!d) return;
      if ('runs' in reply) d.resolve(reply.runs);
      else d.reject(DistrokitError.fromJSON(reply.error));
    } else {
      const d = this.copies.get(w);
      this.copies.delete(w);
      d?.resolve(reply);
    }
  }

  /** A worker died: everything still pending fails (after close() this is expected and ignored). */
  private fail(err: unknown): void {
    this.failure ??= err;
    for (const d of this.scans.values()) d.reject(err);
    for (const d of this.copies.values()) d.reject(err);
    this.scans.clear();
    this.copies.clear();
  }

  /**
   * Scans `tasks` (in the order the caller will await them) on the workers, each
   * taking a consecutive share of about equal bytes. Returns each task's data
   * runs by id, exactly as findDataRuns gives them, or its error.
   */
  scan(tasks: ScanTask[]): Map<number, Promise<DataRun[]>> {
    const out = new Map<number, Promise<DataRun[]>>();
    if (this.workers.length === 0 || tasks.length === 0) return out;
    const total = tasks.reduce((n, t) => n + t.size, 0);
    let w = 0;
    let bytes = 0;
    let share: ScanTask[] = [];
    const post = (): void => {
      if (share.length) this.workers[w++]!.postMessage({ kind: 'scan', tasks: share } satisfies HostJob);
      share = [];
      bytes = 0;
    };
    for (const t of tasks) {
      const d = deferred<DataRun[]>();
      if (this.failure) d.reject(this.failure);
      this.scans.set(t.id, d);
      out.set(t.id, d.promise);
      share.push(t);
      bytes += t.size;
      if (bytes >= total / this.workers.length && w < this.workers.length - 1) post();
    }
    post();
    return out;
  }

  /**
   * Copies `plans` (one per worker; with no workers, one after the other on this
   * thread) into `fd`. `entries[id]` names each task's tree path; `out` names the image.
   */
  async copy(fd: number, plans: HostCopyPlan[], entries: string[], out: string): Promise<void> {
    if (this.workers.length === 0) {
      const buffer = new Uint8Array(COPY_BUFFER);
      for (const plan of plans) {
        try {
          copyHostFiles(fd, plan, buffer);
        } catch (err) {
          throw err instanceof HostCopyFailure ? copyFailure(plan, err.task, err.toError(), entries, out) : err;
        }
      }
      return;
    }
    if (plans.length > this.workers.length) throw new DistrokitError('EXT4_INTERNAL', `${plans.length} copy plans for ${this.workers.length} workers`);
    if (this.failure) throw this.failure;
    await Promise.all(
      plans.map(async (plan, i) => {
        const w = this.workers[i]!;
        const d = deferred<HostReply & { kind: 'copied' }>();
        this.copies.set(w, d);
        w.postMessage({ kind: 'copy', fd, plan } satisfies HostJob, [plan.numbers.buffer as ArrayBuffer]);
        const reply = await d.promise;
        if (!reply.ok) throw copyFailure(plan, reply.task, DistrokitError.fromJSON(reply.error), entries, out);
      }),
    );
  }

  /** Stops the workers and waits until they have exited, so that none still writes to a descriptor the caller closes next. */
  async close(): Promise<void> {
    this.failure ??= new DistrokitError('EXT4_INTERNAL', 'host-file workers closed');
    for (const w of this.workers) w.removeAllListeners('exit');
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.fail(this.failure);
  }
}

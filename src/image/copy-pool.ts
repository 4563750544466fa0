/**
 * Runs HostCopyPlans on worker threads: the file-data copy (open, read, close
 * and pwrite per host file) overlaps with the main thread's encoding and
 * metadata writes, and with more than one worker the copies themselves run in
 * parallel. Writes go to disjoint blocks, so their order does not matter and
 * the image bytes are the same as with a single thread.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { DistrokitError } from '../../formats/errors.js';
import { BLOCK_SIZE } from '../../formats/ext4/constants.js';
import { copyHostFiles, HostCopyFailure, HostCopyPlanner, type HostCopyPlan } from './host-copy.js';
import type { Allocation } from './layout.js';
import type { PreparedInode } from './prepare.js';

/** Each thread's gather buffer: large enough that a pwrite per 8 MiB costs little, small enough to stay cheap per worker. */
export const COPY_BUFFER = 8 << 20;

export interface CopyJob {
  fd: number;
  plan: HostCopyPlan;
}

export type CopyReply = { ok: true } | { ok: false; task: number; code: string; message: string };

/** Below this much host-file data, starting a worker costs more than it saves. */
const MIN_BYTES_FOR_WORKERS = 32 << 20;
const MIN_FILES_FOR_WORKERS = 2000;

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

/** The worker threads to use for `bytes` in `files` host files: `requested` if given, else up to 2 (the copy is I/O- and memcpy-bound). */
export function copyThreads(files: number, bytes: number, requested?: number): number {
  if (requested !== undefined) return Math.max(0, Math.floor(requested));
  if (bytes < MIN_BYTES_FOR_WORKERS && files < MIN_FILES_FOR_WORKERS) return 0;
  return Math.min(2, availableParallelism());
}

/** The compiled worker next to this module; when running from TypeScript sources (tests), the build in dist/. */
function workerUrl(): URL {
  return import.meta.url.endsWith('.ts') ? new URL('../../dist/src/image/copy-worker.js', import.meta.url) : new URL('./copy-worker.js', import.meta.url);
}

/** Turns a failed task into the error a single-threaded build gives: host file plus tree path. */
function failure(plan: HostCopyPlan, task: number, code: string, message: string, entries: string[], out: string): DistrokitError {
  if (task < 0) return new DistrokitError(code, message, { file: out });
  return new DistrokitError(code, message, { file: plan.paths[task], entry: entries[plan.ids[task]!] });
}

export class CopyPool {
  private readonly workers: Worker[];

  /** Starts `threads` workers now, so that they load while the caller lays out the image. */
  constructor(threads: number) {
    this.workers = Array.from({ length: threads }, () => new Worker(workerUrl()));
  }

  get size(): number {
    return this.workers.length;
  }

  /**
   * Copies `plans` (one per worker; with no workers, one on this thread) into
   * `fd`. `entries[id]` names each task's tree path; `out` names the image.
   */
  run(fd: number, plans: HostCopyPlan[], entries: string[], out: string): Promise<void> {
    if (this.workers.length === 0) {
      const buffer = new Uint8Array(COPY_BUFFER);
      for (const plan of plans) {
        try {
          copyHostFiles(fd, plan, buffer);
        } catch (err) {
          if (err instanceof HostCopyFailure) return Promise.reject(failure(plan, err.task, err.code, err.message, entries, out));
          return Promise.reject(err);
        }
      }
      return Promise.resolve();
    }
    if (plans.length > this.workers.length) throw new DistrokitError('EXT4_INTERNAL', `${plans.length} copy plans for ${this.workers.length} workers`);
    return Promise.all(
      plans.map(
        (plan, i) =>
          new Promise<void>((resolve, reject) => {
            const w = this.workers[i]!;
            const onExit = (code: number) => reject(new DistrokitError('EXT4_INTERNAL', `copy worker exited with code ${code}`));
            w.once('error', reject);
            w.once('exit', onExit);
            w.once('message', (reply: CopyReply) => {
              w.off('error', reject);
              w.off('exit', onExit);
              if (reply.ok) resolve();
              else reject(failure(plan, reply.task, reply.code, reply.message, entries, out));
            });
            const job: CopyJob = { fd, plan };
            w.postMessage(job, [plan.numbers.buffer as ArrayBuffer]);
          }),
      ),
    ).then(() => {});
  }

  /** Stops the workers and waits until they have exited, so that none still writes to a descriptor the caller closes next. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/**
 * Lays many packages into one tree with their decoding spread over worker
 * threads (xz/zstd/gzip decompression dominates and is per package), while
 * nodes are still added in the given package order, so the outcome (last
 * wins, conflicts and their owners) is exactly that of addPackageToTree in a
 * loop. File contents live in one spool file per worker under `spoolDir`;
 * the caller removes that directory once the tree has been written.
 */
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { DistrokitError } from '../../formats/errors.js';
import { MemoryStore } from './content-store.js';
import { addEntriesToTree, type StoredEntry } from './from-entries.js';
import type { WorkerJob, WorkerReply } from './package-worker.js';
import type { Tree } from './tree.js';
import type { PackageProgress } from './packages.js';

export interface AddPackagesOptions {
  /** Directory for the workers' spool files (must exist). */
  spoolDir: string;
  /** Worker threads (default: available parallelism, at most 4). */
  jobs?: number;
  maxOutput?: number;
  /** Called after each package is added. */
  onPackage?: (progress: PackageProgress) => void;
}

/** The compiled worker next to this module; when running from TypeScript sources (tests), the build in dist/. */
function workerUrl(): URL {
  return import.meta.url.endsWith('.ts') ? new URL('../../dist/src/tree/package-worker.js', import.meta.url) : new URL('./package-worker.js', import.meta.url);
}

/** Indices of `files` by decreasing size (unreadable files last: their worker reports the error). */
function largestFirst(files: string[]): number[] {
  const size = (f: string) => {
    try {
      return statSync(f).size;
    } catch {
      return -1;
    }
  };
  const sizes = files.map(size);
  return files.map((_, i) => i).sort((a, b) => sizes[b]! - sizes[a]! || a - b);
}

export async function addPackagesToTree(tree: Tree, files: string[], options: AddPackagesOptions): Promise<{ file: string; owner: string; entries: number }[]> {
  const width = Math.max(1, Math.min(options.jobs ?? Math.min(availableParallelism(), 4), files.length));
  const workers = Array.from({ length: width }, () => new Worker(workerUrl(), { workerData: { spoolDir: options.spoolDir } }));
  const results = new Map<number, WorkerReply>();
  let wake: (() => void) | undefined;
  let failure: unknown;
  const queue = largestFirst(files);
  const idle: Worker[] = [...workers];
  // Every package is dispatched as soon as a worker is free, largest first, so one big
  // package (gcc-12 is a fifth of the Debian closure) does not leave a worker idle at the
  // end. Decoded packages wait as entry lists (their contents are in the spools) until
  // their turn in the given order.
  const pump = () => {
    while (idle.length > 0 && queue.length > 0) {
      const index = queue.shift()!;
      const job: WorkerJob = { index, file: files[index]!, maxOutput: options.maxOutput };
      idle.pop()!.postMessage(job);
    }
  };
  for (const worker of workers) {
    worker.on('message', (reply: WorkerReply | 'closed') => {
      if (reply === 'closed') return;
      results.set(reply.index, reply);
      idle.push(worker);
      pump();
      wake?.();
    });
    worker.on('error', (err) => {
      failure ??= err;
      wake?.();
    });
  }
  pump();
  const added: { file: string; owner: string; entries: number }[] = [];
  const empty: AsyncIterable<Uint8Array> = { async *[Symbol.asyncIterator]() {} };
  const store = new MemoryStore();
  try {
    for (let i = 0; i < files.length; i++) {
      while (!results.has(i)) {
        if (failure) throw failure;
        await new Promise<void>((resolve) => (wake = resolve));
      }
      const reply = results.get(i)!;
      results.delete(i);
      const file = files[i]!;
      if (!reply.ok) throw DistrokitError.fromJSON(reply.error).withPosition({ file });
      const owner = reply.owner ?? file;
      const entries = reply.entries.map((e) => ({ ...e, body: empty }) as StoredEntry);
      added.push({ file, owner, entries: await addEntriesToTree(tree, entries, { owner, store, file }) });
      options.onPackage?.({ file, index: i, total: files.length });
    }
  } finally {
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            w.once('message', () => resolve());
            w.once('exit', () => resolve());
            w.postMessage('close');
          }),
      ),
    );
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return added;
}

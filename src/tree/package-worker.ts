/**
 * Worker-thread side of addPackagesToTree: decodes one package at a time
 * (decompression is most of the cost and runs on this thread), appends file
 * contents to this worker's spool file, and posts the entries back with
 * their contents as ranges of that spool (or inline bytes).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DistrokitError, type DistrokitErrorJSON } from '../../formats/errors.js';
import { openArchive } from './archive.js';
import { SpoolStore } from './content-store.js';
import type { StoredEntry } from './from-entries.js';

export interface WorkerJob {
  index: number;
  file: string;
  maxOutput?: number;
}

export type WorkerReply =
  | { index: number; ok: true; owner?: string; entries: Omit<StoredEntry, 'body'>[] }
  | { index: number; ok: false; error: DistrokitErrorJSON };

const { spoolDir } = workerData as { spoolDir: string };
const store = new SpoolStore({ dir: spoolDir });

parentPort!.on('message', async (job: WorkerJob | 'close') => {
  if (job === 'close') {
    await store.detach();
    parentPort!.postMessage('closed');
    return;
  }
  try {
    const archive = await openArchive(job.file, { maxOutput: job.maxOutput });
    const entries: Omit<StoredEntry, 'body'>[] = [];
    for await (const entry of archive.entries) {
      const { body, ...rest } = entry;
      const stored: Omit<StoredEntry, 'body'> = rest;
      if (entry.type === 'file' && entry.size > 0) stored.content = await store.put(body, entry.size);
      entries.push(stored);
    }
    await store.flush();
    const reply: WorkerReply = { index: job.index, ok: true, owner: archive.owner, entries };
    parentPort!.postMessage(reply);
  } catch (err) {
    const reply: WorkerReply = { index: job.index, ok: false, error: DistrokitError.toJSONOf(err) };
    parentPort!.postMessage(reply);
  }
});

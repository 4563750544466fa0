/**
 * Worker-thread side of HostFilePool. Scans host files for all-zero blocks with
 * the same code as the main thread (content.ts), posting each file's runs as
 * soon as it is done, and copies a HostCopyPlan into the image descriptor it is
 * given (descriptors are per process, so the main thread's open image is shared).
 */
import { parentPort } from 'node:worker_threads';
import { DistrokitError } from '../../formats/errors.js';
import { findDataRuns, ReadContext } from './content.js';
import { copyHostFiles, HostCopyFailure } from './host-copy.js';
import { COPY_BUFFER, type HostJob, type HostReply } from './host-pool.js';

const buffer = new Uint8Array(COPY_BUFFER);
const reads = new ReadContext();
const port = parentPort!;

port.on('message', async (job: HostJob) => {
  if (job.kind === 'scan') {
    for (const t of job.tasks) {
      let reply: HostReply;
      try {
        const runs = await findDataRuns({ kind: 'range', path: t.path, offset: t.offset, length: t.size }, t.size, t.entry, reads);
        reply = { kind: 'scanned', id: t.id, runs };
      } catch (err) {
        reply = { kind: 'scanned', id: t.id, error: DistrokitError.toJSONOf(err) };
      }
      port.postMessage(reply);
    }
    return;
  }
  let reply: HostReply;
  try {
    copyHostFiles(job.fd, job.plan, buffer);
    reply = { kind: 'copied', ok: true };
  } catch (err) {
    // A HostCopyFailure names its task (the main thread adds the file and tree path); anything else is a bug.
    reply =
      err instanceof HostCopyFailure
        ? { kind: 'copied', ok: false, task: err.task, error: err.toError().toJSON() }
        : { kind: 'copied', ok: false, task: -1, error: DistrokitError.toJSONOf(err) };
  }
  port.postMessage(reply);
});

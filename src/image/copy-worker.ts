/**
 * Worker-thread side of CopyPool: copies one HostCopyPlan into the image file
 * descriptor it is given (descriptors are per process, so the main thread's
 * open image is shared) and reports success or the failing task.
 */
import { parentPort } from 'node:worker_threads';
import { copyHostFiles, HostCopyFailure, type HostCopyPlan } from './host-copy.js';
import { COPY_BUFFER, type CopyJob, type CopyReply } from './copy-pool.js';

const buffer = new Uint8Array(COPY_BUFFER);

parentPort!.on('message', (job: CopyJob) => {
  let reply: CopyReply;
  try {
    copyHostFiles(job.fd, job.plan as HostCopyPlan, buffer);
    reply = { ok: true };
  } catch (err) {
    reply =
      err instanceof HostCopyFailure
        ? { ok: false, task: err.task, code: err.code, message: err.message }
        : { ok: false, task: -1, code: 'EXT4_OUTPUT', message: (err as Error).message };
  }
  parentPort!.postMessage(reply);
});

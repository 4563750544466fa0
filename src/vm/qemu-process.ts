/**
 * Running QEMU for `runInVm`: in its own process group, killed as a whole on
 * timeout, on abort, on any error and when node exits, with the console and
 * port files streamed to callbacks while they grow.
 */
import { open } from 'node:fs/promises';
import { DistrokitError } from '../../formats/errors.js';
import { spawnTiedToParent } from './parent-death.js';

const POLL_MS = 100;

export interface QemuEnd {
  code: number | null;
  stderr: string;
  reason: 'exited' | 'timeout' | 'aborted';
}

export interface QemuRunOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** QEMU's environment additions (TMPDIR: where snapshot=on puts its overlay). */
  env?: Record<string, string>;
  /** Files to stream while QEMU runs, each with the callback that gets its new bytes. */
  streams?: Array<readonly [file: string, sink: ((chunk: Buffer) => void) | undefined]>;
}

/**
 * Runs QEMU in its own process group; the group is killed on timeout, abort, or if this process exits first,
 * and QEMU by the kernel if this process is killed outright (parent-death.ts).
 */
export function runQemu(qemu: string, args: string[], options: QemuRunOptions): Promise<QemuEnd> {
  return new Promise((resolve, reject) => {
    const child = spawnTiedToParent(qemu, args, { detached: true, env: { ...process.env, ...options.env } });
    let stderr = '';
    let reason: QemuEnd['reason'] = 'exited';
    const killGroup = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const stop = (why: QemuEnd['reason']) => {
      if (reason === 'exited') reason = why;
      killGroup();
    };
    const timer = setTimeout(() => stop('timeout'), options.timeoutMs);
    const onAbort = () => stop('aborted');
    options.signal?.addEventListener('abort', onAbort);
    // A last resort: if node exits (uncaught error, process.exit) the VM goes with it.
    process.on('exit', killGroup);
    const streamers = (options.streams ?? []).flatMap(([file, sink]) => (sink ? [streamFile(file, sink)] : []));
    const stopStreams = () => Promise.all(streamers.map((s) => s.stop()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const finish = () => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      process.off('exit', killGroup);
    };
    child.on('error', (err) => {
      finish();
      void stopStreams();
      reject(DistrokitError.wrap(err, 'VM_QEMU_MISSING', { file: qemu }));
    });
    child.on('close', (code) => {
      finish();
      // Make sure nothing QEMU started survives it.
      killGroup();
      const done = () => resolve({ code, stderr, reason });
      stopStreams().then(done, done);
    });
    if (options.signal?.aborted) stop('aborted');
  });
}

/** Polls a growing file and hands new bytes to `sink`; stop() drains the rest. */
function streamFile(path: string, sink: (chunk: Buffer) => void): { stop(): Promise<void> } {
  let position = 0;
  let busy: Promise<void> = Promise.resolve();
  const poll = () =>
    (busy = busy.then(async () => {
      const fh = await open(path, 'r').catch(() => undefined);
      if (!fh) return;
      try {
        for (;;) {
          const buffer = Buffer.alloc(65536);
          const { bytesRead } = await fh.read(buffer, 0, buffer.length, position);
          if (bytesRead === 0) break;
          position += bytesRead;
          sink(buffer.subarray(0, bytesRead));
        }
      } finally {
        await fh.close();
      }
    }));
  const interval = setInterval(poll, POLL_MS);
  return {
    stop: async () => {
      clearInterval(interval);
      await poll();
    },
  };
}

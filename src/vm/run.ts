/**
 * runInVm: boots a kernel with distrokit's stage 1, runs one command, and
 * returns its stdout, stderr and exit status — the seed's runInLinuxVM.
 *
 * Transport: three named virtio-serial ports (stdout, stderr, status) written
 * to host files; ttyS0 is the console, written to a file and optionally
 * streamed. Disks are virtio-blk, found in the guest by their serial: a root
 * image the command runs chrooted in (copy-on-write unless `write`), an ext4
 * input disk mounted read-only at /in, and a raw output disk onto which stage
 * 1 writes /out as a tar stream, read back into the `out` directory.
 *
 * QEMU runs in its own process group, which is killed on timeout, on abort
 * and on any error. The run directory is removed, except when the run failed
 * as a VM (timeout, panic, no stage 1, no status, a stage-1 failure, an
 * unreadable output disk) or `keep` is set: then it is moved into the cache
 * with a run-vm script that re-enters the same VM interactively, and the
 * error (or the result) names that script. An interrupted run leaves nothing.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DistrokitError } from '../../formats/errors.js';
import type { DirectorySinkResult } from '../tree/sink-dir.js';
import type { DirNode } from '../tree/types.js';
import { checkDiskOptions, prepareDisks, readOutDisk } from './disks.js';
import { classifyFailure, VM_FAILURE_CODES } from './failure.js';
import { type GuestOptions, prepareGuest } from './guest.js';
import { keepRun, type RunToKeep } from './keep.js';
import { kvmUsable } from './qemu.js';
import { runQemu } from './qemu-process.js';
import { type RunDisks, type RunFiles, runQemuArgs } from './run-args.js';

export { classifyFailure, consoleTail, VM_FAILURE_CODES } from './failure.js';
export { type QemuEnd } from './qemu-process.js';
export { diskParams, qemuOptionValue, type RunDisks, type RunFiles, runQemuArgs, tcgCalibrationParams } from './run-args.js';
export { DEFAULT_OUT_SIZE } from './disks.js';

export interface RunInVmOptions extends GuestOptions {
  /**
   * A raw ext2/3/4 image (e.g. from writeExt4 / `ext4 build`) used as the root:
   * the command runs chrooted into it with /proc, /sys, /dev and /dev/pts
   * mounted, PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
   * and HOME=/root (plus `env` and `workdir`). Copy-on-write unless `write`.
   */
  image?: string;
  /** Write the guest's changes to `image` (default: a throw-away overlay; the file stays byte-identical). */
  write?: boolean;
  /** A host directory or a tree, mounted read-only at /in in the guest (in the image's root with `image`). */
  in?: string | DirNode;
  /** A host directory (empty or missing) that receives what the command left in the guest's /out (a tmpfs). */
  out?: string;
  /** Size of the sparse output disk, the most /out can hold as a tar stream (default 4 GiB). */
  outSize?: number;
  /** Keep the run directory with its run-vm script even when the run succeeds (result.runVm names it). */
  keep?: boolean;
  memoryMiB?: number;
  cpus?: number;
  /** Kill the VM after this long (default 300 s): VM_TIMEOUT. */
  timeoutMs?: number;
  /** 'auto' (default): KVM when /dev/kvm opens and the CPU has vmx/svm, else TCG. */
  accel?: 'auto' | 'kvm' | 'tcg';
  qemu?: string;
  /** Console (ttyS0) bytes as they arrive. */
  onConsole?: (chunk: Buffer) => void;
  /** The command's stdout and stderr bytes as they arrive (the result has them all as well). */
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
  /** Aborting kills the VM, cleans up and rejects with VM_INTERRUPTED. */
  signal?: AbortSignal;
}

export interface RunInVmResult {
  exitStatus: number;
  stdout: Buffer;
  stderr: Buffer;
  console: string;
  accel: 'kvm' | 'tcg';
  kernelRelease: string;
  /** What was written into the `out` directory. */
  out?: DirectorySinkResult;
  /** With `keep`: the script that re-enters the VM (in the kept run directory). */
  runVm?: string;
}

function interrupted(file: string): DistrokitError {
  return new DistrokitError('VM_INTERRUPTED', 'the run was interrupted; the VM was stopped', { file });
}

/** The same error, naming the kept run directory and its run-vm script. */
function withKeptRun(err: DistrokitError, workDir: string, kept: { dir: string; runVm: string }): DistrokitError {
  const data = { ...err.data, runVm: kept.runVm };
  if (typeof data.file === 'string' && data.file.startsWith(`${workDir}/`)) data.file = kept.dir + data.file.slice(workDir.length);
  return new DistrokitError(err.code, `${err.detail}\nthe run is kept in ${kept.dir}; re-enter the VM with ${kept.runVm}`, data);
}

export async function runInVm(options: RunInVmOptions): Promise<RunInVmResult> {
  const timeoutMs = options.timeoutMs ?? 300_000;
  const accel = options.accel === 'kvm' || (options.accel !== 'tcg' && kvmUsable()) ? 'kvm' : 'tcg';
  checkDiskOptions(options);
  const workDir = await mkdtemp(join(tmpdir(), 'distrokit-vm-'));
  let toKeep: RunToKeep | undefined;
  let keep = false;
  try {
    const disks: RunDisks = await prepareDisks(options, workDir);
    const guest = await prepareGuest(options, workDir);
    if (options.signal?.aborted) throw interrupted(guest.source);
    const files: RunFiles = { console: join(workDir, 'console.log'), stdout: join(workDir, 'stdout'), stderr: join(workDir, 'stderr'), status: join(workDir, 'status') };
    const qemu = options.qemu ?? 'qemu-system-x86_64';
    toKeep = { workDir, kernel: guest.kernel, initrd: guest.initrd, disks, machine: options, accel, qemu };
    const args = runQemuArgs(guest.kernel, guest.initrd, files, options, accel, disks);
    const end = await runQemu(qemu, args, {
      timeoutMs,
      signal: options.signal,
      // snapshot=on puts QEMU's overlay in TMPDIR: in the run directory, so it goes with it.
      env: { TMPDIR: workDir },
      streams: [
        [files.console, options.onConsole],
        [files.stdout, options.onStdout],
        [files.stderr, options.onStderr],
      ],
    });
    const read = (p: string) => readFile(p).catch(() => Buffer.alloc(0));
    const consoleText = (await read(files.console)).toString();
    const status = (await read(files.status)).toString().trim();
    if (end.reason !== 'exited' || !/^\d+$/.test(status)) throw classifyFailure(end, consoleText, guest.source, timeoutMs);
    if (options.signal?.aborted) throw interrupted(guest.source);
    const out = disks.out !== undefined && options.out !== undefined ? await readOutDisk(disks.out, options.out) : undefined;
    const result: RunInVmResult = {
      exitStatus: Number(status),
      stdout: await read(files.stdout),
      stderr: await read(files.stderr),
      console: consoleText,
      accel,
      kernelRelease: guest.kernelRelease,
      ...(out && { out }),
    };
    if (options.keep) {
      keep = true;
      result.runVm = (await keepRun(toKeep)).runVm;
    }
    return result;
  } catch (err) {
    if (!keep && toKeep && err instanceof DistrokitError && VM_FAILURE_CODES.has(err.code)) {
      keep = true;
      let kept;
      try {
        kept = await keepRun(toKeep);
      } catch (keepErr) {
        throw new DistrokitError(err.code, `${err.detail}\n(the run directory could not be kept: ${(keepErr as Error).message})`, err.data, { cause: err });
      }
      throw withKeptRun(err, workDir, kept);
    }
    throw err;
  } finally {
    // After a keep the directory has moved (or the move failed halfway): remove what is left here either way.
    await rm(workDir, { recursive: true, force: true });
  }
}

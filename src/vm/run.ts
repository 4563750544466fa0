/**
 * runInVm: boots a kernel with distrokit's stage 1, runs one command, and
 * returns its stdout, stderr and exit status — the seed's runInLinuxVM.
 *
 * Transport: three named virtio-serial ports (stdout, stderr, status) written
 * to host files; ttyS0 is the console, written to a file and optionally
 * streamed. QEMU runs in its own process group, which is killed on timeout,
 * on abort and on any error; the work directory is always removed.
 *
 * A run's end is classified from what the guest left: a status on the status
 * port is the command's; otherwise the console tells a kernel panic
 * (VM_PANIC), a stage-1 failure (VM_STAGE1_FAILED), a guest that never
 * started stage 1 (VM_NO_STAGE1) or one that stopped without a status
 * (VM_NO_EXIT_STATUS).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DistrokitError } from '../../formats/errors.js';
import { VIRTIO_PORT_NAMES } from '../initrd/stage1.js';
import { firmwareArgs, GUEST_KERNEL_PARAMS } from './boot-params.js';
import { type GuestOptions, prepareGuest } from './guest.js';
import { kvmUsable } from './qemu.js';

export interface RunInVmOptions extends GuestOptions {
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
}

const CONSOLE_POLL_MS = 100;
const TAIL_LINES = 20;

/**
 * Kernel parameters that skip TSC and delay-loop calibration, which under TCG
 * is slow and load-sensitive (and hangs microvm). The guest TSC is the host's
 * under TCG; lpj is loops per jiffy at Debian's HZ=250.
 */
export function tcgCalibrationParams(cpuinfo?: string): string {
  let text = cpuinfo;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      return '';
    }
  }
  const mhz = Number(/^cpu MHz\s*:\s*([\d.]+)/m.exec(text)?.[1]);
  if (!(mhz > 0)) return '';
  const khz = Math.round(mhz * 1000);
  return `tsc_early_khz=${khz} lpj=${khz * 4}`;
}

interface RunFiles {
  console: string;
  stdout: string;
  stderr: string;
  status: string;
}

export function runQemuArgs(kernel: string, initrd: string, files: RunFiles, options: RunInVmOptions, accel: 'kvm' | 'tcg'): string[] {
  const append = ['console=ttyS0', 'panic=-1', 'quiet', 'loglevel=4', accel === 'tcg' ? tcgCalibrationParams() : '', ...GUEST_KERNEL_PARAMS].filter(Boolean).join(' ');
  const args = [
    '-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot',
    '-machine', 'q35', '-accel', accel, '-cpu', accel === 'kvm' ? 'host' : 'max',
    ...firmwareArgs(accel, options.qemu),
    '-m', String(options.memoryMiB ?? 512), '-smp', String(options.cpus ?? 1),
    '-kernel', kernel, '-initrd', initrd, '-append', append,
    '-serial', `file:${files.console}`,
    '-device', 'virtio-serial-pci,id=vs',
  ];
  for (const [key, name] of Object.entries(VIRTIO_PORT_NAMES)) {
    args.push('-chardev', `file,id=${key},path=${files[key as keyof RunFiles]}`, '-device', `virtserialport,bus=vs.0,chardev=${key},name=${name}`);
  }
  return args;
}

export interface QemuEnd {
  code: number | null;
  stderr: string;
  reason: 'exited' | 'timeout' | 'aborted';
}

/** Runs QEMU in its own process group; the group is killed on timeout, abort, or if this process exits first. */
function runQemu(qemu: string, args: string[], options: RunInVmOptions, files: RunFiles): Promise<QemuEnd> {
  return new Promise((resolve, reject) => {
    const child = spawn(qemu, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
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
    const timer = setTimeout(() => stop('timeout'), options.timeoutMs ?? 300_000);
    const onAbort = () => stop('aborted');
    options.signal?.addEventListener('abort', onAbort);
    // A last resort: if node exits (uncaught error, process.exit) the VM goes with it.
    process.on('exit', killGroup);
    const streamers = (
      [
        [files.console, options.onConsole],
        [files.stdout, options.onStdout],
        [files.stderr, options.onStderr],
      ] as const
    ).flatMap(([file, sink]) => (sink ? [streamFile(file, sink)] : []));
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
  const interval = setInterval(poll, CONSOLE_POLL_MS);
  return {
    stop: async () => {
      clearInterval(interval);
      await poll();
    },
  };
}

function consoleTail(text: string): string {
  return text.split('\n').filter((l) => l.trim() !== '').slice(-TAIL_LINES).join('\n');
}

/** The error for a run that ended without a status, from the console. */
export function classifyFailure(end: QemuEnd, consoleText: string, kernel: string, timeoutMs: number): DistrokitError {
  const tail = consoleTail(consoleText);
  const at = { file: kernel };
  if (end.reason === 'aborted') return new DistrokitError('VM_INTERRUPTED', 'the run was interrupted; the VM was stopped', at);
  if (end.reason === 'timeout') return new DistrokitError('VM_TIMEOUT', `the VM did not finish within ${timeoutMs / 1000} s; console tail:\n${tail}`, at);
  const panic = /Kernel panic - not syncing:[^\n]*/.exec(consoleText);
  if (panic) return new DistrokitError('VM_PANIC', `the guest kernel panicked (${panic[0].trim()}); console tail:\n${tail}`, at);
  if (end.code !== 0) return new DistrokitError('VM_QEMU_FAILED', `qemu exited with ${end.code}: ${end.stderr.trim()}\n${tail}`, at);
  const failed = /stage1: FAILED: ([^\n]*)/.exec(consoleText);
  if (failed) return new DistrokitError('VM_STAGE1_FAILED', `stage 1 failed: ${failed[1]}; console tail:\n${tail}`, at);
  if (!consoleText.includes('stage1: ')) return new DistrokitError('VM_NO_STAGE1', `the guest never reached distrokit's stage 1; console tail:\n${tail}`, at);
  return new DistrokitError('VM_NO_EXIT_STATUS', `the guest stopped without reporting an exit status; console tail:\n${tail}`, at);
}

export async function runInVm(options: RunInVmOptions): Promise<RunInVmResult> {
  const timeoutMs = options.timeoutMs ?? 300_000;
  const accel = options.accel === 'kvm' || (options.accel !== 'tcg' && kvmUsable()) ? 'kvm' : 'tcg';
  const workDir = await mkdtemp(join(tmpdir(), 'distrokit-vm-'));
  try {
    const guest = await prepareGuest(options, workDir);
    if (options.signal?.aborted) throw new DistrokitError('VM_INTERRUPTED', 'the run was interrupted before the VM started', { file: guest.source });
    const files: RunFiles = { console: join(workDir, 'console'), stdout: join(workDir, 'stdout'), stderr: join(workDir, 'stderr'), status: join(workDir, 'status') };
    const args = runQemuArgs(guest.kernel, guest.initrd, files, options, accel);
    const end = await runQemu(options.qemu ?? 'qemu-system-x86_64', args, { ...options, timeoutMs }, files);
    const read = (p: string) => readFile(p).catch(() => Buffer.alloc(0));
    const consoleText = (await read(files.console)).toString();
    const status = (await read(files.status)).toString().trim();
    if (end.reason !== 'exited' || !/^\d+$/.test(status)) throw classifyFailure(end, consoleText, guest.source, timeoutMs);
    return {
      exitStatus: Number(status),
      stdout: await read(files.stdout),
      stderr: await read(files.stderr),
      console: consoleText,
      accel,
      kernelRelease: guest.kernelRelease,
    };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

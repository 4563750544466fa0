/**
 * A small QEMU runner for stage-1 initrds: boots a kernel and initrd with no
 * display, three serial ports written to files (console, command output, exit
 * status, in the order stage1.ts uses them), optional raw virtio disks, and
 * returns what the guest wrote. KVM is used when /dev/kvm can be opened, with
 * TCG as QEMU's own fallback (`-accel kvm -accel tcg`).
 */
import { closeSync, constants, openSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DistrokitError } from '../../formats/errors.js';
import { spawnTiedToParent } from './parent-death.js';

export interface VmDisk {
  path: string;
  format?: 'raw' | 'qcow2';
  readonly?: boolean;
}

export interface RunVmOptions {
  kernel: string;
  initrd: string;
  /** Extra kernel command line (console=ttyS0 and panic settings are added). */
  append?: string;
  disks?: VmDisk[];
  memoryMiB?: number;
  cpus?: number;
  accel?: 'auto' | 'kvm' | 'tcg';
  /** Kill the VM after this long (default 300 s). */
  timeoutMs?: number;
  qemu?: string;
}

export interface VmResult {
  /** Kernel and init messages (ttyS0). */
  console: string;
  /** The command's stdout and stderr (ttyS1). */
  output: Buffer;
  /** The command's exit status (ttyS2). */
  exitStatus: number;
  accel: string;
}

/**
 * True when /dev/kvm opens read-write and the CPU advertises hardware
 * virtualisation (vmx/svm). Both are needed: sandboxes can expose a /dev/kvm
 * on CPUs without vmx, where a KVM guest hangs instead of failing.
 */
export function kvmUsable(): boolean {
  try {
    closeSync(openSync('/dev/kvm', constants.O_RDWR));
  } catch {
    return false;
  }
  try {
    return /^flags\s*:.*\b(vmx|svm)\b/m.test(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return false;
  }
}

export function qemuArgs(options: RunVmOptions, files: { console: string; output: string; status: string }): string[] {
  const accel = options.accel ?? 'auto';
  const accelArgs =
    accel === 'tcg' || (accel === 'auto' && !kvmUsable()) ? ['-accel', 'tcg'] : accel === 'kvm' ? ['-accel', 'kvm'] : ['-accel', 'kvm', '-accel', 'tcg'];
  // With both listed QEMU falls back to TCG if KVM fails to initialise.
  const args = [
    '-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot',
    ...accelArgs, '-cpu', 'max',
    '-m', String(options.memoryMiB ?? 512), '-smp', String(options.cpus ?? 1),
    '-kernel', options.kernel, '-initrd', options.initrd,
    '-append', `console=ttyS0 panic=-1 ${options.append ?? ''}`.trim(),
    '-serial', `file:${files.console}`, '-serial', `file:${files.output}`, '-serial', `file:${files.status}`,
  ];
  for (const disk of options.disks ?? []) {
    args.push('-drive', `file=${disk.path},format=${disk.format ?? 'raw'},if=virtio${disk.readonly ? ',readonly=on' : ''}`);
  }
  return args;
}

export async function runVm(options: RunVmOptions): Promise<VmResult> {
  const dir = await mkdtemp(join(tmpdir(), 'distrokit-vm-'));
  const files = { console: join(dir, 'console'), output: join(dir, 'output'), status: join(dir, 'status') };
  try {
    const args = qemuArgs(options, files);
    const qemu = options.qemu ?? 'qemu-system-x86_64';
    const { code, stderr, timedOut } = await new Promise<{ code: number | null; stderr: string; timedOut: boolean }>((resolve, reject) => {
      const child = spawnTiedToParent(qemu, args, {});
      let stderr = '';
      let timedOut = false;
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, options.timeoutMs ?? 300_000);
      child.on('error', (err) => {
        clearTimeout(timer);
        reject(DistrokitError.wrap(err, 'VM_QEMU_MISSING', { file: qemu }));
      });
      child.on('close', (c) => {
        clearTimeout(timer);
        resolve({ code: c, stderr, timedOut });
      });
    });
    const read = (p: string) => readFile(p).catch(() => Buffer.alloc(0));
    const consoleText = (await read(files.console)).toString();
    const output = await read(files.output);
    const statusText = (await read(files.status)).toString().trim();
    const tail = consoleText.split('\n').slice(-15).join('\n');
    if (timedOut) throw new DistrokitError('VM_TIMEOUT', `the VM did not power off in time; console tail:\n${tail}`, { file: options.kernel });
    if (code !== 0) throw new DistrokitError('VM_QEMU_FAILED', `qemu exited with ${code}: ${stderr.trim()}\n${tail}`, { file: options.kernel });
    if (statusText.startsWith('fail:')) {
      throw new DistrokitError('VM_STAGE1_FAILED', `stage 1 failed: ${statusText.slice(5).trim()}; console tail:\n${tail}`, { file: options.initrd });
    }
    if (!/^\d+$/.test(statusText)) {
      throw new DistrokitError('VM_NO_EXIT_STATUS', `the guest reported no exit status; console tail:\n${tail}`, { file: options.kernel });
    }
    const accel = args.includes('kvm') ? 'kvm' : 'tcg';
    return { console: consoleText, output, exitStatus: Number(statusText), accel };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

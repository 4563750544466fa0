/**
 * The QEMU command line of a `runInVm` run: q35, the kernel with its stage-1
 * initrd, ttyS0 as the console, three named virtio-serial ports for stdout,
 * stderr and status, and up to three virtio-blk disks that stage 1 finds by
 * their serial. The same arguments, with the console and a virtio console on
 * stdio, the ports discarded and `distrokit.interactive=1`, re-enter a kept
 * run (run-vm).
 */
import { readFileSync } from 'node:fs';
import { VIRTIO_DISK_SERIALS, VIRTIO_PORT_NAMES } from '../initrd/stage1.js';
import { firmwareArgs, GUEST_KERNEL_PARAMS } from './boot-params.js';

/** Where the run's port files and console go. */
export interface RunFiles {
  console: string;
  stdout: string;
  stderr: string;
  status: string;
}

/** The disks of a run: the root image (copy-on-write unless `write`), the ext4 input disk, the raw output disk. */
export interface RunDisks {
  image?: { path: string; write: boolean };
  in?: string;
  out?: string;
}

export interface MachineOptions {
  memoryMiB?: number;
  cpus?: number;
  /** The QEMU binary (its firmware files decide the BIOS). */
  qemu?: string;
}

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

/** A value inside a QEMU option list (`-drive file=…`): commas are doubled. */
export function qemuOptionValue(text: string): string {
  return text.replace(/,/g, ',,');
}

/** The stage-1 keys that switch the disks on (see stage1.ts virtioRunLines). */
export function diskParams(disks: RunDisks): string[] {
  return [disks.image && 'distrokit.image=1', disks.in && 'distrokit.in=1', disks.out && 'distrokit.out=1'].filter((p): p is string => !!p);
}

function diskArgs(disks: RunDisks): string[] {
  const drives: Array<[id: keyof typeof VIRTIO_DISK_SERIALS, file: string, flags: string]> = [];
  if (disks.image) drives.push(['root', disks.image.path, disks.image.write ? '' : ',snapshot=on']);
  if (disks.in) drives.push(['in', disks.in, ',readonly=on']);
  if (disks.out) drives.push(['out', disks.out, '']);
  return drives.flatMap(([id, file, flags]) => [
    '-drive', `if=none,id=${id},file=${qemuOptionValue(file)},format=raw${flags}`,
    '-device', `virtio-blk-pci,drive=${id},serial=${VIRTIO_DISK_SERIALS[id]}`,
  ]);
}

/**
 * The arguments of one run. `files` null is the interactive form (run-vm):
 * console, QEMU's monitor (Ctrl-A c) and a virtio console for the shell on
 * stdio, ports discarded.
 */
export function runQemuArgs(
  kernel: string,
  initrd: string,
  files: RunFiles | null,
  options: MachineOptions,
  accel: 'kvm' | 'tcg',
  disks: RunDisks = {},
): string[] {
  const append = [
    'console=ttyS0', 'panic=-1', 'quiet', 'loglevel=4', accel === 'tcg' ? tcgCalibrationParams() : '',
    ...GUEST_KERNEL_PARAMS, ...diskParams(disks), files ? '' : 'distrokit.interactive=1',
  ].filter(Boolean).join(' ');
  const args = [
    '-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot',
    '-machine', 'q35', '-accel', accel, '-cpu', accel === 'kvm' ? 'host' : 'max',
    ...firmwareArgs(accel, options.qemu),
    '-m', String(options.memoryMiB ?? 512), '-smp', String(options.cpus ?? 1),
    '-kernel', kernel, '-initrd', initrd, '-append', append,
    ...(files
      ? ['-serial', `file:${files.console}`, '-device', 'virtio-serial-pci,id=vs']
      : // One stdio for the console (ttyS0), the monitor and a virtio console for the shell, which has
        // the input (the last front end attached); signal=off lets Ctrl-C reach the guest.
        ['-chardev', 'stdio,id=con,mux=on,signal=off', '-serial', 'chardev:con', '-mon', 'chardev=con',
          '-device', 'virtio-serial-pci,id=vs', '-device', 'virtconsole,bus=vs.0,chardev=con']),
  ];
  for (const [key, name] of Object.entries(VIRTIO_PORT_NAMES)) {
    const chardev = files ? `file,id=${key},path=${qemuOptionValue(files[key as keyof RunFiles])}` : `null,id=${key}`;
    args.push('-chardev', chardev, '-device', `virtserialport,bus=vs.0,chardev=${key},name=${name}`);
  }
  return [...args, ...diskArgs(disks)];
}

/**
 * Boot settings that make the stage-1 guest start its command sooner, each
 * measured under TCG (bench/vm-boot.ts, bench/RESULTS.md "VM boot").
 */
import { existsSync, realpathSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';

/**
 * Kernel parameters for the throw-away guest:
 * - cryptomgr.notests=1: the kernel self-tests every crypto algorithm it
 *   registers before /init runs. Under TCG that is half of the guest's
 *   instructions up to /init (with -icount: /init at 1.70 s without, 0.86 s with).
 */
export const GUEST_KERNEL_PARAMS: readonly string[] = ['cryptomgr.notests=1'];

function onPath(command: string): string | undefined {
  if (command.includes('/')) return command;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, command);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/**
 * qboot, QEMU's minimal x86 firmware, instead of SeaBIOS: it goes straight to
 * the -kernel (bzImage or PVH) without a BIOS POST, which saves about 0.2 s
 * of emulated firmware per boot under TCG. Looked up in QEMU's data
 * directory (Debian's qemu-system-data ships /usr/share/qemu/qboot.rom);
 * without it QEMU's default firmware is used.
 */
export function qbootPath(qemu = 'qemu-system-x86_64', systemDirs: readonly string[] = ['/usr/share/qemu', '/usr/local/share/qemu']): string | undefined {
  const dirs = [...systemDirs];
  const binary = onPath(qemu);
  if (binary) {
    try {
      dirs.unshift(join(dirname(dirname(realpathSync(binary))), 'share', 'qemu'));
    } catch {
      // a dangling link: the default directories only
    }
  }
  return dirs.map((d) => join(d, 'qboot.rom')).find((f) => existsSync(f));
}

/**
 * QEMU firmware arguments for a stage-1 boot: qboot under TCG when QEMU has
 * it (under KVM the default firmware is kept: qboot was only measured, and
 * only matters, under TCG).
 */
export function firmwareArgs(accel: 'kvm' | 'tcg', qemu?: string): string[] {
  if (accel !== 'tcg') return [];
  const qboot = qbootPath(qemu);
  return qboot ? ['-bios', qboot] : [];
}

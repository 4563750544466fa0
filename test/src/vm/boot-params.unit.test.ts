/** The boot settings the runner adds: kernel parameters on every line, qboot under TCG when QEMU has it. */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { firmwareArgs, GUEST_KERNEL_PARAMS, qbootPath } from '../../../src/vm/boot-params.js';
import { runQemuArgs } from '../../../src/vm/run.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A QEMU installed under a prefix: PREFIX/bin/qemu-system-x86_64, with or without PREFIX/share/qemu/qboot.rom. */
function prefix(withQboot: boolean): { qemu: string; rom: string } {
  const root = mkdtempSync(join(tmpdir(), 'distrokit-qemuprefix-'));
  dirs.push(root);
  mkdirSync(join(root, 'bin'));
  mkdirSync(join(root, 'share/qemu'), { recursive: true });
  const qemu = join(root, 'bin/qemu-system-x86_64');
  writeFileSync(qemu, '#!/bin/sh\n');
  chmodSync(qemu, 0o755);
  const rom = join(root, 'share/qemu/qboot.rom');
  if (withQboot) writeFileSync(rom, 'rom');
  return { qemu, rom };
}

describe('boot parameters', () => {
  it('the guest kernel parameters are on the command line under TCG and KVM', () => {
    const files = { console: 'c', stdout: 'o', stderr: 'e', status: 's' };
    for (const accel of ['tcg', 'kvm'] as const) {
      const args = runQemuArgs('k', 'i', files, {}, accel);
      const line = args[args.indexOf('-append') + 1]!.split(' ');
      expect(line).toEqual(expect.arrayContaining(['cryptomgr.notests=1', ...GUEST_KERNEL_PARAMS]));
    }
  });

  it("qboot comes from the QEMU binary's own share/qemu first, then the system directories; none → no -bios", () => {
    const own = prefix(true);
    expect(qbootPath(own.qemu, [])).toBe(own.rom);
    const bare = prefix(false);
    expect(qbootPath(bare.qemu, [])).toBeUndefined();
    expect(qbootPath(bare.qemu, [join(own.rom, '..')])).toBe(own.rom);
    // Through a symlink (as /usr/bin/qemu-… → a prefix), the prefix of the real file counts.
    const link = join(dirs[1]!, 'bin/linked-qemu');
    symlinkSync(own.qemu, link);
    expect(qbootPath(link, [])).toBe(own.rom);
  });

  it('firmware: -bios qboot under TCG only, and in the QEMU arguments', () => {
    const { qemu, rom } = prefix(true);
    const qboot = qbootPath(qemu);
    expect(qboot).toBe(rom);
    expect(firmwareArgs('tcg', qemu)).toEqual(['-bios', rom]);
    expect(firmwareArgs('kvm', qemu)).toEqual([]);
    const args = runQemuArgs('k', 'i', { console: 'c', stdout: 'o', stderr: 'e', status: 's' }, { qemu }, 'tcg');
    expect(args.slice(args.indexOf('-bios'), args.indexOf('-bios') + 2)).toEqual(['-bios', rom]);
  });
});

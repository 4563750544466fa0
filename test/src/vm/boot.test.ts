import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildInitrd, computeModuleClosure, stage1Tree, treeFromSpec } from '../../../src/initrd/index.js';
import { qemuArgs, runVm } from '../../../src/vm/index.js';
import { treeFromDirectory, writeExt4 } from '../../../src/image/index.js';
import { expectE2fsckClean } from '../image/oracle.js';
import { initrdCache } from '../../helpers/cache.js';
import { tempDir, toBuffer } from '../initrd/helpers.js';

let work: string;
let marker: string;
beforeAll(() => {
  work = tempDir('boot');
  marker = join(work, 'marker');
  writeFileSync(marker, 'early archive\n');
});

function cloudKernel(): string {
  const boot = join(initrdCache.cloudRoot, 'boot');
  return join(boot, readdirSync(boot).find((f) => f.startsWith('vmlinuz'))!);
}
afterAll(() => rmSync(work, { recursive: true, force: true }));

function busybox() {
  const path = join(initrdCache.busyboxRoot, 'bin/busybox');
  const { size } = statSync(path);
  return { size, content: { kind: 'range' as const, path, offset: 0, length: size } };
}

describe('stage-1 initrd boots the Debian cloud kernel under QEMU', () => {
  it('loads virtio modules, mounts the virtio disk, runs the command; the host reads output and exit status', async () => {
    // The disk is written by distrokit's own ext4 writer: the kernel under QEMU mounts it.
    const content = join(work, 'disk-content');
    mkdirSync(content);
    writeFileSync(join(content, 'data.txt'), 'hello from the disk\n');
    const disk = join(work, 'disk.img');
    await writeExt4(await treeFromDirectory(content), disk, { extraPercent: 50 });

    const closure = await computeModuleClosure(initrdCache.cloudRoot, ['virtio_pci', 'virtio_blk']);
    expect(closure.modules.map((m) => m.name)).toContain('virtio_blk');
    const tree = await stage1Tree({
      busybox: busybox(),
      closure,
      root: '/dev/vda',
      fstype: 'ext4',
      rootflags: 'ro',
      command: 'cat /mnt/data.txt; echo "kernel $(uname -r)"; grep -c "^virtio_blk " /proc/modules; exit 7',
    });
    const initrd = join(work, 'initrd.img');
    writeFileSync(initrd, await toBuffer(buildInitrd(tree)));
    const result = await runVm({ kernel: cloudKernel(), initrd, disks: [{ path: disk, readonly: true }], timeoutMs: 240_000 });
    const version = readdirSync(join(initrdCache.cloudRoot, 'lib/modules'))[0]!;
    expect(result.output.toString()).toBe(`hello from the disk\nkernel ${version}\n1\n`);
    expect(result.exitStatus).toBe(7);
    expect(result.console).toMatch(/insmod \/lib\/modules\/.*virtio_blk\.ko/);
    expect(result.console).toMatch(/reboot: Power down/);
  }, 300_000);

  it.each(['lz4', 'zstd', 'xz'] as const)('the kernel unpacks a %s initrd after a prepended uncompressed archive (tmpfs root)', async (compression) => {
    const closure = await computeModuleClosure(initrdCache.cloudRoot, ['virtio_pci']);
    const tree = await stage1Tree({ busybox: busybox(), closure, command: 'cat /early/marker; ls /mnt; exit 0' });
    const early = await toBuffer(buildInitrd(await treeFromSpec(`dir /early 755 0 0\nfile /early/marker ${marker} 644 0 0\n`), { compression: 'none' }));
    const initrd = join(work, `initrd.${compression}`);
    writeFileSync(initrd, await toBuffer(buildInitrd(tree, { compression, prepend: [early] })));
    const result = await runVm({ kernel: cloudKernel(), initrd, timeoutMs: 240_000 });
    expect(result.output.toString()).toBe('early archive\n');
    expect(result.exitStatus).toBe(0);
  }, 300_000);

  it('takes root, flags and chroot from the kernel command line and runs the command inside the disk', async () => {
    const content = join(work, 'chroot-content');
    mkdirSync(join(content, 'bin'), { recursive: true });
    execFileSync('cp', [join(initrdCache.busyboxRoot, 'bin/busybox'), join(content, 'bin/busybox')]);
    for (const applet of ['sh', 'cat', 'ls']) execFileSync('ln', ['-s', 'busybox', join(content, 'bin', applet)]);
    writeFileSync(join(content, 'marker'), 'on the disk\n');
    writeFileSync(join(content, 'deleted'), 'to be deleted\n');
    const disk = join(work, 'chroot.img');
    await writeExt4(await treeFromDirectory(content), disk, { extraInodes: 400, extraBlocks: 2048 });
    const closure = await computeModuleClosure(initrdCache.cloudRoot, ['virtio_pci', 'virtio_blk']);
    // No root in the generated init: everything about the disk comes from the command line.
    // The guest also writes to our image read-write: a new file, a deleted one, a directory of 300 files.
    const command = 'cat /marker; ls /proc/1/exe >/dev/null && echo proc; echo new > /written; rm /deleted; mkdir /many; i=0; while [ $i -lt 300 ]; do echo $i > /many/f$i; i=$((i+1)); done; exit 3';
    const tree = await stage1Tree({ busybox: busybox(), closure, command });
    const initrd = join(work, 'initrd-chroot.img');
    writeFileSync(initrd, await toBuffer(buildInitrd(tree)));
    const result = await runVm({
      kernel: cloudKernel(),
      initrd,
      append: 'distrokit.root=/dev/vda distrokit.fstype=ext4 distrokit.rootflags=rw distrokit.chroot=1',
      disks: [{ path: disk }],
      timeoutMs: 240_000,
    });
    expect(result.output.toString()).toBe('on the disk\nproc\n');
    expect(result.exitStatus).toBe(3);
    // After the kernel wrote to it, our image is still e2fsck-clean, with the guest's changes in it.
    expectE2fsckClean(disk);
    const ls = execFileSync('debugfs', ['-R', 'ls -l /', disk], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(ls).toMatch(/ written\n/);
    expect(ls).not.toMatch(/ deleted\n/);
    expect(execFileSync('debugfs', ['-R', 'cat /many/f299', disk], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })).toBe('299\n');
  }, 300_000);

  it('a guest that never reports a status is an error, not a success', async () => {
    const initrd = join(work, 'no-init.img');
    writeFileSync(initrd, await toBuffer(buildInitrd(await treeFromSpec('dir /empty 755 0 0\n'))));
    await expect(runVm({ kernel: cloudKernel(), initrd, timeoutMs: 240_000 })).rejects.toMatchObject({ code: 'VM_NO_EXIT_STATUS' });
  }, 300_000);

  it('a stage-1 failure (root device never appears) is reported as such with the console tail', async () => {
    const closure = await computeModuleClosure(initrdCache.cloudRoot, ['virtio_pci']);
    const initrd = join(work, 'initrd-noroot.img');
    writeFileSync(initrd, await toBuffer(buildInitrd(await stage1Tree({ busybox: busybox(), closure, command: 'exit 0' }))));
    const run = runVm({ kernel: cloudKernel(), initrd, append: 'distrokit.root=/dev/vdz distrokit.timeout=1', timeoutMs: 240_000 });
    await expect(run).rejects.toMatchObject({ code: 'VM_STAGE1_FAILED' });
    await expect(run).rejects.toThrow(/\/dev\/vdz did not appear/);
  }, 300_000);

  it('uses TCG when KVM is not usable and builds the serial/disk arguments', () => {
    const args = qemuArgs({ kernel: 'k', initrd: 'i', accel: 'tcg', disks: [{ path: 'd.img', readonly: true }] }, { console: 'c', output: 'o', status: 's' });
    expect(args.join(' ')).toContain('-accel tcg -cpu max');
    expect(args.join(' ')).toContain('-serial file:c -serial file:o -serial file:s');
    expect(args.join(' ')).toContain('file=d.img,format=raw,if=virtio,readonly=on');
  });
});

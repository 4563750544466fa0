import { describe, expect, it } from 'vitest';
import { stage1Script } from '../../../src/initrd/stage1.js';
import { commandLine } from '../../../src/vm/guest.js';
import { classifyFailure, type QemuEnd, runQemuArgs, tcgCalibrationParams } from '../../../src/vm/run.js';

describe('vm run arguments', () => {
  it('quotes argv word by word, so the guest shell runs exactly these words', () => {
    expect(commandLine(['sh', '-c', "echo 'hi'; exit 3"])).toBe(`'sh' '-c' 'echo '\\''hi'\\''; exit 3'`);
    expect(commandLine(['echo', '$HOME', 'a b'])).toBe(`'echo' '$HOME' 'a b'`);
  });

  it('puts --workdir and --env before the command, quoted; a bad name is VM_BAD_ENV', () => {
    const env = [['A', "it's x"], ['B_2', 'l1\nl2']] as const;
    expect(commandLine(['env'], { env, workdir: '/a b' })).toBe(`cd '/a b' || exit 2\nexport 'A=it'\\''s x'\nexport 'B_2=l1\nl2'\n'env'`);
    expect(() => commandLine(['true'], { env: [['1A', 'x']] })).toThrow(expect.objectContaining({ code: 'VM_BAD_ENV' }));
  });

  it('derives the TSC and delay-loop calibration from the host cpu MHz (HZ=250)', () => {
    expect(tcgCalibrationParams('processor\t: 0\ncpu MHz\t\t: 2095.999\n')).toBe('tsc_early_khz=2095999 lpj=8383996');
    expect(tcgCalibrationParams('processor\t: 0\n')).toBe('');
  });

  it('uses named virtio-serial ports for stdout, stderr and status, and ttyS0 for the console', () => {
    const files = { console: 'c', stdout: 'o', stderr: 'e', status: 's' };
    const args = runQemuArgs('k', 'i', files, {}, 'tcg').join(' ');
    expect(args).toContain('-serial file:c -device virtio-serial-pci,id=vs');
    expect(args).toContain('-chardev file,id=stdout,path=o -device virtserialport,bus=vs.0,chardev=stdout,name=distrokit.stdout');
    expect(args).toContain('-chardev file,id=stderr,path=e -device virtserialport,bus=vs.0,chardev=stderr,name=distrokit.stderr');
    expect(args).toContain('-chardev file,id=status,path=s -device virtserialport,bus=vs.0,chardev=status,name=distrokit.status');
    expect(args).toContain('-accel tcg');
    expect(runQemuArgs('k', 'i', files, {}, 'kvm').join(' ')).not.toContain('tsc_early_khz');
  });
});

describe('vm run disks', () => {
  const files = { console: 'c', stdout: 'o', stderr: 'e', status: 's' };

  it('attaches each disk with its serial: the image copy-on-write unless written, /in read-only; the stage-1 keys say which there are', () => {
    const args = runQemuArgs('k', 'i', files, {}, 'kvm', { image: { path: '/a,b.img', write: false }, in: 'in.img', out: 'out.img' });
    const text = args.join(' ');
    expect(text).toContain('-drive if=none,id=root,file=/a,,b.img,format=raw,snapshot=on -device virtio-blk-pci,drive=root,serial=distrokit-root');
    expect(text).toContain('-drive if=none,id=in,file=in.img,format=raw,readonly=on -device virtio-blk-pci,drive=in,serial=distrokit-in');
    expect(text).toContain('-drive if=none,id=out,file=out.img,format=raw -device virtio-blk-pci,drive=out,serial=distrokit-out');
    expect(args[args.indexOf('-append') + 1]).toMatch(/ distrokit\.image=1 distrokit\.in=1 distrokit\.out=1$/);
    const written = runQemuArgs('k', 'i', files, {}, 'kvm', { image: { path: 'r.img', write: true } }).join(' ');
    expect(written).toContain('-drive if=none,id=root,file=r.img,format=raw -device');
    expect(written).not.toContain('serial=distrokit-in');
    expect(runQemuArgs('k', 'i', files, {}, 'kvm').join(' ')).not.toMatch(/-drive|distrokit\.(image|in|out)/);
  });

  it('the interactive form (run-vm) has console, monitor and a virtio console on stdio, and discards the ports', () => {
    const args = runQemuArgs('k', 'i', null, {}, 'kvm', { in: 'in.img' });
    const text = args.join(' ');
    expect(args[args.indexOf('-append') + 1]).toMatch(/ distrokit\.in=1 distrokit\.interactive=1$/);
    expect(text).toContain('-chardev stdio,id=con,mux=on,signal=off -serial chardev:con -mon chardev=con');
    expect(text).toContain('-device virtio-serial-pci,id=vs -device virtconsole,bus=vs.0,chardev=con');
    expect(text).toContain('-chardev null,id=stdout -device virtserialport,bus=vs.0,chardev=stdout,name=distrokit.stdout');
    expect(text).not.toContain('file:');
  });

  it('stage 1 of runInVm finds its disks by serial and the ports by name, and reads the disk keys from the kernel command line', () => {
    const script = stage1Script({ transport: 'virtio-ports' });
    for (const key of ['distrokit.image=*) image=', 'distrokit.in=*) want_in=', 'distrokit.out=*) want_out=', 'distrokit.interactive=*) interactive=']) expect(script).toContain(key);
    expect(script).toContain('find_disk distrokit-root');
    expect(script).toContain('find_disk distrokit-in');
    expect(script).toContain('find_disk distrokit-out');
    expect(script).toContain('tar -cf "$outdev" -C "$top/out" .');
    // The serial transport has none of it.
    expect(stage1Script()).not.toContain('find_disk');
  });
});

describe('how a run without a status is classified', () => {
  const end = (reason: QemuEnd['reason'], code: number | null = 0): QemuEnd => ({ code, stderr: '', reason });
  const classify = (e: QemuEnd, console: string) => classifyFailure(e, console, 'k.deb', 5000);

  it('by how QEMU ended first: timeout and interrupt win over what the console says', () => {
    expect(classify(end('timeout', null), 'Kernel panic - not syncing: x\n')).toMatchObject({ code: 'VM_TIMEOUT', data: { file: 'k.deb' } });
    expect(classify(end('timeout', null), 'line\n').message).toMatch(/within 5 s; console tail:\nline$/);
    expect(classify(end('aborted', null), 'stage1: running /distrokit/command\n').code).toBe('VM_INTERRUPTED');
  });

  it('then by the console: panic, stage-1 failure, no stage 1 at all, or stage 1 without a status', () => {
    expect(classify(end('exited'), '[ 1.0] Kernel panic - not syncing: sysrq triggered crash\n[ 1.1] trace\n').message).toMatch(/\(Kernel panic - not syncing: sysrq triggered crash\)/);
    expect(classify(end('exited'), 'stage1: insmod a.ko\nstage1: FAILED: insmod a.ko failed\n')).toMatchObject({ code: 'VM_STAGE1_FAILED' });
    expect(classify(end('exited'), '[ 0.5] Linux version 6.1\n').code).toBe('VM_NO_STAGE1');
    expect(classify(end('exited'), 'stage1: running /distrokit/command\n').code).toBe('VM_NO_EXIT_STATUS');
    expect(classify(end('exited', 1), 'stage1: running /distrokit/command\n').code).toBe('VM_QEMU_FAILED');
  });
});

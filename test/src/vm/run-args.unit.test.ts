import { describe, expect, it } from 'vitest';
import { commandLine } from '../../../src/vm/guest.js';
import { runQemuArgs, tcgCalibrationParams } from '../../../src/vm/run.js';

describe('vm run arguments', () => {
  it('quotes argv word by word, so the guest shell runs exactly these words', () => {
    expect(commandLine(['sh', '-c', "echo 'hi'; exit 3"])).toBe(`'sh' '-c' 'echo '\\''hi'\\''; exit 3'`);
    expect(commandLine(['echo', '$HOME', 'a b'])).toBe(`'echo' '$HOME' 'a b'`);
  });

  it('derives the TSC and delay-loop calibration from the host cpu MHz (HZ=250)', () => {
    expect(tcgCalibrationParams('processor\t: 0\ncpu MHz\t\t: 2095.999\n')).toBe('tsc_early_khz=2095999 lpj=8383996');
    expect(tcgCalibrationParams('processor\t: 0\n')).toBe('');
  });

  it('uses named virtio-serial ports for stdout, stderr and status, and ttyS0 for the console', () => {
    const files = { console: 'c', stdout: 'o', stderr: 'e', status: 's' };
    const args = runQemuArgs('k', 'i', files, { command: ['true'] }, 'tcg').join(' ');
    expect(args).toContain('-serial file:c -device virtio-serial-pci,id=vs');
    expect(args).toContain('-chardev file,id=stdout,path=o -device virtserialport,bus=vs.0,chardev=stdout,name=distrokit.stdout');
    expect(args).toContain('-chardev file,id=stderr,path=e -device virtserialport,bus=vs.0,chardev=stderr,name=distrokit.stderr');
    expect(args).toContain('-chardev file,id=status,path=s -device virtserialport,bus=vs.0,chardev=status,name=distrokit.status');
    expect(args).toContain('-accel tcg');
    expect(runQemuArgs('k', 'i', files, { command: ['true'] }, 'kvm').join(' ')).not.toContain('tsc_early_khz');
  });
});

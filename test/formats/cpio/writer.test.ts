import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { collectBytes } from '../../../formats/bytes.js';
import { type CpioEntry, cpioChecksum, writeCpio } from '../../../formats/cpio/writer.js';

const file = (name: string, data: string | Uint8Array, extra: Partial<CpioEntry> = {}): CpioEntry => {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  return { name, mode: 0o100644, ino: 1, uid: 0, gid: 0, nlink: 1, mtime: 1, size: bytes.length, data: bytes, ...extra };
};

async function archive(entries: CpioEntry[], options = {}): Promise<Buffer> {
  return Buffer.from(await collectBytes(writeCpio(entries, options)));
}

describe('cpio newc/crc writer', () => {
  it('pads header+name and data to 4 bytes and the archive to 512', async () => {
    const out = await archive([file('abc', 'hello')]);
    expect(out.length).toBe(512);
    expect(out.subarray(0, 6).toString()).toBe('070701');
    // 110-byte header + "abc\0" = 114 → padded to 116; data 5 → padded to 8.
    expect(out.subarray(110, 114).toString('latin1')).toBe('abc\0');
    expect(out.subarray(116, 121).toString()).toBe('hello');
    expect(out.subarray(124, 130).toString()).toBe('070701');
    expect(out.subarray(124 + 110, 124 + 120).toString()).toBe('TRAILER!!!');
  });

  it('writes the crc format with the byte-sum checksum that GNU cpio verifies', async () => {
    const data = new Uint8Array(1000).map((_, i) => (i * 7) & 0xff);
    const out = await archive([file('f', data)], { format: 'crc' });
    expect(out.subarray(0, 6).toString()).toBe('070702');
    expect(parseInt(out.subarray(6 + 12 * 8, 6 + 13 * 8).toString(), 16)).toBe(cpioChecksum(data));
    // GNU cpio verifies the checksum while reading; a wrong sum makes it complain.
    const verify = (input: Buffer) => spawnSync('cpio', ['-it', '--only-verify-crc'], { input });
    const good = verify(out);
    expect(good.stdout.toString()).toBe('f\n');
    expect(good.stderr.toString()).not.toMatch(/checksum error/);
    const bad = Buffer.from(out);
    bad[6 + 12 * 8 + 7] = bad[6 + 12 * 8 + 7] === 0x30 ? 0x31 : 0x30;
    expect(verify(bad).stderr.toString()).toMatch(/checksum error/);
  });

  it('aligns data like gen_init_cpio -a by padding the name with NULs', async () => {
    const big = new Uint8Array(10_000).fill(1);
    const out = await archive([file('small', 'x'), file('big', big)], { alignData: 4096 });
    const start = out.indexOf('big\0');
    const nameSize = parseInt(out.subarray(start - 110 + 6 + 11 * 8, start - 110 + 6 + 12 * 8).toString(), 16);
    const dataStart = start + nameSize;
    expect(dataStart % 4096).toBe(0);
    expect(out.subarray(dataStart, dataStart + 10_000).every((b) => b === 1)).toBe(true);
    // GNU cpio still lists the padded name correctly.
    expect(execFileSync('cpio', ['-it', '--quiet'], { input: out }).toString()).toBe('small\nbig\n');
  });

  it('rejects files of 4 GiB and more, NUL in names, and lying sizes', async () => {
    await expect(archive([file('huge', '', { size: 2 ** 32 })])).rejects.toMatchObject({ code: 'CPIO_FILE_TOO_LARGE', data: { entry: 'huge' } });
    await expect(archive([file('a\0b', 'x')])).rejects.toMatchObject({ code: 'CPIO_BAD_NAME' });
    await expect(archive([file('short', 'abc', { size: 4 })])).rejects.toMatchObject({ code: 'CPIO_SIZE_MISMATCH' });
    await expect(archive([file('long', 'abcde', { size: 4 })])).rejects.toMatchObject({ code: 'CPIO_SIZE_MISMATCH' });
    await expect(archive([file('TRAILER!!!', 'x')])).rejects.toMatchObject({ code: 'CPIO_BAD_NAME' });
    await expect(archive([file('t', 'x', { mtime: -5 })])).rejects.toMatchObject({ code: 'CPIO_FIELD_OVERFLOW' });
  });
});

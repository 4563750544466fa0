import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chunked } from '../../../formats/bytes.js';
import { elfInputFromBytes, elfInputFromSource, readDynamicInfo, readModinfo, readElfHeader, readSectionHeaders } from '../../../formats/elf/index.js';
import { initrdCache } from '../../helpers/cache.js';

/** readelf's view of the dynamic section: tag name → values. */
function readelfDynamic(path: string): { needed: string[]; runpath: string[]; rpath: string[]; soname?: string; interp?: string } {
  const d = execFileSync('readelf', ['-dW', path]).toString();
  const pick = (tag: string) => [...d.matchAll(new RegExp(`\\(${tag}\\)\\s+\\S+[^\\[]*\\[([^\\]]*)\\]`, 'g'))].map((m) => m[1]!);
  const l = execFileSync('readelf', ['-lW', path]).toString();
  const interp = /Requesting program interpreter: ([^\]]+)\]/.exec(l)?.[1];
  return { needed: pick('NEEDED'), runpath: pick('RUNPATH').flatMap((s) => s.split(':')), rpath: pick('RPATH').flatMap((s) => s.split(':')), soname: pick('SONAME')[0], interp };
}

const HOST_BINARIES = ['/bin/ls', '/usr/bin/node', '/lib/x86_64-linux-gnu/libc.so.6', '/usr/bin/cpio'].filter((p) => {
  try {
    readFileSync(p, { flag: 'r' }).subarray(0, 4);
    return true;
  } catch {
    return false;
  }
});

describe('ELF dynamic info vs readelf', () => {
  it.each(HOST_BINARIES)('%s: interpreter, NEEDED, RUNPATH/RPATH, SONAME match readelf', async (path) => {
    const info = await readDynamicInfo(elfInputFromBytes(readFileSync(path), path));
    const expected = readelfDynamic(path);
    expect(info.needed).toEqual(expected.needed);
    expect(info.runpath).toEqual(expected.runpath);
    expect(info.rpath).toEqual(expected.rpath);
    expect(info.soname).toEqual(expected.soname);
    expect(info.interpreter).toEqual(expected.interp);
  });

  it('reads the same through whole-buffer, 64 KiB-chunk and 1-byte-chunk input', async () => {
    const bytes = readFileSync('/bin/ls');
    const whole = await readDynamicInfo(elfInputFromBytes(bytes));
    const k64 = await readDynamicInfo(await elfInputFromSource(chunked(bytes, 65536)));
    const one = await readDynamicInfo(await elfInputFromSource(chunked(bytes, 1)));
    expect(k64).toEqual(whole);
    expect(one).toEqual(whole);
  });

  it('reads 32-bit and big-endian headers (section names vs readelf)', async () => {
    // A tiny hand-made ELF32 big-endian file with a section name table, built in-test.
    const shstr = Buffer.from('\0.shstrtab\0.text\0');
    const ehsize = 52;
    const shoff = ehsize + shstr.length + ((4 - (shstr.length % 4)) % 4);
    const buf = Buffer.alloc(shoff + 3 * 40);
    buf.set([0x7f, 0x45, 0x4c, 0x46, 1, 2, 1], 0);
    buf.writeUInt16BE(2, 16); // ET_EXEC
    buf.writeUInt16BE(8, 18); // MIPS
    buf.writeUInt32BE(1, 20);
    buf.writeUInt32BE(shoff, 32);
    buf.writeUInt16BE(ehsize, 40);
    buf.writeUInt16BE(40, 46);
    buf.writeUInt16BE(3, 48);
    buf.writeUInt16BE(1, 50);
    shstr.copy(buf, ehsize);
    const sh = (i: number, name: number, type: number, off: number, size: number) => {
      buf.writeUInt32BE(name, shoff + i * 40);
      buf.writeUInt32BE(type, shoff + i * 40 + 4);
      buf.writeUInt32BE(off, shoff + i * 40 + 16);
      buf.writeUInt32BE(size, shoff + i * 40 + 20);
    };
    sh(1, 1, 3, ehsize, shstr.length);
    sh(2, 11, 1, ehsize, 0);
    const input = elfInputFromBytes(buf, 'be32');
    const header = await readElfHeader(input);
    expect(header).toMatchObject({ class: 32, littleEndian: false, machine: 8, shnum: 3 });
    const names = (await readSectionHeaders(input, header)).map((s) => s.name);
    expect(names).toEqual(['', '.shstrtab', '.text']);
    const tmp = join(initrdCache.dir, 'be32.elf');
    (await import('node:fs')).writeFileSync(tmp, buf);
    expect(execFileSync('readelf', ['-SW', tmp]).toString()).toMatch(/\.shstrtab[\s\S]*\.text/);
  });

  it('rejects non-ELF and truncated input with typed errors and offsets', async () => {
    await expect(readElfHeader(elfInputFromBytes(Buffer.from('not an elf file at all'), 'x'))).rejects.toMatchObject({ code: 'ELF_BAD_MAGIC', data: { file: 'x', offset: 0 } });
    const ls = readFileSync('/bin/ls');
    await expect(readDynamicInfo(elfInputFromBytes(ls.subarray(0, 100), 'cut'))).rejects.toMatchObject({ code: 'ELF_TRUNCATED', data: { file: 'cut' } });
    await expect(readElfHeader(elfInputFromBytes(ls.subarray(0, 10), 'tiny'))).rejects.toMatchObject({ code: 'ELF_TRUNCATED' });
    const bad = Buffer.from(ls);
    bad[4] = 7;
    await expect(readElfHeader(elfInputFromBytes(bad))).rejects.toMatchObject({ code: 'ELF_BAD_HEADER', data: { offset: 4 } });
  });
});

describe('kernel module .modinfo vs modinfo(8)', () => {
  it.each(['kernel/drivers/net/virtio_net.ko', 'kernel/fs/ext4/ext4.ko', 'kernel/drivers/block/virtio_blk.ko'])('%s', async (rel) => {
    const path = join(initrdCache.fullRoot, 'lib/modules', readFileSync(join(initrdCache.dir, 'full.version'), 'utf8').trim(), rel);
    const bytes = readFileSync(path);
    const info = await readModinfo(elfInputFromBytes(bytes, path));
    const field = (f: string) => execFileSync('modinfo', ['-F', f, path]).toString().split('\n').filter(Boolean);
    expect(info.depends).toEqual(field('depends').flatMap((d) => d.split(',')).filter(Boolean));
    expect(info.aliases).toEqual(field('alias'));
    expect(info.firmware).toEqual(field('firmware'));
    expect(info.name).toBe(field('name')[0]);
    expect(info.vermagic).toBe(field('vermagic')[0]);
    const softdep = field('softdep').join(' ');
    expect([...info.softdepPre.map((s) => `pre: ${s}`), ...info.softdepPost.map((s) => `post: ${s}`)].join(' ')).toBe(softdep);
    // 1-byte chunks only for the small module: collecting a megabyte byte by byte proves nothing more.
    const chunk = bytes.length < 100_000 ? 1 : 65536;
    expect(await readModinfo(await elfInputFromSource(chunked(bytes, chunk)))).toEqual(info);
  });
  it('a non-module ELF has no .modinfo', async () => {
    await expect(readModinfo(elfInputFromBytes(readFileSync('/bin/ls'), '/bin/ls'))).rejects.toMatchObject({ code: 'ELF_NO_MODINFO', data: { file: '/bin/ls' } });
  });
});

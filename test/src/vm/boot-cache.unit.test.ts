/**
 * The boot cache without a VM: keys from the inputs and the generated stage-1
 * layout, one build per key (also when two runs miss at once), no partial
 * entries, pruning; the per-run initrd (run archive first, then the base
 * byte for byte); the PVH note check on synthetic ELFs.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { collectBytes } from '../../../formats/bytes.js';
import { readCpio } from '../../../formats/cpio/index.js';
import { stage1Script } from '../../../src/initrd/stage1.js';
import { bootCacheKey, bootEntry, lookupBootEntry, pruneBootCache, type BootMeta } from '../../../src/vm/boot-cache.js';
import { baseLayoutHash, stage1LayoutHash } from '../../../src/vm/guest.js';
import { bzImagePayload, hasPvhEntry } from '../../../src/vm/pvh-kernel.js';
import { runFiles, writeRunInitrd } from '../../../src/vm/run-initrd.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function temp(): string {
  const d = mkdtempSync(join(tmpdir(), 'distrokit-bootcache-'));
  dirs.push(d);
  return d;
}

const META: BootMeta = { kernelRelease: '6.1.0-test', kernel: 'vmlinux', initrd: 'initrd', kernelFormat: 'pvh' };

/** A build that writes two small files and counts its calls. */
function counting(): { build: (dir: string) => Promise<BootMeta>; calls: number } {
  const state = {
    calls: 0,
    build: async (dir: string) => {
      state.calls++;
      await writeFile(join(dir, 'vmlinux'), 'kernel');
      // Let a concurrent build interleave with this one.
      await new Promise((r) => setTimeout(r, 20));
      await writeFile(join(dir, 'initrd'), 'initrd');
      return META;
    },
  };
  return state;
}

describe('boot cache keys', () => {
  it('depend on every input and not on the order of the fields', () => {
    const a = bootCacheKey({ kernelDeb: 'k1', busyboxDeb: 'b1', layout: 'l1' });
    expect(bootCacheKey({ layout: 'l1', busyboxDeb: 'b1', kernelDeb: 'k1' })).toBe(a);
    expect(bootCacheKey({ kernelDeb: 'k2', busyboxDeb: 'b1', layout: 'l1' })).not.toBe(a);
    expect(bootCacheKey({ kernelDeb: 'k1', busyboxDeb: 'b2', layout: 'l1' })).not.toBe(a);
    expect(bootCacheKey({ kernelDeb: 'k1', busyboxDeb: 'b1', layout: 'l2' })).not.toBe(a);
    expect(a).toMatch(/^[0-9a-f]{32}$/);
  });

  it('the layout hash follows the generated stage-1 script: one character of /init changes it', async () => {
    const base = await stage1LayoutHash({ transport: 'virtio-ports' });
    expect(await stage1LayoutHash({ transport: 'virtio-ports' })).toBe(base);
    // deviceTimeout only changes the line "timeout=30" of the script.
    expect(stage1Script({ transport: 'virtio-ports', deviceTimeout: 31 })).not.toBe(stage1Script({ transport: 'virtio-ports' }));
    expect(await stage1LayoutHash({ transport: 'virtio-ports', deviceTimeout: 31 })).not.toBe(base);
    expect(await stage1LayoutHash({ transport: 'serial' })).not.toBe(base);
    // The command is per run: it is not part of the layout.
    expect(await baseLayoutHash({ command: ['true'] })).toBe(await baseLayoutHash({ command: ['echo', 'other'], env: [['A', 'b']], workdir: '/tmp' }));
    expect(await baseLayoutHash({ command: ['true'] })).toBe(base);
  });

  it('the layout hash follows SOURCE_DATE_EPOCH (the archive times)', async () => {
    const before = process.env.SOURCE_DATE_EPOCH;
    try {
      process.env.SOURCE_DATE_EPOCH = '1000';
      const a = await stage1LayoutHash({ transport: 'virtio-ports' });
      process.env.SOURCE_DATE_EPOCH = '2000';
      expect(await stage1LayoutHash({ transport: 'virtio-ports' })).not.toBe(a);
    } finally {
      if (before === undefined) delete process.env.SOURCE_DATE_EPOCH;
      else process.env.SOURCE_DATE_EPOCH = before;
    }
  });
});

describe('boot cache entries', () => {
  it('are built once; later lookups hit without building', async () => {
    const root = temp();
    const key = bootCacheKey({ x: 1 });
    expect(await lookupBootEntry(root, key)).toBeUndefined();
    const counter = counting();
    const built = await bootEntry(root, key, counter.build);
    expect(built).toMatchObject({ ...META, hit: false, dir: join(root, 'boot', key), kernelPath: join(root, 'boot', key, 'vmlinux') });
    expect(readFileSync(built.initrdPath, 'utf8')).toBe('initrd');
    const again = await bootEntry(root, key, counter.build);
    expect(again).toMatchObject({ ...META, hit: true, dir: built.dir });
    expect(counter.calls).toBe(1);
    expect(readdirSync(join(root, 'boot'))).toEqual([key]);
  });

  it('two runs that miss at once both get the one complete entry; no temporary directory is left', async () => {
    const root = temp();
    const key = bootCacheKey({ x: 2 });
    const counter = counting();
    const [a, b] = await Promise.all([bootEntry(root, key, counter.build), bootEntry(root, key, counter.build)]);
    expect(counter.calls).toBe(2);
    expect(a.dir).toBe(b.dir);
    expect([a.hit, b.hit].sort()).toEqual([false, true]);
    expect(readdirSync(join(root, 'boot'))).toEqual([key]);
    expect(readdirSync(a.dir).sort()).toEqual(['initrd', 'meta.json', 'vmlinux']);
  });

  it('a failed build leaves nothing behind and passes its error on', async () => {
    const root = temp();
    const key = bootCacheKey({ x: 3 });
    const failing = async (dir: string): Promise<BootMeta> => {
      writeFileSync(join(dir, 'vmlinux'), 'half');
      throw new Error('no space left');
    };
    await expect(bootEntry(root, key, failing)).rejects.toThrow('no space left');
    expect(readdirSync(join(root, 'boot'))).toEqual([]);
    expect(await lookupBootEntry(root, key)).toBeUndefined();
  });

  it('an unwritable cache is VM_BOOT_CACHE naming it', async () => {
    const root = temp();
    writeFileSync(join(root, 'boot'), 'a file where the directory should be');
    await expect(bootEntry(root, 'k', counting().build)).rejects.toMatchObject({ code: 'VM_BOOT_CACHE', data: { file: join(root, 'boot') } });
  });

  it('pruning keeps the newest four and anything used within the hour, and removes stale temporary directories', async () => {
    const root = temp();
    const boot = join(root, 'boot');
    const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000);
    // entry0..entry4 were used 1..5 minutes ago, entry5 and entry6 two and three hours ago.
    const used = [1, 2, 3, 4, 5, 120, 180];
    used.forEach((minutes, i) => {
      const dir = join(boot, `entry${i}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'meta.json'), JSON.stringify(META));
      utimesSync(join(dir, 'meta.json'), ago(minutes), ago(minutes));
    });
    mkdirSync(join(boot, '.building-old-x'));
    utimesSync(join(boot, '.building-old-x'), ago(180), ago(180));
    mkdirSync(join(boot, '.building-new-y'));
    const removed = await pruneBootCache(root);
    // entry4 is beyond the newest four but was used within the hour (a run may be booting it).
    expect(removed.sort()).toEqual(['.building-old-x', 'entry5', 'entry6']);
    expect(readdirSync(boot).sort()).toEqual(['.building-new-y', 'entry0', 'entry1', 'entry2', 'entry3', 'entry4']);
  });
});

describe('per-run initrd', () => {
  it('is the run archive (the command script) followed by the base, byte for byte, at a 4-byte boundary', async () => {
    const dir = temp();
    const base = join(dir, 'base');
    const baseBytes = Buffer.from('\x02\x21\x4c\x18 pretend this is the compressed base');
    writeFileSync(base, baseBytes);
    const out = join(dir, 'initrd.img');
    await writeRunInitrd(base, runFiles(['sh', '-c', "echo 'hi'"], { env: [['A', 'x y']], workdir: '/tmp' }), out);
    const bytes = readFileSync(out);
    const entries: Array<{ path: string; mode: number; text: string }> = [];
    for await (const e of readCpio(bytes)) entries.push({ path: e.path, mode: e.mode, text: Buffer.from(await collectBytes(e.body)).toString() });
    expect(entries).toEqual([
      { path: 'distrokit', mode: 0o755, text: '' },
      { path: 'distrokit/command', mode: 0o755, text: "cd '/tmp' || exit 2\nexport 'A=x y'\n'sh' '-c' 'echo '\\''hi'\\'''\n" },
    ]);
    const baseAt = bytes.length - baseBytes.length;
    expect(baseAt % 4).toBe(0);
    expect(bytes.subarray(baseAt)).toEqual(baseBytes);
    expect(readdirSync(dir).sort()).toEqual(['base', 'initrd.img']);
  });

  it('a bad environment name is VM_BAD_ENV before anything is written', () => {
    expect(() => runFiles(['true'], { env: [['1A', 'x']] })).toThrow(expect.objectContaining({ code: 'VM_BAD_ENV' }));
  });
});

/** A minimal little-endian x86-64 ELF with one PT_NOTE segment holding one note. */
function elfWithNote(name: string, type: number, machine = 62): Uint8Array {
  const nameBytes = Buffer.from(`${name}\0`);
  const note = Buffer.alloc(12 + ((nameBytes.length + 3) & ~3) + 8);
  note.writeUInt32LE(nameBytes.length, 0);
  note.writeUInt32LE(8, 4);
  note.writeUInt32LE(type, 8);
  nameBytes.copy(note, 12);
  const elf = Buffer.alloc(64 + 56 + note.length);
  elf.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0);
  elf.writeUInt16LE(2, 16); // ET_EXEC
  elf.writeUInt16LE(machine, 18);
  elf.writeBigUInt64LE(64n, 32); // e_phoff
  elf.writeUInt16LE(56, 54); // e_phentsize
  elf.writeUInt16LE(1, 56); // e_phnum
  elf.writeUInt32LE(4, 64); // PT_NOTE
  elf.writeBigUInt64LE(120n, 64 + 8); // p_offset
  elf.writeBigUInt64LE(BigInt(note.length), 64 + 32); // p_filesz
  elf.writeBigUInt64LE(BigInt(note.length), 64 + 40); // p_memsz
  note.copy(elf, 120);
  return elf;
}

describe('PVH kernels', () => {
  it('an ELF is PVH-bootable only with the Xen PHYS32_ENTRY note on x86-64', async () => {
    expect(await hasPvhEntry(elfWithNote('Xen', 18))).toBe(true);
    expect(await hasPvhEntry(elfWithNote('Xen', 17))).toBe(false);
    expect(await hasPvhEntry(elfWithNote('GNU', 18))).toBe(false);
    expect(await hasPvhEntry(elfWithNote('Xen', 18, 3))).toBe(false);
    expect(await hasPvhEntry(Buffer.from('not an elf at all'))).toBe(false);
  });

  it('the payload is found from the setup header; what is not a bzImage, or points outside itself, has none', () => {
    const image = Buffer.alloc(0x2000);
    image.write('HdrS', 0x202, 'latin1');
    image.writeUInt16LE(0x20f, 0x206); // boot protocol 2.15
    image[0x1f1] = 3; // setup sectors: the protected-mode part starts at 4 * 512
    image.writeUInt32LE(0x100, 0x248); // payload_offset
    image.writeUInt32LE(0x20, 0x24c); // payload_length
    image.write('PAYLOAD', 4 * 512 + 0x100, 'latin1');
    expect(Buffer.from(bzImagePayload(image)!).subarray(0, 7).toString()).toBe('PAYLOAD');
    expect(bzImagePayload(Buffer.alloc(0x1000))).toBeUndefined();
    image.writeUInt32LE(0x10000, 0x24c);
    expect(bzImagePayload(image)).toBeUndefined();
  });
});

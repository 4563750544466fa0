/**
 * The boot cache against real tools: the PVH kernel is exactly what the lz4
 * tool inflates from the bzImage's payload; the base initrd (read by GNU
 * cpio) has stage 1, busybox and the modules but no per-run file; the per-run
 * initrd starts with the command script; and two runs that start at once on
 * an empty cache both boot, leaving one entry and no temporary files.
 * The .debs are given (--kernel DEB, busyboxDeb) from the fixture cache.
 */
import { execFileSync, execSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bzImagePayload, pvhKernelFromBzImage } from '../../../src/vm/pvh-kernel.js';
import { GUEST_MODULES, prepareGuest } from '../../../src/vm/guest.js';
import { runInVm } from '../../../src/vm/run.js';
import { initrdCache } from '../../helpers/cache.js';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'distrokit-vmbootcache-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const kernelDeb = join(initrdCache.dir, 'cloud.deb');
const busyboxDeb = join(initrdCache.dir, 'busybox.deb');
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('boot cache (Debian cloud kernel)', () => {
  it('the PVH kernel is the bzImage payload as the lz4 tool inflates it', async () => {
    const boot = join(initrdCache.cloudRoot, 'boot');
    const image = readFileSync(join(boot, readdirSync(boot).find((f) => f.startsWith('vmlinuz-'))!));
    const payload = bzImagePayload(image)!;
    // The build appends the inflated size (size_append): the tool gets the stream without it.
    writeFileSync(join(root, 'payload.lz4'), payload.subarray(0, payload.length - 4));
    const byTool = execFileSync('lz4', ['-dc', join(root, 'payload.lz4')], { maxBuffer: 1 << 30 });
    expect(Buffer.from(payload).readUInt32LE(payload.length - 4)).toBe(byTool.length);
    const ours = await pvhKernelFromBzImage(image);
    expect(ours?.length).toBe(byTool.length);
    expect(sha256(ours!)).toBe(sha256(byTool));
  }, 120_000);

  it('base and per-run initrds: stage 1, busybox and the modules in the base; the command only in the per-run archive', async () => {
    const cache = join(root, 'layout-cache');
    const work = mkdtempSync(join(root, 'work-'));
    const guest = await prepareGuest({ kernel: kernelDeb, busyboxDeb, command: ['echo', 'per run'], cacheDir: cache }, work);
    expect(guest.bootCache).toBe('built');
    const entry = join(cache, 'boot', readdirSync(join(cache, 'boot'))[0]!);
    // The base is an uncompressed archive (the guest's kernel unpacks it faster than an LZ4 one).
    const base = execSync(`cpio -it --quiet < ${join(entry, 'initrd')}`, { encoding: 'utf8' }).split('\n');
    expect(base).toEqual(expect.arrayContaining(['init', 'bin/busybox', 'insmod-list', 'distrokit']));
    for (const m of GUEST_MODULES) expect(base.some((p) => p.endsWith(`/${m}.ko`))).toBe(true);
    expect(base).not.toContain('distrokit/command');
    // GNU cpio reads the first archive of the per-run initrd: the run's own files.
    expect(execSync(`cpio -it --quiet < ${guest.initrd}`, { encoding: 'utf8' })).toBe('distrokit\ndistrokit/command\n');
    expect(execSync(`cpio -i --quiet --to-stdout distrokit/command < ${guest.initrd}`, { encoding: 'utf8' })).toBe("'echo' 'per run'\n");
    // A second prepare hits, and gives the same base.
    const again = await prepareGuest({ kernel: kernelDeb, busyboxDeb, command: ['true'], cacheDir: cache }, work);
    expect(again.bootCache).toBe('hit');
    expect(again.kernel).toBe(guest.kernel);
  }, 120_000);

  it('two runs at once on an empty cache both boot; one entry is left and no temporary directory', async () => {
    const cache = join(root, 'concurrent-cache');
    const run = (word: string) => runInVm({ kernel: kernelDeb, busyboxDeb, command: ['echo', word], cacheDir: cache, timeoutMs: 300_000 });
    const [a, b] = await Promise.all([run('first'), run('second')]);
    expect([a.stdout.toString(), a.exitStatus]).toEqual(['first\n', 0]);
    expect([b.stdout.toString(), b.exitStatus]).toEqual(['second\n', 0]);
    const entries = readdirSync(join(cache, 'boot'));
    expect(entries).toHaveLength(1);
    expect(readdirSync(join(cache, 'boot', entries[0]!)).sort()).toEqual(['initrd', 'meta.json', 'vmlinux']);
  }, 600_000);
});

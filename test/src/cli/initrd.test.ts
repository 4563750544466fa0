import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../../src/cli/initrd.js';
import { initrdCache } from '../../helpers/cache.js';
import { distrokitInProcess } from '../../helpers/cli.js';
import { sha, tempDir } from '../initrd/helpers.js';

let work: string;
beforeAll(() => {
  work = tempDir('cli');
  mkdirSync(join(work, 'root/bin'), { recursive: true });
  writeFileSync(join(work, 'root/bin/hello'), 'echo hi\n', { mode: 0o755 });
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const capture = (args: string[]) => distrokitInProcess(() => run(args));

describe('distrokit initrd', () => {
  it('build --from writes a gzip initrd GNU cpio lists, reproducibly, and reports its sha256', async () => {
    const out = join(work, 'a.img');
    const first = await capture(['build', '--from', join(work, 'root'), '--out', out, '--json']);
    expect(first.status).toBe(0);
    const report = JSON.parse(first.stdout);
    expect(report.sha256).toBe(sha(readFileSync(out)));
    const listing = execFileSync('sh', ['-c', `gzip -dc '${out}' | cpio -it --quiet`]).toString();
    expect(listing).toBe('bin\nbin/hello\n');
    const again = JSON.parse((await capture(['build', '--from', join(work, 'root'), '--out', join(work, 'b.img'), '--json'])).stdout);
    expect(again.sha256).toBe(report.sha256);
  });

  it('build --spec with --compress none and --source-date-epoch', async () => {
    writeFileSync(join(work, 'spec'), 'dir /etc 755 0 0\nslink /etc/mtab /proc/mounts 777 0 0\n');
    const out = join(work, 'spec.cpio');
    expect((await capture(['build', '--spec', join(work, 'spec'), '--out', out, '--compress', 'none', '--source-date-epoch', '86400'])).status).toBe(0);
    const listing = execFileSync('cpio', ['-itv', '--quiet'], { input: readFileSync(out), env: { ...process.env, TZ: 'UTC', LC_ALL: 'C' } }).toString();
    expect(listing).toMatch(/Jan  2  1970 etc\/mtab -> \/proc\/mounts/);
  });

  it('build --compress xz --level 1 writes a CRC32-checked xz that xz -dc | cpio reads', async () => {
    const out = join(work, 'x.img');
    expect((await capture(['build', '--from', join(work, 'root'), '--out', out, '--compress', 'xz', '--level', '1'])).status).toBe(0);
    expect(execFileSync('xz', ['--robot', '-lv', out]).toString()).toMatch(/^file\t.*\tCRC32\t/m);
    const listing = execFileSync('sh', ['-c', `xz -dc '${out}' | cpio -it --quiet`]).toString();
    expect(listing).toBe('bin\nbin/hello\n');
  });

  it('usage errors exit 2 and leave no file', async () => {
    await expect(run(['build', '--out', join(work, 'x')])).rejects.toThrow(/exactly one of --from/);
    await expect(run(['build', '--from', join(work, 'root'), '--out', join(work, 'z.img'), '--compress', 'lzo'])).rejects.toThrow(/--compress must be one of/);
    await expect(run(['build', '--from', join(work, 'root'), '--out', join(work, 'z.img'), '--compress', 'xz', '--level', '9'])).rejects.toThrow(/--level for xz must be 0-7/);
    await expect(run(['build', '--from', join(work, 'root'), '--out', join(work, 'z.img'), '--compress', 'lz4', '--level', '3'])).rejects.toThrow(/does not apply/);
    expect(existsSync(join(work, 'z.img'))).toBe(false);
    await expect(run(['build', '--from', join(work, 'nope'), '--out', join(work, 'n.img')])).rejects.toMatchObject({ code: 'TREE_UNREADABLE' });
    expect(existsSync(join(work, 'n.img'))).toBe(false);
  });

  it('modules --json gives the closure; --out writes the modules and insmod-list', async () => {
    const out = join(work, 'mods');
    const { status: code, stdout } = await capture(['modules', '--kernel', initrdCache.cloudRoot, '--modules', 'virtio_blk,ext4', '--out', out, '--json']);
    expect(code).toBe(0);
    const closure = JSON.parse(stdout);
    expect(closure.modules.map((m: { name: string }) => m.name)).toEqual(['virtio_ring', 'virtio', 'virtio_blk']);
    expect(closure.builtin).toEqual(['ext4']);
    expect(readFileSync(join(out, 'insmod-list'), 'utf8').trim().split('\n')).toHaveLength(3);
  });

  it('modules --kernel X.deb reads the linux-image package natively: same closure and module files as its unpacked tree', async () => {
    const args = ['--modules', 'virtio_pci,virtio_blk,virtio_net,ext4', '--json'];
    const fromDir = await capture(['modules', '--kernel', initrdCache.cloudRoot, '--out', join(work, 'mods-dir'), ...args]);
    const fromDeb = await capture(['modules', '--kernel', `${initrdCache.dir}/cloud.deb`, '--out', join(work, 'mods-deb'), ...args]);
    expect(fromDeb.status).toBe(0);
    expect(JSON.parse(fromDeb.stdout)).toEqual(JSON.parse(fromDir.stdout));
    const list = readFileSync(join(work, 'mods-deb', 'insmod-list'), 'utf8').trim().split('\n');
    expect(list.length).toBeGreaterThan(5);
    for (const path of list) expect(sha(readFileSync(join(work, 'mods-deb', path)))).toBe(sha(readFileSync(join(work, 'mods-dir', path))));
  });
});

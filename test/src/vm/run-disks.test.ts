/**
 * `distrokit vm run --image/--write/--in/--out/--keep` end to end through the
 * real bin/distrokit, and the run-vm script of a kept run, driven by piping
 * commands into it.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CACHE_DIR } from '../../helpers/cache.js';
import { distrokit } from '../../helpers/cli.js';
import { busyboxImage, expectNothingLeft, keptRunVm, processesMentioning, tempDirs } from './helpers.js';

const temp = tempDirs();
const kept: string[] = [];
afterEach(() => {
  temp.cleanup();
  for (const d of kept.splice(0)) rmSync(d, { recursive: true, force: true });
});

const fileSha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('distrokit vm run with disks', () => {
  it('--image --in --out --keep --json: the result names run-vm, which re-enters the same VM with commands piped in', () => {
    const work = temp.make('vmdisks-cli');
    const tmp = temp.make('vmtest');
    const image = busyboxImage(work);
    const before = fileSha(image);
    const inDir = join(work, 'in');
    mkdirSync(inDir);
    writeFileSync(join(inDir, 'note'), 'from the host\n');
    const out = join(work, 'out');
    const res = distrokit(
      ['vm', 'run', '--image', image, '--in', inDir, '--out', out, '--keep', '--json', '--', 'sh', '-c', 'cat /etc/marker /in/note; echo result > /out/r.txt'],
      { env: { TMPDIR: tmp } },
    );
    expect(res.status, res.stderr).toBe(0);
    const json = JSON.parse(res.stdout);
    expect(json).toMatchObject({ exitStatus: 0, stdout: 'from the image\nfrom the host\n', stderr: '', out: { files: 1, dirs: 1 }, runVm: expect.stringMatching(/\/run-vm$/) });
    expect(readFileSync(join(out, 'r.txt'), 'utf8')).toBe('result\n');
    expectNothingLeft(tmp);
    const runVm: string = json.runVm;
    const dir = dirname(runVm);
    kept.push(dir);
    expect(dir.startsWith(join(CACHE_DIR, 'vm', 'runs'))).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(expect.arrayContaining(['console.log', 'in.img', 'initrd.img', 'out.img', 'run-vm']));

    // Re-entered: the same image (still copy-on-write), /in and /out; exiting the shell powers off.
    const again = spawnSync(runVm, { input: 'echo reentered; cat /etc/marker /in/note; echo new > /etc/marker; ls /out\nexit\n', encoding: 'utf8', timeout: 240_000 });
    expect(again.status, again.stderr).toBe(0);
    const lines = again.stdout.replace(/\r/g, '').split('\n');
    expect(lines).toContain('reentered');
    expect(lines).toContain('from the host');
    expect(lines).toContain('from the image');
    expect(again.stdout).toContain('stage1: interactive shell');
    expect(again.stdout).toMatch(/reboot: Power down/);
    expect(processesMentioning(dir)).toEqual([]);
    expect(fileSha(image)).toBe(before);
  }, 600_000);

  it('an /out larger than --out-size is a stage-1 failure: nothing is written to --out, and the run is kept', () => {
    const tmp = temp.make('vmtest');
    const out = join(temp.make('vmdisks-cli'), 'out');
    const res = distrokit(['vm', 'run', '--out', out, '--out-size', '1M', '--', 'sh', '-c', 'head -c 3000000 /dev/zero > /out/big; echo wrote'], { env: { TMPDIR: tmp } });
    expect(res.status).toBe(1);
    expect(res.stdout).toBe('wrote\n');
    expect(res.stderr).toMatch(/distrokit: VM_STAGE1_FAILED: .*stage 1 failed: cannot write \/out to its disk/);
    const runVm = keptRunVm(res.stderr);
    expect(runVm).toBeDefined();
    kept.push(dirname(runVm!));
    expect(existsSync(out)).toBe(false);
    expectNothingLeft(tmp);
  }, 600_000);

  it('options that cannot work fail before any VM starts', () => {
    const work = temp.make('vmdisks-cli');
    const tmp = temp.make('vmtest');
    const notImage = join(work, 'not.img');
    writeFileSync(notImage, Buffer.alloc(4096));
    const full = join(work, 'full');
    mkdirSync(full);
    writeFileSync(join(full, 'x'), '');
    const cases: Array<[string[], number, RegExp]> = [
      [['--write'], 2, /--write needs --image/],
      [['--out-size', '8M'], 2, /--out-size needs --out/],
      [['--image', notImage], 1, /VM_IMAGE_INVALID: .*not an ext2\/3\/4 filesystem image/],
      [['--image', join(work, 'missing.img')], 1, /VM_IMAGE_INVALID: .*missing\.img/],
      [['--image', work], 1, /VM_IMAGE_INVALID: .*is not a regular file/],
      [['--out', full], 1, /SINK_NOT_EMPTY: .*is not empty/],
      [['--out', notImage], 1, /SINK_TARGET_UNUSABLE: .*not a directory/],
      [['--in', join(work, 'missing')], 1, /TREE_UNREADABLE|TREE_NOT_A_DIRECTORY/],
    ];
    for (const [args, status, message] of cases) {
      const res = distrokit(['vm', 'run', ...args, '--', 'true'], { env: { TMPDIR: tmp } });
      expect(res.status, args.join(' ')).toBe(status);
      expect(res.stderr).toMatch(message);
      expect(res.stderr).not.toMatch(/internal error/);
      expect(keptRunVm(res.stderr)).toBeUndefined();
    }
    expectNothingLeft(tmp);
  }, 240_000);
});

/**
 * A maintainer script that fails fails the build: a crafted package whose
 * postinst prints a marker and exits 1 (fixtures/deb-failing, made by
 * fixtures/gen/failing-postinst-deb.sh) makes `image debian` exit 1 naming the
 * package, with the script's output, and leaves no image (and no temporary
 * image, QEMU process or run directory) behind. A small closure without the
 * Essential base, written by `deb closure` and installed with --lock, keeps
 * the boot short; its own packages configure cleanly.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { machineBookwormLists } from '../../../../src/fetch/apt-lists.js';
import { distrokit } from '../../../helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'distrokit-image-fails-'));
const locks = mkdtempSync(join(tmpdir(), 'distrokit-image-fails-lock-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  rmSync(locks, { recursive: true, force: true });
});

const qemuProcesses = () => spawnSync('pgrep', ['-f', `qemu-system-x86_64.*${work}`], { encoding: 'utf8' }).stdout.trim();

describe('image debian with a failing postinst', () => {
  it('exits 1 with IMAGE_MAINTSCRIPT_FAILED, the package name and its output; no image is left', () => {
    const fixture = resolve('fixtures/deb-failing');
    const out = join(work, 'failing.img');
    const indexes = [
      ['--index', join(fixture, 'Packages'), '--url-prefix', pathToFileURL(fixture).href],
      ...machineBookwormLists().map((l) => ['--index', l.path, '--url-prefix', l.urlPrefix]),
    ].flat();
    // The closure as a lock file from `deb closure` (no Essential base: a short boot), installed with --lock.
    const closure = distrokit(['deb', 'closure', ...indexes, 'dpkg', 'dash', 'coreutils', 'sed', 'diffutils', 'libc-bin', 'distrokit-failing-postinst']);
    expect(closure.status, closure.stderr).toBe(0);
    const lock = join(locks, 'lock.json');
    writeFileSync(lock, closure.stdout);
    const r = distrokit(['image', 'debian', '--out', out, '--lock', lock], { env: { TMPDIR: work }, timeout: 30 * 60_000 });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/IMAGE_MAINTSCRIPT_FAILED: .*: package distrokit-failing-postinst failed to install/);
    expect(r.stderr).not.toMatch(/packages .*,/);
    // The script's own output, on both of its streams, is in the message.
    expect(r.stderr.match(/DISTROKIT-FAILING-POSTINST/g)?.length).toBeGreaterThanOrEqual(2);
    expect(readdirSync(work)).toEqual([]);
    expect(existsSync(out)).toBe(false);
    expect(qemuProcesses()).toBe('');
  });
});

/** The real tools the ext4 tests check against: e2fsck, debugfs, dumpe2fs, loop mounts. */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';

/**
 * `e2fsck -fn` must exit 0 and print only the five "Pass" lines and the summary
 * (notes §2.0: some real problems print a message with rc 0).
 */
export function expectE2fsckClean(img: string): string {
  const r = spawnSync('e2fsck', ['-fn', img], { encoding: 'utf8' });
  const lines = r.stdout.trim().split('\n');
  const summary = lines[lines.length - 1] ?? '';
  expect({ rc: r.status, lines: lines.slice(0, -1), stderr: r.stderr.replace(/^e2fsck [\d.]+ \([^)]*\)\n/, '') }).toEqual({
    rc: 0,
    lines: [
      'Pass 1: Checking inodes, blocks, and sizes',
      'Pass 2: Checking directory structure',
      'Pass 3: Checking directory connectivity',
      'Pass 4: Checking reference counts',
      'Pass 5: Checking group summary information',
    ],
    stderr: '',
  });
  expect(summary).toMatch(/^\S+: \d+\/\d+ files \([\d.]+% non-contiguous\), \d+\/\d+ blocks$/);
  return summary;
}

export function debugfs(img: string, cmd: string): string {
  return execFileSync('debugfs', ['-R', cmd, img], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 28 });
}

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `distrokit-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Whether `mount -o loop` can work here (root and a free loop device). */
export function loopAvailable(): { ok: boolean; why: string } {
  if (process.getuid?.() !== 0) return { ok: false, why: 'not root' };
  const r = spawnSync('losetup', ['-f'], { encoding: 'utf8' });
  if (r.status !== 0) return { ok: false, why: `losetup -f failed: ${r.stderr.trim()}` };
  return { ok: true, why: '' };
}

export function mount(img: string, dir: string, opts: string): void {
  execFileSync('mount', ['-o', `loop,${opts}`, img, dir]);
}

export function umount(dir: string): void {
  execFileSync('umount', [dir]);
}

export function sh(script: string, cwd?: string): string {
  return execFileSync('bash', ['-euc', script], { encoding: 'utf8', cwd });
}

/** Helpers of the VM tests: per-run TMPDIRs and the check that nothing outlives a run. */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { initrdCache } from '../../helpers/cache.js';
import { distrokit } from '../../helpers/cli.js';

/** A fresh directory for one test; `cleanup` removes them all (call it in afterEach). */
export function tempDirs(): { make(label: string): string; cleanup(): void } {
  const dirs: string[] = [];
  return {
    make(label) {
      const dir = mkdtempSync(join(tmpdir(), `distrokit-${label}-`));
      dirs.push(dir);
      return dir;
    },
    cleanup() {
      for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
    },
  };
}

/** Pids of live processes whose command line mentions `text`. */
export function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

/** The run's TMPDIR is empty and no process (QEMU: its -kernel/-initrd live there) names it. */
export function expectNothingLeft(tmp: string): void {
  expect(readdirSync(tmp)).toEqual([]);
  expect(processesMentioning(tmp)).toEqual([]);
}

/** The run-vm script a kept run's message names, or undefined. */
export function keptRunVm(text: string): string | undefined {
  return /re-enter the VM with (\S+\/run-vm)/.exec(text)?.[1];
}

/** An ext4 image (written by `distrokit ext4 build`) with busybox as /bin/sh and /etc/marker. */
export function busyboxImage(work: string): string {
  const root = join(work, 'root');
  mkdirSync(join(root, 'bin'), { recursive: true });
  cpSync(join(initrdCache.busyboxRoot, 'bin/busybox'), join(root, 'bin/busybox'));
  symlinkSync('busybox', join(root, 'bin/sh'));
  mkdirSync(join(root, 'etc'));
  writeFileSync(join(root, 'etc/marker'), 'from the image\n');
  const image = join(work, 'root.img');
  const built = distrokit(['ext4', 'build', '--out', image, '--from', root]);
  expect(built.status, built.stderr).toBe(0);
  return image;
}

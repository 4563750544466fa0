/** Helpers of the VM tests: per-run TMPDIRs and the check that nothing outlives a run. */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';

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

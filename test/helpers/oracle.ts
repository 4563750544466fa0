/** Runs the real reference tools the tests compare against. */
import { execFileSync, spawnSync } from 'node:child_process';

/** Debian's python3 (python3-apt, python3-rpm are installed for it, not for pyenv's). */
export const DEBIAN_PYTHON = '/usr/bin/python3';

/** Runs a Python script with Debian's python3, feeding `input` on stdin; returns stdout. */
export function runPython(script: string, input: string): string {
  return execFileSync(DEBIAN_PYTHON, ['-c', script], { input, maxBuffer: 1 << 30, encoding: 'utf8' });
}

/**
 * dpkg --compare-versions for many (a, op, b) triples in one shell; returns
 * per triple the exit code: 0 true, 1 false, 2 bad syntax (dpkg rejected it).
 */
export function dpkgCompareMany(triples: [string, string, string][]): number[] {
  const input = triples.map((t) => t.join('\0')).join('\0') + '\0';
  const script = 'while IFS= read -r -d "" a && IFS= read -r -d "" op && IFS= read -r -d "" b; do dpkg --compare-versions -- "$a" "$op" "$b" 2>/dev/null; echo $?; done';
  const res = spawnSync('bash', ['-c', script], { input, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (res.status !== 0) throw new Error(`dpkg oracle failed: ${res.stderr}`);
  return res.stdout.trim().split('\n').map(Number);
}

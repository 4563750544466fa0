/**
 * Architecture names: distrokit accepts for a native architecture exactly what
 * `dpkg --add-architecture` accepts (oracle: dpkg itself, on a scratch admin
 * directory), up to the scanner's 64 characters; anything else is DEB_BAD_ARCH
 * from the scanner and from DebRepository, never a RangeError.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { archNameProblem, MAX_ARCH_LENGTH } from '../../../formats/deb822/arch.js';
import { PackagesScanner } from '../../../formats/deb822/packages-scan.js';
import { DistrokitError } from '../../../formats/errors.js';
import { DebRepository } from '../../../src/deb/repository.js';

const admin = mkdtempSync(join(tmpdir(), 'distrokit-dpkg-arch-'));
writeFileSync(join(admin, 'status'), '');
afterAll(() => rmSync(admin, { recursive: true, force: true }));

const NAMES = ['amd64', 'arm64', 'x-', 'AMD64', '0abc', 'a'.repeat(MAX_ARCH_LENGTH), 'x y', '', 'all', 'any', 'ü', 'a_b', '-x', 'a.b', 'a:b', 'amd64\n', '\tamd64', 'a/b', 'x\0'];

function dpkgAccepts(name: string): boolean {
  const res = spawnSync('dpkg', [`--admindir=${admin}`, '--add-architecture', '--', name], { encoding: 'utf8' });
  if (res.status !== 0 && res.status !== 2) throw new Error(`dpkg: ${res.status} ${res.stderr}`);
  return res.status === 0;
}

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(DistrokitError);
    return (err as DistrokitError).code;
  }
}

describe('architecture names', () => {
  it('accepts what dpkg --add-architecture accepts, and only that', () => {
    for (const name of NAMES.filter((n) => !n.includes('\0'))) {
      expect(archNameProblem(name) === undefined, JSON.stringify(name)).toBe(dpkgAccepts(name));
    }
    expect(archNameProblem('x\0')).toBeDefined();
  });

  it('makes the scanner and the repository throw DEB_BAD_ARCH for any other name, or one over 64 characters', () => {
    for (const name of [...NAMES, 'a'.repeat(MAX_ARCH_LENGTH + 1), 'ab'.repeat(1000)]) {
      const want = archNameProblem(name) === undefined && name.length <= MAX_ARCH_LENGTH ? undefined : 'DEB_BAD_ARCH';
      expect(codeOf(() => new PackagesScanner(name)), JSON.stringify(name)).toBe(want);
      expect(codeOf(() => new DebRepository({ arch: name })), JSON.stringify(name)).toBe(want);
    }
    const err = (() => {
      try {
        new DebRepository({ arch: 'x y' });
      } catch (e) {
        return e as DistrokitError;
      }
    })()!;
    expect(err.message).toBe('architecture "x y" has the character " " (only letters, digits and \'-\' are allowed)');
    expect(err.data.arch).toBe('x y');
  });
});

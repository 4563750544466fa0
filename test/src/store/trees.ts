/**
 * Generated trees with everything a NAR has to get right: executables of
 * several modes, empty and large files, absolute, relative and dangling
 * symlinks, nested and empty directories, names with spaces, newlines and
 * UTF-8, and names whose UTF-16 order differs from their byte order.
 */
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** U+FF5E sorts after U+1F600 as UTF-16 units (0xFF5E > 0xD83D) but before it as UTF-8 bytes (EF < F0). */
export const FULLWIDTH_TILDE = '\uff5e';
export const GRINNING_FACE = '\u{1f600}';

export function scratchDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `distrokit-${prefix}-`));
}

function file(path: string, data: string | Uint8Array, mode = 0o644): void {
  writeFileSync(path, data);
  chmodSync(path, mode);
}

/** Fills `root` (created) with the full mix; `seed` varies the contents so trees differ. */
export function makeRichTree(root: string, seed = 1): void {
  mkdirSync(root, { recursive: true });
  file(join(root, 'plain'), `plain ${seed}\n`);
  file(join(root, 'empty'), '');
  file(join(root, 'exec-755'), '#!/bin/sh\necho hi\n', 0o755);
  file(join(root, 'exec-744'), 'x', 0o744);
  file(join(root, 'exec-700'), 'y', 0o700);
  file(join(root, 'group-exec-only-654'), 'z', 0o654);
  file(join(root, 'other-exec-only-645'), 'w', 0o645);
  file(join(root, 'seven-bytes'), '1234567');
  file(join(root, 'eight-bytes'), '12345678');
  const big = new Uint8Array((1 << 20) + 12_345);
  for (let i = 0; i < big.length; i++) big[i] = (i * 31 + seed * 7 + (i >> 9)) & 0xff;
  file(join(root, 'big.bin'), big);
  mkdirSync(join(root, 'empty-dir'));
  mkdirSync(join(root, 'a', 'b', 'c'), { recursive: true });
  file(join(root, 'a', 'b', 'c', 'deep'), 'deep\n');
  mkdirSync(join(root, 'a', 'b', 'empty'));
  symlinkSync('/etc/hostname', join(root, 'abs-link'));
  symlinkSync('a/b/c/deep', join(root, 'rel-link'));
  symlinkSync('does/not/exist', join(root, 'dangling-link'));
  symlinkSync('a', join(root, 'dir-link'));
  file(join(root, 'with space'), 'space');
  file(join(root, 'with\nnewline'), 'newline');
  file(join(root, 'utf8-\u00e9t\u00e9-\u65e5\u672c'), 'utf8');
  file(join(root, FULLWIDTH_TILDE), 'tilde');
  file(join(root, GRINNING_FACE), 'face');
  mkdirSync(join(root, `dir-${FULLWIDTH_TILDE}`));
  file(join(root, `dir-${FULLWIDTH_TILDE}`, GRINNING_FACE), 'in dir');
  file(join(root, `dir-${FULLWIDTH_TILDE}`, FULLWIDTH_TILDE), 'in dir 2');
  // Prefixes: "a" < "a b" < "a-" < "ab" as bytes.
  file(join(root, 'a b'), '1');
  file(join(root, 'a-'), '2');
  file(join(root, 'ab'), '3');
}

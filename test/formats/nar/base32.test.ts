/** Nix base-32 against `nix-hash --to-base32` / `--to-base16` on random digests of each hash size. */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { nixBase32Decode, nixBase32Encode } from '../../../formats/nar/base32.js';

const env = { ...process.env, NIX_CONFIG: 'build-users-group =' };

describe('Nix base-32 equals nix-hash', () => {
  it.each([
    ['md5', 16],
    ['sha1', 20],
    ['sha256', 32],
    ['sha512', 64],
  ] as const)('%s digests', (type, size) => {
    const digests = Array.from({ length: 40 }, () => randomBytes(size));
    const hex = digests.map((d) => d.toString('hex'));
    const theirs = execFileSync('nix-hash', ['--type', type, '--to-base32', ...hex], { env }).toString().trim().split('\n');
    expect(digests.map((d) => nixBase32Encode(d))).toEqual(theirs);
    const back = execFileSync('nix-hash', ['--type', type, '--to-base16', ...theirs], { env }).toString().trim().split('\n');
    expect(theirs.map((t) => Buffer.from(nixBase32Decode(t, size)).toString('hex'))).toEqual(back);
    expect(back).toEqual(hex);
  });
});

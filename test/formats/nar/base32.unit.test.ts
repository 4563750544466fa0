/**
 * Nix base-32 against vectors printed by `nix-hash --to-base32` (Nix 2.8);
 * the oracle tier (base32.test.ts) checks random digests against the tool itself.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isDistrokitError } from '../../../formats/errors.js';
import { nixBase32Decode, nixBase32Encode, nixBase32Length } from '../../../formats/nar/base32.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));

describe('Nix base-32', () => {
  it.each([
    ['e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', '0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73'],
    ['0000000000000000000000000000000000000001', '04000000000000000000000000000000'],
    ['ff00000000000000000000000000000000000000', '0000000000000000000000000000007z'],
    ['0123456789abcdef0123456789abcdef', '7grnmqjrs54c0yzkdbi5kla8q1'],
  ])('%s is %s', (h, b32) => {
    expect(nixBase32Encode(hex(h))).toBe(b32);
    expect(Buffer.from(nixBase32Decode(b32, h.length / 2)).toString('hex')).toBe(h);
    expect(Buffer.from(nixBase32Decode(b32)).toString('hex')).toBe(h);
  });

  it('has the lengths Nix uses: 52 for sha256, 32 for a store path hash, 26 for md5', () => {
    expect([nixBase32Length(32), nixBase32Length(20), nixBase32Length(16), nixBase32Length(0)]).toEqual([52, 32, 26, 0]);
  });

  it('round-trips any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        expect(nixBase32Decode(nixBase32Encode(bytes), bytes.length)).toEqual(bytes);
      }),
    );
  });

  it('rejects letters outside the alphabet, wrong lengths and stray high bits with STORE_BAD_BASE32', () => {
    const bad = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        return isDistrokitError(err, 'STORE_BAD_BASE32');
      }
      return false;
    };
    expect(bad(() => nixBase32Decode('0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c7e'))).toBe(true); // 'e' is not in the alphabet
    expect(bad(() => nixBase32Decode('0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73', 20))).toBe(true);
    expect(bad(() => nixBase32Decode('z000000000000000000000000000000000000000000000000000'))).toBe(true); // 260 bits for 256
  });
});

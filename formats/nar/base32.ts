/**
 * Nix's base-32: the alphabet without e, o, u, t (so no words can form) and a
 * bit order of its own. The last character holds the lowest 5 bits of byte 0,
 * i.e. the string is the little-endian bit string read from its high end, as
 * `nix-hash --to-base32` prints and store path hashes are written.
 */
import { DistrokitError } from '../errors.js';

export const NIX_BASE32_ALPHABET = '0123456789abcdfghijklmnpqrsvwxyz';

const DIGIT = new Map<string, number>([...NIX_BASE32_ALPHABET].map((c, i) => [c, i]));

/** The number of characters for `byteLength` bytes (52 for sha256, 32 for a store path's 20-byte hash). */
export function nixBase32Length(byteLength: number): number {
  return byteLength === 0 ? 0 : Math.floor((byteLength * 8 - 1) / 5) + 1;
}

export function nixBase32Encode(bytes: Uint8Array): string {
  const len = nixBase32Length(bytes.byteLength);
  let out = '';
  for (let n = len - 1; n >= 0; n--) {
    const bit = n * 5;
    const i = bit >> 3;
    const j = bit & 7;
    const c = (bytes[i]! >> j) | (i + 1 < bytes.byteLength ? bytes[i + 1]! << (8 - j) : 0);
    out += NIX_BASE32_ALPHABET[c & 0x1f];
  }
  return out;
}

/**
 * The inverse of nixBase32Encode. `byteLength` defaults to the largest length
 * the text can encode (32 for 52 characters); characters outside the alphabet
 * and set bits beyond the last byte are STORE_BAD_BASE32, as Nix rejects them.
 */
export function nixBase32Decode(text: string, byteLength = Math.floor((text.length * 5) / 8)): Uint8Array {
  if (nixBase32Length(byteLength) !== text.length) {
    throw new DistrokitError('STORE_BAD_BASE32', `${text.length} base-32 characters cannot encode ${byteLength} bytes`, { entry: text });
  }
  const out = new Uint8Array(byteLength);
  for (let n = 0; n < text.length; n++) {
    const digit = DIGIT.get(text[text.length - n - 1]!);
    if (digit === undefined) throw new DistrokitError('STORE_BAD_BASE32', `'${text[text.length - n - 1]}' is not a Nix base-32 character`, { entry: text, column: text.length - n });
    const bit = n * 5;
    const i = bit >> 3;
    const j = bit & 7;
    out[i]! |= (digit << j) & 0xff;
    const high = digit >> (8 - j);
    if (i + 1 < byteLength) out[i + 1]! |= high;
    else if (high !== 0) throw new DistrokitError('STORE_BAD_BASE32', 'base-32 text has bits set beyond its last byte', { entry: text });
  }
  return out;
}

/**
 * The two hashes ext4 stores: the htree directory hash (half-MD4, `lib/ext2fs/dirhash.c`)
 * and the extended-attribute entry/block hashes (`lib/ext2fs/ext_attr.c`).
 */

const MD4_IV = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476] as const;
const K2 = 0x5a827999; // 013240474631
const K3 = 0x6ed9eba1; // 015666365641
const HTREE_EOF_32BIT = 0x7fffffff;

function rotl(x: number, s: number): number {
  return ((x << s) | (x >>> (32 - s))) >>> 0;
}

const F = (x: number, y: number, z: number): number => (z ^ (x & (y ^ z))) >>> 0;
const G = (x: number, y: number, z: number): number => (((x & y) >>> 0) + (((x ^ y) & z) >>> 0)) >>> 0;
const H = (x: number, y: number, z: number): number => (x ^ y ^ z) >>> 0;

function halfMd4Transform(buf: Uint32Array, inp: Uint32Array): void {
  let a = buf[0]!;
  let b = buf[1]!;
  let c = buf[2]!;
  let d = buf[3]!;
  const r = (f: (x: number, y: number, z: number) => number, w: number, x: number, y: number, z: number, v: number, s: number): number =>
    rotl((w + f(x, y, z) + v) >>> 0, s);
  a = r(F, a, b, c, d, inp[0]!, 3);
  d = r(F, d, a, b, c, inp[1]!, 7);
  c = r(F, c, d, a, b, inp[2]!, 11);
  b = r(F, b, c, d, a, inp[3]!, 19);
  a = r(F, a, b, c, d, inp[4]!, 3);
  d = r(F, d, a, b, c, inp[5]!, 7);
  c = r(F, c, d, a, b, inp[6]!, 11);
  b = r(F, b, c, d, a, inp[7]!, 19);
  a = r(G, a, b, c, d, (inp[1]! + K2) >>> 0, 3);
  d = r(G, d, a, b, c, (inp[3]! + K2) >>> 0, 5);
  c = r(G, c, d, a, b, (inp[5]! + K2) >>> 0, 9);
  b = r(G, b, c, d, a, (inp[7]! + K2) >>> 0, 13);
  a = r(G, a, b, c, d, (inp[0]! + K2) >>> 0, 3);
  d = r(G, d, a, b, c, (inp[2]! + K2) >>> 0, 5);
  c = r(G, c, d, a, b, (inp[4]! + K2) >>> 0, 9);
  b = r(G, b, c, d, a, (inp[6]! + K2) >>> 0, 13);
  a = r(H, a, b, c, d, (inp[3]! + K3) >>> 0, 3);
  d = r(H, d, a, b, c, (inp[7]! + K3) >>> 0, 9);
  c = r(H, c, d, a, b, (inp[2]! + K3) >>> 0, 11);
  b = r(H, b, c, d, a, (inp[6]! + K3) >>> 0, 15);
  a = r(H, a, b, c, d, (inp[1]! + K3) >>> 0, 3);
  d = r(H, d, a, b, c, (inp[5]! + K3) >>> 0, 9);
  c = r(H, c, d, a, b, (inp[0]! + K3) >>> 0, 11);
  b = r(H, b, c, d, a, (inp[4]! + K3) >>> 0, 15);
  buf[0] = (buf[0]! + a) >>> 0;
  buf[1] = (buf[1]! + b) >>> 0;
  buf[2] = (buf[2]! + c) >>> 0;
  buf[3] = (buf[3]! + d) >>> 0;
}

/** Packs up to num*4 name bytes into words, as `str2hashbuf`: bytes are sign-extended unless `unsigned`. */
function str2hashbuf(name: Uint8Array, start: number, len: number, out: Uint32Array, num: number, unsigned: boolean): void {
  let pad = (len | (len << 8)) >>> 0;
  pad = (pad | (pad << 16)) >>> 0;
  let val = pad;
  const n = Math.min(len, num * 4);
  let o = 0;
  for (let i = 0; i < n; i++) {
    const byte = name[start + i]!;
    const c = unsigned || byte < 128 ? byte : byte - 256;
    val = (c + ((val << 8) >>> 0)) >>> 0;
    if (i % 4 === 3) {
      out[o++] = val;
      val = pad;
      num--;
    }
  }
  if (--num >= 0) out[o++] = val;
  while (--num >= 0) out[o++] = pad;
}

export interface DirHash {
  hash: number;
  minor: number;
}

/**
 * Half-MD4 directory hash of `name` with the filesystem's hash seed (four
 * little-endian words; all zero means "use the MD4 IV"). `unsigned` selects the
 * unsigned-char variant (s_flags UNSIGNED_HASH).
 */
export function halfMd4Hash(name: Uint8Array, seed: Uint32Array, unsigned: boolean): DirHash {
  const buf = new Uint32Array(4);
  if (seed[0] || seed[1] || seed[2] || seed[3]) buf.set(seed);
  else buf.set(MD4_IV);
  const inp = new Uint32Array(8);
  let len = name.byteLength;
  let p = 0;
  while (len > 0) {
    str2hashbuf(name, p, len, inp, 8, unsigned);
    halfMd4Transform(buf, inp);
    len -= 32;
    p += 32;
  }
  let hash = (buf[1]! & ~1) >>> 0;
  if (hash === HTREE_EOF_32BIT << 1) hash = ((HTREE_EOF_32BIT - 1) << 1) >>> 0;
  return { hash, minor: buf[2]! };
}

/** e_hash of one xattr entry: name bytes, then the value's little-endian words (zero-padded to 4). */
export function xattrEntryHash(name: Uint8Array, value: Uint8Array): number {
  let hash = 0;
  for (const c of name) hash = ((hash << 5) ^ (hash >>> 27) ^ c) >>> 0;
  for (let i = 0; i < value.byteLength; i += 4) {
    const w = (value[i]! | ((value[i + 1] ?? 0) << 8) | ((value[i + 2] ?? 0) << 16) | ((value[i + 3] ?? 0) << 24)) >>> 0;
    hash = ((hash << 16) ^ (hash >>> 16) ^ w) >>> 0;
  }
  return hash;
}

/** h_hash of an xattr block: the entries' hashes folded; 0 if any entry hash is 0. */
export function xattrBlockHash(entryHashes: number[]): number {
  let hash = 0;
  for (const h of entryHashes) {
    if (h === 0) return 0;
    hash = ((hash << 16) ^ (hash >>> 16) ^ h) >>> 0;
  }
  return hash;
}

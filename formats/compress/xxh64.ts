/**
 * xxHash64 (seed 0) on 32-bit halves, without BigInt (which is ~20× slower
 * here). zstd frames end with the low 32 bits of XXH64 of their content;
 * fzstd does not check it, so we do.
 */
import { StripedHash } from './striped-hash.js';
const P1H = 0x9e3779b1, P1L = 0x85ebca87;
const P2H = 0xc2b2ae3d, P2L = 0x27d4eb4f;
const P3H = 0x165667b1, P3L = 0x9e3779f9;
const P4H = 0x85ebca77, P4L = 0xc2b2ae63;
const P5H = 0x27d4eb2f, P5L = 0x165667c5;
const TWO32 = 4294967296;

// Results of the 64-bit helpers, to avoid allocating a pair per operation.
let rh = 0;
let rl = 0;

function mul(ah: number, al: number, bh: number, bl: number): void {
  const a0 = al & 0xffff, a1 = al >>> 16, b0 = bl & 0xffff, b1 = bl >>> 16;
  const mid = a1 * b0 + a0 * b1; // < 2^33
  const low = a0 * b0 + (mid % 65536) * 65536; // < 2^33
  const high = a1 * b1 + Math.floor(mid / 65536) + Math.floor(low / TWO32);
  rl = low >>> 0;
  rh = (high + Math.imul(ah, bl) + Math.imul(al, bh)) >>> 0;
}

function add(ah: number, al: number, bh: number, bl: number): void {
  const low = al + bl;
  rl = low >>> 0;
  rh = (ah + bh + (low >= TWO32 ? 1 : 0)) >>> 0;
}

function rotl(h: number, l: number, r: number): void {
  if (r >= 32) {
    const t = h;
    h = l;
    l = t;
    r -= 32;
  }
  if (r === 0) {
    rh = h;
    rl = l;
    return;
  }
  rh = ((h << r) | (l >>> (32 - r))) >>> 0;
  rl = ((l << r) | (h >>> (32 - r))) >>> 0;
}

/** acc = rotl(acc + lane * P2, 31) * P1, left in rh/rl. */
function round(acch: number, accl: number, lh: number, ll: number): void {
  mul(lh, ll, P2H, P2L);
  add(acch, accl, rh, rl);
  rotl(rh, rl, 31);
  mul(rh, rl, P1H, P1L);
}

function le32(d: Uint8Array, p: number): number {
  return (d[p]! | (d[p + 1]! << 8) | (d[p + 2]! << 16) | (d[p + 3]! << 24)) >>> 0;
}

export class XXH64 extends StripedHash {
  private v = [0, 0, 0, 0, 0, 0, 0, 0];

  constructor() {
    super(32);
    add(P1H, P1L, P2H, P2L);
    this.v = [rh, rl, P2H, P2L, 0, 0, 0, 0];
    // v4 = -P1 mod 2^64
    const nl = (TWO32 - P1L) % TWO32;
    // P1L is non-zero, so there is no borrow into the high half.
    this.v[6] = ~P1H >>> 0;
    this.v[7] = nl >>> 0;
  }

  static digest(data: Uint8Array): { hi: number; lo: number } {
    const h = new XXH64();
    h.update(data);
    return h.digest();
  }

  /** The hot loop: round() inlined with locals (module-level result slots are slow here). */
  protected stripe(d: Uint8Array, p: number): void {
    const v = this.v;
    for (let i = 0; i < 4; i++) {
      const q = p + 8 * i;
      const ll = (d[q]! | (d[q + 1]! << 8) | (d[q + 2]! << 16) | (d[q + 3]! << 24)) >>> 0;
      const lh = (d[q + 4]! | (d[q + 5]! << 8) | (d[q + 6]! << 16) | (d[q + 7]! << 24)) >>> 0;
      // lane * P2
      let a0 = ll & 0xffff, a1 = ll >>> 16;
      let mid = a1 * (P2L & 0xffff) + a0 * (P2L >>> 16);
      let low = a0 * (P2L & 0xffff) + (mid % 65536) * 65536;
      let high = a1 * (P2L >>> 16) + Math.floor(mid / 65536) + Math.floor(low / TWO32);
      let ml = low >>> 0;
      let mh = (high + Math.imul(lh, P2L) + Math.imul(ll, P2H)) >>> 0;
      // acc + that
      const sum = v[2 * i + 1]! + ml;
      let al = sum >>> 0;
      let ah = (v[2 * i]! + mh + (sum >= TWO32 ? 1 : 0)) >>> 0;
      // rotl 31
      const th = ((ah << 31) | (al >>> 1)) >>> 0;
      al = ((al << 31) | (ah >>> 1)) >>> 0;
      ah = th;
      // * P1
      a0 = al & 0xffff;
      a1 = al >>> 16;
      mid = a1 * (P1L & 0xffff) + a0 * (P1L >>> 16);
      low = a0 * (P1L & 0xffff) + (mid % 65536) * 65536;
      high = a1 * (P1L >>> 16) + Math.floor(mid / 65536) + Math.floor(low / TWO32);
      ml = low >>> 0;
      mh = (high + Math.imul(ah, P1L) + Math.imul(al, P1H)) >>> 0;
      v[2 * i] = mh;
      v[2 * i + 1] = ml;
    }
  }

  digest(): { hi: number; lo: number } {
    const v = this.v;
    let hh: number, hl: number;
    if (this.total >= 32) {
      rotl(v[0]!, v[1]!, 1);
      let sh = rh, sl = rl;
      rotl(v[2]!, v[3]!, 7);
      add(sh, sl, rh, rl);
      sh = rh; sl = rl;
      rotl(v[4]!, v[5]!, 12);
      add(sh, sl, rh, rl);
      sh = rh; sl = rl;
      rotl(v[6]!, v[7]!, 18);
      add(sh, sl, rh, rl);
      hh = rh; hl = rl;
      for (let i = 0; i < 4; i++) {
        round(0, 0, v[2 * i]!, v[2 * i + 1]!);
        hh = (hh ^ rh) >>> 0;
        hl = (hl ^ rl) >>> 0;
        mul(hh, hl, P1H, P1L);
        add(rh, rl, P4H, P4L);
        hh = rh; hl = rl;
      }
    } else {
      hh = P5H;
      hl = P5L;
    }
    add(hh, hl, Math.floor(this.total / TWO32) >>> 0, this.total >>> 0);
    hh = rh; hl = rl;
    const t = this.tail;
    let p = 0;
    for (; p + 8 <= this.tailLen; p += 8) {
      round(0, 0, le32(t, p + 4), le32(t, p));
      hh = (hh ^ rh) >>> 0;
      hl = (hl ^ rl) >>> 0;
      rotl(hh, hl, 27);
      mul(rh, rl, P1H, P1L);
      add(rh, rl, P4H, P4L);
      hh = rh; hl = rl;
    }
    if (p + 4 <= this.tailLen) {
      mul(0, le32(t, p), P1H, P1L);
      hh = (hh ^ rh) >>> 0;
      hl = (hl ^ rl) >>> 0;
      rotl(hh, hl, 23);
      mul(rh, rl, P2H, P2L);
      add(rh, rl, P3H, P3L);
      hh = rh; hl = rl;
      p += 4;
    }
    for (; p < this.tailLen; p++) {
      mul(0, t[p]!, P5H, P5L);
      hh = (hh ^ rh) >>> 0;
      hl = (hl ^ rl) >>> 0;
      rotl(hh, hl, 11);
      mul(rh, rl, P1H, P1L);
      hh = rh; hl = rl;
    }
    // avalanche
    hl = (hl ^ (hh >>> 1)) >>> 0; // h ^= h >> 33
    mul(hh, hl, P2H, P2L);
    hh = rh; hl = rl;
    hl = (hl ^ ((hl >>> 29) | (hh << 3))) >>> 0; // h ^= h >> 29
    hh = (hh ^ (hh >>> 29)) >>> 0;
    mul(hh, hl, P3H, P3L);
    hh = rh; hl = rl;
    hl = (hl ^ hh) >>> 0; // h ^= h >> 32
    return { hi: hh, lo: hl };
  }
}

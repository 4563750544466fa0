/** xxHash32 (seed 0), as LZ4 frames use for header, block and content checksums. */
import { StripedHash } from './striped-hash.js';

const P1 = 0x9e3779b1;
const P2 = 0x85ebca77;
const P3 = 0xc2b2ae3d;
const P4 = 0x27d4eb2f;
const P5 = 0x165667b1;

const rotl = (x: number, r: number) => ((x << r) | (x >>> (32 - r))) >>> 0;
const round = (acc: number, lane: number) => Math.imul(rotl((acc + Math.imul(lane, P2)) >>> 0, 13), P1) >>> 0;

export class XXH32 extends StripedHash {
  private v1 = (P1 + P2) >>> 0;
  private v2 = P2;
  private v3 = 0;
  private v4 = (0 - P1) >>> 0;

  constructor() {
    super(16);
  }

  static digest(data: Uint8Array): number {
    const h = new XXH32();
    h.update(data);
    return h.digest();
  }

  protected stripe(d: Uint8Array, p: number): void {
    this.v1 = round(this.v1, le32(d, p));
    this.v2 = round(this.v2, le32(d, p + 4));
    this.v3 = round(this.v3, le32(d, p + 8));
    this.v4 = round(this.v4, le32(d, p + 12));
  }

  digest(): number {
    let h: number;
    if (this.total >= 16) h = (rotl(this.v1, 1) + rotl(this.v2, 7) + rotl(this.v3, 12) + rotl(this.v4, 18)) >>> 0;
    else h = (this.v3 + P5) >>> 0;
    h = (h + this.total) >>> 0;
    let p = 0;
    const t = this.tail;
    for (; p + 4 <= this.tailLen; p += 4) h = Math.imul(rotl((h + Math.imul(le32(t, p), P3)) >>> 0, 17), P4) >>> 0;
    for (; p < this.tailLen; p++) h = Math.imul(rotl((h + Math.imul(t[p]!, P5)) >>> 0, 11), P1) >>> 0;
    h ^= h >>> 15;
    h = Math.imul(h, P2) >>> 0;
    h ^= h >>> 13;
    h = Math.imul(h, P3) >>> 0;
    h ^= h >>> 16;
    return h >>> 0;
  }
}

function le32(d: Uint8Array, p: number): number {
  return (d[p]! | (d[p + 1]! << 8) | (d[p + 2]! << 16) | (d[p + 3]! << 24)) >>> 0;
}

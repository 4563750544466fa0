/**
 * The streaming part shared by xxHash32 and xxHash64: input is consumed in
 * fixed-size stripes, with a partial stripe carried between updates.
 */
export abstract class StripedHash {
  protected total = 0;
  protected readonly tail: Uint8Array;
  protected tailLen = 0;

  constructor(private readonly stripeSize: number) {
    this.tail = new Uint8Array(stripeSize);
  }

  /** Mixes the stripe at d[p, p + stripeSize) into the state. */
  protected abstract stripe(d: Uint8Array, p: number): void;

  update(data: Uint8Array): void {
    const size = this.stripeSize;
    this.total += data.byteLength;
    let p = 0;
    if (this.tailLen > 0) {
      const take = Math.min(size - this.tailLen, data.byteLength);
      this.tail.set(data.subarray(0, take), this.tailLen);
      this.tailLen += take;
      p = take;
      if (this.tailLen < size) return;
      this.stripe(this.tail, 0);
      this.tailLen = 0;
    }
    const end = data.byteLength - size;
    for (; p <= end; p += size) this.stripe(data, p);
    if (p < data.byteLength) {
      this.tail.set(data.subarray(p), 0);
      this.tailLen = data.byteLength - p;
    }
  }
}

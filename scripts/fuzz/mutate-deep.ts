/**
 * Structure-aware mutation that descends through layers: a .deb's ar members,
 * an .rpm's headers and payload, compressed streams, then tar, cpio or text;
 * at each layer it may instead mutate the raw bytes there.
 */
import { pack, unpack } from './codec.js';
import { mutateAr, mutateCpio, mutateTar, parseAr, writeAr } from './mutate-archive.js';
import { concat, mutateBytes, type Mutated } from './mutate-bytes.js';
import { mutateText } from './mutate-text.js';
import type { Rng } from './prng.js';

const dec = new TextDecoder('latin1');

type Layer = 'compressed' | 'ar' | 'rpm' | 'cpio' | 'tar' | 'text' | 'binary';

export function sniff(data: Uint8Array): Layer {
  const head = dec.decode(data.subarray(0, 8));
  if (head === '!<arch>\n') return 'ar';
  if (data[0] === 0xed && data[1] === 0xab && data[2] === 0xee && data[3] === 0xdb) return 'rpm';
  if (head.startsWith('07070')) return 'cpio';
  if (dec.decode(data.subarray(257, 262)) === 'ustar') return 'tar';
  if (unpackable(data)) return 'compressed';
  const sample = data.subarray(0, 4096);
  const printable = sample.filter((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127) || b >= 0xc2).length;
  return sample.length > 0 && printable / sample.length > 0.95 ? 'text' : 'binary';
}

function unpackable(data: Uint8Array): boolean {
  const b = data;
  return (
    (b[0] === 0x1f && b[1] === 0x8b) ||
    (b[0] === 0x42 && b[1] === 0x5a && b[2] === 0x68) ||
    (b[0] === 0xfd && b[1] === 0x37 && b[2] === 0x7a) ||
    (b[0] === 0x28 && b[1] === 0xb5 && b[2] === 0x2f) ||
    (b[0] === 0x04 && b[1] === 0x22 && b[2] === 0x4d)
  );
}

export function mutateDeep(rng: Rng, data: Uint8Array, depth = 0): Mutated {
  const layer = sniff(data);
  // Raw bytes at this layer: always for unknown binary data, sometimes for every layer.
  if (layer === 'binary' || depth > 4 || rng.chance(0.25)) {
    const m = mutateBytes(rng, data);
    return { data: m.data, what: `${layer}: ${m.what}` };
  }
  switch (layer) {
    case 'compressed': {
      const inner = unpack(data);
      if (!inner) return mutateBytes(rng, data);
      const m = mutateDeep(rng, inner.plain, depth + 1);
      return { data: pack(inner.compression, m.data), what: `${inner.compression}(${m.what})` };
    }
    case 'ar':
      return mutateArDeep(rng, data, depth);
    case 'rpm':
      return mutateRpm(rng, data, depth);
    case 'cpio':
      return rng.chance(0.7) ? mutateCpio(rng, data) : prefixed('cpio', mutateBytes(rng, data));
    case 'tar':
      return rng.chance(0.7) ? mutateTar(rng, data) : prefixed('tar', mutateBytes(rng, data));
    case 'text':
      return mutateText(rng, data);
  }
}

function prefixed(layer: string, m: Mutated): Mutated {
  return { data: m.data, what: `${layer}: ${m.what}` };
}

function mutateArDeep(rng: Rng, data: Uint8Array, depth: number): Mutated {
  const members = parseAr(data);
  if (!members || members.length === 0 || rng.chance(0.3)) return mutateAr(rng, data);
  const i = rng.int(members.length);
  const m = mutateDeep(rng, members[i]!.data, depth + 1);
  members[i] = { ...members[i]!, data: m.data };
  return { data: writeAr(members), what: `ar member ${members[i]!.name}: ${m.what}` };
}

// --- rpm: lead (96 bytes), signature header (padded to 8), main header, payload ---------

interface RpmHeaderAt {
  at: number;
  nindex: number;
  hsize: number;
  end: number;
}

function rpmHeader(data: Uint8Array, at: number): RpmHeaderAt | undefined {
  if (at + 16 > data.length || data[at] !== 0x8e || data[at + 1] !== 0xad || data[at + 2] !== 0xe8) return undefined;
  const view = new DataView(data.buffer, data.byteOffset);
  const nindex = view.getUint32(at + 8);
  const hsize = view.getUint32(at + 12);
  return { at, nindex, hsize, end: at + 16 + nindex * 16 + hsize };
}

function rpmLayout(data: Uint8Array): { sig: RpmHeaderAt; main: RpmHeaderAt; payload: number } | undefined {
  const sig = rpmHeader(data, 96);
  if (!sig) return undefined;
  const main = rpmHeader(data, Math.ceil(sig.end / 8) * 8);
  if (!main || main.end > data.length) return undefined;
  return { sig, main, payload: main.end };
}

function mutateRpm(rng: Rng, data: Uint8Array, depth: number): Mutated {
  const layout = rpmLayout(data);
  if (!layout) return prefixed('rpm', mutateBytes(rng, data));
  const op = rng.int(10);
  if (op < 4) {
    const payload = data.subarray(layout.payload);
    const m = mutateDeep(rng, payload, depth + 1);
    return { data: concat(data.subarray(0, layout.payload), m.data), what: `rpm payload: ${m.what}` };
  }
  const out = data.slice();
  const view = new DataView(out.buffer);
  const header = rng.chance(0.3) ? layout.sig : layout.main;
  const which = header === layout.sig ? 'signature' : 'main';
  const value = rng.pick([0, 1, 0x7fffffff, 0x80000000, 0xffffffff, header.hsize, header.hsize + 1, header.nindex, 0x10000]);
  if (op === 4) {
    const field = rng.pick([8, 12]);
    view.setUint32(header.at + field, value);
    return { data: out, what: `rpm ${which} header: ${field === 8 ? 'nindex' : 'hsize'} = 0x${value.toString(16)}` };
  }
  if (header.nindex === 0) return prefixed('rpm', mutateBytes(rng, data));
  const entry = header.at + 16 + rng.int(header.nindex) * 16;
  const fields = ['tag', 'type', 'offset', 'count'] as const;
  const f = rng.int(4);
  const v = fields[f] === 'type' ? rng.pick([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0xffffffff]) : value;
  view.setUint32(entry + f * 4, v);
  return { data: out, what: `rpm ${which} header entry @${entry}: ${fields[f]} = 0x${v.toString(16)}` };
}

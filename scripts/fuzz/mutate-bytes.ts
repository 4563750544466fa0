/** Format-blind byte mutations: every one returns a new buffer and a short description for the reproducer. */
import type { Rng } from './prng.js';

export interface Mutated {
  data: Uint8Array;
  what: string;
}

export const BOUNDARY_BYTES = [0x00, 0xff, 0x7f, 0x80, 0x01, 0x20, 0x0a, 0x2f] as const;

type ByteMutator = (rng: Rng, data: Uint8Array) => Mutated;

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const bitFlip: ByteMutator = (rng, data) => {
  const out = data.slice();
  if (out.length === 0) return { data: out, what: 'bit-flip (empty)' };
  const at = rng.int(out.length);
  const bit = rng.int(8);
  out[at]! ^= 1 << bit;
  return { data: out, what: `bit-flip @${at} bit ${bit}` };
};

const boundaryByte: ByteMutator = (rng, data) => {
  const out = data.slice();
  if (out.length === 0) return { data: out, what: 'boundary-byte (empty)' };
  const at = rng.int(out.length);
  const n = Math.min(rng.smallLength(8), out.length - at);
  const value = rng.pick(BOUNDARY_BYTES);
  out.fill(value, at, at + n);
  return { data: out, what: `set ${n} byte(s) @${at} to 0x${value.toString(16)}` };
};

const truncate: ByteMutator = (rng, data) => {
  const at = rng.int(data.length + 1);
  return { data: data.slice(0, at), what: `truncate to ${at}` };
};

const insertRange: ByteMutator = (rng, data) => {
  const at = rng.int(data.length + 1);
  const n = rng.smallLength(4096);
  const fill = rng.chance(0.5) ? rng.bytes(n) : new Uint8Array(n).fill(rng.pick(BOUNDARY_BYTES));
  return { data: concat(data.subarray(0, at), fill, data.subarray(at)), what: `insert ${n} byte(s) @${at}` };
};

const deleteRange: ByteMutator = (rng, data) => {
  const at = rng.int(data.length + 1);
  const n = Math.min(rng.smallLength(4096), data.length - at);
  return { data: concat(data.subarray(0, at), data.subarray(at + n)), what: `delete ${n} byte(s) @${at}` };
};

const duplicateRange: ByteMutator = (rng, data) => {
  const at = rng.int(data.length + 1);
  const n = Math.min(rng.smallLength(4096), data.length - at);
  const times = rng.pick([1, 1, 2, 16]);
  const copies = Array.from({ length: times }, () => data.subarray(at, at + n));
  return { data: concat(data.subarray(0, at + n), ...copies, data.subarray(at + n)), what: `duplicate ${n} byte(s) @${at} x${times}` };
};

const copyOver: ByteMutator = (rng, data) => {
  const out = data.slice();
  const from = rng.int(data.length + 1);
  const to = rng.int(data.length + 1);
  const n = Math.min(rng.smallLength(512), data.length - from, data.length - to);
  out.set(data.subarray(from, from + n), to);
  return { data: out, what: `copy ${n} byte(s) @${from} over @${to}` };
};

const appendGarbage: ByteMutator = (rng, data) => {
  const n = rng.smallLength(2048);
  return { data: concat(data, rng.bytes(n)), what: `append ${n} random byte(s)` };
};

/** Little/big-endian 32-bit words set to boundary integers (lengths, counts, offsets in binary headers). */
const boundaryWord: ByteMutator = (rng, data) => {
  const out = data.slice();
  if (out.length < 4) return { data: out, what: 'boundary-word (short)' };
  const at = rng.int(out.length - 3);
  const value = rng.pick([0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe, 0x10000, out.length]);
  new DataView(out.buffer).setUint32(at, value >>> 0, rng.chance(0.5));
  return { data: out, what: `set u32 @${at} to 0x${(value >>> 0).toString(16)}` };
};

export const BYTE_MUTATORS: Record<string, ByteMutator> = {
  bitFlip,
  boundaryByte,
  truncate,
  insertRange,
  deleteRange,
  duplicateRange,
  copyOver,
  appendGarbage,
  boundaryWord,
};

/** 1–3 stacked byte mutations (truncation at most once, last). */
export function mutateBytes(rng: Rng, data: Uint8Array): Mutated {
  const n = rng.pick([1, 1, 1, 2, 3]);
  let current = data;
  const whats: string[] = [];
  for (let i = 0; i < n; i++) {
    const name = rng.pick(Object.keys(BYTE_MUTATORS));
    const m = BYTE_MUTATORS[name]!(rng, current);
    current = m.data;
    whats.push(m.what);
  }
  return { data: current, what: whats.join('; ') };
}

export { concat };

/**
 * readNar on NARs from the writer: whole, in small chunks and byte by byte,
 * round-tripping to the same bytes; and every kind of damage as a coded error
 * with its offset. (reader.test.ts reads nix-store --dump output.)
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chunked, collectBytes } from '../../../formats/bytes.js';
import { type ErrorCode, isDistrokitError } from '../../../formats/errors.js';
import type { NarNode } from '../../../formats/nar/node.js';
import { type NarEntry, readNar } from '../../../formats/nar/reader.js';
import { narChunks } from '../../../formats/nar/writer.js';
import { narTreeOf } from './nar-tree.js';

const enc = new TextEncoder();
const regular = (text: string, executable = false): NarNode => ({ type: 'regular', executable, size: enc.encode(text).length, contents: async function* () { yield enc.encode(text); } });
const dir = (entries: [string, NarNode][]): NarNode => ({ type: 'directory', entries: () => entries.map(([n, e]) => [enc.encode(n), e]) });
const nar = async (node: NarNode) => Buffer.from(await collectBytes(narChunks(node)));

const sample = dir([
  ['bin', dir([['tool', regular('#!/bin/sh\n', true)], ['empty', regular('')]])],
  ['link', { type: 'symlink', target: '../elsewhere' }],
  ['\uff5e', regular('tilde')],
  ['\u{1f600}', regular('face')],
  ['nested', dir([['deeper', dir([])]])],
  ['with space\nand newline', regular('x'.repeat(1000))],
]);

async function entries(data: Uint8Array, chunk?: number): Promise<NarEntry[]> {
  const out: NarEntry[] = [];
  for await (const e of readNar(chunk ? chunked(data, chunk) : data)) out.push(e);
  return out;
}

async function failure(data: Uint8Array): Promise<{ code: ErrorCode; data: Record<string, unknown> }> {
  try {
    for await (const e of readNar(data)) if (e.body) await collectBytes(e.body);
  } catch (err) {
    if (isDistrokitError(err)) return { code: err.code, data: err.data };
    throw err;
  }
  throw new Error('expected an error');
}

describe('readNar', () => {
  it('lists entries in archive order with types, flags, sizes and targets', async () => {
    const list = await entries(await nar(sample));
    expect(list.map((e) => [e.path, e.type, e.executable, e.size])).toEqual([
      ['', 'directory', undefined, undefined],
      ['bin', 'directory', undefined, undefined],
      ['bin/empty', 'regular', false, 0n],
      ['bin/tool', 'regular', true, 10n],
      ['link', 'symlink', undefined, undefined],
      ['nested', 'directory', undefined, undefined],
      ['nested/deeper', 'directory', undefined, undefined],
      ['with space\nand newline', 'regular', false, 1000n],
      ['\uff5e', 'regular', false, 5n],
      ['\u{1f600}', 'regular', false, 4n],
    ]);
    expect(Buffer.from(list[4]!.target!).toString()).toBe('../elsewhere');
  });

  it.each([undefined, 1, 3, 8, 13, 4096])('round-trips to the same bytes in chunks of %s', async (chunk) => {
    const data = await nar(sample);
    const again = await nar(await narTreeOf(readNar(chunk ? chunked(data, chunk) : data)));
    expect(again.equals(data)).toBe(true);
  });

  it('skips a body the caller did not read, and refuses to read it later', async () => {
    const list = await entries(await nar(sample), 5);
    expect(list).toHaveLength(10);
    const err = await collectBytes(list[3]!.body!).catch((e: unknown) => e);
    expect(isDistrokitError(err, 'ENTRY_BODY_STALE')).toBe(true);
    expect((err as { data: { entry: string } }).data.entry).toBe('/bin/tool');
  });

  it('reads single-file and single-symlink archives', async () => {
    for (const node of [regular('alone', true), { type: 'symlink', target: '/x' } as NarNode, dir([])]) {
      const data = await nar(node);
      expect((await nar(await narTreeOf(readNar(chunked(data, 1))))).equals(data)).toBe(true);
    }
  });

  it('every cut short is STORE_NAR_TRUNCATED with the offset where it ended', async () => {
    const data = await nar(sample);
    for (const cut of [0, 5, 8, 20, 100, data.length - 8, data.length - 1]) {
      const f = await failure(data.subarray(0, cut));
      expect(f.code, String(cut)).toBe('STORE_NAR_TRUNCATED');
      expect(f.data.offset).toBe(cut);
    }
  });

  /** The NAR of `node` with the first occurrence of string token `from` replaced by `to` (same padded length). */
  const patched = async (node: NarNode, from: string, to: string) => {
    const data = await nar(node);
    const at = data.indexOf(Buffer.from(from));
    data.set(Buffer.from(to), at);
    return { data, at };
  };

  it('damage is STORE_NAR_CORRUPT with an offset: magic, type, order, names, padding, trailing data', async () => {
    const bad = async (data: Uint8Array) => (await failure(data)).code;
    expect(await bad((await patched(regular('x'), 'nix-archive-1', 'nix-archive-2')).data)).toBe('STORE_NAR_CORRUPT');
    expect(await bad((await patched(regular('x'), 'regular', 'regulaR')).data)).toBe('STORE_NAR_CORRUPT');
    expect(await bad((await patched(dir([['a', regular('1')], ['b', regular('2')]]), 'b', 'a')).data)).toBe('STORE_NAR_CORRUPT'); // repeated name
    expect(await bad((await patched(dir([['ab', regular('1')], ['ac', regular('2')]]), 'ab', 'ad')).data)).toBe('STORE_NAR_CORRUPT'); // out of order
    expect(await bad((await patched(dir([['a-b', regular('1')]]), 'a-b', 'a/b')).data)).toBe('STORE_NAR_CORRUPT');
    expect(await bad((await patched(dir([['..x', regular('1')]]), '..x', '..\0')).data)).toBe('STORE_NAR_CORRUPT');
    const padded = await nar(regular('x'));
    padded[padded.indexOf(Buffer.from('x')) + 1] = 1;
    expect(await failure(padded)).toMatchObject({ code: 'STORE_NAR_CORRUPT' });
    const trailing = Buffer.concat([await nar(regular('x')), Buffer.alloc(8)]);
    expect(await failure(trailing)).toMatchObject({ code: 'STORE_NAR_CORRUPT', data: { offset: trailing.length - 8 } });
    const order = await patched(dir([['ab', regular('1')], ['ac', regular('2')]]), 'ab', 'ad');
    expect(await failure(order.data)).toMatchObject({ data: { entry: '/ac', offset: order.data.indexOf(Buffer.from('ac')) - 8 } });
  });

  it('a huge string length is STORE_NAR_CORRUPT, not an allocation', async () => {
    const data = await nar(dir([['a', regular('1')]]));
    const at = data.indexOf(Buffer.from('a\0')) - 8;
    data.writeBigUInt64LE(1n << 40n, at);
    expect(await failure(data)).toMatchObject({ code: 'STORE_NAR_CORRUPT', data: { offset: at } });
    expect((await failure(Buffer.from('garbage that is not a NAR at all'))).code).toBe('STORE_NAR_CORRUPT');
  });

  it('any damage to a valid NAR is a NAR error or a valid reading, never a crash or hang', async () => {
    const data = await nar(sample);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(data.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), fc.nat(data.length), async (edits, cut) => {
        const bad = Buffer.from(data.subarray(0, Math.max(cut, 1)));
        for (const [at, value] of edits) if (at < bad.length) bad[at] = value;
        try {
          for await (const e of readNar(chunked(bad, 5))) if (e.body) await collectBytes(e.body);
        } catch (err) {
          expect(isDistrokitError(err, 'STORE_NAR_CORRUPT') || isDistrokitError(err, 'STORE_NAR_TRUNCATED'), String(err)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});

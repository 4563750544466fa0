/**
 * The NAR writer's grammar on hand-made nodes (byte layout, sorting by bytes,
 * streaming) and its refusals; the oracle tier compares with nix-store --dump.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { chunked, collectBytes } from '../../../formats/bytes.js';
import { isDistrokitError } from '../../../formats/errors.js';
import type { NarNode } from '../../../formats/nar/node.js';
import { narChunks, writeNar } from '../../../formats/nar/writer.js';

const enc = new TextEncoder();
const regular = (text: string | Uint8Array, executable = false, chunk = 1 << 20): NarNode => {
  const data = typeof text === 'string' ? enc.encode(text) : text;
  return { type: 'regular', executable, size: data.length, contents: async function* () { yield* chunked(data, chunk); } };
};
const dir = (entries: [string, NarNode][]): NarNode => ({ type: 'directory', entries: () => entries.map(([n, e]) => [enc.encode(n), e]) });

/** A NAR string: u64 length, bytes, zero padding to 8. */
function str(s: string | Uint8Array): Buffer {
  const b = Buffer.from(typeof s === 'string' ? enc.encode(s) : s);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(b.length));
  return Buffer.concat([len, b, Buffer.alloc((8 - (b.length % 8)) % 8)]);
}
const strs = (...s: string[]) => Buffer.concat(s.map(str));
const nar = async (node: NarNode) => Buffer.from(await collectBytes(narChunks(node)));

describe('NAR writer', () => {
  it('writes a regular file, executable flag and padding as Nix does', async () => {
    expect(await nar(regular('hello'))).toEqual(Buffer.concat([strs('nix-archive-1', '(', 'type', 'regular', 'contents'), str('hello'), str(')')]));
    expect(await nar(regular('', true))).toEqual(Buffer.concat([strs('nix-archive-1', '(', 'type', 'regular', 'executable', '', 'contents', ''), str(')')]));
  });

  it('writes a symlink target as raw bytes', async () => {
    const target = Uint8Array.from([0x2f, 0xff, 0x20]);
    expect(await nar({ type: 'symlink', target })).toEqual(Buffer.concat([strs('nix-archive-1', '(', 'type', 'symlink', 'target'), str(target), str(')')]));
  });

  it('sorts entries by UTF-8 bytes, not UTF-16 order', async () => {
    const tilde = '\uff5e';
    const face = '\u{1f600}';
    expect([tilde, face].sort()).toEqual([face, tilde]);
    const out = await nar(dir([[face, regular('f')], [tilde, regular('t')], ['a', dir([])]]));
    const entry = (name: string, body: Buffer) => Buffer.concat([strs('entry', '(', 'name'), str(name), str('node'), body, str(')')]);
    const file = (t: string) => Buffer.concat([strs('(', 'type', 'regular', 'contents'), str(t), str(')')]);
    expect(out).toEqual(Buffer.concat([strs('nix-archive-1', '(', 'type', 'directory'), entry('a', strs('(', 'type', 'directory', ')')), entry(tilde, file('t')), entry(face, file('f')), str(')')]));
  });

  it('gives the same bytes whatever the content chunking, and counts its size', async () => {
    const data = Uint8Array.from({ length: 200_003 }, (_, i) => (i * 13) & 0xff);
    const whole = await nar(dir([['x', regular(data, true)], ['y', regular('small')]]));
    for (const chunk of [1, 7, 4096]) {
      const parts: Uint8Array[] = [];
      const size = await writeNar(dir([['x', regular(data, true, chunk)], ['y', regular('small', false, 1)]]), (c) => {
        parts.push(c);
      });
      expect(size).toBe(BigInt(whole.length));
      expect(createHash('sha256').update(Buffer.concat(parts)).digest('hex')).toBe(createHash('sha256').update(whole).digest('hex'));
    }
  });

  it.each([['', 'is empty'], ['.', "is '.'"], ['..', "is '..'"], ['a/b', "contains '/'"], ['a\0b', 'NUL']])('refuses the entry name %j (%s)', async (name) => {
    const err = await nar(dir([[name, regular('x')]])).catch((e: unknown) => e);
    expect(isDistrokitError(err, 'STORE_NAR_BAD_NAME')).toBe(true);
  });

  it('refuses a name twice in one directory', async () => {
    const err = await nar(dir([['same', regular('1')], ['same', regular('2')]])).catch((e: unknown) => e);
    expect(isDistrokitError(err, 'STORE_NAR_BAD_NAME')).toBe(true);
    expect((err as { data: { entry: string } }).data.entry).toBe('/same');
  });

  it('refuses contents shorter or longer than the size, naming the file', async () => {
    const lying = (size: number): NarNode => ({ type: 'regular', executable: false, size, contents: async function* () { yield enc.encode('four'); } });
    for (const size of [3, 5]) {
      const err = await nar(dir([['sub', dir([['f', lying(size)]])]])).catch((e: unknown) => e);
      expect(isDistrokitError(err, 'STORE_NAR_SIZE_MISMATCH'), String(size)).toBe(true);
      expect((err as { data: { entry: string } }).data.entry).toBe('/sub/f');
    }
  });
});

/**
 * readNar on what Nix 2.8 writes: `nix-store --dump` of a rich tree, read
 * whole, in small chunks and byte by byte, must write back to the same bytes;
 * and what we read must restore (`nix-store --restore`) to the same tree.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chunked, collectBytes } from '../../../formats/bytes.js';
import { readNar } from '../../../formats/nar/reader.js';
import { narChunks } from '../../../formats/nar/writer.js';
import { makeRichTree, scratchDir } from '../../src/store/trees.js';
import { narTreeOf } from './nar-tree.js';

const env = { ...process.env, NIX_CONFIG: 'build-users-group =' };
const work = scratchDir('nar-reader');
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('readNar on nix-store --dump output', () => {
  const src = join(work, 'src');
  makeRichTree(src, 5);
  const dump = execFileSync('nix-store', ['--dump', src], { env, maxBuffer: 1 << 30 });

  it.each([undefined, 7, 1])('reads it (chunks of %s bytes) and writes the same bytes back', async (chunk) => {
    const tree = await narTreeOf(readNar(chunk ? chunked(dump, chunk) : dump));
    const again = Buffer.from(await collectBytes(narChunks(tree)));
    expect(again.length).toBe(dump.length);
    expect(again.equals(dump)).toBe(true);
  });

  it('what it read restores with nix-store --restore to a tree that dumps the same', async () => {
    const tree = await narTreeOf(readNar(chunked(dump, 4096)));
    const ours = Buffer.from(await collectBytes(narChunks(tree)));
    const restored = join(work, 'restored');
    execFileSync('nix-store', ['--restore', restored], { env, input: ours });
    expect(execFileSync('nix-store', ['--dump', restored], { env, maxBuffer: 1 << 30 }).equals(dump)).toBe(true);
    expect(execFileSync('diff', ['-r', '--no-dereference', src, restored]).toString()).toBe('');
  });
});

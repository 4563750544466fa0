import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { copySparseTree } from '../../../src/vm/keep.js';

let work: string | undefined;
afterEach(() => {
  if (work) rmSync(work, { recursive: true, force: true });
  work = undefined;
});

describe('keeping a run across filesystems', () => {
  it('copies the run directory with the output disk still sparse and byte-identical', async () => {
    work = mkdtempSync(join(tmpdir(), 'distrokit-keep-'));
    const from = join(work, 'run');
    mkdirSync(join(from, 'sub'), { recursive: true });
    // A 64 MiB disk with data at the start, in the middle and in the last (partial) chunk.
    const disk = join(from, 'out.img');
    const fd = openSync(disk, 'w');
    ftruncateSync(fd, 64 * 2 ** 20 + 4096);
    writeSync(fd, Buffer.from('tar stream'), 0, 10, 0);
    writeSync(fd, Buffer.alloc(5000, 7), 0, 5000, 40 * 2 ** 20 + 3);
    writeSync(fd, Buffer.from('end'), 0, 3, 64 * 2 ** 20 + 4093);
    closeSync(fd);
    const small = join(from, 'sub', 'console.log');
    closeSync(openSync(small, 'w'));
    const to = join(work, 'kept');
    await copySparseTree(from, to);
    expect(readFileSync(join(to, 'out.img')).equals(readFileSync(disk))).toBe(true);
    expect(statSync(join(to, 'sub', 'console.log')).size).toBe(0);
    // Three chunks with data were written (3 MiB at most); the rest stayed holes.
    expect(statSync(join(to, 'out.img')).blocks * 512).toBeLessThanOrEqual(3 * 2 ** 20);
  });
});

/**
 * The liblzma (WebAssembly) xz encoder against xz(1): what we write decodes with
 * `xz -dc` and carries the check asked for (`xz --robot -lv`), is byte-identical
 * to xz(1)'s single-threaded output for the same preset and check, does not
 * depend on how the input is chunked, and refuses presets it cannot run.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chunked, concatBytes } from '../../../formats/bytes.js';
import { decompressXz, compressXz, type CompressXzOptions } from '../../../formats/compress/xz.js';
import { DistrokitError } from '../../../formats/errors.js';
import { debianCache } from '../../helpers/cache.js';

const text = new Uint8Array(readFileSync(debianCache.updates));
// Incompressible bytes longer than the 1 MiB buffers, so input and output both span several steps.
const noise = concatBytes(Array.from({ length: 40_000 }, (_, i) => new Uint8Array(createHash('sha512').update(`seed ${i}`).digest())));
const work = mkdtempSync(join(tmpdir(), 'distrokit-xz-encode-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const digest = (d: Uint8Array) => createHash('sha256').update(d).digest('hex');

async function encode(input: Iterable<Uint8Array>, options: CompressXzOptions = {}): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of compressXz(input, options)) parts.push(chunk);
  return concatBytes(parts);
}

const xzDecode = (packed: Uint8Array) => new Uint8Array(execFileSync('xz', ['-dc'], { input: packed, maxBuffer: 1 << 28 }));

describe('compressXz', () => {
  it.each([
    [0, 'crc32'],
    [1, 'none'],
    [6, 'crc64'],
    [6, 'crc32'],
    [3, 'sha256'],
  ] as const)('preset %i, check %s: xz -dc decodes it, the check is recorded, and xz(1) writes the same bytes', async (preset, check) => {
    const packed = await encode([text], { preset, check });
    expect(packed.length).toBeLessThan(text.length / 3);
    expect(digest(xzDecode(packed))).toBe(digest(text));
    const file = join(work, `p${preset}-${check}.xz`); // xz --list needs a file, not a pipe
    writeFileSync(file, packed);
    const info = execFileSync('xz', ['--robot', '-lv', file]).toString();
    const checkName = { none: 'None', crc32: 'CRC32', crc64: 'CRC64', sha256: 'SHA-256' }[check];
    expect(info).toMatch(new RegExp(`^file\\t.*\\t${checkName}\\t`, 'm'));
    const theirs = new Uint8Array(execFileSync('xz', ['-c', `-${preset}`, `--check=${check}`, '-T1'], { input: text, maxBuffer: 1 << 28 }));
    expect(digest(packed)).toBe(digest(theirs));
  });

  it('gives the same bytes for whole, 64 KiB and 1-byte input chunks, and our decoder reads it back', async () => {
    const small = text.subarray(0, 50_000);
    const whole = await encode([small]);
    expect(digest(await encode(chunked(small, 65536)))).toBe(digest(whole));
    expect(digest(await encode(chunked(small, 1)))).toBe(digest(whole));
    const back: Uint8Array[] = [];
    for await (const chunk of decompressXz(whole)) back.push(chunk);
    expect(digest(concatBytes(back))).toBe(digest(small));
  });

  it('handles input and output larger than its 1 MiB buffers (incompressible data)', async () => {
    const packed = await encode(chunked(noise, 300_000), { preset: 1, check: 'crc32' });
    expect(packed.length).toBeGreaterThan(noise.length);
    expect(digest(xzDecode(packed))).toBe(digest(noise));
  });

  it('writes a valid stream for empty input', async () => {
    const packed = await encode([]);
    expect(xzDecode(packed).length).toBe(0);
  });

  it.each([
    [{ preset: 10 }, 'XZ_OPTIONS'],
    [{ preset: 2.5 }, 'XZ_OPTIONS'],
    [{ check: 'md5' as 'crc32' }, 'XZ_OPTIONS'],
    [{ preset: 9 }, 'XZ_MEMORY'],
  ])('refuses %j with %s before writing anything', async (options, code) => {
    const err = await encode([text], options).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DistrokitError);
    expect((err as DistrokitError).code).toBe(code);
  });

  it('an encoder refused for memory leaves the instance usable', async () => {
    await encode([text], { preset: 9 }).catch(() => undefined);
    expect(digest(xzDecode(await encode([text], { preset: 6 })))).toBe(digest(text));
  });
});

/**
 * ar archives written by GNU ar (short names, long names through the "//"
 * table, odd sizes with '\n' padding) and by our writer: member names and
 * contents equal `ar t` / `ar p`, through whole-buffer, 64 KiB and 1-byte chunks.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chunked, collectBytes } from '../../../formats/bytes.js';
import { readAr } from '../../../formats/ar/reader.js';
import { writeAr } from '../../../formats/ar/writer.js';
import { type ErrorCode, isDistrokitError } from '../../../formats/errors.js';

const work = mkdtempSync(join(tmpdir(), 'distrokit-ar-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function members(input: Parameters<typeof readAr>[0]): Promise<[string, string][]> {
  const out: [string, string][] = [];
  for await (const m of readAr(input)) out.push([m.name, Buffer.from(await collectBytes(m.body)).toString('latin1')]);
  return out;
}

describe('ar reader', () => {
  it('reads GNU ar archives with long names like ar t / ar p, in every chunking', async () => {
    const names = ['a', 'odd-size.txt', 'a-member-name-longer-than-sixteen.bin', 'another-quite-long-member-name'];
    names.forEach((n, i) => writeFileSync(join(work, n), 'x'.repeat(i * 3 + 1) + '\n'.repeat(i)));
    const archive = join(work, 'gnu.a');
    execFileSync('ar', ['rcS', archive, ...names], { cwd: work });
    const expected = execFileSync('ar', ['t', archive], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((name) => [name, execFileSync('ar', ['p', archive, name], { encoding: 'latin1' })] as [string, string]);
    expect(expected.map(([n]) => n)).toEqual(names);
    const bytes = readFileSync(archive);
    expect(await members(bytes)).toEqual(expected);
    expect(await members(chunked(bytes, 65536))).toEqual(expected);
    expect(await members(chunked(bytes, 1))).toEqual(expected);
  });

  it('our writer is read back by GNU ar', () => {
    const file = join(work, 'ours.a');
    writeFileSync(file, writeAr([{ name: 'debian-binary', data: new TextEncoder().encode('2.0\n') }, { name: 'odd', data: new Uint8Array([1, 2, 3]) }]));
    expect(execFileSync('ar', ['t', file], { encoding: 'utf8' })).toBe('debian-binary\nodd\n');
    expect(execFileSync('ar', ['p', file, 'debian-binary'], { encoding: 'utf8' })).toBe('2.0\n');
  });

  it('bad magic, bad header terminator and a size beyond the end are typed errors', async () => {
    const good = writeAr([{ name: 'm', data: new Uint8Array(10) }]);
    const cases: [Uint8Array, ErrorCode][] = [
      [new TextEncoder().encode('!<arch!\n'), 'AR_BAD_MAGIC'],
      [Uint8Array.from(good, (b, i) => (i === 8 + 58 ? 0x20 : b)), 'AR_BAD_HEADER'],
      [writeAr([{ name: 'm', data: new Uint8Array(10), sizeField: 1 << 30 }]), 'AR_TRUNCATED'],
    ];
    for (const [bytes, code] of cases) {
      const err = await members(chunked(bytes, 1)).catch((e: unknown) => e);
      expect(isDistrokitError(err, code), code).toBe(true);
    }
  });
});

import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDeb822, parseDeb822Text } from '../../../formats/deb822/index.js';
import { DistrokitError } from '../../../formats/errors.js';
import { CHUNKINGS } from '../../helpers/chunks.js';

const dir = new URL('../../../fixtures/deb822/', import.meta.url);
const files = readdirSync(dir);

async function parseAll(data: Uint8Array | Iterable<Uint8Array>, file: string) {
  const out: { line: number; fields: Record<string, string> }[] = [];
  for await (const s of parseDeb822(data, { file })) out.push({ line: s.line, fields: Object.fromEntries(s.fields) });
  return out;
}

describe('deb822 fixtures', () => {
  for (const name of files.filter((f) => f.startsWith('good-') && f.endsWith('.txt'))) {
    const expected = JSON.parse(readFileSync(new URL(name.replace(/\.txt$/, '.json'), dir), 'utf8'));
    const data = readFileSync(new URL(name, dir));
    for (const c of CHUNKINGS) {
      it(`${name} (${c.name})`, async () => {
        expect(await parseAll(c.split(data), name)).toEqual(expected);
      });
    }
    it(`${name} (sync text API)`, () => {
      expect(parseDeb822Text(data).map((s) => ({ line: s.line, fields: Object.fromEntries(s.fields) }))).toEqual(expected);
    });
  }

  for (const name of files.filter((f) => /^DEB822_[A-Z_]+\.txt$/.test(f))) {
    const code = name.replace(/\.txt$/, '');
    const data = readFileSync(new URL(name, dir));
    for (const c of CHUNKINGS) {
      it(`${name} fails with ${code} naming file and line (${c.name})`, async () => {
        const err = await parseAll(c.split(data), name).then(
          () => null,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(DistrokitError);
        expect((err as DistrokitError).code).toBe(code);
        expect((err as DistrokitError).data.file).toBe(name);
        expect((err as DistrokitError).data.line).toBeGreaterThan(0);
        expect((err as DistrokitError).message).toMatch(new RegExp(`^${name}:\\d+: `));
      });
    }
  }

  it('keeps only the requested fields with `keep`, still checking the others', async () => {
    const data = readFileSync(new URL('good-syntax.txt', dir));
    const out = [];
    for await (const s of parseDeb822(data, { keep: new Set(['package']) })) out.push(Object.fromEntries(s.fields));
    expect(out).toEqual([{ package: 'alpha' }, { package: 'beta' }]);
  });
});

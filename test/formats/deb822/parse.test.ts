import { readdirSync, readFileSync } from 'node:fs';
import { createReadStream } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDeb822, parseDeb822Batches, parseDeb822Text } from '../../../formats/deb822/index.js';
import { decompress } from '../../../formats/compress/index.js';
import { DistrokitError } from '../../../formats/errors.js';
import { debianCache } from '../../helpers/cache.js';
import { CHUNKINGS } from '../../helpers/chunks.js';
import { runPython } from '../../helpers/oracle.js';
import { readdir } from 'node:fs/promises';
import { createHash } from 'node:crypto';

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

/** Python's apt_pkg.TagFile over the same file: a digest of every stanza's fields in order. */
function aptTagFileDigest(path: string): { count: number; digest: string } {
  const script = [
    'import sys, hashlib, apt_pkg',
    'h = hashlib.sha256(); n = 0',
    'with apt_pkg.TagFile(sys.stdin.read().strip()) as tf:',
    '    for s in tf:',
    '        n += 1',
    '        for k in s.keys():',
    '            h.update((k.lower() + "\\x1f" + s[k] + "\\x1e").encode("utf-8", "surrogateescape"))',
    '        h.update(b"\\x1d")',
    'print(n, h.hexdigest())',
  ].join('\n');
  const [count, digest] = runPython(script, path).trim().split(' ');
  return { count: Number(count), digest: digest! };
}

async function ourDigest(path: string): Promise<{ count: number; digest: string }> {
  const h = createHash('sha256');
  let count = 0;
  for await (const batch of parseDeb822Batches(decompress(createReadStream(path)), { file: path })) {
    for (const s of batch) {
      count++;
      s.names.forEach((n) => h.update(`${n.toLowerCase()}\x1f${s.fields.get(n.toLowerCase())}\x1e`));
      h.update('\x1d');
    }
  }
  return { count, digest: h.digest('hex') };
}

describe('deb822 on real indexes, against apt_pkg.TagFile', () => {
  it('bookworm main Packages (63,440 stanzas): every field of every stanza equal', async () => {
    const ours = await ourDigest(debianCache.main);
    expect(ours.count).toBe(63_440);
    expect(ours).toEqual(aptTagFileDigest(debianCache.main));
  });

  it('bookworm-security Packages', async () => {
    expect(await ourDigest(debianCache.security)).toEqual(aptTagFileDigest(debianCache.security));
  });

  it('a clear-signed InRelease: the signed Release fields, without the OpenPGP armour', async () => {
    const lists = await readdir(debianCache.lists);
    const inRelease = lists.find((f) => f.endsWith('_bookworm_InRelease'))!;
    const stanzas = await parseAll(readFileSync(`${debianCache.lists}/${inRelease}`), inRelease);
    expect(stanzas).toHaveLength(1);
    expect(stanzas[0]!.fields.codename).toBe('bookworm');
    expect(stanzas[0]!.fields.sha256).toMatch(/main\/binary-amd64\/Packages\.xz/);
    expect(JSON.stringify(stanzas)).not.toMatch(/PGP/);
  });
});

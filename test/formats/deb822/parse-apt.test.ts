/** deb822 parsing of real bookworm indexes against apt's own parser, apt_pkg.TagFile (the committed fixtures: parse.unit.test.ts). */
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { decompress } from '../../../formats/compress/index.js';
import { parseDeb822, parseDeb822Batches } from '../../../formats/deb822/index.js';
import { debianCache } from '../../helpers/cache.js';
import { runPython } from '../../helpers/oracle.js';

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
    const stanzas: { fields: Record<string, string> }[] = [];
    for await (const s of parseDeb822(readFileSync(`${debianCache.lists}/${inRelease}`), { file: inRelease })) stanzas.push({ fields: Object.fromEntries(s.fields) });
    expect(stanzas).toHaveLength(1);
    expect(stanzas[0]!.fields.codename).toBe('bookworm');
    expect(stanzas[0]!.fields.sha256).toMatch(/main\/binary-amd64\/Packages\.xz/);
    expect(JSON.stringify(stanzas)).not.toMatch(/PGP/);
  });
});

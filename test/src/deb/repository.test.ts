/**
 * The repository model reads several indexes at once; what it chooses must not
 * depend on which index finishes first: the highest version wins, equal versions
 * come from the index listed first, and within one index from the first stanza.
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { chunked } from '../../../formats/bytes.js';
import { DistrokitError } from '../../../formats/errors.js';
import { DebRepository } from '../../../src/deb/repository.js';
import { CHUNKINGS } from '../../helpers/chunks.js';

const stanza = (name: string, version: string, filename: string, arch = 'amd64') =>
  `Package: ${name}\nVersion: ${version}\nArchitecture: ${arch}\nFilename: ${filename}\n`;

/** A large gzip-compressed index (slow to read) ending with `tail`. */
function slowIndex(tail: string): Uint8Array {
  const filler = Array.from({ length: 20_000 }, (_, i) => stanza(`filler${i}`, '1.0', `pool/f${i}.deb`)).join('\n');
  return gzipSync(`${filler}\n${tail}`);
}

async function repoOf(...indexes: { data: Uint8Array; name: string }[]): Promise<DebRepository> {
  return DebRepository.fromIndexes(indexes);
}

describe('DebRepository over several indexes', () => {
  const slowOld = { name: 'slow.gz', data: slowIndex(stanza('x', '1.0', 'pool/slow-x.deb')) };
  const fastNew = { name: 'fast', data: new TextEncoder().encode(stanza('x', '1.0+deb12u1', 'pool/fast-x.deb')) };
  const slowSame = { name: 'slow-same.gz', data: slowIndex(stanza('x', '1.0+deb12u1', 'pool/slow-x.deb')) };

  it('takes the highest version whatever the order of the indexes', async () => {
    expect((await repoOf(slowOld, fastNew)).candidate('x')?.filename).toBe('pool/fast-x.deb');
    expect((await repoOf(fastNew, slowOld)).candidate('x')?.filename).toBe('pool/fast-x.deb');
  });

  it('takes an equal version from the index listed first, even when that one is read last', async () => {
    expect((await repoOf(slowSame, fastNew)).candidate('x')?.filename).toBe('pool/slow-x.deb');
    expect((await repoOf(fastNew, slowSame)).candidate('x')?.filename).toBe('pool/fast-x.deb');
  });

  it('keeps the first of two equal stanzas in one index, and ignores other architectures', async () => {
    const text = [stanza('y', '2', 'pool/first.deb'), stanza('y', '2', 'pool/second.deb'), stanza('y', '9', 'pool/arm.deb', 'arm64')].join('\n');
    const repo = await repoOf({ name: 'one', data: new TextEncoder().encode(text) });
    expect(repo.candidate('y')?.filename).toBe('pool/first.deb');
    expect(repo.stats).toEqual({ stanzas: 3, otherArch: 1, superseded: 1 });
  });
});

describe('simpleProvides (the fast path of the provider index)', () => {
  it('gives exactly what the relation parser gives for every Provides of bookworm main, or defers to it', async () => {
    const { readFileSync } = await import('node:fs');
    const { parseRelations } = await import('../../../src/deb/relation.js');
    const { simpleProvides } = await import('../../../src/deb/repository.js');
    const { debianCache } = await import('../../helpers/cache.js');
    const values = [...readFileSync(debianCache.main, 'latin1').matchAll(/^Provides: (.*)$/gm)].map((m) => m[1]!);
    expect(values.length).toBeGreaterThan(5000);
    let fast = 0;
    for (const text of values) {
      const pairs = simpleProvides(text);
      if (pairs === null) continue;
      fast++;
      expect(pairs).toEqual(parseRelations(text).flatMap((group) => group.map((dep) => [dep.name, dep.version])).flat());
    }
    expect(fast / values.length).toBeGreaterThan(0.99);
    expect(simpleProvides('a (>= 1)')).toBeNull();
    expect(simpleProvides('a:any')).toBeNull();
    expect(simpleProvides('a | b')).toBeNull();
  });
});

describe('positions of errors found after the scan (lines are counted on demand)', () => {
  const filler = Array.from({ length: 300 }, (_, i) => `${stanza(`pad${i}`, '1.0', `pool/p${i}.deb`)}Description: padding\n more\n`).join('\n');
  const text = [
    filler,
    // A superseded name whose versions are compared while reading.
    stanza('dup', '1.0', 'pool/dup1.deb'),
    stanza('dup', '2:bad version', 'pool/dup2.deb'),
    // A package whose Depends is parsed only when a closure reaches it.
    `${stanza('broken', '1', 'pool/broken.deb')}Depends: ok (>> )\n`,
  ].join('\n');
  const data = new TextEncoder().encode(text);
  const lineOf = (needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

  for (const c of CHUNKINGS) {
    it(`names the file and the stanza's first line (${c.name})`, async () => {
      const versionError = await DebRepository.fromIndexes([{ name: 'P', data: toAsync(c.split(data)) }]).catch((e: unknown) => e);
      expect(versionError).toBeInstanceOf(DistrokitError);
      expect((versionError as DistrokitError).toJSON()).toMatchObject({ code: 'DEB_BAD_VERSION', file: 'P', line: lineOf('Package: dup') + 4 + 1, entry: 'dup' });
    });
  }

  it('a bad version of a name read from two indexes is reported when the name is first used, naming its stanza', async () => {
    const first = { name: 'A', data: new TextEncoder().encode(stanza('twice', '1.0', 'pool/a.deb')) };
    const second = { name: 'B', data: new TextEncoder().encode(`${stanza('other', '1', 'pool/o.deb')}\n${stanza('twice', '2:bad version', 'pool/b.deb')}`) };
    const repo = await DebRepository.fromIndexes([first, second]);
    expect(repo.stats.superseded).toBe(1);
    const err = (() => {
      try {
        repo.candidate('twice');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(DistrokitError);
    expect((err as DistrokitError).toJSON()).toMatchObject({ code: 'DEB_BAD_VERSION', file: 'B', line: 6, entry: 'twice' });
    expect(repo.candidate('other')?.filename).toBe('pool/o.deb');
  });

  it('a relation parsed late still points at its stanza', async () => {
    const good = text.replace('2:bad version', '2.0');
    const repo = await DebRepository.fromIndexes([{ name: 'P', data: toAsync(chunked(new TextEncoder().encode(good), 4096)) }]);
    const err = (() => {
      try {
        repo.relations(repo.candidate('broken')!, 'depends');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(DistrokitError);
    expect((err as DistrokitError).toJSON()).toMatchObject({ code: 'DEB_BAD_RELATION', file: 'P', line: good.split('\n').indexOf('Package: broken') + 1, entry: 'broken' });
  });
});

async function* toAsync(chunks: Uint8Array | Iterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  if (chunks instanceof Uint8Array) yield chunks;
  else yield* chunks;
}

describe('the provider index (hashed by the scan) against the relation parser', () => {
  it('gives every provided name of bookworm main + updates + security the providers the relation parser finds', async () => {
    const { parseRelations } = await import('../../../src/deb/relation.js');
    const { providesOf } = await import('../../../src/deb/scan.js');
    const { debianCache } = await import('../../helpers/cache.js');
    const repo = await DebRepository.fromIndexes([{ path: debianCache.mainGz }, { path: debianCache.updates }, { path: debianCache.security }]);
    const expected = new Map<string, string[]>();
    for (const pkg of repo.packages()) {
      const text = providesOf(pkg);
      if (!text) continue;
      for (const group of parseRelations(text)) for (const dep of group) expected.set(dep.name, [...(expected.get(dep.name) ?? []), `${pkg.name} ${dep.version ?? '-'}`]);
    }
    expect(expected.size).toBeGreaterThan(5000);
    for (const [name, providers] of expected) expect(repo.providers(name).map((p) => `${p.pkg.name} ${p.version ?? '-'}`).sort()).toEqual(providers.sort());
    expect(repo.providers('no-such-virtual-package')).toEqual([]);
  }, 60_000);
});

describe('NameTable and HashMultimap (typed-array hash tables)', () => {
  it('behave as a Map and a multimap, also when every hash collides and while growing', async () => {
    const { NameTable, HashMultimap } = await import('../../../src/deb/name-table.js');
    const fc = (await import('fast-check')).default;
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'dd', 'e', 'f', 'g', 'h'), fc.integer({ min: 0, max: 3 })), { maxLength: 3000 }), fc.boolean(), (ops, collide) => {
        const names: string[] = [];
        const table = new NameTable((ref) => names[ref]!);
        const multi = new HashMultimap();
        const model = new Map<string, number>();
        const multiModel = new Map<number, number[]>();
        for (const [name, tag] of ops) {
          const ref = names.push(`${name}${tag}`) - 1;
          const h = collide ? 7 : name.charCodeAt(0) * 31 + tag;
          const slot = table.slotOfRef(h, ref);
          if (table.at(slot) < 0 || ref % 2 === 0) table.set(slot, h, ref);
          if (!model.has(names[ref]!) || ref % 2 === 0) model.set(names[ref]!, ref);
          multi.add(h, ref);
          multiModel.set(h, [...(multiModel.get(h) ?? []), ref]);
        }
        expect(table.size).toBe(model.size);
        for (const [name, ref] of model) {
          const h = collide ? 7 : name.charCodeAt(0) * 31 + Number(name.slice(-1));
          expect(table.at(table.slotOfName(h, name))).toBe(ref);
        }
        expect([...table.values()].sort((x, y) => x - y)).toEqual([...model.values()].sort((x, y) => x - y));
        for (const [h, refs] of multiModel) expect(multi.get(h).sort((x, y) => x - y)).toEqual(refs);
        expect(multi.get(123_456)).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });
});

describe('NameTable.insertNew (the first pass of adding a piece)', () => {
  it('stores each wanted stanza with a new hash, and reports the others with the slot of their hash', async () => {
    const { NameTable } = await import('../../../src/deb/name-table.js');
    const fc = (await import('fast-check')).default;
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.boolean()), { maxLength: 400 }), fc.integer({ min: 0, max: 1000 }), (items, base) => {
        const table = new NameTable((ref) => `n${ref}`);
        const hashes = Int32Array.from(items.map(([h]) => h * 0x9e3779b1));
        const want = Uint8Array.from(items.map(([, w]) => (w ? 1 : 0)));
        const met = table.insertNew(hashes, want, base);
        const firstOf = new Map<number, number>();
        const expectedMet: number[] = [];
        items.forEach(([, w], k) => {
          if (!w) return;
          if (firstOf.has(hashes[k]!)) expectedMet.push(base + k);
          else firstOf.set(hashes[k]!, base + k);
        });
        expect(met.filter((_, i) => i % 2 === 0)).toEqual(expectedMet);
        for (let i = 0; i < met.length; i += 2) expect(table.at(met[i + 1]!)).toBe(firstOf.get(hashes[met[i]! - base]!));
        expect(table.size).toBe(firstOf.size);
        expect([...table.values()].sort((a, b) => a - b)).toEqual([...firstOf.values()].sort((a, b) => a - b));
      }),
      { numRuns: 300 },
    );
  });
});

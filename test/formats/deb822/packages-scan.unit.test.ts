/**
 * The WebAssembly Packages scanner: its layout check agrees with the
 * JavaScript model it replaced, its name and Provides hashes agree with the
 * JavaScript functions the repository uses on the strings, the compiled
 * module is what its source compiles to, and a piece taken in several calls
 * (column space full) covers every stanza once. packages-scan-wasm.test.ts
 * checks the compiled module against its source and the hashes on the real
 * bookworm main index.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nameHash, PackagesScanner, SCAN_COL, SCAN_COLUMNS } from '../../../formats/deb822/packages-scan.js';
import { simpleProvides } from '../../../src/deb/provide-index.js';
import { firstUnusualLine } from '../../helpers/deb-layout-model.js';

const enc = (s: string) => new TextEncoder().encode(s);

/** Scans a whole text in one final take. */
function scanAll(text: string, arch = 'amd64') {
  const scanner = new PackagesScanner(arch);
  scanner.append(enc(text));
  return { scanner, pieces: scanner.take(true) };
}

/** The range a final scan looks at: without leading and trailing newlines. */
const trimmed = (text: string) => text.replace(/^\n+/, '').replace(/\n+$/, '');

describe('PackagesScanner', () => {
  it('finds a range unusual exactly when the JavaScript layout model does (random texts)', () => {
    const line = fc.oneof(
      fc.constantFrom('Package: a', 'Version: 1', 'Architecture: all', 'Provides: x', 'Depends: b', ' continued', '\tmore', '', ' ', ' \t', '#c', ':x', 'nocolon', 'a:', 'Long-Field-Name-Over-Sixteen: v', 'x\r', 'Package:a'),
      fc.string({ unit: fc.constantFrom('a', ':', ' ', '\t', '#', '\r', 'P') , maxLength: 20 }),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), (lines) => {
        const text = lines.join('\n');
        const range = trimmed(text);
        const [piece] = scanAll(text).pieces;
        const unusual = range.length > 0 && firstUnusualLine(range) >= 0;
        expect(piece?.kind === 'unusual').toBe(unusual);
      }),
      { numRuns: 3000 },
    );
  });

  it('marks a Provides value simple exactly when simpleProvides reads it (random values)', () => {
    const value = fc.string({ unit: fc.constantFrom('a', 'z', '0', '+', '.', '-', 'A', '~', ':', ' ', ',', '(', ')', '=', '|', '>', 'é'), minLength: 1, maxLength: 24 });
    fc.assert(
      fc.property(value, (v) => {
        const { scanner, pieces } = scanAll(`Package: p\nVersion: 1\nArchitecture: all\nProvides: ${v}\n`);
        const piece = pieces[0]!;
        if (piece.kind !== 'stanzas' || piece.columns[SCAN_COL.NAME_AT]! < 0) return; // not vouched for (white space at an end, non-ASCII): parsed generically
        const text = scanner.latin1(piece.columns[SCAN_COL.PROVIDES_AT]!, piece.columns[SCAN_COL.PROVIDES_END]!);
        expect(text).toBe(v);
        const pairs = simpleProvides(v);
        expect(piece.columns[SCAN_COL.PROVIDES_SIMPLE]).toBe(pairs ? 1 : 0);
        expect([...piece.provides].filter((_, k) => k % 2 === 1)).toEqual(pairs ? pairs.filter((_, k) => k % 2 === 0).map((n) => nameHash(n!)) : []);
      }),
      { numRuns: 5000 },
    );
  });

  it('takes more stanzas than one call holds in several pieces, each stanza once and in order', () => {
    const count = 40_000;
    const text = Array.from({ length: count }, (_, i) => `Package: p${i}\nVersion: 1\nArchitecture: ${i % 3 ? 'amd64' : 'all'}\nProvides: v${i}, w (= ${i})\n`).join('\n');
    const { scanner, pieces } = scanAll(text);
    expect(pieces.length).toBeGreaterThan(1);
    const names: string[] = [];
    for (const piece of pieces) {
      if (piece.kind !== 'stanzas') throw new Error('unexpected unusual piece');
      for (let i = 0; i < piece.columns.length / SCAN_COLUMNS; i++) {
        const c = (k: number) => piece.columns[i * SCAN_COLUMNS + k]!;
        expect(c(SCAN_COL.ARCH_KIND)).toBe(names.length % 3 === 0 ? 2 : 1);
        names.push(scanner.latin1(c(SCAN_COL.NAME_AT), c(SCAN_COL.NAME_END)));
      }
      expect(piece.provides.length).toBe((piece.columns.length / SCAN_COLUMNS) * 4);
    }
    expect(names).toEqual(Array.from({ length: count }, (_, i) => `p${i}`));
  });

  it('counts lines as a text split does, from any earlier position', () => {
    const text = 'a: 1\nb: 2\n\nc: 3\n d\n\n\ne: 4';
    const { scanner } = scanAll(text);
    for (const offset of [0, 3, 5, 11, 12, text.length, 7, 1])
      expect(scanner.lineAt(offset)).toBe(text.slice(0, offset).split('\n').length);
  });
});

describe('ChunkedBytes (what a scan keeps of the data)', () => {
  it('reads back any range and counts lines, across kept and gathered chunks', async () => {
    const { ChunkedBytes } = await import('../../../formats/deb822/chunked-bytes.js');
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 150_000 }), { minLength: 1, maxLength: 12 }), fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 20 }), (sizes, ranges) => {
        const total = sizes.reduce((a, b) => a + b, 0);
        const data = Buffer.alloc(total);
        for (let i = 0; i < total; i++) data[i] = i % 37 === 0 ? 10 : 97 + (i % 26);
        const store = new ChunkedBytes();
        let at = 0;
        for (const n of sizes) {
          store.push(data.subarray(at, at + n));
          at += n;
        }
        expect(store.size).toBe(total);
        for (const [x, y] of ranges) {
          const from = total ? x % (total + 1) : 0;
          const to = from + (total ? y % (total - from + 1) : 0);
          expect(Buffer.from(store.bytes(from, to)).equals(data.subarray(from, to))).toBe(true);
          expect(store.latin1(from, to)).toBe(data.toString('latin1', from, to));
          expect(store.lineAt(to)).toBe(data.subarray(0, to).toString('latin1').split('\n').length);
          expect(store.lineAt(from)).toBe(data.subarray(0, from).toString('latin1').split('\n').length);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('keeps a copy of chunks the caller does not own (a reused buffer does not change what was read)', () => {
    const scanner = new PackagesScanner();
    const buffer = enc('Package: a\nVersion: 1\nArchitecture: all\n\n');
    scanner.append(buffer);
    const [piece] = scanner.take(false);
    buffer.fill(0x7a);
    scanner.append(enc('Package: b\nVersion: 2\nArchitecture: all\n'));
    scanner.take(true);
    expect(piece?.kind).toBe('stanzas');
    expect(scanner.latin1(0, 10)).toBe('Package: a');
  });
});

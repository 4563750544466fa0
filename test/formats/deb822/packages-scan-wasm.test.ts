/**
 * The WebAssembly Packages scanner: the committed module is what its
 * AssemblyScript source compiles to (a build, hence not the unit tier), and on
 * the real bookworm main index its name and Provides hashes agree with the
 * JavaScript functions the repository uses on the strings.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nameHash, PackagesScanner, SCAN_COL, SCAN_COLUMNS } from '../../../formats/deb822/packages-scan.js';
import { simpleProvides } from '../../../src/deb/provide-index.js';
import { debianCache } from '../../helpers/cache.js';

describe('PackagesScanner', () => {
  it('is the module its AssemblyScript source compiles to (scripts/build-wasm.mjs --check)', () => {
    expect(() => execFileSync(process.execPath, ['scripts/build-wasm.mjs', '--check'], { stdio: 'pipe' })).not.toThrow();
  }, 60_000);

  it('hashes names and provided names as nameHash does, and marks simple Provides as simpleProvides reads them (bookworm main)', () => {
    const data = readFileSync(debianCache.main);
    const scanner = new PackagesScanner();
    scanner.append(data);
    let stanzas = 0;
    let providing = 0;
    for (const piece of scanner.take(true)) {
      expect(piece.kind).toBe('stanzas');
      if (piece.kind !== 'stanzas') continue;
      const col = (i: number, c: number) => piece.columns[i * SCAN_COLUMNS + c]!;
      const hashesOf = new Map<number, number[]>();
      for (let k = 0; k < piece.provides.length; k += 2) hashesOf.set(piece.provides[k]!, [...(hashesOf.get(piece.provides[k]!) ?? []), piece.provides[k + 1]!]);
      for (let i = 0; i < piece.columns.length / SCAN_COLUMNS; i++, stanzas++) {
        expect(col(i, SCAN_COL.NAME_AT)).toBeGreaterThanOrEqual(0);
        expect(col(i, SCAN_COL.NAME_HASH)).toBe(nameHash(scanner.latin1(col(i, SCAN_COL.NAME_AT), col(i, SCAN_COL.NAME_END))));
        if (col(i, SCAN_COL.PROVIDES_AT) < 0) continue;
        providing++;
        const text = scanner.latin1(col(i, SCAN_COL.PROVIDES_AT), col(i, SCAN_COL.PROVIDES_END));
        const pairs = simpleProvides(text);
        expect(col(i, SCAN_COL.PROVIDES_SIMPLE)).toBe(pairs ? 1 : 0);
        expect(hashesOf.get(i) ?? []).toEqual(pairs ? pairs.filter((_, k) => k % 2 === 0).map((n) => nameHash(n!)) : []);
      }
    }
    expect(stanzas).toBe(63_440);
    expect(providing).toBeGreaterThan(5000);
  });
});

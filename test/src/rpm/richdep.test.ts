import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DistrokitError } from '../../../formats/errors.js';
import { depMatches, type SimpleDep } from '../../../src/rpm/depmatch.js';
import { evaluateRichDep, formatRichDep, parseRichDep, richDepLeaves } from '../../../src/rpm/richdep.js';
import { parseEVR } from '../../../src/rpm/vercmp.js';

/** Whether rpmbuild accepts `Requires: <dep>` (or Conflicts:): rpm's own rich-dependency parser as the oracle. */
function rpmAccepts(tag: 'Requires' | 'Conflicts', deps: string[]): boolean[] {
  const top = mkdtempSync(join(tmpdir(), 'richdep-'));
  try {
    mkdirSync(join(top, 'SPECS'));
    return deps.map((dep, i) => {
      const spec = join(top, 'SPECS', `t${i}.spec`);
      writeFileSync(spec, `Name: t${i}\nVersion: 1\nRelease: 1\nSummary: t\nLicense: MIT\nBuildArch: noarch\n${tag}: ${dep}\n%description\nt\n%files\n`);
      try {
        execFileSync('rpmbuild', ['--quiet', '-bb', '--define', `_topdir ${top}`, spec], { stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    });
  } finally {
    rmSync(top, { recursive: true, force: true });
  }
}

const VALID = [
  '(a and b)',
  '(a or b or c)',
  '(a if b)',
  '(a if b else c)',
  '(pkgA-foo with pkgA-bar)',
  '(pkgA-foo without pkgA-bar)',
  '((a or b) and (c if d))',
  '(perl(Foo::Bar) >= 1.2 or python3dist(x) = 2)',
  '(foo >= 1:2.0-3 and foo < 3)',
  '(a if (b or c) else (d and e))',
  '(  a   and   b  )',
];
const INVALID = ['(a and b or c)', '(a and)', '(and a)', '(a foo b)', '(a if b else)', '(a >= )', '(a and b', '(a and b))'];

describe('parseRichDep', () => {
  it('parses what rpm accepts and rejects what rpm rejects (rpmbuild as the oracle)', () => {
    expect(rpmAccepts('Requires', VALID)).toEqual(VALID.map(() => true));
    expect(rpmAccepts('Requires', INVALID)).toEqual(INVALID.map(() => false));
    for (const text of VALID) expect(() => parseRichDep(text)).not.toThrow();
    for (const text of INVALID) {
      const err = (() => {
        try {
          parseRichDep(text, { file: 'primary.xml', entry: 'pkg' });
          return null;
        } catch (e) {
          return e;
        }
      })();
      expect(err, text).toBeInstanceOf(DistrokitError);
      expect((err as DistrokitError).code).toBe('RICHDEP_SYNTAX');
      expect((err as DistrokitError).data.column).toBeGreaterThan(0);
    }
  });

  it('builds the tree with names holding parentheses and versions', () => {
    expect(parseRichDep('(perl(Foo::Bar) >= 1.2 or (b with c))')).toEqual({
      op: 'or',
      args: [
        { op: 'simple', dep: { name: 'perl(Foo::Bar)', flags: 'GE', evr: { epoch: undefined, version: '1.2' } } },
        { op: 'with', args: [{ op: 'simple', dep: { name: 'b' } }, { op: 'simple', dep: { name: 'c' } }] },
      ],
    });
    expect(parseRichDep('(a unless b else c)')).toMatchObject({ op: 'unless', then: { dep: { name: 'a' } }, cond: { dep: { name: 'b' } }, else: { dep: { name: 'c' } } });
    expect(formatRichDep(parseRichDep('(a if (b or c) else (d and e >= 2))'))).toBe('(a if (b or c) else (d and e >= 2))');
    expect(richDepLeaves(parseRichDep('((a or b) and (c if d))')).map((d) => d.name)).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('evaluateRichDep', () => {
  // Installed packages as name → provides.
  const installed: Record<string, SimpleDep[]> = {
    foo: [{ name: 'foo', flags: 'EQ', evr: parseEVR('2.0-1') }, { name: 'feature-x' }],
    bar: [{ name: 'bar', flags: 'EQ', evr: parseEVR('1.0-1') }, { name: 'feature-y' }],
  };
  const ctx = {
    providers: (dep: SimpleDep) => Object.keys(installed).filter((p) => installed[p]!.some((prv) => depMatches(prv, dep))),
  };
  const holds = (t: string) => evaluateRichDep(parseRichDep(t), ctx);

  it('follows the rpm semantics of every operator', () => {
    expect(holds('(foo and bar)')).toBe(true);
    expect(holds('(foo and baz)')).toBe(false);
    expect(holds('(baz or foo >= 2)')).toBe(true);
    expect(holds('(baz or foo > 2.0-1)')).toBe(false);
    expect(holds('(baz if qux)')).toBe(true);
    expect(holds('(baz if foo)')).toBe(false);
    expect(holds('(baz if qux else bar)')).toBe(true);
    expect(holds('(baz unless foo)')).toBe(true);
    expect(holds('(baz unless qux)')).toBe(false);
    expect(holds('(baz unless foo else bar)')).toBe(true);
    // with/without: one package must satisfy both sides.
    expect(holds('(feature-x with foo)')).toBe(true);
    expect(holds('(feature-x with bar)')).toBe(false);
    expect(holds('(feature-x without foo)')).toBe(false);
    expect(holds('(feature-y without foo)')).toBe(true);
    expect(holds('((baz or bar) and (foo if bar))')).toBe(true);
  });
});

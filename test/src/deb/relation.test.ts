import { createReadStream } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDeb822Batches } from '../../../formats/deb822/index.js';
import { DistrokitError } from '../../../formats/errors.js';
import { parseRelations, reduceArch, reduceProfiles, formatRelations } from '../../../src/deb/relation.js';
import { debianCache } from '../../helpers/cache.js';
import { runPython } from '../../helpers/oracle.js';

const FIELDS = ['depends', 'pre-depends', 'recommends', 'suggests', 'conflicts', 'breaks', 'provides', 'replaces', 'enhances'];

describe('relation grammar', () => {
  it('parses the Policy grammar: alternatives, operators, qualifiers, arch lists, profiles', () => {
    expect(parseRelations('a (>= 1.0) | b:any, c:amd64 (<< 2:3-4) [amd64 i386] <!nocheck> <stage1 cross>, d(=1)')).toEqual([
      [{ name: 'a', op: '>=', version: '1.0' }, { name: 'b', archQualifier: 'any' }],
      [{ name: 'c', archQualifier: 'amd64', op: '<<', version: '2:3-4', arches: { negated: false, list: ['amd64', 'i386'] }, profiles: [[{ negated: true, name: 'nocheck' }], [{ negated: false, name: 'stage1' }, { negated: false, name: 'cross' }]] }],
      [{ name: 'd', op: '=', version: '1' }],
    ]);
  });

  it("reads the deprecated '<' and '>' as '<=' and '>=' (as dpkg does)", () => {
    expect(parseRelations('a (< 1), b (> 2)')).toEqual([[{ name: 'a', op: '<=', version: '1' }], [{ name: 'b', op: '>=', version: '2' }]]);
  });

  it('allows empty items and folded lines', () => {
    expect(parseRelations(' a ,, b,\n c ,')).toEqual([[{ name: 'a' }], [{ name: 'b' }], [{ name: 'c' }]]);
  });

  it('reduces architecture restrictions and build profiles like dpkg', () => {
    const list = parseRelations('a [amd64], b [!amd64], c [i386] | d, e <!nocheck>, f <nocheck>');
    expect(formatRelations(reduceProfiles(reduceArch(list, 'amd64'), []))).toBe('a, d, e');
    expect(formatRelations(reduceProfiles(reduceArch(list, 'i386'), ['nocheck']))).toBe('b, c | d, f');
  });

  for (const [text, col] of [
    ['a (>= 1', 4],
    ['a (>> )', 6],
    ['a (~ 1)', 4],
    ['a | | b', 5],
    ['a b', 3],
    ['a (>= 1 2)', 4],
    ['a [amd64 !i386]', 10],
    ['a (>= 1.0-)', 7],
  ] as const) {
    it(`rejects ${JSON.stringify(text)} with DEB_BAD_RELATION and the column`, () => {
      let err: unknown;
      try {
        parseRelations(text, { file: 'Packages', line: 7, field: 'depends' });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DistrokitError);
      expect((err as DistrokitError).code).toBe('DEB_BAD_RELATION');
      expect((err as DistrokitError).data).toMatchObject({ file: 'Packages', line: 7 });
      expect((err as DistrokitError).data.column).toBeGreaterThanOrEqual(col);
    });
  }

  it('agrees with apt_pkg.parse_depends on every relationship field of bookworm main', async () => {
    const values: string[] = [];
    for await (const batch of parseDeb822Batches(createReadStream(debianCache.main), { keep: new Set(FIELDS) }))
      for (const s of batch) for (const f of FIELDS) if (s.fields.has(f)) values.push(s.fields.get(f)!);
    expect(values.length).toBeGreaterThan(100_000);
    // apt spells '<<' '<' and '>>' '>'; qualifiers stay in the name with strip_multi_arch=False.
    const aptOp: Record<string, string> = { '<<': '<', '>>': '>', '<=': '<=', '>=': '>=', '=': '=' };
    const ours = values.map((v) => parseRelations(v).map((g) => g.map((d) => [d.archQualifier ? `${d.name}:${d.archQualifier}` : d.name, d.version ?? '', d.op ? aptOp[d.op] : ''])));
    const script = [
      'import sys, json, apt_pkg',
      'apt_pkg.init_system()',
      'out = [apt_pkg.parse_depends(v, False) for v in json.loads(sys.stdin.read())]',
      'print(json.dumps(out))',
    ].join('\n');
    const apt = JSON.parse(runPython(script, JSON.stringify(values)));
    let mismatches = 0;
    ours.forEach((o, i) => {
      if (JSON.stringify(o) !== JSON.stringify(apt[i])) mismatches++;
    });
    expect(mismatches).toBe(0);
  });
});

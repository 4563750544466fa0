import { describe, expect, it } from 'vitest';
import { type DependencyEdge, installGroups, whyChain } from '../../../src/graph/groups.js';
import { formatList, formatNix, nixStoreName, nixString } from '../../../src/graph/output.js';

function graph(edges: Record<string, [string, boolean][]>): (n: string) => DependencyEdge<string>[] {
  return (n) => (edges[n] ?? []).map(([to, pre]) => ({ to, pre }));
}

describe('installGroups', () => {
  it('orders SCCs dependencies first and keeps plain cycles together', () => {
    const g = graph({ app: [['lib', false]], lib: [['libc', false]], libc: [['lib', false]] });
    expect(installGroups(['app', 'lib', 'libc'], g)).toEqual([['lib', 'libc'], ['app']]);
  });

  it('puts pre-required members of a cycle in earlier groups, recursively', () => {
    // a needs b before its scripts run; b needs c before its scripts; all three form one cycle.
    const g = graph({ a: [['b', true]], b: [['c', true]], c: [['a', false]] });
    expect(installGroups(['a', 'b', 'c'], g)).toEqual([['c'], ['b'], ['a']]);
  });

  it('cannot split a cycle of pre edges', () => {
    const g = graph({ a: [['b', true]], b: [['a', true]] });
    expect(installGroups(['a', 'b'], g)).toEqual([['a', 'b']]);
  });
});

describe('whyChain', () => {
  it('walks reasons back to the request', () => {
    const reasons: Record<string, { by: string | null; via: string }> = { top: { by: null, via: 'top' }, mid: { by: 'top', via: 'virt' }, leaf: { by: 'mid', via: '/bin/x' } };
    expect(whyChain('leaf', (n) => reasons[n], (n) => n)).toEqual(['requested top: top', 'top requires virt: mid', 'mid requires /bin/x: leaf']);
    expect(whyChain('other', (n) => reasons[n], (n) => n)).toEqual([]);
  });
});

describe('output', () => {
  it('writes Nix strings safely and store names Nix accepts', () => {
    expect(nixString('a"b\\c${d}')).toBe('"a\\"b\\\\c\\${d}"');
    expect(nixStoreName('tc-lib-1.0^git1~rc.rpm')).toBe('tc-lib-1.0_git1_rc.rpm');
    const nix = formatNix([[{ url: 'https://x/a.rpm', hashType: 'sha256', hash: 'ab' }], [{ url: 'https://x/b.rpm', hashType: 'sha512', hash: 'cd', name: 'b' }]], {
      header: ['generated'],
      grouped: true,
    });
    expect(nix).toContain('# generated\n\n{fetchurl}:\n\n[');
    expect(nix).toContain('  [\n    (fetchurl {\n      url = "https://x/a.rpm";\n      sha256 = "ab";\n    })\n  ]');
    expect(nix).toContain('sha512 = "cd";\n      name = "b";');
    expect(formatList([['a', 'b'], ['c']])).toBe('1\ta\n1\tb\n2\tc\n');
  });
});

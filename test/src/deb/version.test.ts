import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDeb822Batches } from '../../../formats/deb822/index.js';
import { decompress } from '../../../formats/compress/index.js';
import { checkVersion, compareVersions } from '../../../src/deb/version.js';
import { debianCache } from '../../helpers/cache.js';
import { dpkgCompareMany, runPython } from '../../helpers/oracle.js';
import { pick, seededRandom } from '../../helpers/random.js';
import { createReadStream } from 'node:fs';

const vectors = readFileSync(new URL('../../../fixtures/deb/dpkg-version-vectors.txt', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l.trim() && !l.startsWith('#'))
  .map((l) => l.trim().split(/\s+/) as [string, string, string]);

/** dpkg's verdict on a pair: the sign of a ? b, or 'reject' when dpkg says bad syntax. */
function dpkgVerdicts(pairs: [string, string][]): (number | 'reject')[] {
  const codes = dpkgCompareMany(pairs.flatMap(([a, b]) => [[a, 'lt', b], [a, 'eq', b]] as [string, string, string][]));
  return pairs.map((_, i) => {
    const lt = codes[2 * i]!;
    const eq = codes[2 * i + 1]!;
    if (lt === 2 || eq === 2) return 'reject';
    return lt === 0 ? -1 : eq === 0 ? 0 : 1;
  });
}

function ours(a: string, b: string): number | 'reject' {
  try {
    return compareVersions(a, b);
  } catch {
    return 'reject';
  }
}

describe('compareVersions against dpkg', () => {
  it('agrees with dpkg --compare-versions on dpkg\'s own vectors and the notes\' table', () => {
    const pairs = vectors.map(([a, b]) => [a, b] as [string, string]);
    const dpkg = dpkgVerdicts(pairs);
    const mismatches = pairs.filter((p, i) => ours(p[0], p[1]) !== dpkg[i]).map((p, i) => ({ pair: p, dpkg: dpkg[i] }));
    expect(mismatches).toEqual([]);
    // Where dpkg accepts both, the expected column of the vector file also holds.
    const accepted = vectors.filter((_, i) => dpkg[i] !== 'reject');
    expect(accepted.length).toBeGreaterThan(55);
    for (const [a, b, want] of accepted) expect([a, b, ours(a, b)]).toEqual([a, b, Number(want)]);
  });

  it('agrees with apt_pkg.version_compare on 120,000 pairs of real bookworm versions', async () => {
    const versions = new Set<string>();
    for (const file of [debianCache.main, debianCache.updates, debianCache.security]) {
      for await (const batch of parseDeb822Batches(decompress(createReadStream(file)), { file }))
        for (const s of batch) versions.add(s.fields.get('version')!);
    }
    const all = [...versions].sort();
    expect(all.length).toBeGreaterThan(20_000);
    const rand = seededRandom(20261122);
    const pairs: [string, string][] = [];
    // Random pairs, plus near neighbours (same prefix) where comparisons are subtle.
    for (let i = 0; i < 80_000; i++) pairs.push([pick(rand, all), pick(rand, all)]);
    for (let i = 0; i + 1 < all.length && pairs.length < 120_000; i++) pairs.push([all[i]!, all[i + 1]!]);
    const input = pairs.map(([a, b]) => `${a}\t${b}`).join('\n');
    const script = [
      'import sys, apt_pkg',
      'apt_pkg.init_system()',
      'out = []',
      'for line in sys.stdin.read().split("\\n"):',
      '    a, b = line.split("\\t")',
      '    r = apt_pkg.version_compare(a, b)',
      '    out.append("-1" if r < 0 else ("1" if r > 0 else "0"))',
      'print("\\n".join(out))',
    ].join('\n');
    const apt = runPython(script, input).trim().split('\n').map(Number);
    expect(apt.length).toBe(pairs.length);
    const mismatches: string[] = [];
    pairs.forEach(([a, b], i) => {
      if (compareVersions(a, b) !== apt[i]) mismatches.push(`${a} ? ${b}: ours ${compareVersions(a, b)}, apt ${apt[i]}`);
    });
    expect(mismatches.slice(0, 10)).toEqual([]);
  });

  it('rejects exactly what dpkg rejects (crafted and 1,500 generated strings)', () => {
    const crafted = [' 1.0 ', '1 0', 'a:1', '+1:2', '99999999999:1', '2147483647:1', '2147483648:1', '0:', '1.0-', 'abc', '1.0_1',
      '1.0-1_2', '1:2:3', '1:2-3:4', '0:-0', '-0', '1.0!', '1.0~+.-a-b', ':1', '1a:2', '1:', '1-', '--1', '1--1', '0:0:0-0', '~', '1:~', '1.0@3'];
    const rand = seededRandom(7);
    const alphabet = '0123456789abcAZ.+-~:_ @!';
    const generated: string[] = [];
    for (let i = 0; i < 1500; i++) {
      const len = 1 + Math.floor(rand() * 8);
      let s = '';
      for (let j = 0; j < len; j++) s += pick(rand, [...alphabet]);
      if (s.trim()) generated.push(s);
    }
    const all = [...crafted, ...generated];
    const dpkg = dpkgVerdicts(all.map((s) => [s, s]));
    const mismatches = all.filter((s, i) => (checkVersion(s).version ? 'ok' : 'reject') !== (dpkg[i] === 'reject' ? 'reject' : 'ok'));
    expect(mismatches).toEqual([]);
    expect(dpkg.filter((d) => d === 'reject').length).toBeGreaterThan(100);
  });
});

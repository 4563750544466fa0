import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compareEVR, formatEVR, parseEVR, rpmvercmp } from '../../../src/rpm/vercmp.js';
import { depMatches, flagOfOperator, type SimpleDep } from '../../../src/rpm/depmatch.js';
import { askRpm, type DepTuple, prng } from '../../helpers/rpm-oracle.js';

interface VercmpVector {
  a: string;
  b: string;
  expected: number;
  oddity: boolean;
}
interface DepmatchVector {
  provide: DepTuple;
  require: DepTuple;
  match: boolean;
}

const vercmpVectors = (JSON.parse(readFileSync('fixtures/rpm/rpmvercmp.json', 'utf8')) as { vectors: VercmpVector[] }).vectors;
const depmatchVectors = (JSON.parse(readFileSync('fixtures/rpm/rpmdepmatch.json', 'utf8')) as { vectors: DepmatchVector[] }).vectors;

function depOf(t: DepTuple): SimpleDep {
  if (t.length === 1) return { name: t[0] };
  return { name: t[0], flags: flagOfOperator(t[1]), evr: parseEVR(t[2]) };
}

/** Version strings that exercise every branch: digit/letter runs, leading zeros, ~, ^, separators, non-ASCII. */
function randomVersion(rand: () => number): string {
  const pieces = ['0', '1', '2', '9', '10', '010', '00', '123', '20240101', 'a', 'b', 'rc', 'rc1', 'Z', 'git', 'fc40', 'p'];
  const seps = ['.', '.', '.', '_', '+', '-', '~', '~', '^', '^', '', '', 'α'];
  const n = 1 + Math.floor(rand() * 5);
  let s = '';
  for (let k = 0; k < n; k++) {
    if (k > 0 || rand() < 0.1) s += seps[Math.floor(rand() * seps.length)];
    s += pieces[Math.floor(rand() * pieces.length)];
  }
  if (rand() < 0.08) s += seps[Math.floor(rand() * seps.length)];
  return s;
}

/** A second version near the first: most random pairs would differ in the first segment. */
function mutate(v: string, rand: () => number): string {
  const r = rand();
  if (r < 0.3) return randomVersion(rand);
  const chars = [...v];
  const pos = Math.floor(rand() * (chars.length + 1));
  const ins = ['0', '1', '9', 'a', 'z', '.', '~', '^', '_', ''][Math.floor(rand() * 10)]!;
  if (r < 0.6) chars.splice(pos, 0, ins);
  else if (r < 0.8) chars.splice(pos, 1);
  else chars.splice(pos, 1, ins);
  // rpm refuses to compare an empty version, so the generator never produces one.
  return chars.join('') || '0';
}

describe('rpmvercmp', () => {
  it("agrees with rpm's own rpmvercmp.at vectors and with rpm 4.18 on each of them", () => {
    const answers = askRpm({ vercmp: vercmpVectors.map((v) => [v.a, v.b]) }).vercmp;
    vercmpVectors.forEach((v, i) => {
      expect({ v, got: rpmvercmp(v.a, v.b) }).toEqual({ v, got: v.expected });
      expect(answers[i]).toBe(v.expected);
    });
  });

  it('agrees with rpm on 120,000 generated pairs mixing digits, letters, ~, ^ and separators', () => {
    const rand = prng(0x7270_6d31);
    const pairs: [string, string][] = [];
    for (let k = 0; k < 120_000; k++) {
      const a = randomVersion(rand);
      pairs.push([a, rand() < 0.05 ? a : mutate(a, rand)]);
    }
    const answers = askRpm({ vercmp: pairs }).vercmp;
    const mismatches = pairs.filter(([a, b], i) => rpmvercmp(a, b) !== answers[i]).slice(0, 10);
    expect(mismatches).toEqual([]);
    // The generator really produces all three outcomes and the tricky characters.
    expect(new Set(answers)).toEqual(new Set([-1, 0, 1]));
    expect(pairs.filter(([a, b]) => a.includes('^') && b.includes('~')).length).toBeGreaterThan(1000);
  });

  it('fixes the nixpkgs comparator: 2.0~rc1 < 2.0, 1.0a < 1.0.1, 1.0^git1 < 1.01', () => {
    expect(rpmvercmp('2.0~rc1', '2.0')).toBe(-1);
    expect(rpmvercmp('1.0a', '1.0.1')).toBe(-1);
    expect(rpmvercmp('1.0^git1', '1.01')).toBe(-1);
  });
});

describe('EVR', () => {
  it('parses [epoch:]version[-release] at the last dash', () => {
    expect(parseEVR('1:2.0-3.fc40')).toEqual({ epoch: '1', version: '2.0', release: '3.fc40' });
    expect(parseEVR('2.0')).toEqual({ epoch: undefined, version: '2.0' });
    expect(parseEVR(':1.0-1')).toEqual({ epoch: '0', version: '1.0', release: '1' });
    expect(parseEVR('1.0-rc-2')).toEqual({ epoch: undefined, version: '1.0-rc', release: '2' });
    expect(formatEVR(parseEVR('1:2.0-3'))).toBe('1:2.0-3');
  });

  it('orders 30,000 generated EVRs like rpm.ver (epochs, missing releases)', () => {
    const rand = prng(42);
    const evr = (): string => {
      let s = '';
      if (rand() < 0.4) s += `${['0', '1', '2', '01', '10'][Math.floor(rand() * 5)]}:`;
      s += randomVersion(rand).replace(/-/g, '.');
      if (rand() < 0.7) s += `-${randomVersion(rand).replace(/-/g, '.')}`;
      return s;
    };
    const pairs: [string, string][] = [];
    for (let k = 0; k < 30_000; k++) {
      const a = evr();
      const b = rand() < 0.5 ? evr() : a.replace(/^\d+:/, rand() < 0.5 ? '0:' : '').replace(/-[^-]*$/, rand() < 0.5 ? '' : '-1');
      pairs.push([a, b]);
    }
    const answers = askRpm({ evr: pairs }).evr;
    const mismatches = pairs.filter(([a, b], i) => compareEVR(a, b) !== answers[i]).slice(0, 10);
    expect(mismatches).toEqual([]);
  });
});

describe('dependency range matching', () => {
  it("agrees with rpm's rpmdepmatch.at table and with rpm 4.18 on it", () => {
    const answers = askRpm({ depmatch: depmatchVectors.map((v) => [v.provide, v.require]) }).depmatch;
    depmatchVectors.forEach((v, i) => {
      expect({ v, got: depMatches(depOf(v.provide), depOf(v.require)) }).toEqual({ v, got: v.match });
      expect(answers[i]).toBe(v.match);
    });
  });

  it('agrees with rpm.ds Compare on 30,000 generated provide/require pairs', () => {
    const rand = prng(7);
    const ops = ['=', '<', '<=', '>', '>=', '<>'];
    const versions = ['1.2', '1.3', '1.2~rc1', '1.2^1', '0:1.2', '1:1.2', '2:1.0', '1.2-1', '1.2-2', '1:1.2-1', '0:1.2-2', '1.3-1', '1.2-1.fc40'];
    const tuple = (): DepTuple => {
      if (rand() < 0.1) return ['a'];
      return ['a', ops[Math.floor(rand() * ops.length)]!, versions[Math.floor(rand() * versions.length)]!];
    };
    const pairs: [DepTuple, DepTuple][] = [];
    for (let k = 0; k < 30_000; k++) pairs.push([tuple(), tuple()]);
    const answers = askRpm({ depmatch: pairs }).depmatch;
    const mismatches = pairs.filter(([p, r], i) => depMatches(depOf(p), depOf(r)) !== answers[i]).slice(0, 10);
    expect(mismatches).toEqual([]);
  });
});

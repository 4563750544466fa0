/**
 * Closure policy on crafted indexes, with apt-get -s as the oracle wherever
 * apt gives an answer; where we differ on purpose the test says so.
 */
import { describe, expect, it } from 'vitest';
import { DistrokitError } from '../../../formats/errors.js';
import { resolveClosure } from '../../../src/deb/closure.js';
import { installGroups } from '../../../src/deb/install-groups.js';
import { DebRepository } from '../../../src/deb/repository.js';
import { aptSimulateInstall, syntheticAptSource } from '../../helpers/apt.js';

async function repoOf(text: string): Promise<DebRepository> {
  return DebRepository.fromIndexes([{ data: new TextEncoder().encode(text), name: 'Packages' }]);
}

const stanza = (name: string, extra = '', version = '1.0', arch = 'amd64') =>
  `Package: ${name}\nVersion: ${version}\nArchitecture: ${arch}\nPriority: optional\n${extra}`.trim();

interface Case {
  title: string;
  index: string[];
  install: string[];
  /** Expected closure (sorted names), or the expected problem codes. */
  expect: string[] | { problems: string[] };
  /** apt must agree (default), or a documented reason why it differs. */
  apt?: 'agrees' | { differs: string };
}

const CASES: Case[] = [
  {
    title: 'takes the first alternative that can be satisfied',
    index: [stanza('app', 'Depends: zzz | aaa'), stanza('zzz'), stanza('aaa')],
    install: ['app'],
    expect: ['app', 'zzz'],
  },
  {
    title: 'skips an alternative whose candidate version is out of range',
    index: [stanza('app', 'Depends: lib (>= 3) | libalt'), stanza('lib', '', '2.0'), stanza('libalt')],
    install: ['app'],
    expect: ['app', 'libalt'],
  },
  {
    title: 'prefers the provider with the higher Priority',
    index: [stanza('app', 'Depends: virt'), stanza('p1', 'Provides: virt'), stanza('p2', 'Provides: virt').replace('optional', 'important')],
    install: ['app'],
    expect: ['app', 'p2'],
  },
  {
    title: 'prefers an Essential provider',
    index: [stanza('app', 'Depends: virt'), stanza('pa', 'Provides: virt'), stanza('pz', 'Provides: virt\nEssential: yes')],
    install: ['app'],
    expect: ['app', 'pz'],
  },
  {
    title: 'prefers the real package of that name over a provider',
    index: [stanza('app', 'Depends: foo'), stanza('foo'), stanza('bar', 'Provides: foo').replace('optional', 'required')],
    install: ['app'],
    expect: ['app', 'foo'],
  },
  {
    title: 'an already chosen provider satisfies a later dependency',
    index: [stanza('app', 'Depends: p2, virt'), stanza('p1', 'Provides: virt').replace('optional', 'required'), stanza('p2', 'Provides: virt')],
    install: ['app'],
    expect: ['app', 'p2'],
  },
  {
    title: 'an unversioned Provides never satisfies a versioned dependency (Policy §7.5)',
    index: [stanza('app', 'Depends: virt (>= 1)'), stanza('p1', 'Provides: virt')],
    install: ['app'],
    expect: { problems: ['DEB_UNSATISFIABLE'] },
  },
  {
    title: 'a versioned Provides in range satisfies a versioned dependency',
    index: [stanza('app', 'Depends: virt (>= 1.5)'), stanza('p1', 'Provides: virt (= 1.0)'), stanza('p2', 'Provides: virt (= 2.0)')],
    install: ['app'],
    expect: ['app', 'p2'],
  },
  {
    title: 'the highest version of a name wins, whatever the order of the stanzas',
    index: [stanza('app', 'Depends: lib (>= 2)'), stanza('lib', '', '2.0'), stanza('lib', '', '1.0'), stanza('lib', '', '1:0.5')],
    install: ['app'],
    expect: ['app', 'lib'],
  },
  {
    title: 'packages of a foreign architecture are ignored; Architecture: all counts as native',
    index: [stanza('app', 'Depends: a, b'), stanza('a', '', '1.0', 'i386'), stanza('a', '', '0.9', 'amd64'), stanza('b', '', '1.0', 'all')],
    install: ['app'],
    expect: ['a', 'app', 'b'],
  },
  {
    title: "':any' is met by a Multi-Arch: allowed package",
    index: [stanza('app', 'Depends: python3:any'), stanza('python3', 'Multi-Arch: allowed')],
    install: ['app'],
    expect: ['app', 'python3'],
  },
  {
    title: 'a Conflicts with a chosen package makes the next alternative win',
    index: [stanza('app', 'Depends: a, b | c'), stanza('a'), stanza('b', 'Conflicts: a'), stanza('c')],
    install: ['app'],
    expect: ['a', 'app', 'c'],
  },
  {
    title: 'a Breaks declared by the chosen package counts too',
    index: [stanza('app', 'Depends: a, b | c'), stanza('a', 'Breaks: b'), stanza('b'), stanza('c')],
    install: ['app'],
    expect: ['a', 'app', 'c'],
  },
  {
    title: 'a dependency nothing satisfies is reported',
    index: [stanza('app', 'Depends: lib'), stanza('lib', 'Depends: missing (>= 2)')],
    install: ['app'],
    expect: { problems: ['DEB_UNSATISFIABLE'] },
  },
  {
    title: 'a conflict no alternative avoids is reported',
    index: [stanza('app', 'Depends: a, b'), stanza('a'), stanza('b', 'Conflicts: a')],
    install: ['app'],
    expect: { problems: ['DEB_CONFLICT'] },
  },
  {
    title: 'a dependency cycle is fine',
    index: [stanza('a', 'Depends: b'), stanza('b', 'Depends: a')],
    install: ['a'],
    expect: ['a', 'b'],
  },
];

describe('closure policy on crafted indexes (apt-get -s as the oracle)', () => {
  for (const c of CASES) {
    it(c.title, async () => {
      const text = `${c.index.join('\n\n')}\n`;
      const closure = resolveClosure(await repoOf(text), c.install);
      const ours = closure.packages.map((p) => p.name).sort();
      const apt = await aptSimulateInstall(c.install, syntheticAptSource(text));
      if (Array.isArray(c.expect)) {
        expect(closure.problems).toEqual([]);
        expect(ours).toEqual(c.expect);
        expect(apt).toEqual({ ok: true, installs: c.expect });
      } else {
        expect(closure.problems.map((p) => p.code)).toEqual(c.expect.problems);
        expect(closure.problems[0]!.message).toMatch(/^app/);
        expect(apt.ok).toBe(false);
      }
    });
  }

  it('the chain of an unsatisfiable dependency starts at the requested package', async () => {
    const closure = resolveClosure(await repoOf([stanza('app', 'Depends: lib'), stanza('lib', 'Depends: missing (>= 2)')].join('\n\n')), ['app']);
    expect(closure.problems[0]!.chain.map((p) => p.name)).toEqual(['app', 'lib']);
    expect(closure.problems[0]!.message).toBe("app → lib: depends 'missing (>= 2)' is not satisfiable (no package or provider in that version range)");
  });

  it('an unknown requested package is a typed error', async () => {
    const repo = await repoOf(stanza('app'));
    expect(() => resolveClosure(repo, ['nope'])).toThrow(DistrokitError);
    try {
      resolveClosure(repo, ['nope']);
    } catch (err) {
      expect((err as DistrokitError).code).toBe('DEB_UNKNOWN_PACKAGE');
    }
  });

  it('install groups: a Depends cycle is one group; a Pre-Depends inside a cycle is ordered first', async () => {
    const dep = await repoOf([stanza('top', 'Depends: a'), stanza('a', 'Depends: b'), stanza('b', 'Depends: a, c'), stanza('c')].join('\n\n'));
    expect(installGroups(resolveClosure(dep, ['top'])).map((g) => g.map((p) => p.name))).toEqual([['c'], ['a', 'b'], ['top']]);
    const pre = await repoOf([stanza('a', 'Pre-Depends: b'), stanza('b', 'Depends: a')].join('\n\n'));
    expect(installGroups(resolveClosure(pre, ['a'])).map((g) => g.map((p) => p.name))).toEqual([['b'], ['a']]);
  });
});

/**
 * Closure policy on crafted indexes (src/deb/policy.ts), with apt-get -s as
 * the oracle: each case must agree with apt, or — a deliberate difference
 * listed in docs/deb.md — apt must give the other answer the case names, so
 * that the documentation has to change if apt ever agrees.
 */
import { describe, expect, it } from 'vitest';
import { DistrokitError } from '../../../formats/errors.js';
import { resolveClosure } from '../../../src/deb/closure.js';
import { installGroups } from '../../../src/deb/install-groups.js';
import { DebRepository } from '../../../src/deb/repository.js';
import { aptSimulateInstall, syntheticAptSource } from '../../helpers/apt.js';
import { type Case, CASES, stanza } from './closure-policy-cases.js';

async function repoOf(text: string | readonly string[]): Promise<DebRepository> {
  const texts = typeof text === 'string' ? [text] : text;
  return DebRepository.fromIndexes(texts.map((t, k) => ({ data: new TextEncoder().encode(t), name: `Packages.${k}` })));
}

/** apt-get -s install on the case's indexes: names installed and their versions, or apt's error. */
async function aptAnswer(c: Case, texts: string[]): Promise<{ ok: true; installs: string[]; versions: Record<string, string> } | { ok: false; message: string }> {
  const source = syntheticAptSource(texts, c.releases);
  const result = await aptSimulateInstall(c.install, source, { recommends: c.recommends === true });
  if (!result.ok) return result;
  const versions = Object.fromEntries(result.instLines.map((l) => /^Inst (\S+) \((\S+)/.exec(l)!.slice(1, 3) as [string, string]));
  return { ok: true, installs: result.installs, versions };
}

describe('closure policy on crafted indexes (apt-get -s as the oracle)', () => {
  for (const c of CASES) {
    it(c.title, async () => {
      const texts = (c.indexes ?? [c.index!]).map((stanzas) => `${stanzas.join('\n\n')}\n`);
      const closure = resolveClosure(await repoOf(texts), c.install, { recommends: c.recommends === true });
      const ours = closure.packages.map((p) => p.name).sort();
      if (Array.isArray(c.expect)) {
        expect(closure.problems).toEqual([]);
        expect(ours).toEqual(c.expect);
        for (const [name, version] of Object.entries(c.expectVersions ?? {})) expect(closure.packages.find((p) => p.name === name)?.version).toBe(version);
      } else {
        expect(closure.problems.map((p) => p.code)).toEqual(c.expect.problems);
        expect(closure.problems[0]!.message).toMatch(/^app/);
      }
      const apt = await aptAnswer(c, texts);
      if (c.apt === undefined || c.apt === 'agrees') {
        if (Array.isArray(c.expect)) {
          expect(apt).toMatchObject({ ok: true, installs: c.expect });
          if (c.expectVersions) expect(apt).toMatchObject({ versions: c.expectVersions });
        } else expect(apt.ok).toBe(false);
        return;
      }
      // A documented difference: apt gives its own answer, and it is not ours.
      const theirs = c.apt.apt;
      if (Array.isArray(theirs)) {
        expect(apt).toMatchObject({ ok: true, installs: theirs });
        if (c.apt.aptVersions) expect(apt).toMatchObject({ versions: c.apt.aptVersions });
        const same = Array.isArray(c.expect) && theirs.join(' ') === c.expect.join(' ') && JSON.stringify(c.apt.aptVersions ?? {}) === JSON.stringify(c.expectVersions ?? {});
        expect(same, 'apt now agrees: update the case and docs/deb.md').toBe(false);
      } else {
        expect(apt.ok).toBe(false);
        expect(apt.ok ? '' : apt.message).toMatch(theirs.fails);
        expect(Array.isArray(c.expect), 'a documented failure of apt must be a success here').toBe(true);
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

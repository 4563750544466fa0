/**
 * The closure solver on a real repository (rpmbuild + createrepo_c, see
 * test/helpers/rpm-test-repo.ts) against libsolv's testsolv, and every chosen
 * set checked by rpm itself (rpm -i --test into an empty root).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DistrokitError } from '../../../formats/errors.js';
import { explain, resolveClosure, type Closure } from '../../../src/rpm/closure.js';
import type { PackagePool } from '../../../src/rpm/pool.js';
import { loadPool } from '../../../src/rpm/repository.js';
import { solve } from '../../../src/rpm/solver.js';
import { libsolvInstall, rpmInstallTest, solvFile } from '../../helpers/libsolv.js';
import { buildTestRepo, type TestRepo } from '../../helpers/rpm-test-repo.js';

/** Cases with a single valid answer (plus two where libsolv's choice is its policy, which ours follows). */
const SAME_AS_LIBSOLV = [
  'rich-and',
  'rich-or',
  'rich-if',
  'rich-ifelse',
  'rich-unlesselse',
  'rich-with',
  'rich-without',
  'rich-nested',
  'fileprim-user',
  'epoch-user',
  'tilde-user',
  'mv-user',
  'arch-user',
  'cf-user',
  'pre-user',
  'cy-a',
  // Several valid answers; libsolv's policy (obsoleted last, then name order) picks these.
  'ob-user',
  'vp-user',
];

describe('rpm closure on a real repository', () => {
  let repo: TestRepo;
  let pool: PackagePool;
  let poolWithFiles: PackagePool;
  let poolZst: PackagePool;
  beforeAll(async () => {
    repo = buildTestRepo();
    pool = await loadPool([{ location: repo.gz }]);
    poolWithFiles = await loadPool([{ location: repo.gz }], { filelists: true });
    poolZst = await loadPool([{ location: repo.zst }], { filelists: true });
  });

  const names = (c: Closure) => c.packages.map((p) => p.nevra).sort();
  const files = (c: Closure) => c.packages.map((p) => p.url);

  it.each(SAME_AS_LIBSOLV)('%s: the same set as libsolv, and rpm -i --test accepts it', (top) => {
    const closure = resolveClosure(pool, [top]);
    expect(names(closure)).toEqual(libsolvInstall(solvFile(repo.gz, false), top).install);
    const check = rpmInstallTest(files(closure));
    expect(check.output).toBe('');
    expect(check.ok).toBe(true);
  });

  it('filedep-user: a file only in filelists resolves with filelists (as libsolv), and is reported without', () => {
    const withFiles = resolveClosure(poolWithFiles, ['filedep-user']);
    expect(names(withFiles)).toEqual(libsolvInstall(solvFile(repo.gz, true), 'filedep-user').install);
    expect(rpmInstallTest(files(withFiles)).ok).toBe(true);
    expect(names(resolveClosure(poolZst, ['filedep-user']))).toEqual(names(withFiles));

    const without = resolveClosure(pool, ['filedep-user']);
    expect(names(without)).toEqual(['filedep-user-1.0-1.noarch']);
    expect(without.unresolved).toEqual([
      { dependency: '/usr/share/fd-data/data.txt', requiredBy: 'filedep-user-1.0-1.noarch', hint: expect.stringContaining('--filelists') },
    ]);
    expect(libsolvInstall(solvFile(repo.gz, false), 'filedep-user').problems.join('\n')).toContain('nothing provides /usr/share/fd-data/data.txt');
  });

  it('rich-unless: several valid answers; ours is complete and conflict-free for rpm', () => {
    const closure = resolveClosure(pool, ['rich-unless']);
    expect(names(closure)).toEqual(['rich-unless-1.0-1.noarch', 'ru-b-1.0-1.noarch']);
    expect(rpmInstallTest(files(closure)).ok).toBe(true);
    // libsolv installs ru-a and ru-cond instead (the conflict is lifted by ru-cond); also valid.
    expect(rpmInstallTest(libsolvInstall(solvFile(repo.gz, false), 'rich-unless').install.map((n) => closureUrl(repo, n))).ok).toBe(true);
  });

  it('weak dependencies only on request, as libsolv with and without ignorerecommended', () => {
    expect(names(resolveClosure(pool, ['weak-user']))).toEqual(libsolvInstall(solvFile(repo.gz, false), 'weak-user').install);
    expect(names(resolveClosure(pool, ['weak-user'], { weak: true }))).toEqual(libsolvInstall(solvFile(repo.gz, false), 'weak-user', { weak: true }).install);
  });

  it('multilib: ar-lib.i686 on request with x86_64,i686,noarch, as libsolv', async () => {
    const multilib = await loadPool([{ location: repo.gz }], { archs: ['x86_64', 'i686', 'noarch'] });
    expect(names(resolveClosure(multilib, ['ar-lib.i686']))).toEqual(
      libsolvInstall(solvFile(repo.gz, false), 'ar-lib-1.0-1.i686@test', { selector: 'pkg' }).install,
    );
    expect(names(resolveClosure(multilib, ['ar-lib']))).toEqual(['ar-lib-1.0-1.x86_64']);
  });

  it('unsatisfiable: a problem with the chain (no packages), where libsolv reports the same missing provider', () => {
    const closure = resolveClosure(pool, ['broken-top']);
    expect(closure.packages).toEqual([]);
    expect(closure.problems).toEqual([
      {
        code: 'RPM_UNSATISFIABLE',
        message: 'nothing provides does-not-exist >= 3 needed by broken-mid-1.0-1.noarch ← broken-top-1.0-1.noarch',
        chain: ['broken-top-1.0-1.noarch', 'broken-mid-1.0-1.noarch'],
        dependency: 'does-not-exist >= 3',
      },
    ]);
    expect(libsolvInstall(solvFile(repo.gz, false), 'broken-top').problems).toEqual(['nothing provides does-not-exist >= 3 needed by broken-mid-1.0-1.noarch']);
    // The solver itself still throws the typed error (with the chain from the package up to the request).
    const err = (() => {
      try {
        solve(pool, ['broken-top']);
        return null;
      } catch (e) {
        return e;
      }
    })() as DistrokitError;
    expect(err).toBeInstanceOf(DistrokitError);
    expect(err.code).toBe('RPM_UNSATISFIABLE');
    expect(err.data.chain).toEqual(['broken-mid-1.0-1.noarch', 'broken-top-1.0-1.noarch']);
  });

  it('install groups: SCCs dependencies first, Requires(pre) providers in an earlier group', () => {
    expect(resolveClosure(pool, ['pre-user']).groups).toEqual([['pre-dep-1.0-1.noarch'], ['pre-user-1.0-1.noarch']]);
    expect(resolveClosure(pool, ['cy-a']).groups).toEqual([['cy-a-1.0-1.noarch', 'cy-b-1.0-1.noarch']]);
    expect(resolveClosure(pool, ['rich-and']).groups).toEqual([['ra1-1.0-1.noarch'], ['ra2-1.0-1.noarch'], ['rich-and-1.0-1.noarch']]);
  });

  it('--why gives the chain from the request', () => {
    const closure = resolveClosure(pool, ['rich-nested']);
    expect(explain(closure, 'rn-c')).toEqual([
      'requested rich-nested: rich-nested-1.0-1.noarch',
      'rich-nested-1.0-1.noarch requires ((rn-a >= 2 or rn-b) and (rn-c if (rn-b or rn-a))): rn-c-1.0-1.noarch',
    ]);
  });

  it('all cases together: deterministic, complete and conflict-free for rpm', () => {
    const all = [...SAME_AS_LIBSOLV, 'rich-unless', 'weak-user'];
    const a = resolveClosure(poolWithFiles, [...all, 'filedep-user']);
    const b = resolveClosure(poolWithFiles, [...all, 'filedep-user']);
    expect(a.packages).toEqual(b.packages);
    const check = rpmInstallTest(files(a));
    expect(check.output).toBe('');
    expect(check.ok).toBe(true);
  });
});

function closureUrl(repo: TestRepo, nevra: string): string {
  return `${repo.gz}/Packages/${nevra}.rpm`;
}

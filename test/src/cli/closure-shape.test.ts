/**
 * `deb closure` and `rpm closure` give one document shape, one exit-code rule,
 * one --format default and one --why shape, on real inputs: bookworm's
 * indexes (the updates index alone for real unmet dependencies) and the
 * rpmbuild/createrepo_c test repository.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { debianCache } from '../../helpers/cache.js';
import { distrokit } from '../../helpers/cli.js';
import { buildTestRepo } from '../../helpers/rpm-test-repo.js';

/** The key structure of a JSON value: objects by sorted keys, arrays by the union of their entries' shapes. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) {
    const shapes = [...new Set(value.map((v) => JSON.stringify(shape(v))))].sort();
    return shapes.map((s) => JSON.parse(s) as unknown);
  }
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, shape((value as Record<string, unknown>)[k])]),
    );
  return typeof value;
}

let repo: string;
beforeAll(() => {
  repo = buildTestRepo().gz;
});

const INDEXES = ['--index', debianCache.mainGz, '--index', debianCache.updates, '--index', debianCache.security];
const deb = (...args: string[]) => distrokit(['deb', 'closure', ...INDEXES, ...args]);
/** bookworm-updates alone: openssl's libc6 is not there, a real unmet dependency. */
const debUpdatesOnly = (...args: string[]) => distrokit(['deb', 'closure', '--index', debianCache.updates, ...args]);
const rpm = (...args: string[]) => distrokit(['rpm', 'closure', '--repo', repo, ...args]);

describe('deb closure and rpm closure', () => {
  it('JSON by default, with the same keys, recursively (packages, groups, problems)', () => {
    const d = deb('--format', 'json', 'make', 'wget');
    const r = rpm('--format', 'json', 'pre-user', 'filedep-user');
    expect(r.status, r.stderr).toBe(0);
    const debDoc = JSON.parse(d.stdout);
    const rpmDoc = JSON.parse(r.stdout);
    expect(Object.keys(debDoc).sort()).toEqual(['groups', 'packages', 'problems', 'requested', 'warnings']);
    expect(Object.keys(rpmDoc).sort()).toEqual(Object.keys(debDoc).sort());
    expect(debDoc.packages.length).toBeGreaterThan(0);
    expect(shape(debDoc.packages)).toEqual(shape(rpmDoc.packages));
    expect(shape(debDoc.groups)).toEqual([['string']]);
    expect(shape(rpmDoc.groups)).toEqual(shape(debDoc.groups));
    // No --format: the same document.
    expect(deb('make', 'wget').stdout).toBe(d.stdout);
    expect(rpm('pre-user', 'filedep-user').stdout).toBe(r.stdout);
    // Every package's group indexes `groups`, and lists its id there.
    for (const doc of [debDoc, rpmDoc]) for (const p of doc.packages) expect(doc.groups[p.group]).toContain(p.id);
  });

  it('problems: the same entry keys, exit 1 with the document still printed, in every format', () => {
    const d = debUpdatesOnly('openssl');
    const r = rpm('broken-top');
    expect([d.status, r.status]).toEqual([1, 1]);
    const debDoc = JSON.parse(d.stdout);
    const rpmDoc = JSON.parse(r.stdout);
    expect(debDoc.problems.length).toBeGreaterThan(0);
    expect(debDoc.packages.map((p: { id: string }) => p.id)).toEqual(['libssl3', 'openssl']);
    expect(rpmDoc.problems).toHaveLength(1);
    expect(shape(debDoc.problems)).toEqual(shape(rpmDoc.problems));
    expect(debDoc.problems).toContainEqual(expect.objectContaining({ code: 'DEB_UNSATISFIABLE', chain: ['openssl', 'libssl3'], dependency: 'libc6 (>= 2.34)' }));
    expect(rpmDoc.problems[0]).toMatchObject({ code: 'RPM_UNSATISFIABLE', chain: ['broken-top-1.0-1.noarch', 'broken-mid-1.0-1.noarch'] });
    expect(d.stderr).toContain('distrokit: DEB_UNSATISFIABLE: ');
    expect(r.stderr).toContain('distrokit: RPM_UNSATISFIABLE: ');
    for (const format of ['nix', 'list']) {
      const dd = debUpdatesOnly('--format', format, 'openssl');
      const rr = rpm('--format', format, 'broken-top');
      expect([dd.status, rr.status]).toEqual([1, 1]);
      expect(dd.stderr).toContain('DEB_UNSATISFIABLE');
      expect(rr.stderr).toContain('RPM_UNSATISFIABLE');
    }
  });

  it('--why: the same chain shape and exit codes (0 found, 1 not in the closure)', () => {
    const d = deb('--why', 'libc6', 'libc6-dev');
    const r = rpm('--why', 'rn-b', 'rich-nested');
    expect([d.status, r.status]).toEqual([0, 0]);
    const debWhy = JSON.parse(d.stdout);
    const rpmWhy = JSON.parse(r.stdout);
    expect(shape(debWhy)).toEqual(shape(rpmWhy));
    expect(debWhy.chain.map((s: { id: string }) => s.id)).toEqual(['libc6-dev', 'libc6']);
    const dl = deb('--format', 'list', '--why', 'libc6', 'libc6-dev');
    const rl = rpm('--format', 'list', '--why', 'rn-b', 'rich-nested');
    expect(dl.stdout).toMatch(/^libc6-dev \S+ amd64 \(requested\)\n {2}→ libc6 \S+ amd64 \(depends: libc6 \(= [^)]+\)\)\n$/);
    expect(rl.stdout).toMatch(/^rich-nested 1\.0-1 noarch \(requested\)\n {2}→ rn-b 1\.0-1 noarch \(requires: .*\)\n$/);
    const dn = deb('--why', 'bash', 'libc6-dev');
    const rn = rpm('--why', 'cy-a', 'rich-nested');
    expect([dn.status, rn.status]).toEqual([1, 1]);
    expect(JSON.parse(dn.stdout).error.code).toBe('DEB_NOT_IN_CLOSURE');
    expect(JSON.parse(rn.stdout).error.code).toBe('RPM_NOT_IN_CLOSURE');
  });

  it('--recommends follows Recommends on both; --weak is the same flag', () => {
    const weak = rpm('--weak', 'weak-user');
    const recommends = rpm('--recommends', 'weak-user');
    expect(recommends.status).toBe(0);
    expect(weak.stdout).toBe(recommends.stdout);
    expect(JSON.parse(recommends.stdout).packages.length).toBeGreaterThan(JSON.parse(rpm('weak-user').stdout).packages.length);
    const debWeak = deb('--weak', '--format', 'list', 'wget');
    expect(debWeak.stdout).toBe(deb('--recommends', '--format', 'list', 'wget').stdout);
    expect(debWeak.stdout.split('\n').length).toBeGreaterThan(deb('--format', 'list', 'wget').stdout.split('\n').length);
  });
});

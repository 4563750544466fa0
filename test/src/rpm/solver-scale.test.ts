/**
 * The solver at real scale: Debian bookworm's 63,440 packages in primary.xml
 * form (fixtures/gen/rpm-primary-from-debian.py over the cached index), against
 * libsolv (rpmmd2solv + testsolv) for a set of well-known packages.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveClosure } from '../../../src/rpm/closure.js';
import type { PackagePool } from '../../../src/rpm/pool.js';
import { loadPool } from '../../../src/rpm/repository.js';
import { CACHE_DIR, debianCache } from '../../helpers/cache.js';
import { libsolvInstall } from '../../helpers/libsolv.js';

const DIR = join(CACHE_DIR, 'rpm-bench');
const PRIMARY = join(DIR, 'primary-1x.xml');
const SOLV = join(DIR, 'primary-1x.solv');

const SAME_AS_LIBSOLV = ['apt', 'build-essential', 'python3', 'openssh-server', 'gcc', 'perl', 'curl', 'vim', 'dpkg-dev', 'python3-apt', 'sudo', 'nginx'];

describe('closures over 63,440 packages', () => {
  let pool: PackagePool;
  beforeAll(async () => {
    if (!existsSync(`${PRIMARY}.done`)) execFileSync('/usr/bin/python3', ['fixtures/gen/rpm-primary-from-debian.py', debianCache.main, DIR, '1'], { stdio: 'inherit' });
    if (!existsSync(SOLV)) execFileSync('bash', ['-c', `rpmmd2solv < '${PRIMARY}' > '${SOLV}.tmp' && mv '${SOLV}.tmp' '${SOLV}'`]);
    pool = await loadPool([{ location: PRIMARY }]);
  });

  it('load every package', () => {
    expect(pool.packages).toHaveLength(63_440);
  });

  it.each(SAME_AS_LIBSOLV)('%s: the same packages as libsolv', (name) => {
    const ours = resolveClosure(pool, [name]).packages.map((p) => p.nevra).sort();
    const libsolv = libsolvInstall(SOLV, name);
    expect(libsolv.problems).toEqual([]);
    expect(ours).toEqual(libsolv.install);
  });

  it('git: unsatisfiable in this data, as libsolv says, with the same missing dependency', () => {
    const libsolv = libsolvInstall(SOLV, 'git');
    expect(libsolv.problems[0]).toMatch(/^nothing provides git-man/);
    const closure = resolveClosure(pool, ['git']);
    expect(closure.packages).toEqual([]);
    expect(closure.problems.map((p) => p.code)).toEqual(['RPM_UNSATISFIABLE']);
    expect(libsolv.problems[0]).toBe(closure.problems[0]!.message);
  });
});

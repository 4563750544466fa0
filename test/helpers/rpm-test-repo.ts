/**
 * Builds a real RPM repository for the tests with rpmbuild and createrepo_c
 * (gzip and zstd metadata), cached by the hash of its definition under
 * $DISTROKIT_CACHE/rpm-test-repo/<hash>/. Every case the issue lists has its own
 * package names, so one repository holds them all.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE_DIR } from './cache.js';

export interface TestPackage {
  name: string;
  version?: string;
  release?: string;
  epoch?: number;
  arch?: 'noarch' | 'x86_64' | 'i686';
  requires?: string[];
  requiresPre?: string[];
  provides?: string[];
  conflicts?: string[];
  obsoletes?: string[];
  recommends?: string[];
  /** Files the package installs (paths); each gets its name as content. */
  files?: string[];
}

/** The repository of the acceptance cases (see test/src/rpm/solver-real.test.ts for what each proves). */
export const TEST_PACKAGES: TestPackage[] = [
  // Rich dependencies: one top package per operator.
  { name: 'rich-and', requires: ['(ra1 and ra2)'] },
  { name: 'ra1' },
  { name: 'ra2' },
  { name: 'rich-or', requires: ['(ro-missing or ro2)'] },
  { name: 'ro2' },
  { name: 'rich-if', requires: ['ri-cond', '(ri-a if ri-cond)', '(ri-never if ri-absent)'] },
  { name: 'ri-cond' },
  { name: 'ri-a' },
  { name: 'ri-never' },
  { name: 'ri-absent' },
  { name: 'rich-ifelse', requires: ['(rie-a if rie-cond else rie-b)'] },
  { name: 'rie-a' },
  { name: 'rie-b' },
  { name: 'rie-cond' },
  // rpm allows `unless` only in Conflicts-like contexts.
  { name: 'rich-unless', requires: ['ru-virt'], conflicts: ['(ru-a unless ru-cond)'] },
  { name: 'ru-a', provides: ['ru-virt'] },
  { name: 'ru-b', provides: ['ru-virt'] },
  { name: 'ru-cond' },
  { name: 'rich-unlesselse', requires: ['rue-cond', 'rue-virt'], conflicts: ['(rue-a unless rue-cond else rue-b)'] },
  { name: 'rue-cond' },
  { name: 'rue-a', provides: ['rue-virt'] },
  { name: 'rue-b', provides: ['rue-virt'] },
  { name: 'rich-with', requires: ['(rw-virt with rw-feature)'] },
  { name: 'rw1', provides: ['rw-virt'] },
  { name: 'rw2', provides: ['rw-virt', 'rw-feature'] },
  { name: 'rich-without', requires: ['(rwo-virt without rwo-bad)'] },
  { name: 'rwo1', provides: ['rwo-virt', 'rwo-bad'] },
  { name: 'rwo2', provides: ['rwo-virt'] },
  { name: 'rich-nested', requires: ['((rn-a >= 2 or rn-b) and (rn-c if (rn-b or rn-a)))'] },
  { name: 'rn-a', version: '1.0' },
  { name: 'rn-b' },
  { name: 'rn-c' },
  // File dependencies: one in primary (…bin/…), one only in filelists.
  { name: 'fileprim-user', requires: ['/usr/bin/fp-tool'] },
  { name: 'fp-provider', files: ['/usr/bin/fp-tool'] },
  { name: 'filedep-user', requires: ['/usr/share/fd-data/data.txt'] },
  { name: 'fd-provider', files: ['/usr/share/fd-data/data.txt'] },
  // Epochs: 1:0.5 is newer than 2.0.
  { name: 'epoch-user', requires: ['ep-lib >= 1:0.1'] },
  { name: 'ep-lib', version: '2.0' },
  { name: 'ep-lib', version: '0.5', epoch: 1 },
  // ~ and ^: 2.0 beats 2.0~rc1, 1.0^git1 beats 1.0.
  { name: 'tilde-user', requires: ['tl-lib', 'tc-lib'] },
  { name: 'tl-lib', version: '2.0~rc1' },
  { name: 'tl-lib', version: '2.0' },
  { name: 'tc-lib', version: '1.0' },
  { name: 'tc-lib', version: '1.0^git1' },
  // Several versions of one name, with a version range.
  { name: 'mv-user', requires: ['mv-lib < 2.0', 'mv-lib >= 1.1'] },
  { name: 'mv-lib', version: '1.0' },
  { name: 'mv-lib', version: '1.5' },
  { name: 'mv-lib', version: '2.0' },
  // Architectures: x86_64 beats i686 for the same name; noarch mixes in.
  { name: 'arch-user', arch: 'x86_64', requires: ['ar-lib', 'ar-data'] },
  { name: 'ar-lib', arch: 'x86_64', files: ['/usr/lib64/ar-lib.so'] },
  { name: 'ar-lib', arch: 'i686', files: ['/usr/lib/ar-lib.so'] },
  { name: 'ar-data', arch: 'noarch' },
  // Obsoletes: ob-new replaces ob-old and provides it.
  { name: 'ob-user', requires: ['ob-old'] },
  { name: 'ob-old', version: '1.0' },
  { name: 'ob-new', version: '2.0', obsoletes: ['ob-old < 2.0'], provides: ['ob-old = 2.0'] },
  // Conflicts: cf-a provides what is needed but conflicts with cf-base, so cf-b.
  { name: 'cf-user', requires: ['cf-base', 'cf-virt'] },
  { name: 'cf-base' },
  { name: 'cf-a', provides: ['cf-virt'], conflicts: ['cf-base'] },
  { name: 'cf-b', provides: ['cf-virt'] },
  // A virtual name with several providers (no single valid answer).
  { name: 'vp-user', requires: ['vp-virt'] },
  { name: 'vp-one', provides: ['vp-virt'] },
  { name: 'vp-two', provides: ['vp-virt'] },
  // Requires(pre) inside a cycle: pre-dep must land in an earlier group.
  { name: 'pre-user', requiresPre: ['pre-dep'] },
  { name: 'pre-dep', requires: ['pre-user'] },
  { name: 'cy-a', requires: ['cy-b'] },
  { name: 'cy-b', requires: ['cy-a'] },
  // Weak dependencies.
  { name: 'weak-user', recommends: ['wk-rec'] },
  { name: 'wk-rec' },
  // Unsatisfiable, two levels down.
  { name: 'broken-top', requires: ['broken-mid'] },
  { name: 'broken-mid', requires: ['does-not-exist >= 3'] },
];

function specOf(p: TestPackage): string {
  const lines = [
    `Name: ${p.name}`,
    `Version: ${p.version ?? '1.0'}`,
    `Release: ${p.release ?? '1'}`,
    ...(p.epoch !== undefined ? [`Epoch: ${p.epoch}`] : []),
    'Summary: distrokit test package',
    'License: MIT',
    ...(p.arch === 'noarch' || p.arch === undefined ? ['BuildArch: noarch'] : []),
    ...(p.requires ?? []).map((r) => `Requires: ${r}`),
    ...(p.requiresPre ?? []).map((r) => `Requires(pre): ${r}`),
    ...(p.provides ?? []).map((r) => `Provides: ${r}`),
    ...(p.conflicts ?? []).map((r) => `Conflicts: ${r}`),
    ...(p.obsoletes ?? []).map((r) => `Obsoletes: ${r}`),
    ...(p.recommends ?? []).map((r) => `Recommends: ${r}`),
    '%define debug_package %{nil}',
    '%description',
    'distrokit test package',
    '%install',
    ...(p.files ?? []).flatMap((f) => [`mkdir -p %{buildroot}$(dirname ${f})`, `echo ${p.name} > %{buildroot}${f}`]),
    '%files',
    ...(p.files ?? []),
    '',
  ];
  return lines.join('\n');
}

export interface TestRepo {
  /** Directory with the .rpm files. */
  rpms: string;
  /** Repository with gzip metadata (repodata/repomd.xml). */
  gz: string;
  /** The same packages with zstd metadata (createrepo_c's gzip output recompressed: Debian's 0.17.3 lacks zstd). */
  zst: string;
  /** The same packages with xz metadata. */
  xz: string;
}

/** Builds (once) and returns the test repository. */
export function buildTestRepo(packages: TestPackage[] = TEST_PACKAGES): TestRepo {
  const hash = createHash('sha256').update(JSON.stringify(packages)).digest('hex').slice(0, 16);
  const root = join(CACHE_DIR, 'rpm-test-repo', hash);
  const repo: TestRepo = { rpms: join(root, 'rpms'), gz: join(root, 'repo-gz'), zst: join(root, 'repo-zst'), xz: join(root, 'repo-xz') };
  if (existsSync(join(root, '.done'))) return repo;
  // Built under a private name and renamed into place, so concurrent test processes never see half a repository.
  const work = `${root}.tmp-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  build(packages, work);
  try {
    renameSync(work, root);
  } catch (err) {
    // Another process finished first: its repository is identical.
    rmSync(work, { recursive: true, force: true });
    if (!existsSync(join(root, '.done'))) throw err;
  }
  return repo;
}

function build(packages: TestPackage[], root: string): void {
  const repo: TestRepo = { rpms: join(root, 'rpms'), gz: join(root, 'repo-gz'), zst: join(root, 'repo-zst'), xz: join(root, 'repo-xz') };
  const top = join(root, 'rpmbuild');
  mkdirSync(join(top, 'SPECS'), { recursive: true });
  mkdirSync(repo.rpms, { recursive: true });
  const script: string[] = ['set -e'];
  packages.forEach((p, i) => {
    const spec = join(top, 'SPECS', `${i}-${p.name}.spec`);
    writeFileSync(spec, specOf(p));
    const target = p.arch && p.arch !== 'noarch' ? `--target ${p.arch}` : '';
    script.push(`rpmbuild --quiet -bb ${target} --define "_topdir ${top}" ${spec} >/dev/null`);
  });
  script.push(`find ${top}/RPMS -name '*.rpm' -exec cp {} ${repo.rpms}/ \\;`);
  execFileSync('bash', ['-c', script.join('\n')], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, SOURCE_DATE_EPOCH: '1700000000' } });
  for (const [dir, type] of [
    [repo.gz, 'gz'],
    [repo.zst, 'gz'],
    [repo.xz, 'xz'],
  ] as const) {
    mkdirSync(join(dir, 'Packages'), { recursive: true });
    for (const f of readdirSync(repo.rpms)) execFileSync('ln', ['-f', join(repo.rpms, f), join(dir, 'Packages', f)]);
    execFileSync('createrepo_c', ['--quiet', `--general-compress-type=${type}`, '--no-database', '--revision', '1700000000', dir]);
  }
  execFileSync('/usr/bin/python3', ['fixtures/gen/repodata-recompress.py', repo.zst]);
  rmSync(top, { recursive: true, force: true });
  writeFileSync(join(root, '.done'), '');
}

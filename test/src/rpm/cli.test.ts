/** The rpm CLI group and --compat rpm-closure, on the real test repository. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { resolveClosureCompat } from '../../../src/rpm/compat.js';
import { loadPool } from '../../../src/rpm/repository.js';
import { distrokitInProcess } from '../../helpers/cli.js';
import { buildTestRepo, type TestRepo } from '../../helpers/rpm-test-repo.js';

const cli = (args: string[]) => distrokitInProcess(() => main(args));

interface PlCase {
  requests: string[];
  hrefs: string[];
  noProvider: string[];
}

describe('distrokit rpm', () => {
  let repo: TestRepo;
  let scratch: string;
  beforeAll(() => {
    repo = buildTestRepo();
    scratch = mkdtempSync(join(tmpdir(), 'rpm-cli-'));
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("--compat rpm-closure makes rpm-closure.pl's choices, in its order (expected output recorded from the real script)", async () => {
    const expected = (JSON.parse(readFileSync('fixtures/rpm/rpm-closure-pl-expected.json', 'utf8')) as { cases: PlCase[] }).cases;
    const pool = await loadPool([{ location: repo.gz }], { archs: ['noarch', 'x86_64'] });
    for (const c of expected) {
      const closure = resolveClosureCompat(pool, c.requests);
      expect({ requests: c.requests, hrefs: closure.packages.map((p) => p.location) }).toEqual({ requests: c.requests, hrefs: c.hrefs });
      const ours = closure.warnings.filter((w) => w.startsWith('no provider for ')).map((w) => w.replace(/^no provider for (.*) \(needed by .*\)$/, '$1'));
      expect(ours).toEqual(c.noProvider.map((w) => w.replace('WARNING: no provider for ', '')));
    }
    // The quirk users migrate away from: 2.0~rc1 chosen over 2.0.
    expect(expected.find((c) => c.requests[0] === 'tilde-user')!.hrefs).toContain('Packages/tl-lib-2.0~rc1-1.noarch.rpm');
  });

  it('closure --format nix: quoted URLs, the repository checksum type, a store name for ~ and ^', async () => {
    const { status: code, stdout } = await cli(['rpm', 'closure', '--repo', repo.gz, '--format', 'nix', 'tilde-user']);
    expect(code).toBe(0);
    expect(stdout).toContain('{fetchurl}:');
    expect(stdout).toMatch(new RegExp(`url = "${repo.gz}/Packages/tl-lib-2\\.0-1\\.noarch\\.rpm";`));
    expect(stdout).toMatch(/sha256 = "[0-9a-f]{64}";/);
    expect(stdout).toContain('name = "tc-lib-1.0_git1-1.noarch.rpm";');
    expect(stdout.match(/\(fetchurl \{/g)).toHaveLength(3);
  });

  for (const [flag, nixHash, length] of [
    ['sha512', 'sha512', 128],
    ['sha', 'sha1', 40],
  ] as const) {
    it(`closure --format nix with ${flag} checksums from createrepo_c -s ${flag}`, async () => {
      const dir = join(scratch, flag);
      mkdirSync(join(dir, 'Packages'), { recursive: true });
      for (const f of readdirSync(repo.rpms)) execFileSync('ln', ['-f', join(repo.rpms, f), join(dir, 'Packages', f)]);
      execFileSync('createrepo_c', ['--quiet', '--no-database', '-s', flag, dir]);
      const { status: code, stdout } = await cli(['rpm', 'closure', '--repo', dir, '--format', 'nix', 'mv-user']);
      expect(code).toBe(0);
      expect(stdout).toMatch(new RegExp(`${nixHash} = "[0-9a-f]{${length}}";`));
    });
  }

  it('closure --format json: every field, groups, and the file-dependency hint without --filelists', async () => {
    const { status: code, stdout } = await cli(['rpm', 'closure', '--repo', repo.zst, '--json', 'pre-user', 'filedep-user']);
    expect(code).toBe(0);
    const doc = JSON.parse(stdout);
    expect(doc.groups).toEqual([['filedep-user-1.0-1.noarch'], ['pre-dep-1.0-1.noarch'], ['pre-user-1.0-1.noarch']]);
    expect(doc.packages[1]).toEqual({
      name: 'pre-dep',
      version: '1.0-1',
      arch: 'noarch',
      id: 'pre-dep-1.0-1.noarch',
      location: 'Packages/pre-dep-1.0-1.noarch.rpm',
      url: `${repo.zst}/Packages/pre-dep-1.0-1.noarch.rpm`,
      checksum: { type: 'sha256', value: expect.stringMatching(/^[0-9a-f]{64}$/) },
      size: expect.any(Number),
      group: 1,
      repo: repo.zst,
    });
    expect(doc.problems).toEqual([]);
    expect(doc.warnings).toEqual([
      {
        code: 'RPM_FILE_DEPENDENCY_UNCHECKED',
        message: expect.stringContaining('--filelists'),
        chain: ['filedep-user-1.0-1.noarch'],
        dependency: '/usr/share/fd-data/data.txt',
      },
    ]);
    const withFiles = JSON.parse((await cli(['rpm', 'closure', '--repo', repo.zst, '--filelists', '--json', 'filedep-user'])).stdout);
    expect(withFiles.packages.map((p: { name: string }) => p.name)).toEqual(['fd-provider', 'filedep-user']);
  });

  it('closure --format list, a bare primary.xml, repository priorities', async () => {
    const primary = readdirSync(join(repo.gz, 'repodata')).find((f) => f.endsWith('-primary.xml.gz'))!;
    const { stdout } = await cli(['rpm', 'closure', '--repo', join(repo.gz, 'repodata', primary), '--format', 'list', 'cy-a']);
    expect(stdout).toBe(`1\tcy-a\t1.0-1\tnoarch\t${repo.gz}/Packages/cy-a-1.0-1.noarch.rpm\n1\tcy-b\t1.0-1\tnoarch\t${repo.gz}/Packages/cy-b-1.0-1.noarch.rpm\n`);
    // The same package in two repositories: the lower priority number wins over repository order.
    const first = await cli(['rpm', 'closure', '--repo', repo.gz, '--repo', repo.xz, 'ra1']);
    expect(first.stdout).toContain(repo.gz);
    const preferred = await cli(['rpm', 'closure', '--repo', repo.gz, '--priority', '50', '--repo', repo.xz, '--priority', '10', 'ra1']);
    expect(preferred.stdout).toContain(repo.xz);
  });

  it('closure --why prints the chain (lines with --format list, JSON by default)', async () => {
    const { stdout } = await cli(['rpm', 'closure', '--repo', repo.gz, '--format', 'list', '--why', 'rn-b', 'rich-nested']);
    expect(stdout).toBe('rich-nested 1.0-1 noarch (requested)\n  → rn-b 1.0-1 noarch (requires: ((rn-a >= 2 or rn-b) and (rn-c if (rn-b or rn-a))))\n');
    const json = JSON.parse((await cli(['rpm', 'closure', '--repo', repo.gz, '--why', 'rn-b', 'rich-nested'])).stdout);
    expect(json).toEqual({
      why: 'rn-b',
      chain: [
        { id: 'rich-nested-1.0-1.noarch', name: 'rich-nested', version: '1.0-1', arch: 'noarch', reason: 'requested', field: null, dependency: null },
        {
          id: 'rn-b-1.0-1.noarch',
          name: 'rn-b',
          version: '1.0-1',
          arch: 'noarch',
          reason: 'dependency',
          field: 'requires',
          dependency: '((rn-a >= 2 or rn-b) and (rn-c if (rn-b or rn-a)))',
        },
      ],
    });
    const absent = await cli(['rpm', 'closure', '--repo', repo.gz, '--why', 'cy-a', 'rich-nested']);
    expect(absent.status).toBe(1);
    expect(JSON.parse(absent.stdout).error.code).toBe('RPM_NOT_IN_CLOSURE');
  });

  it('errors: unsatisfiable is a problem of the document (exit 1), an unknown package a typed error; bad usage exits 2', async () => {
    const broken = await cli(['rpm', 'closure', '--repo', repo.gz, '--json', 'broken-top']);
    expect(broken.status).toBe(1);
    expect(JSON.parse(broken.stdout)).toEqual({
      requested: ['broken-top'],
      packages: [],
      groups: [],
      problems: [
        {
          code: 'RPM_UNSATISFIABLE',
          message: 'nothing provides does-not-exist >= 3 needed by broken-mid-1.0-1.noarch ← broken-top-1.0-1.noarch',
          chain: ['broken-top-1.0-1.noarch', 'broken-mid-1.0-1.noarch'],
          dependency: 'does-not-exist >= 3',
        },
      ],
      warnings: [],
    });
    expect(broken.stderr).toContain('distrokit: RPM_UNSATISFIABLE: nothing provides does-not-exist >= 3');
    const brokenNix = await cli(['rpm', 'closure', '--repo', repo.gz, '--format', 'nix', 'broken-top']);
    expect(brokenNix.status).toBe(1);
    expect(brokenNix.stdout).toContain('{fetchurl}:');
    const unknown = await cli(['rpm', 'closure', '--repo', repo.gz, 'no-such-package']);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain('RPM_UNKNOWN_PACKAGE');
    expect((await cli(['rpm', 'closure', 'x'])).status).toBe(2);
    expect((await cli(['rpm', 'closure', '--repo', repo.gz, '--format', 'yaml', 'x'])).status).toBe(2);
    const missing = await cli(['rpm', 'closure', '--repo', join(scratch, 'nope'), 'x']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('REPO_NOT_FOUND');
  });

  it('compare-versions agrees with rpm --eval rpm.vercmp', async () => {
    const pairs = [
      ['2.0~rc1', '2.0'],
      ['1:1.0', '2.0'],
      ['1.0-1', '1.0'],
      ['1.0^git1', '1.0'],
      ['1.0-2.fc40', '1.0-10.fc40'],
      ['0:1.2', '1.2'],
      ['1.0a', '1.0.1'],
    ];
    const lua = pairs.map(([a, b]) => `print(rpm.vercmp("${a}", "${b}") .. " ")`).join(' ');
    const expected = execFileSync('rpm', ['--eval', `%{lua: ${lua}}`]).toString().trim().split(/\s+/);
    for (const [i, [a, b]] of pairs.entries()) {
      const { status: code, stdout } = await cli(['rpm', 'compare-versions', a!, b!]);
      expect(code).toBe(0);
      expect(stdout.trim()).toBe(expected[i]);
    }
    expect(JSON.parse((await cli(['rpm', 'compare-versions', '--json', '1', '2'])).stdout)).toEqual({ a: '1', b: '2', result: -1 });
  });
});

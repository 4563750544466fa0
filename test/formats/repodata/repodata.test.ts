import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DistrokitError } from '../../../formats/errors.js';
import { findData, parseFilelists, parsePrimary, parseRepomd, type FilelistsPackage } from '../../../formats/repodata/index.js';
import { buildTestRepo, type TestRepo } from '../../helpers/rpm-test-repo.js';
import { collect, INPUTS, readRepo } from './read.js';

const FIXTURES = 'fixtures/repodata';

/** rpm's own view of an .rpm file: the oracle for what createrepo_c wrote and we read. */
function rpmQuery(file: string) {
  const q = (fmt: string) => execFileSync('rpm', ['-qp', '--nosignature', '--qf', fmt, file]).toString();
  const [name, epoch, version, release, arch] = q('%{NAME}\\t%{EPOCHNUM}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}').split('\t');
  const lines = (args: string[]) =>
    execFileSync('rpm', ['-qp', '--nosignature', ...args, file])
      .toString()
      .split('\n')
      .filter((l) => l !== '' && l !== '(contains no files)');
  return { name, epoch, version, release, arch, provides: lines(['--provides']), requires: lines(['--requires']), files: lines(['-l']) };
}

function entryText(e: { name: string; flags?: string; epoch?: string; version?: string; release?: string }): string {
  if (!e.flags) return e.name;
  const op = { EQ: '=', LT: '<', LE: '<=', GT: '>', GE: '>=', NE: '<>' }[e.flags];
  const epoch = e.epoch && e.epoch !== '0' ? `${e.epoch}:` : '';
  return `${e.name} ${op} ${epoch}${e.version}${e.release ? `-${e.release}` : ''}`;
}

describe('repodata built by createrepo_c from rpmbuild packages', () => {
  let repo: TestRepo;
  beforeAll(() => {
    repo = buildTestRepo();
  });

  for (const [inputName, input] of Object.entries(INPUTS)) {
    it(`reads gzip and zstd metadata identically (${inputName})`, async () => {
      const gz = await readRepo(repo.gz, input);
      const zst = await readRepo(repo.zst, input);
      const xz = await readRepo(repo.xz, input);
      expect(findData(xz.repomd, 'primary')!.location.href).toMatch(/-primary\.xml\.xz$/);
      expect(xz.primary.map(({ line: _l, ...p }) => p)).toEqual(zst.primary.map(({ line: _l, ...p }) => p));
      expect(findData(gz.repomd, 'primary')!.location.href).toMatch(/-primary\.xml\.gz$/);
      expect(findData(zst.repomd, 'primary')!.location.href).toMatch(/-primary\.xml\.zst$/);
      expect(gz.primary.map(({ line: _l, ...p }) => p)).toEqual(zst.primary.map(({ line: _l, ...p }) => p));
      expect(gz.filelists).toEqual(zst.filelists);
    });
  }

  it('agrees with rpm -qp on every package: NEVRA, checksum, provides, requires and files', async () => {
    const { primary, filelists, repomd, primaryBytes } = await readRepo(repo.gz, (b) => b);
    const rpms = readdirSync(repo.rpms).sort();
    expect(primary).toHaveLength(rpms.length);
    // repomd's checksum of primary is the real sha256 of the file.
    const data = findData(repomd, 'primary')!;
    expect(data.checksum).toEqual({ type: 'sha256', value: createHash('sha256').update(primaryBytes).digest('hex') });
    expect(data.size).toBe(primaryBytes.byteLength);
    const byPkgid = new Map<string, FilelistsPackage>(filelists.map((f) => [f.pkgid, f]));
    for (const p of primary) {
      const file = join(repo.gz, p.location.href);
      const q = rpmQuery(file);
      expect({ name: p.name, epoch: p.epoch, version: p.version, release: p.release, arch: p.arch }).toEqual({
        name: q.name,
        epoch: q.epoch,
        version: q.version,
        release: q.release,
        arch: q.arch,
      });
      expect(p.checksum).toEqual({ type: 'sha256', value: createHash('sha256').update(readFileSync(file)).digest('hex') });
      expect(p.provides.map(entryText).sort()).toEqual([...q.provides].sort());
      // createrepo_c drops rpmlib() and self-satisfied requires; everything it keeps is rpm's.
      for (const r of p.requires) expect(q.requires).toContain(entryText(r));
      expect(byPkgid.get(p.pkgid)!.files.map((f) => f.path).sort()).toEqual([...q.files].sort());
      for (const f of p.files) expect(q.files).toContain(f.path);
    }
  });

  it('sees rich dependencies, Requires(pre), weak deps, conflicts and obsoletes as written', async () => {
    const { primary } = await readRepo(repo.gz, (b) => b);
    const byName = (n: string) => primary.find((p) => p.name === n)!;
    expect(byName('rich-nested').requires).toEqual([{ name: '((rn-a >= 2 or rn-b) and (rn-c if (rn-b or rn-a)))' }]);
    expect(byName('pre-user').requires).toEqual([{ name: 'pre-dep', pre: true }]);
    expect(byName('weak-user').recommends).toEqual([{ name: 'wk-rec' }]);
    expect(byName('cf-a').conflicts).toEqual([{ name: 'cf-base' }]);
    expect(byName('ob-new').obsoletes).toEqual([{ name: 'ob-old', flags: 'LT', epoch: '0', version: '2.0' }]);
    const eplib = primary.filter((p) => p.name === 'ep-lib').map((p) => `${p.epoch}:${p.version}`);
    expect(eplib.sort()).toEqual(['0:2.0', '1:0.5']);
    expect(byName('fd-provider').files).toEqual([]);
    expect(byName('fp-provider').files).toEqual([{ path: '/usr/bin/fp-tool', type: 'file' }]);
  });
});

describe('failures (fixtures/repodata/failures/<CODE>--<what>-<reader>.xml)', () => {
  const dir = join(FIXTURES, 'failures');
  for (const name of readdirSync(dir).sort()) {
    const code = name.split('--')[0]!;
    const reader = name.endsWith('-primary.xml') ? 'primary' : name.endsWith('-filelists.xml') ? 'filelists' : 'repomd';
    for (const [inputName, input] of Object.entries(INPUTS)) {
      it(`${name} → ${code} with line and column (${inputName})`, async () => {
        const bytes = readFileSync(join(dir, name));
        const run = async () => {
          if (reader === 'primary') await collect(parsePrimary(input(bytes), { file: name }));
          else if (reader === 'filelists') await collect(parseFilelists(input(bytes), { file: name }));
          else await parseRepomd(input(bytes), { file: name });
        };
        const err = await run().then(
          () => null,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(DistrokitError);
        const e = err as DistrokitError;
        expect(e.code).toBe(code);
        expect(e.data.file).toBe(name);
        expect(e.data.line).toBeGreaterThanOrEqual(1);
        expect(e.data.column).toBeGreaterThanOrEqual(1);
        if (code.startsWith('XML_')) {
          // libxml2 rejects the same documents, at the same line.
          const xmllint = execFileSync('bash', ['-c', `xmllint --noout '${join(dir, name)}' 2>&1 || true`]).toString();
          const libxmlLine = Number(/:(\d+): parser error/.exec(xmllint)![1]);
          if (!name.includes('cut') && !name.includes('empty')) expect(e.data.line).toBe(libxmlLine);
        }
      });
    }
  }
});

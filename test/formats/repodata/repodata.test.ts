import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { chunked } from '../../../formats/bytes.js';
import { DistrokitError } from '../../../formats/errors.js';
import { findData, parseFilelists, parsePrimary, parseRepomd, type FilelistsPackage, type PrimaryPackage } from '../../../formats/repodata/index.js';
import { buildTestRepo, type TestRepo } from '../../helpers/rpm-test-repo.js';

const FIXTURES = 'fixtures/repodata';

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** The three input paths every reader is tested through. */
const INPUTS = {
  whole: (b: Uint8Array) => b,
  '64KiB chunks': (b: Uint8Array) => chunked(b, 64 * 1024),
  '1-byte chunks': (b: Uint8Array) => chunked(b, 1),
} as const;

async function readRepo(dir: string, input: (b: Uint8Array) => Uint8Array | Iterable<Uint8Array>) {
  const repomd = await parseRepomd(input(readFileSync(join(dir, 'repodata/repomd.xml'))), { file: 'repomd.xml' });
  const primaryData = findData(repomd, 'primary')!;
  const filelistsData = findData(repomd, 'filelists')!;
  const primaryBytes = readFileSync(join(dir, primaryData.location.href));
  const filelistsBytes = readFileSync(join(dir, filelistsData.location.href));
  const primary = await collect(parsePrimary(input(primaryBytes), { file: primaryData.location.href }));
  const filelists = await collect(parseFilelists(input(filelistsBytes), { file: filelistsData.location.href }));
  return { repomd, primary, filelists, primaryBytes };
}

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

describe("createrepo_c's and dnf5's own test repodata", () => {
  const read = (f: string) => readFileSync(join(FIXTURES, f));

  for (const [inputName, input] of Object.entries(INPUTS)) {
    it(`dnf5 repomd-repo1: three packages although packages="1" (${inputName})`, async () => {
      const primary = await collect(parsePrimary(input(read('dnf5/repomd-repo1-primary.xml'))));
      expect(read('dnf5/repomd-repo1-primary.xml').toString()).toContain('packages="1"');
      expect(primary.map((p) => `${p.name}-${p.epoch}:${p.version}-${p.release}.${p.arch}`)).toEqual([
        'pkg-0:1.2-3.x86_64',
        'pkg-libs-1:1.3-4.x86_64',
        'unresolvable-1:2-3.noarch',
      ]);
      const repomd = await parseRepomd(input(read('dnf5/repomd-repo1-repomd.xml')));
      expect(repomd.revision).toBe('1550000000');
      expect(findData(repomd, 'primary')).toEqual({
        type: 'primary',
        checksum: { type: 'sha256', value: '5689e808317cf753b400c5a203b6cd45ffd340989f725c768721c560ee205dba' },
        openChecksum: { type: 'sha256', value: '5689e808317cf753b400c5a203b6cd45ffd340989f725c768721c560ee205dba' },
        location: { href: 'repodata/primary.xml' },
        timestamp: 1597222003,
        size: 81503,
        openSize: 864433,
      });
      const filelists = await collect(parseFilelists(input(read('dnf5/repomd-repo1-filelists.xml'))));
      // dnf5's filelists.xml leaves out its third package.
      expect(filelists.map((f) => f.name)).toEqual(['pkg', 'pkg-libs']);
    });
  }

  it('createrepo_c repo_01 (gzip, hashed names from repomd.xml)', async () => {
    const dir = join(FIXTURES, 'createrepo_c/repo_01');
    const { primary, filelists } = await readRepo(dir, (b) => chunked(b, 64 * 1024));
    expect(primary.map((p) => p.name)).toEqual(filelists.map((f) => f.name));
    expect(primary.length).toBeGreaterThan(0);
  });

  it('decodes entities: the ampersand repository', async () => {
    const [p] = await collect(parsePrimary(read('createrepo_c/repo_01_ampersand-primary.xml')));
    expect(p!.summary).toBe('Tes&t package');
    expect(p!.location.href).toBe('super_kernel&-6.0.1-2.x86_64.rpm');
  });

  it('skips unknown elements at every level', async () => {
    const names = async (f: string) => (await collect(parsePrimary(read(f)))).map((p: PrimaryPackage) => p.name);
    expect(await names('createrepo_c/unknown_element_00-primary.xml')).toEqual(['fake_bash', 'super_kernel']);
    // A <package> inside an unknown element is not a package of the repository.
    expect(await names('createrepo_c/unknown_element_01-primary.xml')).toEqual(['fake_bash']);
    expect(await names('createrepo_c/unknown_element_02-primary.xml')).toEqual(['fake_bash', 'super_kernel']);
  });

  it('reads the long primary with every field', async () => {
    const all = await collect(parsePrimary(chunked(read('createrepo_c/long_primary.xml'), 1)));
    expect(all).toHaveLength(2);
    expect(all.reduce((n, p) => n + p.provides.length + p.requires.length + p.files.length, 0)).toBeGreaterThan(100);
  });

  it('handles single quotes, CDATA, character references, another rpm prefix, xml:base', async () => {
    const xml = `<?xml version='1.0' encoding='UTF-8'?>
<metadata xmlns='http://linux.duke.edu/metadata/common' xmlns:r="http://linux.duke.edu/metadata/rpm" packages="99">
<package type='rpm'><name>q&#x41;</name><arch>noarch</arch><version ver='1' rel="2"/>
<checksum type="sha512" pkgid="YES">ab</checksum><summary><![CDATA[<raw> & text]]></summary>
<location xml:base='https://mirror.example/os/' href="../p/qA-1-2.noarch.rpm"/>
<format><r:requires><r:entry name='(a &gt;= 1 if b)'/><r:entry name="x" flags="GE" epoch="1" ver="2"/></r:requires><newthing a="b"/></format></package>
</metadata>`;
    const [p] = await collect(parsePrimary(new TextEncoder().encode(xml)));
    expect(p).toMatchObject({
      name: 'qA',
      epoch: '0',
      version: '1',
      release: '2',
      summary: '<raw> & text',
      checksum: { type: 'sha512', value: 'ab' },
      location: { base: 'https://mirror.example/os/', href: '../p/qA-1-2.noarch.rpm' },
      requires: [{ name: '(a >= 1 if b)' }, { name: 'x', flags: 'GE', epoch: '1', version: '2' }],
      line: 3,
    });
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

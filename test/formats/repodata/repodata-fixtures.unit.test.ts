/** The repodata readers on createrepo_c's and dnf5's own test files, committed under fixtures/repodata. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chunked } from '../../../formats/bytes.js';
import { findData, parseFilelists, parsePrimary, parseRepomd, type PrimaryPackage } from '../../../formats/repodata/index.js';
import { collect, INPUTS, readRepo } from './read.js';

const FIXTURES = 'fixtures/repodata';

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

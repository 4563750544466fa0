/** Loading repositories: URLs, bzip2 metadata, checksum verification, xml:base. */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DistrokitError } from '../../../formats/errors.js';
import { resolveClosure } from '../../../src/rpm/closure.js';
import { loadPool } from '../../../src/rpm/repository.js';
import { buildTestRepo, type TestRepo } from '../../helpers/rpm-test-repo.js';

describe('repository loading', () => {
  let repo: TestRepo;
  let scratch: string;
  let server: Server;
  let base: string;
  beforeAll(async () => {
    repo = buildTestRepo();
    scratch = mkdtempSync(join(tmpdir(), 'rpm-repo-'));
    // A static HTTP server over the gzip repository.
    server = createServer((req, res) => {
      const path = normalize(join(repo.gz, decodeURIComponent(new URL(req.url!, 'http://x').pathname)));
      try {
        res.end(readFileSync(path));
      } catch {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    rmSync(scratch, { recursive: true, force: true });
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('reads a repository over HTTP; package URLs are absolute', async () => {
    const pool = await loadPool([{ location: base }], { filelists: true });
    const closure = resolveClosure(pool, ['filedep-user']);
    expect(closure.packages.map((p) => p.url)).toEqual([`${base}Packages/fd-provider-1.0-1.noarch.rpm`, `${base}Packages/filedep-user-1.0-1.noarch.rpm`]);
    const missing = await loadPool([{ location: `${base}nope/` }]).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(DistrokitError);
    expect((missing as DistrokitError).code).toBe('FETCH_FAILED');
  });

  it('reads bzip2 metadata (createrepo_c --general-compress-type=bz2)', async () => {
    const dir = join(scratch, 'bz2');
    mkdirSync(join(dir, 'Packages'), { recursive: true });
    for (const f of readdirSync(repo.rpms)) execFileSync('ln', ['-f', join(repo.rpms, f), join(dir, 'Packages', f)]);
    execFileSync('createrepo_c', ['--quiet', '--no-database', '--general-compress-type=bz2', dir]);
    expect(readdirSync(join(dir, 'repodata')).some((f) => f.endsWith('-primary.xml.bz2'))).toBe(true);
    const pool = await loadPool([{ location: dir }]);
    const reference = await loadPool([{ location: repo.gz }]);
    expect(pool.packages.map((p) => p.pkgid)).toEqual(reference.packages.map((p) => p.pkgid));
  });

  it("rejects metadata whose bytes differ from repomd.xml's checksum", async () => {
    const dir = join(scratch, 'tampered');
    cpSync(repo.gz, dir, { recursive: true });
    const repomdPath = join(dir, 'repodata', 'repomd.xml');
    const repomd = readFileSync(repomdPath, 'utf8');
    const primaryChecksum = /<data type="primary">\s*<checksum type="sha256">([0-9a-f]+)</.exec(repomd)![1]!;
    writeFileSync(repomdPath, repomd.replace(primaryChecksum, '0'.repeat(64)));
    const err = await loadPool([{ location: dir }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DistrokitError);
    expect((err as DistrokitError).code).toBe('REPODATA_CHECKSUM_MISMATCH');
    expect((err as DistrokitError).data.file).toMatch(/-primary\.xml\.gz$/);
  });

  it('names a metadata file that repomd.xml lists but repodata/ lacks (or that is a directory) with REPODATA_UNREADABLE', async () => {
    for (const [type, href, errno] of [
      ['primary', 'repodata/missing-primary.xml.gz', 'ENOENT'],
      ['filelists', 'repodata/missing-filelists.xml.gz', 'ENOENT'],
      ['primary', 'repodata', 'EISDIR'],
    ] as const) {
      const dir = join(scratch, `missing-${type}-${errno}`);
      cpSync(repo.gz, dir, { recursive: true });
      const repomdPath = join(dir, 'repodata', 'repomd.xml');
      const repomd = readFileSync(repomdPath, 'utf8');
      const hrefOf = new RegExp(`(<data type="${type}">[\\s\\S]*?<location href=")([^"]+)"`);
      expect(repomd).toMatch(hrefOf);
      writeFileSync(repomdPath, repomd.replace(hrefOf, `$1${href}"`));
      const err = await loadPool([{ location: dir }], { filelists: true }).catch((e: unknown) => e);
      expect(err, `${type} ${errno}`).toBeInstanceOf(DistrokitError);
      expect((err as DistrokitError).code).toBe('REPODATA_UNREADABLE');
      expect((err as DistrokitError).data).toMatchObject({ file: join(dir, href), errno });
    }
  });

  it('reports an xml:base that makes no valid URL as REPODATA_BAD_URL (repomd.xml and package locations)', async () => {
    const dir = join(scratch, 'bad-base');
    cpSync(repo.gz, dir, { recursive: true });
    const repomdPath = join(dir, 'repodata', 'repomd.xml');
    const repomd = readFileSync(repomdPath, 'utf8');
    const primaryLocation = /(<data type="primary">[\s\S]*?<location) href="/;
    expect(repomd).toMatch(primaryLocation);
    writeFileSync(repomdPath, repomd.replace(primaryLocation, '$1 xml:base="http://[" href="'));
    const err = await loadPool([{ location: dir }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DistrokitError);
    expect((err as DistrokitError).code).toBe('REPODATA_BAD_URL');
    expect((err as DistrokitError).data.file).toBe(repomdPath);

    mkdirSync(join(dir, 'bare'));
    const primary = join(dir, 'bare', 'primary.xml');
    writeFileSync(
      primary,
      `<?xml version="1.0"?><metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="1">
<package type="rpm"><name>z</name><arch>noarch</arch><version epoch="0" ver="1" rel="1"/><checksum type="sha256" pkgid="YES">aa</checksum>
<location xml:base="https://[" href="z-1-1.noarch.rpm"/><format/></package></metadata>`,
    );
    const pool = await loadPool([{ location: primary }]);
    expect(() => resolveClosure(pool, ['z'])).toThrow(expect.objectContaining({ code: 'REPODATA_BAD_URL', data: { entry: 'z-1-1.noarch.rpm' } }));
  });

  it('honours xml:base on package locations', async () => {
    const dir = join(scratch, 'xmlbase');
    mkdirSync(join(dir, 'repodata'), { recursive: true });
    writeFileSync(
      join(dir, 'repodata', 'primary.xml'),
      `<?xml version="1.0"?><metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="0">
<package type="rpm"><name>z</name><arch>noarch</arch><version epoch="0" ver="1" rel="1"/><checksum type="sha256" pkgid="YES">aa</checksum>
<location xml:base="https://mirror.example/os/" href="../Packages/z-1-1.noarch.rpm"/><format/></package></metadata>`,
    );
    const pool = await loadPool([{ location: join(dir, 'repodata', 'primary.xml') }]);
    expect(resolveClosure(pool, ['z']).packages[0]!.url).toBe('https://mirror.example/Packages/z-1-1.noarch.rpm');
  });
});

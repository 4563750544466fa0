/**
 * `distrokit fetch packages` with the lock `rpm closure` prints, from a real
 * repository (rpmbuild packages, createrepo_c metadata) served on
 * 127.0.0.1: with the repodata's checksum type sha256, sha512 and sha1
 * (createrepo_c --checksum), each package lands in the cache under that
 * checksum, matching what sha256sum/sha512sum/sha1sum compute; a modified
 * package is caught.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { objectPath } from '../../../src/fetch/download.js';
import type { ClosureDocument } from '../../../src/graph/document.js';
import { distrokitAsync } from '../../helpers/cli.js';
import { startHttpServer, type TestHttpServer } from '../../helpers/http-server.js';
import { buildTestRepo, type TestPackage } from '../../helpers/rpm-test-repo.js';
import { tempDir } from '../image/oracle.js';

const PACKAGES: TestPackage[] = [
  { name: 'fetch-top', requires: ['fetch-lib', 'fetch-virt'], files: ['/usr/bin/fetch-top'] },
  { name: 'fetch-lib', files: ['/usr/lib/fetch-lib.so'] },
  { name: 'fetch-provider', provides: ['fetch-virt'], files: ['/usr/share/fetch/provider'] },
];
const work = tempDir('fetch-rpm');
let server: TestHttpServer;

beforeAll(async () => {
  const built = buildTestRepo(PACKAGES);
  for (const algo of ['sha256', 'sha512', 'sha1']) {
    const dir = join(work.dir, 'www', algo);
    mkdirSync(dir, { recursive: true });
    cpSync(built.rpms, join(dir, 'Packages'), { recursive: true });
    // createrepo_c names sha1 'sha' in the repodata, as old repositories do.
    execFileSync('createrepo_c', ['--quiet', '--no-database', '--checksum', algo, '--revision', '1700000000', dir]);
  }
  server = await startHttpServer(join(work.dir, 'www'));
});
afterAll(async () => {
  await server.close();
  work.cleanup();
});

describe('fetch packages with an rpm closure lock', () => {
  for (const [algo, tool] of [
    ['sha256', 'sha256sum'],
    ['sha512', 'sha512sum'],
    ['sha1', 'sha1sum'],
  ] as const) {
    it(`downloads a closure from a repository with ${algo} checksums, verified by ${tool}`, async () => {
      const closure = await distrokitAsync(['rpm', 'closure', '--repo', `${server.url}/${algo}`, '--quiet', '--json', 'fetch-top']);
      expect(closure.status).toBe(0);
      const lock = JSON.parse(closure.stdout) as ClosureDocument;
      expect(lock.packages.map((p) => p.name).sort()).toEqual(['fetch-lib', 'fetch-provider', 'fetch-top']);
      const lockPath = join(work.dir, `${algo}-lock.json`);
      writeFileSync(lockPath, closure.stdout);
      const cache = join(work.dir, `cache-${algo}`);
      server.resetLog();
      const r = await distrokitAsync(['fetch', 'packages', '--lock', lockPath, '--cache', cache, '--json']);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const report = JSON.parse(r.stdout) as { fetched: number; packages: { path: string; checksum: { type: string; value: string } }[] };
      expect(report.fetched).toBe(3);
      for (const [i, p] of lock.packages.entries()) {
        const path = objectPath(cache, { [algo]: p.checksum!.value });
        expect(report.packages[i]!.path).toBe(path);
        expect(report.packages[i]!.checksum).toEqual({ type: algo, value: p.checksum!.value });
        expect(execFileSync(tool, [path], { encoding: 'utf8' }).slice(0, p.checksum!.value.length)).toBe(p.checksum!.value);
      }
      expect(server.log.every((e) => e.status === 200)).toBe(true);
    });
  }

  it('a modified package is FETCH_CHECKSUM_MISMATCH and is not in the cache', async () => {
    const closure = await distrokitAsync(['rpm', 'closure', '--repo', `${server.url}/sha512`, '--quiet', '--json', 'fetch-lib']);
    const lock = JSON.parse(closure.stdout) as ClosureDocument;
    const p = lock.packages[0]!;
    const path = new URL(p.url!).pathname;
    const modified = Buffer.from(readFileSync(join(work.dir, 'www', decodeURIComponent(path))));
    modified[modified.length - 1] ^= 1;
    const lockPath = join(work.dir, 'tampered-lock.json');
    writeFileSync(lockPath, closure.stdout);
    server.fault(decodeURIComponent(path), { body: modified });
    try {
      const cache = join(work.dir, 'cache-tampered');
      const r = await distrokitAsync(['fetch', 'packages', '--lock', lockPath, '--cache', cache, '--json']);
      expect(r.status).toBe(1);
      expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'FETCH_CHECKSUM_MISMATCH', entry: 'fetch-lib' });
      expect(() => readFileSync(objectPath(cache, { sha512: p.checksum!.value }))).toThrow();
    } finally {
      server.fault(decodeURIComponent(path), undefined);
    }
  });
});

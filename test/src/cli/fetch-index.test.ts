/**
 * `distrokit fetch index`, `fetch repodata`, and `deb closure --mirror/--dist`
 * as a user runs them (bin/distrokit in a child process), against the
 * loopback mirror of the machine's real bookworm lists with Debian's real
 * keyring: exit codes, JSON output and errors, the cache refreshed only when
 * an InRelease changed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distrokitAsync } from '../../helpers/cli.js';
import { debianTestMirror } from '../../helpers/debian-index-mirror.js';
import { makeTestKey, type TestKey } from '../../helpers/gpg.js';
import { startHttpServer, type TestHttpServer } from '../../helpers/http-server.js';
import { tempDir } from '../image/oracle.js';

const work = tempDir('fetch-index-cli');
let server: TestHttpServer;
let key: TestKey;

/** bin/distrokit without blocking this process (the test server answers from it), with a private cache. */
const run = (args: string[], env: Record<string, string> = {}) => distrokitAsync(args, { env: { DISTROKIT_CACHE: join(work.dir, 'cache'), ...env }, timeout: 300_000 });

beforeAll(async () => {
  server = await startHttpServer(await debianTestMirror());
  key = makeTestKey('distrokit cli test key');
}, 600_000);
afterAll(async () => {
  await server?.close();
  key?.cleanup();
  work.cleanup();
});

describe('fetch index', () => {
  it('--mirror --suite ×2 --json: verified indexes and their url prefix', async () => {
    const out = join(work.dir, 'idx');
    const r = await run(['fetch', 'index', '--mirror', `${server.url}/debian`, '--suite', 'bookworm', '--suite', 'bookworm-updates', '--out', out, '--json']);
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout) as { suites: { suite: string; refreshed: boolean; signers: string[] }[]; indexes: { path: string; urlPrefix: string }[] };
    expect(doc.suites.map((s) => [s.suite, s.refreshed])).toEqual([
      ['bookworm', true],
      ['bookworm-updates', true],
    ]);
    expect(doc.indexes.map((i) => i.urlPrefix)).toEqual([`${server.url}/debian`, `${server.url}/debian`]);
    expect(doc.indexes[0]!.path.startsWith(join(out, `127.0.0.1_${server.port}_debian`, 'dists', 'bookworm'))).toBe(true);
  });

  it('a keyring without the signers: exit 1, FETCH_SIGNATURE_UNKNOWN_KEY in the JSON error and on stderr', async () => {
    const r = await run(['fetch', 'index', '--mirror', `${server.url}/debian`, '--suite', 'bookworm-updates', '--keyring', key.armored, '--out', join(work.dir, 'idx-bad'), '--json']);
    expect(r.status).toBe(1);
    const err = (JSON.parse(r.stdout) as { error: { code: string; file: string } }).error;
    expect([err.code, err.file]).toEqual(['FETCH_SIGNATURE_UNKNOWN_KEY', `${server.url}/debian/dists/bookworm-updates/InRelease`]);
    expect(r.stderr).toContain('FETCH_SIGNATURE_UNKNOWN_KEY');
  });

  it('a suite the mirror does not have: exit 1, FETCH_HTTP_STATUS naming InRelease', async () => {
    const r = await run(['fetch', 'index', '--mirror', `${server.url}/debian`, '--suite', 'sid', '--out', join(work.dir, 'idx-sid'), '--json']);
    expect(r.status).toBe(1);
    expect((JSON.parse(r.stdout) as { error: { code: string; file: string } }).error).toMatchObject({ code: 'FETCH_HTTP_STATUS', file: `${server.url}/debian/dists/sid/InRelease` });
  });

  it('without --out, or --mirror without --suite: usage errors (exit 2)', async () => {
    expect((await run(['fetch', 'index', '--dist', 'debian-12'])).status).toBe(2);
    expect((await run(['fetch', 'index', '--mirror', `${server.url}/debian`, '--out', work.dir])).status).toBe(2);
  });
});

describe('deb closure from verified indexes', () => {
  it('--dist debian-12 with the catalog mirrors pointed at the loopback mirror: fetched once, then reused', async () => {
    const env = { DISTROKIT_MIRROR_debian: `${server.url}/debian`, DISTROKIT_MIRROR_debian_security: `${server.url}/debian-security`, DISTROKIT_CACHE: join(work.dir, 'cache-dist') };
    server.resetLog();
    // --allow-expired: bookworm-security's Valid-Until is a week after the machine's last apt-get update
    const r = await run(['deb', 'closure', '--dist', 'debian-12', '--allow-expired', '--json', 'bash'], env);
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout) as { packages: { name: string; url: string; repo: string }[] };
    expect(doc.packages.find((p) => p.name === 'bash')!.url.startsWith(`${server.url}/debian/pool/main/b/bash/`)).toBe(true);
    expect(new Set(doc.packages.map((p) => p.repo.split('/dists/')[1]!.split('/')[0]))).toContain('bookworm');
    const indexRequests = server.log.filter((l) => l.path.includes('/binary-amd64/')).length;
    expect(indexRequests).toBeGreaterThanOrEqual(3);

    server.resetLog();
    const again = await run(['deb', 'closure', '--dist', 'debian-12', '--allow-expired', '--json', 'bash'], env);
    expect(again.status).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual(doc);
    expect(server.log.map((l) => l.path).sort()).toEqual(['/debian-security/dists/bookworm-security/InRelease', '/debian/dists/bookworm-updates/InRelease', '/debian/dists/bookworm/InRelease']);
  });

  it('--mirror URL --suite bookworm resolves bash from the loopback mirror', async () => {
    const r = await run(['deb', 'closure', '--mirror', `${server.url}/debian`, '--suite', 'bookworm', '--json', 'bash']);
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout) as { packages: { name: string; url: string }[] };
    expect(doc.packages.every((p) => p.url.startsWith(`${server.url}/debian/pool/`))).toBe(true);
    expect(doc.packages.map((p) => p.name)).toContain('libc6');
  });

  it('--index and --dist together, or --suite without --dist/--mirror: usage errors', async () => {
    expect((await run(['deb', 'closure', '--dist', 'debian-12', '--index', '/dev/null', 'bash'])).status).toBe(2);
    expect((await run(['deb', 'closure', '--suite', 'bookworm', '--index', '/dev/null', 'bash'])).status).toBe(2);
  });

  it('an unknown distribution: exit 1, DIST_UNKNOWN', async () => {
    const r = await run(['deb', 'closure', '--dist', 'debian-99', '--json', 'bash']);
    expect(r.status).toBe(1);
    expect((JSON.parse(r.stdout) as { error: { code: string } }).error.code).toBe('DIST_UNKNOWN');
  });
});

describe('image debian --dist', () => {
  // The whole image build (a VM under TCG) is tested by the image tests; here the option's wiring.
  it('an unknown distribution is exit 1, DIST_UNKNOWN, before any VM; with --index it is a usage error', async () => {
    const r = await run(['image', 'debian', '--dist', 'debian-99', '--out', join(work.dir, 'x.img'), '--json', 'bash']);
    expect(r.status).toBe(1);
    expect((JSON.parse(r.stdout) as { error: { code: string } }).error.code).toBe('DIST_UNKNOWN');
    expect((await run(['image', 'debian', '--dist', 'debian-12', '--index', '/dev/null', '--out', join(work.dir, 'x.img'), 'bash'])).status).toBe(2);
  });

  it('a keyring without the signers stops the build with FETCH_SIGNATURE_UNKNOWN_KEY, no image written', async () => {
    const img = join(work.dir, 'y.img');
    const env = { DISTROKIT_MIRROR_debian: `${server.url}/debian`, DISTROKIT_MIRROR_debian_security: `${server.url}/debian-security`, DISTROKIT_CACHE: join(work.dir, 'cache-image') };
    const r = await run(['image', 'debian', '--dist', 'debian-12', '--keyring', key.keyring, '--out', img, '--json', 'bash'], env);
    expect(r.status).toBe(1);
    expect((JSON.parse(r.stdout) as { error: { code: string } }).error.code).toBe('FETCH_SIGNATURE_UNKNOWN_KEY');
    expect(existsSync(img)).toBe(false);
  });
});

describe('the InRelease kept in the cache', () => {
  it('is the verified file, byte for byte', async () => {
    const root = await debianTestMirror();
    const r = await run(['fetch', 'index', '--mirror', `${server.url}/debian-security`, '--suite', 'bookworm-security', '--allow-expired', '--out', join(work.dir, 'idx-sec'), '--json']);
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout) as { suites: { release: string }[] };
    expect(readFileSync(doc.suites[0]!.release).equals(readFileSync(join(root, 'debian-security/dists/bookworm-security/InRelease')))).toBe(true);
  });
});

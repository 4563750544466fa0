/**
 * `distrokit fetch packages` against a local Debian mirror of real .debs
 * (the closure of the common Debian set from the machine's apt lists, served
 * on 127.0.0.1): every package lands in the content-addressed cache with the
 * sha256 sha256sum computes; tampering, truncation, stalls, 5xx and 404 give
 * the documented outcome and leave no unverified file under a final name;
 * an interrupted run (SIGINT) leaves a consistent cache that the next run
 * completes, re-using every verified file.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { objectPath } from '../../../src/fetch/download.js';
import type { ClosureDocument } from '../../../src/graph/document.js';
import { distrokitAsync } from '../../helpers/cli.js';
import { buildDebianMirror, type DebianMirror } from '../../helpers/debian-mirror.js';
import { startHttpServer, type TestHttpServer } from '../../helpers/http-server.js';
import { tempDir } from '../image/oracle.js';

const BIN = fileURLToPath(new URL('../../../bin/distrokit', import.meta.url));
const work = tempDir('fetch-packages');
let server: TestHttpServer;
let mirror: DebianMirror;

/** sha256sum's digest of each file (the oracle). */
function sha256sum(files: string[]): string[] {
  if (files.length === 0) return [];
  return execFileSync('sha256sum', files, { encoding: 'utf8', maxBuffer: 1 << 24 })
    .trim()
    .split('\n')
    .map((l) => l.slice(0, 64));
}

/** Every file under the cache's objects/: [relative path, is it verified (named by its own sha256)]. */
function cacheFiles(cache: string): { finals: string[]; others: string[] } {
  const dir = join(cache, 'objects');
  const all = existsSync(dir) ? readdirSync(dir, { recursive: true }).map(String).filter((f) => statSync(join(dir, f)).isFile()) : [];
  const finals = all.filter((f) => /^sha256\/[0-9a-f]{2}\/[0-9a-f]{64}$/.test(f));
  return { finals, others: all.filter((f) => !finals.includes(f)) };
}

/** Asserts that every file under a final name in the cache is the file its name says. */
function expectVerified(cache: string): string[] {
  const { finals } = cacheFiles(cache);
  const sums = sha256sum(finals.map((f) => join(cache, 'objects', f)));
  expect(sums).toEqual(finals.map((f) => basename(f)));
  return finals.map((f) => basename(f));
}

/** A lock of some of the mirror's packages, written to a file. */
function subLock(name: string, indexes: number[]): { path: string; packages: ClosureDocument['packages']; paths: string[] } {
  const packages = indexes.map((i) => mirror.lock.packages[i]!);
  const path = join(work.dir, `${name}.json`);
  writeFileSync(path, JSON.stringify({ ...mirror.lock, packages }));
  return { path, packages, paths: indexes.map((i) => mirror.paths[i]!) };
}

const fetchArgs = (lock: string, cache: string, ...more: string[]) => ['fetch', 'packages', '--lock', lock, '--cache', cache, ...more];

beforeAll(async () => {
  server = await startHttpServer(join(work.dir, 'www'));
  mirror = buildDebianMirror(join(work.dir, 'www'), server.url);
});
afterAll(async () => {
  await server.close();
  work.cleanup();
});

describe('fetch packages from a loopback Debian mirror', () => {
  it('downloads the whole closure once, every file with the sha256 the lock gives (sha256sum), and links it into --out', async () => {
    const cache = join(work.dir, 'cache-all');
    const out = join(work.dir, 'out');
    server.resetLog();
    const r = await distrokitAsync(fetchArgs(mirror.lockPath, cache, '--jobs', '4', '--out', out, '--json'));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout) as { fetched: number; reused: number; failed: number; packages: { path: string; link: string }[] };
    const n = mirror.lock.packages.length;
    expect(n).toBeGreaterThan(100);
    expect([report.fetched, report.reused, report.failed]).toEqual([n, 0, 0]);
    expect(sha256sum(report.packages.map((p) => p.path))).toEqual(mirror.lock.packages.map((p) => p.checksum!.value));
    expect(sha256sum(report.packages.map((p) => p.link))).toEqual(mirror.lock.packages.map((p) => p.checksum!.value));
    expect(readdirSync(out).sort()).toEqual(mirror.lock.packages.map((p) => basename(p.location!)).sort());
    expect(cacheFiles(cache).others).toEqual([]);
    for (const path of mirror.paths) expect(server.count(path)).toBe(1);
    // Again: everything is in the cache, nothing is requested.
    server.resetLog();
    const again = await distrokitAsync(fetchArgs(mirror.lockPath, cache, '--json'));
    expect(again.status).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ fetched: 0, reused: n, failed: 0 });
    expect(server.log).toEqual([]);
  });

  it('a modified .deb is FETCH_CHECKSUM_MISMATCH, not retried, and nothing of it stays in the cache', async () => {
    const lock = subLock('tampered', [0, 1, 2]);
    const cache = join(work.dir, 'cache-tampered');
    const original = readFileSync(join(mirror.root, lock.paths[1]!));
    const modified = Buffer.from(original);
    modified[modified.length - 100] ^= 0xff;
    server.fault(lock.paths[1]!, { body: modified });
    server.resetLog();
    try {
      const r = await distrokitAsync(fetchArgs(lock.path, cache, '--json'));
      expect(r.status).toBe(1);
      expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'FETCH_CHECKSUM_MISMATCH', entry: lock.packages[1]!.name });
      expect(r.stderr).toContain(`${lock.packages[1]!.name}: FETCH_CHECKSUM_MISMATCH`);
    } finally {
      server.fault(lock.paths[1]!, undefined);
    }
    expect(server.count(lock.paths[1]!)).toBe(1);
    expect(existsSync(objectPath(cache, { sha256: lock.packages[1]!.checksum!.value }))).toBe(false);
    expect(expectVerified(cache).sort()).toEqual([lock.packages[0]!.checksum!.value, lock.packages[2]!.checksum!.value].sort());
    expect(cacheFiles(cache).others).toEqual([]);
  });

  it('a body cut short under a lying Content-Length is resumed with a Range request; cut short every time, it fails with nothing left', async () => {
    const lock = subLock('truncated', [3]);
    const path = lock.paths[0]!;
    const size = lock.packages[0]!.size!;
    server.fault(path, { truncateAt: Math.floor(size / 2), times: 1 });
    server.resetLog();
    const cache = join(work.dir, 'cache-truncated');
    const r = await distrokitAsync(fetchArgs(lock.path, cache));
    expect(r.status).toBe(0);
    expect(server.log.map((e) => e.status)).toEqual([200, 206]);
    expect(server.log[1]!.range).toMatch(/^bytes=\d+-$/);
    expect(expectVerified(cache)).toEqual([lock.packages[0]!.checksum!.value]);

    server.fault(path, { truncateAt: 0 });
    server.resetLog();
    const cache2 = join(work.dir, 'cache-truncated2');
    const bad = await distrokitAsync(fetchArgs(lock.path, cache2, '--retries', '2', '--json'));
    server.fault(path, undefined);
    expect(bad.status).toBe(1);
    expect(JSON.parse(bad.stdout).error).toMatchObject({ code: 'FETCH_RETRIES_EXHAUSTED', last: 'FETCH_FAILED' });
    expect(server.count(path)).toBe(3);
    expect(cacheFiles(cache2)).toEqual({ finals: [], others: [] });
  });

  it('a stalled server times out and the retry succeeds; 500 twice then success is retried; a 404 is not', async () => {
    const lock = subLock('transient', [4]);
    const path = lock.paths[0]!;
    server.fault(path, { stall: true, times: 1 });
    server.resetLog();
    const stalled = await distrokitAsync(fetchArgs(lock.path, join(work.dir, 'cache-stall'), '--timeout', '1'));
    expect(stalled.status).toBe(0);
    expect(server.count(path)).toBe(2);
    expectVerified(join(work.dir, 'cache-stall'));

    server.fault(path, { status: 500, times: 2 });
    server.resetLog();
    const flaky = await distrokitAsync(fetchArgs(lock.path, join(work.dir, 'cache-500')));
    expect(flaky.status).toBe(0);
    expect(server.log.map((e) => e.status)).toEqual([500, 500, 200]);
    expectVerified(join(work.dir, 'cache-500'));

    server.fault(path, { status: 404 });
    server.resetLog();
    const gone = await distrokitAsync(fetchArgs(lock.path, join(work.dir, 'cache-404'), '--json'));
    server.fault(path, undefined);
    expect(gone.status).toBe(1);
    expect(JSON.parse(gone.stdout).error).toMatchObject({ code: 'FETCH_HTTP_STATUS', status: 404 });
    expect(server.count(path)).toBe(1);
    expect(cacheFiles(join(work.dir, 'cache-404'))).toEqual({ finals: [], others: [] });
  });

  it('mirror:// URLs resolve through DISTROKIT_MIRROR_<NAME> (the loopback mirror stands in for deb.debian.org)', async () => {
    const lock = subLock('mirror-urls', [5, 6]);
    const packages = lock.packages.map((p) => ({ ...p, url: p.url!.replace(`${server.url}/debian-security/`, 'mirror://debian-security/').replace(`${server.url}/debian/`, 'mirror://debian/') }));
    expect(packages.every((p) => p.url.startsWith('mirror://'))).toBe(true);
    writeFileSync(lock.path, JSON.stringify({ ...mirror.lock, packages }));
    server.resetLog();
    const env = { DISTROKIT_MIRROR_debian: `${server.url}/debian`, DISTROKIT_MIRROR_debian_security: `${server.url}/debian-security` };
    const r = await distrokitAsync(fetchArgs(lock.path, join(work.dir, 'cache-mirror'), '--json'), { env });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ fetched: 2, failed: 0 });
    for (const path of lock.paths) expect(server.count(path)).toBe(1);
    expect(expectVerified(join(work.dir, 'cache-mirror')).sort()).toEqual(packages.map((p) => p.checksum!.value).sort());
  });

  it('after SIGINT mid-download the cache holds only verified files; the next run re-uses them and fetches the rest (resuming the partial one)', async () => {
    const indexes = Array.from({ length: 12 }, (_, i) => i + 10);
    const lock = subLock('interrupted', indexes);
    const cache = join(work.dir, 'cache-sigint');
    // One package at a time; the 8th stalls after half its body, so the 7 before it are complete.
    const stalledAt = 7;
    const stalledPath = lock.paths[stalledAt]!;
    server.fault(stalledPath, { stallAfter: Math.floor(lock.packages[stalledAt]!.size! / 2) });
    server.resetLog();
    const child = spawn(BIN, fetchArgs(lock.path, cache, '--jobs', '1', '--timeout', '600'), { stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
    await server.waitForRequest(stalledPath);
    // The stalled transfer has its first half on disk once the partial file reaches it.
    const partial = `${objectPath(cache, { sha256: lock.packages[stalledAt]!.checksum!.value })}.partial`;
    while (!existsSync(partial) || statSync(partial).size < Math.floor(lock.packages[stalledAt]!.size! / 2)) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGINT');
    expect(await exited).toBe('SIGINT');
    server.fault(stalledPath, undefined);

    const before = expectVerified(cache);
    expect(before.sort()).toEqual(lock.packages.slice(0, stalledAt).map((p) => p.checksum!.value).sort());
    // Not under a final name: the partial file (and its lock naming the dead process).
    expect(cacheFiles(cache).others.every((f) => /\.partial(\.lock(\.\d+)?)?$/.test(f))).toBe(true);

    server.resetLog();
    const r = await distrokitAsync(fetchArgs(lock.path, cache, '--jobs', '1', '--json'));
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ fetched: lock.packages.length - stalledAt, reused: stalledAt, failed: 0 });
    for (const [i, path] of lock.paths.entries()) expect(server.count(path)).toBe(i < stalledAt ? 0 : 1);
    expect(server.log.find((e) => e.path === stalledPath)).toMatchObject({ status: 206, range: `bytes=${Math.floor(lock.packages[stalledAt]!.size! / 2)}-` });
    expect(expectVerified(cache).sort()).toEqual(lock.packages.map((p) => p.checksum!.value).sort());
    expect(cacheFiles(cache).others).toEqual([]);
  });
});

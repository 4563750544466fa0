/**
 * The download engine over real HTTP (the loopback test server): a file
 * lands under its final name only when size and checksums match; transient
 * failures (5xx, a stall, a body cut short) are retried, resuming with a
 * Range request; a 404 or a checksum mismatch is not retried; every failure
 * is a typed error and leaves nothing under a final name.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DownloadEvent, type DownloadItem, downloadAll, downloadAllToCache, downloadToCache, downloadVerified, objectPath } from '../../../src/fetch/download.js';
import { startHttpServer, type TestHttpServer } from '../../helpers/http-server.js';
import { tempDir } from '../image/oracle.js';

const body = new Uint8Array(300_000).map((_, i) => (i * 31 + (i >> 9)) & 0xff);
const digest = (algo: string, d: Uint8Array) => createHash(algo).update(d).digest('hex');
const sha = (d: Uint8Array) => digest('sha256', d);
const work = tempDir('fetch');
const root = join(work.dir, 'www');
let server: TestHttpServer;
/** Fast retries and a short inactivity timeout, so the failure paths run quickly. */
const fast = { backoffMs: 1, timeoutMs: 300, retries: 2 };

/** A file served at /NAME, and its item. */
function served(name: string, data: Uint8Array = body): DownloadItem {
  writeFileSync(join(root, name), data);
  return { url: `${server.url}/${name}`, name, sha256: sha(data), size: data.length };
}
/** Files of a directory (none when it does not exist). */
const files = (dir: string) => (existsSync(dir) ? readdirSync(dir, { recursive: true }).map(String).sort() : []);

beforeAll(async () => {
  mkdirSync(root, { recursive: true });
  server = await startHttpServer(root);
});
afterAll(async () => {
  await server.close();
  work.cleanup();
});

describe('downloadVerified', () => {
  it('writes the file when size and sha256 match, and does not fetch it again', async () => {
    const dir = join(work.dir, 'ok');
    const item = served('file.deb');
    const path = await downloadVerified(item, dir, fast);
    expect(sha(readFileSync(path))).toBe(sha(body));
    server.resetLog();
    await downloadAll([item, item], dir, fast);
    expect(server.count('/file.deb')).toBe(0);
  });

  it('replaces a corrupted cached copy', async () => {
    const dir = join(work.dir, 'stale');
    const item = { ...served('f.deb'), size: undefined };
    await downloadVerified(item, dir, fast);
    writeFileSync(join(dir, 'f.deb'), 'garbage');
    const path = await downloadVerified(item, dir, fast);
    expect(sha(readFileSync(path))).toBe(sha(body));
  });

  for (const [what, make, code, requests] of [
    ['a checksum mismatch', () => ({ ...served('a.deb'), sha256: '0'.repeat(64) }), 'FETCH_CHECKSUM_MISMATCH', 1],
    ['a size mismatch', () => ({ ...served('b.deb'), size: 5 }), 'FETCH_SIZE_MISMATCH', 1],
    ['a 404', () => ({ ...served('c.deb'), url: `${server.url}/missing.deb` }), 'FETCH_HTTP_STATUS', 1],
    ['a 500 on every attempt', () => (server.fault('/d.deb', { status: 500 }), served('d.deb')), 'FETCH_RETRIES_EXHAUSTED', 3],
    ['a body cut short (honest Content-Length)', () => (server.fault('/e.deb', { truncateAt: 1000, length: 'short' }), served('e.deb')), 'FETCH_SIZE_MISMATCH', 1],
    ['a tampered body', () => (server.fault('/g.deb', { body: Buffer.from(body).fill(1, 5, 6) }), served('g.deb')), 'FETCH_CHECKSUM_MISMATCH', 1],
    ['a stall on every attempt', () => (server.fault('/h.deb', { stall: true }), served('h.deb')), 'FETCH_RETRIES_EXHAUSTED', 3],
  ] as const) {
    it(`${what} is ${code} after ${requests} request(s), naming the URL, and leaves no file`, async () => {
      const item = make();
      const dir = join(work.dir, `bad-${item.name}`);
      const path = new URL(item.url).pathname;
      server.resetLog();
      const err = await downloadVerified(item, dir, fast).catch((e: unknown) => e);
      expect(err).toMatchObject({ code, data: { file: item.url } });
      expect(server.count(path)).toBe(requests);
      expect(files(dir)).toEqual([]);
    });
  }

  it('retries a 500 and a 429, then succeeds (backoff events say so)', async () => {
    const item = served('retry.deb');
    server.fault('/retry.deb', { status: 500, times: 1 });
    const events: DownloadEvent[] = [];
    server.resetLog();
    const first = await downloadVerified(item, join(work.dir, 'retry1'), { ...fast, onEvent: (e) => events.push(e) });
    expect(sha(readFileSync(first))).toBe(sha(body));
    expect(server.count('/retry.deb')).toBe(2);
    expect(events.filter((e) => e.type === 'retry').map((e) => (e as { error: { code: string } }).error.code)).toEqual(['FETCH_HTTP_STATUS']);
    server.fault('/retry.deb', { status: 429, times: 2 });
    await downloadVerified(item, join(work.dir, 'retry2'), fast);
    expect(server.count('/retry.deb')).toBe(5);
  });

  it('resumes with a Range request after a body cut short with a lying Content-Length', async () => {
    const item = served('cut.deb');
    server.fault('/cut.deb', { truncateAt: 100_000, times: 1 });
    server.resetLog();
    const path = await downloadVerified(item, join(work.dir, 'cut'), fast);
    expect(sha(readFileSync(path))).toBe(sha(body));
    const log = server.log.filter((r) => r.path === '/cut.deb');
    // The client keeps what it read before the connection dropped (at most the 100000 bytes sent) and asks for the rest.
    expect(log.map((r) => r.status)).toEqual([200, 206]);
    const from = Number(/^bytes=(\d+)-$/.exec(log[1]!.range ?? '')?.[1]);
    expect(from).toBeGreaterThan(0);
    expect(from).toBeLessThanOrEqual(100_000);
  });

  it('times out a stalled request and a body stalled midway, and resumes the body', async () => {
    const item = served('stall.deb');
    server.fault('/stall.deb', { stall: true, times: 1 });
    const events: DownloadEvent[] = [];
    await downloadVerified(item, join(work.dir, 'stall1'), { ...fast, onEvent: (e) => events.push(e) });
    expect(events.filter((e) => e.type === 'retry').map((e) => (e as { error: { code: string } }).error.code)).toEqual(['FETCH_TIMEOUT']);
    server.fault('/stall.deb', { stallAfter: 50_000, times: 1 });
    server.resetLog();
    const path = await downloadVerified(item, join(work.dir, 'stall2'), fast);
    expect(sha(readFileSync(path))).toBe(sha(body));
    expect(server.log.map((r) => r.range)).toEqual([undefined, 'bytes=50000-']);
  });

  it('starts over when a server ignores Range, and when the kept bytes were not a prefix of the file', async () => {
    const plain = await startHttpServer(root, { ranges: false });
    try {
      const item = { ...served('norange.deb'), url: `${plain.url}/norange.deb` };
      plain.fault('/norange.deb', { truncateAt: 70_000, times: 1 });
      const path = await downloadVerified(item, join(work.dir, 'norange'), fast);
      expect(sha(readFileSync(path))).toBe(sha(body));
      expect(plain.count('/norange.deb')).toBe(2);
    } finally {
      await plain.close();
    }
    // A partial file left by an earlier run of another file: resumed, fails verification, fetched again whole.
    const item = served('prefix.deb');
    const dir = join(work.dir, 'prefix');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'prefix.deb.partial'), Buffer.alloc(1000, 7));
    server.resetLog();
    const path = await downloadVerified(item, dir, fast);
    expect(sha(readFileSync(path))).toBe(sha(body));
    expect(server.log.map((r) => r.range)).toEqual(['bytes=1000-', undefined]);
    expect(files(dir)).toEqual(['prefix.deb']);
  });
});

describe('redirects', () => {
  it('follows a redirect (relative Location) to the file, and gives up on a loop', async () => {
    const item = served('target.deb');
    server.fault('/moved.deb', { redirect: '/target.deb' });
    server.resetLog();
    const path = await downloadVerified({ ...item, url: `${server.url}/moved.deb`, name: 'moved.deb' }, join(work.dir, 'redirect'), fast);
    expect(sha(readFileSync(path))).toBe(sha(body));
    expect(server.log.map((r) => [r.path, r.status])).toEqual([
      ['/moved.deb', 302],
      ['/target.deb', 200],
    ]);
    server.fault('/loop.deb', { redirect: `${server.url}/loop.deb` });
    await expect(downloadVerified({ ...item, url: `${server.url}/loop.deb`, name: 'loop.deb' }, join(work.dir, 'loop'), fast)).rejects.toMatchObject({
      code: 'FETCH_HTTP_STATUS',
      message: expect.stringMatching(/redirects/),
    });
    expect(files(join(work.dir, 'loop'))).toEqual([]);
  });
});

describe('a partial file longer than the file (no size in the index)', () => {
  it('gets 416 for its range and starts over from byte 0', async () => {
    const item = { ...served('long.deb'), size: undefined };
    const dir = join(work.dir, 'long');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'long.deb.partial'), Buffer.alloc(body.length + 10, 3));
    server.resetLog();
    const path = await downloadVerified(item, dir, fast);
    expect(sha(readFileSync(path))).toBe(sha(body));
    expect(server.log.map((r) => [r.status, r.range])).toEqual([
      [416, `bytes=${body.length + 10}-`],
      [200, undefined],
    ]);
    expect(files(dir)).toEqual(['long.deb']);
  });
});

describe('the content-addressed cache', () => {
  it('keys files by their strongest checksum (sha512, sha256, sha1) and verifies them all', async () => {
    const cache = join(work.dir, 'cas');
    const small = body.subarray(0, 5000);
    const item = { ...served('s.rpm', small), sha512: digest('sha512', small), sha1: digest('sha1', small) };
    const path = await downloadToCache(item, cache, fast);
    expect(path).toBe(join(cache, 'objects', 'sha512', item.sha512.slice(0, 2), item.sha512));
    expect(objectPath(cache, { sha1: item.sha1 })).toBe(join(cache, 'objects', 'sha1', item.sha1.slice(0, 2), item.sha1));
    const sha1Only = { url: item.url, name: item.name, checksum: { algo: 'sha1' as const, hex: item.sha1 } };
    expect(readFileSync(await downloadToCache(sha1Only, cache, fast)).equals(Buffer.from(small))).toBe(true);
    const wrong = { ...item, sha1: '0'.repeat(40) };
    await expect(downloadToCache(wrong, join(work.dir, 'cas2'), fast)).rejects.toMatchObject({ code: 'FETCH_CHECKSUM_MISMATCH' });
    expect(files(join(work.dir, 'cas2', 'objects'))).toEqual(['sha512', `sha512/${item.sha512.slice(0, 2)}`]);
  });

  it('reads file:// and mirror:// URLs (the mirror from an override)', async () => {
    const item = served('local.deb');
    const viaFile = await downloadToCache({ ...item, url: pathToFileURL(join(root, 'local.deb')).href }, join(work.dir, 'file'), fast);
    expect(sha(readFileSync(viaFile))).toBe(sha(body));
    server.resetLog();
    const viaMirror = await downloadToCache({ ...item, url: 'mirror://test-mirror/local.deb' }, join(work.dir, 'mirror'), { ...fast, mirrors: { 'test-mirror': server.url } });
    expect(sha(readFileSync(viaMirror))).toBe(sha(body));
    expect(server.count('/local.deb')).toBe(1);
    await expect(downloadToCache({ ...item, url: pathToFileURL(join(root, 'nope.deb')).href }, join(work.dir, 'file2'), fast)).rejects.toMatchObject({ code: 'FETCH_NOT_FOUND' });
    await expect(downloadToCache({ ...item, url: 'mirror://no-such-mirror/x' }, join(work.dir, 'file3'), fast)).rejects.toMatchObject({ code: 'FETCH_UNKNOWN_MIRROR' });
  });

  it('downloads a batch in parallel; one failure does not stop the others', async () => {
    const items = Array.from({ length: 9 }, (_, i) => served(`batch${i}.deb`, body.subarray(i * 1000, i * 1000 + 20_000)));
    server.fault('/batch4.deb', { status: 404 });
    const cache = join(work.dir, 'batch');
    await expect(downloadAllToCache(items, cache, { ...fast, jobs: 3 })).rejects.toMatchObject({ code: 'FETCH_HTTP_STATUS', data: { file: items[4]!.url } });
    for (const [i, item] of items.entries()) expect(existsSync(objectPath(cache, item))).toBe(i !== 4);
  });
});

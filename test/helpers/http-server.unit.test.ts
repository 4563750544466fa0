/**
 * The loopback test server does what the download tests rely on: it serves
 * the directory, counts requests, honours Range, and its faults happen
 * (status for the first K requests, a stall, a body cut short with a lying
 * or a correct Content-Length); close() returns even with a stalled socket.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../src/image/oracle.js';
import { startHttpServer, type TestHttpServer } from './http-server.js';

const work = tempDir('http-server');
const data = Buffer.from(Array.from({ length: 10_000 }, (_, i) => (i * 7) & 0xff));
let server: TestHttpServer;

/** One GET with node:http, reporting what arrived and how the response ended. */
function get(path: string, headers: Record<string, string> = {}, timeoutMs = 2000): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer; complete: boolean; timedOut: boolean }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let status = 0;
    let hdrs: Record<string, unknown> = {};
    const req = request(`${server.url}${path}`, { headers }, (res) => {
      status = res.statusCode ?? 0;
      hdrs = res.headers;
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status, headers: hdrs, body: Buffer.concat(chunks), complete: res.complete, timedOut: false }));
      res.on('error', () => resolve({ status, headers: hdrs, body: Buffer.concat(chunks), complete: false, timedOut: false }));
    });
    req.setTimeout(timeoutMs, () => {
      resolve({ status, headers: hdrs, body: Buffer.concat(chunks), complete: false, timedOut: true });
      req.destroy();
    });
    req.on('error', () => resolve({ status, headers: hdrs, body: Buffer.concat(chunks), complete: false, timedOut: false }));
    req.end();
  });
}

beforeAll(async () => {
  mkdirSync(join(work.dir, 'pool'), { recursive: true });
  writeFileSync(join(work.dir, 'pool', 'a b.deb'), data);
  server = await startHttpServer(work.dir);
});
afterAll(async () => {
  await server.close();
  work.cleanup();
});

describe('startHttpServer', () => {
  it('serves files (URL-decoded), 404s the rest and outside the root, and logs every request', async () => {
    server.resetLog();
    const ok = await get('/pool/a%20b.deb');
    expect(ok.status).toBe(200);
    expect(ok.body.equals(data)).toBe(true);
    expect((await get('/pool/missing.deb')).status).toBe(404);
    expect((await get('/pool/../../etc/passwd')).status).toBe(404);
    expect((await get('/pool')).status).toBe(404);
    expect(server.count('/pool/a b.deb')).toBe(1);
    expect(server.log.map((r) => r.status)).toEqual([200, 404, 404, 404]);
  });

  it('answers Range requests with 206 and Content-Range, and 416 past the end', async () => {
    const part = await get('/pool/a%20b.deb', { range: 'bytes=9000-' });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe('bytes 9000-9999/10000');
    expect(part.body.equals(data.subarray(9000))).toBe(true);
    expect((await get('/pool/a%20b.deb', { range: 'bytes=10000-' })).status).toBe(416);
  });

  it('answers a status for the first K requests, then serves the file', async () => {
    server.fault('/pool/a b.deb', { status: 503, times: 2 });
    server.resetLog();
    const got = [await get('/pool/a%20b.deb'), await get('/pool/a%20b.deb'), await get('/pool/a%20b.deb')];
    expect(got.map((g) => g.status)).toEqual([503, 503, 200]);
    expect(got[2]!.body.equals(data)).toBe(true);
    expect(server.count('/pool/a b.deb')).toBe(3);
  });

  it('cuts a body short: a lying Content-Length leaves the response incomplete; a short one completes', async () => {
    server.fault('/pool/a b.deb', { truncateAt: 1000 });
    const lie = await get('/pool/a%20b.deb');
    expect(lie.headers['content-length']).toBe('10000');
    expect(lie.body.length).toBe(1000);
    expect(lie.complete).toBe(false);
    server.fault('/pool/a b.deb', { truncateAt: 1000, length: 'short' });
    const short = await get('/pool/a%20b.deb');
    expect(short.headers['content-length']).toBe('1000');
    expect(short.body.equals(data.subarray(0, 1000))).toBe(true);
    expect(short.complete).toBe(true);
  });

  it('serves a replacement body (a tampered file)', async () => {
    server.fault('/pool/a b.deb', { body: Buffer.from('tampered') });
    expect((await get('/pool/a%20b.deb')).body.toString()).toBe('tampered');
    server.fault('/pool/a b.deb', undefined);
    expect((await get('/pool/a%20b.deb')).body.equals(data)).toBe(true);
  });

  it('stalls before the status line or in the middle of the body, and close() still returns', async () => {
    const stalled = await startHttpServer(work.dir);
    const at = (path: string) => ({ get: (headers: Record<string, string> = {}, t = 300) => ((server = stalled), get(path, headers, t)) });
    const saved = server;
    try {
      stalled.fault('/pool/a b.deb', { stall: true, times: 1 });
      const first = await at('/pool/a%20b.deb').get();
      expect(first).toMatchObject({ status: 0, timedOut: true });
      expect((await at('/pool/a%20b.deb').get()).status).toBe(200);
      stalled.fault('/pool/a b.deb', { stallAfter: 500 });
      const mid = await at('/pool/a%20b.deb').get();
      expect(mid).toMatchObject({ status: 200, timedOut: true });
      expect(mid.body.length).toBe(500);
      // A request left stalled and open: close() must still return.
      stalled.fault('/pool/a b.deb', { stall: true });
      const open = request(`${stalled.url}/pool/a%20b.deb`);
      open.on('error', () => {});
      open.end();
      await stalled.waitForRequest('/pool/a b.deb', 4);
      await stalled.close();
      expect(stalled.count('/pool/a b.deb')).toBe(4);
    } finally {
      server = saved;
    }
  });
});

/**
 * Verified downloads over real HTTP (a server on 127.0.0.1 in this process):
 * the file lands only when size and sha256 match; a wrong checksum, a short
 * body or an HTTP error is a typed error and leaves nothing behind.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadAll, downloadVerified } from '../../../src/fetch/download.js';
import { tempDir } from '../image/oracle.js';

const body = new Uint8Array(300_000).map((_, i) => (i * 31) & 0xff);
const sha = (d: Uint8Array) => createHash('sha256').update(d).digest('hex');
let server: Server;
let base: string;
let requests = 0;
const work = tempDir('fetch');

beforeAll(async () => {
  server = createServer((req, res) => {
    requests++;
    if (req.url === '/file.deb') res.end(Buffer.from(body));
    else if (req.url === '/short.deb') {
      res.writeHead(200, { 'content-length': String(body.length) });
      res.end(Buffer.from(body.subarray(0, 1000)));
      res.socket?.destroy();
    } else res.writeHead(404).end('no');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.close();
  work.cleanup();
});

describe('downloadVerified', () => {
  it('writes the file when size and sha256 match, and does not fetch it again', async () => {
    const dir = join(work.dir, 'ok');
    const item = { url: `${base}/file.deb`, name: 'file.deb', sha256: sha(body), size: body.length };
    const path = await downloadVerified(item, dir);
    expect(sha(readFileSync(path))).toBe(sha(body));
    const before = requests;
    await downloadAll([item, item], dir);
    expect(requests).toBe(before);
  });

  it('replaces a corrupted cached copy', async () => {
    const dir = join(work.dir, 'stale');
    await downloadVerified({ url: `${base}/file.deb`, name: 'f.deb', sha256: sha(body) }, dir);
    writeFileSync(join(dir, 'f.deb'), 'garbage');
    const path = await downloadVerified({ url: `${base}/file.deb`, name: 'f.deb', sha256: sha(body) }, dir);
    expect(sha(readFileSync(path))).toBe(sha(body));
  });

  for (const [what, item, code] of [
    ['a checksum mismatch', { url: '/file.deb', name: 'a.deb', sha256: '0'.repeat(64) }, 'FETCH_CHECKSUM_MISMATCH'],
    ['a size mismatch', { url: '/file.deb', name: 'b.deb', sha256: sha(body), size: 5 }, 'FETCH_SIZE_MISMATCH'],
    ['an HTTP error', { url: '/missing.deb', name: 'c.deb', sha256: sha(body) }, 'FETCH_HTTP_STATUS'],
    ['a connection cut short', { url: '/short.deb', name: 'd.deb', sha256: sha(body) }, 'FETCH_FAILED'],
  ] as const) {
    it(`${what} is ${code}, naming the URL, and leaves no file`, async () => {
      const dir = join(work.dir, `bad-${item.name}`);
      const err = await downloadVerified({ ...item, url: `${base}${item.url}` }, dir).catch((e: unknown) => e);
      expect(err).toMatchObject({ code, data: { file: `${base}${item.url}` } });
      expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
    });
  }
});

/**
 * Verified Debian index fetching against a local mirror built from the
 * machine's real signed apt lists (test/helpers/debian-mirror.ts), served on
 * 127.0.0.1 by the fault-injecting test server, verified with Debian's real
 * archive keyring; the result feeds `deb closure`. Every tampering is a coded
 * error naming the file, and leaves no unverified file in the output.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRelease } from '../../../formats/deb822/release.js';
import { fetchDebianIndexes, type DebianIndexOptions, type DebianSuiteSource } from '../../../src/fetch/debian-index.js';
import { readKeyring, type Keyring } from '../../../src/fetch/openpgp.js';
import { distrokit } from '../../helpers/cli.js';
import { DEBIAN_KEYRING, serveDebianTestMirror } from '../../helpers/debian-index-mirror.js';
import { splitCleartext, sqv, type TestKey } from '../../helpers/gpg.js';
import { startHttpServer, type TestHttpServer } from '../../helpers/http-server.js';
import { tempDir } from '../image/oracle.js';

const work = tempDir('debian-index');
let root: string;
let server: TestHttpServer;
let debian: Keyring;
let key: TestKey;
let n = 0;

const suites = (): DebianSuiteSource[] => [
  { mirror: `${server.url}/debian`, suite: 'bookworm' },
  { mirror: `${server.url}/debian`, suite: 'bookworm-updates' },
  { mirror: `${server.url}/debian-security`, suite: 'bookworm-security' },
];
const freshOut = () => join(work.dir, `out-${++n}`);
/** A time inside every suite's validity: an hour after bookworm-security's Date (its Valid-Until is a week later). */
let inValidity: Date;
const opts = (out: string, extra: Partial<DebianIndexOptions> = {}): DebianIndexOptions => ({ keyring: debian, out, backoffMs: 10, timeoutMs: 5000, now: inValidity, ...extra });
const files = (dir: string): string[] =>
  existsSync(dir) ? readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name))).sort() : [];
const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'OK',
    (e: { code?: string; data?: { file?: string } }) => `${e.code} ${e.data?.file ?? ''}`,
  );

beforeAll(async () => {
  ({ root, server, debian, key, inValidity } = await serveDebianTestMirror('distrokit fetch test'));
}, 600_000);
afterAll(async () => {
  await server?.close();
  key?.cleanup();
  work.cleanup();
});

describe('fetchDebianIndexes on a loopback mirror of the real bookworm lists', () => {
  it('fetches bookworm, -updates and -security (two mirror bases), verified; deb closure resolves bash from them; a second run reuses them', async () => {
    const out = freshOut();
    const got = await fetchDebianIndexes(suites(), opts(out));
    expect(got.map((s) => [s.suite, s.refreshed, s.indexes.length])).toEqual([
      ['bookworm', true, 1],
      ['bookworm-updates', true, 1],
      ['bookworm-security', true, 1],
    ]);
    for (const s of got) {
      // the InRelease kept is the real one, byte for byte, and Debian's keys signed it
      expect(readFileSync(s.release).equals(readFileSync(join(root, new URL(s.mirror).pathname, 'dists', s.suite, 'InRelease')))).toBe(true);
      expect(s.signers.length).toBeGreaterThanOrEqual(2);
      const [index] = s.indexes;
      // the mirror re-compressed: .xz is chosen, and verified by its decompressed content
      expect(index!.url).toBe(`${s.mirror}/dists/${s.suite}/main/binary-amd64/Packages.xz`);
      expect(index!.verifiedBy).toBe('decompressed');
      expect(index!.urlPrefix).toBe(s.mirror);
      // kept decompressed: the Release's plain Packages, byte for byte
      expect(index!.path).toBe(join(out, `127.0.0.1_${server.port}_${new URL(s.mirror).pathname.slice(1)}`, 'dists', s.suite, 'main/binary-amd64/Packages'));
      const plain = readFileSync(index!.path);
      const release = parseRelease(execFileSync('gpgv', ['--output', '-', '--keyring', DEBIAN_KEYRING, s.release], { stdio: ['ignore', 'pipe', 'ignore'] }));
      expect(createHash('sha256').update(plain).digest('hex')).toBe(release.sha256.get('main/binary-amd64/Packages')!.sha256);
    }
    // by-hash (bookworm-updates and -security say Acquire-By-Hash: yes) was asked first, then the plain path
    expect(server.log.some((r) => r.path.includes('/by-hash/SHA256/') && r.status === 404)).toBe(true);

    const indexes = got.flatMap((s) => s.indexes);
    const r = distrokit(['deb', 'closure', '--json', ...indexes.flatMap((i) => ['--index', i.path]), ...indexes.flatMap((i) => ['--url-prefix', i.urlPrefix]), 'bash']);
    expect([r.status, r.stderr]).toEqual([0, 'distrokit: 8 packages in 7 install groups\n']);
    const doc = JSON.parse(r.stdout) as { packages: { name: string; url: string }[] };
    const bash = doc.packages.find((p) => p.name === 'bash')!;
    expect(bash.url.startsWith(`${server.url}/debian/pool/main/b/bash/`)).toBe(true);
    expect(doc.packages.map((p) => p.name)).toContain('libc6');

    server.resetLog();
    const again = await fetchDebianIndexes(suites(), opts(out));
    expect(again.map((s) => s.refreshed)).toEqual([false, false, false]);
    expect(server.log.map((l) => l.path).sort()).toEqual(['/debian-security/dists/bookworm-security/InRelease', '/debian/dists/bookworm-updates/InRelease', '/debian/dists/bookworm/InRelease']);
    expect(again.flatMap((s) => s.indexes.map((i) => i.path))).toEqual(indexes.map((i) => i.path));
  });

  it('a modified Packages.xz is FETCH_CHECKSUM_MISMATCH naming it; nothing of the suite is written', async () => {
    const path = '/debian/dists/bookworm-updates/main/binary-amd64/Packages.xz';
    const plain = execFileSync('xz', ['-dc', join(root, path)]);
    plain[100] ^= 1;
    server.fault(path, { body: execFileSync('xz', ['-1', '-c'], { input: plain }) });
    try {
      const out = freshOut();
      expect(await codeOf(fetchDebianIndexes([suites()[1]!], opts(out)))).toBe(`FETCH_CHECKSUM_MISMATCH ${server.url}${path}`);
      expect(files(out).filter((f) => !f.endsWith('/'))).toEqual([]);
    } finally {
      server.fault(path, undefined);
    }
  });

  it('a truncated index (short Content-Length) is FETCH_CHECKSUM_MISMATCH; with a lying Content-Length it is retried and succeeds', async () => {
    const path = '/debian/dists/bookworm-updates/main/binary-amd64/Packages.xz';
    server.fault(path, { truncateAt: 1000, length: 'short' });
    try {
      const out = freshOut();
      expect(await codeOf(fetchDebianIndexes([suites()[1]!], opts(out)))).toBe(`FETCH_CHECKSUM_MISMATCH ${server.url}${path}`);
      expect(files(out)).toEqual([]);
      server.fault(path, { truncateAt: 1000, length: 'lie', times: 1 });
      server.resetLog();
      const got = await fetchDebianIndexes([suites()[1]!], opts(out));
      expect(got[0]!.indexes[0]!.verifiedBy).toBe('decompressed');
      expect(server.count(path)).toBe(2);
    } finally {
      server.fault(path, undefined);
    }
  });

  it('one modified byte of InRelease is FETCH_SIGNATURE_BAD; a bad signature too; nothing is written', async () => {
    const path = '/debian/dists/bookworm-updates/InRelease';
    const bytes = Buffer.from(readFileSync(join(root, path)));
    const at = bytes.indexOf('main/binary-amd64/Packages.xz') - 30;
    bytes[at] = bytes[at] === 0x30 ? 0x31 : 0x30;
    server.fault(path, { body: bytes });
    try {
      const out = freshOut();
      expect(await codeOf(fetchDebianIndexes([suites()[1]!], opts(out)))).toBe(`FETCH_SIGNATURE_BAD ${server.url}${path}`);
      expect(files(out)).toEqual([]);
      // a signature cut in the middle of its armour does not parse at all
      const original = readFileSync(join(root, path), 'utf8');
      const sigAt = original.indexOf('-----BEGIN PGP SIGNATURE-----');
      server.fault(path, { body: Buffer.from(`${original.slice(0, sigAt + 200)}\n-----END PGP SIGNATURE-----\n`) });
      expect(await codeOf(fetchDebianIndexes([suites()[1]!], opts(out)))).toMatch(/^FETCH_SIGNATURE_(BAD|MALFORMED) /);
      expect(files(out)).toEqual([]);
    } finally {
      server.fault(path, undefined);
    }
  });

  it('a keyring without Debian\'s keys is FETCH_SIGNATURE_UNKNOWN_KEY; nothing is written', async () => {
    const out = freshOut();
    const ring = await readKeyring(readFileSync(key.keyring));
    expect(await codeOf(fetchDebianIndexes(suites(), opts(out, { keyring: ring })))).toMatch(/^FETCH_SIGNATURE_UNKNOWN_KEY http:\/\/127\.0\.0\.1:\d+\/debian.*\/InRelease$/);
    expect(files(out)).toEqual([]);
  });

  it('bookworm-security past its Valid-Until is FETCH_RELEASE_EXPIRED, accepted with allowExpired', async () => {
    const text = readFileSync(join(root, 'debian-security/dists/bookworm-security/InRelease'), 'utf8');
    const validUntil = new Date(/^Valid-Until: (.*)$/m.exec(text)![1]!);
    const out = freshOut();
    const late = new Date(validUntil.getTime() + 1000);
    expect(await codeOf(fetchDebianIndexes([suites()[2]!], opts(out, { now: late })))).toBe(`FETCH_RELEASE_EXPIRED ${server.url}/debian-security/dists/bookworm-security/InRelease`);
    expect(files(out)).toEqual([]);
    const got = await fetchDebianIndexes([suites()[2]!], opts(out, { now: late, allowExpired: true }));
    expect(got[0]!.validUntil).toBe(validUntil.toISOString());
  });

  it('a clock before the InRelease was signed is FETCH_SIGNATURE_FUTURE (sqv refuses it too; gpgv 2.2 accepts it)', async () => {
    const text = readFileSync(join(root, 'debian-security/dists/bookworm-security/InRelease'), 'utf8');
    const date = new Date(/^Date: (.*)$/m.exec(text)![1]!);
    const out = freshOut();
    expect(await codeOf(fetchDebianIndexes([suites()[2]!], opts(out, { now: new Date(date.getTime() - 60_000) })))).toBe(
      `FETCH_SIGNATURE_FUTURE ${server.url}/debian-security/dists/bookworm-security/InRelease`,
    );
    expect(files(out)).toEqual([]);
    // sqv tolerates 30 minutes of skew ("Not live until" the signature time - 30 min); a day is beyond it.
    const { text: signed, signature } = splitCleartext(readFileSync(join(root, 'debian-security/dists/bookworm-security/InRelease')));
    const sig = join(work.dir, 'security.sig');
    const data = join(work.dir, 'security.txt');
    writeFileSync(sig, signature);
    writeFileSync(data, signed);
    expect(sqv(DEBIAN_KEYRING, sig, data).status).toBe(0);
    const dayBefore = new Date(date.getTime() - 86_400_000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '');
    const faked = sqv(DEBIAN_KEYRING, sig, data, 1, dayBefore);
    expect(faked.status).not.toBe(0);
    expect(faked.stderr).toMatch(/Not live until/);
  });

  it.each([
    ['suite', { suite: '../../../tmp' }],
    ['suite', { suite: '' }],
    ['component', { suite: 'bookworm', components: ['main/../..'] }],
    ['architecture', { suite: 'bookworm', architectures: ['amd64?x'] }],
  ])('a %s that is not a plain name is FETCH_BAD_NAME before anything is fetched', async (_, bad) => {
    server.resetLog();
    const out = freshOut();
    expect(await codeOf(fetchDebianIndexes([{ mirror: `${server.url}/debian`, ...bad }], opts(out)))).toBe('FETCH_BAD_NAME ');
    expect(server.log).toEqual([]);
    expect(files(out)).toEqual([]);
  });

  it('another suite\'s InRelease served for bookworm-updates is FETCH_RELEASE_WRONG_SUITE', async () => {
    const path = '/debian/dists/bookworm-updates/InRelease';
    server.fault(path, { body: readFileSync(join(root, 'debian/dists/bookworm/InRelease')) });
    try {
      expect(await codeOf(fetchDebianIndexes([suites()[1]!], opts(freshOut())))).toBe(`FETCH_RELEASE_WRONG_SUITE ${server.url}${path}`);
    } finally {
      server.fault(path, undefined);
    }
  });

  it('a mirror without the .xz the Release lists (404): the plain Packages is fetched instead, and verified', async () => {
    const path = '/debian/dists/bookworm-updates/main/binary-amd64/Packages.xz';
    server.fault(path, { status: 404 });
    try {
      const got = await fetchDebianIndexes([suites()[1]!], opts(freshOut()));
      expect(got[0]!.indexes[0]!.url).toBe(`${server.url}/debian/dists/bookworm-updates/main/binary-amd64/Packages`);
      expect(got[0]!.indexes[0]!.verifiedBy).toBe('compressed');
    } finally {
      server.fault(path, undefined);
    }
  });

  it('HTTP 500 twice, then the file: retried, and it succeeds', async () => {
    const path = '/debian/dists/bookworm-updates/InRelease';
    server.fault(path, { status: 500, times: 2 });
    server.resetLog();
    try {
      const got = await fetchDebianIndexes([suites()[1]!], opts(freshOut()));
      expect(got[0]!.signers.length).toBeGreaterThan(0);
      expect(server.count(path)).toBe(3);
    } finally {
      server.fault(path, undefined);
    }
  });

  it('a server that stalls is FETCH_RETRIES_EXHAUSTED after FETCH_TIMEOUTs, naming the file; nothing is written', async () => {
    const path = '/debian/dists/bookworm-updates/main/binary-amd64/Packages.xz';
    server.fault(path, { stallAfter: 100 });
    try {
      const out = freshOut();
      const err = (await fetchDebianIndexes([suites()[1]!], opts(out, { timeoutMs: 300, retries: 1 })).catch((e: unknown) => e)) as {
        code: string;
        data: { file: string; last: string };
      };
      expect([err.code, err.data.last, err.data.file]).toEqual(['FETCH_RETRIES_EXHAUSTED', 'FETCH_TIMEOUT', `${server.url}${path}`]);
      expect(files(out)).toEqual([]);
    } finally {
      server.fault(path, undefined);
    }
  });
});

describe('a suite signed by a test key: Release + Release.gpg, by-hash, uncompressed fallback', () => {
  /** A tiny signed suite at ROOT/test/dists/SUITE, by-hash files present; `header` goes into its Release. */
  function buildSuite(dir: string, header = ''): void {
    const dists = join(dir, 'test', 'dists', 'tiny');
    const bin = join(dists, 'main', 'binary-amd64');
    mkdirSync(join(bin, 'by-hash', 'SHA256'), { recursive: true });
    const packages = Buffer.from('Package: hello\nVersion: 1.0\nArchitecture: amd64\nFilename: pool/main/h/hello/hello_1.0_amd64.deb\nSize: 10\nSHA256: ' + '0'.repeat(64) + '\nDescription: hi\n');
    const gz = execFileSync('gzip', ['-9', '-n', '-c'], { input: packages });
    const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
    writeFileSync(join(bin, 'Packages'), packages);
    writeFileSync(join(bin, 'by-hash', 'SHA256', sha(gz)), gz);
    const release = `Origin: test\nSuite: tiny\nCodename: tiny\n${header}Acquire-By-Hash: yes\nComponents: main\nArchitectures: amd64\nSHA256:\n ${sha(packages)} ${packages.length} main/binary-amd64/Packages\n ${sha(gz)} ${gz.length} main/binary-amd64/Packages.gz\n`;
    writeFileSync(join(dists, 'Release'), release);
    key.signDetached(join(dists, 'Release'), false);
    execFileSync('mv', [join(dists, 'Release.sig'), join(dists, 'Release.gpg')]);
  }

  it('with no InRelease, Release + Release.gpg verify; the .gz comes by hash (only by-hash has it)', async () => {
    const dir = join(work.dir, 'tiny-mirror');
    buildSuite(dir);
    const tiny = await startHttpServer(dir);
    try {
      const out = freshOut();
      const got = await fetchDebianIndexes([{ mirror: `${tiny.url}/test`, suite: 'tiny' }], opts(out, { keyring: await readKeyring(readFileSync(key.armored)), now: new Date() }));
      expect(got[0]!.signers).toEqual([key.fingerprint]);
      expect(got[0]!.indexes[0]!.url).toMatch(/\/by-hash\/SHA256\/[0-9a-f]{64}$/);
      expect(got[0]!.indexes[0]!.verifiedBy).toBe('compressed');
      expect(files(out).map((f) => f.replace(/^[^/]+\//, ''))).toEqual([
        'dists/tiny/Release',
        'dists/tiny/Release.gpg',
        'dists/tiny/distrokit-state.json',
        'dists/tiny/main/binary-amd64/Packages',
      ]);
      // Release without its .gpg: FETCH_SIGNATURE_MISSING
      tiny.fault('/test/dists/tiny/Release.gpg', { status: 404 });
      expect(await codeOf(fetchDebianIndexes([{ mirror: `${tiny.url}/test`, suite: 'tiny' }], opts(freshOut(), { keyring: await readKeyring(readFileSync(key.keyring)), now: new Date() })))).toBe(
        `FETCH_SIGNATURE_MISSING ${tiny.url}/test/dists/tiny/Release`,
      );
    } finally {
      await tiny.close();
    }
  });

  it('a Release dated more than 10 s after the clock (signed now) is FETCH_RELEASE_NOT_YET_VALID, accepted with allowExpired', async () => {
    const dir = join(work.dir, 'tiny-future');
    const date = new Date(Date.now() + 3600_000);
    buildSuite(dir, `Date: ${date.toUTCString().replace('GMT', 'UTC')}\n`);
    const tiny = await startHttpServer(dir);
    try {
      const fetchTiny = async (extra: Partial<DebianIndexOptions>) =>
        fetchDebianIndexes([{ mirror: `${tiny.url}/test`, suite: 'tiny' }], opts(freshOut(), { keyring: await readKeyring(readFileSync(key.armored)), now: new Date(), ...extra }));
      expect(await codeOf(fetchTiny({}))).toBe(`FETCH_RELEASE_NOT_YET_VALID ${tiny.url}/test/dists/tiny/Release`);
      expect((await fetchTiny({ allowExpired: true }))[0]!.date).toBe(new Date(Math.floor(date.getTime() / 1000) * 1000).toISOString());
    } finally {
      await tiny.close();
    }
  });
});

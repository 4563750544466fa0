/**
 * Verified RPM metadata against a real createrepo_c repository
 * (test/helpers/rpm-test-repo.ts) served on 127.0.0.1, its repomd.xml signed
 * with a test key (gpg, scratch GNUPGHOME; gpgv agrees the signature is
 * good). Tampering with primary, its content, or the signature is caught,
 * and nothing unverified is written.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readKeyring, type Keyring } from '../../../src/fetch/openpgp.js';
import { fetchRpmRepodata, type RpmIndexOptions } from '../../../src/fetch/rpm-index.js';
import { distrokit, distrokitAsync } from '../../helpers/cli.js';
import { gpgv, makeTestKey, type TestKey } from '../../helpers/gpg.js';
import { startHttpServer, type TestHttpServer } from '../../helpers/http-server.js';
import { buildTestRepo } from '../../helpers/rpm-test-repo.js';
import { tempDir } from '../image/oracle.js';

const work = tempDir('rpm-index');
let server: TestHttpServer;
let key: TestKey;
let keyring: Keyring;
let primaryPath: string;
let n = 0;
const freshOut = () => join(work.dir, `out-${++n}`);
const opts = (out: string, extra: Partial<RpmIndexOptions> = {}): RpmIndexOptions => ({ out, backoffMs: 10, timeoutMs: 5000, ...extra });
const files = (dir: string): string[] =>
  existsSync(dir) ? readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name))) : [];
const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'OK',
    (e: { code?: string; data?: { file?: string } }) => `${e.code} ${e.data?.file ?? ''}`,
  );

beforeAll(async () => {
  // a private copy: the cached test repository is shared read-only
  const repo = join(work.dir, 'mirror', 'repo');
  cpSync(buildTestRepo().gz, repo, { recursive: true });
  key = makeTestKey('distrokit rpm repo key');
  key.signDetached(join(repo, 'repodata', 'repomd.xml'), true);
  keyring = await readKeyring(readFileSync(key.armored));
  primaryPath = `/repo/repodata/${readdirSync(join(repo, 'repodata')).find((f) => f.endsWith('-primary.xml.gz'))!}`;
  server = await startHttpServer(join(work.dir, 'mirror'));
});
afterAll(async () => {
  await server?.close();
  key?.cleanup();
  work.cleanup();
});

describe('fetchRpmRepodata', () => {
  it('gpgv agrees that the test repomd.xml.asc is good', () => {
    const repodata = join(work.dir, 'mirror', 'repo', 'repodata');
    expect(gpgv(key.keyring, join(repodata, 'repomd.xml.asc'), join(repodata, 'repomd.xml')).keywords).toContain('GOODSIG');
  });

  it('fetches repomd.xml (signature required and good), primary and filelists; rpm closure reads the result; a second run reuses it', async () => {
    const out = freshOut();
    const got = await fetchRpmRepodata(`${server.url}/repo`, opts(out, { keyring, requireSignature: true }));
    expect(got.signers).toEqual([key.fingerprint]);
    expect(got.files.map((f) => f.type)).toEqual(['primary', 'filelists']);
    for (const f of got.files) expect(readFileSync(f.path).equals(readFileSync(join(work.dir, 'mirror', new URL(f.url).pathname)))).toBe(true);
    const r = distrokit(['rpm', 'closure', '--repo', got.dir, '--json', 'rich-and']);
    expect(r.status).toBe(0);
    expect((JSON.parse(r.stdout) as { packages: { name: string }[] }).packages.map((p) => p.name).sort()).toEqual(['ra1', 'ra2', 'rich-and']);

    server.resetLog();
    const again = await fetchRpmRepodata(`${server.url}/repo`, opts(out, { keyring, requireSignature: true }));
    expect(again.refreshed).toBe(false);
    expect(server.log.map((l) => l.path).sort()).toEqual(['/repo/repodata/repomd.xml', '/repo/repodata/repomd.xml.asc']);
  });

  it('a modified primary.xml.gz is FETCH_CHECKSUM_MISMATCH naming it; nothing is written', async () => {
    const bytes = Buffer.from(readFileSync(join(work.dir, 'mirror', primaryPath)));
    bytes[bytes.length - 20] ^= 1;
    server.fault(primaryPath, { body: bytes });
    try {
      const out = freshOut();
      expect(await codeOf(fetchRpmRepodata(`${server.url}/repo`, opts(out, { keyring })))).toBe(`FETCH_CHECKSUM_MISMATCH ${server.url}${primaryPath}`);
      expect(files(out)).toEqual([]);
    } finally {
      server.fault(primaryPath, undefined);
    }
  });

  it('content that does not match open-checksum is FETCH_CHECKSUM_MISMATCH (an unsigned repomd.xml with a wrong open-checksum)', async () => {
    const repomd = readFileSync(join(work.dir, 'mirror', 'repo', 'repodata', 'repomd.xml'), 'utf8');
    const tampered = repomd.replace(/(<data type="primary">[\s\S]*?<open-checksum type="sha256">)([0-9a-f])/, (_, a: string, c: string) => `${a}${c === '0' ? '1' : '0'}`);
    expect(tampered).not.toBe(repomd);
    server.fault('/repo/repodata/repomd.xml', { body: Buffer.from(tampered) });
    try {
      const out = freshOut();
      expect(await codeOf(fetchRpmRepodata(`${server.url}/repo`, opts(out)))).toBe(`FETCH_CHECKSUM_MISMATCH ${server.url}${primaryPath}`);
      expect(files(out)).toEqual([]);
      // and signed, the same repomd.xml is caught by its signature first
      expect(await codeOf(fetchRpmRepodata(`${server.url}/repo`, opts(out, { keyring })))).toBe(`FETCH_SIGNATURE_BAD ${server.url}/repo/repodata/repomd.xml.asc`);
    } finally {
      server.fault('/repo/repodata/repomd.xml', undefined);
    }
  });

  it('a bad repomd.xml.asc is FETCH_SIGNATURE_BAD; another key is FETCH_SIGNATURE_UNKNOWN_KEY; none when required is FETCH_SIGNATURE_MISSING', async () => {
    const ascPath = '/repo/repodata/repomd.xml.asc';
    // the signature's last byte (inside its last MPI) flipped, served binary (gpg --dearmor)
    const binary = execFileSync('gpg', ['--dearmor'], { input: readFileSync(join(work.dir, 'mirror', ascPath)) });
    binary[binary.length - 1] ^= 1;
    server.fault(ascPath, { body: binary });
    try {
      const out = freshOut();
      expect(await codeOf(fetchRpmRepodata(`${server.url}/repo`, opts(out, { keyring })))).toBe(`FETCH_SIGNATURE_BAD ${server.url}${ascPath}`);
      expect(files(out)).toEqual([]);
      server.fault(ascPath, { status: 404 });
      expect(await codeOf(fetchRpmRepodata(`${server.url}/repo`, opts(out, { keyring, requireSignature: true })))).toBe(`FETCH_SIGNATURE_MISSING ${server.url}/repo/repodata/repomd.xml`);
      expect(files(out)).toEqual([]);
    } finally {
      server.fault(ascPath, undefined);
    }
    const other = makeTestKey('distrokit other rpm key');
    try {
      const ring = await readKeyring(readFileSync(other.keyring));
      expect(await codeOf(fetchRpmRepodata(`${server.url}/repo`, opts(freshOut(), { keyring: ring })))).toBe(`FETCH_SIGNATURE_UNKNOWN_KEY ${server.url}${ascPath}`);
    } finally {
      other.cleanup();
    }
  });
});

describe('fetch repodata --dist (the catalog\'s repositories, mirror overridden to loopback)', () => {
  it('fedora-42: both repositories it lists (fedora, updates) are fetched and verified', async () => {
    const root = join(work.dir, 'fedora-mirror');
    const repo = join(work.dir, 'mirror', 'repo');
    cpSync(repo, join(root, 'releases/42/Everything/x86_64/os'), { recursive: true });
    cpSync(repo, join(root, 'updates/42/Everything/x86_64'), { recursive: true });
    const fedora = await startHttpServer(root);
    try {
      const out = join(work.dir, 'fedora-out');
      const r = await distrokitAsync(['fetch', 'repodata', '--dist', 'fedora-42', '--keyring', key.armored, '--require-signature', '--out', out, '--json'], {
        env: { DISTROKIT_MIRROR_fedora: fedora.url },
      });
      expect(r.status).toBe(0);
      const doc = JSON.parse(r.stdout) as { repositories: { id: string; url: string; signers: string[]; files: { type: string }[] }[] };
      expect(doc.repositories.map((x) => [x.id, x.url, x.signers])).toEqual([
        ['fedora', `${fedora.url}/releases/42/Everything/x86_64/os`, [key.fingerprint]],
        ['updates', `${fedora.url}/updates/42/Everything/x86_64`, [key.fingerprint]],
      ]);
      const bad = await distrokitAsync(['fetch', 'repodata', '--dist', 'fedora-42', '--arch', 'aarch64', '--out', out, '--json']);
      expect(bad.status).toBe(1);
      expect((JSON.parse(bad.stdout) as { error: { code: string } }).error.code).toBe('DIST_UNKNOWN');
    } finally {
      await fedora.close();
    }
  });
});

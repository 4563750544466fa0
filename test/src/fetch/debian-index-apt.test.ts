/**
 * apt-get update as the oracle of index fetching: apt (scratch lists, state
 * and cache; only the plain Packages allowed, since the loopback mirror's
 * re-compressed .xz/.gz do not match the Release's compressed hashes and apt,
 * unlike fetchDebianIndexes, refuses them) and fetchDebianIndexes read the
 * same loopback mirror of the machine's real bookworm-updates and
 * bookworm-security lists. On the real data both succeed and get the same
 * Packages bytes; on each tampering both refuse. (Valid-Until is not compared
 * here: apt 2.6 under faketime(1) accepted bookworm-security a week past its
 * Valid-Until, so it is no oracle for that; debian-index.test.ts checks ours.)
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decompressToBuffer } from '../../../formats/compress/index.js';
import { fetchDebianIndexes } from '../../../src/fetch/debian-index.js';
import { readKeyring, type Keyring } from '../../../src/fetch/openpgp.js';
import { DEBIAN_KEYRING, serveDebianTestMirror } from '../../helpers/debian-index-mirror.js';
import type { TestKey } from '../../helpers/gpg.js';
import type { TestHttpServer } from '../../helpers/http-server.js';
import { tempDir } from '../image/oracle.js';

const run = promisify(execFile);
const work = tempDir('index-apt');
let root: string;
let server: TestHttpServer;
let debian: Keyring;
let key: TestKey;
let inValidity: Date;
let n = 0;

/** apt-get update of one suite (main, amd64) in a scratch directory: ok and the Packages it kept, or its error text. */
async function aptUpdate(mirror: string, suite: string, keyring: string, faketime?: string): Promise<{ ok: boolean; packages?: Uint8Array; output: string }> {
  const dir = join(work.dir, `apt-${++n}`);
  mkdirSync(join(dir, 'lists', 'partial'), { recursive: true });
  mkdirSync(join(dir, 'cache', 'archives', 'partial'), { recursive: true });
  writeFileSync(join(dir, 'sources.list'), `deb [signed-by=${keyring}] ${mirror} ${suite} main\n`);
  writeFileSync(join(dir, 'status'), '');
  const args = [
    'update',
    '-o', `Dir::State::Lists=${join(dir, 'lists')}`,
    '-o', `Dir::Etc::SourceList=${join(dir, 'sources.list')}`,
    '-o', 'Dir::Etc::SourceParts=/nonexistent',
    '-o', `Dir::Cache=${join(dir, 'cache')}`,
    '-o', `Dir::State::status=${join(dir, 'status')}`,
    '-o', 'APT::Sandbox::User=root',
    '-o', 'Debug::NoLocking=1',
    '-o', 'APT::Architecture=amd64',
    '-o', 'APT::Architectures::=amd64',
    // only the uncompressed Packages: the mirror's re-compressed files do not match the Release
    ...['xz', 'bz2', 'lzma', 'gz', 'lz4', 'zst'].flatMap((c) => ['-o', `Acquire::CompressionTypes::${c}=none`]),
  ];
  const [cmd, cmdArgs] = faketime ? ['faketime', [faketime, 'apt-get', ...args]] : ['apt-get', args];
  let output: string;
  try {
    const r = await run(cmd as string, cmdArgs as string[], { maxBuffer: 1 << 24 });
    output = r.stdout + r.stderr;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
  // apt reports a failed index as a warning/error line but may exit 0: "E:" or "W:" lines mean failure here
  const list = readdirSync(join(dir, 'lists')).find((f) => f.includes('_Packages'));
  if (/^(E|W):/m.test(output) || !list) return { ok: false, output };
  const packages = await decompressToBuffer(readFileSync(join(dir, 'lists', list)));
  rmSync(dir, { recursive: true, force: true });
  return { ok: true, packages, output };
}

async function ours(mirror: string, suite: string, keyring: Keyring, now = inValidity): Promise<{ ok: boolean; packages?: Uint8Array; code?: string }> {
  try {
    const [s] = await fetchDebianIndexes([{ mirror, suite }], { keyring, out: join(work.dir, `ours-${++n}`), now, backoffMs: 10, retries: 0 });
    return { ok: true, packages: readFileSync(s!.indexes[0]!.path) };
  } catch (err) {
    return { ok: false, code: (err as { code?: string }).code };
  }
}

beforeAll(async () => {
  ({ root, server, debian, key, inValidity } = await serveDebianTestMirror('distrokit apt oracle key'));
}, 600_000);
afterAll(async () => {
  await server?.close();
  key?.cleanup();
  work.cleanup();
});

/** A time as faketime(1) takes it (date -d syntax). */
const fakeTime = (d: Date) => `${d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, '')} UTC`;
const FAKETIME = () => fakeTime(inValidity);

describe('fetchDebianIndexes and apt-get update on the same loopback mirror', () => {
  it.each([
    ['debian', 'bookworm-updates'],
    ['debian-security', 'bookworm-security'],
  ])('%s %s: both accept, with the same Packages bytes', async (base, suite) => {
    const mirror = `${server.url}/${base}`;
    const apt = await aptUpdate(mirror, suite, DEBIAN_KEYRING, FAKETIME());
    expect(apt.output).not.toMatch(/^(E|W):/m);
    const mine = await ours(mirror, suite, debian);
    expect(mine.ok).toBe(true);
    expect(Buffer.from(mine.packages!).equals(Buffer.from(apt.packages!))).toBe(true);
  });

  it('a modified Packages: both refuse (apt: Hash Sum mismatch)', async () => {
    const path = '/debian/dists/bookworm-updates/main/binary-amd64/Packages';
    const bytes = Buffer.from(readFileSync(join(root, path)));
    bytes[500] ^= 1;
    server.fault(path, { body: bytes });
    try {
      const apt = await aptUpdate(`${server.url}/debian`, 'bookworm-updates', DEBIAN_KEYRING, FAKETIME());
      expect(apt.ok).toBe(false);
      expect(apt.output).toMatch(/Hash Sum mismatch/);
      // ours, with only the plain Packages offered too (a 404 for the .xz moves on to it)
      server.fault(`${path}.xz`, { status: 404 });
      expect((await ours(`${server.url}/debian`, 'bookworm-updates', debian)).code).toBe('FETCH_CHECKSUM_MISMATCH');
    } finally {
      server.fault(path, undefined);
      server.fault(`${path}.xz`, undefined);
    }
  });

  it('one changed byte of the InRelease: both refuse', async () => {
    const path = '/debian/dists/bookworm-updates/InRelease';
    const bytes = Buffer.from(readFileSync(join(root, path)));
    const at = bytes.indexOf('main/binary-amd64/Packages') - 30;
    bytes[at] = bytes[at] === 0x30 ? 0x31 : 0x30;
    server.fault(path, { body: bytes });
    try {
      const apt = await aptUpdate(`${server.url}/debian`, 'bookworm-updates', DEBIAN_KEYRING, FAKETIME());
      expect(apt.ok).toBe(false);
      expect(apt.output).toMatch(/BADSIG|not signed|invalid/i);
      expect((await ours(`${server.url}/debian`, 'bookworm-updates', debian)).code).toBe('FETCH_SIGNATURE_BAD');
    } finally {
      server.fault(path, undefined);
    }
  });

  it('a keyring without the signers: both refuse (apt: NO_PUBKEY)', async () => {
    const apt = await aptUpdate(`${server.url}/debian`, 'bookworm-updates', key.keyring, FAKETIME());
    expect(apt.ok).toBe(false);
    expect(apt.output).toMatch(/NO_PUBKEY/);
    expect((await ours(`${server.url}/debian`, 'bookworm-updates', await readKeyring(readFileSync(key.keyring)))).code).toBe('FETCH_SIGNATURE_UNKNOWN_KEY');
  });

});

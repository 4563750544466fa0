/**
 * Every signing key of the catalog is in the real keyring it names, checked
 * with gpg: Debian's from the installed debian-archive-keyring, Ubuntu's
 * from the ubuntu-keyring package and the RPM distributions' from the
 * distribution-gpg-keys package (both downloaded from Debian trixie's pool,
 * pinned by the sha256 trixie's signed index gives, and cached).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheDir } from '../../../src/fetch/cache.js';
import { listDistributions } from '../../../src/fetch/catalog.js';
import { downloadVerified } from '../../../src/fetch/download.js';

/** Debian trixie's ubuntu-keyring and distribution-gpg-keys (Filename and SHA256 from trixie main binary-all Packages). */
const KEYRING_DEBS = {
  ubuntu: {
    url: 'http://deb.debian.org/debian/pool/main/u/ubuntu-keyring/ubuntu-keyring_2023.11.28.1-0.2_all.deb',
    name: 'ubuntu-keyring_2023.11.28.1-0.2_all.deb',
    sha256: 'b2e7ed48431bf9e7978ae810bbdaf253093570d6e3f864e575b7c13554b81174',
  },
  rpm: {
    url: 'http://deb.debian.org/debian/pool/main/d/distribution-gpg-keys/distribution-gpg-keys_1.119+ds-1~deb13u1_all.deb',
    name: 'distribution-gpg-keys_1.119+ds-1~deb13u1_all.deb',
    sha256: '768f24cc1e64501de00b0fcfd1c43645042ea16abba489462cdc3ff061b4f21c',
  },
};

let root: string;
let gnupg: string;

/** Primary key fingerprints and user ids of a keyring or key file, as gpg lists them. */
function gpgKeys(file: string): { fingerprint: string; uids: string[] }[] {
  const out = execFileSync('gpg', ['--with-colons', '--show-keys', file], { encoding: 'utf8', env: { ...process.env, GNUPGHOME: gnupg }, stdio: ['ignore', 'pipe', 'ignore'] });
  const keys: { fingerprint: string; uids: string[] }[] = [];
  let expectPrimaryFpr = false;
  for (const line of out.split('\n')) {
    const f = line.split(':');
    if (f[0] === 'pub') {
      keys.push({ fingerprint: '', uids: [] });
      expectPrimaryFpr = true;
    } else if (f[0] === 'fpr' && expectPrimaryFpr) {
      keys[keys.length - 1]!.fingerprint = f[9]!;
      expectPrimaryFpr = false;
    } else if (f[0] === 'sub') expectPrimaryFpr = false;
    else if (f[0] === 'uid') keys[keys.length - 1]!.uids.push(f[9]!.replace(/\\x3a/g, ':'));
  }
  return keys;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'distrokit-keys-'));
  gnupg = mkdtempSync(join(tmpdir(), 'distrokit-gnupg-'));
  for (const deb of Object.values(KEYRING_DEBS)) {
    const path = await downloadVerified(deb, cacheDir('keyrings'));
    execFileSync('dpkg-deb', ['-x', path, root]);
  }
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(gnupg, { recursive: true, force: true });
});

/** The keyring file a catalog key's `source` names. */
function keyringOf(source: string): string {
  if (source.startsWith('debian-archive-keyring')) return '/usr/share/keyrings/debian-archive-keyring.gpg';
  if (source.startsWith('ubuntu-keyring')) return join(root, 'usr/share/keyrings/ubuntu-archive-keyring.gpg');
  const m = /keys\/(\S+)$/.exec(source);
  if (source.startsWith('distribution-gpg-keys') && m) return join(root, 'usr/share/distribution-gpg-keys', m[1]!);
  throw new Error(`no keyring known for ${source}`);
}

describe('the catalog signing keys', () => {
  it('the Debian keyring is the installed debian-archive-keyring package', () => {
    expect(execFileSync('dpkg', ['-S', '/usr/share/keyrings/debian-archive-keyring.gpg'], { encoding: 'utf8' })).toMatch(/^debian-archive-keyring: /);
  });

  for (const d of listDistributions()) {
    it(`${d.name}: every key is in its keyring with its user id (gpg --show-keys)`, () => {
      expect(d.keys.length).toBeGreaterThan(0);
      for (const key of d.keys) {
        expect(key.fingerprint).toMatch(/^[0-9A-F]{40}$/);
        const file = keyringOf(key.source);
        expect(existsSync(file), file).toBe(true);
        const found = gpgKeys(file).find((k) => k.fingerprint === key.fingerprint);
        expect(found, `${key.fingerprint} in ${file}`).toBeDefined();
        expect(found!.uids).toContain(key.uid);
      }
    });
  }
});

/**
 * Signature oracles and a test signing key: gpgv and sqv as apt runs them,
 * and gpg in a scratch GNUPGHOME for keys and signatures of our own.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface GpgvResult {
  status: number;
  /** The --status-fd keywords: GOODSIG, BADSIG, ERRSIG, NO_PUBKEY, EXPKEYSIG … */
  keywords: string[];
  /** What gpgv --output wrote: the signed text of a cleartext file. */
  output: Buffer;
}

/** gpgv --keyring KEYRING FILE [DATA]: apt's verifier up to 2.8. */
export function gpgv(keyring: string, file: string, data?: string): GpgvResult {
  const dir = mkdtempSync(join(tmpdir(), 'distrokit-gpgv-'));
  try {
    const out = join(dir, 'out');
    const args = ['--status-fd', '1', '--keyring', keyring, ...(data ? [] : ['--output', out]), file, ...(data ? [data] : [])];
    const r = spawnSync('gpgv', args, { encoding: 'utf8', env: { ...process.env, GNUPGHOME: dir } });
    const keywords = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('[GNUPG:] '))
      .map((l) => l.split(' ')[1]!);
    let output = Buffer.alloc(0);
    try {
      output = readFileSync(out);
    } catch {
      // no output on failure
    }
    return { status: r.status ?? -1, keywords, output };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** sqv --keyring KEYRING [--signatures N] SIG DATA: exit 0 when N signatures verify; under faketime(1) at `faketime` when given. */
export function sqv(keyring: string, sig: string, data: string, signatures = 1, faketime?: string): { status: number; stderr: string } {
  const args = ['--keyring', keyring, '--signatures', String(signatures), sig, data];
  const r = faketime ? spawnSync('faketime', [faketime, 'sqv', ...args], { encoding: 'utf8' }) : spawnSync('sqv', args, { encoding: 'utf8' });
  return { status: r.status ?? -1, stderr: r.stderr };
}

/**
 * A cleartext-signed file split as apt does before handing it to sqv: the
 * text (dash-escaping undone, without the line break before the armour) and
 * the armoured signature block.
 */
export function splitCleartext(bytes: Uint8Array): { text: Buffer; signature: Buffer } {
  const s = Buffer.from(bytes).toString('utf8');
  const sigAt = s.indexOf('\n-----BEGIN PGP SIGNATURE-----');
  const headEnd = s.indexOf('\n\n');
  const body = s
    .slice(headEnd + 2, sigAt)
    .split('\n')
    .map((l) => (l.startsWith('- ') ? l.slice(2) : l))
    .join('\n');
  return { text: Buffer.from(body, 'utf8'), signature: Buffer.from(s.slice(sigAt + 1), 'utf8') };
}

/** A throw-away gpg home with one signing key (ed25519 or RSA). */
export interface TestKey {
  home: string;
  fingerprint: string;
  /** Binary public keyring file (gpg --export). */
  keyring: string;
  /** ASCII-armoured public key file. */
  armored: string;
  /** Detached signature of `file` (armoured with `armor`), written next to it with .asc/.sig. */
  signDetached(file: string, armor?: boolean): string;
  /** Cleartext-signs `file` into `file`.signed. */
  clearsign(file: string): string;
  cleanup(): void;
}

export function makeTestKey(name = 'distrokit test', algo = 'ed25519'): TestKey {
  const home = mkdtempSync(join(tmpdir(), 'distrokit-gpg-'));
  const gpg = (...args: string[]) => {
    const r = spawnSync('gpg', ['--batch', '--homedir', home, '--pinentry-mode', 'loopback', '--passphrase', '', ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`gpg ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  gpg('--quick-generate-key', `${name} <test@distrokit.invalid>`, algo, 'sign', 'never');
  const fingerprint = /^fpr:+([0-9A-F]{40}):/m.exec(gpg('--with-colons', '--list-keys'))![1]!;
  const keyring = join(home, 'public.gpg');
  const armored = join(home, 'public.asc');
  gpg('--output', keyring, '--export', fingerprint);
  gpg('--armor', '--output', armored, '--export', fingerprint);
  return {
    home,
    fingerprint,
    keyring,
    armored,
    signDetached(file, armor = true) {
      const out = `${file}.${armor ? 'asc' : 'sig'}`;
      rmSync(out, { force: true });
      gpg(...(armor ? ['--armor'] : []), '--local-user', fingerprint, '--output', out, '--detach-sign', file);
      return out;
    },
    clearsign(file) {
      const out = `${file}.signed`;
      rmSync(out, { force: true });
      gpg('--local-user', fingerprint, '--output', out, '--clearsign', file);
      return out;
    },
    cleanup: () => rmSync(home, { recursive: true, force: true }),
  };
}

/** Writes bytes to a new file in `dir` and returns its path. */
export function put(dir: string, name: string, bytes: Uint8Array | string): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

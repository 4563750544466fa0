/**
 * src/fetch/openpgp.ts against gpgv and sqv (the verifiers apt runs) on real
 * data: the machine's signed InRelease files with Debian's archive keyring,
 * and detached signatures made with a test key in a scratch GNUPGHOME. Every
 * case is run through both oracles and must get the same verdict.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readKeyring, verifyCleartext, verifyDetached, type Keyring } from '../../../src/fetch/openpgp.js';
import { gpgv, makeTestKey, put, splitCleartext, sqv, type TestKey } from '../../helpers/gpg.js';
import { tempDir } from '../image/oracle.js';

const LISTS = '/var/lib/apt/lists';
const DEBIAN_KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';
const STABLE_KEYRING = '/usr/share/keyrings/debian-archive-bookworm-stable.gpg';
const inReleases = readdirSync(LISTS)
  .filter((f) => f.endsWith('_InRelease'))
  .map((f) => join(LISTS, f));
const work = tempDir('openpgp');
let debian: Keyring;
let key: TestKey;
let other: TestKey;

beforeAll(async () => {
  debian = await readKeyring(readFileSync(DEBIAN_KEYRING), DEBIAN_KEYRING);
  key = makeTestKey('distrokit repo key');
  other = makeTestKey('distrokit other key', 'rsa3072');
});
afterAll(() => {
  key?.cleanup();
  other?.cleanup();
  work.cleanup();
});

/** Our verdict on a cleartext file as a code ('OK' or the error code). */
async function oursClear(bytes: Uint8Array, keyring: Keyring): Promise<string> {
  return verifyCleartext(bytes, keyring).then(
    () => 'OK',
    (e: { code?: string }) => e.code ?? String(e),
  );
}

/**
 * The oracles' verdict on a cleartext file, with our policy's rule: gpgv must
 * give a GOODSIG and no BADSIG (apt's reading of its status), sqv must verify
 * as many signatures as the keyring has issuers for (every known signature good).
 */
function oraclesClear(path: string, keyringPath: string, knownSignatures: number): { gpgv: boolean; sqv: boolean } {
  const g = gpgv(keyringPath, path);
  const { text, signature } = splitCleartext(readFileSync(path));
  const t = put(work.dir, 'split.txt', text);
  const s = put(work.dir, 'split.asc', signature);
  const q = sqv(keyringPath, s, t, Math.max(1, knownSignatures));
  return { gpgv: g.keywords.includes('GOODSIG') && !g.keywords.includes('BADSIG'), sqv: q.status === 0 };
}

/** A cleartext file with one byte of its last signature packet's last MPI flipped, re-armoured with a correct CRC. */
function flipSignatureByte(bytes: Uint8Array): Buffer {
  const s = Buffer.from(bytes).toString('utf8');
  const begin = s.indexOf('-----BEGIN PGP SIGNATURE-----');
  const end = s.indexOf('-----END PGP SIGNATURE-----');
  const lines = s.slice(begin, end).split('\n');
  const blank = lines.indexOf('');
  const b64 = lines.slice(blank + 1).filter((l) => l && !l.startsWith('='));
  const bin = Buffer.from(b64.join(''), 'base64');
  bin[bin.length - 1]! ^= 0x01;
  const body = bin.toString('base64').match(/.{1,64}/g)!.join('\n');
  const crc = Buffer.from([(crc24(bin) >> 16) & 0xff, (crc24(bin) >> 8) & 0xff, crc24(bin) & 0xff]).toString('base64');
  return Buffer.from(`${s.slice(0, begin)}-----BEGIN PGP SIGNATURE-----\n\n${body}\n=${crc}\n${s.slice(end)}`, 'utf8');
}

function crc24(data: Uint8Array): number {
  let crc = 0xb704ce;
  for (const byte of data) {
    crc ^= byte << 16;
    for (let i = 0; i < 8; i++) {
      crc <<= 1;
      if (crc & 0x1000000) crc ^= 0x1864cfb;
    }
  }
  return crc & 0xffffff;
}

describe('InRelease (cleartext) with Debian\'s archive keyring', () => {
  it('the machine has signed InRelease files to check', () => {
    expect(inReleases.length).toBeGreaterThanOrEqual(3);
  });

  it.each(inReleases)('%s verifies, with the same text gpgv outputs', async (path) => {
    const bytes = readFileSync(path);
    const r = await verifyCleartext(bytes, debian, { file: path });
    const g = gpgv(DEBIAN_KEYRING, path);
    expect(g.status).toBe(0);
    expect(Buffer.from(r.text).equals(g.output)).toBe(true);
    // every signature is by a key of the keyring: each is a signer, and sqv verifies them all
    const goodsigs = g.keywords.filter((k) => k === 'GOODSIG').length;
    expect(r.signers.length).toBe(goodsigs);
    for (const fpr of r.signers) expect(debian.fingerprints).toContain(fpr);
    expect(oraclesClear(path, DEBIAN_KEYRING, goodsigs)).toEqual({ gpgv: true, sqv: true });
  });

  it.each(inReleases)('%s: one modified byte of the signed text is FETCH_SIGNATURE_BAD, as for gpgv and sqv', async (path) => {
    const bytes = Buffer.from(readFileSync(path));
    const at = bytes.indexOf('SHA256:');
    bytes[at + 200] = bytes[at + 200] === 0x30 ? 0x31 : 0x30;
    const p = put(work.dir, 'modified-text', bytes);
    expect(await oursClear(bytes, debian)).toBe('FETCH_SIGNATURE_BAD');
    expect(oraclesClear(p, DEBIAN_KEYRING, 1)).toEqual({ gpgv: false, sqv: false });
  });

  it.each(inReleases)('%s: one modified byte of a signature is FETCH_SIGNATURE_BAD, as for gpgv and sqv', async (path) => {
    const bytes = flipSignatureByte(readFileSync(path));
    const p = put(work.dir, 'modified-sig', bytes);
    const known = gpgv(DEBIAN_KEYRING, path).keywords.filter((k) => k === 'GOODSIG').length;
    expect(await oursClear(bytes, debian)).toBe('FETCH_SIGNATURE_BAD');
    expect(gpgv(DEBIAN_KEYRING, p).keywords).toContain('BADSIG');
    expect(oraclesClear(p, DEBIAN_KEYRING, known)).toEqual({ gpgv: false, sqv: false });
  });

  it('a keyring without the signers is FETCH_SIGNATURE_UNKNOWN_KEY naming the issuers; gpgv says NO_PUBKEY, sqv fails', async () => {
    const path = inReleases.find((p) => p.endsWith('_bookworm_InRelease'))!;
    const ring = await readKeyring(readFileSync(key.keyring));
    const err = await verifyCleartext(readFileSync(path), ring).catch((e: Error) => e);
    expect((err as { code?: string }).code).toBe('FETCH_SIGNATURE_UNKNOWN_KEY');
    // the issuers gpgv reports (the signing subkeys) are named in the message
    const g = gpgv(key.keyring, path);
    expect(g.keywords).toContain('NO_PUBKEY');
    expect(g.keywords).not.toContain('GOODSIG');
    for (const fpr of ['4CB50190207B4758A3F73A796ED0E7B82643E131', '4D64FEC119C2029067D6E791F8D2585B8783D481'])
      expect((err as Error).message).toContain(fpr);
    expect(oraclesClear(path, key.keyring, 1)).toEqual({ gpgv: false, sqv: false });
  });

  it('a keyring with one of the three signers of bookworm (the stable release key) verifies, as apt with gpgv and sqv accept', async () => {
    const path = inReleases.find((p) => p.endsWith('_bookworm_InRelease'))!;
    const r = await verifyCleartext(readFileSync(path), await readKeyring(readFileSync(STABLE_KEYRING)));
    expect(r.signers).toEqual(['4D64FEC119C2029067D6E791F8D2585B8783D481']);
    const g = gpgv(STABLE_KEYRING, path);
    expect(g.keywords.filter((k) => k === 'NO_PUBKEY').length).toBe(2);
    expect(oraclesClear(path, STABLE_KEYRING, 1)).toEqual({ gpgv: true, sqv: true });
  });

  it('Debian\'s removed-keys keyring (18 of its 23 keys expired) reads; bookworm is not signed by any of them, for gpgv and sqv too', async () => {
    const removed = '/usr/share/keyrings/debian-archive-removed-keys.gpg';
    const ring = await readKeyring(readFileSync(removed));
    expect(ring.keys.length).toBe(23);
    const path = inReleases.find((p) => p.endsWith('_bookworm_InRelease'))!;
    expect(await oursClear(readFileSync(path), ring)).toBe('FETCH_SIGNATURE_UNKNOWN_KEY');
    expect(oraclesClear(path, removed, 1)).toEqual({ gpgv: false, sqv: false });
  });

  it('bytes before or after the signed block, or no signature at all, are refused (never used)', async () => {
    const bytes = readFileSync(inReleases[0]!);
    expect(await oursClear(Buffer.concat([Buffer.from('Origin: evil\n'), bytes]), debian)).toBe('FETCH_SIGNATURE_MALFORMED');
    expect(await oursClear(Buffer.concat([bytes, Buffer.from('Origin: evil\n')]), debian)).toBe('FETCH_SIGNATURE_MALFORMED');
    expect(await oursClear(splitCleartext(bytes).text, debian)).toBe('FETCH_SIGNATURE_MISSING');
    const truncated = bytes.subarray(0, bytes.length - 200);
    expect(await oursClear(truncated, debian)).toBe('FETCH_SIGNATURE_MALFORMED');
  });
});

describe('a test key (gpg in a scratch GNUPGHOME)', () => {
  const data = () => put(work.dir, 'repomd.xml', '<?xml version="1.0"?>\n<repomd>test data for a detached signature</repomd>\n');

  it.each([true, false])('a detached signature (armoured: %s) verifies with the armoured and the binary key, as gpgv and sqv', async (armor) => {
    const file = data();
    const sig = key.signDetached(file, armor);
    for (const ringFile of [key.armored, key.keyring]) {
      const ring = await readKeyring(readFileSync(ringFile));
      expect(ring.fingerprints).toEqual([key.fingerprint]);
      const r = await verifyDetached(readFileSync(file), readFileSync(sig), ring);
      expect(r.signers).toEqual([key.fingerprint]);
    }
    expect(gpgv(key.keyring, sig, file).status).toBe(0);
    expect(sqv(key.keyring, sig, file).status).toBe(0);
  });

  it('modified data, a modified signature and an unknown key fail, as for gpgv and sqv', async () => {
    const file = data();
    const sig = key.signDetached(file, false);
    const ring = await readKeyring(readFileSync(key.keyring));
    const verdict = (d: Uint8Array, s: Uint8Array, r: Keyring) =>
      verifyDetached(d, s, r).then(
        () => 'OK',
        (e: { code?: string }) => e.code,
      );
    const modified = Buffer.from(readFileSync(file));
    modified[10] ^= 1;
    const modPath = put(work.dir, 'repomd-modified.xml', modified);
    expect(await verdict(modified, readFileSync(sig), ring)).toBe('FETCH_SIGNATURE_BAD');
    expect(gpgv(key.keyring, sig, modPath).keywords).toContain('BADSIG');
    expect(sqv(key.keyring, sig, modPath).status).not.toBe(0);

    const badSig = Buffer.from(readFileSync(sig));
    badSig[badSig.length - 1] ^= 1;
    const badSigPath = put(work.dir, 'repomd.xml.badsig', badSig);
    expect(await verdict(readFileSync(file), badSig, ring)).toBe('FETCH_SIGNATURE_BAD');
    expect(gpgv(key.keyring, badSigPath, file).keywords).toContain('BADSIG');
    expect(sqv(key.keyring, badSigPath, file).status).not.toBe(0);

    const otherRing = await readKeyring(readFileSync(other.keyring));
    expect(await verdict(readFileSync(file), readFileSync(sig), otherRing)).toBe('FETCH_SIGNATURE_UNKNOWN_KEY');
    expect(gpgv(other.keyring, sig, file).keywords).toContain('NO_PUBKEY');
    expect(sqv(other.keyring, sig, file).status).not.toBe(0);
  });

  it('a cleartext file signed by the test key verifies, with gpgv\'s text (dash-escaped lines)', async () => {
    const file = put(work.dir, 'Release', 'Origin: test\nLabel: test\n- dash line\n-----BEGIN not armour\n');
    const signed = key.clearsign(file);
    const r = await verifyCleartext(readFileSync(signed), await readKeyring(readFileSync(key.armored)));
    expect(r.signers).toEqual([key.fingerprint]);
    expect(Buffer.from(r.text).equals(gpgv(key.keyring, signed).output)).toBe(true);
    expect(Buffer.from(r.text).toString()).toBe(readFileSync(file, 'utf8'));
    expect(oraclesClear(signed, key.keyring, 1)).toEqual({ gpgv: true, sqv: true });
  });

  // Trailing whitespace is not part of a text signature (RFC 4880 7.1): gpgv and
  // OpenPGP.js strip it; sqv 1.1.0 does not (it reports the split text as
  // manipulated), so only gpgv is the oracle here.
  it('a cleartext file with trailing whitespace verifies, as for gpgv, with gpgv\'s text', async () => {
    const file = put(work.dir, 'Release', 'Origin: test\ntrailing space   \n');
    const signed = key.clearsign(file);
    const r = await verifyCleartext(readFileSync(signed), await readKeyring(readFileSync(key.keyring)));
    expect(r.signers).toEqual([key.fingerprint]);
    const g = gpgv(key.keyring, signed);
    expect(g.status).toBe(0);
    expect(Buffer.from(r.text).equals(g.output)).toBe(true);
  });

  it('a keyring file with no key is FETCH_KEYRING_BAD', async () => {
    await expect(readKeyring(new Uint8Array([1, 2, 3]), 'junk.gpg')).rejects.toMatchObject({ code: 'FETCH_KEYRING_BAD' });
    await expect(readKeyring(new Uint8Array(0), 'empty.gpg')).rejects.toMatchObject({ code: 'FETCH_KEYRING_BAD' });
  });

  it('the machine has the keyrings this test uses', () => {
    expect(existsSync(DEBIAN_KEYRING) && existsSync(STABLE_KEYRING)).toBe(true);
  });
});

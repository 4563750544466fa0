/**
 * OpenPGP signature checks for repository metadata: InRelease (a cleartext
 * signed Release), Release + Release.gpg and repomd.xml + repomd.xml.asc
 * (detached). The cryptography is OpenPGP.js (docs/dependencies.md says why);
 * this module decides what counts as verified:
 *
 * - at least one signature by a key of the keyring verifies, with the key
 *   valid (not expired, not revoked, able to sign) when the signature was made
 *   — sqv's rule, the verifier apt uses since 2.9;
 * - a signature by a key of the keyring that does not verify fails the whole
 *   file (FETCH_SIGNATURE_BAD), even when another one verifies: apt (gpgv's
 *   BADSIG) refuses that too, and it can only mean tampering;
 * - signatures by keys not in the keyring are ignored when another one
 *   verifies (Debian signs with two or three keys; a keyring has some of them);
 * - of an InRelease only the signed text is returned, and the file must be
 *   nothing but the signed block: bytes before or after it are refused, so no
 *   reader can ever see unsigned data.
 *
 * OpenPGP.js is loaded on first use (about 75 ms of module loading).
 */
import type { Key, PublicKey, Signature } from 'openpgp';
import { DistrokitError } from '../../formats/errors.js';

type OpenPgp = typeof import('openpgp');
let library: Promise<OpenPgp> | undefined;
function openpgp(): Promise<OpenPgp> {
  library ??= import('openpgp');
  return library;
}

/** A set of public keys, as read from a keyring file. */
export interface Keyring {
  keys: PublicKey[];
  /** Upper-case hex fingerprints of the primary keys, in keyring order. */
  fingerprints: string[];
}

export interface VerifyOptions {
  /** Name for error messages (the URL or path of the signed file). */
  file?: string;
  /** The time to check signature creation against (not in the future); default now. */
  now?: Date;
}

export interface Verified {
  /** Upper-case fingerprints of the primary keys whose signatures verified. */
  signers: string[];
  /** Upper-case fingerprints of the (sub)keys that made those signatures. */
  signingKeys: string[];
}

export interface VerifiedCleartext extends Verified {
  /** The signed text, dash-escaping undone: the only part of an InRelease to use. */
  text: Uint8Array;
}

const ARMOR_KEY = '-----BEGIN PGP PUBLIC KEY BLOCK-----';
const CLEARTEXT_HEAD = '-----BEGIN PGP SIGNED MESSAGE-----';
const SIGNATURE_END = '-----END PGP SIGNATURE-----';

/**
 * Reads a keyring: a binary one (the concatenated keys of
 * /usr/share/keyrings/*.gpg) or ASCII-armoured keys (one or more blocks).
 * FETCH_KEYRING_BAD when it holds no usable key.
 */
export async function readKeyring(bytes: Uint8Array, file?: string): Promise<Keyring> {
  const pgp = await openpgp();
  let keys: PublicKey[] = [];
  const head = new TextDecoder().decode(bytes.subarray(0, 4096));
  try {
    if (head.includes(ARMOR_KEY)) {
      const text = new TextDecoder().decode(bytes);
      const blocks = text.match(/-----BEGIN PGP PUBLIC KEY BLOCK-----[\s\S]*?-----END PGP PUBLIC KEY BLOCK-----/g) ?? [];
      for (const block of blocks) keys.push(...(await pgp.readKeys({ armoredKeys: block })).map(publicOnly));
    } else {
      keys = (await pgp.readKeys({ binaryKeys: bytes })).map(publicOnly);
    }
  } catch (err) {
    throw DistrokitError.wrap(err, 'FETCH_KEYRING_BAD', { file });
  }
  if (keys.length === 0) throw new DistrokitError('FETCH_KEYRING_BAD', 'no OpenPGP public key in the keyring', { file });
  return { keys, fingerprints: keys.map((k) => k.getFingerprint().toUpperCase()) };
}

function publicOnly(key: Key): PublicKey {
  return key.isPrivate() ? key.toPublic() : (key as PublicKey);
}

/** Keys of several keyrings as one. */
export function mergeKeyrings(...rings: Keyring[]): Keyring {
  return { keys: rings.flatMap((r) => r.keys), fingerprints: rings.flatMap((r) => r.fingerprints) };
}

/**
 * Verifies a cleartext-signed file (InRelease) and returns its signed text.
 * FETCH_SIGNATURE_MISSING when it is not a cleartext-signed file,
 * FETCH_SIGNATURE_MALFORMED when there is anything outside the signed block or
 * the armour does not parse, FETCH_SIGNATURE_BAD / FETCH_SIGNATURE_UNKNOWN_KEY
 * as for verifyDetached.
 */
export async function verifyCleartext(inRelease: Uint8Array, keyring: Keyring, options: VerifyOptions = {}): Promise<VerifiedCleartext> {
  const file = options.file;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(inRelease);
  } catch (err) {
    throw DistrokitError.wrap(err, 'FETCH_SIGNATURE_MALFORMED', { file });
  }
  if (!text.startsWith(CLEARTEXT_HEAD)) {
    const at = text.indexOf(CLEARTEXT_HEAD);
    if (at < 0) throw new DistrokitError('FETCH_SIGNATURE_MISSING', 'not a cleartext-signed file (no BEGIN PGP SIGNED MESSAGE line)', { file });
    throw new DistrokitError('FETCH_SIGNATURE_MALFORMED', `${at} bytes before the signed message`, { file, offset: 0 });
  }
  const end = text.indexOf(SIGNATURE_END);
  if (end < 0) throw new DistrokitError('FETCH_SIGNATURE_MALFORMED', 'the signature block does not end', { file });
  const after = end + SIGNATURE_END.length;
  if (text.slice(after).trim() !== '') throw new DistrokitError('FETCH_SIGNATURE_MALFORMED', 'data after the signature block', { file, offset: after });
  if (text.indexOf(CLEARTEXT_HEAD, 1) >= 0) throw new DistrokitError('FETCH_SIGNATURE_MALFORMED', 'more than one signed message', { file });

  const pgp = await openpgp();
  let message: Awaited<ReturnType<OpenPgp['readCleartextMessage']>>;
  try {
    message = await pgp.readCleartextMessage({ cleartextMessage: text });
  } catch (err) {
    throw DistrokitError.wrap(err, 'FETCH_SIGNATURE_MALFORMED', { file });
  }
  const result = await pgp.verify({ message, verificationKeys: keyring.keys, date: options.now ?? new Date(), expectSigned: false });
  const verified = await judge(result.signatures, keyring, file, options.now);
  // The signed text ends before the line break that precedes the signature armour; Release ends with a line break.
  return { ...verified, text: new TextEncoder().encode(`${message.getText()}\n`) };
}

/**
 * Verifies a detached signature (armoured or binary) over `data`: Release.gpg,
 * repomd.xml.asc. FETCH_SIGNATURE_BAD when a signature by a key of the keyring
 * does not verify or that key was not valid when it signed;
 * FETCH_SIGNATURE_UNKNOWN_KEY when no signature is by a key of the keyring
 * (the message names the issuers); FETCH_SIGNATURE_MALFORMED when the
 * signature does not parse or holds no signature.
 */
export async function verifyDetached(data: Uint8Array, signature: Uint8Array, keyring: Keyring, options: VerifyOptions = {}): Promise<Verified> {
  const file = options.file;
  const pgp = await openpgp();
  let sig: Signature;
  try {
    const head = new TextDecoder().decode(signature.subarray(0, 64));
    sig = head.includes('-----BEGIN PGP SIGNATURE-----')
      ? await pgp.readSignature({ armoredSignature: new TextDecoder().decode(signature) })
      : await pgp.readSignature({ binarySignature: signature });
  } catch (err) {
    throw DistrokitError.wrap(err, 'FETCH_SIGNATURE_MALFORMED', { file });
  }
  const message = await pgp.createMessage({ binary: data });
  const result = await pgp.verify({ message, signature: sig, verificationKeys: keyring.keys, date: options.now ?? new Date(), expectSigned: false });
  return judge(result.signatures, keyring, file, options.now);
}

type SignatureResult = Awaited<ReturnType<OpenPgp['verify']>>['signatures'][number];

/** The policy in the module comment, applied to OpenPGP.js's per-signature results. */
async function judge(signatures: SignatureResult[], keyring: Keyring, file: string | undefined, now = new Date()): Promise<Verified> {
  if (signatures.length === 0) throw new DistrokitError('FETCH_SIGNATURE_MALFORMED', 'no data signature in the signature block', { file });
  const signers: string[] = [];
  const signingKeys: string[] = [];
  const unknown: string[] = [];
  for (const s of signatures) {
    const packet = (await s.signature.catch(() => undefined))?.packets[0];
    const issuer = packet?.issuerFingerprint ? hex(packet.issuerFingerprint) : s.keyID.toHex().toUpperCase();
    const key = keyring.keys.find((k) => k.getKeys(s.keyID).length > 0);
    if (!key) {
      unknown.push(issuer);
      continue;
    }
    // OpenPGP.js refuses such a signature as bad; the cause is the clock (or a replay from the future), so say that.
    if (packet?.created && packet.created.getTime() > now.getTime())
      throw new DistrokitError('FETCH_SIGNATURE_FUTURE', `the signature by ${issuer} was made at ${packet.created.toISOString()}, after the clock's ${now.toISOString()} (a wrong clock?)`, { file, entry: issuer });
    try {
      await s.verified;
    } catch (err) {
      throw new DistrokitError('FETCH_SIGNATURE_BAD', `the signature by ${issuer} does not verify: ${(err as Error).message}`, { file, entry: issuer }, { cause: err });
    }
    signers.push(key.getFingerprint().toUpperCase());
    signingKeys.push(key.getKeys(s.keyID)[0]!.getFingerprint().toUpperCase());
  }
  if (signers.length === 0)
    throw new DistrokitError('FETCH_SIGNATURE_UNKNOWN_KEY', `signed only by keys not in the keyring: ${unknown.join(', ')}`, { file, entry: unknown.join(',') });
  return { signers, signingKeys };
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('').toUpperCase();
}

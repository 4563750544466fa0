/**
 * A Debian Release file (the signed text of InRelease, or Release): the
 * fields a client needs to fetch indexes safely. Only SHA256 is read from the
 * checksum lists: MD5Sum and SHA1 are not trusted (apt ignores them too), and
 * Debian publishes no SHA512.
 */
import { DistrokitError } from '../errors.js';
import { field, parseDeb822Text } from './parse.js';

export interface ReleaseEntry {
  /** Path relative to dists/SUITE/, e.g. main/binary-amd64/Packages.xz. */
  path: string;
  size: number;
  sha256: string;
}

export interface Release {
  origin?: string;
  label?: string;
  suite?: string;
  codename?: string;
  version?: string;
  /** When the archive was generated (Date:). */
  date?: Date;
  /** After this the file must be treated as stale (Valid-Until:). */
  validUntil?: Date;
  /** Whether indexes may be fetched as by-hash/SHA256/<hash> (Acquire-By-Hash: yes). */
  acquireByHash: boolean;
  architectures: string[];
  components: string[];
  /** The SHA256 list by path. */
  sha256: Map<string, ReleaseEntry>;
}

/** Parses the text of a Release file; RELEASE_BAD when it is not a Release. */
export function parseRelease(text: string | Uint8Array, file?: string): Release {
  const stanzas = parseDeb822Text(text, { file });
  if (stanzas.length !== 1) throw new DistrokitError('RELEASE_BAD', `a Release file has one stanza, this has ${stanzas.length}`, { file });
  const stanza = stanzas[0]!;
  const get = (name: string) => field(stanza, name)?.trim() || undefined;
  const date = (name: string) => {
    const value = get(name);
    if (value === undefined) return undefined;
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) throw new DistrokitError('RELEASE_BAD', `${name}: "${value}" is not a date`, { file, entry: name });
    return new Date(ms);
  };
  const sha256 = new Map<string, ReleaseEntry>();
  const list = field(stanza, 'SHA256');
  if (list === undefined) throw new DistrokitError('RELEASE_BAD', 'no SHA256 checksum list (MD5Sum and SHA1 are not trusted)', { file, entry: 'SHA256' });
  for (const [i, line] of list.split('\n').entries()) {
    const t = line.trim();
    if (t === '') continue;
    const m = /^([0-9a-f]{64})\s+(\d+)\s+(\S+)$/.exec(t);
    if (!m) throw new DistrokitError('RELEASE_BAD', `SHA256 line "${t}" is not "HASH SIZE PATH"`, { file, line: stanza.line + i, entry: 'SHA256' });
    const path = m[3]!;
    if (path.split('/').some((c) => c === '..' || c === '')) throw new DistrokitError('RELEASE_BAD', `SHA256 path "${path}" leaves the suite`, { file, entry: path });
    sha256.set(path, { path, size: Number(m[2]), sha256: m[1]! });
  }
  const words = (name: string) => (get(name) ?? '').split(/\s+/).filter(Boolean);
  return {
    origin: get('Origin'),
    label: get('Label'),
    suite: get('Suite'),
    codename: get('Codename'),
    version: get('Version'),
    date: date('Date'),
    validUntil: date('Valid-Until'),
    acquireByHash: get('Acquire-By-Hash')?.toLowerCase() === 'yes',
    architectures: words('Architectures'),
    // As written: debian-security says "updates/main" while its paths are main/….
    components: words('Components'),
    sha256,
  };
}

/**
 * The distribution catalog: finding a distribution by name, and turning a
 * mirror name (`mirror://debian/pool/…`) into a base URL. A mirror can be
 * pointed elsewhere per call (`overrides`) or per process with the
 * environment: DISTROKIT_MIRROR_<name> with '-' written '_'
 * (DISTROKIT_MIRROR_debian_security=http://127.0.0.1:8080/debian-security).
 */
import { DistrokitError } from '../../formats/errors.js';
import { DISTRIBUTIONS, type Distribution, MIRRORS } from './catalog-data.js';

export type { DebSuite, Distribution, Family, RpmRepository, SigningKey } from './catalog-data.js';

/** Mirror name → base URL, used before the environment and the catalog. */
export type MirrorOverrides = Readonly<Record<string, string>>;

export function listDistributions(): readonly Distribution[] {
  return DISTRIBUTIONS;
}

/** The distribution named `name` (or one of its aliases); DIST_UNKNOWN naming the closest names otherwise. */
export function lookupDistribution(name: string): Distribution {
  const key = name.trim().toLowerCase();
  const found = DISTRIBUTIONS.find((d) => d.name === key || d.aliases.includes(key));
  if (found) return found;
  const names = DISTRIBUTIONS.map((d) => d.name);
  const close = names
    .map((n) => ({ n, d: editDistance(key, n) }))
    .filter((c) => c.d <= Math.max(3, Math.floor(c.n.length / 3)) || c.n.startsWith(key.split('-')[0] ?? key))
    .sort((a, b) => a.d - b.d || a.n.localeCompare(b.n))
    .slice(0, 4)
    .map((c) => c.n);
  const hint = close.length ? `did you mean ${close.join(', ')}?` : `known: ${names.join(', ')}`;
  throw new DistrokitError('DIST_UNKNOWN', `no distribution ${JSON.stringify(name)} in the catalog; ${hint}`, { entry: name, candidates: close });
}

/** The environment variable that overrides mirror `name`. */
export function mirrorEnvName(name: string): string {
  return `DISTROKIT_MIRROR_${name.replace(/[^A-Za-z0-9]/g, '_')}`;
}

/** The base URL of mirror `name` (no trailing slash): the override, the environment, or the catalog (FETCH_UNKNOWN_MIRROR). */
export function mirrorUrl(name: string, overrides: MirrorOverrides = {}, env: NodeJS.ProcessEnv = process.env): string {
  const url = overrides[name] ?? env[mirrorEnvName(name)] ?? MIRRORS[name];
  if (url === undefined) throw new DistrokitError('FETCH_UNKNOWN_MIRROR', `no mirror named ${JSON.stringify(name)}; known: ${Object.keys(MIRRORS).join(', ')}`, { entry: name });
  return url.replace(/\/+$/, '');
}

/** `mirror://NAME/path` as a real URL; other URLs unchanged (FETCH_BAD_URL for a mirror:// URL without a name). */
export function resolveMirrorUrl(url: string, overrides: MirrorOverrides = {}, env: NodeJS.ProcessEnv = process.env): string {
  const m = /^mirror:\/\/([^/]+)(\/.*)?$/.exec(url);
  if (!m) {
    if (url.startsWith('mirror:')) throw new DistrokitError('FETCH_BAD_URL', `${url} is not mirror://NAME/path`, { file: url });
    return url;
  }
  return `${mirrorUrl(m[1]!, overrides, env)}${m[2] ?? ''}`;
}

/** The snapshot base URL of a distribution's mirror at `at` (a YYYYMMDDTHHMMSSZ timestamp or a point release). */
export function snapshotUrl(dist: Distribution, mirror: string, at: string): string {
  const template = dist.snapshot?.[mirror];
  if (!template) throw new DistrokitError('FETCH_UNKNOWN_MIRROR', `${dist.name} has no snapshot service for mirror ${mirror}`, { entry: dist.name });
  if (template.includes('{timestamp}') && !/^\d{8}T\d{6}Z$/.test(at))
    throw new DistrokitError('FETCH_BAD_URL', `snapshot timestamp ${JSON.stringify(at)} is not YYYYMMDDTHHMMSSZ`, { entry: dist.name });
  return template.replace('{timestamp}', at).replace('{version}', at);
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

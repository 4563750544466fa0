/**
 * Registration files that tell a Nix store which paths are valid, with their
 * references:
 * - 'load-db': what `nix-store --load-db` reads and closureInfo writes (path,
 *   narHash, narSize, deriver, count, references); needs every hash.
 * - 'print-registration': the file the seed's `printRegistration=1 perl
 *   pathsFromGraph` wrote: the load-db layout with a zero hash and size 0
 *   (pathsFromGraph's "!!! fix"); --load-db takes it, Nix counts a zero hash
 *   as missing, and the first `--verify --check-contents` computes it.
 * - 'register-validity': path, empty deriver, count, references: the
 *   exportReferencesGraph layout, which `nix-store --register-validity` reads
 *   (it hashes the paths itself).
 * Paths and each path's references are written in byte order, as Nix does.
 */
import { DistrokitError } from '../../formats/errors.js';
import { type NarSource, narHash, narHashOfNode } from './nar.js';
import type { StorePathInfo } from './path-info.js';

export type RegistrationFormat = 'load-db' | 'print-registration' | 'register-validity';

const ZERO_HASH = '0'.repeat(64);
const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

export function writeRegistration(infos: StorePathInfo[], format: RegistrationFormat): string {
  const lines: string[] = [];
  for (const info of [...infos].sort((a, b) => byBytes(a.path, b.path))) {
    lines.push(info.path);
    if (format === 'load-db') {
      if (info.narHash === undefined || info.narSize === undefined) {
        throw new DistrokitError('STORE_REGISTRATION_NO_HASH', `a load-db registration needs the narHash and narSize of '${info.path}' (fill them with fillNarHashes)`, { entry: info.path });
      }
      lines.push(info.narHash, info.narSize.toString(), info.deriver);
    } else if (format === 'print-registration') {
      lines.push(ZERO_HASH, '0', '');
    } else {
      lines.push('');
    }
    const refs = [...new Set(info.references)].sort(byBytes);
    lines.push(String(refs.length), ...refs);
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/**
 * The same infos with every missing narHash/narSize computed from the NAR of
 * what `resolve` gives for the path (a tree node, or a host path).
 */
export async function fillNarHashes(infos: StorePathInfo[], resolve: (storePath: string) => NarSource | Promise<NarSource>): Promise<StorePathInfo[]> {
  const out: StorePathInfo[] = [];
  for (const info of infos) {
    if (info.narHash !== undefined && info.narSize !== undefined) {
      out.push(info);
      continue;
    }
    const source = await resolve(info.path);
    const { narHash: hash, narSize } = typeof source === 'string' ? await narHash(source) : await narHashOfNode(source, info.path);
    out.push({ ...info, narHash: hash, narSize });
  }
  return out;
}

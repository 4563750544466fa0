/**
 * The machine's own apt lists as indexes: apt keeps each downloaded Packages
 * file in /var/lib/apt/lists under a name made from its URL
 * (deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4), so
 * the name gives both the suite and the mirror the pool files live under.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export const APT_LISTS_DIR = '/var/lib/apt/lists';

export interface AptList {
  /** The Packages file (any compression apt keeps it in). */
  path: string;
  /** The mirror URL its Filename: fields are relative to. */
  urlPrefix: string;
}

/** bookworm, bookworm-updates and bookworm-security main (amd64) from `dir`, in that order; missing ones are left out. */
export function machineBookwormLists(dir = APT_LISTS_DIR): AptList[] {
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch {
    files = [];
  }
  const out: AptList[] = [];
  for (const suite of ['bookworm', 'bookworm-updates', 'bookworm-security']) {
    const file = files.find((f) => f.includes(`_dists_${suite}_main_binary-amd64_Packages`) && !f.endsWith('.diff_Index'));
    if (!file) continue;
    out.push({ path: join(dir, file), urlPrefix: `http://${file.slice(0, file.indexOf('_dists_')).replace(/_/g, '/')}` });
  }
  return out;
}

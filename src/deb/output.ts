/** Renders a grouped closure as JSON, a Nix expression (drop-in for deb-closure.pl's output) or a plain list. */
import { basename } from 'node:path/posix';
import { type FetchItem, formatList, formatNix } from '../graph/output.js';
import type { DebPackage } from './packages.js';

export interface ClosureEntry {
  name: string;
  version: string;
  architecture: string;
  filename?: string;
  size?: number;
  sha256?: string;
  url?: string;
  group: number;
}

export interface ClosureDocument {
  requested: string[];
  packages: ClosureEntry[];
  groups: string[][];
  problems?: { code: string; message: string; chain: string[] }[];
}

/** Joins a base URL and a pool path with exactly one slash. */
export function joinUrl(prefix: string, path: string): string {
  return `${prefix.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

export function closureDocument(
  requested: readonly string[],
  groups: DebPackage[][],
  urlPrefixOf: (pkg: DebPackage) => string | undefined,
): ClosureDocument {
  const packages: ClosureEntry[] = [];
  groups.forEach((group, index) => {
    for (const p of group) {
      const prefix = urlPrefixOf(p);
      const entry: ClosureEntry = { name: p.name, version: p.version, architecture: p.architecture, group: index };
      if (p.filename !== undefined) entry.filename = p.filename;
      if (p.size !== undefined) entry.size = p.size;
      if (p.sha256 !== undefined) entry.sha256 = p.sha256;
      if (prefix !== undefined && p.filename !== undefined) entry.url = joinUrl(prefix, p.filename);
      packages.push(entry);
    }
  });
  return { requested: [...requested], packages, groups: groups.map((g) => g.map((p) => p.name)) };
}

/** A list of lists of fetchurl calls, one inner list per install group (as deb-closure.pl's output; URLs quoted). */
export function renderNix(doc: ClosureDocument): string {
  const groups: FetchItem[][] = doc.groups.map(() => []);
  for (const e of doc.packages) {
    const file = e.filename ? basename(e.filename) : undefined;
    const item: FetchItem = { url: e.url ?? e.filename ?? e.name, hashType: 'sha256', hash: e.sha256 ?? '' };
    // Nix store names may not contain '~'; deb-closure.pl drops it from the name.
    if (file && file.includes('~')) item.name = file.replace(/~/g, '');
    groups[e.group]!.push(item);
  }
  return formatNix(groups, {
    header: ['This is a generated file.  Do not modify!', `Following are the Debian packages constituting the closure of: ${doc.requested.join(' ')}`],
    grouped: true,
  });
}

/** One line per package: group (from 1), name, version, architecture, URL (or filename). */
export function renderList(doc: ClosureDocument): string {
  const groups: string[][] = doc.groups.map(() => []);
  for (const e of doc.packages) groups[e.group]!.push(`${e.name}\t${e.version}\t${e.architecture}\t${e.url ?? e.filename ?? ''}`);
  return formatList(groups);
}

/** Renders a grouped closure as JSON, a Nix expression (drop-in for deb-closure.pl's output) or a plain list. */
import { basename } from 'node:path/posix';
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

function nixString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\$\{/g, '\\${')}"`;
}

/** A list of lists of fetchurl calls, one inner list per install group, as deb-closure.pl prints it (URLs quoted). */
export function renderNix(doc: ClosureDocument): string {
  const lines = [
    '# This is a generated file.  Do not modify!',
    `# Following are the Debian packages constituting the closure of: ${doc.requested.join(' ')}`,
    '',
    '{fetchurl}:',
    '',
    '[',
    '',
  ];
  const byGroup = new Map<number, ClosureEntry[]>();
  for (const e of doc.packages) {
    let g = byGroup.get(e.group);
    if (!g) byGroup.set(e.group, (g = []));
    g.push(e);
  }
  for (const [, entries] of [...byGroup].sort((a, b) => a[0] - b[0])) {
    lines.push('  [', '');
    for (const e of entries) {
      lines.push('    (fetchurl {');
      lines.push(`      url = ${nixString(e.url ?? e.filename ?? e.name)};`);
      lines.push(`      sha256 = ${nixString(e.sha256 ?? '')};`);
      const file = e.filename ? basename(e.filename) : undefined;
      // Nix store names may not contain '~'; deb-closure.pl drops it from the name.
      if (file && file.includes('~')) lines.push(`      name = ${nixString(file.replace(/~/g, ''))};`);
      lines.push('    })', '');
    }
    lines.push('  ]', '');
  }
  lines.push(']', '');
  return lines.join('\n');
}

/** One line per package: group, name, version, architecture, URL (or filename). */
export function renderList(doc: ClosureDocument): string {
  return doc.packages.map((e) => `${e.group}\t${e.name}\t${e.version}\t${e.architecture}\t${e.url ?? e.filename ?? ''}`).join('\n') + (doc.packages.length ? '\n' : '');
}

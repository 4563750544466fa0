/**
 * Output of a grouped closure, shared by the RPM and Debian sides: a Nix
 * expression (a list of fetchurl calls, as nixpkgs' rpm-closure.pl and
 * deb-closure.pl generate), and a plain list.
 */

export interface FetchItem {
  url: string;
  /** Nix hash attribute: sha1, sha256 or sha512. */
  hashType: 'sha1' | 'sha256' | 'sha512';
  hash: string;
  /** A store-path name when the URL's last component is not a valid one (e.g. contains `~` or `^`). */
  name?: string;
}

/** A Nix string literal. */
export function nixString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\$\{/g, '\\${')}"`;
}

/** Characters Nix accepts in a store path name. */
export function nixStoreName(s: string): string {
  return s.replace(/[^A-Za-z0-9+\-._?=]/g, '_').replace(/^\.+/, '');
}

/**
 * A Nix expression `{fetchurl}: [ … ]`. With `grouped`, a list of lists (one per
 * install group, for consumers that install group by group like fillDiskWithDebs);
 * otherwise a flat list in install order (a drop-in for rpm-closure.pl's output).
 */
export function formatNix(groups: FetchItem[][], options: { header: string[]; grouped: boolean }): string {
  const lines = options.header.map((h) => `# ${h}`);
  lines.push('', '{fetchurl}:', '', '[');
  const call = (item: FetchItem, indent: string) => {
    const out = [`${indent}(fetchurl {`, `${indent}  url = ${nixString(item.url)};`, `${indent}  ${item.hashType} = ${nixString(item.hash)};`];
    if (item.name) out.push(`${indent}  name = ${nixString(item.name)};`);
    out.push(`${indent}})`);
    return out;
  };
  groups.forEach((group, i) => {
    lines.push('', `  # group ${i + 1}`);
    if (options.grouped) {
      lines.push('  [');
      for (const item of group) lines.push(...call(item, '    '));
      lines.push('  ]');
    } else for (const item of group) lines.push(...call(item, '  '));
  });
  lines.push('', ']', '');
  return lines.join('\n');
}

/** One line per item: group number, tab, the text (URL, NEVRA …). */
export function formatList(groups: string[][]): string {
  return groups.map((g, i) => g.map((item) => `${i + 1}\t${item}\n`).join('')).join('');
}

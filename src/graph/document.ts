/**
 * The closure document: one shape for Debian and RPM closures, printed as
 * JSON by `deb closure` and `rpm closure` and rendered as a list. The Nix
 * renderings stay per distribution (each is a drop-in for a nixpkgs script).
 */
import { formatList } from './output.js';

export interface ClosureDocumentPackage {
  name: string;
  /** The whole version as the package manager compares it: Debian [epoch:]upstream[-revision], RPM [epoch:]version-release. */
  version: string;
  /** Debian amd64, all …; RPM x86_64, noarch … */
  arch: string;
  /** How `groups` and chains name the package: Debian the name (one per closure), RPM the NEVRA. */
  id: string;
  /** The package file relative to its repository (Debian Filename, RPM location href); null when the index has none. */
  location: string | null;
  url: string | null;
  checksum: { type: string; value: string } | null;
  size: number | null;
  /** Index of the package's install group in `groups`. */
  group: number;
  /** Where it was found: the index file (Debian) or the repository as given (RPM). */
  repo: string | null;
}

/** A problem (the closure is incomplete: exit 1) or a warning (it is complete, with a caveat). */
export interface ClosureIssue {
  code: string;
  message: string;
  /** Package ids from the requested package down to the one with the unmet dependency. */
  chain: string[];
  /** The dependency as written, or null when the issue is not about one. */
  dependency: string | null;
}

export interface ClosureDocument {
  requested: string[];
  /** In install order: group by group. */
  packages: ClosureDocumentPackage[];
  /** Package ids per install group; a group is installed after every earlier one. */
  groups: string[][];
  problems: ClosureIssue[];
  warnings: ClosureIssue[];
}

/** One step of a `--why` chain, from the requested package down to the one asked about. */
export interface WhyStep {
  id: string;
  name: string;
  version: string;
  arch: string;
  reason: 'requested' | 'essential' | 'dependency';
  /** The relation that pulled the package in (depends, pre-depends, recommends, requires …); null for the first step. */
  field: string | null;
  dependency: string | null;
}

export interface WhyDocument {
  why: string;
  chain: WhyStep[];
}

/** One line per package: group (from 1), name, version, architecture, URL (else location). */
export function renderClosureList(doc: ClosureDocument): string {
  const groups: string[][] = doc.groups.map(() => []);
  for (const e of doc.packages) groups[e.group]!.push(`${e.name}\t${e.version}\t${e.arch}\t${e.url ?? e.location ?? ''}`);
  return formatList(groups);
}

/** The chain, one package a line, each indented under the one that pulled it in. */
export function renderWhy(why: WhyDocument): string {
  return why.chain
    .map((s, i) => (i === 0 ? `${s.name} ${s.version} ${s.arch} (${s.reason})` : `${'  '.repeat(i)}→ ${s.name} ${s.version} ${s.arch} (${s.field}: ${s.dependency})`))
    .map((line) => `${line}\n`)
    .join('');
}

/** A Debian closure as the shared closure document, its Nix rendering (drop-in for deb-closure.pl's output) and its --why chain. */
import { basename } from 'node:path/posix';
import { DistrokitError } from '../../formats/errors.js';
import type { ClosureDocument, ClosureDocumentPackage, ClosureIssue, WhyDocument } from '../graph/document.js';
import { type FetchItem, formatNix } from '../graph/output.js';
import { type Closure, type ClosureProblem, chainTo } from './closure.js';
import type { DebPackage } from './packages.js';

export type { ClosureDocument } from '../graph/document.js';
/** A package of the document (the shared entry type). */
export type ClosureEntry = ClosureDocumentPackage;
export { renderClosureList as renderList } from '../graph/document.js';

/** Joins a base URL and a pool path with exactly one slash. */
export function joinUrl(prefix: string, path: string): string {
  return `${prefix.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

export interface DocumentOptions {
  /** The index a package was read from (the document's `repo`). */
  repoOf?: (pkg: DebPackage) => string | undefined;
  problems?: readonly ClosureProblem[];
}

export function closureDocument(
  requested: readonly string[],
  groups: DebPackage[][],
  urlPrefixOf: (pkg: DebPackage) => string | undefined,
  options: DocumentOptions = {},
): ClosureDocument {
  const packages: ClosureDocumentPackage[] = [];
  groups.forEach((group, index) => {
    for (const p of group) {
      const prefix = urlPrefixOf(p);
      packages.push({
        name: p.name,
        version: p.version,
        arch: p.architecture,
        id: p.name,
        location: p.filename ?? null,
        url: prefix !== undefined && p.filename !== undefined ? joinUrl(prefix, p.filename) : null,
        checksum: p.sha256 !== undefined ? { type: 'sha256', value: p.sha256 } : null,
        size: p.size ?? null,
        group: index,
        repo: options.repoOf?.(p) ?? null,
      });
    }
  });
  return {
    requested: [...requested],
    packages,
    groups: groups.map((g) => g.map((p) => p.name)),
    problems: (options.problems ?? []).map(problemEntry),
    warnings: [],
  };
}

function problemEntry(p: ClosureProblem): ClosureIssue {
  return { code: p.code, message: p.message, chain: p.chain.map((c) => c.name), dependency: p.dependency };
}

/** The chain that brought `name` into the closure (DEB_NOT_IN_CLOSURE when it is not there). */
export function whyDocument(closure: Closure, name: string): WhyDocument {
  const pkg = closure.packages.find((p) => p.name === name);
  if (!pkg) throw new DistrokitError('DEB_NOT_IN_CLOSURE', `${name} is not in the closure`, { entry: name });
  const chain = chainTo(pkg, closure.reasons).map((p) => {
    const r = closure.reasons.get(p)!;
    return { id: p.name, name: p.name, version: p.version, arch: p.architecture, reason: r.kind, field: r.field ?? null, dependency: r.dependency ?? null };
  });
  return { why: name, chain };
}

/** A list of lists of fetchurl calls, one inner list per install group (as deb-closure.pl's output; URLs quoted). */
export function renderNix(doc: ClosureDocument): string {
  const groups: FetchItem[][] = doc.groups.map(() => []);
  for (const e of doc.packages) {
    const file = e.location ? basename(e.location) : undefined;
    const item: FetchItem = { url: e.url ?? e.location ?? e.name, hashType: 'sha256', hash: e.checksum?.value ?? '' };
    // Nix store names may not contain '~'; deb-closure.pl drops it from the name.
    if (file && file.includes('~')) item.name = file.replace(/~/g, '');
    groups[e.group]!.push(item);
  }
  return formatNix(groups, {
    header: ['This is a generated file.  Do not modify!', `Following are the Debian packages constituting the closure of: ${doc.requested.join(' ')}`],
    grouped: true,
  });
}

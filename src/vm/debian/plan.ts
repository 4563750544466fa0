/**
 * What goes into a Debian image, as a closure document (the one `deb closure`
 * prints): resolved from indexes (by default the machine's own apt lists) with
 * the Essential: yes and Priority: required base added as debootstrap and
 * mmdebstrap add it, or read from a lock file that `deb closure` wrote.
 */
import { readFile } from 'node:fs/promises';
import { DistrokitError } from '../../../formats/errors.js';
import { resolveClosure } from '../../deb/closure.js';
import { installGroups } from '../../deb/install-groups.js';
import { closureDocument, type ClosureDocument } from '../../deb/output.js';
import { DebRepository } from '../../deb/repository.js';
import { APT_LISTS_DIR, type AptList, machineBookwormLists } from '../../fetch/apt-lists.js';

export interface PlanOptions {
  /** Packages indexes with the mirror their Filename fields are relative to; default: the machine's bookworm apt lists. */
  indexes?: readonly { path: string; urlPrefix?: string }[];
  /** Package names (or virtual names) to install. */
  packages: readonly string[];
  /** Add the Essential: yes and Priority: required base (default true). */
  essential?: boolean;
  /** A closure document (`deb closure` JSON) to install as it is, instead of resolving. */
  lock?: string;
  arch?: string;
}

/** The indexes to read: the given ones, or the machine's apt lists (IMAGE_NO_INDEXES when there are none). */
export function planIndexes(indexes: PlanOptions['indexes']): AptList[] | { path: string; urlPrefix?: string }[] {
  if (indexes?.length) return [...indexes];
  const lists = machineBookwormLists();
  if (lists.length === 0)
    throw new DistrokitError('IMAGE_NO_INDEXES', `no bookworm Packages lists in ${APT_LISTS_DIR}; run 'apt-get update' or pass --index`, { file: APT_LISTS_DIR });
  return lists;
}

export async function planImage(options: PlanOptions): Promise<ClosureDocument> {
  if (options.lock !== undefined) return readLock(options.lock);
  const indexes = planIndexes(options.indexes);
  const repo = new DebRepository({ arch: options.arch });
  await repo.addIndexes(indexes.map((i) => ({ path: i.path, urlPrefix: i.urlPrefix })));
  const closure = resolveClosure(repo, options.packages, { essential: options.essential ?? true });
  const groups = installGroups(closure);
  const doc = closureDocument(options.packages, groups, (p) => indexes[p.origin.index]?.urlPrefix, {
    repoOf: (p) => indexes[p.origin.index]?.path,
    problems: closure.problems,
  });
  if (doc.problems.length) {
    const list = doc.problems.map((p) => `  ${p.code}: ${p.message}`).join('\n');
    throw new DistrokitError('IMAGE_UNRESOLVED', `the closure is incomplete:\n${list}`, { entry: doc.problems[0]!.chain[0] });
  }
  return doc;
}

/** A closure document from `deb closure` (JSON); every package needs a location and a sha256. */
export async function readLock(path: string): Promise<ClosureDocument> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw DistrokitError.wrap(err, 'IMAGE_BAD_LOCK', { file: path });
  }
  let doc: ClosureDocument;
  try {
    doc = JSON.parse(text) as ClosureDocument;
  } catch (err) {
    throw new DistrokitError('IMAGE_BAD_LOCK', `not JSON: ${(err as Error).message}`, { file: path });
  }
  const bad = (why: string, entry?: string) => new DistrokitError('IMAGE_BAD_LOCK', `not a closure document from 'deb closure': ${why}`, { file: path, entry });
  if (typeof doc !== 'object' || doc === null || !Array.isArray(doc.packages) || !Array.isArray(doc.groups)) throw bad('no packages and groups');
  if (Array.isArray(doc.problems) && doc.problems.length) throw bad(`it lists ${doc.problems.length} problem(s); resolve them first`);
  for (const [i, p] of doc.packages.entries()) {
    const where = `packages[${i}]`;
    if (typeof p?.name !== 'string' || typeof p.version !== 'string') throw bad('a package without name or version', where);
    if (typeof p.location !== 'string' || p.checksum?.type !== 'sha256' || !/^[0-9a-f]{64}$/.test(p.checksum.value)) throw bad(`${p.name} has no location or sha256`, where);
    if (!Number.isInteger(p.group) || p.group < 0 || p.group >= doc.groups.length) throw bad(`${p.name} has no valid group`, where);
  }
  return doc;
}

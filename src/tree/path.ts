/**
 * Path normalisation for everything that enters a tree. The documented
 * outcomes for hostile paths:
 * - absolute paths ("/etc/x") are taken relative to the tree root, as tar and
 *   dpkg do; "./" prefixes, repeated and trailing slashes are dropped;
 * - a ".." component is refused with PATH_TRAVERSAL (never resolved, so a
 *   path cannot climb out of the root whatever comes before it);
 * - NUL bytes and empty results for non-root entries are BAD_PATH.
 */
import { DistrokitError, type ErrorData } from '../../formats/errors.js';

/** The components of a path inside the tree; [] is the root itself. */
export function splitTreePath(raw: string, ctx: ErrorData = {}): string[] {
  if (raw.includes('\0')) throw new DistrokitError('BAD_PATH', `path contains a NUL byte: '${raw.replace(/\0/g, '\\0')}'`, { ...ctx, entry: raw });
  const parts: string[] = [];
  for (const part of raw.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') throw new DistrokitError('PATH_TRAVERSAL', `path '${raw}' contains '..' and could leave the tree root`, { ...ctx, entry: raw });
    parts.push(part);
  }
  return parts;
}

/** "/a/b" for components, "/" for the root. */
export function joinTreePath(parts: readonly string[]): string {
  return `/${parts.join('/')}`;
}

/** Orders names by their UTF-8 bytes (how sinks order directory entries), not by UTF-16 units. */
export function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

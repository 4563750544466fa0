/**
 * Debian version numbers exactly as dpkg parses, validates and compares them
 * (lib/dpkg/parsehelp.c parseversion, lib/dpkg/version.c verrevcmp).
 *
 * dpkg distinguishes errors (the version is unusable) from warnings (bad
 * syntax it still compares, e.g. an upstream part not starting with a digit);
 * we keep the same split so that we reject exactly what dpkg rejects.
 */
import { DistrokitError, type ErrorPosition } from '../../formats/errors.js';

export interface DebVersion {
  epoch: number;
  upstream: string;
  /** Empty when the version has no revision (which compares equal to "0"). */
  revision: string;
}

export interface VersionProblem {
  severity: 'error' | 'warning';
  message: string;
}

export interface CheckedVersion {
  version?: DebVersion;
  problem?: VersionProblem;
}

const INT_MAX = 2147483647;

/** Parses and validates like dpkg's parseversion; `version` is set unless the problem is an error. */
export function checkVersion(input: string): CheckedVersion {
  const s = input.trim();
  if (s.length === 0) return fail('version string is empty');
  if (/\s/.test(s)) return fail('version string has embedded spaces');
  let epoch = 0;
  let rest = s;
  const colon = s.indexOf(':');
  if (colon >= 0) {
    const m = /^[+-]?\d+/.exec(s);
    if (!m) return fail('epoch in version is empty');
    if (m[0].length !== colon) return fail('epoch in version is not number');
    const value = Number(m[0]);
    if (value < 0) return fail('epoch in version is negative');
    if (value > INT_MAX) return fail('epoch in version is too big');
    if (colon + 1 === s.length) return fail('nothing after colon in version number');
    epoch = value;
    rest = s.slice(colon + 1);
  }
  let upstream = rest;
  let revision = '';
  const hyphen = rest.lastIndexOf('-');
  if (hyphen >= 0) {
    revision = rest.slice(hyphen + 1);
    if (revision.length === 0) return fail('revision number is empty');
    upstream = rest.slice(0, hyphen);
  }
  if (upstream.length === 0) return fail('version number is empty');
  const version = { epoch, upstream, revision };
  if (!isDigit(upstream.charCodeAt(0))) return warn(version, 'version number does not start with digit');
  if (!/^[0-9A-Za-z.+~:-]*$/.test(upstream)) return warn(version, 'invalid character in version number');
  if (!/^[0-9A-Za-z.+~]*$/.test(revision)) return warn(version, 'invalid character in revision number');
  return { version };
}

function fail(message: string): CheckedVersion {
  return { problem: { severity: 'error', message } };
}

function warn(version: DebVersion, message: string): CheckedVersion {
  return { version, problem: { severity: 'warning', message } };
}

/** Parses a version, throwing DEB_BAD_VERSION for what dpkg rejects (warnings are accepted, as dpkg does). */
export function parseVersion(input: string, position: ErrorPosition = {}): DebVersion {
  const checked = checkVersion(input);
  if (!checked.version) throw new DistrokitError('DEB_BAD_VERSION', `version '${input}' has bad syntax: ${checked.problem!.message}`, position);
  return checked.version;
}

/** dpkg's character weight: '~' before everything (even the end), letters before non-letters. */
function order(c: number): number {
  if (isDigit(c)) return 0;
  if (isAlpha(c)) return c;
  if (c === 126) return -1; // '~'
  if (!Number.isNaN(c)) return c + 256;
  return 0;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isAlpha(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** Compares upstream or revision strings the way dpkg's verrevcmp does. */
export function verrevcmp(a: string, b: string): number {
  let i = 0;
  let j = 0;
  const la = a.length;
  const lb = b.length;
  while (i < la || j < lb) {
    let firstDiff = 0;
    // charCodeAt past the end is NaN, which order() maps to 0 like C's NUL.
    while ((i < la && !isDigit(a.charCodeAt(i))) || (j < lb && !isDigit(b.charCodeAt(j)))) {
      const ac = order(a.charCodeAt(i));
      const bc = order(b.charCodeAt(j));
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (a.charCodeAt(i) === 48) i++;
    while (b.charCodeAt(j) === 48) j++;
    while (isDigit(a.charCodeAt(i)) && isDigit(b.charCodeAt(j))) {
      if (!firstDiff) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (isDigit(a.charCodeAt(i))) return 1;
    if (isDigit(b.charCodeAt(j))) return -1;
    if (firstDiff) return firstDiff;
  }
  return 0;
}

/** Compares two parsed versions: epoch, then upstream, then revision. */
export function compareParsedVersions(a: DebVersion, b: DebVersion): number {
  if (a.epoch !== b.epoch) return a.epoch < b.epoch ? -1 : 1;
  const u = verrevcmp(a.upstream, b.upstream);
  if (u !== 0) return u;
  return verrevcmp(a.revision, b.revision);
}

/** Compares two version strings like dpkg: negative, zero or positive. Throws DEB_BAD_VERSION for what dpkg rejects. */
export function compareVersions(a: string, b: string): number {
  if (a === b) {
    parseVersion(a);
    return 0;
  }
  return Math.sign(compareParsedVersions(parseVersion(a), parseVersion(b)));
}

/** Relation operators of Depends-like fields, with the deprecated '<' and '>' normalised as dpkg does ('<=' and '>='). */
export type VersionOp = '<<' | '<=' | '=' | '>=' | '>>';

/** True when `version` satisfies `op reference` (e.g. 2.0 satisfies '>= 1.0'). */
export function satisfiesOp(cmp: number, op: VersionOp): boolean {
  switch (op) {
    case '<<':
      return cmp < 0;
    case '<=':
      return cmp <= 0;
    case '=':
      return cmp === 0;
    case '>=':
      return cmp >= 0;
    case '>>':
      return cmp > 0;
  }
}

export function formatVersion(v: DebVersion): string {
  return `${v.epoch ? `${v.epoch}:` : ''}${v.upstream}${v.revision ? `-${v.revision}` : ''}`;
}

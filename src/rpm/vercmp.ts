/**
 * RPM version ordering exactly as rpm does it (lib/rpmvercmp.c, rpmio/rpmver.c):
 * separators are anything but ASCII letters, digits, `~` and `^`; `~` sorts
 * before everything (even the end), `^` after the end but before any further
 * segment; numeric segments beat alphabetic ones and compare without leading zeros.
 */

/** An epoch-version-release triple. A missing epoch means 0; a missing release sorts lower than any release. */
export interface EVR {
  epoch?: string | undefined;
  version: string;
  release?: string | undefined;
}

const CH_0 = 48;
const CH_9 = 57;
const CH_TILDE = 126;
const CH_CARET = 94;

function isDigit(c: number): boolean {
  return c >= CH_0 && c <= CH_9;
}

function isAlpha(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** Code unit at i, or 0 past the end (like a C string's NUL). */
function at(s: string, i: number): number {
  return i < s.length ? s.charCodeAt(i) : 0;
}

function isSeparator(c: number): boolean {
  return c !== 0 && !isDigit(c) && !isAlpha(c) && c !== CH_TILDE && c !== CH_CARET;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** -1, 0 or 1 as rpm's rpmvercmp(a, b). */
export function rpmvercmp(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while (isSeparator(at(a, i))) i++;
    while (isSeparator(at(b, j))) j++;
    const ca = at(a, i);
    const cb = at(b, j);
    // Tilde: the side with it is older, even against the end of the string.
    if (ca === CH_TILDE || cb === CH_TILDE) {
      if (ca !== CH_TILDE) return 1;
      if (cb !== CH_TILDE) return -1;
      i++;
      j++;
      continue;
    }
    // Caret: newer than the end of the string, older than any further segment.
    if (ca === CH_CARET || cb === CH_CARET) {
      if (ca === 0) return -1;
      if (cb === 0) return 1;
      if (ca !== CH_CARET) return 1;
      if (cb !== CH_CARET) return -1;
      i++;
      j++;
      continue;
    }
    if (ca === 0 || cb === 0) break;
    // The segment type is decided by the left side.
    const numeric = isDigit(ca);
    const inSegment = numeric ? isDigit : isAlpha;
    let ei = i;
    let ej = j;
    while (inSegment(at(a, ei))) ei++;
    while (inSegment(at(b, ej))) ej++;
    // The right side has no segment of this type: a number beats letters.
    if (ej === j) return numeric ? 1 : -1;
    let sa = a.slice(i, ei);
    let sb = b.slice(j, ej);
    if (numeric) {
      sa = stripLeadingZeros(sa);
      sb = stripLeadingZeros(sb);
      if (sa.length !== sb.length) return sa.length > sb.length ? 1 : -1;
    }
    const rc = compareStrings(sa, sb);
    if (rc !== 0) return rc;
    i = ei;
    j = ej;
  }
  if (i >= a.length && j >= b.length) return 0;
  return i >= a.length ? -1 : 1;
}

function stripLeadingZeros(s: string): string {
  let k = 0;
  while (k < s.length && s.charCodeAt(k) === CH_0) k++;
  return s.slice(k);
}

/**
 * Splits `[epoch:]version[-release]` as rpm's parseEVR: the epoch is a leading
 * digit run before `:` (an empty one means "0"), the release follows the last `-`.
 */
export function parseEVR(evr: string): EVR {
  let k = 0;
  while (k < evr.length && isDigit(evr.charCodeAt(k))) k++;
  let epoch: string | undefined;
  let rest = evr;
  if (evr.charCodeAt(k) === 58 /* : */) {
    epoch = evr.slice(0, k) || '0';
    rest = evr.slice(k + 1);
  }
  const dash = rest.lastIndexOf('-');
  if (dash < 0) return { epoch, version: rest };
  return { epoch, version: rest.slice(0, dash), release: rest.slice(dash + 1) };
}

/** `E:V-R` with the parts that are present (epoch only when given). */
export function formatEVR(evr: EVR): string {
  let s = evr.epoch !== undefined && evr.epoch !== '' ? `${evr.epoch}:${evr.version}` : evr.version;
  if (evr.release !== undefined) s += `-${evr.release}`;
  return s;
}

/** Ordering of two EVRs as rpmverCmp: epoch (missing = 0), version, then release (missing sorts lower). */
export function compareEVR(a: EVR | string, b: EVR | string): number {
  const x = typeof a === 'string' ? parseEVR(a) : a;
  const y = typeof b === 'string' ? parseEVR(b) : b;
  const rc = rpmvercmp(x.epoch || '0', y.epoch || '0');
  if (rc !== 0) return rc;
  const rv = rpmvercmp(x.version, y.version);
  if (rv !== 0) return rv;
  const hasA = x.release !== undefined;
  const hasB = y.release !== undefined;
  if (hasA && hasB) return rpmvercmp(x.release!, y.release!);
  if (hasA) return 1;
  if (hasB) return -1;
  return 0;
}

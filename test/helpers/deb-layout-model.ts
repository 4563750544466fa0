/**
 * Reference model for the WebAssembly scan's layout check
 * (formats/deb822/assembly/packages-scan.ts): the JavaScript check the
 * repository used before, kept as a test oracle.
 *
 * Is a chunk of a Packages index in the layout the fast scan follows? Every
 * line is a field line ("Name: value", the name not starting with '#' or
 * ':'), a continuation line (space or tab, then something that is not only
 * white space), or a single blank line between stanzas; no CR anywhere. A
 * chunk with anything else — comments, white-space-only lines, repeated blank
 * lines, malformed lines without a colon — takes the generic parser, which
 * handles the first three and reports the last with its position, even in
 * stanzas nobody reads.
 */

const LF = 10;
const SPACE = 32;
const TAB = 9;
const HASH = 35;
const COLON = 58;

/** Offset of the first line outside the layout (or of a CR), or -1 if there is none. */
export function firstUnusualLine(text: string): number {
  const cr = text.indexOf('\r');
  const bad = unusualLineFrom(text, -1);
  return cr < 0 ? bad : bad < 0 ? cr : Math.min(cr, bad);
}

/** Checks the lines after the newline at `nl` (-1: from the start). */
function unusualLineFrom(text: string, nl: number): number {
  let previousBlank = true; // the text never starts with a blank line
  for (let p = nl; ; ) {
    const start = p + 1;
    const next = text.indexOf('\n', start);
    const c = text.charCodeAt(start);
    if (c === LF) {
      if (previousBlank) return start;
      previousBlank = true;
    } else {
      previousBlank = false;
      if (c === SPACE || c === TAB) {
        if (blankContinuation(text, start + 1, next)) return start;
      } else if (c === HASH || c === COLON || Number.isNaN(c)) {
        return start;
      } else {
        const colon = text.indexOf(':', start + 1);
        if (colon < 0 || (next >= 0 && colon > next)) return start;
      }
    }
    if (next < 0) return -1;
    p = next;
  }
}

/** True when text[from, next) holds only spaces and tabs (next < 0: up to the end). */
function blankContinuation(text: string, from: number, next: number): boolean {
  const to = next < 0 ? text.length : next;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c !== SPACE && c !== TAB) return false;
  }
  return true;
}

/**
 * Streaming deb822 stanza parser (Packages, Sources, Release/InRelease, control
 * files). Field names are case-insensitive; continuation lines (leading space
 * or tab) extend the previous field; '#' comment lines are ignored; CRLF is
 * tolerated; whitespace-only lines separate stanzas like empty ones.
 * An OpenPGP clear-signed wrapper (InRelease) is unwrapped; verifying the
 * signature is the caller's business.
 */
import { isAscii } from 'node:buffer';
import { type ByteSource, type Cut, cutAtBoundaries } from '../bytes.js';
import { DistrokitError, type ErrorCode } from '../errors.js';

export interface Deb822Stanza {
  /** Field values by lower-cased name. A multi-line value keeps its continuation lines joined by '\n', each with its leading space. */
  readonly fields: Map<string, string>;
  /** Field names as written, in order. */
  readonly names: string[];
  /** 1-based line of the stanza's first field. */
  readonly line: number;
}

export interface Deb822Options {
  /** File name for error messages. */
  file?: string;
  /** Reject a field that appears twice in one stanza (dpkg does). Default true. */
  rejectDuplicates?: boolean;
  /**
   * Keep only these fields (lower-case names); the others are still checked
   * for syntax but not stored. Reading a 63,000-package index for a closure
   * needs a dozen of its ~17 fields per stanza.
   */
  keep?: ReadonlySet<string>;
}

/** Returns a field's value by case-insensitive name. */
export function field(stanza: Deb822Stanza, name: string): string | undefined {
  return stanza.fields.get(name.toLowerCase());
}

/** Marks a continuation of a field that `keep` dropped. */
const SKIPPED = '\0skipped';

type PgpState = 'start' | 'none' | 'armor-header' | 'body' | 'signature';

class Deb822Parser {
  private lineNo = 0;
  private fields = new Map<string, string>();
  private names: string[] = [];
  private stanzaLine = 0;
  private lastKey: string | null = null;
  private inStanza = false;
  /** The text being fed is UTF-8 bytes read as Latin-1 (see decodeLines): stored values need re-decoding. */
  private latin1 = false;
  private pgp: PgpState = 'start';
  /** Field names as read → the name as written (UTF-8) and its lower-cased key. */
  private readonly nameCache = new Map<string, { raw: string; name: string; key: string }>();
  private readonly bySignature = new Map<number, { raw: string; name: string; key: string }>();
  private readonly out: Deb822Stanza[] = [];

  constructor(private readonly options: Deb822Options) {}

  /**
   * Feeds the lines of `text[start, end)`, where `end` is the position of a line
   * terminator (or the end of the data): the line just before `end` counts even
   * when empty, so a blank separator line at a chunk boundary is never lost.
   */
  feed(text: string, start: number, end: number, latin1 = false): Deb822Stanza[] {
    this.latin1 = latin1;
    let pos = start;
    while (pos <= end) {
      let nl = text.indexOf('\n', pos);
      if (nl < 0 || nl > end) nl = end;
      let lineEnd = nl;
      if (lineEnd > pos && text.charCodeAt(lineEnd - 1) === 13) lineEnd--;
      this.lineNo++;
      this.line(text, pos, lineEnd);
      pos = nl + 1;
    }
    return this.take();
  }

  finish(): Deb822Stanza[] {
    if (this.pgp === 'armor-header' || this.pgp === 'body')
      throw this.error('DEB822_BAD_SIGNATURE', 'clear-signed message has no signature block');
    this.endStanza();
    return this.take();
  }

  private take(): Deb822Stanza[] {
    if (this.out.length === 0) return [];
    return this.out.splice(0, this.out.length);
  }

  private line(text: string, start: number, end: number): void {
    if (this.pgp !== 'none' && this.pgpLine(text, start, end)) return;
    if (start === end) return this.endStanza();
    const first = text.charCodeAt(start);
    if (first === 32 || first === 9) {
      if (isBlank(text, start, end)) return this.endStanza();
      return this.continuation(text, start, end);
    }
    if (first === 35) return; // '#' comment
    const colon = text.indexOf(':', start);
    if (colon < 0 || colon >= end) throw this.error('DEB822_BAD_LINE', `line is neither a field, a continuation nor empty: ${JSON.stringify(text.slice(start, Math.min(end, start + 60)))}`);
    if (colon === start) throw this.error('DEB822_EMPTY_FIELD_NAME', 'field name is empty');
    const { name, key } = this.fieldName(text, start, colon);
    let vs = colon + 1;
    while (vs < end && (text.charCodeAt(vs) === 32 || text.charCodeAt(vs) === 9)) vs++;
    let ve = end;
    while (ve > vs && (text.charCodeAt(ve - 1) === 32 || text.charCodeAt(ve - 1) === 9)) ve--;
    if (!this.inStanza) {
      this.inStanza = true;
      this.stanzaLine = this.lineNo;
    }
    const keep = this.options.keep;
    if (keep && !keep.has(key)) {
      this.lastKey = SKIPPED;
      return;
    }
    if (this.fields.has(key) && this.options.rejectDuplicates !== false)
      throw this.error('DEB822_DUPLICATE_FIELD', `duplicate field ${JSON.stringify(name)} in the stanza starting at line ${this.stanzaLine}`);
    const value = text.slice(vs, ve);
    this.fields.set(key, this.latin1 ? fromLatin1(value) : value);
    this.names.push(name);
    this.lastKey = key;
  }

  /**
   * The field name at text[start, colon). Hot path: a million lines per index,
   * so names seen before are recognised by length and first/last character and
   * confirmed with startsWith, without allocating a string per line.
   */
  private fieldName(text: string, start: number, colon: number): { name: string; key: string } {
    const len = colon - start;
    const signature = (len << 16) | (text.charCodeAt(start) << 8) | (text.charCodeAt(colon - 1) & 0xff);
    const known = this.bySignature.get(signature);
    if (known && text.startsWith(known.raw, start)) return known;
    const raw = text.slice(start, colon);
    let cached = this.nameCache.get(raw);
    if (cached === undefined) {
      const name = this.latin1 ? fromLatin1(raw) : raw;
      if (/[\s]/.test(name)) throw this.error('DEB822_BAD_FIELD_NAME', `field name ${JSON.stringify(name)} contains white space`);
      cached = { raw, name, key: name.toLowerCase() };
      this.nameCache.set(raw, cached);
    }
    if (!known) this.bySignature.set(signature, cached);
    return cached;
  }

  private continuation(text: string, start: number, end: number): void {
    if (this.lastKey === null) throw this.error('DEB822_BAD_CONTINUATION', 'continuation line without a field before it');
    if (this.lastKey === SKIPPED) return;
    let ve = end;
    while (ve > start && (text.charCodeAt(ve - 1) === 32 || text.charCodeAt(ve - 1) === 9)) ve--;
    const prev = this.fields.get(this.lastKey)!;
    const more = text.slice(start, ve);
    this.fields.set(this.lastKey, `${prev}\n${this.latin1 ? fromLatin1(more) : more}`);
  }

  private endStanza(): void {
    if (this.inStanza) {
      this.out.push({ fields: this.fields, names: this.names, line: this.stanzaLine });
      this.fields = new Map();
      this.names = [];
      this.inStanza = false;
    }
    this.lastKey = null;
  }

  /** Handles the OpenPGP clear-signature framing; true when the line was consumed. */
  private pgpLine(text: string, start: number, end: number): boolean {
    const line = () => text.slice(start, end);
    switch (this.pgp) {
      case 'start':
        if (start === end) return true; // leading blank lines
        if (line() === '-----BEGIN PGP SIGNED MESSAGE-----') {
          this.pgp = 'armor-header';
          return true;
        }
        this.pgp = 'none';
        return false;
      case 'armor-header':
        if (start === end) this.pgp = 'body';
        return true;
      case 'body': {
        const l = line();
        if (l === '-----BEGIN PGP SIGNATURE-----') {
          this.endStanza();
          this.pgp = 'signature';
          return true;
        }
        if (l.startsWith('- ')) {
          // dash-escaped line (RFC 4880 §7.1)
          this.line(l, 2, l.length);
          return true;
        }
        return false;
      }
      case 'signature':
        return true;
      default:
        return false;
    }
  }

  error(code: ErrorCode, message: string): DistrokitError {
    return new DistrokitError(code, message, { file: this.options.file, line: this.lineNo });
  }
}

const NON_ASCII = /[\x80-\xff]/;

/** Re-decodes a string of UTF-8 bytes that was read as Latin-1 (only when it has non-ASCII bytes). */
function fromLatin1(s: string): string {
  return NON_ASCII.test(s) ? Buffer.from(s, 'latin1').toString('utf8') : s;
}

function isBlank(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9) return false;
  }
  return true;
}

/**
 * Parses deb822 data as a stream of stanza batches (one batch per input chunk):
 * the fast path for large indexes, since an async generator pays per yield.
 * Memory is bounded by the largest stanza plus one input chunk.
 */
export async function* parseDeb822Batches(source: ByteSource, options: Deb822Options = {}): AsyncGenerator<Deb822Stanza[]> {
  const parser = new Deb822Parser(options);
  // Whole lines only: '\n' never occurs inside a UTF-8 sequence.
  const lastNewline = (chunk: Uint8Array): Cut | null => {
    const nl = chunk.lastIndexOf(10);
    return nl < 0 ? null : { end: nl, next: nl + 1 };
  };
  for await (const { bytes, final } of cutAtBoundaries(source, lastNewline)) {
    // A non-final piece is a run of whole lines, even an empty one (a blank line); an empty final piece is nothing.
    const batch = !final || bytes.byteLength ? feedBytes(parser, bytes) : [];
    if (final) batch.push(...parser.finish());
    if (batch.length > 0) yield batch;
  }
}

/**
 * Decodes bytes as Latin-1 (several times faster than UTF-8 decoding, and it
 * keeps V8's compact one-byte strings) and lets the parser re-decode just the
 * stored values that hold non-ASCII bytes.
 */
function feedBytes(parser: Deb822Parser, bytes: Uint8Array): Deb822Stanza[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = buf.toString('latin1');
  return parser.feed(text, 0, text.length, !isAscii(buf));
}

/** Parses deb822 data as a stream of stanzas. */
export async function* parseDeb822(source: ByteSource, options: Deb822Options = {}): AsyncGenerator<Deb822Stanza> {
  for await (const batch of parseDeb822Batches(source, options)) yield* batch;
}

/** Parses a whole deb822 text (or bytes) at once. */
export function parseDeb822Text(input: string | Uint8Array, options: Deb822Options = {}): Deb822Stanza[] {
  const parser = new Deb822Parser(options);
  const out = typeof input === 'string' ? parser.feed(input, 0, input.length) : feedBytes(parser, input);
  out.push(...parser.finish());
  return out;
}

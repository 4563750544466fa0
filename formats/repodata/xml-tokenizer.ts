/**
 * A small streaming, well-formedness-checking XML tokenizer for repository
 * metadata. It exists for speed: repodata is hundreds of MB of one simple
 * shape, and a general parser spends most of its time on features metadata
 * never uses. It checks what makes a document well-formed (tag nesting and
 * names, attribute syntax and duplicates, entity and character references,
 * comments, CDATA, processing instructions, a single root, nothing but space
 * around it) and reports the first violation with line and column. DTDs are
 * skipped, so only the five predefined entities exist.
 *
 * Input is either text (write) or, the fast way, UTF-8 bytes (writeBytes).
 * Bytes are decoded as Latin-1, one character per byte: that is several
 * times cheaper than UTF-8 decoding and gives V8 a flat one-byte string, on
 * which charCodeAt costs a third of what it costs on the concatenated
 * strings that appending text produces. Everything the tokenizer cuts at
 * ('<', '>', '&', quotes, spaces, '=') is ASCII, and ASCII bytes never occur
 * inside a multi-byte UTF-8 sequence, so the cuts never split a character;
 * only the strings handed out that hold bytes ≥ 0x80 are re-decoded as UTF-8.
 */
import { Buffer, isAscii } from 'node:buffer';
import { DistrokitError, type ErrorCode } from '../errors.js';

/**
 * Attributes as a flat [name, value, name, value, …] list: building an object
 * keyed by freshly sliced names costs more than the whole tokenizing does.
 */
export type XmlAttributes = readonly string[];

/** The value of an attribute, or undefined. */
export function attribute(attributes: XmlAttributes, name: string): string | undefined {
  for (let i = 0; i < attributes.length; i += 2) if (attributes[i] === name) return attributes[i + 1];
  return undefined;
}

/** `localName` is the part of `qname` after any prefix ("entry" of "rpm:entry"): readers match it whatever prefix a document binds. */
export interface XmlEvents {
  open(qname: string, attributes: XmlAttributes, localName: string): void;
  close(qname: string, localName: string): void;
  text(text: string): void;
  /** False while the consumer ignores text (most of repodata), so whitespace between tags is not sliced out. */
  wantsText?(): boolean;
}

// A Map, not an object literal: "&constructor;" must be an undefined entity, not Object.prototype's.
const PREDEFINED = new Map([
  ['lt', '<'],
  ['gt', '>'],
  ['amp', '&'],
  ['quot', '"'],
  ['apos', "'"],
]);
const NO_ATTRIBUTES: XmlAttributes = Object.freeze([]) as XmlAttributes;

// Character classes of ASCII, as bits in a table: one load instead of a chain of comparisons per character.
const NAME_START = 1;
const NAME_CHAR = 2;
const SPACE = 4;
/** Needs more than slicing inside an attribute value: "<", "&", tab, LF, CR. */
const VALUE_SPECIAL = 8;
const ASCII_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const letter = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58;
  const other = (c >= 48 && c <= 57) || c === 45 || c === 46;
  ASCII_CLASS[c] =
    (letter ? NAME_START | NAME_CHAR : 0) |
    (other ? NAME_CHAR : 0) |
    (c === 32 || c === 10 || c === 9 || c === 13 ? SPACE : 0) |
    (c === 60 || c === 38 || c === 9 || c === 10 || c === 13 ? VALUE_SPECIAL : 0);
}

/** The class bits of a character; everything from U+0080 up may start or continue a name, and is special in a value (it may need re-decoding). */
function charClass(c: number): number {
  return c < 128 ? ASCII_CLASS[c]! : NAME_START | NAME_CHAR | VALUE_SPECIAL;
}

function isNameStart(c: number): boolean {
  return (charClass(c) & NAME_START) !== 0;
}

function isNameChar(c: number): boolean {
  return (charClass(c) & NAME_CHAR) !== 0;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13;
}

const HIGH_BYTE = /[\x80-\xff]/;

/** A string of UTF-8 bytes read as Latin-1, as the text it encodes. */
function fromLatin1(s: string): string {
  return Buffer.from(s, 'latin1').toString('utf8');
}

/**
 * Element and attribute names are interned: repodata repeats a few dozen
 * names millions of times, and handing out the same string each time saves
 * the slice and lets the handlers' comparisons and Set lookups hit the same
 * pointer and the cached hash. The table is keyed exactly, without comparing
 * strings (which measured as the tokenizer's hottest line): a name of up to
 * 14 ASCII characters is packed while it is scanned, 7 bits a character,
 * into two numbers below 2^53 — its characters, losslessly. Longer or
 * non-ASCII names are sliced each time.
 */
const NAME_BITS = 12;
const NAME_SLOTS = 1 << NAME_BITS;
const PACKED_MAX = 14;
const HIGH_CHAR = /[^\x00-\x7f]/;

/** A name's packing as readName computes it: characters 1–7 and 8–14 as base-128 numbers; null when it cannot be packed. */
function packName(name: string): { lo: number; hi: number } | null {
  if (name.length > PACKED_MAX || HIGH_CHAR.test(name)) return null;
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < name.length; i++) {
    if (i < 7) lo = lo * 128 + name.charCodeAt(i);
    else hi = hi * 128 + name.charCodeAt(i);
  }
  return { lo, hi };
}

/** The slot of a packed name: all its bits mixed by a multiplicative hash, whose top bits pick the slot. */
function nameSlot(length: number, lo: number, hi: number): number {
  const mixed = (lo | 0) ^ Math.imul((lo / 0x100000000) | 0, 0x2545f491) ^ Math.imul(hi | 0, 0x1b873593) ^ Math.imul((hi / 0x100000000) | 0, 0x85ebca6b) ^ length;
  return Math.imul(mixed, 0x9e3779b1) >>> (32 - NAME_BITS);
}

/**
 * The carried tail followed by new bytes. When the caller feeds successive
 * windows of one large chunk, the tail's bytes are still right before the
 * new ones in memory: checked equal, that memory is used in place rather
 * than copying the whole window.
 */
function joinTail(tail: Buffer, bytes: Buffer): Buffer {
  const start = bytes.byteOffset - tail.byteLength;
  if (start >= 0 && Buffer.from(bytes.buffer, start, tail.byteLength).equals(tail)) return Buffer.from(bytes.buffer, start, tail.byteLength + bytes.byteLength);
  return Buffer.concat([tail, bytes], tail.byteLength + bytes.byteLength);
}

/** Thrown inside the tokenizer when a construct continues past the buffered text. */
const INCOMPLETE = Symbol('incomplete');

export class XmlTokenizer {
  private buf = '';
  /** Fed bytes (writeBytes): `buf` is UTF-8 read as Latin-1. */
  private bytesMode = false;
  /** Bytes mode: a copy of the bytes after `pos`, which the next chunk continues. */
  private tail: Buffer | null = null;
  /** Bytes mode, and `buf` holds bytes ≥ 0x80: strings handed out may need re-decoding as UTF-8. */
  private high = false;
  private pos = 0;
  /** Names of the open elements, as reported to the handler. */
  private readonly stack: string[] = [];
  private sawRoot = false;
  private rootClosed = false;
  private final = false;
  // Line tracking: `line` is the line of buffer index `countedTo`; `lineStart` the index where that line starts
  // (negative when it started in text already dropped, whose width in columns is then `carriedColumns`).
  private line = 1;
  private countedTo = 0;
  private lineStart = 0;
  private carriedColumns = 0;
  /** Buffer index of the construct being reported to the handler. */
  private eventStart = 0;
  // The intern table (see NAME_SLOTS): a slot holds a name and its packing; length 0 is an empty slot.
  private readonly slotName: string[] = new Array<string>(NAME_SLOTS).fill('');
  private readonly slotLength = new Uint8Array(NAME_SLOTS);
  private readonly slotLo = new Float64Array(NAME_SLOTS);
  private readonly slotHi = new Float64Array(NAME_SLOTS);
  /** The local part of each slot's name, kept so it is not sliced per tag. */
  private readonly slotLocal: string[] = new Array<string>(NAME_SLOTS).fill('');
  /** The local part of the name last read by readName. */
  private nameLocal = '';
  /** knownNames, to hand out local parts as the consumer's own strings too. */
  private readonly known: Map<string, string>;
  /** Where the name last read by readName ends. */
  private nameEnd = 0;
  /** Whether the value valueEnd last scanned needs more than slicing (see specialValue). */
  private special = false;

  /**
   * `knownNames` (ASCII names the consumer compares against) are handed out
   * as these very strings: a comparison with the consumer's literal is then
   * a pointer comparison.
   */
  constructor(
    private readonly events: XmlEvents,
    private readonly file: string | undefined,
    knownNames: readonly string[] = [],
  ) {
    this.known = new Map(knownNames.map((name) => [name, name]));
    for (const name of knownNames) {
      const packed = packName(name);
      if (packed) this.keep(name, name.length, packed.lo, packed.hi);
    }
  }

  /** Line and column (1-based) of the construct currently being reported. */
  get position(): { line: number; column: number } {
    return this.positionAt(this.eventStart);
  }

  /** Line (1-based) of the construct currently being reported; cheaper than position. */
  get currentLine(): number {
    if (this.eventStart >= this.countedTo) this.countLines(this.eventStart);
    return this.eventStart >= this.lineStart ? this.line : this.positionAt(this.eventStart).line;
  }

  /** Feeds text. Use either this or writeBytes for one document, not both. */
  write(text: string): void {
    if (this.pos > 0) {
      const rest = this.buf.slice(this.pos);
      this.dropConsumed();
      this.buf = rest + text;
    } else this.buf += text;
    this.parse();
  }

  /** Feeds UTF-8 bytes (see the file comment). Use either this or write for one document, not both. */
  writeBytes(chunk: Uint8Array): void {
    this.bytesMode = true;
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.dropConsumed();
    const joined = this.tail === null ? bytes : joinTail(this.tail, bytes);
    // One fresh decode of tail + new bytes keeps `buf` one flat string.
    this.buf = joined.toString('latin1');
    this.high = !isAscii(joined);
    this.parse();
    // Copied, not viewed: the caller may reuse its memory once this returns.
    this.tail = this.pos < joined.byteLength ? Buffer.from(joined.subarray(this.pos)) : null;
  }

  end(): void {
    this.final = true;
    this.parse();
    if (!this.sawRoot) throw this.error('XML_TRUNCATED', 'document is empty (no root element)', this.pos);
    if (this.stack.length > 0) throw this.error('XML_TRUNCATED', `unexpected end of document inside <${this.stack[this.stack.length - 1]}>`, this.buf.length);
  }

  /** Forgets the text before `pos`, keeping the line and column bookkeeping relative to what stays. */
  private dropConsumed(): void {
    const pos = this.pos;
    if (pos === 0) return;
    this.countLines(pos);
    const from = Math.max(this.lineStart, 0);
    this.carriedColumns = (this.lineStart < 0 ? this.carriedColumns : 0) + this.width(from, pos);
    this.countedTo -= pos;
    this.lineStart -= pos;
    this.eventStart -= pos;
    this.pos = 0;
  }

  /** Advances the line count to buffer index `index` (≥ countedTo). */
  private countLines(index: number): void {
    const buf = this.buf;
    let nl = buf.indexOf('\n', this.countedTo);
    while (nl >= 0 && nl < index) {
      this.line++;
      this.lineStart = nl + 1;
      nl = buf.indexOf('\n', nl + 1);
    }
    this.countedTo = index;
  }

  /** Columns (UTF-16 code units, as in text mode) that buffer indexes from..to span. */
  private width(from: number, to: number): number {
    if (!this.high) return to - from;
    const s = this.buf.slice(from, to);
    return HIGH_BYTE.test(s) ? fromLatin1(s).length : s.length;
  }

  private positionAt(index: number): { line: number; column: number } {
    if (index >= this.countedTo) this.countLines(index);
    let line = this.line;
    let start = this.lineStart;
    // Backwards (an error at the start of a construct already counted past).
    while (start > index) {
      line--;
      start = this.buf.lastIndexOf('\n', start - 2) + 1;
    }
    const carried = start === this.lineStart && start < 0 ? this.carriedColumns : 0;
    return { line, column: carried + this.width(Math.max(start, 0), index) + 1 };
  }

  private error(code: ErrorCode, message: string, index: number): DistrokitError {
    const { line, column } = this.positionAt(Math.max(0, index));
    return new DistrokitError(code, message, { file: this.file, line, column });
  }

  private incomplete(at: number): never {
    if (this.final) throw this.error('XML_TRUNCATED', 'unexpected end of document', at);
    throw INCOMPLETE;
  }

  /** A string cut from the buffer, as text (re-decoded when bytes ≥ 0x80 were read as Latin-1). */
  private decoded(s: string): string {
    return this.high && HIGH_BYTE.test(s) ? fromLatin1(s) : s;
  }

  private parse(): void {
    const buf = this.buf;
    const len = buf.length;
    try {
      while (this.pos < len) {
        const start = this.pos;
        if (buf.charCodeAt(start) !== 60 /* < */) {
          this.textRun(start);
          continue;
        }
        if (start + 1 >= len) this.incomplete(start);
        const c = buf.charCodeAt(start + 1);
        if (c === 47 /* / */) this.closeTag(start);
        else if (c === 63 /* ? */) this.pos = this.skipTo('?>', start + 2, start) + 2;
        else if (c === 33 /* ! */) this.markup(start);
        else this.openTag(start);
      }
    } catch (err) {
      if (err !== INCOMPLETE) throw err;
    }
  }

  private skipTo(marker: string, from: number, start: number): number {
    const at = this.buf.indexOf(marker, from);
    if (at < 0) this.incomplete(start);
    return at;
  }

  private textRun(start: number): void {
    const buf = this.buf;
    // Most runs are the indentation between two tags: spaces up to a "<". Nobody reads it when the
    // consumer wants no text, so it is checked (only whitespace) without a search or a slice.
    let k = start;
    while (k < buf.length && isSpace(buf.charCodeAt(k))) k++;
    if (k < buf.length && buf.charCodeAt(k) === 60 /* < */ && this.stack.length > 0 && this.events.wantsText && !this.events.wantsText()) {
      this.pos = k;
      return;
    }
    const lt = buf.indexOf('<', k);
    const end = lt < 0 ? this.heldBack(start) : lt;
    if (end === k && this.stack.length > 0 && this.events.wantsText && !this.events.wantsText()) {
      this.pos = end;
      return;
    }
    const raw = buf.slice(start, end);
    if (this.stack.length === 0) {
      for (let i = 0; i < raw.length; i++)
        if (!isSpace(raw.charCodeAt(i))) throw this.error('XML_MALFORMED', this.rootClosed ? 'text after the root element' : 'text before the root element', start + i);
    } else {
      if (raw.includes(']]>')) throw this.error('XML_MALFORMED', '"]]>" is not allowed in text', start + raw.indexOf(']]>'));
      this.eventStart = start;
      this.events.text(raw.includes('&') ? this.decode(raw, start) : this.decoded(raw));
    }
    this.pos = end;
  }

  /** Where text that runs to the end of the buffer can be cut before the next chunk arrives. */
  private heldBack(start: number): number {
    const buf = this.buf;
    let end = buf.length;
    if (this.final) return end;
    // Hold back a reference that may continue in the next chunk.
    const amp = buf.lastIndexOf('&', end - 1);
    if (amp >= start && buf.indexOf(';', amp) < 0) end = amp;
    // And a "]" or "]]" that may become a forbidden "]]>".
    if (end > start && buf.charCodeAt(end - 1) === 93) end--;
    if (end > start && buf.charCodeAt(end - 1) === 93) end--;
    // And, from bytes, a character whose UTF-8 sequence may be incomplete.
    if (this.high) while (end > start && buf.charCodeAt(end - 1) >= 0x80) end--;
    if (end === start) throw INCOMPLETE;
    return end;
  }

  private markup(start: number): void {
    const buf = this.buf;
    if (buf.length - start < 9 && !this.final) {
      const head = buf.slice(start);
      if ('<!--'.startsWith(head) || '<![CDATA['.startsWith(head) || '<!DOCTYPE'.startsWith(head)) throw INCOMPLETE;
    }
    if (buf.startsWith('<!--', start)) {
      const end = this.skipTo('-->', start + 4, start);
      if (buf.slice(start + 4, end).includes('--')) throw this.error('XML_MALFORMED', '"--" inside a comment', start);
      this.pos = end + 3;
    } else if (buf.startsWith('<![CDATA[', start)) {
      if (this.stack.length === 0) throw this.error('XML_MALFORMED', 'CDATA outside the root element', start);
      const end = this.skipTo(']]>', start + 9, start);
      this.eventStart = start;
      this.events.text(this.decoded(buf.slice(start + 9, end)));
      this.pos = end + 3;
    } else if (buf.startsWith('<!DOCTYPE', start)) {
      if (this.sawRoot) throw this.error('XML_MALFORMED', 'DOCTYPE after the root element started', start);
      const bracket = buf.indexOf('[', start);
      const gt = this.skipTo('>', start, start);
      this.pos = bracket >= 0 && bracket < gt ? this.skipTo('>', this.skipTo(']', bracket, start), start) + 1 : gt + 1;
    } else throw this.error('XML_MALFORMED', 'invalid markup after "<!"', start);
  }

  private closeTag(start: number): void {
    // Nearly every close tag is exactly "</" + the open element's name + ">": the interned names are compared as pointers.
    const buf = this.buf;
    if (start + 2 < buf.length && isNameStart(buf.charCodeAt(start + 2))) {
      const name = this.readName(start + 2);
      const gt = this.nameEnd;
      if (name === this.stack[this.stack.length - 1] && gt < buf.length && buf.charCodeAt(gt) === 62 /* > */) {
        this.endElement(start, gt + 1, name, this.nameLocal);
        return;
      }
    }
    this.closeTagCarefully(start);
  }

  /** Any other close tag: spaces before ">", a mismatch, or one not complete in the buffer. */
  private closeTagCarefully(start: number): void {
    const buf = this.buf;
    const gt = this.skipTo('>', start + 2, start);
    let nameEnd = start + 2;
    while (nameEnd < gt && isNameChar(buf.charCodeAt(nameEnd))) nameEnd++;
    const name = this.decoded(buf.slice(start + 2, nameEnd));
    for (let i = nameEnd; i < gt; i++) if (!isSpace(buf.charCodeAt(i))) throw this.error('XML_MALFORMED', 'invalid close tag', start);
    const open = this.stack[this.stack.length - 1];
    if (open === undefined) throw this.error('XML_MALFORMED', `close tag </${name}> without an open element`, start);
    if (open !== name) throw this.error('XML_MALFORMED', `close tag </${name}> does not match <${open}>`, start);
    this.endElement(start, gt + 1, open, this.localOf(open));
  }

  private endElement(start: number, end: number, name: string, local: string): void {
    this.stack.pop();
    if (this.stack.length === 0) this.rootClosed = true;
    this.pos = end;
    this.eventStart = start;
    this.events.close(name, local);
  }

  /** Reads the name whose first character (already checked) is at `from`; returns it interned and sets nameEnd. */
  private readName(from: number): string {
    const buf = this.buf;
    const len = buf.length;
    let lo = 0;
    let hi = 0;
    let high = 0;
    let i = from;
    while (i < len) {
      const c = buf.charCodeAt(i);
      if (!isNameChar(c)) break;
      high |= c;
      if (i - from < 7) lo = lo * 128 + c;
      else hi = hi * 128 + c;
      i++;
    }
    this.nameEnd = i;
    const length = i - from;
    if (length > PACKED_MAX || high >= 0x80) {
      const name = this.decoded(buf.slice(from, i));
      this.nameLocal = this.localOf(name);
      return name;
    }
    const slot = nameSlot(length, lo, hi);
    if (this.slotLength[slot] === length && this.slotLo[slot] === lo && this.slotHi[slot] === hi) {
      this.nameLocal = this.slotLocal[slot]!;
      return this.slotName[slot]!;
    }
    const name = buf.slice(from, i);
    this.keep(name, length, lo, hi);
    this.nameLocal = this.slotLocal[slot]!;
    return name;
  }

  private localOf(qname: string): string {
    const colon = qname.indexOf(':');
    const local = colon < 0 ? qname : qname.slice(colon + 1);
    return this.known.get(local) ?? local;
  }

  private keep(name: string, length: number, lo: number, hi: number): void {
    const slot = nameSlot(length, lo, hi);
    this.slotName[slot] = name;
    this.slotLength[slot] = length;
    this.slotLo[slot] = lo;
    this.slotHi[slot] = hi;
    this.slotLocal[slot] = this.localOf(name);
  }

  private openTag(start: number): void {
    const buf = this.buf;
    const len = buf.length;
    let i = start + 1;
    if (!isNameStart(buf.charCodeAt(i))) throw this.error('XML_MALFORMED', 'invalid element name', i);
    const name = this.readName(i);
    const local = this.nameLocal;
    i = this.nameEnd;
    let attributes: string[] | null = null;
    let selfClosing = false;
    for (;;) {
      if (i >= len) this.incomplete(start);
      let c = buf.charCodeAt(i);
      const spaced = isSpace(c);
      while (isSpace(c)) {
        if (++i >= len) this.incomplete(start);
        c = buf.charCodeAt(i);
      }
      if (c === 62 /* > */) {
        i++;
        break;
      }
      if (c === 47 /* / */) {
        if (i + 1 >= len) this.incomplete(start);
        if (buf.charCodeAt(i + 1) !== 62) throw this.error('XML_MALFORMED', 'expected ">" after "/"', i);
        selfClosing = true;
        i += 2;
        break;
      }
      if (!spaced) throw this.error('XML_MALFORMED', 'expected whitespace before an attribute', i);
      if (!isNameStart(c)) throw this.error('XML_MALFORMED', 'invalid attribute name', i);
      const nameStart = i;
      const attr = this.readName(i);
      i = this.nameEnd;
      while (i < len && isSpace(buf.charCodeAt(i))) i++;
      if (i >= len) this.incomplete(start);
      if (buf.charCodeAt(i) !== 61 /* = */) throw this.error('XML_MALFORMED', `attribute ${attr} without a value`, i);
      i++;
      while (i < len && isSpace(buf.charCodeAt(i))) i++;
      if (i >= len) this.incomplete(start);
      const quote = buf.charCodeAt(i);
      if (quote !== 34 && quote !== 39) throw this.error('XML_MALFORMED', `attribute ${attr}: value must be quoted`, i);
      const close = this.valueEnd(i + 1, quote, start);
      const value = this.special ? this.specialValue(attr, i + 1, close) : buf.slice(i + 1, close);
      if (attributes === null) attributes = [attr, value];
      else {
        if (attribute(attributes, attr) !== undefined) throw this.error('XML_MALFORMED', `duplicate attribute ${attr}`, nameStart);
        attributes.push(attr, value);
      }
      i = close + 1;
    }
    this.startElement(start, i, name, local, attributes ?? NO_ATTRIBUTES, selfClosing);
  }

  /**
   * Index of the quote closing the value that starts at `from`. The same pass
   * notes whether the value needs more than slicing: values are short, so one
   * loop beats several native searches.
   */
  private valueEnd(from: number, quote: number, tagStart: number): number {
    const buf = this.buf;
    const len = buf.length;
    let special = false;
    let k = from;
    for (;;) {
      if (k >= len) this.incomplete(tagStart);
      const c = buf.charCodeAt(k);
      if (c === quote) break;
      if ((charClass(c) & VALUE_SPECIAL) !== 0) special = true;
      k++;
    }
    this.special = special;
    return k;
  }

  /** A value with "<" (an error), references to decode, whitespace to normalise or non-ASCII bytes. */
  private specialValue(attr: string, from: number, close: number): string {
    let value = this.buf.slice(from, close);
    if (value.includes('<')) throw this.error('XML_MALFORMED', `attribute ${attr}: "<" in a value`, from + value.indexOf('<'));
    const references = value.includes('&');
    if (references) value = this.decode(value, from);
    if (/[\t\n\r]/.test(value)) value = value.replace(/\r\n|[\t\n\r]/g, ' ');
    return references ? value : this.decoded(value);
  }

  private startElement(start: number, end: number, name: string, local: string, attributes: XmlAttributes, selfClosing: boolean): void {
    if (this.rootClosed) throw this.error('XML_MALFORMED', 'a second root element', start);
    this.sawRoot = true;
    this.pos = end;
    this.eventStart = start;
    if (!selfClosing) this.stack.push(name);
    this.events.open(name, attributes, local);
    if (selfClosing) {
      if (this.stack.length === 0) this.rootClosed = true;
      this.events.close(name, local);
    }
  }

  /** Replaces entity and character references (anything else after "&" is an error); the result is text, as from decoded(). */
  private decode(raw: string, at: number): string {
    let out = '';
    let last = 0;
    // Whether `out` may hold bytes ≥ 0x80 to re-decode: from the buffer, or from a character reference.
    let high = this.high;
    for (let amp = raw.indexOf('&'); amp >= 0; amp = raw.indexOf('&', last)) {
      const semi = raw.indexOf(';', amp);
      if (semi < 0) throw this.error('XML_MALFORMED', '"&" must start an entity or character reference', at + amp);
      let ch = predefined(raw, amp, semi) ?? this.reference(raw.slice(amp + 1, semi), at + amp);
      // From bytes, the text around is still UTF-8 read as Latin-1 (re-decoded as a whole below): so is the character.
      if (this.bytesMode && ch.charCodeAt(0) >= 0x80) {
        ch = Buffer.from(ch, 'utf8').toString('latin1');
        high = true;
      }
      out += raw.slice(last, amp) + ch;
      last = semi + 1;
    }
    out += raw.slice(last);
    return high && HIGH_BYTE.test(out) ? fromLatin1(out) : out;
  }

  /** The character of a reference other than the common predefined ones ("&" and ";" stripped), or an error at `at`. */
  private reference(ref: string, at: number): string {
    let ch: string | undefined;
    if (ref.startsWith('#x')) ch = /^#x[0-9a-fA-F]+$/.test(ref) ? codePoint(Number.parseInt(ref.slice(2), 16)) : undefined;
    else if (ref.startsWith('#')) ch = /^#[0-9]+$/.test(ref) ? codePoint(Number.parseInt(ref.slice(1), 10)) : undefined;
    else ch = PREDEFINED.get(ref);
    if (ch === undefined) throw this.error('XML_MALFORMED', `undefined entity or bad character reference "&${ref};"`, at);
    return ch;
  }
}

/** The predefined entity at raw[amp] ("&" … ";" at semi), told by its characters: text in repodata is full of "&lt;" and "&gt;". */
function predefined(raw: string, amp: number, semi: number): string | undefined {
  const n = semi - amp - 1;
  const c = raw.charCodeAt(amp + 1);
  if (n === 2 && raw.charCodeAt(amp + 2) === 116 /* t */) return c === 108 /* l */ ? '<' : c === 103 /* g */ ? '>' : undefined;
  if (n === 3 && c === 97 /* a */ && raw.charCodeAt(amp + 2) === 109 /* m */ && raw.charCodeAt(amp + 3) === 112 /* p */) return '&';
  if (n === 4) {
    const entity = raw.slice(amp + 1, semi);
    return entity === 'quot' ? '"' : entity === 'apos' ? "'" : undefined;
  }
  return undefined;
}

function codePoint(n: number): string | undefined {
  if (n === 0x9 || n === 0xa || n === 0xd || (n >= 0x20 && n <= 0xd7ff) || (n >= 0xe000 && n <= 0xfffd) || (n >= 0x10000 && n <= 0x10ffff))
    return String.fromCodePoint(n);
  return undefined;
}

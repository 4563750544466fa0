/**
 * A small streaming, well-formedness-checking XML tokenizer for repository
 * metadata. It exists for speed: repodata is hundreds of MB of one simple
 * shape, and a general parser spends most of its time on features metadata
 * never uses. It checks what makes a document well-formed (tag nesting and
 * names, attribute syntax and duplicates, entity and character references,
 * comments, CDATA, processing instructions, a single root, nothing but space
 * around it) and reports the first violation with line and column. DTDs are
 * skipped, so only the five predefined entities exist.
 */
import { DistrokitError } from '../errors.js';

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

export interface XmlEvents {
  open(qname: string, attributes: XmlAttributes): void;
  close(qname: string): void;
  text(text: string): void;
  /** False while the consumer ignores text (most of repodata), so whitespace between tags is not sliced out. */
  wantsText?(): boolean;
}

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const NO_ATTRIBUTES: XmlAttributes = Object.freeze([]) as XmlAttributes;

function isNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58 || c >= 0x80;
}

function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57) || c === 45 || c === 46;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13;
}

/** Fast path for a whole start tag whose attributes all match SIMPLE_ATTRIBUTE. */
const SIMPLE_START_TAG =
  /<([A-Za-z_:][-A-Za-z0-9_.:]*)((?:[ \t\r\n]+[A-Za-z_:][-A-Za-z0-9_.:]*=(?:"[^"<&\t\r\n]*"|'[^'<&\t\r\n]*'))*)[ \t\r\n]*(\/?)>/y;

/** Thrown inside the tokenizer when a construct continues past the buffered text. */
const INCOMPLETE = Symbol('incomplete');

export class XmlTokenizer {
  private buf = '';
  private pos = 0;
  private readonly stack: string[] = [];
  private sawRoot = false;
  private rootClosed = false;
  private final = false;
  // Line tracking: `line` is the line of buffer index `countedTo`; `lineStart` the index where that line starts.
  private line = 1;
  private countedTo = 0;
  private lineStart = 0;
  /** Buffer index of the construct being reported to the handler. */
  private eventStart = 0;

  constructor(
    private readonly events: XmlEvents,
    private readonly file: string | undefined,
  ) {}

  /** Line and column (1-based) of the construct currently being reported. */
  get position(): { line: number; column: number } {
    return this.positionAt(this.eventStart);
  }

  write(text: string): void {
    if (this.pos > 0) {
      // Count the lines of the text about to be dropped.
      this.positionAt(this.pos);
      this.buf = this.buf.slice(this.pos) + text;
      this.countedTo -= this.pos;
      this.lineStart -= this.pos;
      this.eventStart -= this.pos;
      this.pos = 0;
    } else this.buf += text;
    this.parse();
  }

  end(): void {
    this.final = true;
    this.parse();
    if (!this.sawRoot) throw this.error('XML_TRUNCATED', 'document is empty (no root element)', this.pos);
    if (this.stack.length > 0) throw this.error('XML_TRUNCATED', `unexpected end of document inside <${this.stack[this.stack.length - 1]}>`, this.buf.length);
  }

  private positionAt(index: number): { line: number; column: number } {
    if (index >= this.countedTo) {
      let nl = this.buf.indexOf('\n', this.countedTo);
      while (nl >= 0 && nl < index) {
        this.line++;
        this.lineStart = nl + 1;
        nl = this.buf.indexOf('\n', nl + 1);
      }
      this.countedTo = index;
      return { line: this.line, column: index - this.lineStart + 1 };
    }
    // Backwards (an error at the start of a construct already counted past).
    let line = this.line;
    let start = this.lineStart;
    while (start > index) {
      line--;
      const prev = this.buf.lastIndexOf('\n', start - 2);
      start = prev + 1;
    }
    return { line, column: index - start + 1 };
  }

  private error(code: string, message: string, index: number): DistrokitError {
    const { line, column } = this.positionAt(Math.max(0, index));
    return new DistrokitError(code, message, { file: this.file, line, column });
  }

  private incomplete(at: number): never {
    if (this.final) throw this.error('XML_TRUNCATED', 'unexpected end of document', at);
    throw INCOMPLETE;
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
    const lt = buf.indexOf('<', start);
    let end = lt < 0 ? buf.length : lt;
    if (lt < 0 && !this.final) {
      // Hold back a reference that may continue in the next chunk.
      const amp = buf.lastIndexOf('&', end - 1);
      if (amp >= start && buf.indexOf(';', amp) < 0) end = amp;
      // And a "]" or "]]" that may become a forbidden "]]>".
      if (end > start && buf.charCodeAt(end - 1) === 93) end--;
      if (end > start && buf.charCodeAt(end - 1) === 93) end--;
      if (end === start) throw INCOMPLETE;
    }
    if (this.stack.length > 0 && this.events.wantsText && !this.events.wantsText()) {
      // Indentation between tags nobody reads: checked (it is only whitespace) without being sliced out.
      let k = start;
      while (k < end && isSpace(buf.charCodeAt(k))) k++;
      if (k === end) {
        this.pos = end;
        return;
      }
    }
    const raw = buf.slice(start, end);
    if (this.stack.length === 0) {
      for (let i = 0; i < raw.length; i++)
        if (!isSpace(raw.charCodeAt(i))) throw this.error('XML_MALFORMED', this.rootClosed ? 'text after the root element' : 'text before the root element', start + i);
    } else {
      if (raw.includes(']]>')) throw this.error('XML_MALFORMED', '"]]>" is not allowed in text', start + raw.indexOf(']]>'));
      this.eventStart = start;
      this.events.text(raw.includes('&') ? this.decode(raw, start) : raw);
    }
    this.pos = end;
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
      this.events.text(buf.slice(start + 9, end));
      this.pos = end + 3;
    } else if (buf.startsWith('<!DOCTYPE', start)) {
      if (this.sawRoot) throw this.error('XML_MALFORMED', 'DOCTYPE after the root element started', start);
      const bracket = buf.indexOf('[', start);
      const gt = this.skipTo('>', start, start);
      this.pos = bracket >= 0 && bracket < gt ? this.skipTo('>', this.skipTo(']', bracket, start), start) + 1 : gt + 1;
    } else throw this.error('XML_MALFORMED', 'invalid markup after "<!"', start);
  }

  private closeTag(start: number): void {
    const buf = this.buf;
    const gt = this.skipTo('>', start + 2, start);
    let nameEnd = start + 2;
    while (nameEnd < gt && isNameChar(buf.charCodeAt(nameEnd))) nameEnd++;
    const name = buf.slice(start + 2, nameEnd);
    for (let i = nameEnd; i < gt; i++) if (!isSpace(buf.charCodeAt(i))) throw this.error('XML_MALFORMED', 'invalid close tag', start);
    const open = this.stack[this.stack.length - 1];
    if (open === undefined) throw this.error('XML_MALFORMED', `close tag </${name}> without an open element`, start);
    if (open !== name) throw this.error('XML_MALFORMED', `close tag </${name}> does not match <${open}>`, start);
    this.stack.pop();
    if (this.stack.length === 0) this.rootClosed = true;
    this.pos = gt + 1;
    this.eventStart = start;
    this.events.close(name);
  }

  private openTag(start: number): void {
    SIMPLE_START_TAG.lastIndex = start;
    const m = SIMPLE_START_TAG.exec(this.buf);
    if (m !== null) {
      const list = m[2]!;
      const attributes = list === '' ? NO_ATTRIBUTES : this.simpleAttributes(list, start);
      this.startElement(start, SIMPLE_START_TAG.lastIndex, m[1]!, attributes, m[3] === '/');
      return;
    }
    this.openTagCarefully(start);
  }

  /** Splits an attribute list SIMPLE_START_TAG has already validated: (space+ name="value")*. */
  private simpleAttributes(list: string, start: number): XmlAttributes {
    const attributes: string[] = [];
    let i = 0;
    while (i < list.length) {
      while (isSpace(list.charCodeAt(i))) i++;
      const eq = list.indexOf('=', i);
      const name = list.slice(i, eq);
      const close = list.indexOf(list[eq + 1]!, eq + 2);
      if (attribute(attributes, name) !== undefined) throw this.error('XML_MALFORMED', `duplicate attribute ${name}`, start);
      attributes.push(name, list.slice(eq + 2, close));
      i = close + 1;
    }
    return attributes;
  }

  private startElement(start: number, end: number, name: string, attributes: XmlAttributes, selfClosing: boolean): void {
    if (this.rootClosed) throw this.error('XML_MALFORMED', 'a second root element', start);
    this.sawRoot = true;
    this.pos = end;
    this.eventStart = start;
    if (!selfClosing) this.stack.push(name);
    this.events.open(name, attributes);
    if (selfClosing) {
      if (this.stack.length === 0) this.rootClosed = true;
      this.events.close(name);
    }
  }

  private openTagCarefully(start: number): void {
    const buf = this.buf;
    const len = buf.length;
    let i = start + 1;
    if (!isNameStart(buf.charCodeAt(i))) throw this.error('XML_MALFORMED', 'invalid element name', i);
    while (i < len && isNameChar(buf.charCodeAt(i))) i++;
    const name = buf.slice(start + 1, i);
    const attributes: string[] = [];
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
      while (i < len && isNameChar(buf.charCodeAt(i))) i++;
      const attr = buf.slice(nameStart, i);
      while (i < len && isSpace(buf.charCodeAt(i))) i++;
      if (i >= len) this.incomplete(start);
      if (buf.charCodeAt(i) !== 61 /* = */) throw this.error('XML_MALFORMED', `attribute ${attr} without a value`, i);
      i++;
      while (i < len && isSpace(buf.charCodeAt(i))) i++;
      if (i >= len) this.incomplete(start);
      const quote = buf.charCodeAt(i);
      if (quote !== 34 && quote !== 39) throw this.error('XML_MALFORMED', `attribute ${attr}: value must be quoted`, i);
      const close = buf.indexOf(quote === 34 ? '"' : "'", i + 1);
      if (close < 0) this.incomplete(start);
      let value = buf.slice(i + 1, close);
      if (value.includes('<')) throw this.error('XML_MALFORMED', `attribute ${attr}: "<" in a value`, i + 1 + value.indexOf('<'));
      if (value.includes('&')) value = this.decode(value, i + 1);
      if (/[\t\n\r]/.test(value)) value = value.replace(/\r\n|[\t\n\r]/g, ' ');
      if (attribute(attributes, attr) !== undefined) throw this.error('XML_MALFORMED', `duplicate attribute ${attr}`, nameStart);
      attributes.push(attr, value);
      i = close + 1;
    }
    this.startElement(start, i, name, attributes, selfClosing);
  }

  /** Replaces entity and character references; anything else after "&" is an error. */
  private decode(raw: string, at: number): string {
    let out = '';
    let last = 0;
    for (let amp = raw.indexOf('&'); amp >= 0; amp = raw.indexOf('&', last)) {
      const semi = raw.indexOf(';', amp);
      if (semi < 0) throw this.error('XML_MALFORMED', '"&" must start an entity or character reference', at + amp);
      const ref = raw.slice(amp + 1, semi);
      let ch: string | undefined;
      if (ref.startsWith('#x')) ch = /^#x[0-9a-fA-F]+$/.test(ref) ? codePoint(Number.parseInt(ref.slice(2), 16)) : undefined;
      else if (ref.startsWith('#')) ch = /^#[0-9]+$/.test(ref) ? codePoint(Number.parseInt(ref.slice(1), 10)) : undefined;
      else ch = PREDEFINED[ref];
      if (ch === undefined) throw this.error('XML_MALFORMED', `undefined entity or bad character reference "&${ref};"`, at + amp);
      out += raw.slice(last, amp) + ch;
      last = semi + 1;
    }
    return out + raw.slice(last);
  }
}

function codePoint(n: number): string | undefined {
  if (n === 0x9 || n === 0xa || n === 0xd || (n >= 0x20 && n <= 0xd7ff) || (n >= 0xe000 && n <= 0xfffd) || (n >= 0x10000 && n <= 0x10ffff))
    return String.fromCodePoint(n);
  return undefined;
}

/**
 * The streaming XML driver under every repodata reader: bytes (any
 * compression) → UTF-8 text → tokenizer events (xml-tokenizer.ts) → records. Input is fed in slices
 * of at most 64 KiB and the records finished by each slice are handed out
 * before the next slice is read, so memory is bounded by one package however
 * large the document (or the caller's chunks) are.
 */
import type { ByteSource } from '../bytes.js';
import { decompress } from '../compress/index.js';
import { DistrokitError, type ErrorCode } from '../errors.js';
import { attribute, type XmlAttributes, XmlTokenizer } from './xml-tokenizer.js';

export { attribute, type XmlAttributes };

const SLICE = 64 * 1024;

export interface XmlReadOptions {
  /** Name used in error messages. */
  file?: string;
  /** Maximum decompressed size (decompression bombs); unlimited by default. */
  maxOutput?: number;
}

/** Receives the events of one document and queues finished records in `out`. */
export interface XmlRecordHandler<T> {
  open(name: string, attributes: XmlAttributes, at: XmlPosition): void;
  close(name: string, at: XmlPosition): void;
  text(text: string): void;
  /** False while text is of no interest (lets the tokenizer skip it). */
  wantsText?(): boolean;
  /**
   * Element local names and attribute names the handler compares against.
   * They reach the handler as these very strings, so comparing them with the
   * handler's literals is a pointer comparison.
   */
  readonly names?: readonly string[];
  /** Called after the document ended without an XML error: checks the root was right. */
  end?(at: XmlPosition): void;
  readonly out: T[];
}

/** Where the parser is, for errors raised by handlers. */
export interface XmlPosition {
  readonly file: string | undefined;
  readonly line: number;
  readonly column: number;
}

/** Streams the records a handler builds from an XML document. */
export async function* readXmlRecords<T>(source: ByteSource, handler: XmlRecordHandler<T>, options: XmlReadOptions = {}): AsyncGenerator<T> {
  const file = options.file;
  let tokenizer: XmlTokenizer | undefined;
  const position: XmlPosition = {
    file,
    get line() {
      return tokenizer!.currentLine;
    },
    get column() {
      return tokenizer!.position.column;
    },
  };
  tokenizer = new XmlTokenizer(
    {
      open: (_qname, attributes, local) => handler.open(local, attributes, position),
      close: (_qname, local) => handler.close(local, position),
      text: (text) => handler.text(text),
      wantsText: handler.wantsText ? () => handler.wantsText!() : undefined,
    },
    file,
    handler.names,
  );

  // The tokenizer takes the UTF-8 bytes itself (it reads them as Latin-1 and re-decodes only what it hands out).
  for await (const chunk of decompress(source, { file, maxOutput: options.maxOutput })) {
    for (let at = 0; at < chunk.byteLength; at += SLICE) {
      tokenizer.writeBytes(chunk.subarray(at, Math.min(at + SLICE, chunk.byteLength)));
      // A plain yield per record: yield* over an array goes through an async-from-sync iterator, measured ~1.5x dearer.
      if (handler.out.length > 0) for (const record of handler.out.splice(0)) yield record;
    }
  }
  tokenizer.end();
  handler.end?.(position);
  if (handler.out.length > 0) for (const record of handler.out.splice(0)) yield record;
}

/** A typed error at the parser's current position. */
export function xmlError(code: ErrorCode, message: string, at: XmlPosition, extra: Record<string, unknown> = {}): DistrokitError {
  return new DistrokitError(code, message, { file: at.file, line: at.line, column: at.column, ...extra });
}

/** An attribute that must parse as a non-negative integer, or undefined when absent. */
export function integerAttribute(attributes: XmlAttributes, name: string, at: XmlPosition): number | undefined {
  const raw = attribute(attributes, name);
  if (raw === undefined || raw === '') return undefined;
  const n = digitsValue(raw);
  if (n >= 0) return n;
  if (!/^\d+$/.test(raw.trim())) throw xmlError('REPODATA_BAD_NUMBER', `attribute ${name}="${raw}" is not a non-negative integer`, at);
  return Number(raw.trim());
}

/**
 * The value of a string of at most 15 ASCII digits (exact in a double), or -1:
 * the common case of integerAttribute, without a regex, a trim and Number().
 */
function digitsValue(s: string): number {
  if (s.length > 15) return -1;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

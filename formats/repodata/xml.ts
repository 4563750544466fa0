/**
 * The streaming XML driver under every repodata reader: bytes (any
 * compression) → UTF-8 text → saxes events → records. Input is fed in slices
 * of at most 64 KiB and the records finished by each slice are handed out
 * before the next slice is read, so memory is bounded by one package however
 * large the document (or the caller's chunks) are.
 */
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import type { ByteSource } from '../bytes.js';
import { decompress } from '../compress/index.js';
import { DistrokitError } from '../errors.js';

const SLICE = 64 * 1024;

export interface XmlReadOptions {
  /** Name used in error messages. */
  file?: string;
  /** Maximum decompressed size (decompression bombs); unlimited by default. */
  maxOutput?: number;
}

/** Receives the events of one document and queues finished records in `out`. */
export interface XmlRecordHandler<T> {
  open(name: string, attributes: Record<string, string>, at: XmlPosition): void;
  close(name: string, at: XmlPosition): void;
  text(text: string): void;
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

/** The local part of a qualified name: readers match `rpm:entry` whatever prefix the document binds. */
export function localName(qname: string): string {
  const colon = qname.indexOf(':');
  return colon < 0 ? qname : qname.slice(colon + 1);
}

/** Streams the records a handler builds from an XML document. */
export async function* readXmlRecords<T>(source: ByteSource, handler: XmlRecordHandler<T>, options: XmlReadOptions = {}): AsyncGenerator<T> {
  const file = options.file;
  const parser = new SaxesParser({ xmlns: false, position: true });
  const position: XmlPosition = {
    file,
    get line() {
      return parser.line;
    },
    get column() {
      return parser.column + 1;
    },
  };
  let closing = false;
  parser.on('error', (err: Error) => {
    throw new DistrokitError(closing ? 'XML_TRUNCATED' : 'XML_MALFORMED', stripPosition(err.message), {
      file,
      line: parser.line,
      column: parser.column + 1,
    });
  });
  // saxes reports a close tag before it checks that the name matches, so a
  // close is delivered one step late: a mismatch then fails first as XML.
  let pendingClose: string | null = null;
  const flushClose = () => {
    if (pendingClose === null) return;
    const name = pendingClose;
    pendingClose = null;
    handler.close(name, position);
  };
  parser.on('opentag', (tag: SaxesTagPlain) => {
    flushClose();
    handler.open(localName(tag.name), tag.attributes, position);
  });
  parser.on('closetag', (tag: SaxesTagPlain) => {
    flushClose();
    pendingClose = localName(tag.name);
  });
  parser.on('text', (text: string) => {
    flushClose();
    handler.text(text);
  });
  parser.on('cdata', (text: string) => {
    flushClose();
    handler.text(text);
  });

  const decoder = new TextDecoder('utf-8');
  let sawBytes = false;
  for await (const chunk of decompress(source, { file, maxOutput: options.maxOutput })) {
    for (let at = 0; at < chunk.byteLength; at += SLICE) {
      sawBytes = true;
      parser.write(decoder.decode(chunk.subarray(at, Math.min(at + SLICE, chunk.byteLength)), { stream: true }));
      flushClose();
      if (handler.out.length > 0) yield* handler.out.splice(0);
    }
  }
  if (!sawBytes) throw new DistrokitError('XML_TRUNCATED', 'empty document', { file, line: 1, column: 1 });
  const tail = decoder.decode();
  if (tail) parser.write(tail);
  closing = true;
  parser.close();
  flushClose();
  handler.end?.(position);
  if (handler.out.length > 0) yield* handler.out.splice(0);
}

/** saxes prefixes its messages with "file:line:column: "; our error carries those as data. */
function stripPosition(message: string): string {
  return message.replace(/^(?:[^:]*:)?\d+:\d+: /, '');
}

/** A typed error at the parser's current position. */
export function xmlError(code: string, message: string, at: XmlPosition, extra: Record<string, unknown> = {}): DistrokitError {
  return new DistrokitError(code, message, { file: at.file, line: at.line, column: at.column, ...extra });
}

/** An attribute that must parse as a non-negative integer, or undefined when absent. */
export function integerAttribute(attributes: Record<string, string>, name: string, at: XmlPosition): number | undefined {
  const raw = attributes[name];
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d+$/.test(raw.trim())) throw xmlError('REPODATA_BAD_NUMBER', `attribute ${name}="${raw}" is not a non-negative integer`, at);
  return Number(raw.trim());
}

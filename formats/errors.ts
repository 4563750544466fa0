/**
 * The one error class of distrokit. Every failure a user can cause with bad
 * input carries a stable `code` and a position, so callers can branch on the
 * code and print the position without parsing the message.
 */

import { type ErrorCode, isErrorCode } from './error-codes.js';

export { ERROR_CODES, ERROR_CODE_MEANINGS, type ErrorCode, type ErrorLayer, isErrorCode } from './error-codes.js';

// A type alias (not an interface) so that it is assignable to ErrorData's index signature.
export type ErrorPosition = {
  /** File name (or a label such as "<stdin>") of the input. */
  file?: string;
  /** 1-based line of a text input. */
  line?: number;
  /** 1-based column of a text input. */
  column?: number;
  /** Byte offset into the (decompressed) input. */
  offset?: number;
  /** Archive member / entry / package name the error is about. */
  entry?: string;
};

export interface ErrorData extends ErrorPosition {
  [key: string]: unknown;
}

/**
 * A DistrokitError as plain data (JSON and structured-clone safe): its position
 * data, `code`, and `message` with the position prefix. An INTERNAL error (one
 * that was not a DistrokitError) also carries the original `stack`.
 */
export type DistrokitErrorJSON = ErrorData & { code: ErrorCode; message: string; stack?: string };

export class DistrokitError extends Error {
  readonly code: ErrorCode;
  readonly data: ErrorData;
  /** The message without the position prefix. */
  readonly detail: string;

  constructor(code: ErrorCode, message: string, data: ErrorData = {}, options?: { cause?: unknown }) {
    super(formatMessage(message, data), options);
    this.name = 'DistrokitError';
    this.code = code;
    this.data = data;
    this.detail = message;
  }

  /** The same error with more position data (e.g. the file name a low-level reader did not know). */
  withPosition(extra: ErrorData): DistrokitError {
    const data: ErrorData = { ...extra, ...this.data };
    if (extra.file && !this.data.file) data.file = extra.file;
    const err = new DistrokitError(this.code, this.detail, data, { cause: this.cause });
    if (this.code === 'INTERNAL') err.stack = this.stack;
    return err;
  }

  toJSON(): DistrokitErrorJSON {
    const json: DistrokitErrorJSON = { ...this.data, code: this.code, message: this.message };
    if (this.code === 'INTERNAL' && this.stack !== undefined) json.stack = this.stack;
    return json;
  }

  /**
   * Any thrown value as DistrokitErrorJSON, e.g. to post it from a worker
   * thread: a DistrokitError as its toJSON(); anything else as an INTERNAL
   * error keeping its message and stack.
   */
  static toJSONOf(err: unknown): DistrokitErrorJSON {
    if (err instanceof DistrokitError) return err.toJSON();
    if (err instanceof Error) return { code: 'INTERNAL', message: `${err.name}: ${err.message}`, ...(err.stack !== undefined && { stack: err.stack }) };
    return { code: 'INTERNAL', message: String(err) };
  }

  /**
   * The inverse of toJSON(): the same code, detail, message and data (and for
   * INTERNAL the original stack). A code that is not registered (JSON from
   * elsewhere) becomes INTERNAL.
   */
  static fromJSON(json: DistrokitErrorJSON): DistrokitError {
    const { code, message, stack, ...data } = json;
    const prefix = positionPrefix(data);
    const detail = prefix && message.startsWith(`${prefix}: `) ? message.slice(prefix.length + 2) : message;
    if (!isErrorCode(code)) return new DistrokitError('INTERNAL', `${String(code)}: ${detail}`, data);
    const err = new DistrokitError(code, detail, data);
    if (code === 'INTERNAL' && stack !== undefined) err.stack = stack;
    return err;
  }

  /** Re-throws anything as a DistrokitError with position data added. */
  static wrap(err: unknown, code: ErrorCode, data: ErrorData): DistrokitError {
    if (err instanceof DistrokitError) return err.withPosition(data);
    const message = err instanceof Error ? err.message : String(err);
    return new DistrokitError(code, message, data, { cause: err });
  }
}

/**
 * Whether `err` is a Node system error (ENOENT, EISDIR, EACCES …), as opening
 * or reading a file the user named gives: bad input, not a bug.
 */
export function isSystemError(err: unknown): err is NodeJS.ErrnoException {
  if (!(err instanceof Error) || err instanceof DistrokitError) return false;
  const code = (err as NodeJS.ErrnoException).code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code);
}

export function isDistrokitError(err: unknown, code?: ErrorCode): err is DistrokitError {
  return err instanceof DistrokitError && (code === undefined || err.code === code);
}

function positionPrefix(data: ErrorPosition): string {
  const parts: string[] = [];
  if (data.file) parts.push(data.file);
  if (data.line !== undefined) parts.push(String(data.line));
  if (data.column !== undefined) parts.push(String(data.column));
  let prefix = parts.join(':');
  if (data.offset !== undefined) prefix += `${prefix ? ' ' : ''}@${data.offset}`;
  if (data.entry !== undefined) prefix += `${prefix ? ' ' : ''}[${data.entry}]`;
  return prefix;
}

function formatMessage(message: string, data: ErrorPosition): string {
  const prefix = positionPrefix(data);
  return prefix ? `${prefix}: ${message}` : message;
}

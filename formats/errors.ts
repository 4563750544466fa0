/**
 * The one error class of distrokit. Every failure a user can cause with bad
 * input carries a stable `code` and a position, so callers can branch on the
 * code and print the position without parsing the message.
 */

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

export class DistrokitError extends Error {
  readonly code: string;
  readonly data: ErrorData;
  /** The message without the position prefix. */
  readonly detail: string;

  constructor(code: string, message: string, data: ErrorData = {}, options?: { cause?: unknown }) {
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
    return new DistrokitError(this.code, this.detail, data, { cause: this.cause });
  }

  toJSON(): { code: string; message: string } & ErrorData {
    return { ...this.data, code: this.code, message: this.message };
  }

  /** Re-throws anything as a DistrokitError with position data added. */
  static wrap(err: unknown, code: string, data: ErrorData): DistrokitError {
    if (err instanceof DistrokitError) return err.withPosition(data);
    const message = err instanceof Error ? err.message : String(err);
    return new DistrokitError(code, message, data, { cause: err });
  }
}

export function isDistrokitError(err: unknown, code?: string): err is DistrokitError {
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

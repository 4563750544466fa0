/**
 * Reading files the user names. A file that cannot be opened or read (ENOENT,
 * EISDIR, EACCES …) is bad input, so it becomes a DistrokitError with the
 * caller's code and the file name, never an internal error.
 */
import { createReadStream } from 'node:fs';
import { DistrokitError, type ErrorCode, isSystemError } from './errors.js';

/**
 * `err` as a `code` error naming `file` if it is a system error (else
 * unchanged, to be rethrown); `failed` says what could not be done.
 */
export function systemErrorAs(err: unknown, code: ErrorCode, file: string, failed = 'cannot read'): unknown {
  if (!isSystemError(err)) return err;
  return new DistrokitError(code, `${failed}: ${err.message}`, { file, errno: err.code }, { cause: err });
}

/** The bytes of the file at `path` in chunks (1 MiB by default); `label` names it in errors (default: the path). */
export async function* readFileChunks(path: string, code: ErrorCode, options: { label?: string; chunkSize?: number } = {}): AsyncGenerator<Uint8Array> {
  try {
    yield* createReadStream(path, { highWaterMark: options.chunkSize ?? 1 << 20 }) as AsyncIterable<Uint8Array>;
  } catch (err) {
    throw systemErrorAs(err, code, options.label ?? path);
  }
}

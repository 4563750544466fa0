/**
 * The one way distrokit writes an output file: into a temporary file next to
 * the target (same filesystem, so the rename is atomic), renamed into place only
 * when everything was written. A failed or interrupted write never leaves a
 * file at the target's name that looks finished.
 */
import { type FileHandle, open, rename, unlink } from 'node:fs/promises';
import { DistrokitError } from '../../formats/errors.js';
import type { ErrorCode } from '../../formats/error-codes.js';

/** The temporary name used while `out` is written. */
export function temporaryOutputPath(out: string): string {
  return `${out}.tmp-${process.pid}`;
}

/**
 * Creates the temporary file, hands it to `write`, and renames it to `out`.
 * On any failure the temporary file is removed; a DistrokitError from `write`
 * passes through, anything else (ENOENT for a missing directory, EISDIR,
 * ENOSPC …) becomes `code` naming `out`.
 */
export async function writeOutputFile<T>(out: string, code: ErrorCode, write: (file: FileHandle, path: string) => Promise<T>): Promise<T> {
  const tmp = temporaryOutputPath(out);
  let fh: FileHandle | null = null;
  try {
    fh = await open(tmp, 'wx');
    const result = await write(fh, tmp);
    await fh.close();
    fh = null;
    await rename(tmp, out);
    return result;
  } catch (err) {
    if (fh) await fh.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw err instanceof DistrokitError ? err : DistrokitError.wrap(err, code, { file: out });
  }
}

/**
 * A small file fetched whole into memory (InRelease, Release.gpg, an index of
 * a few MB, repomd.xml), for metadata whose checksum is not known before it
 * arrives or has to be checked two ways: nothing is written to disk here, so
 * no unverified byte can be left in a cache. Each attempt is the download
 * engine's `openSource` (keep-alive, inactivity timeout → FETCH_TIMEOUT);
 * transient failures (network errors, a stall, a short body, 5xx, 429, 408)
 * are retried with backoff like the engine's, then FETCH_RETRIES_EXHAUSTED.
 * 404/410 (or a missing file://) is "absent" for optional files (fallbacks:
 * InRelease → Release, by-hash → plain path).
 */
import { concatBytes } from '../../formats/bytes.js';
import { DistrokitError } from '../../formats/errors.js';
import { isTransient, openSource, transient } from './source.js';

export interface FetchBytesOptions {
  /** Milliseconds without any byte arriving before an attempt fails (default 30 s). */
  timeoutMs?: number;
  /** Attempts after the first for transient failures (default 3). */
  retries?: number;
  /** First backoff in ms, doubled per retry (default 500). */
  backoffMs?: number;
  /** Refuse bodies larger than this (default 512 MiB): FETCH_SIZE_MISMATCH. */
  maxBytes?: number;
  /** Return undefined on 404/410 (or a missing file://) instead of failing. */
  optional?: boolean;
}

/** The body of `url` (http, https or file), or undefined when `optional` and absent. */
export async function fetchBytes(url: string, options: FetchBytesOptions = {}): Promise<Uint8Array | undefined> {
  const retries = options.retries ?? 3;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fetchOnce(url, options);
    } catch (err) {
      const error = DistrokitError.wrap(err, 'FETCH_FAILED', { file: url });
      if (options.optional && isAbsent(error)) return undefined;
      if (!isTransient(error)) throw withoutMarker(error);
      if (attempt >= retries)
        throw new DistrokitError('FETCH_RETRIES_EXHAUSTED', `${attempt + 1} attempts failed; the last: ${error.code}: ${error.detail}`, { file: url, attempts: attempt + 1, last: error.code }, { cause: error });
      await new Promise((r) => setTimeout(r, (options.backoffMs ?? 500) * 2 ** attempt));
    }
  }
}

function isAbsent(err: DistrokitError): boolean {
  return err.code === 'FETCH_NOT_FOUND' || (err.code === 'FETCH_HTTP_STATUS' && (err.data.status === 404 || err.data.status === 410));
}

function withoutMarker(err: DistrokitError): DistrokitError {
  if (!('transient' in err.data)) return err;
  const { transient: _, ...data } = err.data;
  return new DistrokitError(err.code, err.detail, data, { cause: err.cause });
}

async function fetchOnce(url: string, options: FetchBytesOptions): Promise<Uint8Array> {
  const maxBytes = options.maxBytes ?? 512 << 20;
  const source = await openSource(url, { offset: 0, timeoutMs: options.timeoutMs ?? 30_000 });
  if (source.length !== undefined && source.length > maxBytes) {
    source.body.destroy();
    throw new DistrokitError('FETCH_SIZE_MISMATCH', `${source.length} bytes announced, more than the ${maxBytes} expected`, { file: url });
  }
  const parts: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of source.body as AsyncIterable<Buffer>) {
      size += chunk.byteLength;
      if (size > maxBytes) throw new DistrokitError('FETCH_SIZE_MISMATCH', `more than the ${maxBytes} bytes expected`, { file: url, offset: size });
      parts.push(chunk);
    }
  } catch (err) {
    source.body.destroy();
    if (err instanceof DistrokitError) throw err;
    throw transient('FETCH_FAILED', (err as Error).message, url, { offset: size }, err);
  }
  if (source.length !== undefined && size !== source.length) throw transient('FETCH_FAILED', `the connection closed after ${size} of ${source.length} bytes`, url, { offset: size });
  return concatBytes(parts, size);
}

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
import { openSource, transient, withRetries } from './source.js';

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
export function fetchBytes(url: string, options: FetchBytesOptions = {}): Promise<Uint8Array | undefined> {
  return withRetries(url, undefined, options, async () => {
    try {
      return await fetchOnce(url, options);
    } catch (err) {
      if (options.optional && err instanceof DistrokitError && isAbsent(err)) return undefined;
      throw err;
    }
  });
}

function isAbsent(err: DistrokitError): boolean {
  return err.code === 'FETCH_NOT_FOUND' || (err.code === 'FETCH_HTTP_STATUS' && (err.data.status === 404 || err.data.status === 410));
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

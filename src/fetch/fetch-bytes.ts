/**
 * A small file fetched whole into memory (InRelease, Release.gpg, an index of
 * a few MB, repomd.xml), for metadata whose checksum is not known before it
 * arrives or has to be checked two ways: nothing is written to disk here, so
 * no unverified byte can be left in a cache. Transient failures (network
 * errors, a stall, 5xx, 429, 408) are retried with backoff; 404/410 is
 * "absent" for optional files (fallbacks: InRelease → Release, by-hash →
 * plain path).
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { concatBytes } from '../../formats/bytes.js';
import { DistrokitError } from '../../formats/errors.js';

export interface FetchBytesOptions {
  /** Milliseconds without any byte arriving before an attempt fails (default 30 s). */
  timeoutMs?: number;
  /** Attempts after the first for transient failures (default 3). */
  retries?: number;
  /** Refuse bodies larger than this (default 512 MiB). */
  maxBytes?: number;
  /** Return undefined on 404/410 (or a missing file://) instead of failing. */
  optional?: boolean;
  /** First backoff in ms, doubled per retry (default 500). */
  backoffMs?: number;
}

const TRANSIENT_STATUS = new Set([408, 429, 500, 502, 503, 504]);

class Transient extends Error {
  constructor(readonly error: DistrokitError) {
    super(error.message);
  }
}

/** The body of `url` (http, https or file), or undefined when `optional` and absent. */
export async function fetchBytes(url: string, options: FetchBytesOptions = {}): Promise<Uint8Array | undefined> {
  const retries = options.retries ?? 3;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fetchOnce(url, options);
    } catch (err) {
      if (!(err instanceof Transient)) throw err;
      if (attempt >= retries) throw err.error;
      await new Promise((r) => setTimeout(r, (options.backoffMs ?? 500) * 2 ** attempt));
    }
  }
}

async function fetchOnce(url: string, options: FetchBytesOptions): Promise<Uint8Array | undefined> {
  const u = new URL(url);
  const maxBytes = options.maxBytes ?? 512 << 20;
  if (u.protocol === 'file:') {
    try {
      const data = await readFile(fileURLToPath(u));
      if (data.byteLength > maxBytes) throw new DistrokitError('FETCH_SIZE_MISMATCH', `more than ${maxBytes} bytes`, { file: url });
      return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    } catch (err) {
      if (options.optional && (err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw DistrokitError.wrap(err, 'FETCH_FAILED', { file: url });
    }
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new DistrokitError('FETCH_FAILED', `unsupported URL scheme ${u.protocol} (http:, https:, file:)`, { file: url });
  const timeoutMs = options.timeoutMs ?? 30_000;
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(), timeoutMs);
  };
  const stalled = () => new Transient(new DistrokitError('FETCH_FAILED', `timed out: no data for ${timeoutMs} ms`, { file: url, timeout: true }));
  arm();
  try {
    let response: Response;
    try {
      response = await fetch(url, { signal: controller.signal, headers: { 'user-agent': 'distrokit' } });
    } catch (err) {
      if (controller.signal.aborted) throw stalled();
      throw new Transient(DistrokitError.wrap(err, 'FETCH_FAILED', { file: url }));
    }
    if (response.status === 404 || response.status === 410) {
      await response.body?.cancel().catch(() => {});
      if (options.optional) return undefined;
    }
    if (!response.ok || !response.body) {
      await response.body?.cancel().catch(() => {});
      const err = new DistrokitError('FETCH_HTTP_STATUS', `HTTP ${response.status} ${response.statusText}`, { file: url, status: response.status });
      throw TRANSIENT_STATUS.has(response.status) ? new Transient(err) : err;
    }
    const announced = Number(response.headers.get('content-length') ?? Number.NaN);
    if (announced > maxBytes) throw new DistrokitError('FETCH_SIZE_MISMATCH', `${announced} bytes announced, more than ${maxBytes}`, { file: url });
    const parts: Uint8Array[] = [];
    let size = 0;
    const reader = response.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        arm();
        size += value.byteLength;
        if (size > maxBytes) throw new DistrokitError('FETCH_SIZE_MISMATCH', `more than ${maxBytes} bytes`, { file: url, offset: size });
        parts.push(value);
      }
    } catch (err) {
      if (err instanceof DistrokitError) throw err;
      if (controller.signal.aborted) throw stalled();
      throw new Transient(DistrokitError.wrap(err, 'FETCH_FAILED', { file: url, offset: size }));
    }
    if (!Number.isNaN(announced) && size !== announced)
      throw new Transient(new DistrokitError('FETCH_FAILED', `connection closed after ${size} of ${announced} bytes`, { file: url, offset: size }));
    return concatBytes(parts, size);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * One attempt at reading a URL's bytes from an offset: an http(s) GET (with
 * a Range header to resume, keep-alive connections, an inactivity timeout
 * that covers both the wait for headers and a stalled body) or a file:// read.
 * Errors are DistrokitErrors marked transient (worth a retry) or not.
 */
import { createReadStream } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { DistrokitError } from '../../formats/errors.js';
import { regularFileSize } from './checksum.js';

export interface SourceOptions {
  /** Bytes already held: ask for the rest (a Range request). */
  offset: number;
  /** Milliseconds without any byte arriving before the attempt fails (FETCH_TIMEOUT). */
  timeoutMs: number;
}

export interface OpenedSource {
  body: Readable;
  /** Whether the body continues from `offset` (206, or a file read); false: it starts at byte 0. */
  resumed: boolean;
  /** Body length the server announced (Content-Length), if any. */
  length?: number;
}

/** Keep-alive agents shared by every download of the process (idle sockets do not hold the process open). */
const agents = { http: new HttpAgent({ keepAlive: true, maxSockets: 16 }), https: new HttpsAgent({ keepAlive: true, maxSockets: 16 }) };

/** Whether `err` is worth another attempt (network trouble, a timeout, a 5xx/429/408), as open() and the engine mark it. */
function isTransient(err: unknown): boolean {
  return err instanceof DistrokitError && err.data.transient === true;
}

export function transient(code: 'FETCH_FAILED' | 'FETCH_TIMEOUT' | 'FETCH_HTTP_STATUS', message: string, url: string, extra: Record<string, unknown> = {}, cause?: unknown): DistrokitError {
  return new DistrokitError(code, message, { file: url, transient: true, ...extra }, cause === undefined ? undefined : { cause });
}

export interface RetryOptions {
  /** Attempts after the first on transient failures (default 3). */
  retries?: number;
  /** First backoff delay in ms, doubled at each retry (default 500). */
  backoffMs?: number;
  onRetry?: (attempt: number, delayMs: number, error: DistrokitError) => void;
}

/**
 * Runs `attempt` until it succeeds, retrying transient failures with
 * exponential backoff: a failure that is not transient is thrown as it is
 * (without the engine's markers), the last transient one as
 * FETCH_RETRIES_EXHAUSTED naming `url`.
 */
export async function withRetries<T>(url: string, entry: string | undefined, options: RetryOptions, attempt: (n: number) => Promise<T>): Promise<T> {
  const retries = options.retries ?? 3;
  for (let n = 0; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      const error = DistrokitError.wrap(err, 'FETCH_FAILED', { file: url, entry });
      if (!isTransient(error)) throw withoutInternals(error, url, entry);
      if (n >= retries)
        throw new DistrokitError('FETCH_RETRIES_EXHAUSTED', `${n + 1} attempts failed; the last: ${error.code}: ${error.detail}`, { file: url, entry, attempts: n + 1, last: error.code }, { cause: error });
      const delayMs = (options.backoffMs ?? 500) * 2 ** n;
      options.onRetry?.(n + 1, delayMs, error);
      await new Promise((ok) => setTimeout(ok, delayMs));
    }
  }
}

/** The error as callers see it: position data, none of the engine's markers (transient, restart). */
function withoutInternals(err: DistrokitError, url: string, entry: string | undefined): DistrokitError {
  if (!('transient' in err.data) && !('restart' in err.data) && err.data.file !== undefined) return err;
  const { transient: _t, restart: _r, ...data } = err.data;
  return new DistrokitError(err.code, err.detail, { ...data, file: data.file ?? url, entry: data.entry ?? entry }, { cause: err.cause });
}

/** Redirects followed before a download fails (mirror networks such as download.opensuse.org answer with one). */
const MAX_REDIRECTS = 5;

/** Opens `url` at `options.offset`, following redirects; the body stream errors with FETCH_TIMEOUT when it stalls. */
export async function openSource(url: string, options: SourceOptions): Promise<OpenedSource> {
  let current = url;
  for (let hops = 0; ; hops++) {
    const u = new URL(current);
    if (u.protocol === 'file:') {
      if (hops > 0) throw new DistrokitError('FETCH_BAD_URL', `${url} redirects to a file: URL`, { file: url });
      return openFile(current, options.offset);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new DistrokitError('FETCH_BAD_URL', `unsupported URL scheme ${u.protocol} (file:, http:, https:, mirror:)`, { file: url });
    const res = await get(u, current, options);
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if ([301, 302, 303, 307, 308].includes(status) && location) {
      res.resume();
      if (hops >= MAX_REDIRECTS) throw new DistrokitError('FETCH_HTTP_STATUS', `more than ${MAX_REDIRECTS} redirects`, { file: url, status });
      current = new URL(location, current).href;
      continue;
    }
    return answer(res, current, options);
  }
}

function get(u: URL, url: string, options: SourceOptions): Promise<IncomingMessage> {
  const request = u.protocol === 'https:' ? httpsRequest : httpRequest;
  const headers: Record<string, string> = { 'user-agent': 'distrokit', 'accept-encoding': 'identity' };
  if (options.offset > 0) headers.range = `bytes=${options.offset}-`;
  return new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(u, { headers, agent: u.protocol === 'https:' ? agents.https : agents.http });
    let response: IncomingMessage | undefined;
    // The socket's inactivity timer runs until the response ends: it catches a stalled body too.
    req.setTimeout(options.timeoutMs, () => {
      const err = transient('FETCH_TIMEOUT', `no data for ${options.timeoutMs} ms`, url);
      response?.destroy(err);
      req.destroy(err);
    });
    req.on('error', (err) => reject(err instanceof DistrokitError ? err : transient('FETCH_FAILED', err.message, url, {}, err)));
    req.on('response', (r) => resolve((response = r)));
    req.end();
  });
}

/** The response as a body to read, or the error its status means. */
function answer(res: IncomingMessage, url: string, options: SourceOptions): OpenedSource {
  const status = res.statusCode ?? 0;
  if (status === 416 && options.offset > 0) {
    // The held bytes are not a prefix the server can continue (the file is shorter): start over.
    res.resume();
    throw new DistrokitError('FETCH_RANGE_NOT_SATISFIABLE', 'the server cannot continue the partial file', { file: url, offset: options.offset, restart: true });
  }
  if (status !== 200 && status !== 206) {
    res.resume();
    const message = `HTTP ${status} ${res.statusMessage ?? ''}`.trim();
    if (status >= 500 || status === 429 || status === 408) throw transient('FETCH_HTTP_STATUS', message, url, { status });
    throw new DistrokitError('FETCH_HTTP_STATUS', message, { file: url, status });
  }
  let resumed = false;
  if (status === 206) {
    const m = /^bytes (\d+)-/.exec(res.headers['content-range'] ?? '');
    if (!m || Number(m[1]) !== options.offset) {
      res.destroy();
      throw new DistrokitError('FETCH_RANGE_NOT_SATISFIABLE', `the server answered the range from byte ${m?.[1] ?? '?'}, not ${options.offset}`, { file: url, offset: options.offset, restart: true });
    }
    resumed = true;
  }
  const length = res.headers['content-length'] !== undefined ? Number(res.headers['content-length']) : undefined;
  return { body: res, resumed, length: Number.isFinite(length) ? length : undefined };
}

async function openFile(url: string, offset: number): Promise<OpenedSource> {
  const path = fileURLToPath(url);
  const size = await regularFileSize(path, 'FETCH_NOT_FOUND', { file: url });
  const start = offset <= size ? offset : 0;
  return { body: createReadStream(path, { start, highWaterMark: 1 << 20 }), resumed: start > 0, length: size - start };
}

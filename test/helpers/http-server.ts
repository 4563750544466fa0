/**
 * A real HTTP server on 127.0.0.1 (node:http, a free port) that serves a
 * directory, for testing downloads against the network paths they meet in
 * the wild: per-path faults (an HTTP status for the first K requests, a
 * redirect, * stall before or in the middle of the body, a body cut short with a correct
 * or a lying Content-Length), Range requests (resume), per-request latency,
 * and a log of every request. close() destroys every socket, stalled ones
 * included, so a test never leaves a handle open.
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { resolve, sep } from 'node:path';

/** What goes wrong with a path's responses (for the first `times` requests, default every one). */
export interface Fault {
  /** Answer with this HTTP status (and a short text body) instead of the file. */
  status?: number;
  /** Answer 302 with this Location (absolute, or relative to the request). */
  redirect?: string;
  /** Accept the request and never answer (no status line). */
  stall?: boolean;
  /** Send the headers and this many body bytes, then stop sending (the socket stays open). */
  stallAfter?: number;
  /** Send only this many body bytes, then close the connection. */
  truncateAt?: number;
  /** With truncateAt: Content-Length gives the full size ('lie', the default) or the truncated one ('short'). */
  length?: 'lie' | 'short';
  /** Serve these bytes instead of the file (a tampered copy). */
  body?: Uint8Array;
  /** How many requests the fault applies to before the path is served normally (default: all). */
  times?: number;
}

export interface RequestRecord {
  method: string;
  /** The decoded URL path, without query. */
  path: string;
  /** The Range header, when the client sent one. */
  range?: string;
  /** The status answered (0 when the request was stalled before any status). */
  status: number;
}

export interface TestHttpServerOptions {
  /** Milliseconds every request waits before it is answered (to make round trips matter in benches). */
  latencyMs?: number;
  /** Honour Range requests (default true); false answers 200 with the whole file, as some servers do. */
  ranges?: boolean;
}

export interface TestHttpServer {
  /** http://127.0.0.1:PORT (no trailing slash). */
  url: string;
  port: number;
  /** Every request so far, in arrival order. */
  log: RequestRecord[];
  /** Requests so far for `path` (exact match on the decoded path). */
  count(path: string): number;
  /** Sets (or with undefined clears) the fault for `path`. */
  fault(path: string, fault: Fault | undefined): void;
  /** Clears the log (not the faults). */
  resetLog(): void;
  /** Waits until the `nth` request (default the first) for `path` has arrived (to act while a client is stalled at a known point). */
  waitForRequest(path: string, nth?: number): Promise<void>;
  /** Stops listening and destroys every open socket. */
  close(): Promise<void>;
}

interface ActiveFault {
  fault: Fault;
  left: number;
}

/** Serves `root` on a free loopback port. */
export async function startHttpServer(root: string, options: TestHttpServerOptions = {}): Promise<TestHttpServer> {
  const base = resolve(root);
  const faults = new Map<string, ActiveFault>();
  const sockets = new Set<Socket>();
  const log: RequestRecord[] = [];
  const waiters: { path: string; nth: number; resolve: () => void }[] = [];

  const handle = (req: IncomingMessage, res: ServerResponse, record: RequestRecord) => {
    const active = faults.get(record.path);
    let fault: Fault | undefined;
    if (active && active.left > 0) {
      active.left--;
      fault = active.fault;
    }
    if (fault?.stall) return; // never answered; close() destroys the socket
    if (fault?.redirect !== undefined) {
      record.status = 302;
      res.writeHead(302, { location: fault.redirect }).end();
      return;
    }
    if (fault?.status !== undefined) {
      record.status = fault.status;
      res.writeHead(fault.status, { 'content-type': 'text/plain' }).end(`fault ${fault.status}\n`);
      return;
    }
    let data: Uint8Array | undefined = fault?.body;
    let size: number;
    const file = resolve(base, `.${record.path}`);
    if (data) size = data.byteLength;
    else {
      if (file !== base && !file.startsWith(base + sep)) return notFound(res, record);
      try {
        const st = statSync(file);
        if (!st.isFile()) return notFound(res, record);
        size = st.size;
      } catch {
        return notFound(res, record);
      }
    }
    let start = 0;
    let end = size; // exclusive
    let status = 200;
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream', 'accept-ranges': options.ranges === false ? 'none' : 'bytes' };
    if (record.range && options.ranges !== false) {
      const m = /^bytes=(\d+)-(\d*)$/.exec(record.range);
      if (m) {
        start = Number(m[1]);
        if (m[2]) end = Math.min(size, Number(m[2]) + 1);
        if (start >= size || start >= end) {
          record.status = 416;
          res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
          return;
        }
        status = 206;
        headers['content-range'] = `bytes ${start}-${end - 1}/${size}`;
      }
    }
    let sendEnd = end;
    if (fault?.truncateAt !== undefined) sendEnd = Math.min(end, start + fault.truncateAt);
    if (fault?.stallAfter !== undefined) sendEnd = Math.min(end, start + fault.stallAfter);
    headers['content-length'] = String(fault?.truncateAt !== undefined && fault.length === 'short' ? sendEnd - start : end - start);
    record.status = status;
    res.writeHead(status, headers);
    if (req.method === 'HEAD') return void res.end();
    const finish = () => {
      if (fault?.stallAfter !== undefined) return; // headers and some bytes sent; nothing more
      if (fault?.truncateAt !== undefined) {
        // End the connection without completing the response the headers promised.
        if (fault.length === 'short') res.end();
        else res.socket?.destroySoon();
        return;
      }
      res.end();
    };
    if (sendEnd <= start) return finish();
    if (data) {
      res.write(Buffer.from(data.subarray(start, sendEnd)), finish);
      return;
    }
    const stream = createReadStream(file, { start, end: sendEnd - 1 });
    stream.on('error', () => res.destroy());
    stream.on('data', (chunk) => {
      if (!res.write(chunk)) stream.pause();
    });
    res.on('drain', () => stream.resume());
    stream.on('end', finish);
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      path = url.pathname;
    }
    const record: RequestRecord = { method: req.method ?? 'GET', path, status: 0 };
    if (typeof req.headers.range === 'string') record.range = req.headers.range;
    log.push(record);
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (waiters[i]!.path === path && log.filter((r) => r.path === path).length >= waiters[i]!.nth) {
        waiters[i]!.resolve();
        waiters.splice(i, 1);
      }
    }
    if (options.latencyMs) setTimeout(() => handle(req, res, record), options.latencyMs);
    else handle(req, res, record);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', ok);
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    log,
    count: (path) => log.filter((r) => r.path === path).length,
    fault(path, fault) {
      if (fault) faults.set(path, { fault, left: fault.times ?? Number.POSITIVE_INFINITY });
      else faults.delete(path);
    },
    resetLog: () => void log.splice(0),
    waitForRequest: (path, nth = 1) =>
      log.filter((r) => r.path === path).length >= nth ? Promise.resolve() : new Promise((ok) => waiters.push({ path, nth, resolve: ok })),
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
      }),
  };
}

function notFound(res: ServerResponse, record: RequestRecord): void {
  record.status = 404;
  res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
}

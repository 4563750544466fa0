/**
 * DistrokitError as data: toJSON/fromJSON are inverses, also across a real
 * worker thread (structured clone both ways, and the worker's copy of the
 * class from the build), and an error that was not a DistrokitError crosses as
 * INTERNAL with the worker's stack.
 */
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DistrokitError, type DistrokitErrorJSON, isSystemError } from '../../formats/errors.js';

const ERRORS_JS = new URL('../../dist/formats/errors.js', import.meta.url).href;

/**
 * A worker that rebuilds each error it is sent with its own DistrokitError and
 * sends it back as JSON; sent 'throw', it posts a TypeError of its own.
 */
const WORKER = `
const { parentPort } = require('node:worker_threads');
import(${JSON.stringify(ERRORS_JS)}).then(({ DistrokitError }) => {
  parentPort.on('message', (msg) => {
    if (msg === 'throw') {
      try { null.field; } catch (err) { parentPort.postMessage(DistrokitError.toJSONOf(err)); }
      return;
    }
    parentPort.postMessage(DistrokitError.fromJSON(msg).toJSON());
  });
  parentPort.postMessage('ready');
});`;

const CASES: DistrokitError[] = [
  new DistrokitError('DEB822_BAD_LINE', 'line is neither a field, a continuation nor blank', { file: 'Packages', line: 12 }),
  new DistrokitError('RICHDEP_SYNTAX', 'expected ")" in "(a or"', { file: 'primary.xml', line: 3, column: 7, entry: 'pkg' }),
  new DistrokitError('TAR_TRUNCATED', 'unexpected end of input', { file: 'x.tar', offset: 1024, entry: 'usr/bin/x' }),
  new DistrokitError('TREE_CONFLICT', "'/a': file from p conflicts with dir from q", { file: 'p.deb', entry: '/a', existingOwner: 'q', incomingOwner: 'p', existingType: 'dir' }),
  new DistrokitError('RPM_SOLVER_GAVE_UP', 'no solution found within 5 steps'),
  new DistrokitError('EXT4_OUTPUT', 'file: 1: a detail that looks like a position prefix', { file: 'file', line: 1 }),
  new DistrokitError('FETCH_HTTP_STATUS', 'HTTP 404 Not Found', { file: undefined, nested: { list: [1, 2], flag: true } }),
  DistrokitError.wrap(new RangeError('inner'), 'TREE_ADD_FAILED', { file: 'a.cpio', entry: 'dev/x', offset: 0 }),
];

function expectSame(got: DistrokitError, want: DistrokitError): void {
  expect(got).toBeInstanceOf(DistrokitError);
  expect(got.code).toBe(want.code);
  expect(got.detail).toBe(want.detail);
  expect(got.message).toBe(want.message);
  expect(JSON.parse(JSON.stringify(got.data))).toEqual(JSON.parse(JSON.stringify(want.data)));
  expect(JSON.stringify(got)).toBe(JSON.stringify(want));
}

describe('DistrokitError JSON', () => {
  it('fromJSON inverts toJSON, also after JSON text', () => {
    for (const err of CASES) {
      expectSame(DistrokitError.fromJSON(err.toJSON()), err);
      expectSame(DistrokitError.fromJSON(JSON.parse(JSON.stringify(err)) as DistrokitErrorJSON), err);
    }
  });

  it('keeps the toJSON shape the CLI prints: position data, code and the message with its prefix', () => {
    expect(CASES[1]!.toJSON()).toEqual({ file: 'primary.xml', line: 3, column: 7, entry: 'pkg', code: 'RICHDEP_SYNTAX', message: 'primary.xml:3:7 [pkg]: expected ")" in "(a or"' });
  });

  it('carries anything else as INTERNAL with its stack', () => {
    const json = DistrokitError.toJSONOf(new TypeError('boom'));
    expect(json.code).toBe('INTERNAL');
    expect(json.message).toBe('TypeError: boom');
    const back = DistrokitError.fromJSON(json);
    expect(back.code).toBe('INTERNAL');
    expect(back.stack).toBe(json.stack);
    expect(back.stack).toContain('errors.test.ts');
    expect(DistrokitError.fromJSON(back.toJSON()).stack).toBe(json.stack);
    expect(DistrokitError.toJSONOf('a string')).toEqual({ code: 'INTERNAL', message: 'a string' });
  });

  it('turns an unregistered code from elsewhere into INTERNAL, keeping the code in the message', () => {
    const err = DistrokitError.fromJSON({ code: 'NO_SUCH_CODE' as never, message: 'f: what', file: 'f' });
    expect(err.code).toBe('INTERNAL');
    expect(err.message).toBe('f: NO_SUCH_CODE: what');
  });

  it('tells system errors (a file the user named) from bugs', () => {
    const enoent = Object.assign(new Error('ENOENT: no such file or directory'), { code: 'ENOENT' });
    expect(isSystemError(enoent)).toBe(true);
    expect(isSystemError(new TypeError('x'))).toBe(false);
    expect(isSystemError(new DistrokitError('TREE_UNREADABLE', 'x'))).toBe(false);
    expect(isSystemError(Object.assign(new Error('x'), { code: 'ERR_INVALID_ARG_TYPE' }))).toBe(false);
  });

  describe('through a worker thread', () => {
    let worker: Worker;
    const replies: unknown[] = [];
    let waiting: (() => void) | undefined;
    const next = async (): Promise<unknown> => {
      while (replies.length === 0) await new Promise<void>((resolve) => (waiting = resolve));
      return replies.shift();
    };
    beforeAll(async () => {
      worker = new Worker(WORKER, { eval: true });
      worker.on('message', (m) => {
        replies.push(m);
        waiting?.();
      });
      worker.on('error', (err) => {
        replies.push(err);
        waiting?.();
      });
      expect(await next()).toBe('ready');
    });
    afterAll(async () => {
      await worker.terminate();
    });

    it('arrives with the same code, detail, message and data', async () => {
      for (const err of CASES) {
        worker.postMessage(err.toJSON());
        expectSame(DistrokitError.fromJSON((await next()) as DistrokitErrorJSON), err);
      }
    });

    it("brings a worker's own TypeError back as INTERNAL with the worker's stack", async () => {
      worker.postMessage('throw');
      const err = DistrokitError.fromJSON((await next()) as DistrokitErrorJSON);
      expect(err.code).toBe('INTERNAL');
      expect(err.message).toMatch(/^TypeError: Cannot read properties of null/);
      expect(err.stack).toContain('[worker eval]');
    });
  });
});

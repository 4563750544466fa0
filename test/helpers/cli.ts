/**
 * The one way tests run distrokit's CLI, in two forms:
 * - `distrokit(args)`: the real command, bin/distrokit in a child process
 *   (argv, exit code, stdin, environment as a user sees them). It runs the
 *   compiled dist/, so it belongs in the oracle tier, whose global setup builds.
 * - `distrokitInProcess(() => main(args))`: a CLI entry (main, or one group's
 *   run) called in this process from the TypeScript sources, stdout and stderr
 *   captured: no build needed, so the unit tier can use it too.
 * Both give the exit status and the captured output.
 */
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { vi } from 'vitest';

const BIN = fileURLToPath(new URL('../../bin/distrokit', import.meta.url));

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  input?: string | Uint8Array;
  /** Added to (and overriding) this process's environment. */
  env?: Record<string, string>;
  cwd?: string;
  /** Milliseconds before the child is killed (its status is then -1). */
  timeout?: number;
}

export function distrokit(args: string[], options: CliOptions = {}): CliResult {
  const res = spawnSync(BIN, args, {
    input: options.input,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    env: { ...process.env, ...options.env },
    cwd: options.cwd,
    timeout: options.timeout,
  });
  // Not started at all (a killed child has a signal instead): say why.
  if (res.error && res.status === null && res.signal === null) throw res.error;
  return { status: res.status ?? -1, stdout: res.stdout, stderr: res.stderr };
}

/**
 * `distrokit(args)` without blocking this process: for tests that serve
 * something in-process (a loopback HTTP server) the child talks to.
 */
export function distrokitAsync(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, args, { env: { ...process.env, ...options.env }, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = options.timeout === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.timeout);
    child.on('error', reject);
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      resolve({ status: code ?? -1, stdout, stderr });
    });
    child.stdin.end(options.input);
  });
}

/** Calls `entry` with process.stdout and process.stderr captured; a rejection of `entry` passes through. */
export async function distrokitInProcess(entry: () => Promise<number>): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const text = (chunk: string | Uint8Array) => (typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += text(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += text(chunk)), true));
  try {
    const status = await entry();
    return { status, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

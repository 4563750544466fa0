/** Runs the real CLI (bin/distrokit, which compiles on first use) and captures its output. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/distrokit', import.meta.url));

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function distrokit(args: string[], options: { input?: string | Uint8Array; env?: Record<string, string> } = {}): CliResult {
  const res = spawnSync(BIN, args, { input: options.input, encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, ...options.env } });
  return { status: res.status ?? -1, stdout: res.stdout, stderr: res.stderr };
}

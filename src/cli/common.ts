/** Shared CLI plumbing: argument parsing, error reporting, progress on stderr. */
import { DistrokitError } from '../../formats/errors.js';

export type CommandRunner = (args: string[]) => Promise<number>;

/** Exit codes: 0 ok, 1 failure, 2 usage. */
export const EXIT_OK = 0;
export const EXIT_FAIL = 1;
export const EXIT_USAGE = 2;

export class UsageError extends Error {}

/** Runs an argument parse (e.g. `() => parseArgs({...})` from node:util) and turns its errors into usage errors (exit 2). */
export function parseUsage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** Prints an error on stderr (or as {"error":…} on stdout under --json) and returns the exit code. */
export function reportError(err: unknown, json: boolean): number {
  if (err instanceof UsageError) {
    process.stderr.write(`distrokit: ${err.message}\nTry 'distrokit --help'.\n`);
    return EXIT_USAGE;
  }
  if (err instanceof DistrokitError) {
    if (json) process.stdout.write(`${JSON.stringify({ error: err.toJSON() })}\n`);
    process.stderr.write(`distrokit: ${err.code}: ${err.message}\n`);
    return EXIT_FAIL;
  }
  const e = err as Error;
  if (json) process.stdout.write(`${JSON.stringify({ error: { code: 'INTERNAL', message: e.message } })}\n`);
  process.stderr.write(`distrokit: internal error: ${e.stack ?? e.message}\n`);
  return EXIT_FAIL;
}

/** Progress lines on stderr, only on a TTY and never under --json/--quiet or CI; throttled to ~10 Hz. */
export class Progress {
  private last = 0;
  private readonly enabled: boolean;
  constructor(opts: { quiet?: boolean; json?: boolean } = {}) {
    this.enabled = !!process.stderr.isTTY && !opts.quiet && !opts.json && !process.env.CI;
  }
  update(message: string, force = false): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (!force && now - this.last < 100) return;
    this.last = now;
    process.stderr.write(`\r\x1b[K${message}`);
  }
  done(message?: string): void {
    if (!this.enabled) return;
    process.stderr.write(`\r\x1b[K${message ? `${message}\n` : ''}`);
  }
}

/** Writes to stdout with backpressure; a closed pipe (`… | head`) ends the program quietly, as Unix tools do. */
export async function writeStdout(text: string): Promise<void> {
  if (!process.stdout.write(text)) await new Promise<void>((resolve) => process.stdout.once('drain', resolve));
}

process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

/** Shared CLI plumbing: exit codes, the usage error, progress on stderr, stdout with backpressure. */

/** Exit codes: 0 ok, 1 failure, 2 usage. */
export const EXIT_OK = 0;
export const EXIT_FAIL = 1;
export const EXIT_USAGE = 2;

/** A malformed command line (exit 2); printed with the code USAGE. */
export class UsageError extends Error {}

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

import { main } from './main.js';

/**
 * Exits as soon as the output is flushed: waiting for the event loop to drain
 * (stream and thread-pool handles closing, finalizers) added some 15 ms to
 * every command, a twentieth of a closure.
 */
function exit(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

main(process.argv.slice(2)).then(exit, (err) => {
  process.stderr.write(`distrokit: ${(err as Error).stack ?? err}\n`);
  exit(1);
});

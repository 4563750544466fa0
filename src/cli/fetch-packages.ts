/** `distrokit fetch packages`: a lock's packages, verified, into the content-addressed cache. */
import { DistrokitError } from '../../formats/errors.js';
import { fetchPackages, readLock } from '../fetch/lock.js';
import { EXIT_OK, UsageError, writeStdout } from './common.js';
import { command, invoke } from './dispatch.js';
import { downloadProgressPrinter } from './download-progress.js';
import { dir, file, integer, url } from './options.js';

const packages = command({
  name: 'packages',
  summary: "download a closure's packages, verified, into a content-addressed cache",
  usage: '--lock LOCK.json --cache DIR [--out DIR] [--jobs N] [--mirror URL] [--retries N] [--timeout SECONDS] [--json]',
  description: `packages reads LOCK.json — the JSON document 'deb closure --format json'
or 'rpm closure --format json' prints — and downloads every package into
DIR/objects/ALGO/XX/DIGEST, keyed by the checksum the lock gives (sha256;
sha512 or sha1 where an RPM repository gives only that). A file is renamed
to its final name only after its size and checksum match: a modified,
truncated or stalled download never appears in the cache. Files already in
the cache are verified and reused, and a partial file an interrupted run
left is resumed with a Range request.
Transient failures (network errors, no data for --timeout seconds, HTTP 5xx
or 429) are retried --retries times with exponential backoff; a 404 or a
checksum mismatch is not. Every package is tried; when any fails, each
failure is named and the exit status is 1.
--out DIR also links (or copies) every package into DIR under its file name.
--mirror URL downloads from URL joined with each package's location instead
of the lock's urls. URLs may be http(s)://, file:// or mirror://NAME/…
(resolved through the catalog; DISTROKIT_MIRROR_<NAME> overrides a mirror).
A progress line (bytes, rate, ETA) goes to stderr on a terminal, never with
--json.`,
  options: {
    lock: { value: file, help: "the closure document (deb/rpm closure --format json)" },
    cache: { value: dir, help: 'the cache root (objects/ under it)' },
    out: { value: dir, help: 'also link every package into this directory under its file name' },
    jobs: { value: integer(1, 64), short: 'j', default: '4', help: 'parallel downloads (1-64, default 4)' },
    mirror: { value: url, help: "base URL the lock's locations are relative to (instead of its urls)" },
    retries: { value: integer(0, 20), default: '3', help: 'retries of a transient failure (0-20, default 3)' },
    timeout: { value: integer(1, 3600, 'SECONDS'), default: '30', help: 'seconds without data before an attempt fails (1-3600, default 30)' },
  },
  positionals: { min: 0, max: 0 },
  examples: [
    'distrokit deb closure --index Packages.xz --url-prefix http://deb.debian.org/debian --format json bash > lock.json',
    'distrokit fetch packages --lock lock.json --cache ~/.cache/distrokit/packages',
    'distrokit fetch packages --lock lock.json --cache ./cache --out ./debs --jobs 8 --json',
    'distrokit rpm closure --repo ./repo --format json bash > rpm-lock.json && distrokit fetch packages --lock rpm-lock.json --cache ./cache',
  ],
  run: async ({ values, format }) => {
    if (!values.lock) throw new UsageError('fetch packages needs --lock LOCK.json');
    if (!values.cache) throw new UsageError('fetch packages needs --cache DIR');
    const json = format === 'json';
    const locked = await readLock(values.lock, { mirror: values.mirror });
    const progress = downloadProgressPrinter({ files: locked.length, bytes: locked.reduce((n, p) => n + (p.size ?? 0), 0) }, { json });
    let report;
    try {
      report = await fetchPackages(locked, { cache: values.cache, out: values.out, jobs: values.jobs, retries: values.retries, timeoutMs: values.timeout * 1000, onEvent: progress.onEvent });
    } finally {
      progress.done();
    }
    const failures = report.packages.filter((p) => p.error);
    if (failures.length > 0) {
      for (const p of failures) process.stderr.write(`distrokit: ${p.name}: ${p.error!.code}: ${p.error!.message}\n`);
      // The first failure is the command's error (with its data: HTTP status, attempts …); all are named above.
      const { code, message: _m, ...data } = failures[0]!.error!;
      const first = failures[0]!;
      throw new DistrokitError(code, `${failures.length} of ${report.packages.length} packages failed; the first: ${first.name}: ${first.error!.message}`, {
        ...data,
        failed: failures.map((p) => p.name),
      });
    }
    if (json) await writeStdout(`${JSON.stringify(report)}\n`);
    else await writeStdout(`${report.packages.length} packages in ${report.cache}: ${report.fetched} downloaded, ${report.reused} already there (${(report.bytes / 1024 / 1024).toFixed(1)} MiB)\n`);
    return EXIT_OK;
  },
});

export const commands = [packages];

/** In-process entry (tests): errors are thrown, not printed. */
export const run = (args: string[]): Promise<number> => invoke('fetch', commands, args);

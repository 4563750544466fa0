/**
 * The mutation fuzzer's command line (see docs/fuzzing.md):
 *   npm run fuzz -- --seed 1 --iterations 20000 [--jobs 2] [--out fuzz-findings]
 * Exit 0: no finding; 1: findings (one line each above, reproducers under --out); 2: usage.
 */
import { parseArgs } from 'node:util';
import { runFuzz } from './engine.js';
import { loadKinds } from './targets.js';

const HELP = `Usage: node dist/scripts/fuzz/main.js [options]
  --seed N          seed (default 1); the same seed gives the same cases
  --iterations N    number of cases (default 1000)
  --start N         first iteration (default 0); --start I --iterations 1 replays case I
  --time SECONDS    stop starting cases after this long
  --kinds a,b       only these input kinds (${loadKinds().map((k) => k.name).join(', ')})
  --jobs N          cases in parallel (default 2)
  --out DIR         where reproducers go (default fuzz-findings)
  --timeout MS      per-case limit before a hang is reported (default 20000)
  --rss-limit MIB   peak resident set before a memory finding (default 1024)
  --no-e2fsck       do not check exit-0 ext4 images with e2fsck -fn
  --verbose, -v     log every case, not only findings
`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string', default: '1' },
      iterations: { type: 'string', default: '1000' },
      start: { type: 'string', default: '0' },
      time: { type: 'string' },
      kinds: { type: 'string' },
      jobs: { type: 'string', default: '2' },
      out: { type: 'string', default: 'fuzz-findings' },
      timeout: { type: 'string', default: '20000' },
      'rss-limit': { type: 'string', default: '1024' },
      'no-e2fsck': { type: 'boolean' },
      verbose: { type: 'boolean', short: 'v' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const int = (name: string, text: string) => {
    if (!/^\d+$/.test(text)) throw new Error(`--${name} takes a non-negative integer, not '${text}'`);
    return Number(text);
  };
  const report = await runFuzz({
    seed: int('seed', values.seed),
    iterations: int('iterations', values.iterations),
    start: int('start', values.start),
    timeLimitMs: values.time === undefined ? undefined : int('time', values.time) * 1000,
    kinds: values.kinds?.split(','),
    jobs: Math.max(1, int('jobs', values.jobs)),
    findingsDir: values.out,
    caseTimeoutMs: int('timeout', values.timeout),
    rssLimitKiB: int('rss-limit', values['rss-limit']) * 1024,
    e2fsck: !values['no-e2fsck'],
    verbose: values.verbose,
  });
  const kinds = Object.entries(report.perKind)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  process.stdout.write(`${report.cases} cases in ${(report.millis / 1000).toFixed(0)} s (${kinds}): ${report.findings.length} finding(s)\n`);
  for (const f of report.findings) process.stdout.write(`${f.symptom} [${f.kind}] ${f.reproducer}/repro.sh\n`);
  return report.findings.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`fuzz: ${err.message}\n`);
    process.exit(2);
  },
);

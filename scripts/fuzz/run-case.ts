/**
 * Runs one CLI command in a fresh case directory and checks it against the
 * fuzzer's oracle: exit 0/1/2, a coded error message on failure, no internal
 * error or crash, no hang, bounded memory, no write outside the one output
 * path, no temporary files left behind, no output left at the final path on
 * failure, and (exit 0) an e2fsck-clean ext4 image.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN } from './paths.js';

export interface CaseRun {
  /** The case directory: in/ (inputs), out/ (the only place to write), tmp/ (TMPDIR), canary/. */
  dir: string;
  argv: string[];
  /** The output path the command may create, relative to dir (undefined: it writes nothing). */
  output?: string;
  timeoutMs: number;
  rssLimitKiB: number;
  e2fsck: boolean;
  /** The program to run (default bin/distrokit; the fuzzer's own tests use stand-ins). */
  bin?: string;
}

export interface Verdict {
  exit: number | null;
  signal: string | null;
  maxRssKiB?: number;
  millis: number;
  stderr: string;
  problems: { symptom: string; detail: string }[];
}

/** Paths outside the case directory that hostile inputs name; none may appear. */
const HOST_CANARIES = ['/abs', '/escape', '/tmp/distrokit-escaped', '/etc/passwd-escape'];

const CODED = /^distrokit: [A-Z][A-Z0-9_]*: /m;
const USAGE = /Try 'distrokit --help'\.|^distrokit: usage: /m;

export async function runCase(c: CaseRun): Promise<Verdict> {
  const before = snapshot(c.dir, ['out', 'tmp']);
  const timeFile = join(c.dir, 'time.txt');
  const started = Date.now();
  const child = spawn('/usr/bin/time', ['-f', '%e %M', '-o', timeFile, c.bin ?? BIN, ...c.argv], {
    cwd: c.dir,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TMPDIR: join(c.dir, 'tmp'), SOURCE_DATE_EPOCH: '1700000000', CI: '1' },
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    if (stderr.length < 200_000) stderr += d.toString('utf8');
  });
  child.stdout.on('data', () => {});
  let timedOut = false;
  let memoryKilled = 0;
  const kill = () => {
    // The whole group (time, bash, node); and each member by pid in case the group is not there yet.
    for (const target of [-child.pid!, ...groupPids(child.pid!)]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
  const timer = setTimeout(() => {
    timedOut = true;
    kill();
  }, c.timeoutMs);
  // /usr/bin/time reports the peak only at the end; a run-away process is stopped before it takes the machine.
  const poll = setInterval(() => {
    const rss = groupRssKiB(child.pid!);
    if (rss > c.rssLimitKiB * 2) {
      memoryKilled = rss;
      kill();
    }
  }, 200);
  const [exit, signal] = await new Promise<[number | null, string | null]>((resolve) => child.on('close', (code, sig) => resolve([code, sig])));
  clearTimeout(timer);
  clearInterval(poll);
  const millis = Date.now() - started;
  const problems: Verdict['problems'] = [];
  const add = (symptom: string, detail: string) => problems.push({ symptom, detail });

  const timeText = existsSync(timeFile) ? readFileSync(timeFile, 'utf8') : '';
  // The last line is "%e %M": the child's own wall time and peak resident set.
  const last = /^([\d.]+) (\d+)$/.exec(timeText.trim().split('\n').pop() ?? '');
  const maxRssKiB = last ? Number(last[2]) : undefined;
  // A timer that fired late (the fuzzer's own event loop was busy preparing another case) is no hang:
  // the child's own wall time says how long it really ran.
  if (timedOut && last && Number(last[1]) * 1000 < c.timeoutMs) timedOut = false;
  const termSignal = /Command terminated by signal (\d+)/.exec(timeText)?.[1];
  const exitCode = exit;

  if (timedOut) add('hang', `no exit within ${c.timeoutMs} ms`);
  else if (memoryKilled) add('memory', `resident set reached ${memoryKilled} KiB (limit ${c.rssLimitKiB} KiB); killed`);
  else if (signal || termSignal) add('signal', `killed by signal ${signal ?? termSignal}`);
  else if (exitCode === null || ![0, 1, 2].includes(exitCode)) add('exit-code', `exit ${exitCode}`);
  if (/internal error/.test(stderr)) add('internal-error', firstLines(stderr));
  if (/FATAL ERROR|JavaScript heap out of memory|Segmentation fault|core dumped|RangeError: Maximum call stack/.test(stderr)) add('crash', firstLines(stderr));
  else if (/^\s+at .+:\d+:\d+\)?$/m.test(stderr) && !/internal error/.test(stderr)) add('stack-trace', firstLines(stderr));
  if (!timedOut && !memoryKilled && exitCode !== 0 && exitCode !== null && !/internal error/.test(stderr) && !CODED.test(stderr) && !USAGE.test(stderr) && !explainedWhy(c.argv, exitCode, stderr)) {
    add('uncoded-error', `exit ${exitCode} without 'distrokit: CODE: …' on stderr: ${firstLines(stderr) || '(empty)'}`);
  }
  if (maxRssKiB !== undefined && maxRssKiB > c.rssLimitKiB) add('memory', `peak resident set ${maxRssKiB} KiB > ${c.rssLimitKiB} KiB`);

  const after = snapshot(c.dir, ['out', 'tmp']);
  const changed = diffSnapshots(before, after).filter((p) => p !== 'time.txt');
  if (changed.length > 0) add('write-outside', `changed outside out/: ${changed.slice(0, 5).join(', ')}`);
  const strays = readdirSync(join(c.dir, 'out')).filter((n) => !c.output || (n !== c.output.replace(/^out\//, '') && !n.startsWith(`${c.output.replace(/^out\//, '')}.tmp-`)));
  if (strays.length > 0) add('write-outside', `unexpected entries in out/: ${strays.slice(0, 5).join(', ')}`);
  for (const p of HOST_CANARIES) if (existsSync(p)) add('write-outside', `host path ${p} exists after the run`);
  const tmpLeft = readdirSync(join(c.dir, 'tmp'));
  if (!timedOut && !memoryKilled && tmpLeft.length > 0) add('temp-leftover', `TMPDIR holds ${tmpLeft.slice(0, 5).join(', ')}`);
  if (c.output && !timedOut && !memoryKilled) checkOutput(c, exitCode, add);
  return { exit: exitCode, signal: signal ?? (termSignal ? `signal ${termSignal}` : null), maxRssKiB, millis, stderr, problems };
}

/** `deb closure --why PKG` answers "not in the closure" on stdout with exit 1, by design. */
function explainedWhy(argv: string[], exit: number, stderr: string): boolean {
  return argv.includes('--why') && exit === 1 && stderr.trim() === '';
}

function checkOutput(c: CaseRun, exit: number | null, add: (s: string, d: string) => void): void {
  const out = c.output!;
  const full = join(c.dir, out);
  const leftovers = readdirSync(join(c.dir, 'out')).filter((n) => n.includes('.tmp-'));
  if (leftovers.length > 0) add('temp-leftover', `left ${leftovers.join(', ')} next to the output`);
  const exists = existsSync(full);
  if (exit !== 0) {
    if (exists && (!lstatSync(full).isDirectory() || readdirSync(full).length > 0)) add('partial-output', `exit ${exit} but ${out} exists${lstatSync(full).isDirectory() ? ' and is not empty' : ''}`);
    return;
  }
  if (!exists) {
    add('missing-output', `exit 0 but no ${out}`);
    return;
  }
  if (c.e2fsck && out.endsWith('.img') && c.argv[0] === 'ext4') {
    const r = spawnSync('e2fsck', ['-fn', full], { encoding: 'utf8' });
    const lines = r.stdout.trim().split('\n');
    const passes = lines.slice(0, -1).every((l) => /^Pass [1-5]: /.test(l)) && lines.length === 6;
    const summary = /^\S+: \d+\/\d+ files \([\d.]+% non-contiguous\), \d+\/\d+ blocks$/.test(lines[lines.length - 1] ?? '');
    const stderr = r.stderr.replace(/^e2fsck [\d.]+ \([^)]*\)\n/, '');
    if (r.status !== 0 || !passes || !summary || stderr !== '') add('ext4-not-clean', `e2fsck -fn exit ${r.status}: ${firstLines(r.stdout + stderr, 6)}`);
  }
}

type Snapshot = Map<string, string>;

/**
 * Every path under dir (except the skipped top-level names) with its type,
 * size, mode and mtime. Names are read as bytes (generated trees hold names
 * that are not UTF-8); a path the host cannot stat (past PATH_MAX) is noted as such.
 */
function snapshot(dir: string, skip: string[]): Snapshot {
  const out: Snapshot = new Map();
  const visit = (rel: Buffer) => {
    const full = rel.length ? Buffer.concat([Buffer.from(`${dir}/`), rel]) : Buffer.from(dir);
    let names: Buffer[];
    try {
      names = readdirSync(full, { encoding: 'buffer' });
    } catch {
      return;
    }
    for (const name of names) {
      if (!rel.length && skip.includes(name.toString())) continue;
      const r = rel.length ? Buffer.concat([rel, Buffer.from('/'), name]) : name;
      let st;
      try {
        st = lstatSync(Buffer.concat([Buffer.from(`${dir}/`), r]));
      } catch {
        out.set(r.toString('latin1'), 'unstatable');
        continue;
      }
      out.set(r.toString('latin1'), `${st.mode}:${st.size}:${st.mtimeMs}:${st.nlink}`);
      if (st.isDirectory()) visit(r);
    }
  };
  visit(Buffer.alloc(0));
  return out;
}

function diffSnapshots(a: Snapshot, b: Snapshot): string[] {
  const changed: string[] = [];
  for (const [p, v] of b) if (a.get(p) !== v) changed.push(p);
  for (const p of a.keys()) if (!b.has(p)) changed.push(`${p} (deleted)`);
  return changed;
}

/** The time wrapper and its children (the node under it). */
function groupPids(pid: number): number[] {
  try {
    return [pid, ...readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)];
  } catch {
    return [];
  }
}

/** Resident set of the time wrapper and the node under it. */
function groupRssKiB(pid: number): number {
  let total = 0;
  for (const p of groupPids(pid)) {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      if (m) total += Number(m[1]);
    } catch {
      // exited meanwhile
    }
  }
  return total;
}

export function firstLines(text: string, n = 3): string {
  return text.trim().split('\n').slice(0, n).join(' | ').slice(0, 400);
}

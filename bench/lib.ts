/** Shared benchmark plumbing: the machine line, timed child processes, medians. */
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { readFileSync } from 'node:fs';

export function machineLine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  let load = '';
  try {
    load = ` load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`;
  } catch {
    // not Linux
  }
  return `${cpus().length}× ${cpu}, node ${process.version}${load}`;
}

export interface Timing {
  seconds: number;
  maxRssMB: number;
}

/** Runs a command under /usr/bin/time, returning wall seconds and peak RSS; throws if it fails. */
export interface CommandOptions {
  stdin?: string;
  env?: Record<string, string>;
  /** Variables to remove from the environment. */
  unsetEnv?: string[];
}

export function timeCommand(cmd: string[], options: CommandOptions = {}): Timing {
  const shell = `${cmd.map(quote).join(' ')}${options.stdin ? ` < ${quote(options.stdin)}` : ''} > /dev/null`;
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  for (const name of options.unsetEnv ?? []) delete env[name];
  const res = spawnSync('/usr/bin/time', ['-f', '%e %M', 'bash', '-c', shell], { encoding: 'utf8', env });
  if (res.status !== 0) throw new Error(`${cmd.join(' ')} failed: ${res.stderr}`);
  const [secs, kb] = res.stderr.trim().split('\n').at(-1)!.split(' ');
  return { seconds: Number(secs), maxRssMB: Number(kb) / 1024 };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Median wall time and max peak RSS over `runs` runs. */
export function measure(cmd: string[], runs: number, options: CommandOptions = {}): Timing {
  const t = Array.from({ length: runs }, () => timeCommand(cmd, options));
  return { seconds: median(t.map((x) => x.seconds)), maxRssMB: Math.max(...t.map((x) => x.maxRssMB)) };
}

function quote(s: string): string {
  return /^[A-Za-z0-9_./:=@+-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}

export function which(cmd: string): boolean {
  return spawnSync('bash', ['-c', `command -v ${cmd}`]).status === 0;
}

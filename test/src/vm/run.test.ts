/**
 * `distrokit vm run` end to end: the real bin/distrokit boots Debian's cloud
 * kernel (from the fixture cache) under QEMU with its natively built busybox
 * initrd. Each run gets its own TMPDIR, so "nothing outlives a run" is checked
 * exactly: the directory is empty afterwards and no process is left whose
 * command line names it (QEMU's -kernel/-initrd live there).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { CACHE_DIR, initrdCache } from '../../helpers/cache.js';
import { distrokit } from '../../helpers/cli.js';
import { busyboxImage, expectNothingLeft, keptRunVm, processesMentioning, tempDirs } from './helpers.js';

const BIN = fileURLToPath(new URL('../../../bin/distrokit', import.meta.url));
const temp = tempDirs();
/** Kept run directories a test made (a failed run keeps one), removed after it. */
const kept: string[] = [];
afterEach(() => {
  temp.cleanup();
  for (const d of kept.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A fresh TMPDIR for one run. */
const runTmp = () => temp.make('vmtest');

/** The kept run a failure's message names: it has run-vm and the console log; removed after the test. */
function expectKeptRun(stderr: string): string {
  const runVm = keptRunVm(stderr);
  expect(runVm, stderr).toBeDefined();
  const dir = dirname(runVm!);
  kept.push(dir);
  expect(dir.startsWith(join(CACHE_DIR, 'vm', 'runs'))).toBe(true);
  expect(statSync(runVm!).mode & 0o111).toBe(0o111);
  expect(readdirSync(dir)).toEqual(expect.arrayContaining(['run-vm', 'console.log', 'initrd.img']));
  return runVm!;
}

/**
 * Starts `distrokit ARGS` (with --console) under TMPDIR=tmp and waits until the guest runs the
 * command, so QEMU is up: its pid, the child, how it ended, and its stderr so far.
 */
async function startedRun(args: string[], tmp: string) {
  const child = spawn(BIN, args, { env: { ...process.env, TMPDIR: tmp }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  const qemuPid = await new Promise<number>((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('stage1: running /distrokit/command')) {
        const pids = processesMentioning(tmp).filter((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').startsWith('qemu-system-'));
        if (pids.length === 1) resolve(pids[0]!);
        else reject(new Error(`expected one QEMU, found ${pids.length}`));
      }
    });
    child.on('close', () => reject(new Error(`distrokit ended before the command ran:\n${stderr}`)));
  });
  return { child, qemuPid, exited, stderr: () => stderr };
}

/** Whether `pid` runs: exists and is not a zombie (a container's pid 1 may never reap an orphan). */
function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

describe('distrokit vm run (Debian cloud kernel under QEMU)', () => {
  it("returns the command's stdout, stderr and exit status", () => {
    const tmp = runTmp();
    const res = distrokit(['vm', 'run', '--', 'sh', '-c', "echo hi; echo 'to stderr' >&2; exit 3"], { env: { TMPDIR: tmp } });
    expect(res.stdout).toBe('hi\n');
    expect(res.stderr).toContain('to stderr\n');
    expect(res.status).toBe(3);
    expectNothingLeft(tmp);
  }, 240_000);

  it('--env and --workdir reach the command; a missing --workdir fails it with the shell\'s message', () => {
    const tmp = runTmp();
    const res = distrokit(['vm', 'run', '--env', 'A=x y', '--env', "B=it's", '--workdir', '/sys/kernel', '--', 'sh', '-c', 'echo "$A|$B|$(pwd)"'], { env: { TMPDIR: tmp } });
    expect(res.stdout).toBe("x y|it's|/sys/kernel\n");
    expect(res.status).toBe(0);
    const missing = distrokit(['vm', 'run', '--workdir', '/no/such/dir', '--', 'true'], { env: { TMPDIR: tmp } });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('/no/such/dir');
    expectNothingLeft(tmp);
  }, 240_000);

  it('--kernel takes an unpacked vmlinuz (modules beside it); --json gives the result as one object', () => {
    const tmp = runTmp();
    const boot = join(initrdCache.cloudRoot, 'boot');
    const vmlinuz = join(boot, readdirSync(boot).find((f) => f.startsWith('vmlinuz-'))!);
    const res = distrokit(['vm', 'run', '--kernel', vmlinuz, '--json', '--', 'sh', '-c', 'uname -r; echo oops >&2; exit 4'], { env: { TMPDIR: tmp } });
    const release = vmlinuz.split('/').pop()!.slice('vmlinuz-'.length);
    expect(JSON.parse(res.stdout)).toEqual({ exitStatus: 4, stdout: `${release}\n`, stderr: 'oops\n', accel: expect.stringMatching(/^(kvm|tcg)$/), kernelRelease: release });
    expect(res.status).toBe(4);
    expectNothingLeft(tmp);
  }, 240_000);

  it('a kernel that is not one is VM_KERNEL_INVALID naming it, before any VM starts', () => {
    const tmp = runTmp();
    const env = { TMPDIR: tmp };
    const busyboxDeb = join(initrdCache.dir, 'busybox.deb');
    const cases: Array<[string[], RegExp, Record<string, string>?]> = [
      [['--kernel', join(tmp, 'missing')], /VM_KERNEL_INVALID: .*missing.* is not a file/],
      [['--kernel', initrdCache.dir], /VM_KERNEL_INVALID: .* is not a file/],
      [['--kernel', busyboxDeb], /VM_KERNEL_INVALID: .*busybox\.deb.* has no boot\/vmlinuz-\*/],
      [['--kernel', join(tmp, 'missing.deb')], /VM_KERNEL_INVALID: .*missing\.deb.* is not a file/],
    ];
    for (const [args, message, extraEnv] of cases) {
      const res = distrokit(['vm', 'run', ...args, '--', 'true'], { env: { ...env, ...extraEnv } });
      expect(res.status, args.join(' ')).toBe(1);
      expect(res.stderr).toMatch(message);
      expect(res.stderr).not.toMatch(/internal error/);
    }
    expectNothingLeft(tmp);
  }, 240_000);

  it('--timeout stops a command that runs too long: VM_TIMEOUT with the console tail', () => {
    const tmp = runTmp();
    const res = distrokit(['vm', 'run', '--timeout', '5', '--', 'sleep', '600'], { env: { TMPDIR: tmp } });
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/distrokit: VM_TIMEOUT: .*within 5 s; console tail:\n/);
    // (Whether the guest got as far as the command in 5 s depends on the host's load: not asserted.)
    expect(res.stdout).toBe('');
    // A VM failure keeps the run in the cache, with a script that re-enters the VM.
    expect(res.stderr).toMatch(/\nthe run is kept in \S+; re-enter the VM with \S+\/run-vm\n/);
    expectKeptRun(res.stderr);
    expectNothingLeft(tmp);
  }, 240_000);

  it('a kernel panic in the guest is VM_PANIC, not an exit status; the kept run has its own copy of a --kernel vmlinuz', () => {
    const tmp = runTmp();
    const boot = join(initrdCache.cloudRoot, 'boot');
    const vmlinuz = readdirSync(boot).find((f) => f.startsWith('vmlinuz-'))!;
    const res = distrokit(['vm', 'run', '--kernel', join(boot, vmlinuz), '--', 'sh', '-c', 'echo c > /proc/sysrq-trigger; exit 0'], { env: { TMPDIR: tmp } });
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/distrokit: VM_PANIC: .*Kernel panic - not syncing: sysrq triggered crash/);
    const runVm = expectKeptRun(res.stderr);
    expect(readdirSync(dirname(runVm))).toContain(vmlinuz);
    expect(readFileSync(runVm, 'utf8')).toContain(`'-kernel' \\\n  '${vmlinuz}'`);
    expectNothingLeft(tmp);
  }, 240_000);

  it('SIGINT to distrokit mid-run stops QEMU (its own process group) and removes the temporary files, disks included', async () => {
    const tmp = runTmp();
    const work = temp.make('vmtest-disks');
    const image = busyboxImage(work);
    const inDir = join(work, 'in');
    mkdirSync(inDir);
    writeFileSync(join(inDir, 'note'), 'in\n');
    const out = join(work, 'out');
    const args = ['vm', 'run', '--console', '--image', image, '--in', inDir, '--out', out, '--', 'sleep', '600'];
    const run = await startedRun(args, tmp);
    const { child, qemuPid } = run;
    child.kill('SIGINT');
    expect((await run.exited).code).toBe(130);
    const stderr = run.stderr();
    expect(stderr).toContain('distrokit: VM_INTERRUPTED: SIGINT');
    expect(processAlive(qemuPid)).toBe(false);
    expectNothingLeft(tmp);
    expect(existsSync(out)).toBe(false);
    // An interrupted run is not kept.
    expect(keptRunVm(stderr)).toBeUndefined();
    expect(existsSync(join(CACHE_DIR, 'vm', 'runs')) ? readdirSync(join(CACHE_DIR, 'vm', 'runs')).filter((d) => d.endsWith(`-${child.pid}`)) : []).toEqual([]);
  }, 240_000);

  it('SIGKILL to distrokit (no clean-up possible): the kernel kills QEMU through its parent-death signal', async () => {
    const tmp = runTmp();
    const run = await startedRun(['vm', 'run', '--console', '--', 'sleep', '600'], tmp);
    const { child, qemuPid } = run;
    child.kill('SIGKILL');
    expect((await run.exited).signal).toBe('SIGKILL');
    // The kernel delivers the signal when the parent goes; give the reaping a moment on a loaded machine.
    for (let i = 0; i < 100 && processAlive(qemuPid); i++) await new Promise((ok) => setTimeout(ok, 100));
    expect(processAlive(qemuPid)).toBe(false);
    // What SIGKILL cannot do is remove distrokit's own temporary directory: that stays (and is removed here).
    rmSync(tmp, { recursive: true, force: true });
  }, 240_000);
});
